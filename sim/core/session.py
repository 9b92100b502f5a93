"""The session interface: what protocols, events, pressures, beliefs, the cooperation index and
the trace may see of a running model, and the only ways they may change it.

They ask for this small :class:`Session` instead of importing the concrete
:class:`~sim.core.model.NegotiationModel` (as a NegMAS negotiator sees a read-only view of its
mechanism), so the model can import them without an import cycle, and none of them writes the
model's arrays or calls its private methods. Everything is read-only except the methods under
"changes", through which a collaborator settles issues, ends sessions or marks walk-outs.
Arrays carry a leading replication axis ``R``; ``I`` is the issue axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.core.rng import Streams
from sim.scenario.spec import Mediator, Value

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent
    from sim.core.ratification import Ratifier


class Session(Protocol):
    # --- where the run stands ----------------------------------------------------------------

    @property
    def n(self) -> int:
        """Replications in this batch."""

    @property
    def start(self) -> int:
        """Index of the batch's first replication in the run."""

    @property
    def issues(self) -> Sequence[str]: ...

    @property
    def sessions(self) -> int: ...

    @property
    def session(self) -> int:
        """The current session, from 0."""

    @property
    def rounds(self) -> int:
        """Rounds in a session."""

    @property
    def round(self) -> int:
        """The current round of the session, from 0."""

    @property
    def state_agents(self) -> Sequence[StateAgent]:
        """The agents at the table, in scenario order."""

    @property
    def agents_in_order(self) -> Sequence[StateAgent]:
        """The agents in proposing order: the scenario's first proposer first."""

    @property
    def ratifier(self) -> Ratifier:
        """The scenario's ratification rule for the agents at the table."""

    @property
    def mediator(self) -> Mediator:
        """The single-text mediator's rule (``negotiation.mediator``)."""

    @property
    def open(self) -> np.ndarray:
        """(R, I) issues still open in this session."""

    @property
    def position_version(self) -> int:
        """Changes whenever a standing position may move other than by its agent's own offer."""

    @property
    def cooperation(self) -> Mapping[str, np.ndarray]:
        """Each agent's cooperation index now, (R,) (see :mod:`sim.core.cooperation`)."""

    @property
    def pressure(self) -> Mapping[str, np.ndarray]:
        """Each pressure's level now, (R,)."""

    @property
    def belief(self) -> np.ndarray | None:
        """(R,) the misread observer's belief that the target's softening is genuine, if any."""

    @property
    def streams(self) -> Streams:
        """The batch's random streams (a collaborator draws its session's numbers here)."""

    def draw(self, value: Value) -> np.ndarray:
        """(R,) values of a scenario number: constant, or drawn per replication."""

    def others(self, agent: StateAgent) -> list[StateAgent]:
        """Everyone at the table but ``agent``, in scenario order."""

    def proposer_order(self, round_: int) -> Sequence[StateAgent]:
        """Who proposes in ``round_``: the proposing order, rotated one place per round."""

    def standing_position(self, agent: StateAgent, rows: np.ndarray | None = None) -> np.ndarray:
        """(R, I) where ``agent`` stands: what was agreed, else its latest offer, else the
        status quo; the status quo where it walked out. Only in the replications ``rows``
        (indices), if given. Read-only."""

    def settled_since(self, version: int) -> np.ndarray | None:
        """The replications (indices) where agreements moved standing positions since
        ``position_version`` was ``version``, if nothing else moved them since; else None."""

    def active_events(self, rep: int) -> str:
        """Names of the events active in replication ``rep`` of the batch, comma-separated."""

    # --- changes -----------------------------------------------------------------------------

    def update_aspirations(self) -> None:
        """Every agent updates its aspiration from what it sees of the session."""

    def record_offer(self, agent: StateAgent, offer: np.ndarray) -> None: ...

    def record_votes(self, proposer: StateAgent, offer: np.ndarray, votes: np.ndarray) -> None:
        """Every agent's answer to ``proposer``'s ``offer``: ``votes`` (R, n), or (R, I, n)
        issue by issue, in scenario order (the proposer's opponent models learn from them)."""

    def record_response(
        self, responder: StateAgent, accepted: np.ndarray, offered_by: StateAgent | None = None
    ) -> None:
        """``responder`` accepted the latest offer on the table (``offered_by``'s, if given)
        where ``accepted`` holds."""

    def close(
        self, accepted: np.ndarray, package: np.ndarray, votes: np.ndarray | None = None
    ) -> None:
        """Settle the still-open issues where ``accepted`` (R, I) holds, at ``package``;
        ``votes`` (R, n), or (R, I, n) issue by issue: who accepted it, in scenario order."""

    def end_in_conflict(self, rows: np.ndarray) -> None:
        """The session ends without agreement on what is still open, where ``rows`` (R,) holds."""

    def walk_out(self, agent: StateAgent, rows: np.ndarray) -> None:
        """``agent`` walks out where ``rows`` (R,) holds: the session ends in conflict, and the
        agent suspends what it had implemented on the peripheral issues it implements."""
