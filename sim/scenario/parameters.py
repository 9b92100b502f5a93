"""Scenario numbers named by dotted paths, and a validated scenario with one of them replaced.

Sensitivity analysis and scenario discovery vary scenario numbers programmatically. A path names
the same field as in a scenario file (``agents.china.reservation``, ``trust.initial``,
``agents.us.strategy.params.e``, ``agents.us.domestic.threshold``,
``agents.china.commitments.fentanyl_precursors.audience_cost``); :func:`with_value` returns a copy of the frozen
:class:`~sim.scenario.validation.Scenario` with that field set to a number, a distribution or a
:class:`~sim.scenario.distributions.PerReplication` array, after checking the value against the range the
field allows (the same ranges scenario validation uses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from sim.scenario.distributions import Distribution, PerReplication
from sim.scenario.errors import suggest
from sim.scenario.spec import UP, DomesticSpec, IssueSpec, Scenario, Value

AGENT_FIELDS = ("reservation", "risk", "discount", "compliance")
TRUST_FIELDS = ("initial", "penalty", "recovery", "ratification_penalty")


@dataclass(frozen=True)
class FieldRange:
    """The values a field allows: [low, high], or (low, high] when ``low_open``."""

    low: float
    high: float
    low_open: bool = False
    why: str = ""  # what narrows the range beyond the field's own (e.g. a red line)
    fixed: bool = False  # a number for the whole run: not drawn, not given per replication

    def problem(self, low: float, high: float) -> str | None:
        """What is wrong with values spanning [low, high] for this field, or None."""
        too_low = low < self.low or (self.low_open and low == self.low)
        if too_low or high > self.high:
            return f"[{low:g}, {high:g}] reaches outside the allowed {self}"
        return None

    def __str__(self) -> str:
        text = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        return f"{text} ({self.why})" if self.why else text


def sweepable(scenario: Scenario) -> dict[str, FieldRange]:
    """Every field of ``scenario`` that can be varied, by dotted path, with its allowed range."""
    fields = {f"trust.{name}": FieldRange(0.0, 1.0) for name in TRUST_FIELDS}
    for issue in scenario.issues:
        fields[f"issues.{issue.name}.status_quo"] = status_quo_range(scenario, issue)
    for agent in scenario.agents:
        path = f"agents.{agent.name}"
        fields[f"{path}.reservation"] = FieldRange(0.0, 1.0)
        fields[f"{path}.risk"] = FieldRange(0.0, 100.0, low_open=True)
        fields[f"{path}.discount"] = FieldRange(0.0, 1.0, low_open=True)
        fields[f"{path}.compliance"] = FieldRange(0.0, 1.0)
        for key, spec in scenario.catalogue.strategy_params(agent.strategy).items():
            fields[f"{path}.strategy.params.{key}"] = FieldRange(
                spec.low, spec.high, low_open=spec.low_open
            )
        for issue in scenario.issue_names:
            low, high = agent.red_line(issue)
            why = "" if (low, high) == (0.0, 1.0) else f"{agent.name}'s red line on {issue}"
            fields[f"{path}.preferences.{issue}.ideal"] = FieldRange(low, high, why=why)
            fields[f"{path}.preferences.{issue}.salience"] = FieldRange(0.0, math.inf)
        # A ratifier at home: varying the threshold of an agent without one gives it one that
        # judges by the agent's own preferences (threshold 0 changes nothing).
        fields[f"{path}.domestic.threshold"] = FieldRange(0.0, 1.0)
        for commitment in agent.commitments:
            if not commitment.bluff:
                fields[f"{path}.commitments.{commitment.issue}.audience_cost"] = FieldRange(
                    0.0, 1.0, fixed=True
                )
    return fields


def status_quo_range(scenario: Scenario, issue: IssueSpec) -> FieldRange:
    """[0, 1], narrowed for a one-way issue to the status quos that leave every agent a value on
    its side (the rule scenario validation checks)."""
    if not issue.one_way:
        return FieldRange(0.0, 1.0)
    if issue.direction == UP:
        agent = min(scenario.agents, key=lambda a: a.red_line(issue.name)[1])
        high = agent.red_line(issue.name)[1]
        why = f"direction 'up' and {agent.name}'s red line on {issue.name}" if high < 1 else ""
        return FieldRange(0.0, high, why=why)
    agent = max(scenario.agents, key=lambda a: a.red_line(issue.name)[0])
    low = agent.red_line(issue.name)[0]
    why = f"direction 'down' and {agent.name}'s red line on {issue.name}" if low > 0 else ""
    return FieldRange(low, 1.0, why=why)


def field_range(scenario: Scenario, path: str) -> FieldRange:
    """The range of the field at ``path``; KeyError (with a suggestion) for an unknown path."""
    fields = sweepable(scenario)
    if path not in fields:
        raise KeyError(f"unknown parameter path '{path}'{suggest(path, fields)}")
    return fields[path]


def extent(value: Value) -> tuple[float, float]:
    """The smallest and largest number ``value`` can give."""
    if isinstance(value, Distribution):
        return value.support()
    if isinstance(value, PerReplication):
        values = np.asarray(value.values, dtype=float)
        return float(values.min()), float(values.max())
    return float(value), float(value)


def with_value(scenario: Scenario, path: str, value: Value) -> Scenario:
    """A copy of ``scenario`` with the field at ``path`` set to ``value``.

    Raises KeyError for an unknown path and ValueError for a value outside the field's range.
    A salience is a raw weight beside the scenario's own (normalised) saliences; the model
    normalises an agent's saliences per replication.
    """
    allowed = field_range(scenario, path)
    if allowed.fixed and not isinstance(value, int | float):
        raise ValueError(f"{path}: takes one number for the whole run, not {type(value).__name__}")
    problem = allowed.problem(*extent(value))
    if problem:
        raise ValueError(f"{path}: {problem}")
    head, name, *rest = path.split(".")
    if head == "trust":
        return replace(scenario, trust=replace(scenario.trust, **{name: value}))
    if head == "issues":
        issues = tuple(
            replace(issue, status_quo=value) if issue.name == name else issue
            for issue in scenario.issues
        )
        return replace(scenario, issues=issues)
    agent = scenario.agent(name)
    if rest[0] == "domestic":
        home = agent.domestic or DomesticSpec(threshold=value)
        changed = replace(agent, domestic=replace(home, threshold=value))
    elif rest[0] == "commitments":
        changed = replace(
            agent,
            commitments=tuple(
                replace(c, audience_cost=float(value)) if c.issue == rest[1] and not c.bluff else c
                for c in agent.commitments
            ),
        )
    elif len(rest) == 1:
        changed = replace(agent, **{rest[0]: value})
    elif rest[0] == "strategy":
        changed = replace(agent, strategy_params={**agent.strategy_params, rest[2]: value})
    else:  # preferences.<issue>.{ideal,salience}
        issue, key = rest[1], rest[2]
        changed = replace(agent, **{key: {**getattr(agent, key), issue: value}})
    agents = tuple(changed if a.name == name else a for a in scenario.agents)
    return replace(scenario, agents=agents)


def apply_point(scenario, points_file, point: int):
    """The scenario at row ``point`` of a sample table (columns: dotted scenario paths), for one
    job of a sensitivity analysis evaluated through a Hydra launcher."""
    import pandas as pd

    row = pd.read_parquet(points_file).iloc[int(point)]
    for path, value in row.items():
        if path != "point":
            scenario = with_value(scenario, str(path), float(value))
    return scenario
