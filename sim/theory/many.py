"""The axiomatic solutions for any number of agents, found over packages (pure functions).

With disagreement point ``d`` and feasible packages ``X`` (the box of every agent's red lines):

* **Ideal point** ``I_j``: agent j's best utility while every agent keeps ``U_k >= d_k``.
* **Nash** (1950, Econometrica 18), for ``n`` players as in Nash's own statement: maximise
  ``sum_j log(U_j - d_j)``; the **weighted (asymmetric) Nash** solution (Harsanyi & Selten 1972,
  Management Science 18; Roth 1979, *Axiomatic Models of Bargaining*, ch. 1) maximises
  ``sum_j w_j log(U_j - d_j)`` with the agents' weights normalised to sum to 1.
  ``log(A ** rho - d)`` is concave and increasing in ``A`` for ``d >= 0``, and ``A_j`` is
  concave in ``x``, so both are concave programs whatever the risk exponents.
* **Kalai-Smorodinsky** for ``n`` players (Kalai & Smorodinsky 1975, Econometrica 43; Kalai 1977,
  Econometrica 45): the largest ``lam`` such that some package gives every agent
  ``U_j >= d_j + lam (I_j - d_j)``, at a Pareto-efficient package of that set.
* **Utilitarian** (Thomson 1994, Handbook of Game Theory 2, ch. 35): maximise ``sum_j U_j`` with
  every ``U_j >= d_j``; where a face ties (linear shapes, risk exponents 1), the point of it with
  the largest Nash product, as for two agents.

Agents whose ideal gain is 0 (nothing gives them more than ``d``) keep ``d`` and drop out of the
products and ratios. Each solution exists only where some package gives every agent at least its
disagreement utility. For two agents these agree with the frontier search of
:mod:`sim.theory.axiomatic` (tests/theory/test_many.py).

The **Pareto gap** of a package ``x``: the largest ``lam`` such that some feasible package gives
every agent at least ``U_j(x) + lam``: how much every agent could have gained at once; 0 for a
(weakly) efficient package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.red_lines import RedLines
from sim.theory import barrier
from sim.theory.axiomatic import Solution
from sim.theory.barrier import Separable
from sim.theory.package_space import TOLERANCE, PackageSpace
from sim.theory.steps import largest_step, surplus

#: A utilitarian optimum ties along a face when every gaining agent can gain this much on it.
_TIED = 1e-9


@dataclass(frozen=True, eq=False)
class RationalSet:
    """What every solution starts from: the floors ``A_j >= floor_j`` that give each agent its
    disagreement utility ``d``, each agent's ideal utility (and a package reaching it), and the
    agents that can gain (ideal gain above 0)."""

    d: np.ndarray
    floors: np.ndarray
    ideal: np.ndarray
    ideal_packages: np.ndarray
    gains: np.ndarray
    inside: np.ndarray  # a package giving every agent at least d, each gaining agent more

    @property
    def gaining(self) -> np.ndarray:
        return self.gains > 0


def rational_set(space: PackageSpace, d) -> RationalSet | None:
    """The individually rational packages of ``space`` for disagreement point ``d``; None where
    no package gives every agent at least ``d``."""
    d = np.asarray(d, dtype=float)
    floors = space.level(d)
    found = surplus(space, floors, np.ones(space.n))
    if found is None or found[0] < -TOLERANCE:
        return None
    floors = np.minimum(floors, space.additive(found[1])[0])  # the last ulps of a tight floor
    ideal, packages = np.empty(space.n), np.empty((space.n, space.n_issues))
    for j in range(space.n):
        packages[j] = _best_for(space, np.eye(space.n)[j], floors, found[1])
        ideal[j] = max(space.utility(packages[j])[0, j], d[j])
    gains = np.where(ideal - d > TOLERANCE, ideal - d, 0.0)
    inside = packages[gains > 0].mean(axis=0) if (gains > 0).any() else found[1]
    return RationalSet(d, floors, ideal, packages, gains, inside)


def _best_for(space: PackageSpace, weights, floors, start) -> np.ndarray:
    """The package maximising ``weights @ A`` (``weights >= 0``) with every ``A_j >= floor_j``:
    a linear program, else Newton's method on a barrier, else (no interior) SLSQP."""
    if space.all_linear:
        found = space.linear_program(weights, floors)
        return start if found is None else found[0]

    def linear(a):
        return float(weights @ a), weights, np.zeros(space.n)

    rows = [(row, floor) for row, floor in zip(np.eye(space.n), floors, strict=True)]
    newton = barrier.maximise(space, linear, start, rows)
    if newton is not None:
        return newton[0]
    x, _ = space.nonlinear_program(lambda a, s: (float(weights @ a), weights, 0.0), start, floors)
    return x


def _solution(name: str, space: PackageSpace, package) -> Solution:
    package = np.asarray(package, dtype=float)
    return Solution(name, package, space.utility(package)[0])


def ideal_point(space: PackageSpace, d, *, rational: RationalSet | None) -> np.ndarray | None:
    """Each agent's best utility while every agent keeps at least its disagreement utility."""
    return None if rational is None else rational.ideal


def kalai_smorodinsky_solution(
    space: PackageSpace, d, *, rational: RationalSet | None
) -> Solution | None:
    """Kalai & Smorodinsky (1975): the largest ``lam`` with ``U_j >= d_j + lam (I_j - d_j)``
    for every agent, at an efficient package of that set: the one with the largest sum of
    additive gains, each over the agent's additive span ``A(I_j) - A(d_j)`` (which rescaling an
    agent's utility leaves alone; it only matters where the ray from ``d`` to ``I`` ends at a
    weakly efficient point, as with fewer issues than agents)."""
    if rational is None:
        return None
    found = largest_step(space, rational.d, rational.gains)
    if found is None:  # numerically at the edge of the rational set
        return _solution("kalai_smorodinsky", space, rational.inside)
    lam, package = found
    span = space.level(rational.ideal) - space.level(rational.d)
    weights = np.where(rational.gaining, 1 / np.where(rational.gaining, span, 1.0), 0.0)
    if space.all_linear:  # the efficient package of the set, exactly
        floors = np.minimum(
            space.level(rational.d + lam * rational.gains), space.additive(package)[0]
        )
        return _solution("kalai_smorodinsky", space, _best_for(space, weights, floors, package))
    # Else an efficient package of a slightly larger set (lam less 1e-7: an interior for the
    # search), where it gives more than that ray's end: the ray ends at a weakly efficient point.
    below = max(lam - 1e-7, 0.0)
    floors = np.minimum(
        space.level(rational.d + below * rational.gains), space.additive(package)[0]
    )
    efficient = _best_for(space, weights, floors, package)
    more = space.additive(efficient)[0] - space.additive(package)[0]
    if not more.max() > 1e-5:  # what 1e-7 of lam can buy is less
        return _solution("kalai_smorodinsky", space, package)
    # back onto the floors of lam itself, from there (a short search)
    floors = np.minimum(space.level(rational.d + lam * rational.gains), space.additive(package)[0])
    exact, _ = space.nonlinear_program(
        lambda a, s: (float(weights @ a), weights, 0.0), efficient, floors
    )
    if (space.additive(exact)[0] >= floors - 1e-10).all():
        efficient = exact
    return _solution("kalai_smorodinsky", space, efficient)


def _nash_product(rational: RationalSet, risk: np.ndarray, weights) -> Separable:
    """``sum_j w_j log(U_j - d_j)`` over the gaining agents, as a function of ``A`` with its
    first and second derivatives (``U = A ** rho``)."""
    gaining, d = rational.gaining, rational.d
    w = np.where(gaining, weights, 0.0)

    def f(a):
        a = np.maximum(a, 1e-300)
        u = a**risk
        gain = np.where(gaining, u - d, 1.0)
        if (gain <= 0).any():
            return -np.inf, None, None
        du = risk * u / a
        d2u = risk * (risk - 1.0) * u / a**2
        value = float(w @ np.log(gain))
        return value, w * du / gain, w * (d2u * gain - du**2) / gain**2

    return f


def _best_nash(space: PackageSpace, f: Separable, rational: RationalSet, start, rows=()):
    """The package maximising ``f`` (a Nash product): Newton's method on a barrier, or SLSQP
    where an agent that cannot gain leaves no interior (or Newton fails); the better of both."""
    fixed = [(np.eye(space.n)[k], rational.floors[k]) for k in np.flatnonzero(~rational.gaining)]
    newton = barrier.maximise(space, f, start, [*rows, *fixed])
    candidates = [None if newton is None else newton[0]]

    def objective(a, s):
        value, d1, _ = f(a)
        if not np.isfinite(value):
            return -1e300, np.zeros(space.n), 0.0
        return value, d1, 0.0

    if candidates[0] is None or fixed:
        candidates.append(space.nonlinear_program(objective, start, rational.floors, rows=rows)[0])
    found = [x for x in candidates if x is not None]
    return max(found, key=lambda x: f(space.additive(x)[0])[0])


def nash_solution(
    space: PackageSpace, d, weights=None, *, rational: RationalSet | None, name: str = "nash"
) -> Solution | None:
    """Nash (1950): the package maximising ``sum_j w_j log(U_j - d_j)`` over the agents that can
    gain, every agent keeping at least ``d``; ``weights`` (normalised to sum to 1; default
    equal) give the weighted Nash solution."""
    if rational is None:
        return None
    gaining = rational.gaining
    if not gaining.any():
        return _solution(name, space, rational.inside)
    w = np.ones(space.n) if weights is None else np.asarray(weights, dtype=float)
    w = np.where(gaining, w / w[gaining].sum(), 0.0)
    f = _nash_product(rational, space.risk, w)
    return _solution(name, space, _best_nash(space, f, rational, rational.inside))


def utilitarian_solution(
    space: PackageSpace, d, *, rational: RationalSet | None, starts=()
) -> Solution | None:
    """The package maximising ``sum_j U_j`` with every ``U_j >= d_j`` (Thomson 1994). With
    linear shapes and risk exponents 1 it is a linear program, and a tied face is resolved by the
    Nash product; otherwise the best of local searches from ``starts`` (e.g. the other
    solutions), the inside point and each agent's ideal package (the sum is not concave when a
    risk exponent exceeds 1)."""
    if rational is None:
        return None
    ones = np.ones(space.n)
    if space.all_linear and space.risk_neutral:
        found = space.linear_program(ones, rational.floors)
        if found is None:
            return _solution("utilitarian", space, rational.inside)
        total = float(space.additive(found[0])[0].sum())
        face = ((ones, total - TOLERANCE),)
        if rational.gaining.sum() < 2:
            return _solution("utilitarian", space, found[0])
        spread = space.linear_program(
            np.zeros(space.n),
            rational.floors,
            rational.gaining.astype(float),
            s_weight=1.0,
            s_bounds=(0.0, 1.0),
            rows=face,
        )
        if spread is None or spread[1] <= _TIED:
            return _solution("utilitarian", space, found[0])
        tied = _nash_on(space, rational, spread[0], ((ones, total - _TIED / 10),))
        return _solution("utilitarian", space, tied)
    risk = space.risk

    def objective(a, s):
        a = np.maximum(a, 1e-300)
        return float((a**risk).sum()), risk * a ** (risk - 1.0), 0.0

    candidates = [np.asarray(x, dtype=float) for x in starts]
    candidates += [rational.inside, *rational.ideal_packages]
    if space.risk.max() <= 1.0:  # concave: one search is the answer, Newton's where it can

        def total(a):
            a = np.maximum(a, 1e-300)
            return (
                float((a**risk).sum()),
                risk * a ** (risk - 1),
                risk * (risk - 1) * a ** (risk - 2),
            )

        rows = [(row, floor) for row, floor in zip(np.eye(space.n), rational.floors, strict=True)]
        newton = barrier.maximise(space, total, rational.inside, rows)
        if newton is not None:
            return _solution("utilitarian", space, newton[0])
        candidates = candidates[:1]
    best, best_total = None, -np.inf
    for start in candidates:
        x, _ = space.nonlinear_program(objective, start, rational.floors)
        utility = space.utility(x)[0]
        if (space.additive(x)[0] >= rational.floors - 1e-9).all() and utility.sum() > best_total:
            best, best_total = x, float(utility.sum())
    return _solution("utilitarian", space, rational.inside if best is None else best)


def _nash_on(space: PackageSpace, rational: RationalSet, start, rows) -> np.ndarray:
    w = rational.gaining / rational.gaining.sum()
    return _best_nash(space, _nash_product(rational, space.risk, w), rational, start, rows)


def pareto_gap(space: PackageSpace, packages) -> np.ndarray:
    """Per package (R, I): the largest ``lam`` such that some feasible package gives every agent
    at least ``U_j(x) + lam``; NaN for a row with NaN. Equal packages are solved once."""
    packages = np.atleast_2d(np.asarray(packages, dtype=float))
    out = np.full(len(packages), np.nan)
    known = ~np.isnan(packages).any(axis=1)
    if not known.any():
        return out
    distinct, which = np.unique(packages[known], axis=0, return_inverse=True)
    gaps = np.empty(len(distinct))
    inside = space.box.admits(distinct)
    for k, x in enumerate(distinct):
        low = 0.0 if inside[k] else -1.0  # a package in the box is its own witness for 0
        found = largest_step(
            space, space.utility(x)[0], np.ones(space.n), low=low, start=x, quick=bool(inside[k])
        )
        gaps[k] = (low if inside[k] else np.nan) if found is None else found[0]
    gaps[np.abs(gaps) < TOLERANCE] = 0.0  # no -0.0 or 1e-17 for an efficient package
    out[known] = gaps[which.reshape(-1)]
    return out


def satisfied(space: PackageSpace, d) -> PackageSpace | None:
    """``space`` with every issue that an agent already at its best (``d_j`` its best utility in
    the box) cares about fixed at that agent's best value: the only packages that keep its
    ``d_j`` (a floor at a maximum has no interior, and near it a quadratic utility moves by the
    square root of any tolerance). None where two such agents want one issue at two values."""
    d = np.asarray(d, dtype=float)
    low, high = space.box.low.copy(), space.box.high.copy()
    for j in np.flatnonzero(np.abs(d - space.best_utility) <= TOLERANCE):
        cares = space.salience[j] > 0
        best = space.best_packages[j]
        clash = cares & ((best < low - TOLERANCE) | (best > high + TOLERANCE))
        if clash.any():
            return None
        low[cares] = high[cares] = best[cares]
    if (low == space.box.low).all() and (high == space.box.high).all():
        return space
    return PackageSpace(space.preferences, RedLines(low, high))


def solve(space: PackageSpace, d, weights) -> dict:
    """Every solution: ``ideal_utility`` and the ``nash``, ``weighted_nash``,
    ``kalai_smorodinsky`` and ``utilitarian`` :class:`Solution` (None where none exists).
    Agents already at their best pin the issues they care about (:func:`satisfied`)."""
    pinned = satisfied(space, d)
    if pinned is None:
        return dict.fromkeys(
            (
                "rational",
                "ideal_utility",
                "nash",
                "weighted_nash",
                "kalai_smorodinsky",
                "utilitarian",
            )
        )
    space = pinned
    rational = rational_set(space, d)
    nash = nash_solution(space, d, rational=rational)
    weights = np.asarray(weights, dtype=float)
    if nash is not None and np.all(weights == weights[0]):
        weighted = Solution("weighted_nash", nash.package, nash.utility)
    else:
        weighted = nash_solution(space, d, weights, rational=rational, name="weighted_nash")
    ks = kalai_smorodinsky_solution(space, d, rational=rational)
    starts = [s.package for s in (nash, weighted, ks) if s is not None]
    return {
        "rational": rational,
        "ideal_utility": ideal_point(space, d, rational=rational),
        "nash": nash,
        "weighted_nash": weighted,
        "kalai_smorodinsky": ks,
        "utilitarian": utilitarian_solution(space, d, rational=rational, starts=starts),
    }
