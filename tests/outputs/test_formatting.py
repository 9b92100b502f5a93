"""The one way estimates and their 95% intervals are written in words."""

from __future__ import annotations

from sim.outputs.formatting import ci, estimate, percent

EST = {"estimate": 0.4567, "ci95": [0.4012, 0.5049], "se": 0.02, "n": 100}
NO_CI = {"estimate": 1.0, "ci95": None, "se": None, "n": 1}


def test_percent_is_whole_percent():
    assert percent(0.456) == "46%"
    assert percent(1.0) == "100%"
    assert percent(0.0) == "0%"


def test_ci_writes_the_interval_with_the_number_of_digits_asked():
    assert ci(EST) == " (95% CI 0.40–0.50)"
    assert ci(EST, 3) == " (95% CI 0.401–0.505)"


def test_ci_in_percent_puts_the_unit_after_the_interval_or_after_each_bound():
    assert ci(EST, 1, scale=100, unit="%") == " (95% CI 40.1–50.5%)"
    assert ci(EST, 0, scale=100, unit="%", unit_each=True) == " (95% CI 40%–50%)"


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
