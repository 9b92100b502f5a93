"""The bargaining problem of a scenario: what two agents bargain over and what they get if they
do not agree (pure functions).

Two agents ``a`` and ``b`` (the scenario's order) bargain over packages ``x`` of issue values.

* **Feasible set**: the issue box ``[0, 1]^I`` cut by every agent's red lines, i.e. per issue the
  intersection of the agents' ``[min, max]`` intervals (empty: no agreement is possible), and on
  a one-way issue by the side of the initial status quo an agreement may move it to: the
  feasible set of the first session, as the simulation's admissible boxes
  (:class:`sim.core.red_lines.OneWay`) make it.
* **Utilities**: ``U_j(x) = A_j(x) ** rho_j`` with ``A_j`` the additive utility of
  :mod:`sim.core.preferences` (linear or quadratic issue utilities, saliences summing to 1).
* **Disagreement point** ``d``: the agents' utilities of the status quo, their reservation
  utilities, or the simulation's session floor ``max(reservation, U(status quo))``
  (:meth:`sim.core.agents.StateAgent.start_session`), for the scenario's *initial* status quo.

Theory needs fixed numbers: :func:`with_medians` fixes a scenario's uncertain ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.distributions import Choice, Distribution, PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import UP, AgentSpec, IssueSpec, Scenario

DISAGREEMENT_POINTS = ("session_floor", "status_quo", "reservation")
DISAGREEMENT_MEANING = {
    "session_floor": "the simulation's session floor: reservation utility, raised to the "
    "status quo's utility",
    "status_quo": "the agents' utilities of the status quo",
    "reservation": "the agents' reservation utilities",
}


def feasible_box(scenario: Scenario) -> RedLines:
    """Per issue, the values inside every agent's red lines and, on a one-way issue, on its side
    of the initial status quo (a fixed number), as (I,) arrays ``low``, ``high``."""
    names = scenario.issue_names
    low, high = np.zeros(len(names)), np.ones(len(names))
    for i, spec in enumerate(scenario.issues):
        issue = spec.name
        for agent in scenario.agents:
            lo, hi = agent.red_line(issue)
            low[i], high[i] = max(low[i], lo), min(high[i], hi)
        if low[i] > high[i]:
            lines = ", ".join(
                f"{agent.name} [{agent.red_line(issue)[0]:g}, {agent.red_line(issue)[1]:g}]"
                for agent in scenario.agents
            )
            raise ScenarioError(
                scenario.source,
                f"agents.{scenario.agents[-1].name}.red_lines.{issue}",
                f"the red lines leave no value of '{issue}' that every agent accepts ({lines}):"
                " no agreement is feasible",
            )
        if spec.one_way:
            low[i], high[i] = _one_way_side(scenario, spec, low[i], high[i])
    return RedLines(low, high)


def _one_way_side(scenario: Scenario, issue: IssueSpec, low: float, high: float):
    """``[low, high]`` cut to the side of the initial status quo a one-way issue may move to."""
    where = f"issues.{issue.name}.status_quo"
    status_quo = fixed_number(issue.status_quo, scenario.source, where)
    if issue.direction == UP:
        low = max(low, status_quo)
    else:
        high = min(high, status_quo)
    if low > high:
        raise ScenarioError(
            scenario.source,
            where,
            f"direction '{issue.direction}' lets an agreement move '{issue.name}' only"
            f" {issue.direction} from {status_quo:g}, where the red lines leave no value:"
            " no agreement is feasible",
        )
    return low, high


def fixed_number(value, source: str, path: str) -> float:
    """``value`` as a float; a distribution is an error, since one bargaining problem has one
    number per field."""
    if isinstance(value, Distribution):
        raise ScenarioError(
            source,
            path,
            "bargaining theory needs a fixed number here, not a distribution: use"
            " sim.theory.problem.with_medians, or analyse_replications on the values drawn per replication",
        )
    return float(value)


def agent_preferences(spec: AgentSpec, issues: Sequence[str], source: str = "") -> Preferences:
    """A scenario agent's preferences as a batch of one replication (arrays (1, I) and (1,))."""
    where = f"agents.{spec.name}"
    return Preferences(
        ideal=np.array(
            [
                [
                    fixed_number(spec.ideal[i], source, f"{where}.preferences.{i}.ideal")
                    for i in issues
                ]
            ]
        ),
        salience=np.array(
            [
                [
                    fixed_number(spec.salience[i], source, f"{where}.preferences.{i}.salience")
                    for i in issues
                ]
            ]
        ),
        shape=spec.utility,  # type: ignore[arg-type]
        risk=np.array([fixed_number(spec.risk, source, f"{where}.risk")]),
    )


def with_medians(scenario: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    """The scenario with every uncertain number that theory uses (status quo, ideal, salience,
    risk, reservation, discount) set to its distribution's median, and the fields replaced."""
    replaced: list[str] = []

    def median(value, path):
        if isinstance(value, PerReplication):
            replaced.append(path)
            return float(np.median(value.values))
        if not isinstance(value, Distribution):
            return value
        replaced.append(path)
        if isinstance(value, Choice):  # its scipy twin counts indices, not values
            order = np.argsort(value.values)
            weights = np.ones(len(value.values)) if value.weights is None else value.weights
            cumulative = np.cumsum(np.asarray(weights, dtype=float)[order])
            k = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
            return float(np.asarray(value.values)[order][k])
        return float(value.scipy().median())

    issues = tuple(
        replace(issue, status_quo=median(issue.status_quo, f"issues.{issue.name}.status_quo"))
        for issue in scenario.issues
    )
    agents = []
    for spec in scenario.agents:
        where = f"agents.{spec.name}"
        ideal = {i: median(v, f"{where}.preferences.{i}.ideal") for i, v in spec.ideal.items()}
        weight = {
            i: median(v, f"{where}.preferences.{i}.salience") for i, v in spec.salience.items()
        }
        total = sum(weight.values())
        agents.append(
            replace(
                spec,
                ideal=ideal,
                salience={i: w / total for i, w in weight.items()} if total > 0 else weight,
                risk=median(spec.risk, f"{where}.risk"),
                domestic=None
                if spec.domestic is None
                else replace(
                    spec.domestic,
                    threshold=median(spec.domestic.threshold, f"{where}.domestic.threshold"),
                ),
                reservation=median(spec.reservation, f"{where}.reservation"),
                discount=median(spec.discount, f"{where}.discount"),
            )
        )
    return replace(scenario, issues=issues, agents=tuple(agents)), tuple(replaced)


def resolve_disagreement(scenario: Scenario, kind: str | None = None) -> str:
    """``kind``, or what the simulation falls back on: ``reservation``, or for ``disagreement:
    status_quo`` the session floor (:meth:`sim.core.agents.StateAgent.start_session`)."""
    if kind is None:
        return (
            "reservation" if scenario.negotiation.disagreement == "reservation" else "session_floor"
        )
    if kind not in DISAGREEMENT_POINTS:
        raise ValueError(f"unknown disagreement point '{kind}' (choose from {DISAGREEMENT_POINTS})")
    return kind


def disagreement_utility(kind: str, reservation, at_status_quo) -> np.ndarray:
    """The disagreement point from the reservation utilities and the status quo's utilities
    (any matching shapes, e.g. (2,) or (R, 2))."""
    reservation, at_status_quo = np.asarray(reservation, float), np.asarray(at_status_quo, float)
    if kind == "session_floor":
        return np.maximum(reservation, at_status_quo)
    return at_status_quo if kind == "status_quo" else reservation


def disagreement_point(scenario: Scenario, kind: str | None = None) -> tuple[str, np.ndarray]:
    """``(kind, (d_a, d_b))`` for the scenario's initial status quo; ``kind`` as in
    :func:`resolve_disagreement` (an explicit ``"status_quo"`` is the status quo's utility
    alone)."""
    kind = resolve_disagreement(scenario, kind)
    source = scenario.source
    status_quo = np.array(
        [
            [
                fixed_number(q.status_quo, source, f"issues.{q.name}.status_quo")
                for q in scenario.issues
            ]
        ]
    )
    reservation = [
        fixed_number(a.reservation, source, f"agents.{a.name}.reservation") for a in scenario.agents
    ]
    at_status_quo = [
        agent_preferences(a, scenario.issue_names, source).utility(status_quo)[0]
        for a in scenario.agents
    ]
    return kind, disagreement_utility(kind, reservation, at_status_quo)
