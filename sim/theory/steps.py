"""How far every agent can be raised at once, over packages (pure functions).

Two programs that the Kalai-Smorodinsky solution and the Pareto gap of :mod:`sim.theory.many`
are made of: :func:`surplus`, the most by which some package beats floors on every agent's
additive utility, and :func:`largest_step`, the furthest one can go from utilities ``base`` in a
direction while some package still gives every agent that much. Linear programs where every
shape is linear (and, for a step, every risk exponent 1); else Newton's method on a barrier
(:mod:`sim.theory.barrier`), SLSQP where that finds no interior, and for a step Brent's (1973)
root finding on the surplus, which falls as the step grows.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from sim.theory import barrier
from sim.theory.package_space import TOLERANCE, PackageSpace


def _nothing(a):
    return 0.0, np.zeros(len(a)), np.zeros(len(a))


def surplus(space: PackageSpace, floors, soft, start=None) -> tuple[float, np.ndarray] | None:
    """``(s, x)``: the largest ``s`` with ``A_j(x) >= floor_j + s`` for the ``soft`` agents and
    ``A_j(x) >= floor_j`` for the others, and such a package; ``s >= 0`` exactly when some
    package meets every floor. None when the others' floors alone leave no package."""
    floors, step = np.asarray(floors, dtype=float), np.asarray(soft, dtype=float)
    if space.all_linear:
        found = space.linear_program(
            np.zeros(space.n), floors, step, s_weight=1.0, s_bounds=(-2.0, 2.0)
        )
        return None if found is None else (found[1], found[0])
    if start is None:
        start = space.box.low + 0.5 * (space.box.high - space.box.low)
    rows = [(row, floor) for row, floor in zip(np.eye(space.n), floors, strict=True)]
    if step.all():
        newton = barrier.maximise(space, _nothing, start, rows, steps=step)
        if newton is not None:
            x, s = newton
            return float(np.min(space.additive(x)[0] - floors)), x
    gap = (space.additive(start)[0] - floors)[step > 0]
    x, s = space.nonlinear_program(
        lambda a, s: (s, np.zeros(space.n), 1.0),
        start,
        floors,
        step,
        s_start=float(gap.min()) if len(gap) else 0.0,
        s_bounds=(-2.0, 2.0),
    )
    room = space.additive(x)[0] - floors
    if (room[step == 0] < -1e-9).any():
        return None
    return (float(room[step > 0].min()) if step.any() else s), x


def largest_step(
    space: PackageSpace, base, direction, *, low: float = 0.0, start=None, quick: bool = False
) -> tuple[float, np.ndarray] | None:
    """``(lam, x)``: the largest ``lam >= low`` such that some package gives every agent
    ``U_j >= base_j + lam * direction_j`` (``direction >= 0``), and such a package (``start``:
    a guess); None where even ``low`` is out of reach. ``quick``, with ``start`` reaching
    ``low``: one SLSQP search over packages and ``lam`` together (every local maximum of it is
    the maximum, as each level's set is convex), not a root search to float precision."""
    base, direction = np.asarray(base, dtype=float), np.asarray(direction, dtype=float)
    moving = direction > 0
    if not moving.any():
        found = surplus(space, space.level(base), np.ones(space.n), start)
        return None if found is None or found[0] < -TOLERANCE else (low, found[1])
    high = float(np.min((space.best_utility - base)[moving] / direction[moving]))
    if high < low:
        return None
    if space.all_linear and (space.risk == 1.0).all():
        found = space.linear_program(
            np.zeros(space.n), base, direction, s_weight=1.0, s_bounds=(low, high)
        )
        return None if found is None else (found[1], found[0])
    if quick and start is not None:
        return _quick_step(space, base, direction, low, high, start)
    memo: dict[float, tuple[float, np.ndarray] | None] = {}
    last = [start]

    def surplus_at(lam: float) -> float:
        if lam not in memo:
            memo[lam] = surplus(space, space.level(base + lam * direction), moving, last[0])
            if memo[lam] is not None:
                last[0] = memo[lam][1]  # type: ignore[index]
        found = memo[lam]
        return -1.0 if found is None else found[0]

    if surplus_at(low) < -TOLERANCE:
        return None
    if surplus_at(high) >= 0.0:
        return high, memo[high][1]  # type: ignore[index]
    if surplus_at(low) <= 0.0:
        return low, memo[low][1]  # type: ignore[index]
    lam = brentq(surplus_at, low, high, xtol=1e-14, rtol=1e-15, maxiter=200)
    feasible = [k for k, v in memo.items() if v is not None and v[0] >= -TOLERANCE]
    return lam, memo[max(feasible)][1]  # type: ignore[index]


def _quick_step(space: PackageSpace, base, direction, low, high, start) -> tuple[float, np.ndarray]:
    moving = direction > 0
    floors = np.where(moving, 0.0, space.level(base))

    def offset(lam):
        u = np.maximum(base + lam * direction, 1e-12)
        level = np.where(moving, u ** (1 / space.risk), 0.0)
        return level, np.where(moving, direction * level / (space.risk * u), 0.0)

    x, lam = space.nonlinear_program(
        lambda a, s: (s, np.zeros(space.n), 1.0),
        start,
        floors,
        offset,
        s_start=low,
        s_bounds=(low, high),
    )
    reached = space.utility(x)[0] - base
    lam = float(np.min(reached[moving] / direction[moving]))  # what the package gives
    return max(lam, low), x
