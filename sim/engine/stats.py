"""Streaming estimates with 95% confidence intervals.

Means use Welford/Chan running moments (Chan, Golub & LeVeque 1983) and a Student-t interval;
rates use the Wilson (1927) score interval, which stays inside [0, 1] and behaves at 0 and 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # Student t quantiles, without importing all of scipy.stats

Z95 = 1.959963984540054  # standard normal 97.5% quantile


def t95(df) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom."""
    return stdtrit(df, 0.975)


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval. At a rate of 0 its lower bound is 0 and at a rate of 1 its
    upper bound is 1 exactly (the formula gives them only up to rounding, e.g. 1.7e-18)."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return (low, high)


def rate_estimate(successes: float, n: int) -> dict:
    """A share of ``successes`` in ``n`` as summary.json writes a rate: the estimate, its Wilson
    95% interval, the standard error and ``n``."""
    if n == 0:
        return {"estimate": None, "ci95": None, "se": None, "n": 0}
    p = successes / n
    ci = wilson_interval(successes, n) if n > 1 else (math.nan, math.nan)
    return {
        "estimate": p,
        "ci95": None if math.isnan(ci[0]) else [ci[0], ci[1]],
        "se": math.sqrt(p * (1 - p) / n),
        "n": n,
    }


def t_interval(mean: float, sd: float, n: int) -> tuple[float, float]:
    if n < 2:
        return (math.nan, math.nan)
    half = float(t95(n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


@dataclass
class Moments:
    """Count, mean, sum of squared deviations, min and max of one column, ignoring NaN."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=float).ravel()
        self.merge(*(float(s[0]) for s in block_moments(values[None, :])[:5]))

    def merge(self, k: float, mean: float, m2: float, low: float, high: float) -> None:
        """Take in a block of ``k`` values with this mean, sum of squared deviations, min and
        max (Chan, Golub & LeVeque 1983); an empty block changes nothing."""
        if k == 0:
            return
        k = int(k)
        total = self.n + k
        delta = mean - self.mean
        self.mean += delta * k / total
        self.m2 += m2 + delta * delta * self.n * k / total
        self.n = total
        self.low = min(self.low, low)
        self.high = max(self.high, high)

    @property
    def sd(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else math.nan

    def estimate(self, rate: bool = False) -> dict:
        """Mean (or rate), its 95% CI and the Monte Carlo standard error."""
        if self.n == 0:
            return {"estimate": None, "ci95": None, "se": None, "n": 0}
        if rate:
            ci = wilson_interval(self.mean * self.n, self.n) if self.n > 1 else (math.nan,) * 2
            se = math.sqrt(self.mean * (1 - self.mean) / self.n)
        else:
            ci = t_interval(self.mean, self.sd, self.n)
            se = self.sd / math.sqrt(self.n) if self.n > 1 else math.nan
        return {
            "estimate": self.mean,
            "ci95": None if math.isnan(ci[0]) else [ci[0], ci[1]],
            "se": None if math.isnan(se) else se,
            "n": self.n,
        }


def block_moments(blocks: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row of ``blocks`` (B, size), NaN ignored: the count, mean, sum of squared deviations,
    min, max and sum, each (B,). Worked out for all blocks at once; each number is the one a
    block alone gives (numpy reduces every row of a C-ordered array as it would the row alone).
    A row with NaN is worked out alone, its values without the NaN, as before."""
    count = np.full(len(blocks), blocks.shape[1], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = blocks.sum(axis=1)
        mean = total / blocks.shape[1]
        m2 = ((blocks - mean[:, None]) ** 2).sum(axis=1)
    low, high = (blocks.min(axis=1), blocks.max(axis=1)) if blocks.shape[1] else (total, total)
    for b in np.flatnonzero(np.isnan(total)):
        row = blocks[b]
        values = row[~np.isnan(row)]
        total[b] = np.nansum(row)
        count[b] = values.size
        if values.size:
            mean[b] = values.mean()
            m2[b] = ((values - mean[b]) ** 2).sum()
            low[b], high[b] = values.min(), values.max()
    return count, mean, m2, low, high, total


def table_rows(table: pd.DataFrame | Mapping[str, np.ndarray]) -> int:
    """How many rows a table has, as a DataFrame or as its columns by name."""
    if isinstance(table, pd.DataFrame):
        return len(table)
    return len(next(iter(table.values()))) if table else 0


@dataclass
class TableMoments:
    """Running :class:`Moments` for every column of a stream of per-replication tables."""

    columns: dict[str, Moments] = field(default_factory=dict)
    rates: set[str] = field(default_factory=set)
    sums: dict[str, float] = field(default_factory=dict)

    def add(self, table: pd.DataFrame) -> None:
        """Take in ``table`` as one block."""
        self.add_blocks(table, max(len(table), 1))

    def add_blocks(
        self, table: pd.DataFrame | Mapping[str, np.ndarray], size: int, enough=None
    ) -> int:
        """Take in ``table`` (a DataFrame, or its columns by name) block by block of ``size``
        rows, in order, each block's moments worked out for all blocks at once
        (:func:`block_moments`) and merged into every column's running moments at once
        (:class:`_Running`: :meth:`Moments.merge`'s numbers); after each block, ``enough()`` may
        stop it. Returns the rows taken in."""
        rows = table_rows(table)
        blocks = -(-rows // size)
        names, prepared = [], []
        for name, column in table.items():
            if name == "rep":
                continue
            if column.dtype == bool:
                self.rates.add(name)
            self.columns.setdefault(name, Moments())  # known even before its first value
            self.sums.setdefault(name, 0.0)
            values = np.asarray(column, dtype=float)
            full = (len(values) // size) * size
            parts = [block_moments(values[:full].reshape(-1, size))] if full else []
            if full < len(values):
                parts.append(block_moments(values[full:][None, :]))
            names.append(name)
            prepared.append([np.concatenate(stat) for stat in zip(*parts, strict=True)])
        if not names or not blocks:
            return rows
        # (statistic, column, block): count, mean, m2, low, high, total
        stats = np.array(prepared).transpose(1, 0, 2)
        running = _Running([self.columns[name] for name in names], [self.sums[n] for n in names])
        for b in range(blocks):
            running.merge(*stats[:, :, b])
            if enough is not None:
                running.write(self, names)
                if enough():
                    return min((b + 1) * size, rows)
        running.write(self, names)
        return rows

    def estimate(self, name: str) -> dict:
        return self.columns[name].estimate(rate=name in self.rates)

    def total(self, name: str) -> float:
        return self.sums[name]

    def maximum(self, name: str) -> float:
        return self.columns[name].high


class _Running:
    """The running moments of many columns, merged block by block for all columns at once: the
    same operations, in the same order, as :meth:`Moments.merge` on each column (numpy's float64
    arithmetic is Python's), so every number is the one merging column by column gives."""

    def __init__(self, moments: list[Moments], sums: list[float]):
        self.n = np.array([m.n for m in moments], dtype=float)
        self.mean = np.array([m.mean for m in moments])
        self.m2 = np.array([m.m2 for m in moments])
        self.low = np.array([m.low for m in moments])
        self.high = np.array([m.high for m in moments])
        self.sums = np.array(sums, dtype=float)

    def merge(self, k, mean, m2, low, high, total) -> None:
        self.sums = self.sums + total
        take = k != 0  # an empty block changes nothing
        with np.errstate(invalid="ignore", divide="ignore"):
            n = self.n + k
            delta = mean - self.mean
            merged_mean = self.mean + delta * k / n
            merged_m2 = self.m2 + (m2 + delta * delta * self.n * k / n)
        self.mean = np.where(take, merged_mean, self.mean)
        self.m2 = np.where(take, merged_m2, self.m2)
        self.n = np.where(take, n, self.n)
        # min() and max() keep the first of equal numbers (0.0 and -0.0)
        self.low = np.where(take & (low < self.low), low, self.low)
        self.high = np.where(take & (high > self.high), high, self.high)

    def write(self, table: TableMoments, names: list[str]) -> None:
        """Into ``table``'s :class:`Moments` and sums of the columns ``names``."""
        for c, name in enumerate(names):
            moments = table.columns[name]
            moments.n = int(self.n[c])
            moments.mean, moments.m2 = float(self.mean[c]), float(self.m2[c])
            moments.low, moments.high = float(self.low[c]), float(self.high[c])
            table.sums[name] = float(self.sums[c])
