"""Interval edges: a rate of 0 or 1 has the bound it cannot exceed exactly, not up to rounding;
running moments merged for all columns at once are each column's own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.stats import Moments, TableMoments, block_moments, wilson_interval


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


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 3000),
    st.sampled_from([1, 7, 256, 1024]),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_blocks_merge_as_each_column_merged_alone(n, size, seed, stop_early):
    """All columns merged at once give each column's numbers merged alone with
    ``Moments.merge``, bit for bit: NaN, a column empty in a block, signed zeros and ties."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "rep": np.arange(n),
            "rate": rng.random(n) < 0.3,
            "scaled": rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n)),
            "gappy": np.where(rng.random(n) < 0.6, np.nan, rng.random(n)),
            "zeros": np.where(rng.random(n) < 0.5, -0.0, 0.0),
            "all_nan": np.full(n, np.nan),
        }
    )
    first = TableMoments()
    first.add_blocks(table.iloc[: n // 3], size)  # a running state to merge into
    calls = []

    def enough():
        calls.append(1)
        return stop_early and len(calls) == 2

    kept = first.add_blocks(table.iloc[n // 3 :], size, enough)
    alone = TableMoments()
    for name in table.columns[1:]:
        alone.columns[name], alone.sums[name] = Moments(), 0.0
    for part in (table.iloc[: n // 3], table.iloc[n // 3 : n // 3 + kept]):
        for start in range(0, len(part), size):
            block = part.iloc[start : start + size]
            for name in table.columns[1:]:
                values = block[name].to_numpy(dtype=float)[None, :]
                count, mean, m2, low, high, total = block_moments(values)
                moments = alone.columns[name]
                moments.merge(count[0], float(mean[0]), float(m2[0]), float(low[0]), float(high[0]))
                alone.sums[name] += float(total[0])
    for name in table.columns[1:]:
        ours, theirs = first.columns[name], alone.columns[name]
        got = (ours.n, ours.mean, ours.m2, ours.low, ours.high, first.sums[name])
        want = (theirs.n, theirs.mean, theirs.m2, theirs.low, theirs.high, alone.sums[name])
        assert repr(got) == repr(want)
