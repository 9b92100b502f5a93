"""summary.json: every headline number is the estimate of its per-replication column."""

from __future__ import annotations

import json

import pytest

from sim.scenario.distributions import typical


def test_the_run_is_described(pie_run):
    s = pie_run.summary
    assert (s["scenario"], s["protocol"], s["seed"]) == ("split_the_pie", "alternating_offers", 1)
    assert (s["replications"], s["first_replication"]) == (50, 0)
    assert (s["sessions"], s["rounds_per_session"]) == (1, 20)


def test_headline_estimates_are_the_means_of_their_columns(pause_run):
    s, table = pause_run.summary, pause_run.result.sample
    assert len(table) == 50
    assert s["agreement_rate"]["estimate"] == pytest.approx(table["agreement"].mean())
    assert s["agreement_rate"]["n"] == 50
    assert s["rounds_to_agreement"]["estimate"] == pytest.approx(
        table["rounds_to_agreement"].mean()
    )
    for agent in pause_run.scenario.agents:
        utility = s["agents"][agent.name]["utility"]
        assert utility["estimate"] == pytest.approx(table[f"utility_{agent.name}"].mean())
        low, high = utility["ci95"]
        assert low <= utility["estimate"] <= high
    for issue in pause_run.scenario.issues:
        section = s["issues"][issue.name]
        assert section["final_value"]["estimate"] == pytest.approx(
            table[f"value_{issue.name}"].mean()
        )
        assert section["status_quo"] == typical(issue.status_quo)


def test_rates_have_wilson_intervals_inside_zero_and_one(pie_run):
    rate = pie_run.summary["agreement_rate"]
    assert rate["estimate"] == 1.0
    assert 0.9 < rate["ci95"][0] < 1.0 == rate["ci95"][1]


def test_counts_are_totals_over_replications(pause_run):
    s, table = pause_run.summary, pause_run.result.sample
    assert s["red_line_violations"] == {"total": 0, "max_per_replication": 0}
    assert s["stalls"]["stalled_sessions"] == table["stalled_sessions"].sum()
    assert s["stalls"]["ended_in_conflict"] == table["conflicts"].sum()


def test_sections_of_features_the_scenario_has(pie_run, pause_run):
    assert pie_run.summary["tactical_pause"] is None
    assert set(pie_run.summary["theory"]["simulated"]) == {
        "distance_from_nash",
        "distance_from_kalai_smorodinsky",
        "distance_from_utilitarian",
        "frontier_gap",
    }
    pause = pause_run.summary["tactical_pause"]
    assert pause["misread_share"]["estimate"] == pytest.approx(
        pause_run.result.sample["misread"].mean()
    )
    assert set(pause["pause_window"]) == {"china"}


def test_the_summary_is_strict_json(pause_run):
    json.dumps(pause_run.summary, allow_nan=False)


def test_run_metrics_are_named_by_the_column_they_are_the_mean_of(us_china_run):
    from sim.outputs.summary import run_metrics

    table = us_china_run.result.sample  # every row of this small run
    assert len(table) == us_china_run.summary["replications"]
    metrics = run_metrics(us_china_run.summary)
    assert {"agreement", "utility_us", "discounted_china", "agreed_taiwan", "value_taiwan"} <= set(
        metrics
    )
    for column, est in metrics.items():
        values = table[column].astype(float)
        if values.notna().any():
            assert est["estimate"] == pytest.approx(values.mean()), column
