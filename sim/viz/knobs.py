"""The dashboard's knobs, applied to a scenario before it is built.

The knobs edit a copy of the raw scenario mapping, which then goes through
:func:`sim.scenario.validation.validate` like a file would, so a bad value gets the usual message
(``file: field.path: problem``, with a close-match suggestion). What each knob does:

* pressure on the pressured side (China in the case): where the scenario has a pressure on it,
  the level holds that pressure constant in every session; where it has none, an event for the
  whole run lowers its reservation by ``PRESSURE_RESERVATION_SHIFT`` times the level;
* hawkishness of the other side (the US): the same with its pressure, or else an event that
  multiplies its strategy's concession parameter (``Strategy.concession_param``) by
  ``1 - HAWK_SLOWDOWN * level`` (or, for a strategy without one, raises its reservation);
* red-line give: every red line of the pressured side moves that far toward the other side;
* domestic hawks: the hawk's ratifier at home asks that much more (its domestic threshold
  rises; a distributed one through an event for the whole run); a hawk without a ratifier gets
  one that judges by its own preferences, from its reservation (a number) or 0 up (Putnam 1988);
* with more than two sides, two pickers choose which side is pressured and which is the hawk;
* strategies: an agent's strategy is replaced (default parameters), and event shifts of
  parameters the new strategy lacks are dropped.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.catalogue import validate
from sim.core.strategies.base import STRATEGIES, get_strategy
from sim.scenario.library import known_scenarios
from sim.scenario.spec import SHIFTABLE, Scenario

SCENARIO_VARIABLE = "NEGSIM_DASHBOARD_SCENARIO"
PREFERRED_SCENARIOS = ("tactical_pause", "us_china_2024")
# Without a pressure in the scenario, full pressure (1) lowers the reservation by this much.
PRESSURE_RESERVATION_SHIFT = 0.2
# Full hawkishness (1) multiplies the concession parameter by 1 - HAWK_SLOWDOWN.
HAWK_SLOWDOWN = 0.8
RED_LINE_GIVE_MAX = 0.5
PRESSURE_EVENT = "dashboard_pressure"
HAWK_EVENT = "dashboard_hawkishness"
# The domestic hawks knob raises the hawk's ratification threshold by up to this much.
DOMESTIC_HAWKS_MAX = 0.5
DOMESTIC_EVENT = "dashboard_domestic_hawks"


# --- scenarios --------------------------------------------------------------------------------


def available_scenarios() -> dict[str, Path]:
    """Shipped scenarios, then ./scenarios, then the file named by ``NEGSIM_DASHBOARD_SCENARIO``."""
    found = known_scenarios()
    chosen = os.environ.get(SCENARIO_VARIABLE)
    if chosen and chosen.endswith((".yaml", ".yml")):
        found[Path(chosen).stem] = Path(chosen)
    return found


def default_scenario(available: dict[str, Path]) -> str:
    chosen = os.environ.get(SCENARIO_VARIABLE)
    if chosen:
        name = Path(chosen).stem if chosen.endswith((".yaml", ".yml")) else chosen
        if name in available:
            return name
    for name in PREFERRED_SCENARIOS:
        if name in available:
            return name
    return next(iter(available))


@dataclass(frozen=True)
class Roles:
    """Whose pressure and red lines the knobs move (China in the case), and whose hawkishness."""

    pressured: str
    hawk: str


def _mapping(node: dict[str, Any], key: str) -> dict[str, Any]:
    """``node[key]`` if it is a mapping, else empty (validate reports what is wrong with it)."""
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def roles(raw: dict[str, Any], pressured: str | None = None, hawk: str | None = None) -> Roles:
    """The pressured agent is ``pressured`` if given (the dashboard's picker), else the one under
    the scenario's economic (else first) pressure, else an agent called ``china``, else the
    second agent. The hawk is ``hawk`` if given and another agent, else another agent under a
    pressure, else one called ``us``, else the first other agent: with two agents, the other."""
    names = list(_mapping(raw, "agents"))
    if len(names) < 2:
        return Roles(*(names + ["", ""])[:2])
    pressures = _mapping(raw, "pressures")
    under = [p.get("agent") for p in pressures.values() if isinstance(p, dict)]
    economic = pressures.get("economic")
    candidates = [
        pressured,
        economic.get("agent") if isinstance(economic, dict) else None,
        *under,
        "china",
    ]
    chosen = next((name for name in candidates if name in names), names[1])
    others = [name for name in names if name != chosen]
    hawk = next((name for name in [hawk, *under, "us"] if name in others), others[0])
    return Roles(chosen, hawk)


def _strategy_name(node) -> str | None:
    if isinstance(node, str):
        return node
    return node.get("name") if isinstance(node, dict) else None


def _pressures_on(raw: dict[str, Any], agent: str) -> list[str]:
    pressures = _mapping(raw, "pressures")
    return [
        name for name, p in pressures.items() if isinstance(p, dict) and p.get("agent") == agent
    ]


@dataclass(frozen=True)
class ScenarioInfo:
    """What the knobs need to know of a scenario before it is built: labels and strategies by
    agent, the roles, and which pressures of the scenario act on each role."""

    title: str
    roles: Roles
    labels: dict[str, str]
    strategies: dict[str, str]
    pressured_paths: list[str]
    hawk_paths: list[str]


def describe(
    raw: dict[str, Any], pressured: str | None = None, hawk: str | None = None
) -> ScenarioInfo:
    """What the knobs need of ``raw``, with the roles the pickers chose (:func:`roles`)."""
    agents = {k: v for k, v in _mapping(raw, "agents").items() if isinstance(v, dict)}
    who = roles(raw, pressured, hawk)
    return ScenarioInfo(
        title=str(raw.get("title") or raw.get("name") or ""),
        roles=who,
        labels={name: str(node.get("label", name)) for name, node in agents.items()},
        strategies={
            name: _strategy_name(node.get("strategy")) or "" for name, node in agents.items()
        },
        pressured_paths=_pressures_on(raw, who.pressured),
        hawk_paths=_pressures_on(raw, who.hawk),
    )


# --- knobs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knobs:
    """The dashboard's settings.

    ``pressure`` (on the pressured side) and ``hawkishness`` (of the other side) are levels in
    [0, 1], or None to leave the scenario as written. Where the scenario has a pressure on that
    side, a level holds it constant in every session; where it has none, a level adds an event
    for the whole run: pressure lowers the reservation, hawkishness slows the concessions.
    ``strategies`` maps an agent to a strategy that replaces the scenario's. ``pressured`` and
    ``hawk`` pick the two sides the pressure and hawkishness knobs act on, where a scenario
    seats more than two (None: :func:`roles` chooses). ``domestic_hawks`` raises the hawk's
    ratification threshold at home by that much (0: as written).
    """

    scenario: str
    pressure: float | None = None
    hawkishness: float | None = None
    red_line_give: float = 0.0
    strategies: dict[str, str] = field(default_factory=dict)
    seed: int = 2024
    pressured: str | None = None
    hawk: str | None = None
    domestic_hawks: float = 0.0


@dataclass
class Built:
    scenario: Scenario
    roles: Roles
    notes: list[str]  # what each knob did, in words


def _add_event(raw: dict, name: str, description: str, shifts: list[dict]) -> None:
    negotiation = _mapping(raw, "negotiation")
    sessions, rounds = negotiation.get("sessions", 1), negotiation.get("rounds", 1)
    bad_events = raw.get("events") is not None and not isinstance(raw["events"], dict)
    if not isinstance(sessions, int) or not isinstance(rounds, int) or bad_events:
        return  # validate reports what is wrong
    events = _mapping(raw, "events")
    events[name] = {
        "description": description,
        "at": {"session": 0, "round": 0},
        "duration": max(1, sessions * rounds),
        "shifts": shifts,
    }
    raw["events"] = events


def _set_strategy(raw: dict, agent: str, name: str, notes: list[str]) -> None:
    """Replace an agent's strategy (with its default parameters) and drop event shifts of
    parameters the new strategy lacks."""
    node = raw["agents"][agent]
    if _strategy_name(node.get("strategy")) == name:
        return
    node["strategy"] = name
    notes.append(f"{agent} plays {name} (default parameters)")
    if name not in STRATEGIES:
        return  # validate names the unknown strategy
    allowed = {*SHIFTABLE, *get_strategy(name).params}
    events = _mapping(raw, "events")
    for event_name, event in list(events.items()):
        shifts = event.get("shifts") if isinstance(event, dict) else None
        if not isinstance(shifts, list):
            continue
        kept = [
            s
            for s in shifts
            if not (
                isinstance(s, dict) and s.get("agent") == agent and s.get("field") not in allowed
            )
        ]
        if len(kept) < len(shifts):
            notes.append(f"event {event_name} no longer shifts {agent}'s strategy ({name})")
            if kept:
                event["shifts"] = kept
            else:
                del events[event_name]


def _hold_pressures(raw: dict, who: str, level: float, notes: list[str]) -> bool:
    """Hold the scenario's pressures on ``who`` at ``level``; False if it has none."""
    sessions = _mapping(raw, "negotiation").get("sessions", 1)
    held = _pressures_on(raw, who)
    if not held or not isinstance(sessions, int):
        return False
    pressures = raw["pressures"]
    for name in held:
        path = {k: v for k, v in pressures[name].items() if k not in ("by_session", "ar1")}
        pressures[name] = {**path, "by_session": [level] * sessions}
    notes.append(f"{', '.join(held)} pressure on {who} held at {level:g} in every session")
    return True


def _pressure(raw: dict, who: str, level: float, notes: list[str]) -> None:
    if _hold_pressures(raw, who, level, notes) or level <= 0:
        return
    shift = -PRESSURE_RESERVATION_SHIFT * level
    _add_event(
        raw,
        PRESSURE_EVENT,
        f"dashboard: economic pressure {level:g} on {who}",
        [{"agent": who, "field": "reservation", "add": shift}],
    )
    notes.append(f"pressure {level:g} lowers {who}'s reservation by {-shift:.2f}")


def _hawkishness(raw: dict, who: str, level: float, notes: list[str]) -> None:
    if _hold_pressures(raw, who, level, notes) or level <= 0:
        return
    strategy = STRATEGIES.get(_strategy_name(raw["agents"][who].get("strategy")))
    param = None if strategy is None else strategy.concession_param
    if param is None:
        shift = {"agent": who, "field": "reservation", "add": PRESSURE_RESERVATION_SHIFT * level}
        notes.append(f"hawkishness {level:g} raises {who}'s reservation by {shift['add']:.2f}")
    else:
        multiply = 1.0 - HAWK_SLOWDOWN * level
        shift = {"agent": who, "field": param, "multiply": multiply}
        notes.append(f"hawkishness {level:g} multiplies {who}'s {param} by {multiply:.2f}")
    _add_event(raw, HAWK_EVENT, f"dashboard: hawkishness {level:g} of {who}", [shift])


def _soften_red_lines(raw: dict, who: str, give: float, notes: list[str]) -> None:
    if give <= 0:
        return
    lines = _mapping(raw["agents"][who], "red_lines")
    for entry in lines.values():
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("max"), int | float) and entry["max"] < 1:
            entry["max"] = min(1.0, entry["max"] + give)
        if isinstance(entry.get("min"), int | float) and entry["min"] > 0:
            entry["min"] = max(0.0, entry["min"] - give)
    if lines:
        others = "the other side" if len(raw["agents"]) == 2 else "the others"
        notes.append(f"{who}'s red lines ({', '.join(lines)}) moved {give:g} toward {others}")


def _domestic_hawks(raw: dict, who: str, raised: float, notes: list[str]) -> None:
    """Raise ``who``'s ratification threshold by ``raised``, adding a ratifier if it has none."""
    if raised <= 0:
        return
    node = raw["agents"][who]
    home = node.get("domestic")
    if not isinstance(home, dict):
        reservation = node.get("reservation")
        base = reservation if isinstance(reservation, int | float) else 0.0
        home = node["domestic"] = {"threshold": base}
        notes.append(f"{who} gets a ratifier at home (its own preferences, threshold {base:g})")
    threshold = home.get("threshold")
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        home["threshold"] = min(1.0, threshold + raised)
        notes.append(
            f"domestic hawks raise {who}'s ratification threshold from {threshold:g} to "
            f"{home['threshold']:g}"
        )
        return
    _add_event(
        raw,
        DOMESTIC_EVENT,
        f"dashboard: domestic hawks in {who}",
        [{"agent": who, "field": "threshold", "add": raised}],
    )
    notes.append(f"domestic hawks raise {who}'s ratification threshold by {raised:g}")


def build_scenario(raw: dict[str, Any], knobs: Knobs, source: str) -> Built:
    """The scenario with the knobs applied, validated (raises :class:`ScenarioError`)."""
    raw = copy.deepcopy(raw)
    who = roles(raw, knobs.pressured, knobs.hawk)
    notes: list[str] = []
    agents = raw.get("agents")
    if isinstance(agents, dict) and all(isinstance(a, dict) for a in agents.values()) and who.hawk:
        for agent, strategy in knobs.strategies.items():
            if agent in agents:
                _set_strategy(raw, agent, strategy, notes)
        if knobs.pressure is not None:
            _pressure(raw, who.pressured, knobs.pressure, notes)
        if knobs.hawkishness is not None:
            _hawkishness(raw, who.hawk, knobs.hawkishness, notes)
        _soften_red_lines(raw, who.pressured, knobs.red_line_give, notes)
        _domestic_hawks(raw, who.hawk, knobs.domestic_hawks, notes)
    name = Path(source).stem
    return Built(validate(raw, f"{source} (dashboard settings)", default_name=name), who, notes)
