"""Scenario files: loading (data only, never code) and validation into typed specs.

Every problem is reported as one :class:`~sim.scenario.errors.ScenarioError` naming the file, the field
path (``agents.us.preferences.taiwan.salience``) and what is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.core.preferences import SHAPES
from sim.core.protocols import PROTOCOLS
from sim.core.strategies import STRATEGIES, get_strategy
from sim.scenario import dynamics
from sim.scenario.distributions import DISTRIBUTIONS, Distribution, PerReplication
from sim.scenario.errors import ScenarioError, suggest

DISAGREEMENT = ("status_quo", "reservation")
ALL_PARTIES = "all"
# Set on a scenario that could not be read; reported when that scenario is chosen.
INVALID_MARKER = "__negsim_invalid__"


# A number in a scenario: fixed, or drawn per replication (or, programmatically, given per
# replication).
Value = float | Distribution | PerReplication


@dataclass(frozen=True)
class IssueSpec:
    name: str
    status_quo: Value
    implementer: str
    description: str = ""
    low: str = "0"
    high: str = "1"


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
    red_lines: dict[str, tuple[float, float]]
    strategy: str
    strategy_params: dict[str, Value]


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
    pressures: tuple[dynamics.PressureSpec, ...] = ()
    misread: dynamics.MisreadSpec | None = None

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(issue.name for issue in self.issues)

    @property
    def agent_names(self) -> tuple[str, ...]:
        return tuple(agent.name for agent in self.agents)

    def agent(self, name: str) -> AgentSpec:
        return self.agents[self.agent_names.index(name)]


# ---------------------------------------------------------------------------------------------
# Reading a file: YAML data only


def _reject_code(node: Any, source: str, path: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and key.startswith("_"):
                raise ScenarioError(
                    source,
                    where,
                    f"'{key}' is not allowed: a scenario file is data and names no code",
                )
            _reject_code(value, source, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _reject_code(value, source, f"{path}[{i}]")
    elif isinstance(node, str) and "${" in node:
        raise ScenarioError(
            source, path, "interpolations ('${...}') are not allowed in scenario files"
        )


def read_yaml_mapping(path: Path, source: str, what: str) -> dict[str, Any]:
    """Parse a YAML file of plain data (``safe_load``: no tags) that must be a mapping."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, "", f"not valid YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"{what} must be a mapping of fields")
    return data


def read_scenario_file(path: Path, source: str | None = None) -> dict[str, Any]:
    """Parse a scenario file safely (no YAML tags, no ``_target_``, no interpolation)."""
    source = source or str(path)
    data = read_yaml_mapping(path, source, "a scenario file")
    _reject_code(data, source, "")
    return data


# ---------------------------------------------------------------------------------------------
# Validation


class Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str):
        raise ScenarioError(self.source, path, problem)

    def mapping(self, node, path, required=(), optional=()) -> dict:
        if not isinstance(node, dict):
            self.fail(path, f"expected a mapping of fields, got {_show(node)}")
        allowed = set(required) | set(optional)
        for key in node:
            if key not in allowed:
                self.fail(_join(path, key), f"unknown field '{key}'{suggest(str(key), allowed)}")
        for key in required:
            if key not in node:
                self.fail(_join(path, key), "missing required field")
        return node

    def names(self, node, path) -> dict:
        if not isinstance(node, dict) or not node:
            self.fail(path, f"expected a non-empty mapping of names, got {_show(node)}")
        for key in node:
            if not isinstance(key, str) or not key.isidentifier():
                self.fail(_join(path, key), "names must be letters, digits and underscores")
        return node

    def number(self, node, path, low=-math.inf, high=math.inf, *, low_open=False) -> float:
        if isinstance(node, bool) or not isinstance(node, int | float):
            self.fail(path, f"expected a number, got {_show(node)}")
        value = float(node)
        if not math.isfinite(value):
            self.fail(path, f"expected a finite number, got {node}")
        if value < low or (low_open and value == low):
            self.fail(path, f"must be {'>' if low_open else '>='} {low:g} (got {value:g})")
        if value > high:
            self.fail(path, f"must be <= {high:g} (got {value:g})")
        return value

    def param(self, node, path, low=-math.inf, high=math.inf, *, low_open=False) -> Value:
        """A number, or a distribution whose every draw lies in the field's range."""
        if isinstance(node, dict):
            return self.distribution(node, path, low, high, low_open)
        return self.number(node, path, low, high, low_open=low_open)

    def distribution(self, node, path, low, high, low_open) -> Distribution:
        if "dist" not in node:
            self.fail(
                f"{path}.dist",
                f"missing: a distribution names its 'dist' ({', '.join(DISTRIBUTIONS)})",
            )
        name = self.choice(node["dist"], f"{path}.dist", tuple(DISTRIBUTIONS), "distribution")
        cls = DISTRIBUTIONS[name]
        self.mapping(node, path, required=("dist", *cls.params), optional=tuple(cls.optional))
        values = {}
        for key, raw in node.items():
            if key == "dist":
                continue
            if key in ("values", "weights"):
                if not isinstance(raw, list) or not raw:
                    self.fail(f"{path}.{key}", f"expected a list of numbers, got {_show(raw)}")
                values[key] = tuple(self.number(v, f"{path}.{key}[{i}]") for i, v in enumerate(raw))
            else:
                values[key] = self.number(raw, f"{path}.{key}")
        dist = cls(**values)
        problem = dist.check()
        if problem:
            self.fail(path, f"{name} {problem}")
        lo, hi = dist.support()
        if lo < low or (low_open and lo == low and not dist.open_low) or hi > high:
            allowed = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            self.fail(
                path,
                f"{name} can draw values in [{lo:g}, {hi:g}], outside the allowed {allowed}; "
                "choose a distribution with bounded support (uniform, beta, truncnorm, triangular, choice)",
            )
        return dist

    def integer(self, node, path, low=1) -> int:
        if isinstance(node, bool) or not isinstance(node, int):
            self.fail(path, f"expected a whole number, got {_show(node)}")
        if node < low:
            self.fail(path, f"must be >= {low} (got {node})")
        return int(node)

    def text(self, node, path) -> str:
        if not isinstance(node, str | int | float) or isinstance(node, bool):
            self.fail(path, f"expected text, got {_show(node)}")
        return str(node)

    def choice(self, node, path, choices, what) -> str:
        if not isinstance(node, str) or node not in choices:
            self.fail(path, f"unknown {what} {_show(node)}{suggest(str(node), choices)}")
        return node


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _show(node) -> str:
    if isinstance(node, str):
        return f"'{node}'"
    if node is None:
        return "nothing (empty)"
    if isinstance(node, dict):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    return repr(node)


def validate(data: dict[str, Any], source: str, default_name: str = "scenario") -> Scenario:
    """Check a scenario mapping field by field and build the typed :class:`Scenario`."""
    if isinstance(data, dict) and INVALID_MARKER in data:
        raise ScenarioError(source, "", str(data[INVALID_MARKER]))
    c = Checker(source)
    top = c.mapping(
        data,
        "",
        required=("negotiation", "issues", "agents"),
        optional=("name", "title", "description", "trust", "events", "pressures", "misread"),
    )
    agent_nodes = c.names(top["agents"], "agents")
    agent_names = tuple(agent_nodes)
    if len(agent_names) != 2:
        c.fail(
            "agents",
            f"negsim negotiates bilaterally: give exactly 2 agents (got {len(agent_names)})",
        )
    issue_nodes = c.names(top["issues"], "issues")
    issues = tuple(_issue(c, name, node, agent_names) for name, node in issue_nodes.items())
    issue_names = tuple(issue.name for issue in issues)
    agents = tuple(_agent(c, name, node, issue_names) for name, node in agent_nodes.items())
    negotiation = _negotiation(c, top["negotiation"], agent_names)
    scenario = Scenario(
        name=c.text(top.get("name", default_name), "name"),
        title=c.text(top.get("title", ""), "title"),
        description=c.text(top.get("description", ""), "description"),
        source=source,
        negotiation=negotiation,
        trust=_trust(c, top.get("trust", {})),
        issues=issues,
        agents=agents,
        events=tuple(
            _event(c, name, node, agents)
            for name, node in (
                c.names(top["events"], "events") if top.get("events") else {}
            ).items()
        ),
        pressures=dynamics.pressures(c, top["pressures"], agent_names)
        if top.get("pressures")
        else (),
        misread=dynamics.misread(c, top["misread"], agents, issue_names)
        if top.get("misread")
        else None,
    )
    for event in scenario.events:
        if event.session is not None and (
            event.session >= negotiation.sessions or event.round >= negotiation.rounds
        ):
            c.fail(
                f"events.{event.name}.at",
                f"session {event.session}, round {event.round} is outside the run "
                f"({negotiation.sessions} sessions of {negotiation.rounds} rounds, counted from 0)",
            )
    return scenario


def _negotiation(c: Checker, node, agent_names) -> Negotiation:
    path = "negotiation"
    c.mapping(
        node,
        path,
        required=("rounds",),
        optional=("protocol", "sessions", "first_proposer", "disagreement"),
    )
    return Negotiation(
        protocol=c.choice(
            node.get("protocol", "alternating_offers"),
            f"{path}.protocol",
            tuple(PROTOCOLS),
            "protocol",
        ),
        sessions=c.integer(node.get("sessions", 1), f"{path}.sessions"),
        rounds=c.integer(node["rounds"], f"{path}.rounds"),
        first_proposer=c.choice(
            node.get("first_proposer", agent_names[0]),
            f"{path}.first_proposer",
            agent_names,
            "agent",
        ),
        disagreement=c.choice(
            node.get("disagreement", DISAGREEMENT[0]),
            f"{path}.disagreement",
            DISAGREEMENT,
            "disagreement point",
        ),
    )


def _trust(c: Checker, node) -> Trust:
    c.mapping(node, "trust", optional=("initial", "penalty", "recovery"))
    return Trust(
        initial=c.param(node.get("initial", 1.0), "trust.initial", 0.0, 1.0),
        penalty=c.param(node.get("penalty", 0.5), "trust.penalty", 0.0, 1.0),
        recovery=c.param(node.get("recovery", 0.1), "trust.recovery", 0.0, 1.0),
    )


def _issue(c: Checker, name, node, agent_names) -> IssueSpec:
    path = f"issues.{name}"
    c.mapping(
        node, path, required=("status_quo",), optional=("description", "low", "high", "implementer")
    )
    return IssueSpec(
        name=name,
        status_quo=c.param(node["status_quo"], f"{path}.status_quo", 0.0, 1.0),
        implementer=c.choice(
            node.get("implementer", ALL_PARTIES),
            f"{path}.implementer",
            (*agent_names, ALL_PARTIES),
            "implementer (an agent or 'all')",
        ),
        description=c.text(node.get("description", ""), f"{path}.description"),
        low=c.text(node.get("low", "0"), f"{path}.low"),
        high=c.text(node.get("high", "1"), f"{path}.high"),
    )


def _agent(c: Checker, name, node, issue_names) -> AgentSpec:
    path = f"agents.{name}"
    c.mapping(
        node,
        path,
        required=("reservation", "strategy", "preferences"),
        optional=("label", "utility", "risk", "discount", "compliance", "red_lines"),
    )
    ideal, salience = _preferences(c, node["preferences"], f"{path}.preferences", issue_names)
    strategy, params = _strategy(c, node["strategy"], f"{path}.strategy")
    red_lines = _red_lines(c, node.get("red_lines") or {}, f"{path}.red_lines", issue_names, ideal)
    return AgentSpec(
        name=name,
        label=c.text(node.get("label", name), f"{path}.label"),
        utility=c.choice(node.get("utility", "linear"), f"{path}.utility", SHAPES, "utility shape"),
        risk=c.param(node.get("risk", 1.0), f"{path}.risk", 0.0, 100.0, low_open=True),
        reservation=c.param(node["reservation"], f"{path}.reservation", 0.0, 1.0),
        discount=c.param(node.get("discount", 1.0), f"{path}.discount", 0.0, 1.0, low_open=True),
        compliance=c.param(node.get("compliance", 1.0), f"{path}.compliance", 0.0, 1.0),
        ideal=ideal,
        salience=salience,
        red_lines=red_lines,
        strategy=strategy,
        strategy_params=params,
    )


def _preferences(c: Checker, node, path, issue_names):
    c.names(node, path)
    ideal, weight = {}, {}
    for issue, entry in node.items():
        where = f"{path}.{issue}"
        if issue not in issue_names:
            c.fail(where, f"unknown issue '{issue}'{suggest(issue, issue_names)}")
        c.mapping(entry, where, required=("ideal", "salience"))
        ideal[issue] = c.param(entry["ideal"], f"{where}.ideal", 0.0, 1.0)
        weight[issue] = c.param(entry["salience"], f"{where}.salience", 0.0)
    missing = [issue for issue in issue_names if issue not in node]
    if missing:
        c.fail(
            f"{path}.{missing[0]}",
            "missing required field (every issue needs an ideal and a salience)",
        )
    most = sum(w.support()[1] if isinstance(w, Distribution) else w for w in weight.values())
    if most <= 0:
        c.fail(path, "saliences are all zero: at least one issue must matter to the agent")
    if any(isinstance(w, Distribution) for w in weight.values()):
        return ideal, weight  # normalised per replication when drawn
    return ideal, {issue: w / most for issue, w in weight.items()}


def _strategy(c: Checker, node, path):
    if isinstance(node, str):
        node = {"name": node}
    c.mapping(node, path, required=("name",), optional=("params",))
    name = c.choice(node["name"], f"{path}.name", tuple(STRATEGIES), "strategy")
    spec = get_strategy(name).params
    given = node.get("params") or {}
    c.mapping(given, f"{path}.params", optional=tuple(spec))
    params = {
        key: c.param(
            value,
            f"{path}.params.{key}",
            spec[key].low,
            spec[key].high,
            low_open=spec[key].low_open,
        )
        for key, value in given.items()
    }
    return name, params


def _red_lines(c: Checker, node, path, issue_names, ideal):
    c.mapping(node, path, optional=issue_names)
    lines = {}
    for issue, entry in node.items():
        where = f"{path}.{issue}"
        c.mapping(entry, where, optional=("min", "max"))
        if not entry:
            c.fail(where, "a red line needs 'min', 'max' or both")
        low = c.number(entry.get("min", 0.0), f"{where}.min")
        high = c.number(entry.get("max", 1.0), f"{where}.max")
        if low > high or high < 0.0 or low > 1.0:
            c.fail(where, f"red line [{low:g}, {high:g}] admits no value in [0, 1]")
        own = ideal[issue]
        lo_ideal, hi_ideal = own.support() if isinstance(own, Distribution) else (own, own)
        if lo_ideal < low or hi_ideal > high:
            shown = (
                f"{own:g}" if lo_ideal == hi_ideal else f"(drawn in [{lo_ideal:g}, {hi_ideal:g}])"
            )
            c.fail(where, f"red line [{low:g}, {high:g}] excludes the agent's own ideal {shown}")
        lines[issue] = (max(low, 0.0), min(high, 1.0))
    return lines


# Agent fields an event may shift, with the range the shifted value is kept in.
SHIFTABLE = {
    "reservation": (0.0, 1.0),
    "compliance": (0.0, 1.0),
    "risk": (1e-6, 100.0),
}


def _event(c: Checker, name, node, agents) -> EventSpec:
    path = f"events.{name}"
    c.mapping(
        node,
        path,
        required=("duration", "shifts"),
        optional=("description", "at", "hazard"),
    )
    if ("at" in node) == ("hazard" in node):
        both = "not both" if "at" in node else "one of them"
        c.fail(path, f"an event needs either 'at' (scheduled) or 'hazard' (random), {both}")
    session = round_ = hazard = None
    if "at" in node:
        c.mapping(node["at"], f"{path}.at", required=("session", "round"))
        session = c.integer(node["at"]["session"], f"{path}.at.session", 0)
        round_ = c.integer(node["at"]["round"], f"{path}.at.round", 0)
    else:
        hazard = c.number(node["hazard"], f"{path}.hazard", 0.0, 1.0)
    if not isinstance(node["shifts"], list) or not node["shifts"]:
        c.fail(f"{path}.shifts", f"expected a list of shifts, got {_show(node['shifts'])}")
    by_name = {agent.name: agent for agent in agents}
    shifts = []
    for i, entry in enumerate(node["shifts"]):
        where = f"{path}.shifts[{i}]"
        c.mapping(entry, where, required=("agent", "field"), optional=("add", "multiply"))
        agent = by_name.get(entry["agent"])
        if agent is None:
            c.fail(
                f"{where}.agent",
                f"unknown agent {_show(entry['agent'])}{suggest(str(entry['agent']), by_name)}",
            )
        fields = (*SHIFTABLE, *get_strategy(agent.strategy).params)
        field_name = c.choice(
            entry["field"], f"{where}.field", fields, f"shiftable field of {agent.name}"
        )
        shifts.append(
            Shift(
                agent=agent.name,
                field=field_name,
                add=c.param(entry.get("add", 0.0), f"{where}.add"),
                multiply=c.param(entry.get("multiply", 1.0), f"{where}.multiply", 0.0),
            )
        )
    return EventSpec(
        name=name,
        description=c.text(node.get("description", ""), f"{path}.description"),
        duration=c.integer(node["duration"], f"{path}.duration", 1),
        shifts=tuple(shifts),
        session=session,
        round=round_,
        hazard=hazard,
    )


def load_scenario(path: Path | str, source: str | None = None) -> Scenario:
    """Read and validate a scenario file in one go (for notebooks and tests)."""
    path = Path(path)
    return validate(read_scenario_file(path, source), source or str(path), default_name=path.stem)
