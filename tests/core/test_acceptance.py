"""Acceptance is decided in one place, the agent (``StateAgent.accepts*``), for every protocol and
for the stall diagnostics: they ask the agent instead of re-deriving its test."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel


def opposed(protocol: str, rounds: int = 4, b_red_line: dict | None = None) -> dict:
    """One issue x: a wants 1, b wants 0, both linear and time-dependent."""
    b = {
        "reservation": 0.0,
        "strategy": "time_dependent",
        "preferences": {"x": {"ideal": 0.0, "salience": 1.0}},
    }
    if b_red_line:
        b["red_lines"] = {"x": b_red_line}
    return {
        "negotiation": {"protocol": protocol, "rounds": rounds, "first_proposer": "a"},
        "issues": {"x": {"status_quo": 0.5}},
        "agents": {
            "a": {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {"x": {"ideal": 1.0, "salience": 1.0}},
            },
            "b": b,
        },
    }


def model_of(data: dict, replications: int = 3, **kwargs) -> NegotiationModel:
    return NegotiationModel(validate(data, "test.yaml"), replications, seed=1, **kwargs)


class TestTheAgentsTest:
    def test_threshold_defaults_to_the_aspiration(self):
        model = model_of(opposed("alternating_offers"))
        a = model.state_agents[0]
        a.aspiration = np.array([0.2, 0.6, 0.61])
        package = np.full((3, 1), 0.6)  # U_a = .6
        expected = [True, True, False]
        np.testing.assert_array_equal(a.accepts_on_utility(package), expected)
        np.testing.assert_array_equal(a.accepts(package), expected)
        np.testing.assert_array_equal(a.accepts(package, threshold=a.aspiration), expected)

    def test_a_protocol_may_set_the_threshold(self):
        model = model_of(opposed("monotonic_concession"))
        a = model.state_agents[0]
        a.aspiration = np.ones(3)
        package = np.full((3, 1), 0.6)
        threshold = np.array([0.6, 0.6 + 1e-13, 0.6 + 1e-9])  # within 1e-12 still reaches it
        np.testing.assert_array_equal(a.accepts(package, threshold), [True, True, False])

    def test_a_red_line_stands_whatever_the_threshold(self):
        data = opposed("alternating_offers", b_red_line={"max": 0.4})
        b = model_of(data).state_agents[1]
        crossing = np.full((3, 1), 0.5)
        inside = np.full((3, 1), 0.4)
        zero = np.zeros(3)
        np.testing.assert_array_equal(b.accepts_on_utility(crossing, zero), True)
        np.testing.assert_array_equal(b.accepts(crossing, zero), False)
        np.testing.assert_array_equal(b.accepts(inside, zero), True)


@pytest.mark.parametrize("verdict", [True, False])
@pytest.mark.parametrize("protocol", ["alternating_offers", "monotonic_concession"])
def test_package_protocols_follow_the_agents_verdict(monkeypatch, protocol, verdict):
    """Whatever the utilities, an agent that accepts everything agrees in round 0 and one that
    accepts nothing never agrees: the protocol asks ``accepts`` and nothing else."""
    model = model_of(opposed(protocol, rounds=3))
    for agent in model.state_agents:
        monkeypatch.setattr(
            agent, "accepts", lambda package, threshold=None: np.full(len(package), verdict)
        )
    model.run()
    outcomes = model.outcomes()
    np.testing.assert_array_equal(outcomes["agreement"], verdict)
    if verdict:
        np.testing.assert_array_equal(outcomes["rounds_to_agreement"], 1)


@pytest.mark.parametrize("verdict", [True, False])
def test_issue_by_issue_follows_the_agents_verdict(monkeypatch, verdict):
    model = model_of(opposed("issue_by_issue", rounds=3))
    for agent in model.state_agents:
        monkeypatch.setattr(agent, "accepts_issues", lambda offer: np.full(offer.shape, verdict))
    model.run()
    np.testing.assert_array_equal(model.outcomes()["agreement"], verdict)


def test_monotonic_concession_asks_with_the_own_offers_utility(monkeypatch):
    """Each agent is asked about the other's offer with the utility of its own offer."""
    model = model_of(opposed("monotonic_concession", rounds=2), replications=1)
    asked = []
    for agent in model.state_agents:
        original = agent.accepts

        def spy(package, threshold=None, agent=agent, original=original):
            asked.append((agent.name, package.copy(), threshold))
            return original(package, threshold)

        monkeypatch.setattr(agent, "accepts", spy)
    model.step()
    a, b = model.state_agents
    assert [name for name, _, _ in asked] == ["b", "a"]
    np.testing.assert_array_equal(asked[0][1], a.last_offer)
    np.testing.assert_array_equal(asked[0][2], b.utility(b.last_offer))
    np.testing.assert_array_equal(asked[1][1], b.last_offer)
    np.testing.assert_array_equal(asked[1][2], a.utility(a.last_offer))


@pytest.mark.parametrize("protocol", ["alternating_offers", "issue_by_issue"])
@pytest.mark.parametrize("good_enough", [True, False])
def test_red_line_blocks_ask_the_agent_whether_an_offer_was_good_enough(
    monkeypatch, protocol, good_enough
):
    """b's red line (x at most .4) rules out everything a offers (a never goes below .5, its
    floor being the status quo). The session stalls; it counts as blocked by a red line exactly
    when b's own utility test says a's offer was good enough."""
    data = opposed(protocol, rounds=4, b_red_line={"max": 0.4})
    model = model_of(data)
    b = model.state_agents[1]
    monkeypatch.setattr(
        b, "accepts_on_utility", lambda package, threshold=None: np.full(len(package), good_enough)
    )
    monkeypatch.setattr(
        b, "accepts_issues_on_utility", lambda offer: np.full(offer.shape, good_enough)
    )
    outcomes = model.run().outcomes()
    np.testing.assert_array_equal(outcomes["stalled_sessions"], 1)
    np.testing.assert_array_equal(outcomes["red_line_blocks"], int(good_enough))


@pytest.mark.parametrize("protocol", ["alternating_offers", "monotonic_concession"])
def test_no_package_deal_below_the_proposers_floor(protocol):
    """x may only rise from .5; b wants 0, so the best b can offer is .5, worth .5 to it, below
    its floor .6 (its reservation). a would take .5 once its aspiration falls that low, but b
    does not stand by an offer worth less than its floor, and accepts none of a's: no deal."""
    data = opposed(protocol, rounds=20)
    data["negotiation"]["disagreement"] = "reservation"
    data["issues"]["x"]["direction"] = "up"
    data["agents"]["b"]["reservation"] = 0.6
    model = model_of(data)
    model.step()
    b = model.state_agents[1]
    np.testing.assert_array_equal(b.stands_by(np.full((3, 1), 0.5)), False)
    np.testing.assert_array_equal(b.accepts(np.full((3, 1), 0.5), threshold=np.zeros(3)), False)
    outcomes = model.run().outcomes()
    np.testing.assert_array_equal(outcomes["agreement"], False)
    np.testing.assert_array_equal(outcomes["wrong_way_moves"], 0)
    # Without the floor b would have settled at .5: the same talks with b's reservation .4 do.
    data["agents"]["b"]["reservation"] = 0.4
    settled = model_of(data).run().outcomes()
    np.testing.assert_array_equal(settled["agreement"], True)
    np.testing.assert_allclose(settled["value_x"], 0.5)
