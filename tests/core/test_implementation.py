"""Implementation and trust at the end of a session (sim.core.implementation), worked by hand.

Compliance 1 or 0 makes the draws certain (a uniform in [0, 1) is always below 1, never below 0).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.core.catalogue import validate
from sim.core.implementation import EVERYONE, Implementation, implementers
from sim.core.preferences import Preferences
from sim.core.rng import BlockStreams

N = 2  # replications


def agent(name: str, compliance: float, ideal: list[float], salience: list[float], trust=0.8):
    """What implementation reads of an agent: compliance, preferences and trust."""
    prefs = Preferences(
        ideal=np.tile(ideal, (N, 1)), salience=np.tile(salience, (N, 1)), shape="linear", risk=1
    )
    return SimpleNamespace(
        name=name, compliance=np.full(N, compliance), preferences=prefs, trust=np.full(N, trust)
    )


def implementation(implementer: str, penalty=0.5, recovery=0.25) -> Implementation:
    """Issues implemented by ``implementer`` (one letter per issue: an agent, or * for all)."""
    scenario = SimpleNamespace(
        agent_names=("a", "b", "c"),
        issues=[SimpleNamespace(implementer="all" if i == "*" else i) for i in implementer],
        trust=SimpleNamespace(penalty=penalty, recovery=recovery, ratification_penalty=0.25),
    )
    return Implementation(scenario, lambda value: np.full(N, value))


def settle(rule, agents, agreed, value, status_quo):
    streams = BlockStreams(0, 0, N)
    return rule.end_session(
        streams, agents, np.array(agreed), np.array(value, float), np.array(status_quo, float)
    )


def test_implementers_from_the_scenario():
    data = {
        "negotiation": {"rounds": 2},
        "issues": {
            "x": {"status_quo": 0.0, "implementer": "b"},
            "y": {"status_quo": 0.0, "implementer": "all"},
            "z": {"status_quo": 0.0, "implementer": "a"},
        },
        "agents": {
            name: {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {i: {"ideal": 1.0, "salience": 1.0} for i in "xyz"},
            }
            for name in ("a", "b")
        },
    }
    np.testing.assert_array_equal(implementers(validate(data, "t.yaml")), [1, EVERYONE, 0])


def test_kept_commitments_are_implemented_and_trust_recovers():
    """Trust .8 recovers by .25 of the way to 1: .8 + .25 * .2 = .85."""
    a, b = agent("a", 1.0, [1, 1], [0.5, 0.5]), agent("b", 1.0, [0, 0], [0.5, 0.5])
    done = settle(
        implementation("ab"), [a, b], [[True, True]] * N, [[0.6, 0.4]] * N, [[0.5] * 2] * N
    )
    assert done.all()
    np.testing.assert_allclose(a.trust, 0.85)
    np.testing.assert_allclose(b.trust, 0.85)


def test_a_broken_commitment_costs_the_victim_its_share_of_the_promised_gain():
    """b implements x and fails; a implements y and complies. a's promised gain (linear, ideal 1,
    from the status quo .5): x .6 * (.8 - .5) = .18, y .4 * (.7 - .5) = .08; x's .18 was broken,
    a share .18 / .26, so a's trust is .8 * (1 - .5 * .18 / .26). b was wronged by nobody
    (its own failure does not count against its trust): it recovers to .85."""
    a = agent("a", 1.0, [1, 1], [0.6, 0.4])
    b = agent("b", 0.0, [0, 0], [0.5, 0.5])
    value = [[0.8, 0.7]] * N
    done = settle(implementation("ba"), [a, b], [[True, True]] * N, value, [[0.5, 0.5]] * N)
    np.testing.assert_array_equal(done, [[False, True]] * N)
    np.testing.assert_allclose(a.trust, 0.8 * (1 - 0.5 * 0.18 / 0.26))
    np.testing.assert_allclose(b.trust, 0.85)


def test_an_agreement_at_the_status_quo_needs_nobody_and_breaks_nothing():
    a, b = agent("a", 0.0, [1], [1.0]), agent("b", 0.0, [0], [1.0])
    done = settle(implementation("b"), [a, b], [[True]] * N, [[0.5]] * N, [[0.5]] * N)
    assert done.all()
    np.testing.assert_allclose([a.trust, b.trust], 0.85)


def test_what_nobody_agreed_is_neither_implemented_nor_broken():
    a, b = agent("a", 0.0, [1], [1.0]), agent("b", 0.0, [0], [1.0])
    done = settle(implementation("b"), [a, b], [[False]] * N, [[0.5]] * N, [[0.2]] * N)
    assert not done.any()
    np.testing.assert_allclose([a.trust, b.trust], 0.85)


@pytest.mark.parametrize(
    ("compliance", "implemented", "a_wronged", "b_wronged"),
    [((1, 1), True, False, False), ((1, 0), False, True, False), ((0, 0), False, True, True)],
)
def test_an_issue_for_everyone_needs_everyone(compliance, implemented, a_wronged, b_wronged):
    """Both gain .3 from x moving .1 -> .4. An agent's trust falls (to .8 * (1 - .5) = .4, its
    whole gain broken) when another failed on the joint issue, not when it failed itself."""
    a = agent("a", compliance[0], [1], [1.0])
    b = agent("b", compliance[1], [1], [1.0])
    done = settle(implementation("*"), [a, b], [[True]] * N, [[0.4]] * N, [[0.1]] * N)
    np.testing.assert_array_equal(done, implemented)
    np.testing.assert_allclose(a.trust, 0.4 if a_wronged else 0.85)
    np.testing.assert_allclose(b.trust, 0.4 if b_wronged else 0.85)


def test_with_three_agents_a_commitment_broken_by_anyone_else_counts():
    """Ready for more than two: c implements x and fails; a and b, both wronged, lose trust."""
    a, b = agent("a", 1.0, [1], [1.0]), agent("b", 1.0, [1], [1.0])
    c = agent("c", 0.0, [0], [1.0])
    done = settle(implementation("c"), [a, b, c], [[True]] * N, [[0.9]] * N, [[0.5]] * N)
    assert not done.any()
    np.testing.assert_allclose([a.trust, b.trust], 0.4)
    np.testing.assert_allclose(c.trust, 0.85)
