"""Domestic politics: ratification at home, win-sets, commitments and audience costs, bluffs."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.core import views
from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.scenario.errors import ScenarioError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def pie(sessions: int = 1) -> dict:
    """Split the pie, b's floor 0.2: any split a gets between b's offers and 0.8 is possible."""
    data = yaml.safe_load((SCENARIOS / "split_the_pie.yaml").read_text())
    data["negotiation"]["sessions"] = sessions
    data["agents"]["b"]["reservation"] = 0.2
    return data


def run(data: dict, n: int = 300, seed: int = 1, **kwargs):
    return NegotiationModel(validate(data, "pie.yaml"), n, seed=seed, **kwargs).run()


def test_a_narrower_win_set_wins_more_until_the_zone_closes():
    """The Schelling conjecture and its limit: a's ratification threshold raises a's share
    while it stays below 1 - b's floor = 0.8, then no deal can pass."""
    utilities, rates = [], []
    for threshold in (0.0, 0.55, 0.65, 0.75, 0.85):
        data = pie()
        data["agents"]["a"]["domestic"] = {"threshold": threshold}
        out = run(data).outcomes()
        rates.append(out["agreement"].mean())
        utilities.append(
            out["utility_a"][out["agreement"]].mean() if out["agreement"].any() else np.nan
        )
        assert (out["red_line_violations"] == 0).all()
    assert rates[:4] == [1.0] * 4 and rates[4] == 0.0
    assert utilities[0] < utilities[1] < utilities[2] < utilities[3]
    assert utilities[3] >= 0.75 - 1e-9  # never below the threshold


def test_a_deal_that_fails_at_home_is_an_involuntary_defection():
    """Issue by issue, each value passes at the table, but the whole package can fall short of
    the ratifier's threshold: it is not implemented, not counted as an agreement nor as a broken
    commitment, and the others lose trust.ratification_penalty of their trust."""
    data = yaml.safe_load((SCENARIOS / "us_china_2024.yaml").read_text())
    data["negotiation"]["protocol"] = "issue_by_issue"
    data["trust"] = {"initial": 1.0, "penalty": 0.5, "recovery": 0.0, "ratification_penalty": 0.3}
    data["agents"]["china"]["domestic"] = {"threshold": 0.85}
    data["agents"]["us"]["domestic"] = {"threshold": 0.0}  # only China's ratifier can say no
    model = NegotiationModel(validate(data, "t.yaml"), 400, seed=2, trace=400).run()
    out = model.outcomes()
    failed = out["ratification_failures"] > 0
    assert failed.any()
    sessions = model.trace.sessions_frame()
    assert (out["red_line_violations"] == 0).all()
    # Where the only agreed session failed at home, nothing counts as agreed or broken.
    only = failed & (out["sessions_agreed"] == 0)
    assert only.any() and (out["broken_commitments"][only] == 0).all()
    assert (
        not sessions[sessions["rep"].isin(np.flatnonzero(only))].filter(like="agreed_").any().any()
    )
    # Trust falls by the ratification penalty for each failure, with no recovery.
    expected = 0.7 ** out["ratification_failures"][only]
    np.testing.assert_allclose(out["trust_us"][only], expected, rtol=1e-12)


def test_an_agent_never_proposes_or_accepts_what_its_ratifier_rejects():
    data = pie()
    data["agents"]["a"]["domestic"] = {
        "threshold": 0.5,
        "preferences": {"share": {"ideal": 0.5, "salience": 1}},  # the ratifier wants an even split
    }
    model = NegotiationModel(validate(data, "pie.yaml"), 100, seed=1, trace=100).run()
    offers = model.trace.offers_frame()
    out = model.outcomes()
    # The ratifier takes shares in [0.25, 0.75]; every deal lies there.
    values = out["value_share"][out["agreement"]]
    assert out["agreement"].any() and ((values >= 0.25 - 1e-9) & (values <= 0.75 + 1e-9)).all()
    accepted = offers[offers["accepted"]]
    assert accepted["offer_share"].between(0.25 - 1e-9, 0.75 + 1e-9).all()


def test_a_costly_commitment_raises_the_committing_sides_share_a_costless_one_is_cheap_talk():
    plain = run(pie()).outcomes()
    shares = {}
    for cost in (0.0, 0.1):
        data = pie()
        data["agents"]["a"]["commitments"] = {"share": {"value": 0.7, "audience_cost": cost}}
        shares[cost] = run(data).outcomes()
    assert shares[0.0]["utility_a"].mean() == pytest.approx(plain["utility_a"].mean(), abs=1e-9)
    assert (shares[0.0]["commitments_abandoned_a"] == 1).all()  # broken, at no cost
    costly = shares[0.1]
    assert costly["utility_a"].mean() > plain["utility_a"].mean() + 0.1
    assert (costly["commitments_kept_a"] == 1).all() and (costly["audience_costs_a"] == 0).all()


def test_breaking_a_commitment_costs_its_audience_cost_once():
    data = pie()
    # Committed beyond what b can give (b keeps at least 0.2): a must back down, and pays.
    data["agents"]["a"]["commitments"] = {"share": {"value": 0.9, "audience_cost": 0.05}}
    out = run(data).outcomes()
    agreed = out["agreement"]
    assert agreed.any()
    assert (out["commitments_abandoned_a"][agreed] == 1).all()
    np.testing.assert_allclose(out["audience_costs_a"][agreed], 0.05)
    np.testing.assert_allclose(
        out["utility_a"][agreed], out["value_share"][agreed] - 0.05, atol=1e-12
    )


def test_a_commitment_made_when_trust_falls():
    data = pie(sessions=2)
    data["agents"]["a"]["commitments"] = {
        "share": {"value": 0.7, "audience_cost": 0.1, "when": {"trust_below": 0.5}}
    }
    out = run(data).outcomes()
    assert (out["commitments_made_a"] == 0).all()  # trust stays at 1: never made


def test_a_bluffed_red_line_is_known_and_calling_it_costs():
    data = pie()
    data["agents"]["b"]["red_lines"] = {
        "share": {"max": 0.8, "declared": {"max": 0.5, "audience_cost": 0.2}}
    }
    model = NegotiationModel(validate(data, "pie.yaml"), 50, seed=1, trace=50).run()
    offers = model.trace.offers_frame()
    a_offers = offers[offers["agent"] == "a"]
    assert (a_offers["offer_share"] <= 0.5 + 1e-12).all()  # a believes the declared line
    out = model.outcomes()
    assert (out["value_share"][out["agreement"]] <= 0.5 + 1e-9).all()


def test_win_sets_setting_decides_what_the_others_see():
    data = pie()
    data["agents"]["a"]["domestic"] = {"threshold": {"dist": "uniform", "low": 0.5, "high": 0.7}}
    seen = {}
    for setting in ("known", "believed", "unknown"):
        data["negotiation"]["win_sets"] = setting
        model = NegotiationModel(validate(copy.deepcopy(data), "pie.yaml"), 200, seed=3)
        model.step()
        a = model.state_agents[0]
        seen[setting] = views.seen_floor(model, a)
        if setting == "known":
            np.testing.assert_array_equal(seen[setting], a.floor)
    np.testing.assert_allclose(seen["believed"], 0.6)  # the threshold's median, not its draw
    np.testing.assert_allclose(seen["unknown"], 0.0)  # a's reservation only


def test_events_and_pressures_move_a_win_set():
    data = pie(sessions=2)
    data["agents"]["a"]["domestic"] = {"threshold": 0.5}
    data["events"] = {
        "election": {
            "at": {"session": 1, "round": 0},
            "duration": 20,
            "shifts": [{"agent": "a", "field": "threshold", "add": 0.2}],
        }
    }
    model = NegotiationModel(validate(data, "pie.yaml"), 10, seed=1)
    a = model.state_agents[0]
    while model.session == 0:
        model.step()
        assert (a.win_set_edge == 0.5).all()
    model.step()
    assert (a.win_set_edge == pytest.approx(0.7)) and (a.floor >= 0.7 - 1e-12).all()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda d: d["agents"]["a"].update(domestic={"threshold": 1.5}),
            r"agents\.a\.domestic\.threshold",
            "must be <= 1",
        ),
        (
            lambda d: d["agents"]["a"].update(domestic={}),
            r"agents\.a\.domestic\.threshold",
            "missing required field",
        ),
        (
            lambda d: d["agents"]["a"].update(commitments={"share": {"value": 0.7}}),
            r"agents\.a\.commitments\.share\.audience_cost",
            "missing required field",
        ),
        (
            lambda d: d["agents"]["b"].update(
                red_lines={"share": {"max": 0.5, "declared": {"max": 0.7, "audience_cost": 0.1}}}
            ),
            r"agents\.b\.red_lines\.share\.declared\.max",
            "a bluff lies between the ideal 0 and the true max 0.5",
        ),
        (
            lambda d: d.update(
                events={
                    "e": {
                        "at": {"session": 0, "round": 0},
                        "duration": 1,
                        "shifts": [{"agent": "a", "field": "threshold"}],
                    }
                }
            ),
            r"events\.e\.shifts\[0\]\.field",
            "unknown shiftable field of a 'threshold'",
        ),
        (
            lambda d: d["negotiation"].update(win_sets="guessed"),
            r"negotiation\.win_sets",
            "unknown win-set knowledge 'guessed'",
        ),
    ],
)
def test_bad_domestic_input_names_its_field(change, field, message):
    data = pie()
    change(data)
    with pytest.raises(ScenarioError, match=rf"pie\.yaml: {field}: {message}"):
        validate(data, "pie.yaml")


def test_a_deal_that_falls_at_home_costs_trust_only_to_the_side_let_down():
    data = pie(sessions=2)
    data["negotiation"]["protocol"] = "issue_by_issue"
    data["trust"] = {"initial": 1.0, "penalty": 0.5, "recovery": 0.0, "ratification_penalty": 0.3}
    # Issue by issue the value passes at the table but not a's ratifier (it wants 0.7 or so).
    data["agents"]["a"]["domestic"] = {
        "threshold": 0.8,
        "preferences": {"share": {"ideal": 0.7, "salience": 1}},
    }
    out = run(data, 200).outcomes()
    failed = out["ratification_failures"] > 0
    assert failed.any()
    assert (out["trust_a"][failed] == 1.0).all()  # a's own ratifier said no
    assert (out["trust_b"][failed] < 1.0).all()
    # The first agreement is a ratified one: no acceptance recorded for a deal that fell.
    never = failed & ~out["agreement"]
    assert never.any() and not out["accepted_a"][never].any() and not out["accepted_b"][never].any()


def test_a_random_pressure_on_a_win_set_does_not_depend_on_the_batch():
    data = pie(sessions=2)
    data["agents"]["a"]["domestic"] = {"threshold": 0.5}
    data["pressures"] = {
        "hawks": {
            "agent": "a",
            "threshold": 0.3,
            "ar1": {"start": 0.0, "mean": 0.5, "phi": 0.5, "sigma": 0.4},
        }
    }
    scenario = validate(data, "pie.yaml")
    batch = NegotiationModel(scenario, 120, seed=5).run().outcomes()
    for k in range(0, 120, 7):
        alone = NegotiationModel(scenario, 1, seed=5, start=k).run().outcomes()
        for column, values in alone.items():
            assert np.array_equal(values[0], batch[column][k], equal_nan=True), (k, column)
