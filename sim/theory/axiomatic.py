"""The axiomatic solutions of a bargaining problem, found along its frontier (pure functions).

* Nash (1950), "The bargaining problem", Econometrica 18: maximise ``(U_a - d_a)(U_b - d_b)`` over
  the feasible packages with both gains ``>= 0``.
* Kalai & Smorodinsky (1975), "Other solutions to Nash's bargaining problem", Econometrica 43: the
  efficient point whose gains over ``d`` are proportional to each side's ideal gain (the most it
  can get while the other keeps at least its disagreement utility).
* Utilitarian solution (Thomson 1994, "Cooperative models of bargaining", Handbook of Game Theory
  2, ch. 35): maximise ``U_a + U_b`` over the same individually rational packages; where a whole
  segment of the frontier ties, the point of that segment with the largest Nash product.
* Zeuthen (1930) and Harsanyi (1956, Econometrica 24): the side with the smaller willingness to
  risk conflict concedes; that side is the one whose own offer has the smaller Nash product, so
  Zeuthen's rule climbs to the Nash solution (tests/theory/test_theory.py checks the simulation).

Each solution exists only where some package gives both agents at least their disagreement
utility; the solvers take ``levels=rational_levels(frontier, d)`` when the caller already has it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from sim.theory.frontier import Frontier, best_level, first_level, rational_levels

_UNSET: Any = object()
Found = TypeVar("Found")


@dataclass(frozen=True, eq=False)
class Solution:
    """A point of the feasible set: the package (I,) and (U_a, U_b) in scenario agent order."""

    name: str
    package: np.ndarray
    utility: np.ndarray


def _solution(name: str, frontier: Frontier, t: float) -> Solution:
    package = frontier.package([t])
    return Solution(name, package[0], frontier.utility(package)[0])


def nash_product(utility: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The product of every agent's gain over ``d`` (utilities on the last axis)."""
    return np.prod(np.asarray(utility, dtype=float) - np.asarray(d, dtype=float), axis=-1)


def _where_both_gain(
    solve: Callable[[Frontier, np.ndarray, tuple[float, float]], Found],
) -> Callable[..., Found | None]:
    """Gives ``solve`` the disagreement point as an array and the levels where both gains are
    >= 0 (computed unless passed as ``levels=``); None where there are no such levels."""

    @functools.wraps(solve)
    def solver(frontier: Frontier, d, *, levels=_UNSET) -> Found | None:
        d = np.asarray(d, dtype=float)
        levels = rational_levels(frontier, d) if levels is _UNSET else levels
        return None if levels is None else solve(frontier, d, levels)

    return solver


@_where_both_gain
def nash_solution(frontier: Frontier, d, levels) -> Solution:
    """Nash (1950): the feasible package maximising ``(U_a - d_a)(U_b - d_b)``, gains >= 0."""
    t = best_level(lambda t: nash_product(frontier.utilities(t), d), *levels, frontier.kinks)
    return _solution("nash", frontier, t)


def weighted_nash_solution(frontier: Frontier, d, weights, *, levels=_UNSET) -> Solution | None:
    """The weighted (asymmetric) Nash solution (Harsanyi & Selten 1972, Management Science 18;
    Roth 1979, *Axiomatic Models of Bargaining*): maximise ``(U_a - d_a) ** w_a * (U_b - d_b) **
    w_b``, gains >= 0, with the weights normalised to sum to 1."""
    d = np.asarray(d, dtype=float)
    levels = rational_levels(frontier, d) if levels is _UNSET else levels
    if levels is None:
        return None
    w = np.asarray(weights, dtype=float) / np.sum(weights)

    def product(t):
        return np.prod(np.maximum(frontier.utilities(t) - d, 0.0) ** w, axis=-1)

    return _solution("weighted_nash", frontier, best_level(product, *levels, frontier.kinks))


@_where_both_gain
def ideal_point(frontier: Frontier, d, levels) -> np.ndarray:
    """Each side's best utility while the other keeps at least its disagreement utility."""
    t_lo, t_hi = levels
    return np.array([frontier.utilities([t_hi])[0, 0], frontier.utilities([t_lo])[0, 1]])


@_where_both_gain
def kalai_smorodinsky_solution(frontier: Frontier, d, levels) -> Solution:
    """Kalai & Smorodinsky (1975): the efficient point on the line from ``d`` to the ideal point,
    where ``(U_a - d_a) / (I_a - d_a) = (U_b - d_b) / (I_b - d_b)``."""
    ideal_gain = ideal_point(frontier, d, levels=levels) - d

    def past_the_line(t):
        gain = frontier.utilities(t) - d
        return gain[:, 0] * ideal_gain[1] >= gain[:, 1] * ideal_gain[0]

    return _solution("kalai_smorodinsky", frontier, first_level(past_the_line, *levels))


@_where_both_gain
def utilitarian_solution(frontier: Frontier, d, levels) -> Solution:
    """The individually rational package maximising ``U_a + U_b`` (Thomson 1994); on a tied
    segment of the frontier, the point of it with the largest Nash product."""
    if not frontier.piecewise_linear:
        t = best_level(lambda t: frontier.utilities(t).sum(axis=-1), *levels, frontier.kinks)
        return _solution("utilitarian", frontier, t)
    # The sum is linear between kinks: its maximum is at a kink or an end, ties form a segment.
    t_lo, t_hi = levels
    candidates = np.union1d(
        levels, frontier.kinks[(frontier.kinks > t_lo) & (frontier.kinks < t_hi)]
    )
    total = frontier.utilities(candidates).sum(axis=-1)
    tied = candidates[total >= total.max() - 1e-12]
    t = best_level(lambda t: nash_product(frontier.utilities(t), d), tied.min(), tied.max())
    return _solution("utilitarian", frontier, t)


SOLVERS: dict[str, Callable[[Frontier, np.ndarray], Solution | None]] = {
    "nash": nash_solution,
    "kalai_smorodinsky": kalai_smorodinsky_solution,
    "utilitarian": utilitarian_solution,
}
