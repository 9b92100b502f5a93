"""Interval edges: a rate of 0 or 1 has the bound it cannot exceed exactly, not up to rounding."""

from __future__ import annotations

import pytest

from sim.engine.stats import Moments, wilson_interval


@pytest.mark.parametrize("n", [2, 50, 1000, 12_345])
def test_a_zero_rate_has_a_lower_bound_of_exactly_zero(n):
    low, high = wilson_interval(0, n)
    assert low == 0.0 and 0 < high < 1


@pytest.mark.parametrize("n", [2, 50, 1000, 12_345])
def test_a_rate_of_one_has_an_upper_bound_of_exactly_one(n):
    low, high = wilson_interval(n, n)
    assert high == 1.0 and 0 < low < 1


def test_summary_estimates_at_the_edges():
    never, always = Moments(), Moments()
    never.add([0.0] * 500)
    always.add([1.0] * 500)
    assert never.estimate(rate=True)["ci95"][0] == 0.0
    assert always.estimate(rate=True)["ci95"][1] == 1.0
