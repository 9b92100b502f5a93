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


# How many agents a scenario may seat.
MIN_AGENTS, MAX_AGENTS = 2, 30
# Ratification rules: every agent must accept, or a qualified majority (of the weights or of the
# agents) including every veto player. A red line is always a veto, whatever the rule.
UNANIMITY, QUALIFIED_MAJORITY = "unanimity", "qualified_majority"
RATIFICATION_RULES = (UNANIMITY, QUALIFIED_MAJORITY)
BY_WEIGHT, BY_COUNT = "weight", "count"
# How a single-text mediator moves its text (``mediated_single_text``).
MEDIATOR_RULES = ("nash_step", "anneal")


# Agent fields an event may shift, with the range the shifted value is kept in.
SHIFTABLE = {
    "reservation": (0.0, 1.0),
    "threshold": (0.0, 1.0),  # the domestic ratification threshold (agents with a ratifier)
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


# Whether an agent knows the others' domestic win-sets (negotiation.win_sets).
WIN_SETS = ("known", "believed", "unknown")


@dataclass(frozen=True)
class DomesticSpec:
    """A ratifier at home: a deal is implemented only if it is worth at least ``threshold`` by
    the ratifier's preferences (``ideal``, ``salience``; None: the agent's own)."""

    threshold: Value
    ideal: dict[str, Value] | None = None
    salience: dict[str, Value] | None = None

    @property
    def own_preferences(self) -> bool:
        return self.ideal is None


@dataclass(frozen=True)
class Commitment:
    """A public commitment on ``issue``: a deal further from the agent's ideal than ``value``
    costs it ``audience_cost`` in utility. Made at the start, or when the agent's trust falls
    below ``trust_below`` (checked at the start of each session). ``bluff``: a declared red line
    tighter than the true one, whose calling costs the audience cost."""

    issue: str
    value: float
    audience_cost: float
    trust_below: float | None = None
    bluff: bool = False


@dataclass(frozen=True)
class StrategyChoice:
    """A whole strategy: a concession curve, an opponent model and an acceptance condition, each
    a registered name with its parameters."""

    strategy: str
    strategy_params: dict[str, Value] = field(default_factory=dict)
    opponent_model: str = "oracle"
    opponent_params: dict[str, Value] = field(default_factory=dict)
    acceptance: str = "aspiration"
    acceptance_params: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Lineup:
    """Which strategy each agent plays in which replications (a tournament plays every pairing
    in one run): ``seats[agent]`` holds ``(first, stop, choice)`` ranges of replications; an
    agent without a seat, and a replication outside every range, play the scenario's own."""

    seats: dict[str, tuple[tuple[int, int, StrategyChoice], ...]]


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
    # Voting weight (qualified majority ``by: weight``) or capability; the weighted Nash
    # solution's exponent and the weight of this agent's utility in the others' offers.
    weight: float = 1.0
    # What the agent believes of the others (an opponent model) and when it accepts an offer
    # (an acceptance condition), each a registered component with its parameters.
    opponent_model: str = "oracle"
    opponent_params: dict[str, Value] = field(default_factory=dict)
    acceptance: str = "aspiration"
    acceptance_params: dict[str, Value] = field(default_factory=dict)
    # The issues whose red line the agent has made public: every other agent knows it.
    declared: tuple[str, ...] = ()
    # Declared red lines tighter than the true ones (bluffs): issue -> the declared bounds.
    bluffs: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Domestic politics: a ratifier at home, and public commitments with audience costs.
    domestic: DomesticSpec | None = None
    commitments: tuple[Commitment, ...] = ()

    def declared_line(self, issue: str) -> tuple[float, float]:
        """The red line the others are told of on ``issue`` (a bluff's, or the true one)."""
        return self.bluffs.get(issue, self.red_line(issue))

    @property
    def choice(self) -> StrategyChoice:
        """The agent's whole strategy."""
        return StrategyChoice(
            self.strategy,
            self.strategy_params,
            self.opponent_model,
            self.opponent_params,
            self.acceptance,
            self.acceptance_params,
        )

    def red_line(self, issue: str) -> tuple[float, float]:
        """The values this agent will ever propose or accept on ``issue``: ``[0, 1]`` when the
        issue is not a core interest."""
        return self.red_lines.get(issue, NO_RED_LINE)

    def is_core(self, issue: str) -> bool:
        """Whether ``issue`` is one of this agent's core interests (it has a red line)."""
        return self.red_line(issue) != NO_RED_LINE


@dataclass(frozen=True)
class Ratification:
    """When an offer becomes an agreement: every agent accepts (``unanimity``), or the agents who
    accept hold at least ``threshold`` of the weights (``by: weight``) or of the agents
    (``by: count``) and include every ``veto`` player (``qualified_majority``). Whatever the
    rule, a package that crosses any agent's red line is never ratified."""

    rule: str = UNANIMITY
    threshold: float = 1.0
    by: str = BY_WEIGHT
    veto: tuple[str, ...] = ()

    @property
    def unanimous(self) -> bool:
        return self.rule == UNANIMITY


@dataclass(frozen=True)
class Mediator:
    """The single-text mediator's rule (``mediated_single_text``): ``nash_step`` moves the text a
    ``step`` toward the Nash point of the agents who said no; ``anneal`` tries a random
    perturbation of size ``spread`` and keeps it if it brings the agents closer to accepting, or
    by chance at ``temperature``, which falls by ``cooling`` each round (simulated annealing)."""

    rule: str = "nash_step"
    step: float = 0.1
    spread: float = 0.1
    temperature: float = 0.05
    cooling: float = 0.9


@dataclass(frozen=True)
class Negotiation:
    protocol: str
    sessions: int
    rounds: int
    first_proposer: str
    disagreement: str  # what an agent falls back on: the status quo, or its reservation utility
    ratification: Ratification = field(default_factory=Ratification)
    mediator: Mediator = field(default_factory=Mediator)
    win_sets: str = "known"  # whether agents know the others' domestic thresholds


@dataclass(frozen=True)
class Trust:
    initial: Value
    penalty: Value
    recovery: Value
    # Trust lost by the others when a deal fails ratification at home (involuntary defection),
    # per unit of the promised gain lost: smaller than a broken commitment's by default.
    ratification_penalty: Value = 0.25


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
    # Set programmatically by a tournament: who plays which strategy in which replications.
    lineup: Lineup | None = None
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

    @property
    def multilateral(self) -> bool:
        """More than two agents at the table."""
        return len(self.agents) > 2

    @property
    def weights(self) -> tuple[float, ...]:
        """Each agent's weight, in scenario order."""
        return tuple(agent.weight for agent in self.agents)
