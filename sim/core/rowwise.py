"""Array work over a short last axis (issues, agents), for the round loop.

numpy reduces a C-ordered (R, k) array over its last axis one row at a time, with an inner loop
of length k: for the few issues or agents of a negotiation that costs several times a pass over
k columns. These functions take the columns instead. They give exactly numpy's numbers: logical
reductions have no rounding, and numpy's pairwise summation adds fewer than 8 numbers in order,
as the columns are added here. Sums and counts over 8 columns or more, and logical reductions
over 32 or more, are numpy's own (a loop over that many columns would cost more here).

A path kept round by round, (steps, R), is averaged over its steps the way numpy averages the
turned (R, steps) array, without turning it (:func:`mean_of_rows`).

For the same reason an operation between an (R, k) array and one row (k,) broadcast over it
runs two to three times slower than between two whole arrays: :class:`Rows` keeps such a row
tiled and works on (R, k) arrays in blocks of whole tiles, at the speed of whole arrays without
copying the row out to (R, k).
"""

from __future__ import annotations

import functools

import numpy as np

#: numpy's pairwise summation adds a run shorter than this in order
_IN_ORDER = 8
#: from this many columns on, numpy's logical reductions cost less than a pass per column
_MANY = 32
#: numpy's pairwise summation splits a run longer than this in two
_BLOCK = 128
#: copies of a row end to end in :class:`Rows`
TILE = 512


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


def mean_of_rows(stacked: np.ndarray) -> np.ndarray:
    """(R,) ``stacked.T.mean(axis=1, dtype=float)`` for ``stacked`` (n, R), bit for bit, without
    the transposed copy: numpy adds each row of the transpose pairwise (from 0, eight running
    sums in a run of 8 to 128 numbers, halves of a longer run), in float64, and divides by n."""
    n = len(stacked)
    if n == 0 or (stacked.dtype != np.float64 and n > np.getbufsize()):
        # numpy casts a row longer than its buffer to float64 piece by piece, and sums each
        # piece on its own: its own mean, from the turned copy
        return np.ascontiguousarray(stacked.T).mean(axis=1, dtype=float)
    total = _pairwise(stacked, 0, n)
    total += 0.0  # numpy's sum starts from 0: 0 + (-0.0) is 0.0
    total /= n
    return total


def _pairwise(rows: np.ndarray, start: int, stop: int) -> np.ndarray:
    """numpy's pairwise sum of ``rows[start:stop]``, row by row, as a new float64 array."""
    n = stop - start
    if n < _IN_ORDER:
        total = np.zeros(rows.shape[1:])
        for k in range(start, stop):
            total += rows[k]
        return total
    if n <= _BLOCK:
        running = [rows[start + j].astype(float) for j in range(_IN_ORDER)]
        whole = start + n - n % _IN_ORDER
        for k in range(start + _IN_ORDER, whole):
            running[(k - start) % _IN_ORDER] += rows[k]
        r = running
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(whole, stop):
            total += rows[k]
        return total
    half = n // 2
    half -= half % _IN_ORDER
    total = _pairwise(rows, start, start + half)
    total += _pairwise(rows, start + half, stop)
    return total


def _columns(a: np.ndarray) -> list[np.ndarray]:
    return [a[..., k] for k in range(a.shape[-1])]


class Rows:
    """Rows (k,) or (1, k) that meet (R, k) arrays every round, or whole (R, k) arrays.

    numpy broadcasts a row over an (R, k) array with an inner loop of length k per row. Here
    each row is kept tiled, ``TILE`` copies end to end (12 KiB for 3 issues), and :meth:`apply`
    views a C-ordered (R, k) array as (R / TILE, TILE k) blocks that meet the tiled row, so the
    inner loop runs along whole blocks; the last R mod TILE rows meet the row itself. The work
    is element by element, so the numbers are broadcasting's."""

    def __init__(self, *rows):
        self.rows = tuple(np.asarray(row) for row in rows)
        self._tiled = tuple(
            np.tile(row.reshape(-1), TILE) if row.ndim == 1 or row.shape[:-1] == (1,) else None
            for row in self.rows
        )

    def take(self, index) -> Rows:
        """These rows for the replications ``index`` of the whole arrays (a row stays)."""
        pairs = zip(self.rows, self._tiled, strict=True)
        return Rows(*(row if tiled is not None else row[index] for row, tiled in pairs))

    def apply(self, fn, a: np.ndarray, *which: int, out: np.ndarray) -> np.ndarray:
        """``fn(a, *(self.rows[i] for i in which), out=out)`` (a ufunc, or ``np.clip``) for
        ``out`` of ``a``'s shape (``a`` itself to work in place)."""
        rows = [self.rows[i] for i in which]
        tiled = [self._tiled[i] for i in which]
        k = a.shape[-1] if a.ndim == 2 else 0
        if (
            a.ndim != 2
            or out.shape != a.shape
            or any(t is None or row.shape[-1] != k for t, row in zip(tiled, rows, strict=True))
            or not (a.flags.c_contiguous and out.flags.c_contiguous)
        ):
            return fn(a, *rows, out=out)
        whole = len(a) - len(a) % TILE
        if whole and k:
            blocks = (-1, TILE * k)
            fn(a[:whole].reshape(blocks), *tiled, out=out[:whole].reshape(blocks))
        if whole < len(a):
            fn(a[whole:], *rows, out=out[whole:])
        return out
