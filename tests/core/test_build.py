"""From a scenario to a run's starting numbers (sim.core.build), and the cooperation index
(sim.core.cooperation)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from sim.core import build
from sim.core.catalogue import validate
from sim.core.cooperation import cooperation_index, peripheral_weights
from sim.core.model import NegotiationModel
from sim.core.rng import BlockStreams
from sim.scenario.distributions import PerReplication


def test_a_scenario_number_is_constant_given_or_drawn():
    streams = BlockStreams(3, 5, 9)
    np.testing.assert_array_equal(build.draw(0.25, streams, 5, 4), [0.25] * 4)
    given = PerReplication(np.arange(10.0))
    np.testing.assert_array_equal(build.draw(given, streams, 5, 4), [5, 6, 7, 8])


def test_the_proposing_order_starts_with_the_first_proposer_and_wraps_around():
    names = ("a", "b", "c")
    scenario = SimpleNamespace(agent_names=names, negotiation=SimpleNamespace(first_proposer="b"))
    assert build.proposing_order(scenario, names) == ("b", "c", "a")


def two_agents(salience_a: dict, red_line_a: dict | None = None) -> dict:
    return {
        "negotiation": {"rounds": 3},
        "issues": {"x": {"status_quo": 0.5}, "y": {"status_quo": 0.5}},
        "agents": {
            "a": {
                "reservation": 0.1,
                "strategy": {"name": "zeuthen", "params": {"step": 0.05}},
                "preferences": {k: {"ideal": 1.0, "salience": v} for k, v in salience_a.items()},
                "red_lines": red_line_a or {},
            },
            "b": {
                "reservation": 0.2,
                "strategy": "time_dependent",
                "preferences": {
                    "x": {"ideal": 0.0, "salience": 1.0},
                    "y": {"ideal": 0.0, "salience": 3.0},
                },
            },
        },
    }


def test_agents_get_normalised_saliences_their_strategy_and_red_lines():
    scenario = validate(two_agents({"x": 1.0, "y": 1.0}, {"x": {"min": 0.7}}), "t.yaml")
    model = NegotiationModel(scenario, 2, seed=0)
    a, b = model.state_agents
    np.testing.assert_array_equal(a.preferences.salience, [[0.5, 0.5]] * 2)
    np.testing.assert_array_equal(b.preferences.salience, [[0.25, 0.75]] * 2)
    assert a.strategy.name == "zeuthen" and np.all(a.strategy.step == 0.05)
    np.testing.assert_array_equal(a.red_lines.core, [True, False])
    np.testing.assert_array_equal(a.reservation, 0.1)
    # A replication whose saliences all came out zero weighs its issues equally.
    unsure = dataclasses.replace(scenario.agents[1], salience={"x": 0.0, "y": 0.0})
    agent = build.state_agent(model, unsure, scenario, model.draw)
    np.testing.assert_array_equal(agent.preferences.salience, [[0.5, 0.5]] * 2)


def test_cooperation_scores_the_other_sides_utility_on_peripheral_issues():
    """a's core interest is x, so only y counts: b (ideal 0, linear) gets 1 - .4 = .6 from
    y = .4, whatever x is."""
    model = NegotiationModel(
        validate(two_agents({"x": 1.0, "y": 1.0}, {"x": {"min": 0.7}}), "t.yaml"), 2, seed=0
    )
    a, b = model.state_agents
    np.testing.assert_array_equal(peripheral_weights(a, b), [[0.0, 1.0]] * 2)
    position = np.array([[0.0, 0.4], [1.0, 0.4]])
    np.testing.assert_allclose(cooperation_index(a, b, position), [0.6, 0.6])


def test_the_cooperation_path_holds_its_value_over_skipped_rounds():
    """Both want x = y = 1: a's first offer (its ideal) is accepted in round 0, the session's
    other rounds are skipped, and both scores stay at the other's full utility, 1."""
    data = two_agents({"x": 1.0, "y": 1.0})
    data["agents"]["b"]["preferences"] = {k: {"ideal": 1.0, "salience": 1.0} for k in "xy"}
    data["negotiation"]["first_proposer"] = "a"
    model = NegotiationModel(validate(data, "t.yaml"), 2, seed=0).run()
    np.testing.assert_array_equal(model.outcomes()["rounds_to_agreement"], 1)
    for path in model.cooperation_path.values():
        np.testing.assert_array_equal(path, np.ones((2, model.sessions * model.rounds)))
