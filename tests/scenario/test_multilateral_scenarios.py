"""The shipped multilateral scenarios: they load with their own protocol and ratification rule,
their red lines leave a zone of agreement, and the trades they were built around hold.

Who accepts a package is judged as the simulation's floor judges it: an agent accepts a package
worth at least its session floor, ``max(reservation, U(status quo))`` (``disagreement:
status_quo``); a package inside every red line is ratified when everyone accepts it, or a
qualified majority including every veto player (:class:`sim.scenario.spec.Ratification`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.catalogue import load_scenario
from sim.scenario.spec import BY_COUNT, QUALIFIED_MAJORITY, UNANIMITY, Scenario
from sim.theory.problem import agent_preferences, disagreement_point, feasible_box

ROOT = Path(__file__).resolve().parents[2]
# name -> (protocol, ratification rule, number of agents)
MULTILATERAL = {
    "fentanyl_trilateral": ("mediated_single_text", UNANIMITY, 3),
    "precursor_council": ("mediated_single_text", QUALIFIED_MAJORITY, 7),
}


def load(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


def accepts(scenario: Scenario, package: dict[str, float]) -> dict[str, bool]:
    """Agent -> whether ``package`` (every issue named) is worth at least its session floor."""
    x = np.array([[package[issue] for issue in scenario.issue_names]])
    _, floor = disagreement_point(scenario)
    return {
        agent.name: bool(agent_preferences(agent, scenario.issue_names).utility(x)[0] >= floor[j])
        for j, agent in enumerate(scenario.agents)
    }


def ratified(scenario: Scenario, package: dict[str, float]) -> bool:
    """Whether the scenario's rule ratifies ``package``: inside every red line, and accepted by
    everyone (unanimity) or by a qualified majority including every veto player."""
    box = feasible_box(scenario)
    x = np.array([package[issue] for issue in scenario.issue_names])
    if ((x < box.low) | (x > box.high)).any():
        return False
    yes = accepts(scenario, package)
    rule = scenario.negotiation.ratification
    if rule.unanimous:
        return all(yes.values())
    weights = {a.name: 1.0 if rule.by == BY_COUNT else a.weight for a in scenario.agents}
    share = sum(weights[name] for name, said_yes in yes.items() if said_yes) / sum(weights.values())
    return share >= rule.threshold and all(yes[name] for name in rule.veto)


@pytest.mark.parametrize("name", MULTILATERAL)
def test_a_multilateral_scenario_loads_with_its_own_protocol_and_rule(name):
    protocol, rule, agents = MULTILATERAL[name]
    scenario = load(name)
    assert scenario.multilateral and len(scenario.agents) == agents
    assert scenario.negotiation.protocol == protocol
    assert scenario.negotiation.ratification.rule == rule


def test_the_council_votes_by_count_with_china_holding_a_veto():
    rule = load("precursor_council").negotiation.ratification
    assert (rule.threshold, rule.by, rule.veto) == (0.65, BY_COUNT, ("china",))


@pytest.mark.parametrize("name", MULTILATERAL)
def test_the_red_lines_leave_a_zone_of_agreement(name):
    """Every issue has values inside every agent's red lines (feasible_box raises otherwise), and
    some packages there are ratified while most are not: agreement is possible, not given."""
    scenario = load(name)
    box = feasible_box(scenario)
    assert (box.low <= box.high).all()
    rng = np.random.default_rng(12)
    draws = box.low + (box.high - box.low) * rng.random((2000, len(scenario.issue_names)))
    passed = np.mean(
        [ratified(scenario, dict(zip(scenario.issue_names, x, strict=True))) for x in draws]
    )
    assert 0.02 < passed < 0.5, passed


def test_the_trilateral_trades_run_in_a_circle():
    """Mexico goes to its border red line only when China's precursor controls pay for it, and
    China moves on those only for US delisting."""
    talks = load("fentanyl_trilateral")
    deal = {
        "fentanyl_precursors": 0.8,
        "sanctions_delisting": 0.5,
        "border_enforcement": 0.6,
        "extradition": 0.5,
    }
    assert ratified(talks, deal)
    without_controls = deal | {"fentanyl_precursors": 0.2}
    assert not accepts(talks, without_controls)["mexico"]
    without_delisting = deal | {"sanctions_delisting": 0.0}
    assert not accepts(talks, without_delisting)["china"]


def test_the_council_can_outvote_the_us_but_not_china():
    council = load("precursor_council")
    weak = {
        "scheduling_scope": 0.4,
        "export_checks": 0.3,
        "firm_closures": 0.2,
        "capacity_fund": 0.5,
    }
    assert not accepts(council, weak)["us"]
    assert ratified(council, weak)
    strong = {
        "scheduling_scope": 0.7,
        "export_checks": 0.7,
        "firm_closures": 0.5,
        "capacity_fund": 0.3,
    }
    votes = accepts(council, strong)
    assert sum(votes.values()) >= 5 and not votes["china"]
    assert not ratified(council, strong)
