"""Array work over a short last axis (issues, agents), for the round loop.

numpy reduces a C-ordered (R, k) array over its last axis one row at a time, with an inner loop
of length k: for the few issues or agents of a negotiation that costs several times a pass over
k columns. These functions take the columns instead. They give exactly numpy's numbers: logical
reductions have no rounding, and numpy's pairwise summation adds fewer than 8 numbers in order,
as the columns are added here. Sums and counts over 8 columns or more, and logical reductions
over 32 or more, are numpy's own (a loop over that many columns would cost more here).

For the same reason an operation between an (R, k) array and one row (k,) broadcast over it
runs two to three times slower than between two whole arrays: :class:`Spread` keeps a row that
meets (R, k) arrays every round copied out to (R, k), made once.
"""

from __future__ import annotations

import functools

import numpy as np

#: numpy's pairwise summation adds a run shorter than this in order
_IN_ORDER = 8
#: from this many columns on, numpy's logical reductions cost less than a pass per column
_MANY = 32


def any_(a: np.ndarray) -> np.ndarray:
    """``a.any(axis=-1)`` for a boolean array."""
    return _logical(a, np.logical_or)


def all_(a: np.ndarray) -> np.ndarray:
    """``a.all(axis=-1)`` for a boolean array."""
    return _logical(a, np.logical_and)


def _logical(a: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    if a.shape[-1] == 1:
        return a[..., 0].copy()  # a copy, never a view of ``a``
    if a.shape[-1] == 0 or a.shape[-1] >= _MANY:
        return ufunc.reduce(a, axis=-1)
    return functools.reduce(ufunc, _columns(a))


def min_(a: np.ndarray) -> np.ndarray:
    """``a.min(axis=-1)`` (no rounding: any order gives numpy's numbers)."""
    if not 2 <= a.shape[-1] < _IN_ORDER:
        return a.min(axis=-1)
    return functools.reduce(np.minimum, _columns(a))


def count_(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=-1)`` for a boolean array: how many hold in each row, as numpy's integers."""
    if not 2 <= a.shape[-1] < _IN_ORDER:
        return a.sum(axis=-1)
    first, *rest = _columns(a)
    count = first.astype(np.int_)
    for column in rest:
        count += column
    return count


def sum_(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=-1)`` for a float array, bit for bit."""
    if not 0 < a.shape[-1] < _IN_ORDER:
        return a.sum(axis=-1)
    first, *rest = _columns(a)
    total = first + 0.0  # numpy's sum starts from 0: 0 + (-0.0) is 0.0
    for column in rest:
        total += column
    return total


def _columns(a: np.ndarray) -> list[np.ndarray]:
    return [a[..., k] for k in range(a.shape[-1])]


class Spread:
    """Rows (k,) or (1, k) copied out to whole (R, k) arrays, made once per shape and kept.
    The numbers are the row's, so every result is the one broadcasting gives."""

    def __init__(self, *rows: np.ndarray):
        self.rows = rows
        self._made: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}

    def to(self, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        """The rows as arrays of ``shape``: the rows themselves where they already have it."""
        made = self._made.get(shape)
        if made is None:
            made = tuple(
                row if np.shape(row) == shape else np.ascontiguousarray(np.broadcast_to(row, shape))
                for row in self.rows
            )
            self._made = {shape: made}  # one shape at a time: a batch's
        return made
