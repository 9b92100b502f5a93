"""The round loop's reductions over a short last axis give numpy's own numbers, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.core import rowwise

shapes = st.tuples(st.integers(1, 40), st.integers(0, 12))
floats = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False, width=64)


@settings(max_examples=200, deadline=None)
@given(shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=floats)))
def test_sums_and_minima_are_numpys(a):
    assert rowwise.sum_(a).tobytes() == a.sum(axis=-1).tobytes()
    if a.shape[-1]:
        assert rowwise.min_(a).tobytes() == a.min(axis=-1).tobytes()


@settings(max_examples=200, deadline=None)
@given(shapes.flatmap(lambda shape: arrays(np.bool_, shape)))
def test_logical_reductions_and_counts_are_numpys(a):
    for ours, theirs in (
        (rowwise.any_(a), a.any(axis=-1)),
        (rowwise.all_(a), a.all(axis=-1)),
        (rowwise.count_(a), a.sum(axis=-1)),
    ):
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_a_single_column_is_a_copy_never_a_view():
    a = np.array([[True], [False]])
    found = rowwise.any_(a)
    a[:] = False
    assert found.tolist() == [True, False]


OPERATIONS = [np.subtract, np.divide, np.multiply, np.add, np.clip]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 3 * rowwise.TILE + 5),
    st.integers(1, 5),
    st.sampled_from(["(k,)", "(1, k)", "(R, k)"]),
    st.sampled_from(OPERATIONS),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_rows_give_the_numbers_of_broadcasting(n, k, row_shape, fn, in_place, seed):
    """Whole tiles, the rows left over and whole (R, k) arrays; in place and into a new array."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, k)) * np.exp2(rng.integers(-30, 30, (n, k)))
    a[rng.random((n, k)) < 0.1] = np.nan
    shape = {"(k,)": (k,), "(1, k)": (1, k), "(R, k)": (n, k)}[row_shape]
    low = rng.standard_normal(shape)
    rows = rowwise.Rows(low, low + np.abs(rng.standard_normal(shape)))
    which = (0, 1) if fn is np.clip else (0,)
    with np.errstate(all="ignore"):
        expected = fn(a, *(rows.rows[i] for i in which))
        got = rows.apply(fn, a, *which, out=a if in_place else np.empty_like(a))
    assert got.shape == expected.shape and got.tobytes() == expected.tobytes()
    assert (got is a) == in_place


def test_rows_broadcast_where_they_cannot_tile():
    """A strided array, or an array of another shape, meets the row as numpy broadcasts it."""
    row = np.array([0.1, 0.2, 0.3])
    a = np.random.default_rng(1).random((2 * rowwise.TILE, 6))[:, ::2]  # not C-ordered
    out = np.empty(a.shape)
    assert rowwise.Rows(row).apply(np.subtract, a, 0, out=out).tobytes() == (a - row).tobytes()
    b = np.random.default_rng(2).random((4, 5, 3))
    assert rowwise.Rows(row).apply(np.add, b, 0, out=b.copy()).tobytes() == (b + row).tobytes()


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 600),
    st.integers(1, 40),
    st.sampled_from([np.float32, np.float64]),
    st.integers(0, 2**32 - 1),
)
def test_means_of_rows_are_numpys_means_of_the_turned_array(steps, n, dtype, seed):
    """numpy sums a row pairwise (in order below 8, eight running sums up to 128, halves
    above), so a mean of many numbers of different scales depends on the order."""
    rng = np.random.default_rng(seed)
    stacked = rng.standard_normal((steps, n)) * np.exp2(rng.integers(-40, 5, (steps, n)))
    stacked = stacked.astype(dtype)
    stacked[rng.random((steps, n)) < 0.05] = -0.0
    expected = np.ascontiguousarray(stacked.T).mean(axis=1, dtype=float)
    assert rowwise.mean_of_rows(stacked).tobytes() == expected.tobytes()


def test_the_order_of_a_mean_matters_for_these_numbers():
    """The test above can fail: adding in order gives other numbers for such rows (and it is
    what numpy does with the transpose as a view, not turned into a C-ordered array)."""
    rng = np.random.default_rng(3)
    stacked = rng.standard_normal((24, 2000)) * np.exp2(rng.integers(-40, 5, (24, 2000)))
    in_order = np.zeros(2000)
    for row in stacked:
        in_order += row
    turned = np.ascontiguousarray(stacked.T).mean(axis=1)
    assert not np.array_equal(in_order / 24, turned)
    assert np.array_equal(in_order / 24, stacked.T.mean(axis=1))
    assert np.array_equal(rowwise.mean_of_rows(stacked), turned)


def test_signed_zeros_sum_as_numpys():
    a = np.array([[-0.0], [-0.0], [0.0]])
    for k in (1, 2, 5):
        wide = np.repeat(a, k, axis=1)
        assert rowwise.sum_(wide).tobytes() == wide.sum(axis=-1).tobytes()


def test_rows_taken_at_some_replications():
    whole = np.arange(12.0).reshape(4, 3)
    row = np.array([[1.0, 2.0, 3.0]])
    taken = rowwise.Rows(whole, row).take(np.array([1, 3]))
    assert np.array_equal(taken.rows[0], whole[[1, 3]]) and taken.rows[1] is row


@pytest.mark.parametrize("steps", [8192, 8193, 9000])
def test_float32_paths_longer_than_numpys_buffer_average_as_numpy_does(steps):
    """numpy casts a float32 row longer than its buffer (8192) piece by piece and sums each
    piece alone: such paths are averaged by numpy itself."""
    rng = np.random.default_rng(0)
    values = rng.random((steps, 16)) * np.where(rng.random((steps, 16)) < 0.5, 1e-6, 1.0)
    stacked = values.astype(np.float32)
    expected = np.ascontiguousarray(stacked.T).mean(axis=1, dtype=float)
    assert rowwise.mean_of_rows(stacked).tobytes() == expected.tobytes()
