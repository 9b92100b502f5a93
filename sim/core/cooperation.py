"""The cooperation index: how much a state's standing position gives the other side on the
issues that are not its core interests (the visible half of a tactical pause).

With more than two agents at the table, the index averages what the position gives each other
agent, weighted by their ``weight``.
"""

from __future__ import annotations

import numpy as np

from sim.core.agents import StateAgent
from sim.core.preferences import issue_loss, issue_utility
from sim.core.session import Session


def peripheral_weights(agent: StateAgent, other: StateAgent) -> np.ndarray:
    """The other side's saliences on the issues where ``agent`` has no red line, normalised."""
    core = agent.red_lines.core
    weights = np.where(core, 0.0, other.preferences.salience)
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
    return np.sum(weights * issue_utility(position, prefs.ideal, prefs.shape), axis=-1)


def _compact(array: np.ndarray) -> np.ndarray:
    """``array`` (R, I) as one row when every replication's row is the same."""
    return array[:1] if len(array) > 1 and bool((array == array[:1]).all()) else array


class Table:
    """With many others, an index is their cooperation indices averaged with their weights:
    ``sum_j omega_j sum_k p_jk u_j(x_k)``. The others' ideals and weighted peripheral weights
    ``omega_j p_jk`` are stacked per utility shape (one row when every replication has the same),
    so a round scores a position with one array operation per shape, not one per agent."""

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
            self.groups.append((shape, ideal, weight))
        self.total = sum(weight.sum(axis=(0, 2)) for _, _, weight in self.groups)

    def score(self, position: np.ndarray) -> np.ndarray:
        """(R,) the index of ``position`` (R, I): the weights minus the weighted losses."""
        lost = 0.0
        for shape, ideal, weight in self.groups:
            loss = issue_loss(position[None], ideal, shape)  # (m, R, I)
            if len(weight[0]) == 1:
                lost = lost + np.einsum("jrk,jk->r", loss, weight[:, 0])
            else:
                lost = lost + np.einsum("jrk,jrk->r", loss, weight)
        return self.total - lost


class Cooperation:
    """Each agent's cooperation index now (``now``, (R,)) and in every round of the run
    (``path``, (R, sessions * rounds), float32 to keep a long run's paths small)."""

    def __init__(self, session: Session):
        agents = session.state_agents
        steps = session.sessions * session.rounds
        self.now = {agent.name: np.full(session.n, np.nan) for agent in agents}
        self.path = {
            agent.name: np.full((session.n, steps), np.nan, dtype=np.float32) for agent in agents
        }
        # (agent name, other's name) -> (the other's preferences they were computed for, weights)
        self._weights: dict[tuple[str, str], tuple[object, np.ndarray]] = {}
        # agent name -> (the others' preferences, their stacked table), with many others
        self._tables: dict[str, tuple[tuple, Table]] = {}

    def _peripheral(self, agent: StateAgent, other: StateAgent) -> np.ndarray:
        """Recomputed only when the other side's preferences are replaced (by an event). The
        preferences object is kept and compared by identity: an id() could be reused."""
        key = (agent.name, other.name)
        cached = self._weights.get(key)
        if cached is None or cached[0] is not other.preferences:
            cached = (other.preferences, peripheral_weights(agent, other))
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
        column = session.session * session.rounds + session.round
        for agent in session.state_agents:
            others = session.others(agent)
            position = session.standing_position(agent)
            if len(others) == 1:
                (other,) = others
                score = cooperation_index(agent, other, position, self._peripheral(agent, other))
            else:
                total = sum(other.weight for other in others)
                score = sum(
                    other.weight
                    / total
                    * cooperation_index(agent, other, position, self._peripheral(agent, other))
                    for other in others
                )
            self.now[agent.name] = np.where(rows, score, self.now[agent.name])
            self.path[agent.name][:, column] = self.now[agent.name]

    def hold(self, first: int, stop: int) -> None:
        """Rounds ``first .. stop - 1`` of the run were skipped: they keep the settled scores."""
        for name, level in self.now.items():
            self.path[name][:, first:stop] = level[:, None]
