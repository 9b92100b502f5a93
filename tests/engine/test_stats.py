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


def test_an_empty_table_still_names_its_columns_and_any_shape_is_flattened():
    import numpy as np
    import pandas as pd

    from sim.engine.stats import TableMoments

    moments = TableMoments()
    moments.add(pd.DataFrame({"x": pd.Series([], dtype=float)}))
    assert moments.estimate("x")["n"] == 0 and moments.total("x") == 0.0
    one = Moments()
    one.add(np.array(3.0))
    one.add(np.ones((2, 2)))
    assert (one.n, one.mean) == (5, pytest.approx(1.4))
