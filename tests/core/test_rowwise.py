"""The round loop's reductions over a short last axis give numpy's own numbers, bit for bit."""

from __future__ import annotations

import numpy as np
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


def test_spread_rows_give_the_numbers_of_broadcasting():
    row = np.array([0.1, 0.2, 0.3])
    (whole,) = rowwise.Spread(row).to((4, 3))
    assert whole.shape == (4, 3) and whole.flags.c_contiguous
    x = np.random.default_rng(1).random((4, 3))
    assert ((x - row) == (x - whole)).all()
    assert rowwise.Spread(row).to((3,))[0] is row


def test_signed_zeros_sum_as_numpys():
    a = np.array([[-0.0], [-0.0], [0.0]])
    for k in (1, 2, 5):
        wide = np.repeat(a, k, axis=1)
        assert rowwise.sum_(wide).tobytes() == wide.sum(axis=-1).tobytes()
