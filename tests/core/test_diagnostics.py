"""Stall diagnostics (sim.core.diagnostics): which sessions stalled, why, and on which issue."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.catalogue import validate
from sim.core.diagnostics import StallDiagnostics
from sim.core.model import NegotiationModel

N = 3


def agents(b_red_line: float = 1.0):
    """a wants x and y at 1, b at 0; saliences a (.75, .25), b (.5, .5); reservations 0."""
    data = {
        "negotiation": {"rounds": 5},
        "issues": {"x": {"status_quo": 0.5}, "y": {"status_quo": 0.5}},
        "agents": {
            "a": {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {
                    "x": {"ideal": 1.0, "salience": 0.75},
                    "y": {"ideal": 1.0, "salience": 0.25},
                },
            },
            "b": {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {
                    "x": {"ideal": 0.0, "salience": 0.5},
                    "y": {"ideal": 0.0, "salience": 0.5},
                },
                "red_lines": {"x": {"max": b_red_line}},
            },
        },
    }
    model = NegotiationModel(validate(data, "test.yaml"), N, seed=0)
    for agent in model.state_agents:
        agent.start_session(model.status_quo, fall_back_on_status_quo=False)
    return model.state_agents


def offers(a, b, x_a, y_a, x_b, y_b):
    a.last_offer = np.tile([x_a, y_a], (N, 1)).astype(float)
    b.last_offer = np.tile([x_b, y_b], (N, 1)).astype(float)


def test_stalled_counts_deadlines_and_conflicts_and_conflicts_only_those():
    a, b = agents()
    stalls = StallDiagnostics(N, 2)
    open_ = np.array([[True, False], [False, False], [False, False]])
    conflict = np.array([False, True, False])
    stalls.end_session([a, b], open_, conflict, linkage=True)
    np.testing.assert_array_equal(stalls.stalled, [1, 1, 0])
    np.testing.assert_array_equal(stalls.conflicts, [0, 1, 0])
    # No offers on the table yet: nothing to say about red lines or gaps.
    np.testing.assert_array_equal(stalls.red_line_blocks, 0)
    np.testing.assert_array_equal(stalls.widest_gap, 0)


def test_exhausted_when_every_agent_is_at_its_lowest_aspiration():
    a, b = agents()
    stalls = StallDiagnostics(N, 2)
    a.aspiration = a.lowest_aspiration() + np.array([0.0, 0.1, 0.0])
    b.aspiration = b.lowest_aspiration() + np.array([0.0, 0.0, 0.1])
    stalls.end_session([a, b], np.ones((N, 2), bool), np.zeros(N, bool), linkage=True)
    np.testing.assert_array_equal(stalls.exhausted, [1, 0, 0])


def test_the_widest_gap_is_the_open_issue_furthest_apart_by_salience():
    """Gaps weighted by the sum of saliences: x |.9 - .3| * (.75 + .5) = .75,
    y |.8 - .2| * (.25 + .5) = .45, so x; with x settled, y."""
    a, b = agents()
    offers(a, b, 0.9, 0.8, 0.3, 0.2)
    stalls = StallDiagnostics(N, 2)
    open_ = np.array([[True, True], [False, True], [False, False]])
    stalls.end_session([a, b], open_, np.zeros(N, bool), linkage=True)
    np.testing.assert_array_equal(stalls.widest_gap, [[1, 0], [0, 1], [0, 0]])


@pytest.mark.parametrize("linkage", [True, False])
def test_a_red_line_block_is_an_offer_good_enough_but_past_a_red_line(linkage):
    """a offers x = .9, y = .1 and b's aspiration is .4. As a package, U_b = .5 * .1 + .5 * .9
    = .5 is good enough, but x = .9 crosses b's red line x <= .5: blocked. Issue by issue only
    y reaches b's level (1 - .1 = .9 >= .4, while x gives 1 - .9 = .1), and y crosses no red
    line: not blocked."""
    a, b = agents(b_red_line=0.5)
    offers(a, b, 0.9, 0.1, 0.0, 0.0)
    b.aspiration = np.full(N, 0.4)
    stalls = StallDiagnostics(N, 2)
    stalls.end_session([a, b], np.ones((N, 2), bool), np.zeros(N, bool), linkage=linkage)
    np.testing.assert_array_equal(stalls.red_line_blocks, 1 if linkage else 0)


def test_an_issue_by_issue_block_needs_the_crossing_issue_to_be_good_enough():
    """Issue by issue, b's per-issue level is its aspiration; x = .45 gives b .55 >= .4 and
    lies inside b's red line x <= .5, x = .55 gives .45 >= .4 but crosses it: blocked."""
    a, b = agents(b_red_line=0.5)
    b.aspiration = np.full(N, 0.4)
    stalls = StallDiagnostics(N, 2)
    offers(a, b, 0.45, 0.9, 0.0, 0.0)
    stalls.end_session([a, b], np.ones((N, 2), bool), np.zeros(N, bool), linkage=False)
    np.testing.assert_array_equal(stalls.red_line_blocks, 0)
    offers(a, b, 0.55, 0.9, 0.0, 0.0)
    stalls.end_session([a, b], np.ones((N, 2), bool), np.zeros(N, bool), linkage=False)
    np.testing.assert_array_equal(stalls.red_line_blocks, 1)


def test_with_three_agents_every_pair_and_the_widest_spread_count():
    """Ready for more than two: a third agent (another a) offers in between. Spreads x .9 - .3,
    y .8 - .2 weighted by the summed saliences (x 2.0, y 1.0): x. Exhausted needs all three."""
    a, b = agents()
    third, _ = agents()
    offers(a, b, 0.9, 0.8, 0.3, 0.2)
    third.last_offer = np.tile([0.5, 0.7], (N, 1))
    for agent in (a, b):
        agent.aspiration = agent.lowest_aspiration()
    third.aspiration = third.lowest_aspiration() + np.array([0.0, 0.1, 0.1])
    stalls = StallDiagnostics(N, 2)
    stalls.end_session([a, b, third], np.ones((N, 2), bool), np.zeros(N, bool), linkage=True)
    np.testing.assert_array_equal(stalls.widest_gap, [[1, 0]] * N)
    np.testing.assert_array_equal(stalls.exhausted, [1, 0, 0])
