"""Domestic politics in summary.json, report.md and narrative.md (issue 14): ratification
failures as a share of runs, of sessions and of the deals struck at the table; the trust they
cost; thresholds, what moves them and commitments in plain words. A scenario without a domestic
section keeps its summary.json as it was."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.outputs.narrative import narrative
from sim.outputs.report import write_report
from sim.outputs.summary import run_metrics

NEW_KEYS = {"domestic", "ratification_failures"}
COMMITMENT_KEYS = {
    "commitments_made",
    "commitments_kept",
    "commitments_abandoned",
    "audience_costs",
}


@pytest.fixture(scope="module")
def two_level():
    return sim.simulate("two_level_game", 300, seed=1, trace=40)


def report(result) -> str:
    return write_report(result.scenario, result.summary, result.sessions, wall_s=1.0)


def test_a_scenario_without_domestic_politics_has_none_of_its_entries(pie_run):
    assert not NEW_KEYS & set(pie_run.summary)
    for stats in pie_run.summary["agents"].values():
        assert not COMMITMENT_KEYS & set(stats)
    assert "ratification_failures" not in run_metrics(pie_run.summary)
    text = write_report(pie_run.scenario, pie_run.summary, pie_run.result.sessions, 1.0)
    assert "at home" not in text.lower()


def test_ratification_failures_are_counted_three_ways(two_level):
    table, section = two_level.replications, two_level.summary["domestic"]
    failures = section["ratification_failures"]
    failed, ratified = table["ratification_failures"].sum(), table["sessions_agreed"].sum()
    assert failed > 0
    assert failures["per_run"]["estimate"] == pytest.approx(table["ratification_failures"].mean())
    assert failures["share_of_runs"]["estimate"] == pytest.approx(
        (table["ratification_failures"] > 0).mean()
    )
    deals = failures["share_of_deals_at_the_table"]
    assert (deals["estimate"], deals["n"]) == (
        pytest.approx(failed / (failed + ratified)),
        1200 - table["stalled_sessions"].sum(),
    )
    sessions = failures["share_of_sessions"]
    assert (sessions["estimate"], sessions["n"]) == (pytest.approx(failed / 1200), 1200)
    assert two_level.summary["ratification_failures"] == failures["per_run"]


def test_the_trust_lost_at_home_is_split_by_runs_with_and_without_a_failure(two_level):
    table = two_level.replications
    failed = table["ratification_failures"] > 0
    effect = two_level.summary["domestic"]["trust_after_failure"]["china"]
    assert effect["after_a_failure"]["estimate"] == pytest.approx(
        table.loc[failed, "trust_china"].mean()
    )
    assert effect["without_failure"]["estimate"] == pytest.approx(
        table.loc[~failed, "trust_china"].mean()
    )
    # trust.ratification_penalty 0.25, from a trust of 1 with nothing else to lower it
    assert effect["after_a_failure"]["estimate"] == pytest.approx(0.775)
    assert effect["without_failure"]["estimate"] == 1.0


def test_the_threshold_what_moves_it_and_the_commitments_are_described(two_level):
    agents = two_level.summary["domestic"]["agents"]
    assert agents["us"]["threshold"] == {"value": 0.45, "drawn": False}
    assert agents["us"]["ratifier"] == "own"
    (move,) = agents["us"]["threshold_moves"]
    assert move | {"description": ""} == {
        "kind": "event",
        "name": "election_season",
        "description": "",
        "add": 0.1,
        "multiply": 1.0,
        "duration": 3,
        "session": 3,
        "round": 10,
    }
    (commitment,) = agents["china"]["commitments"]
    assert commitment["value"] == 0.6 and commitment["when_trust_below"] == 0.8
    china = two_level.summary["agents"]["china"]
    table = two_level.replications
    for key in COMMITMENT_KEYS:
        assert china[key]["estimate"] == pytest.approx(table[f"{key}_china"].mean())
    # China commits only after a deal fell at home has cost it trust
    assert china["commitments_made"]["estimate"] == pytest.approx(
        two_level.summary["domestic"]["ratification_failures"]["share_of_runs"]["estimate"]
    )
    metrics = run_metrics(two_level.summary)
    assert {"ratification_failures", "commitments_kept_china", "audience_costs_china"} <= set(
        metrics
    )


def test_a_drawn_threshold_is_shown_by_its_median_and_the_range_of_its_draws():
    scenario = sim.load(
        "two_level_game",
        {"agents.us.domestic.threshold": {"dist": "uniform", "low": 0.3, "high": 0.6}},
    )
    result = sim.simulate(scenario, 100, seed=2, trace=0)
    threshold = result.summary["domestic"]["agents"]["us"]["threshold"]
    assert threshold["drawn"] and threshold["distribution"] == "uniform"
    assert threshold["median"] == pytest.approx(0.45, abs=0.01)
    assert threshold["range95"] == pytest.approx([0.3075, 0.5925], abs=0.01)
    assert "drawn per run (uniform; median 0.45, 95% of runs 0.31–0.59)" in report(result)


def test_the_report_says_in_plain_words_what_happened_at_home(two_level):
    text = report(two_level)
    share = two_level.summary["domestic"]["ratification_failures"]["share_of_runs"]["estimate"]
    headline = text.split("## Headline", 1)[1].split("##", 1)[0]
    assert f"rejected at home in {100 * share:.1f}%" in headline
    assert "not the same as non-compliance" in headline
    home = text.split("## At home: ratification and commitments", 1)[1].split("\n## ", 1)[0]
    assert "*involuntary defection*" in home
    assert "ratifies it only if it is worth at least 0.45" in home
    assert "`win_sets: known`" in home
    assert (
        "**election_season** (the campaign makes Congress harder to please before its vote) "
        "raised the United States' threshold by 0.1 from session 3, round 10, for 3 rounds."
    ) in home
    # The US Congress said no: China, let down, lost trust; the US kept its own.
    assert "trust stood at the United States 1.00" in home and "China 0.78" in home
    assert "against 1.00 and 1.00" in home
    assert "(at most 0.6, made once its trust falls below 0.8)" in home
    assert "credible: the others' offers keep to it" in home
    assert "then fell at home" in text.split("## Why talks stalled", 1)[1]


def test_a_session_whose_deal_fell_at_home_is_told_as_such(two_level):
    sessions = two_level.sessions
    fell = sessions[
        ~sessions["agreed_fentanyl_precursors"] & sessions["value_fentanyl_precursors"].notna()
    ]
    rep = int(fell["rep"].iloc[0])
    story = narrative(two_level.scenario, two_level.offers, sessions, rep)
    assert "- The session ended with a deal at the table (fentanyl_precursors " in story
    assert "that the United States' ratifier rejected at home" in story


def test_a_cost_free_commitment_is_cheap_talk_and_a_bluff_is_named():
    changes = {
        "agents.china.commitments.fentanyl_precursors": {"value": 0.6, "audience_cost": 0.0},
        "agents.china.red_lines": {
            "fentanyl_precursors": {"max": 0.8, "declared": {"max": 0.7, "audience_cost": 0.05}}
        },
    }
    result = sim.simulate(sim.load("two_level_game", changes), 50, seed=1, trace=0)
    text = report(result)
    assert "cheap talk: breaking it costs nothing, so the others ignore it" in text
    assert (
        "**China's declared red line on fentanyl_precursors** (at most 0.7; the true one is at "
        "most 0.8) is a bluff: settling past it costs 0.05 in utility"
    ) in text


def test_without_a_moving_threshold_no_deal_falls_at_home_and_the_report_says_why():
    result = sim.simulate(sim.load("two_level_game", {"events": None}), 100, seed=1, trace=0)
    assert result.replications["ratification_failures"].sum() == 0
    text = report(result)
    assert "**No deal reached at the table was rejected at home.**" in text
    assert "rejected at home in 0.0%" in text


def test_a_pressure_on_the_threshold_is_told_session_by_session():
    changes = {
        "pressures": {
            "hawks": {
                "description": "hawks in Congress",
                "agent": "us",
                "threshold": 0.2,
                "by_session": [0.0, 0.5, 1.0, 0.0],
            }
        }
    }
    result = sim.simulate(sim.load("two_level_game", changes), 50, seed=1, trace=0)
    assert (
        "The pressure **hawks** raises the United States' threshold by 0.2 "
        "times its level (0–1): by session 0.00, +0.10, +0.20, 0.00."
    ) in report(result)


def test_votes_on_a_deal_that_fell_at_home_never_make_a_negative_share():
    """Issue by issue, an agent whose ratifier has preferences of its own signs deals its
    ratifier rejects; the vote the core records is the table's, so a run can hold a vote and no
    agreement (this raised a math domain error in the Wilson interval)."""
    changes = {
        "agents.b.reservation": 0.3,
        "agents.a.domestic": {
            "threshold": 0.6,
            "preferences": {"share": {"ideal": 1.0, "salience": 1.0}},
        },
    }
    result = sim.simulate(
        sim.load("split_the_pie", changes), 100, seed=1, trace=0, protocol="issue_by_issue"
    )
    for stats in result.summary["agents"].values():
        assert 0.0 <= stats["outvoted"]["estimate"] <= 1.0
    assert np.isfinite(result.summary["domestic"]["ratification_failures"]["per_run"]["estimate"])


def test_the_offers_figure_marks_a_deal_that_fell_at_home(two_level, drawn, tmp_path):
    from types import SimpleNamespace

    from sim.outputs.figures import offers_figure

    sessions, offers = two_level.sessions, two_level.offers
    fell = sessions[~sessions["agreed_fentanyl_precursors"]]
    fell = fell[fell["value_fentanyl_precursors"].notna()]
    rep = int(fell["rep"].iloc[0])
    traced = SimpleNamespace(
        offers=offers[offers["rep"] == rep], sessions=sessions[sessions["rep"] == rep]
    )
    offers_figure(SimpleNamespace(scenario=two_level.scenario, result=traced), tmp_path / "o.png")
    (fig,) = drawn
    labels = [text.get_text() for legend in fig.legends for text in legend.get_texts()]
    assert "agreed at the table, rejected at home" in labels
    (ax,) = fig.axes
    marks = [line for line in ax.lines if line.get_marker() == "X"]
    session = int(fell["session"].iloc[0])
    (mark,) = marks
    assert mark.get_ydata()[0] == pytest.approx(fell["value_fentanyl_precursors"].iloc[0])
    assert session * 12 <= mark.get_xdata()[0] < (session + 1) * 12
