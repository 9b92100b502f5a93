"""Uncertain parameters: a distribution in place of any number in a scenario, drawn per replication.

Written in a scenario as a mapping with ``dist`` and its parameters, e.g.
``{dist: lognormal, median: 0.5, sigma: 0.2}``. Each distribution knows its support, so
validation can refuse one that could draw a value the field does not allow (a normal salience
could be negative; use ``truncnorm``), and its scipy.stats twin, against which the tests check
the draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


def _scipy_stats():
    """scipy.stats, imported on first use: it takes half a second to import."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class Distribution:
    """Base: subclasses declare ``name`` and ``params`` and implement the three methods."""

    name: ClassVar[str]
    params: ClassVar[tuple[str, ...]]
    optional: ClassVar[dict[str, float]] = {}
    open_low: ClassVar[bool] = False  # the lower end of the support is never drawn

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def scipy(self):
        """The same distribution in scipy.stats (for tests and documentation)."""
        raise NotImplementedError

    def check(self) -> str | None:
        """A problem with the parameters, or None."""
        return None


@dataclass(frozen=True)
class Uniform(Distribution):
    name = "uniform"
    params = ("low", "high")
    low: float
    high: float

    def sample(self, rng, n):
        return rng.uniform(self.low, self.high, n)

    def support(self):
        return (self.low, self.high)

    def scipy(self):
        stats = _scipy_stats()
        return stats.uniform(self.low, self.high - self.low)

    def check(self):
        return None if self.low < self.high else "needs low < high"


@dataclass(frozen=True)
class Normal(Distribution):
    name = "normal"
    params = ("mean", "sd")
    mean: float
    sd: float

    def sample(self, rng, n):
        return rng.normal(self.mean, self.sd, n)

    def support(self):
        return (-math.inf, math.inf)

    def scipy(self):
        stats = _scipy_stats()
        return stats.norm(self.mean, self.sd)

    def check(self):
        return None if self.sd > 0 else "needs sd > 0"


@dataclass(frozen=True)
class TruncatedNormal(Distribution):
    """A normal(mean, sd) conditioned on [low, high], drawn by inverting its CDF."""

    name = "truncnorm"
    params = ("mean", "sd", "low", "high")
    mean: float
    sd: float
    low: float
    high: float

    def sample(self, rng, n):
        return self.scipy().ppf(rng.random(n))

    def support(self):
        return (self.low, self.high)

    def scipy(self):
        stats = _scipy_stats()
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def check(self):
        if self.sd <= 0:
            return "needs sd > 0"
        return None if self.low < self.high else "needs low < high"


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(a, b) on [low, high] (default [0, 1])."""

    name = "beta"
    params = ("a", "b")
    optional = {"low": 0.0, "high": 1.0}
    a: float
    b: float
    low: float = 0.0
    high: float = 1.0

    def sample(self, rng, n):
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)

    def support(self):
        return (self.low, self.high)

    def scipy(self):
        stats = _scipy_stats()
        return stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)

    def check(self):
        if self.a <= 0 or self.b <= 0:
            return "needs a > 0 and b > 0"
        return None if self.low < self.high else "needs low < high"


@dataclass(frozen=True)
class LogNormal(Distribution):
    """exp(normal(log(median), sigma)): positive, right-skewed."""

    name = "lognormal"
    params = ("median", "sigma")
    open_low = True
    median: float
    sigma: float

    def sample(self, rng, n):
        return rng.lognormal(math.log(self.median), self.sigma, n)

    def support(self):
        return (0.0, math.inf)

    def scipy(self):
        stats = _scipy_stats()
        return stats.lognorm(self.sigma, scale=self.median)

    def check(self):
        if self.median <= 0:
            return "needs median > 0"
        return None if self.sigma > 0 else "needs sigma > 0"


@dataclass(frozen=True)
class Triangular(Distribution):
    name = "triangular"
    params = ("low", "mode", "high")
    low: float
    mode: float
    high: float

    def sample(self, rng, n):
        return rng.triangular(self.low, self.mode, self.high, n)

    def support(self):
        return (self.low, self.high)

    def scipy(self):
        stats = _scipy_stats()
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def check(self):
        return (
            None
            if self.low <= self.mode <= self.high and self.low < self.high
            else "needs low <= mode <= high, low < high"
        )


@dataclass(frozen=True)
class Choice(Distribution):
    """One of ``values``, with optional ``weights`` (normalised)."""

    name = "choice"
    params = ("values",)
    optional = {"weights": None}
    values: tuple[float, ...]
    weights: tuple[float, ...] | None = field(default=None)

    def sample(self, rng, n):
        p = None if self.weights is None else np.asarray(self.weights) / sum(self.weights)
        return np.asarray(self.values, dtype=float)[rng.choice(len(self.values), n, p=p)]

    def support(self):
        return (min(self.values), max(self.values))

    def scipy(self):
        stats = _scipy_stats()
        p = (
            [1 / len(self.values)] * len(self.values)
            if self.weights is None
            else [w / sum(self.weights) for w in self.weights]
        )
        return stats.rv_discrete(values=(np.arange(len(self.values)), p))

    def check(self):
        if not self.values:
            return "needs at least one value"
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                return "needs as many weights as values"
            if min(self.weights) < 0 or sum(self.weights) <= 0:
                return "needs weights >= 0 that are not all zero"
        return None


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.name: cls for cls in (Uniform, Normal, TruncatedNormal, Beta, LogNormal, Triangular, Choice)
}


@dataclass(frozen=True, eq=False)
class PerReplication:
    """Given values, one per replication of the whole run (replication k takes ``values[k]``).

    Not a scenario-file distribution: sensitivity analysis uses it to put a sample of parameter
    points into one vectorised run.
    """

    values: np.ndarray

    def take(self, start: int, n: int) -> np.ndarray:
        if len(self.values) < start + n:
            raise ValueError(
                f"PerReplication holds {len(self.values)} values; replications up to {start + n} need one each"
            )
        return np.asarray(self.values[start : start + n], dtype=float)


@dataclass(frozen=True)
class PerTile:
    """One value per tile of a tiled batch (a vectorised sweep runs several points of a grid as
    tiles of one model: tile p holds point p's replications); each value is a number, a
    distribution or a :class:`PerReplication`, drawn for its tile's rows from that tile's own
    streams. Not a scenario-file value: :mod:`sim.scenario.stacking` builds it."""

    values: tuple

    def __len__(self) -> int:
        return len(self.values)


def typical(value) -> float:
    """A representative number for a scenario value: itself if fixed, else its median (estimated
    from a fixed-seed sample, so reports and figures are reproducible)."""
    if isinstance(value, Distribution):
        return float(np.median(value.sample(np.random.default_rng(0), 20001)))
    if isinstance(value, PerReplication):
        return float(np.median(value.values))
    return float(value)
