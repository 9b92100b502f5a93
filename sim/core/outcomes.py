"""What a run settled, per replication: the running tally over sessions and the columns of the
per-replication table (``replications.parquet``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.core import rowwise
from sim.core.accuracy import mean_accuracy, mean_red_lines_found
from sim.core.agents import StateAgent
from sim.core.beliefs import Misread
from sim.core.diagnostics import StallDiagnostics
from sim.core.events import Events
from sim.core.red_lines import OneWay, count_violations


class Tally:
    """Per replication, over the sessions so far: sessions with an agreement, the run's round of
    the first agreement, issues ever agreed, red-line violations, broken commitments and, with
    one-way issues (``one_way``), agreed values that moved one the wrong way; the first
    session's agreement (NaN where none), for comparison with theory; and which of the
    ``n_agents`` agents accepted the run's first agreement (``accepted``, (R, n_agents))."""

    def __init__(self, n: int, n_issues: int, one_way: OneWay | None = None, n_agents: int = 2):
        self.sessions_agreed = np.zeros(n, dtype=int)
        self.rounds_to_agreement = np.full(n, np.nan)
        self.ever_agreed = np.zeros((n, n_issues), dtype=bool)
        self.violations = np.zeros(n, dtype=int)
        self.broken = np.zeros(n, dtype=int)
        self.one_way = one_way
        self.wrong_way = None if one_way is None else np.zeros(n, dtype=int)
        self.first_agreement = np.full((n, n_issues), np.nan)
        self.ratification_failures = np.zeros(n, dtype=int)
        self.voted = np.zeros(n, dtype=bool)
        self.voted_in = np.full(n, -1)
        self.accepted = np.zeros((n, n_agents), dtype=bool)

    def vote(self, rows: np.ndarray, yes: np.ndarray, session: int = 0) -> None:
        """An agreement was reached in ``session`` where ``rows`` (R,) holds, ``yes``
        (R, n_agents) accepting it: kept where it is the run's first."""
        first = np.flatnonzero(rows & ~self.voted)  # few: the rows that settled just now
        self.accepted[first] = yes[first]
        self.voted[first] = True
        self.voted_in[first] = session

    def unvote(self, rows: np.ndarray, session: int) -> None:
        """The deals of ``session`` fell at home where ``rows`` holds: a vote recorded in that
        session was not on the run's first (ratified) agreement."""
        undo = rows & self.voted & (self.voted_in == session)
        self.voted &= ~undo
        self.accepted[undo] = False

    def end_session(
        self,
        session: int,
        rounds: int,
        agreed: np.ndarray,
        agreed_round: np.ndarray,
        value: np.ndarray,
        implemented: np.ndarray,
        agents: Sequence[StateAgent],
        status_quo: np.ndarray | None = None,
    ) -> None:
        """Add session ``session`` (of ``rounds`` rounds): ``agreed`` (R, I) issues settled, in
        ``agreed_round``; ``value`` the agreed values, else the status quo; ``implemented``
        what was carried out; ``status_quo`` where the session started (for one-way issues)."""
        any_agreed = rowwise.any_(agreed)
        if session == 0:
            self.first_agreement = np.where(any_agreed[:, None], value, np.nan)
        first_round = rowwise.min_(np.where(agreed, agreed_round, rounds))
        elapsed = session * rounds + first_round + 1
        self.rounds_to_agreement = np.where(
            any_agreed & np.isnan(self.rounds_to_agreement), elapsed, self.rounds_to_agreement
        )
        self.sessions_agreed += any_agreed
        self.ever_agreed |= agreed
        self.violations += count_violations(value, agreed, [agent.red_lines for agent in agents])
        self.broken += rowwise.count_(agreed & ~implemented)
        if self.one_way is not None:
            self.wrong_way += rowwise.count_(self.one_way.wrong_way(value, status_quo) & agreed)


def outcome_columns(
    *,
    reps: np.ndarray,
    tally: Tally,
    stalls: StallDiagnostics,
    agents: Sequence[StateAgent],
    issues: Sequence[str],
    initial_status_quo: np.ndarray,
    status_quo: np.ndarray,
    cooperation: Mapping[str, np.ndarray],
    pressure: Mapping[str, np.ndarray],
    misread: Misread | None,
    events: Events,
    fall_back_on_status_quo: bool,
) -> dict[str, np.ndarray]:
    """One row per replication ``reps``: the columns of the per-replication table, in order.

    ``cooperation`` is each agent's cooperation index averaged over the rounds of the run.
    ``status_quo`` is where the run left every issue; failing to agree in every session leaves
    an agent its reservation utility unless disagreement means the status quo.
    """
    columns: dict[str, np.ndarray] = {
        "rep": reps,
        "agreement": tally.sessions_agreed > 0,
        "sessions_agreed": tally.sessions_agreed,
        "rounds_to_agreement": tally.rounds_to_agreement,
        "red_line_violations": tally.violations,
        **({} if tally.wrong_way is None else {"wrong_way_moves": tally.wrong_way}),
        "broken_commitments": tally.broken,
        "stalled_sessions": stalls.stalled,
        "red_line_blocks": stalls.red_line_blocks,
        "exhausted_sessions": stalls.exhausted,
        "conflicts": stalls.conflicts,
        "ratification_failures": tally.ratification_failures,
        "coalition_size": tally.accepted.sum(axis=1),
    }
    for index, agent in enumerate(agents):
        columns[f"accepted_{agent.name}"] = tally.accepted[:, index].copy()
    for agent in agents:
        core = np.broadcast_to(agent.red_lines.core, (len(issues),))
        moved = np.abs(status_quo - initial_status_quo)[:, core]
        columns[f"core_movement_{agent.name}"] = (
            moved.max(axis=1) if moved.shape[1] else np.zeros(len(reps))
        )
        columns[f"cooperation_{agent.name}"] = cooperation[agent.name]
    for name, level in pressure.items():
        columns[f"pressure_{name}"] = level
    if misread is not None:
        columns["misread"] = misread.crossed
        columns["walkouts"] = misread.walkouts
        columns["belief"] = misread.belief
    for e, event in enumerate(events.specs):
        columns[f"event_{event.name}"] = events.fired[:, e]
    for i, issue in enumerate(issues):
        columns[f"agreed_{issue}"] = tally.ever_agreed[:, i]
        columns[f"value_{issue}"] = status_quo[:, i]
        columns[f"widest_gap_{issue}"] = stalls.widest_gap[:, i]
    columns.update(
        _utilities(agents, tally, initial_status_quo, status_quo, fall_back_on_status_quo)
    )
    return columns


def _utilities(
    agents: Sequence[StateAgent],
    tally: Tally,
    initial_status_quo: np.ndarray,
    status_quo: np.ndarray,
    fall_back_on_status_quo: bool,
) -> dict[str, np.ndarray]:
    """Each agent's final utility, discounted by the rounds to the first agreement, its gain
    over the initial status quo, and its trust at the end."""
    anything_agreed = tally.sessions_agreed > 0
    delay = np.where(anything_agreed, tally.rounds_to_agreement - 1, 0)
    columns = {}
    for agent in agents:
        final = agent.utility(status_quo)
        if not fall_back_on_status_quo:
            final = np.where(anything_agreed, final, agent.reservation)
        if agent.commitments is not None:  # backing down in public cost it
            final = final - agent.commitments.paid
        columns[f"utility_{agent.name}"] = final
        columns[f"discounted_{agent.name}"] = final * agent.discount**delay
        columns[f"gain_{agent.name}"] = final - agent.utility(initial_status_quo)
        columns[f"trust_{agent.name}"] = agent.trust
    for agent in agents:
        if agent.commitments is not None:
            kept = agent.commitments
            columns[f"commitments_made_{agent.name}"] = kept.made.sum(axis=1)
            columns[f"commitments_kept_{agent.name}"] = (kept.made & ~kept.abandoned).sum(axis=1)
            columns[f"commitments_abandoned_{agent.name}"] = kept.abandoned.sum(axis=1)
            columns[f"audience_costs_{agent.name}"] = kept.paid
    for agent in agents:
        columns[f"accuracy_{agent.name}"] = mean_accuracy(agent)
        columns[f"red_lines_found_{agent.name}"] = mean_red_lines_found(agent)
    return columns
