"""Scenarios for the API: a shipped name, a file or a mapping, validated, with dotted-path
changes. Remembers the mapping each scenario came from, for the ``config.yaml`` of a saved run.
"""

from __future__ import annotations

import copy
import os
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.core.catalogue import validate
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.library import known_scenarios, scenario_path
from sim.scenario.parameters import with_value
from sim.scenario.reading import read_scenario_file
from sim.scenario.spec import Scenario

ScenarioLike = str | os.PathLike[str] | Mapping[str, Any] | Scenario
MAPPING_SOURCE = "scenario mapping"

# The scenario mapping each Scenario built by load() came from (see mapping_of).
_mappings: dict[int, dict[str, Any]] = {}


def _remember(scenario: Scenario, mapping: dict[str, Any]) -> Scenario:
    _mappings[id(scenario)] = mapping
    weakref.finalize(scenario, _mappings.pop, id(scenario), None)
    return scenario


def scenarios() -> list[str]:
    """Names :func:`load` accepts: the shipped scenarios and those in ``./scenarios``."""
    return sorted(known_scenarios())


def _read(scenario: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict, str, str]:
    """The raw mapping, the source named in messages, and the name to use if it has none."""
    if isinstance(scenario, Mapping):
        return copy.deepcopy(dict(scenario)), MAPPING_SOURCE, "scenario"
    try:
        path = scenario_path(os.fspath(scenario))
    except LookupError as exc:
        problem = str(exc.args[0]).removeprefix("scenario: ")
        raise ScenarioError("sim.load", "scenario", problem) from None
    return read_scenario_file(path, str(path)), str(path), path.stem


def _set(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set the field at dotted ``path``; every group on the way must exist already."""
    *groups, last = path.split(".")
    node = data
    for depth, key in enumerate(groups):
        where = ".".join(groups[: depth + 1])
        child = node.get(key)
        if child is None:
            raise ScenarioError(
                source,
                where,
                f"no such field{suggest(key, [str(k) for k in node])}; to add a group, "
                f"set it whole, e.g. {{'{where}': {{...}}}}",
            )
        if not isinstance(child, dict):
            raise ScenarioError(source, where, f"a single value, not a group; cannot set {path}")
        node = child
    node[last] = value.item() if isinstance(value, np.generic) else copy.deepcopy(value)


def load(scenario: ScenarioLike, changes: Mapping[str, Any] | None = None) -> Scenario:
    """A validated scenario from a shipped name, a file path or a mapping, with ``changes``.

    ``changes`` maps dotted field paths, as in a scenario file, to new values:
    ``{"agents.china.reservation": 0.4, "negotiation.rounds": 20}``; a value may be anything the
    file allows (a number, a distribution mapping, a list). Given an already loaded
    :class:`Scenario`, only numeric fields can change (through
    :func:`sim.scenario.parameters.with_value`, checked against each field's range).
    """
    if isinstance(scenario, Scenario):
        for path, value in (changes or {}).items():
            try:
                scenario = with_value(scenario, path, value)
            except (KeyError, ValueError, TypeError) as exc:
                problem = str(exc.args[0]) if exc.args else type(exc).__name__
                raise ScenarioError(
                    scenario.source,
                    path,
                    f"{problem} (a loaded Scenario changes numbers only; "
                    "load the name, file or mapping to change any field)",
                ) from None
        return scenario
    data, source, name = _read(scenario)
    for path, value in (changes or {}).items():
        _set(data, path, value, source)
    return _remember(validate(data, source, default_name=name), data)


def mapping_of(scenario: Scenario) -> dict[str, Any] | None:
    """The mapping ``scenario`` was validated from by :func:`load`; None if it was built
    otherwise (e.g. changed as a loaded Scenario)."""
    return _mappings.get(id(scenario))
