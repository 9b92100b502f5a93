"""Two-level games in theory: the bargaining set restricted to deals every ratifier at home takes,
the Nash and Kalai–Smorodinsky solutions inside it, and the Schelling effect in closed form.

Putnam (1988): a deal must lie in each side's domestic win-set. With the ratifier holding the
agent's own preferences (the default), agent ``i``'s win-set is ``{x : U_i(x) >= theta_i}``, so on
the Pareto frontier of two agents the ratifiable deals are the levels where
``U_i >= max(d_i, theta_i)`` for both. The disagreement point stays ``d`` (failing at home leaves
what failing at the table leaves): the restricted Nash solution maximises ``(U_a - d_a)(U_b - d_b)``
over the ratifiable levels, and the restricted KS solution takes the ideal point inside them.

Schelling (1960) conjectured, and the two-level game literature formalised, that a narrower
win-set is a bargaining strength. For one issue it is a closed form: with the unrestricted Nash
deal at ``x*`` and side ``a``'s win-set edge ``e(theta)`` (the value where ``U_a = theta``:
``|x - ideal_a| = 1 - theta**(1/rho_a)`` for a linear utility, its square root for a quadratic one),
``a``'s restricted Nash deal is ``x*`` while the edge is on ``a``'s side of it, the edge itself past
that, and no deal once the edge passes the last value ``b`` accepts (``U_b = max(d_b, theta_b)``):
``a``'s utility rises with ``theta`` (one for one, ``U_a = theta``) until the zone closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.spec import Scenario
from sim.theory.axiomatic import Solution, kalai_smorodinsky_solution, nash_solution
from sim.theory.frontier import Frontier, rational_levels, scenario_frontier
from sim.theory.problem import disagreement_point, fixed_number


def thresholds(scenario: Scenario) -> np.ndarray:
    """(n,) each agent's domestic threshold (0 without a ratifier; a distribution's median is
    the caller's business: :func:`sim.theory.problem.with_medians`)."""
    return np.array(
        [
            0.0
            if agent.domestic is None
            else fixed_number(
                agent.domestic.threshold, scenario.source, f"agents.{agent.name}.domestic.threshold"
            )
            for agent in scenario.agents
        ]
    )


def own_ratifiers(scenario: Scenario) -> bool:
    """Whether every ratifier holds its agent's own preferences (the case solved here)."""
    return all(a.domestic is None or a.domestic.own_preferences for a in scenario.agents)


@dataclass(frozen=True, eq=False)
class TwoLevel:
    """The ratifiable bargaining set of a two-agent scenario and its solutions (None where no
    ratifiable deal gives both at least their disagreement utility)."""

    thresholds: np.ndarray
    levels: tuple[float, float] | None
    nash: Solution | None
    kalai_smorodinsky: Solution | None


def two_level(
    scenario: Scenario, frontier: Frontier | None = None, kind: str | None = None
) -> TwoLevel:
    """The two-level game of a two-agent scenario with own-preference ratifiers."""
    frontier = scenario_frontier(scenario) if frontier is None else frontier
    _, d = disagreement_point(scenario, kind)
    theta = thresholds(scenario)
    levels = rational_levels(frontier, np.maximum(d, theta))
    nash = nash_solution(frontier, d, levels=levels)
    ks = kalai_smorodinsky_solution(frontier, d, levels=levels)
    return TwoLevel(theta, levels, nash, ks)


def edge(ideal: float, threshold: float, risk: float, shape: str, toward: float) -> float:
    """The value of a one-issue win-set's edge on the side of ``toward``: where a utility with
    ``ideal``, ``risk`` and ``shape`` falls to ``threshold``."""
    room = 1.0 - threshold ** (1.0 / risk)
    reach = room if shape == "linear" else np.sqrt(max(room, 0.0))
    return ideal + np.sign(toward - ideal) * reach


def schelling_curve(scenario: Scenario, agent: str, grid) -> dict[str, np.ndarray]:
    """For a one-issue, two-agent scenario: over thresholds ``grid`` of ``agent``'s win-set, the
    restricted Nash deal (NaN once no deal is ratifiable) and the agent's utility there, in
    closed form from the unrestricted Nash deal and the other side's last acceptable value."""
    if len(scenario.issues) != 1 or len(scenario.agents) != 2:
        raise ValueError("the Schelling curve is in closed form for one issue and two agents")
    frontier = scenario_frontier(scenario)
    _, d = disagreement_point(scenario)
    free = nash_solution(frontier, d)
    index = scenario.agent_names.index(agent)
    me, other = scenario.agents[index], scenario.agents[1 - index]
    issue = scenario.issue_names[0]
    mine = fixed_number(
        me.ideal[issue], scenario.source, f"agents.{me.name}.preferences.{issue}.ideal"
    )
    theirs = fixed_number(
        other.ideal[issue], scenario.source, f"agents.{other.name}.preferences.{issue}.ideal"
    )
    risk = fixed_number(me.risk, scenario.source, f"agents.{me.name}.risk")
    other_risk = fixed_number(other.risk, scenario.source, f"agents.{other.name}.risk")
    other_floor = max(d[1 - index], thresholds(scenario)[1 - index])
    box = frontier.box
    lo, hi = float(box.low[0]), float(box.high[0])
    limit = float(np.clip(edge(theirs, other_floor, other_risk, other.utility, mine), lo, hi))
    grid = np.asarray(grid, dtype=float)
    deal = np.full(len(grid), np.nan)
    if free is not None:
        start = float(free.package[0])
        for k, theta in enumerate(grid):
            wanted = edge(mine, max(theta, d[index]), risk, me.utility, theirs)
            toward_me = np.sign(mine - theirs)
            value = start if (start - wanted) * toward_me >= 0 else wanted
            if (value - limit) * toward_me <= 1e-12 and lo - 1e-12 <= value <= hi + 1e-12:
                deal[k] = value
    utility = np.full(len(grid), np.nan)
    ok = ~np.isnan(deal)
    if ok.any():
        prefs = frontier.a if index == 0 else frontier.b
        utility[ok] = prefs.utility(deal[ok][:, None])
    return {"threshold": grid, "deal": deal, "utility": utility}


#: Thresholds at which the Schelling curve is reported (summary.json, negsim-theory).
CURVE = np.round(np.linspace(0.0, 1.0, 21), 2)


def two_level_section(scenario: Scenario) -> dict | None:
    """The ``two_level`` part of the theory (summary.json, ``negsim-theory --json``): each side's
    threshold, the Nash and Kalai–Smorodinsky solutions among the deals every ratifier takes,
    and for one issue the Schelling curve of each side with a ratifier. None without domestic
    politics; for more than two agents or a ratifier with other preferences, a note."""
    if not any(agent.domestic is not None for agent in scenario.agents):
        return None
    names = scenario.agent_names
    if len(names) != 2 or not own_ratifiers(scenario):
        return {
            "note": "the ratifiable bargaining set is computed for two agents whose ratifiers hold"
            " their own preferences"
        }
    found = two_level(scenario)

    def solution(s: Solution | None) -> dict | None:
        if s is None:
            return None
        return {
            "package": dict(zip(scenario.issue_names, map(float, s.package), strict=True)),
            "utility": dict(zip(names, map(float, s.utility), strict=True)),
        }

    section = {
        "thresholds": dict(zip(names, map(float, found.thresholds), strict=True)),
        "nash": solution(found.nash),
        "kalai_smorodinsky": solution(found.kalai_smorodinsky),
        "schelling": {},
    }
    if len(scenario.issues) == 1:
        for agent in scenario.agents:
            if agent.domestic is not None:
                curve = schelling_curve(scenario, agent.name, CURVE)
                section["schelling"][agent.name] = {
                    key: [None if np.isnan(x) else float(x) for x in values]
                    for key, values in curve.items()
                }
    return section
