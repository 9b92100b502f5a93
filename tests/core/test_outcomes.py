"""What a run settled (sim.core.outcomes): the tally over sessions and the table's columns."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
from sim.core.outcomes import Tally
from sim.core.red_lines import OneWay, RedLines

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
N = 3


def lines(low, high):
    return SimpleNamespace(red_lines=RedLines(np.array(low, float), np.array(high, float)))


def test_the_tally_over_two_sessions():
    """Session 0 (5 rounds): rep 0 agrees on x in round 3 and y in round 1, rep 1 on nothing,
    rep 2 on y in round 0 at .9, past agent b's red line y <= .8, and breaks it. Session 1:
    rep 1 agrees in round 2; rep 0 agrees again, which does not move its first agreement."""
    tally = Tally(N, 2)
    agents = [lines([0, 0], [1, 1]), lines([0, 0], [1, 0.8])]
    agreed = np.array([[True, True], [False, False], [False, True]])
    rounds_ = np.array([[3, 1], [-1, -1], [-1, 0]])
    value = np.array([[0.4, 0.6], [0.5, 0.5], [0.5, 0.9]])
    implemented = np.array([[True, True], [True, True], [True, False]])
    tally.end_session(0, 5, agreed, rounds_, value, implemented, agents)
    np.testing.assert_array_equal(tally.sessions_agreed, [1, 0, 1])
    np.testing.assert_array_equal(tally.rounds_to_agreement, [2, np.nan, 1])  # first round + 1
    np.testing.assert_array_equal(tally.violations, [0, 0, 1])
    np.testing.assert_array_equal(tally.broken, [0, 0, 1])
    np.testing.assert_array_equal(tally.first_agreement, [[0.4, 0.6], [np.nan] * 2, [0.5, 0.9]])

    agreed = np.array([[True, False], [True, False], [False, False]])
    rounds_ = np.array([[0, -1], [2, -1], [-1, -1]])
    tally.end_session(1, 5, agreed, rounds_, value, implemented, agents)
    np.testing.assert_array_equal(tally.sessions_agreed, [2, 1, 1])
    np.testing.assert_array_equal(tally.rounds_to_agreement, [2, 5 + 2 + 1, 1])
    np.testing.assert_array_equal(tally.ever_agreed, [[True, True], [True, False], [False, True]])
    np.testing.assert_array_equal(tally.first_agreement[1], [np.nan] * 2)  # session 0 only


def test_the_tally_counts_agreed_values_that_move_a_one_way_issue_back():
    """Issue x may only rise, y only fall. Rep 0 agrees x .5 from .4 (fine) and y .7 from .6
    (wrong way); rep 1 agrees x .3 from .4 (wrong way) and leaves y; rep 2 would move both the
    wrong way but agrees on neither. Without one-way issues there is no count at all."""
    tally = Tally(N, 2, OneWay(up=np.array([True, False]), down=np.array([False, True])))
    agents = [lines([0, 0], [1, 1])] * 2
    agreed = np.array([[True, True], [True, False], [False, False]])
    value = np.array([[0.5, 0.7], [0.3, 0.6], [0.1, 0.9]])
    status_quo = np.array([[0.4, 0.6], [0.4, 0.6], [0.4, 0.6]])
    done = np.ones_like(agreed)
    tally.end_session(0, 5, agreed, np.zeros((N, 2), int), value, done, agents, status_quo)
    np.testing.assert_array_equal(tally.wrong_way, [1, 1, 0])
    np.testing.assert_array_equal(tally.violations, 0)  # red lines are a separate count
    assert Tally(N, 2).wrong_way is None


@pytest.fixture(scope="module")
def tactical_pause_run():
    scenario = load_scenario(SCENARIOS / "tactical_pause.yaml")
    return scenario, NegotiationModel(scenario, 40, seed=5, start=7).run()


def test_the_columns_in_their_order(tactical_pause_run):
    scenario, model = tactical_pause_run
    agents, issues = scenario.agent_names, scenario.issue_names
    expected = [
        "rep",
        "agreement",
        "sessions_agreed",
        "rounds_to_agreement",
        "red_line_violations",
        "wrong_way_moves",  # tactical_pause has a one-way issue (north_korea_pressure)
        "broken_commitments",
        "stalled_sessions",
        "red_line_blocks",
        "exhausted_sessions",
        "conflicts",
        "ratification_failures",
        "coalition_size",
        *(f"accepted_{a}" for a in agents),
        *(f"{kind}_{a}" for a in agents for kind in ("core_movement", "cooperation")),
        *(f"pressure_{p.name}" for p in scenario.pressures),
        "misread",
        "walkouts",
        "belief",
        *(f"event_{e.name}" for e in scenario.events),
        *(f"{kind}_{i}" for i in issues for kind in ("agreed", "value", "widest_gap")),
        *(f"{kind}_{a}" for a in agents for kind in ("utility", "discounted", "gain", "trust")),
        *(f"{kind}_{a}" for a in agents for kind in ("accuracy", "red_lines_found")),
    ]
    columns = model.outcomes()
    assert list(columns) == expected
    assert all(len(values) == 40 for values in columns.values())


def test_the_columns_agree_with_the_model(tactical_pause_run):
    scenario, model = tactical_pause_run
    columns = model.outcomes()
    np.testing.assert_array_equal(columns["rep"], np.arange(7, 47))
    np.testing.assert_array_equal(columns["agreement"], columns["sessions_agreed"] > 0)
    assert columns["stalled_sessions"].max() <= scenario.negotiation.sessions
    assert np.all(columns["conflicts"] <= columns["stalled_sessions"])
    np.testing.assert_array_equal(columns["walkouts"], model.misread.walkouts)
    for i, issue in enumerate(scenario.issue_names):
        np.testing.assert_array_equal(columns[f"value_{issue}"], model.status_quo[:, i])
    np.testing.assert_array_equal(columns["core_movement_china"], 0)  # core interests hold
    for agent in model.state_agents:
        final = np.where(columns["agreement"], agent.utility(model.status_quo), agent.reservation)
        # tactical_pause: failing to agree leaves the reservation utility
        np.testing.assert_array_equal(columns[f"utility_{agent.name}"], final)
        delay = np.where(columns["agreement"], columns["rounds_to_agreement"] - 1, 0)
        np.testing.assert_allclose(
            columns[f"discounted_{agent.name}"], final * agent.discount**delay, rtol=0
        )
        np.testing.assert_array_equal(columns[f"trust_{agent.name}"], agent.trust)
