"""Why sessions stalled: counts per replication, for the table and the report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core import rowwise
from sim.core.agents import StateAgent

# An aspiration within this of the lowest it may reach counts as at its limit.
AT_LIMIT = 1e-9


class StallDiagnostics:
    """Per replication, over the sessions of a run.

    ``stalled``: sessions that reached the deadline with issues open, or ended in conflict.
    ``conflicts``: sessions that ended in conflict. ``exhausted``: deadline sessions in which
    every agent had conceded as far as it could (its floor, or less far when trust or pressure
    holds it back) and the offers still did not meet. ``red_line_blocks``: deadline sessions in
    which an offer on the table was good enough for another agent but crossed its red line
    (judged issue by issue when there is no linkage). ``widest_gap`` (R, I): in how many deadline
    sessions each issue was the furthest apart (salience-weighted). Sessions that ended in
    conflict count as stalled and as conflicts only: their offers went on changing after the
    conflict in a batch that kept playing.
    """

    def __init__(self, n: int, n_issues: int):
        self.stalled = np.zeros(n, dtype=int)
        self.conflicts = np.zeros(n, dtype=int)
        self.exhausted = np.zeros(n, dtype=int)
        self.red_line_blocks = np.zeros(n, dtype=int)
        self.widest_gap = np.zeros((n, n_issues), dtype=int)

    def end_session(
        self, agents: Sequence[StateAgent], open_: np.ndarray, conflict: np.ndarray, linkage: bool
    ) -> None:
        """Count the session that just ended: ``open_`` (R, I) issues still open, ``conflict``
        (R,) sessions that ended in conflict, ``linkage`` whether offers were whole packages."""
        stalled = rowwise.any_(open_)
        self.stalled += stalled | conflict
        self.conflicts += conflict
        if not stalled.any():  # every session settled: nothing more to count
            return
        at_limit = [agent.aspiration <= agent.lowest_aspiration() + AT_LIMIT for agent in agents]
        self.exhausted += stalled & np.logical_and.reduce(at_limit)
        if any(agent.last_offer is None for agent in agents):
            return
        self.red_line_blocks += stalled & self._red_line_blocked(agents, open_, linkage)
        offers = np.stack([agent.last_offer for agent in agents])
        weight = np.sum([agent.preferences.salience for agent in agents], axis=0)
        spread = offers.max(axis=0) - offers.min(axis=0)
        gap = np.where(open_, spread * weight, -1.0)
        widest = np.argmax(gap, axis=1)
        self.widest_gap[np.flatnonzero(stalled), widest[stalled]] += 1

    @staticmethod
    def _red_line_blocked(
        agents: Sequence[StateAgent], open_: np.ndarray, linkage: bool
    ) -> np.ndarray:
        """(R,) whether some agent's last offer reached another's acceptance level but crossed
        that agent's red line; acceptance is the agent's own test (``StateAgent.accepts*``)."""
        blocked = np.zeros(len(open_), dtype=bool)
        for proposer in agents:
            offer = proposer.last_offer
            for responder in agents:
                if responder is proposer or responder.red_lines.unbounded:
                    continue
                if linkage:
                    good_enough = responder.accepts_on_utility(offer)
                    blocked |= good_enough & ~responder.red_lines.admits(offer)
                else:
                    crossing = responder.accepts_issues_on_utility(offer)
                    crossing &= ~responder.red_lines.admits_issues(offer)
                    blocked |= (crossing & open_).any(axis=1)
        return blocked
