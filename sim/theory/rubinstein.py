"""Rubinstein's (1982) strategic solution: alternating offers over one issue (pure functions).

Rubinstein (1982), "Perfect equilibrium in a bargaining model", Econometrica 50: in alternating
offers over a unit pie with discount factors ``d1`` (first proposer) and ``d2``, the unique
subgame-perfect equilibrium gives the first proposer ``(1 - d2) / (1 - d1 d2)`` at once. A
scenario is such a pie when it has one issue and the agents' ideals lie at its two ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.spec import Scenario
from sim.theory.axiomatic import Solution
from sim.theory.frontier import scenario_frontier
from sim.theory.problem import fixed_number


def rubinstein_share(d1: float, d2: float) -> float:
    """The first proposer's share ``(1 - d2) / (1 - d1 d2)`` of a unit pie (Rubinstein 1982);
    the responder gets the rest, in the first period."""
    if not (0.0 <= d1 <= 1.0 and 0.0 <= d2 <= 1.0):
        raise ValueError(f"discount factors must lie in [0, 1] (got {d1:g}, {d2:g})")
    if d1 * d2 == 1.0:
        raise ValueError("with no discounting (d1 = d2 = 1) every split is an equilibrium")
    return (1.0 - d2) / (1.0 - d1 * d2)


@dataclass(frozen=True, eq=False)
class RubinsteinSolution(Solution):
    """Rubinstein's split mapped onto the issue; ``inside_red_lines`` says whether the package is
    feasible (the theorem itself knows no red lines)."""

    proposer: str
    responder: str
    proposer_share: float
    responder_share: float
    inside_red_lines: bool


def rubinstein_not_defined(scenario: Scenario) -> str | None:
    """Why Rubinstein's split does not apply to the scenario, or None when it does."""
    if len(scenario.agents) > 2:
        return "Rubinstein (1982) is not defined for more than two agents"
    if len(scenario.issues) != 1:
        return "Rubinstein (1982) needs exactly one issue"
    issue = scenario.issue_names[0]
    if sorted(agent.ideal[issue] for agent in scenario.agents) != [0.0, 1.0]:
        return "Rubinstein (1982) needs the agents' ideals at opposite ends (0 and 1) of the issue"
    if all(agent.discount == 1.0 for agent in scenario.agents):
        return (
            "Rubinstein (1982) needs a discount factor below 1: with none, every split is an"
            " equilibrium"
        )
    return None


def rubinstein_solution(scenario: Scenario) -> RubinsteinSolution | None:
    """The subgame-perfect split of a one-issue scenario whose agents want opposite ends: the
    first proposer gets its share of the way toward its own ideal. None where it does not apply."""
    if rubinstein_not_defined(scenario):
        return None
    proposer = scenario.agent(scenario.negotiation.first_proposer)
    (responder,) = (agent for agent in scenario.agents if agent is not proposer)
    share = rubinstein_share(
        fixed_number(proposer.discount, scenario.source, f"agents.{proposer.name}.discount"),
        fixed_number(responder.discount, scenario.source, f"agents.{responder.name}.discount"),
    )
    issue = scenario.issue_names[0]
    value = share if proposer.ideal[issue] == 1.0 else 1.0 - share
    package = np.array([value])
    frontier = scenario_frontier(scenario)
    inside = bool(frontier.box.admits(package[None])[0])
    return RubinsteinSolution(
        "rubinstein",
        package,
        frontier.utility(package)[0],
        proposer.name,
        responder.name,
        share,
        1.0 - share,
        inside,
    )
