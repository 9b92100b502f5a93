"""Utilities over packages of issue values (pure functions, vectorised).

An issue value lies in [0, 1]. An agent's utility for a package ``x`` is

    U(x) = (sum_i w_i * u_i(x_i)) ** rho,   u_i(x) = 1 - |x - ideal_i|      (linear)
                                            u_i(x) = 1 - (x - ideal_i) ** 2  (quadratic)

with saliences ``w`` summing to 1 and a risk exponent ``rho`` > 0 (rho < 1 risk averse,
Keeney & Raiffa 1976, ch. 4), so U lies in [0, 1] and equals 1 at the ideal package. Every array
argument carries a leading replication axis; the issue axis is last.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

Shape = Literal["linear", "quadratic"]
SHAPES: tuple[str, ...] = ("linear", "quadratic")


def issue_loss(x: np.ndarray, ideal: np.ndarray, shape: Shape) -> np.ndarray:
    """Per-issue loss in [0, 1]: distance from the ideal, squared for a quadratic shape. (One
    new array, worked on in place: the round loop's utilities are mostly this.)"""
    loss = np.subtract(x, ideal, dtype=float)
    if np.ndim(loss) == 0:  # two numbers: nothing to work on in place
        loss = np.abs(loss)
        return loss if shape == "linear" else loss * loss
    np.abs(loss, out=loss)
    if shape != "linear":
        np.multiply(loss, loss, out=loss)
    return loss


def issue_utility(x: np.ndarray, ideal: np.ndarray, shape: Shape) -> np.ndarray:
    loss = issue_loss(x, ideal, shape)
    return 1.0 - loss if np.ndim(loss) == 0 else np.subtract(1.0, loss, out=loss)


def additive_utility(
    x: np.ndarray, ideal: np.ndarray, salience: np.ndarray, shape: Shape
) -> np.ndarray:
    """Salience-weighted sum of issue utilities, before the risk exponent."""
    return np.einsum("...i,...i->...", salience, issue_utility(x, ideal, shape))


@dataclass(frozen=True)
class Preferences:
    """One agent's preferences for a batch of replications (arrays, replication axis first).

    ``ideal`` and ``salience`` have shape (R, I); ``risk`` has shape (R,).
    """

    ideal: np.ndarray
    salience: np.ndarray
    shape: Shape
    risk: np.ndarray

    def additive(self, x: np.ndarray) -> np.ndarray:
        return additive_utility(x, self.ideal, self.salience, self.shape)

    @functools.cached_property
    def risk_neutral(self) -> bool:
        """Every replication's risk exponent is 1: ``x ** 1.0 == x`` exactly, so the power (the
        round loop's dearest operation on utilities) is skipped without changing a bit."""
        return bool(np.all(np.asarray(self.risk) == 1.0))

    def utility(self, x: np.ndarray) -> np.ndarray:
        """U(x) for packages ``x`` of shape (R, I) -> (R,)."""
        additive = self.additive(x)  # a new array (or a number): clipped in place
        out = additive if isinstance(additive, np.ndarray) else None
        clipped = np.clip(additive, 0.0, 1.0, out=out)
        return clipped if self.risk_neutral else clipped**self.risk

    def additive_level(self, aspiration: np.ndarray) -> np.ndarray:
        """The additive utility that reaches ``aspiration`` once the risk exponent is applied."""
        clipped = np.clip(aspiration, 0.0, 1.0)
        return clipped if self.risk_neutral else clipped ** (1.0 / self.risk)


def alike(*arrays) -> bool:
    """Whether every array's rows (replications) are the same: fixed preferences and box."""
    return all(np.ndim(a) < 2 or len(a) < 2 or bool((a == a[:1]).all()) for a in arrays)


def one_row(
    own: Preferences, others: list[Preferences], low, high
) -> tuple[Preferences, list[Preferences], np.ndarray, np.ndarray] | None:
    """The ideals, saliences and box of an offer plan as one row when every replication has the
    same (no drawn ideal or salience, a box the same everywhere), else None. A plan made on one
    row gives every replication exactly the numbers of a plan made on all of them (its arrays
    broadcast), for a fraction of the work. Risk exponents stay per replication: only
    ``additive_level`` reads them, with each replication's aspiration."""
    arrays = [own.ideal, own.salience, low, high]
    arrays += [a for other in others for a in (other.ideal, other.salience)]
    if not alike(*arrays):
        return None

    def first(prefs: Preferences) -> Preferences:
        return Preferences(prefs.ideal[:1], prefs.salience[:1], prefs.shape, prefs.risk)

    low, high = (np.asarray(b)[:1] if np.ndim(b) == 2 else b for b in (low, high))
    return first(own), [first(other) for other in others], low, high
