"""The one way estimates and their 95% intervals are written in words."""

from __future__ import annotations

import pytest

from sim.outputs.formatting import (
    change,
    ci,
    estimate,
    fixed,
    percent,
    plural,
    possessive,
    rate,
    rounds,
    utility,
)

EST = {"estimate": 0.4567, "ci95": [0.4012, 0.5049], "se": 0.02, "n": 100}
NO_CI = {"estimate": 1.0, "ci95": None, "se": None, "n": 1}


def test_percent_is_whole_percent():
    assert percent(0.456) == "46%"
    assert percent(1.0) == "100%"
    assert percent(0.0) == "0%"


def test_a_share_that_is_not_all_or_nothing_is_never_written_as_100_or_0_percent():
    assert percent(0.996) == "99.6%"
    assert percent(0.004) == "0.4%"
    assert percent(0.99999) == "over 99.9%"
    assert percent(0.00001) == "under 0.1%"


def test_ci_writes_the_interval_with_the_number_of_digits_asked():
    assert ci(EST) == " (95% CI 0.40–0.50)"
    assert ci(EST, 3) == " (95% CI 0.401–0.505)"


def test_ci_in_percent_puts_the_unit_after_the_interval():
    assert ci(EST, 1, scale=100, unit="%") == " (95% CI 40.1–50.5%)"


def test_bounds_with_a_sign_are_joined_by_to():
    assert ci({"ci95": [-0.0181, -0.0083]}, 3) == " (95% CI -0.018 to -0.008)"
    assert ci({"ci95": [-0.0023, 0.0204]}, 3, sign=True) == " (95% CI -0.002 to +0.020)"
    assert ci({"ci95": [-0.00001, 0.0204]}, 3) == " (95% CI 0.000–0.020)"  # never -0.000


def test_ci_in_the_console_is_set_off_by_two_spaces():
    assert ci(EST, 1, scale=100, gap="  ") == "  (95% CI 40.1–50.5)"


def test_no_interval_no_text():
    assert ci(NO_CI) == ""
    assert ci({"estimate": None, "ci95": None}) == ""


def test_estimate_with_its_interval():
    assert estimate(EST) == "0.457 (95% CI 0.401–0.505)"
    assert estimate(EST, 1, scale=100, unit="%") == "45.7% (95% CI 40.1–50.5%)"
    assert estimate(NO_CI) == "1.000"


def test_estimate_without_a_value_is_not_available():
    assert estimate(None) == "n/a"
    assert estimate({}) == "n/a"
    assert estimate({"estimate": None, "ci95": None}) == "n/a"


def test_the_headline_estimates_round_alike_wherever_they_are_written():
    assert rate({"estimate": 0.9992, "ci95": [0.9957, 1.0]}) == "99.9% (95% CI 99.6–100.0%)"
    assert rate(EST, gap="  ") == "45.7%  (95% CI 40.1–50.5%)"
    assert rounds({"estimate": 5.625, "ci95": [5.561, 5.69]}) == "5.62 (95% CI 5.56–5.69)"
    assert utility(EST) == "0.457 (95% CI 0.401–0.505)"


@pytest.mark.parametrize(
    ("value", "interval", "words"),
    [
        (0.1074, [0.0973, 0.1174], "raises it by 0.107 points (95% CI +0.097 to +0.117)"),
        (-0.0134, [-0.0181, -0.0083], "lowers it by 0.013 points (95% CI -0.018 to -0.008)"),
        (
            0.0091,
            [-0.0023, 0.0204],
            "raises it by 0.009 points (95% CI -0.002 to +0.020; the interval includes no change)",
        ),
        (0.0002, [-0.01, 0.01], "leaves it unchanged (95% CI -0.010 to +0.010)"),
        (0.05, None, "raises it by 0.050 points"),
    ],
)
def test_a_change_says_its_direction_and_unit(value, interval, words):
    assert change({"estimate": value, "ci95": interval}, 3, "points") == words


def test_a_change_in_percentage_points():
    est = {"estimate": 0.592, "ci95": [0.549, 0.635]}
    assert change(est, 1, "percentage points", scale=100) == (
        "raises it by 59.2 percentage points (95% CI +54.9 to +63.5)"
    )
    assert change({"estimate": None}, 1, "%") == "n/a"


def test_words_for_counts_signs_and_names():
    assert plural(1, "session") == "1 session"
    assert plural(5, "session") == "5 sessions"
    assert plural(2048, "simulated run") == "2,048 simulated runs"
    assert fixed(-0.0001, 3) == "0.000" and fixed(0.25, 2, sign=True) == "+0.25"
    assert possessive("China") == "China's" and possessive("United States") == "United States'"
