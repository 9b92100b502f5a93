"""Validation of a scenario mapping into the typed :class:`~sim.scenario.spec.Scenario`.

Every problem is reported as one :class:`~sim.scenario.errors.ScenarioError` naming the file, the
field path (``agents.us.preferences.taiwan.salience``) and what is wrong. Names defined above this
layer (strategies and their parameters, protocols, utility shapes) come from a
:class:`~sim.scenario.catalogue.Catalogue` passed in.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sim.scenario import domestic as domestic_rules
from sim.scenario import dynamics
from sim.scenario.catalogue import Catalogue
from sim.scenario.checker import Checker, show
from sim.scenario.distributions import Distribution
from sim.scenario.errors import suggest
from sim.scenario.negotiation import negotiation_section
from sim.scenario.preferences import preferences_section
from sim.scenario.reading import raise_invalid, read_scenario_file
from sim.scenario.spec import (
    ALL_PARTIES,
    DIRECTIONS,
    MAX_AGENTS,
    MIN_AGENTS,
    SHIFTABLE,
    UP,
    AgentSpec,
    EventSpec,
    IssueSpec,
    Scenario,
    Shift,
    StrategyChoice,
    Trust,
)


def validate(
    data: dict[str, Any], source: str, catalogue: Catalogue, default_name: str = "scenario"
) -> Scenario:
    """Check a scenario mapping field by field and build the typed :class:`Scenario`."""
    raise_invalid(data, source)
    c = Checker(source)
    top = c.mapping(
        data,
        "",
        required=("negotiation", "issues", "agents"),
        optional=("name", "title", "description", "trust", "events", "pressures", "misread"),
    )
    agent_nodes = c.names(top["agents"], "agents")
    agent_names = tuple(agent_nodes)
    if not MIN_AGENTS <= len(agent_names) <= MAX_AGENTS:
        c.fail(
            "agents",
            f"give {MIN_AGENTS} to {MAX_AGENTS} agents (got {len(agent_names)})",
        )
    issue_nodes = c.names(top["issues"], "issues")
    issues = tuple(_issue(c, name, node, agent_names) for name, node in issue_nodes.items())
    issue_names = tuple(issue.name for issue in issues)
    agents = tuple(
        _agent(c, name, node, issue_names, catalogue) for name, node in agent_nodes.items()
    )
    for issue in issues:
        if issue.one_way:
            _one_way_room(c, issue, agents)
    negotiation = negotiation_section(c, top["negotiation"], agent_names, catalogue)
    scenario = Scenario(
        catalogue=catalogue,
        name=c.text(top.get("name", default_name), "name"),
        title=c.text(top.get("title", ""), "title"),
        description=c.text(top.get("description", ""), "description"),
        source=source,
        negotiation=negotiation,
        trust=_trust(c, top.get("trust", {})),
        issues=issues,
        agents=agents,
        events=tuple(
            _event(c, name, node, agents, catalogue)
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
    for pressure in scenario.pressures:
        if pressure.threshold and scenario.agent(pressure.agent).domestic is None:
            c.fail(
                f"pressures.{pressure.name}.threshold",
                f"{pressure.agent} has no domestic ratifier whose threshold it could move"
                f" (give agents.{pressure.agent}.domestic)",
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


def _trust(c: Checker, node) -> Trust:
    c.mapping(node, "trust", optional=("initial", "penalty", "recovery", "ratification_penalty"))
    return Trust(
        initial=c.param(node.get("initial", 1.0), "trust.initial", 0.0, 1.0),
        penalty=c.param(node.get("penalty", 0.5), "trust.penalty", 0.0, 1.0),
        recovery=c.param(node.get("recovery", 0.1), "trust.recovery", 0.0, 1.0),
        ratification_penalty=c.param(
            node.get("ratification_penalty", 0.25), "trust.ratification_penalty", 0.0, 1.0
        ),
    )


def _issue(c: Checker, name, node, agent_names) -> IssueSpec:
    path = f"issues.{name}"
    c.mapping(
        node,
        path,
        required=("status_quo",),
        optional=("description", "low", "high", "implementer", "direction"),
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
        direction=c.choice(
            node.get("direction", DIRECTIONS[0]),
            f"{path}.direction",
            DIRECTIONS,
            "direction (up, down or both)",
        ),
    )


def _one_way_room(c: Checker, issue: IssueSpec, agents) -> None:
    """A one-way issue must leave every agent some value on its side of the status quo: an
    agreement may only raise an ``up`` issue, so a red line capping it below the status quo
    would leave nothing to agree (and ``down`` alike). Later status quos stay inside the red
    lines, since every agreement does."""
    status_quo = issue.status_quo
    low, high = status_quo.support() if isinstance(status_quo, Distribution) else (status_quo,) * 2
    shown = f"{low:g}" if low == high else f"drawn in [{low:g}, {high:g}]"
    for agent in agents:
        line_low, line_high = agent.red_line(issue.name)
        if issue.direction == UP and high > line_high:
            bound, side = f"at most {line_high:g}", "raise"
        elif issue.direction != UP and low < line_low:
            bound, side = f"at least {line_low:g}", "lower"
        else:
            continue
        c.fail(
            f"issues.{issue.name}.status_quo",
            f"direction '{issue.direction}' lets an agreement only {side} '{issue.name}' from its"
            f" status quo ({shown}), but {agent.name}'s red line allows {bound}:"
            " no agreement could settle it",
        )


def _agent(c: Checker, name, node, issue_names, catalogue: Catalogue) -> AgentSpec:
    path = f"agents.{name}"
    c.mapping(
        node,
        path,
        required=("reservation", "strategy", "preferences"),
        optional=(
            "label",
            "utility",
            "risk",
            "discount",
            "compliance",
            "red_lines",
            "weight",
            "domestic",
            "commitments",
        ),
    )
    ideal, salience = preferences_section(
        c, node["preferences"], f"{path}.preferences", issue_names
    )
    chosen = _strategy(c, node["strategy"], f"{path}.strategy", catalogue)
    red_lines, declared, bluffs = _red_lines(
        c, node.get("red_lines") or {}, f"{path}.red_lines", issue_names, ideal
    )
    committed = domestic_rules.commitments(
        c, node.get("commitments") or {}, f"{path}.commitments", issue_names, ideal
    )
    committed += tuple(
        dataclasses.replace(bluff, issue=issue) for issue, (_, bluff) in bluffs.items()
    )
    return AgentSpec(
        name=name,
        label=c.text(node.get("label", name), f"{path}.label"),
        utility=c.choice(
            node.get("utility", "linear"), f"{path}.utility", catalogue.shapes, "utility shape"
        ),
        risk=c.param(node.get("risk", 1.0), f"{path}.risk", 0.0, 100.0, low_open=True),
        reservation=c.param(node["reservation"], f"{path}.reservation", 0.0, 1.0),
        discount=c.param(node.get("discount", 1.0), f"{path}.discount", 0.0, 1.0, low_open=True),
        compliance=c.param(node.get("compliance", 1.0), f"{path}.compliance", 0.0, 1.0),
        ideal=ideal,
        salience=salience,
        red_lines=red_lines,
        declared=declared,
        bluffs={issue: bounds for issue, (bounds, _) in bluffs.items()},
        domestic=domestic_rules.domestic(c, node["domestic"], f"{path}.domestic", issue_names)
        if "domestic" in node
        else None,
        commitments=committed,
        strategy=chosen["strategy"],
        strategy_params=chosen["strategy_params"],
        opponent_model=chosen["opponent_model"],
        opponent_params=chosen["opponent_params"],
        acceptance=chosen["acceptance"],
        acceptance_params=chosen["acceptance_params"],
        weight=c.number(node.get("weight", 1.0), f"{path}.weight", 0.0, 1e6, low_open=True),
    )


def strategy_choice(node, source: str, path: str, catalogue: Catalogue) -> StrategyChoice:
    """A scenario's ``strategy:`` node, anywhere (a tournament's list of strategies): one
    ScenarioError naming ``source`` and the field ``path``."""
    return StrategyChoice(**_strategy(Checker(source), node, path, catalogue))


def _strategy(c: Checker, node, path, catalogue: Catalogue) -> dict:
    """A concession curve with its parameters, and optionally an opponent model and an
    acceptance condition, each a name with its own parameters."""
    if isinstance(node, str):
        node = {"name": node}
    c.mapping(node, path, required=("name",), optional=("params", "opponent_model", "acceptance"))
    name = c.choice(node["name"], f"{path}.name", tuple(catalogue.strategies), "strategy")
    chosen = {
        "strategy": name,
        "strategy_params": _params(c, node, path, catalogue.strategy_params(name)),
    }
    for key, family, default, what in (
        ("opponent_model", catalogue.opponent_models, "oracle", "opponent model"),
        ("acceptance", catalogue.acceptances, "aspiration", "acceptance condition"),
    ):
        part = node.get(key, default)
        where = f"{path}.{key}"
        if isinstance(part, str):
            part = {"name": part}
        c.mapping(part, where, required=("name",), optional=("params",))
        part_name = c.choice(part["name"], f"{where}.name", tuple(family), what)
        chosen[key] = part_name
        chosen[f"{key.split('_')[0]}_params"] = _params(c, part, where, family[part_name])
    return chosen


def _params(c: Checker, node, path, spec) -> dict:
    given = node.get("params") or {}
    c.mapping(given, f"{path}.params", optional=tuple(spec))
    return {
        key: c.param(
            value,
            f"{path}.params.{key}",
            spec[key].low,
            spec[key].high,
            low_open=spec[key].low_open,
        )
        for key, value in given.items()
    }


def _red_lines(c: Checker, node, path, issue_names, ideal):
    c.mapping(node, path, optional=issue_names)
    lines, declared, bluffs = {}, [], {}
    for issue, entry in node.items():
        where = f"{path}.{issue}"
        c.mapping(entry, where, optional=("min", "max", "declared"))
        if not set(entry) - {"declared"}:
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
        said = entry.get("declared", False)
        if isinstance(said, dict):
            bluffs[issue] = domestic_rules.bluff(c, said, f"{where}.declared", *lines[issue], own)
            declared.append(issue)
        elif domestic_rules.declared_flag(c, said, f"{where}.declared"):
            declared.append(issue)
    return lines, tuple(declared), bluffs


def _event(c: Checker, name, node, agents, catalogue: Catalogue) -> EventSpec:
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
        c.fail(f"{path}.shifts", f"expected a list of shifts, got {show(node['shifts'])}")
    by_name = {agent.name: agent for agent in agents}
    shifts = []
    for i, entry in enumerate(node["shifts"]):
        where = f"{path}.shifts[{i}]"
        c.mapping(entry, where, required=("agent", "field"), optional=("add", "multiply"))
        agent = by_name.get(entry["agent"])
        if agent is None:
            c.fail(
                f"{where}.agent",
                f"unknown agent {show(entry['agent'])}{suggest(str(entry['agent']), by_name)}",
            )
        fields = (*SHIFTABLE, *catalogue.strategy_params(agent.strategy))
        if agent.domestic is None:  # no ratifier: no threshold to shift
            fields = tuple(f for f in fields if f != "threshold")
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


def load_scenario(path: Path | str, catalogue: Catalogue, source: str | None = None) -> Scenario:
    """Read and validate a scenario file in one go."""
    path = Path(path)
    data = read_scenario_file(path, source)
    return validate(data, source or str(path), catalogue, default_name=path.stem)
