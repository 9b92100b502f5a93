"""The tactical-pause section of report.md, from the ``tactical_pause`` section of summary.json."""

from __future__ import annotations

import copy

import pytest

from sim.outputs.pause import pause_lines


@pytest.fixture
def summary(pause_run):
    return copy.deepcopy(pause_run.summary)


def est(value, low, high):
    return {"estimate": value, "ci95": [low, high], "se": 0.01, "n": 50}


def test_no_pressure_no_section(pie_run):
    assert pause_lines(pie_run.scenario, pie_run.summary) == []


def test_the_pressures_and_the_pause_window(pause_run, summary):
    summary["tactical_pause"]["pause_window"]["china"] = {
        "found": True,
        "start": {"session": 2, "round": 2},
        "end": {"session": 3, "round": 10},
        "rounds": 19,
        "peak_lift": 0.4052,
    }
    lines = pause_lines(pause_run.scenario, summary)
    assert lines[:2] == ["## The tactical pause", ""]
    assert lines[2] == (
        "- Pressure **economic** on China (levels 0.1, 0.9, 0.9, 0.2, 0.1 by session) makes its "
        "concessions faster."
    )
    assert lines[3] == (
        "- Pressure **hawkishness** on United States (a random AR(1) path around 0.4) makes its "
        "concessions slower."
    )
    assert lines[4] == (
        "- China's cooperation rose above what it would have been without pressure from session "
        "2, round 2 to session 3, round 10 (at most +0.41 on the 0–1 cooperation index), and fell "
        "back afterwards: a pause, not a change of course."
    )
    assert lines[-1] == ""


def test_no_window_found(pause_run, summary):
    summary["tactical_pause"]["pause_window"]["china"] = {"found": False}
    lines = pause_lines(pause_run.scenario, summary)
    assert "- No round showed a clear pressure-driven rise in China's cooperation." in lines


def test_core_interests(pause_run, summary):
    movement = summary["tactical_pause"]["core_movement"]
    movement["china"] = est(0.0, 0.0, 0.0)
    assert (
        "- China's core interests (taiwan, party_rule) moved by 0.000 on average on their 0–1 "
        "scales: they never moved."
    ) in pause_lines(pause_run.scenario, summary)
    movement["china"] = est(0.0123, 0.01, 0.015)
    assert (
        "- China's core interests (taiwan, party_rule) moved by 0.012 on average on their 0–1 "
        "scales: they moved only inside its red lines."
    ) in pause_lines(pause_run.scenario, summary)


def test_paired_differences_with_their_intervals(pause_run, summary):
    effects = summary["tactical_pause"]["effect_of_pressure"]
    effects["cooperation_china"] = {
        "with": est(0.7044, 0.6937, 0.7153),
        "without": est(0.5971, 0.5908, 0.6033),
        "difference": est(0.1074, 0.0973, 0.1174),
    }
    effects["utility_us"]["difference"] = est(0.0091, -0.0023, 0.0204)
    effects["utility_china"]["difference"] = est(-0.0134, -0.0181, -0.0083)
    lines = pause_lines(pause_run.scenario, summary)
    assert (
        "- China's average cooperation index (0 to 1) is 0.704 (95% CI 0.694–0.715) with pressure "
        "and 0.597 (95% CI 0.591–0.603) without: pressure raises it by 0.107 on the index "
        "(95% CI +0.097 to +0.117), comparing paired runs with the same random numbers."
    ) in lines
    assert (
        "- United States' final utility: pressure raises it by 0.009 on the 0–1 utility scale "
        "(95% CI -0.002 to +0.020; the interval includes no change)."
    ) in lines
    assert (
        "- China's final utility: pressure lowers it by 0.013 on the 0–1 utility scale "
        "(95% CI -0.018 to -0.008)."
    ) in lines
    effects["utility_us"]["difference"] = {"estimate": None, "ci95": None}
    lines = pause_lines(pause_run.scenario, summary)
    assert not [line for line in lines if line.startswith("- United States' final utility")]


def test_misreading_in_percent(pause_run, summary):
    section = summary["tactical_pause"]
    section["misread_share"] = est(0.46, 0.3297, 0.5960)
    section["effect_of_pressure"]["misread"]["difference"] = est(0.46, 0.3169, 0.6031)
    lines = pause_lines(pause_run.scenario, summary)
    assert lines[-3:] == [
        "- United States misread China's softening as genuine and tested taiwan in 46.0% "
        "(95% CI 33.0–59.6%) of runs; each test made China walk out.",
        "- Pressure raises the share of runs with a misreading by 46.0 percentage points "
        "(95% CI +31.7 to +60.3), compared with the same runs without it.",
        "",
    ]
    section["effect_of_pressure"]["misread"]["difference"] = est(-0.0004, -0.02, 0.019)
    assert pause_lines(pause_run.scenario, summary)[-2] == (
        "- Pressure leaves the share of runs with a misreading unchanged (95% CI -2.0 to +1.9), "
        "compared with the same runs without it."
    )
