"""The cooperation index: how much a state's standing position gives the other side on the
issues that are not its core interests (the visible half of a tactical pause).

With more than two agents at the table, the index averages what the position gives each other
agent, weighted by their ``weight``.
"""

from __future__ import annotations

import numpy as np

from sim.core import rowwise
from sim.core.agents import StateAgent
from sim.core.preferences import issue_loss, issue_utility
from sim.core.session import Session


def peripheral_weights(agent: StateAgent, other: StateAgent, compact: bool = False) -> np.ndarray:
    """The other side's saliences on the issues where ``agent`` has no red line, normalised;
    if ``compact``, one row (1, I) where every replication has the same."""
    core, salience = agent.red_lines.core, other.preferences.salience
    if compact:
        core, salience = _compact(np.atleast_2d(core)), _compact(np.atleast_2d(salience))
    weights = np.where(core, 0.0, salience)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.full_like(weights, np.nan), where=total > 0)


def cooperation_index(
    agent: StateAgent, other: StateAgent, position: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """How much ``agent``'s position gives ``other`` on the agent's peripheral issues, in [0, 1]:
    the other side's utility restricted to those issues (its core interests are left out).
    ``weights``: :func:`peripheral_weights`, if already known."""
    prefs = other.preferences
    if weights is None:
        weights = peripheral_weights(agent, other)
    return _given(position, prefs.ideal, prefs.shape, rowwise.Rows(weights))


def _given(position: np.ndarray, ideal: np.ndarray, shape, weights: rowwise.Rows) -> np.ndarray:
    given = issue_utility(position, ideal, shape)
    return rowwise.sum_(weights.apply(_weigh, given, 0, out=given))


def _weigh(given: np.ndarray, weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.multiply(weights, given, out=out)  # the weights first, as the index always had


def _compact(array: np.ndarray) -> np.ndarray:
    """``array`` (R, I) as one row when every replication's row is the same."""
    return array[:1] if len(array) > 1 and bool((array == array[:1]).all()) else array


class Table:
    """With many others, an index is their cooperation indices averaged with their weights:
    ``sum_j omega_j sum_k p_jk u_j(x_k)``, i.e. the weights ``a_jk = omega_j p_jk`` minus the
    weighted losses ``sum_k g_k(x_k)``, ``g_k(x) = sum_j a_jk L(x - b_jk)``.

    When every replication has the same weights and ideals, ``g_k`` is prepared once per issue:
    for quadratic others it is one quadratic, ``A x^2 - 2 B x + C``; for linear ones it is
    piecewise linear with a kink at each ideal, so a position is scored by finding between which
    ideals it lies (one sorted search over every issue at once) and one multiply-add. Otherwise
    the losses of every other agent are computed, stacked per utility shape.
    """

    def __init__(self, others: list[StateAgent], weights: list[np.ndarray]):
        self.groups = []
        for shape in ("linear", "quadratic"):
            members = [j for j, other in enumerate(others) if other.preferences.shape == shape]
            if not members:
                continue
            ideal = [_compact(np.atleast_2d(others[j].preferences.ideal)) for j in members]
            weight = [_compact(np.nan_to_num(np.atleast_2d(weights[j]))) for j in members]
            rows = max(len(a) for a in (*ideal, *weight))
            ideal, weight = (
                np.stack([np.broadcast_to(a, (rows, a.shape[-1])) for a in arrays])
                for arrays in (ideal, weight)
            )
            if rows > 1:
                self.groups.append((shape, ideal, weight))
            elif shape == "quadratic":
                self.groups.append(("quadratic_sum", *_quadratic_sum(ideal[:, 0], weight[:, 0])))
            else:
                self.groups.append(("kinks", *_kinks(ideal[:, 0], weight[:, 0])))
        self.total = sum(_weight_total(group) for group in self.groups)

    def score(self, position: np.ndarray) -> np.ndarray:
        """(R,) the index of ``position`` (R, I): the weights minus the weighted losses."""
        lost = 0.0
        for kind, *arrays in self.groups:
            if kind == "kinks":
                flat, slope, intercept, offset, step, _ = arrays
                where = np.searchsorted(flat, position + offset, side="right") - step
                lost = lost + rowwise.sum_(slope[where] * position + intercept[where])
            elif kind == "quadratic_sum":
                a, b, c, _ = arrays
                lost = lost + rowwise.sum_((a * position - 2.0 * b) * position + c)
            else:
                ideal, weight = arrays
                loss = issue_loss(position[None], ideal, kind)  # (m, R, I)
                lost = lost + np.einsum("jrk,jrk->r", loss, weight)
        return self.total - lost


def _weight_total(group) -> np.ndarray | float:
    kind, *arrays = group
    if kind in ("kinks", "quadratic_sum"):
        return arrays[-1]
    return arrays[1].sum(axis=(0, 2))


def _quadratic_sum(ideal: np.ndarray, weight: np.ndarray):
    """``sum_j a_j (x - b_j)^2 = A x^2 - 2 B x + C`` per issue, from (m, I) ideals and weights."""
    return (
        weight.sum(axis=0),
        (weight * ideal).sum(axis=0),
        (weight * ideal * ideal).sum(axis=0),
        weight.sum(),
    )


def _kinks(ideal: np.ndarray, weight: np.ndarray):
    """``sum_j a_j |x - b_j|`` per issue as a lookup: with ``q`` ideals at or below ``x``,
    it is ``slope[q] x + intercept[q]``. Issue k's ideals are shifted by ``2k`` and every issue's
    laid end to end, so one sorted search finds ``q`` for every issue of a position (values lie
    in [0, 1]); ``step`` turns the position found into the issue's own table row."""
    m, issues = ideal.shape
    order = np.argsort(ideal, axis=0, kind="stable")
    b = np.take_along_axis(ideal, order, axis=0)
    a = np.take_along_axis(weight, order, axis=0)
    below_a = np.vstack([np.zeros(issues), np.cumsum(a, axis=0)])  # (m + 1, I)
    below_b = np.vstack([np.zeros(issues), np.cumsum(a * b, axis=0)])
    slope = 2.0 * below_a - below_a[-1]
    intercept = below_b[-1] - 2.0 * below_b
    offset = 2.0 * np.arange(issues)
    flat = (b + offset).T.reshape(-1)  # issue-major, each issue's ideals sorted
    # Issue k's search lands in [k m, (k + 1) m]; its table row is k (m + 1) + q.
    step = np.arange(issues) * m - np.arange(issues) * (m + 1)
    return flat, slope.T.reshape(-1), intercept.T.reshape(-1), offset, step, weight.sum()


class Cooperation:
    """Each agent's cooperation index now (``now``, (R,)) and in every round of the run
    (``path``, (R, sessions * rounds), float32 to keep a long run's paths small).

    The paths are kept round by round, (sessions * rounds, R), so that a round's scores are
    written in one contiguous pass (a column of (R, steps) touches a cache line per
    replication), and turned replication by replication when read."""

    def __init__(self, session: Session):
        agents = session.state_agents
        steps = session.sessions * session.rounds
        self.now = {agent.name: np.full(session.n, np.nan) for agent in agents}
        self._rounds = {
            agent.name: np.full((steps, session.n), np.nan, dtype=np.float32) for agent in agents
        }
        self._path: dict[str, np.ndarray] | None = None
        # (agent name, other's name) -> (the other's preferences they were computed for, weights)
        self._weights: dict[tuple[str, str], tuple[object, rowwise.Rows]] = {}
        # agent name -> (position version, what its score was computed for, the score)
        self._scores: dict[str, tuple] = {}
        # agent name -> (the others' preferences, their stacked table), with many others
        self._tables: dict[str, tuple[tuple, Table]] = {}

    def _peripheral(self, agent: StateAgent, other: StateAgent) -> rowwise.Rows:
        """Recomputed only when the other side's preferences are replaced (by an event). The
        preferences object is kept and compared by identity: an id() could be reused."""
        key = (agent.name, other.name)
        cached = self._weights.get(key)
        if cached is None or cached[0] is not other.preferences:
            weights = peripheral_weights(agent, other, compact=True)
            cached = (other.preferences, rowwise.Rows(weights))
            self._weights[key] = cached
        return cached[1]

    def _table(self, agent: StateAgent, others: list[StateAgent]) -> Table:
        """The stacked weights of ``agent``'s index over many others, rebuilt only when one of
        their preferences is replaced (by an event)."""
        made_for = tuple(other.preferences for other in others)
        cached = self._tables.get(agent.name)
        if cached is None or any(a is not b for a, b in zip(made_for, cached[0], strict=True)):
            total = sum(other.weight for other in others)
            weights = [other.weight / total * peripheral_weights(agent, other) for other in others]
            cached = (made_for, Table(others, weights))
            self._tables[agent.name] = cached
        return cached[1]

    def update(self, session: Session, rows: np.ndarray) -> None:
        """Score each agent's standing position for this round of the run, in ``rows`` (R,);
        the other replications (their session already settled) keep their score, as in the
        rounds a batch skips."""
        step = session.session * session.rounds + session.round
        self._path = None
        every = bool(rows.all())
        for agent in session.state_agents:
            score = self._score(session, agent)
            now = score if every else np.where(rows, score, self.now[agent.name])
            now.flags.writeable = False  # it may be the score kept for the next rounds
            self.now[agent.name] = now
            self._rounds[agent.name][step] = now

    def _score(self, session: Session, agent: StateAgent) -> np.ndarray:
        """(R,) ``agent``'s index now, recomputed only when its standing position may have moved
        (a new offer of its own, or a change to what was agreed or to the status quo: the
        session's ``position_version``) or an event replaced another's preferences. When only
        agreements moved it since (``Session.settled_since``), only their rows are scored again:
        a row's score depends on that row alone."""
        others = session.others(agent)
        made_for = (agent.last_offer, *(other.preferences for other in others))
        cached = self._scores.get(agent.name)
        if cached is not None and all(a is b for a, b in zip(made_for, cached[1], strict=True)):
            if cached[0] == session.position_version:
                return cached[2]
            settled = session.settled_since(cached[0])
            if settled is not None and len(others) == 1:
                (other,) = others
                score = cached[2].copy()
                score[settled] = _given(
                    session.standing_position(agent, settled),
                    other.preferences.ideal[settled],
                    other.preferences.shape,
                    self._peripheral(agent, other).take(settled),
                )
                self._scores[agent.name] = (session.position_version, made_for, score)
                return score
        position = session.standing_position(agent)
        if len(others) == 1:
            (other,) = others
            prefs = other.preferences
            score = _given(position, prefs.ideal, prefs.shape, self._peripheral(agent, other))
        else:
            score = self._table(agent, others).score(position)
        self._scores[agent.name] = (session.position_version, made_for, score)
        return score

    def hold(self, first: int, stop: int) -> None:
        """Rounds ``first .. stop - 1`` of the run were skipped: they keep the settled scores."""
        self._path = None
        for name, level in self.now.items():
            self._rounds[name][first:stop] = level

    def mean(self) -> dict[str, np.ndarray]:
        """(R,) each agent's index averaged over the rounds of the run: ``path[name].mean(axis=1,
        dtype=float)`` bit for bit, without turning the paths."""
        return {name: rowwise.mean_of_rows(r) for name, r in self._rounds.items()}

    @property
    def path(self) -> dict[str, np.ndarray]:
        """Each agent's index in every round of the run, (R, sessions * rounds) (turned once
        until the next round is scored; not to be changed)."""
        if self._path is None:
            self._path = {name: np.ascontiguousarray(r.T) for name, r in self._rounds.items()}
        return self._path
