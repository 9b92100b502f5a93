"""The frozen spec of a scenario: what the validator builds and every other layer reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.catalogue import Catalogue
from sim.scenario.distributions import Distribution, PerReplication
from sim.scenario.dynamics import MisreadSpec, PressureSpec

DISAGREEMENT = ("status_quo", "reservation")
ALL_PARTIES = "all"
# Which way an agreement may move an issue from the session's status quo: either way (the
# default), only up, or only down (pressure on a third party can be added, not taken back).
BOTH_WAYS, UP, DOWN = "both", "up", "down"
DIRECTIONS = (BOTH_WAYS, UP, DOWN)
# The red line of an issue that is not a core interest: every value is admissible.
NO_RED_LINE = (0.0, 1.0)


# A number in a scenario: fixed, or drawn per replication (or, programmatically, given per
# replication).
Value = float | Distribution | PerReplication


# Agent fields an event may shift, with the range the shifted value is kept in.
SHIFTABLE = {
    "reservation": (0.0, 1.0),
    "compliance": (0.0, 1.0),
    "risk": (1e-6, 100.0),
}


@dataclass(frozen=True)
class IssueSpec:
    name: str
    status_quo: Value
    implementer: str
    description: str = ""
    low: str = "0"
    high: str = "1"
    direction: str = BOTH_WAYS

    @property
    def one_way(self) -> bool:
        """Whether an agreement may move this issue only one way from the status quo."""
        return self.direction != BOTH_WAYS


@dataclass(frozen=True)
class AgentSpec:
    name: str
    label: str
    utility: str
    risk: Value
    reservation: Value
    discount: Value
    compliance: Value
    ideal: dict[str, Value]
    salience: dict[str, Value]  # normalised to sum to 1 when fixed; per replication otherwise
    red_lines: dict[str, tuple[float, float]]  # only the issues that have one
    strategy: str
    strategy_params: dict[str, Value]

    def red_line(self, issue: str) -> tuple[float, float]:
        """The values this agent will ever propose or accept on ``issue``: ``[0, 1]`` when the
        issue is not a core interest."""
        return self.red_lines.get(issue, NO_RED_LINE)

    def is_core(self, issue: str) -> bool:
        """Whether ``issue`` is one of this agent's core interests (it has a red line)."""
        return self.red_line(issue) != NO_RED_LINE


@dataclass(frozen=True)
class Negotiation:
    protocol: str
    sessions: int
    rounds: int
    first_proposer: str
    disagreement: str  # what an agent falls back on: the status quo, or its reservation utility


@dataclass(frozen=True)
class Trust:
    initial: Value
    penalty: Value
    recovery: Value


@dataclass(frozen=True)
class Shift:
    """While an event is active: ``field`` of ``agent`` is multiplied by ``multiply``, then
    ``add`` is added (and the result kept inside the field's range)."""

    agent: str
    field: str
    add: Value = 0.0
    multiply: Value = 1.0


@dataclass(frozen=True)
class EventSpec:
    """A shock that shifts parameters for ``duration`` rounds: scheduled at (session, round),
    or random with a per-round ``hazard`` while it is not active."""

    name: str
    description: str
    duration: int
    shifts: tuple[Shift, ...]
    session: int | None = None
    round: int | None = None
    hazard: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    source: str
    negotiation: Negotiation
    trust: Trust
    issues: tuple[IssueSpec, ...]
    agents: tuple[AgentSpec, ...]
    events: tuple[EventSpec, ...] = ()
    pressures: tuple[PressureSpec, ...] = ()
    misread: MisreadSpec | None = None
    # The strategies, protocols and utility shapes the scenario was checked against.
    catalogue: Catalogue | None = field(default=None, compare=False, repr=False)

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(issue.name for issue in self.issues)

    @property
    def one_way_issues(self) -> tuple[IssueSpec, ...]:
        """The issues an agreement may move only up, or only down, from the status quo."""
        return tuple(issue for issue in self.issues if issue.one_way)

    @property
    def agent_names(self) -> tuple[str, ...]:
        return tuple(agent.name for agent in self.agents)

    def agent(self, name: str) -> AgentSpec:
        return self.agents[self.agent_names.index(name)]
