"""Concave maximisation over packages by Newton's method on a logarithmic barrier (pure).

The Nash products are concave in the segment variables ``y`` of
:class:`~sim.theory.package_space.PackageSpace`, but badly scaled where an agent's gain is tiny:
``log(gain)`` then curves a million times more in one direction than in another, and SLSQP's
quasi-Newton steps stall short of the maximum. Newton's method is affine invariant, so such
scaling does not slow it (Boyd & Vandenberghe 2004, *Convex Optimization*, sec. 9.5, and the
barrier method of sec. 11.3): maximise ``t F(y) + sum log(y) + sum log(width - y) + sum log(g_k)``
for growing ``t``, each from the last maximum; the last one is within ``m / t`` of the maximum of
``F`` (``m`` barrier terms).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.theory.package_space import PackageSpace

#: ``f(A) -> (sum_j f_j(A_j), f'(A), f''(A))``, concave in each ``A_j``; ``-inf`` outside its
#: domain (e.g. a gain <= 0 under a logarithm).
Separable = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]

_GAP = 1e-13  # stop when m * mu, the bound on how far F is below its maximum, is below this
_SHRINK = 0.1  # mu's factor from one centring to the next
_CENTRED = 1e-20  # a centring ends when the Newton decrement (squared) is below this
_PURE = 1e-10  # below this decrement (relative to the value), full Newton steps, unchecked


def maximise(
    space: PackageSpace,
    f: Separable,
    start,
    rows: Sequence[tuple[np.ndarray, float]] = (),
    *,
    steps=None,
    s_start: float | None = None,
) -> tuple[np.ndarray, float] | None:
    """``(x, s)`` maximising ``f(A(x)) + s`` over packages ``x`` of the box and a number ``s``
    with every ``coef @ A(x) - step * s > value`` (``rows``, ``coef >= 0``; ``steps``, one per
    row, default none: then ``s`` stays 0), from ``start`` (and ``s_start``) moved strictly
    inside every row; None where a small move does not get inside or Newton's method fails."""
    free = space.width > 0
    coefs = np.array([coef for coef, _ in rows], dtype=float).reshape(len(rows), space.n)
    values = np.array([value for _, value in rows], dtype=float)
    steps = np.zeros(len(rows)) if steps is None else np.asarray(steps, dtype=float)
    scalar = bool(steps.any())
    s_quadratic = np.where(space.linear[:, None], 0.0, space.salience)  # (n, I)
    b = space.issue_sum[:, free]  # (I, free): x = low + b @ y
    width = space.width[free]
    k = int(free.sum())

    def place(z):
        out = np.zeros(space.size)
        out[free] = z[:k]
        return out

    def objective(v, mu):
        """``F + s + mu * barrier``, its gradient and Hessian at ``v`` = (free y, s)."""
        z, s = v[:k], v[k]
        if (z <= 0).any() or (z >= width).any():
            return -np.inf, None, None
        a = space.additive_of(place(v))
        value, d1, d2 = f(a)
        slack = coefs @ a - steps * s - values
        if not np.isfinite(value) or (slack <= 0).any():
            return -np.inf, None, None
        jac = space.jacobian_of(place(v))[:, free]  # (n, free)
        row_jac = np.column_stack([coefs @ jac, -steps])
        logs = np.log(z).sum() + np.log(width - z).sum() + np.log(slack).sum()
        total = value + s * scalar + mu * logs
        grad = np.append(jac.T @ d1 + mu * (1 / z - 1 / (width - z)), float(scalar))
        grad += mu * row_jac.T @ (1 / slack)
        own = d1 + mu * (coefs.T @ (1 / slack))  # the weight of each agent's own curvature
        hess = -mu * (row_jac.T / slack**2) @ row_jac
        hess[:k, :k] += (jac.T * d2) @ jac - 2.0 * (b.T * (own @ s_quadratic)) @ b
        hess[:k, :k] -= mu * np.diag(1 / z**2 + 1 / (width - z) ** 2)
        if not scalar:
            hess[k, k] = -1.0  # s stays where it is
        return total, grad, hess

    v = _interior(space, f, coefs, values, steps, space.segments(start), s_start, free, place)
    if v is None:
        return None
    m, mu = 2 * k + len(rows), 1.0
    while True:
        pure = 0
        for _ in range(100):
            value, grad, hess = objective(v, mu)
            if grad is None:
                return None
            step = _newton_step(hess, grad)
            decrement = float(grad @ step)
            if not decrement > _CENTRED:
                break
            if decrement < _PURE * max(1.0, abs(value)):
                # Converging quadratically, below what the values can show: full steps, a few.
                if pure == 3 or not np.isfinite(objective(v + step, mu)[0]):
                    break
                v, pure = v + step, pure + 1
                continue
            alpha = 1.0
            while objective(v + alpha * step, mu)[0] < value + 0.25 * alpha * decrement:
                alpha /= 2
                if alpha < 1e-12:
                    break
            else:
                v = v + alpha * step
                continue
            break  # no ascent left at float precision
        if m * mu < _GAP:
            return _snapped(space, f, coefs, values, steps, place(v), float(v[k]), free)
        mu *= _SHRINK


def _snapped(space, f, coefs, values, steps, y, s, free) -> tuple[np.ndarray, float]:
    """``(x, s)`` from the barrier's last point, or with the variables the barrier holds a hair
    off their bounds put on them where that is no worse: a maximum in a corner is met exactly."""
    width = space.width

    def value_at(z):
        a = space.additive_of(z)
        room = coefs @ a - values
        if steps.any():
            moving = steps > 0
            if (room[~moving] < 0).any():
                return -np.inf, 0.0
            best_s = float(np.min(room[moving] / steps[moving]))
        else:
            if (room < 0).any():
                return -np.inf, 0.0
            best_s = 0.0
        return f(a)[0] + best_s, best_s

    best, (value, s_best) = y, value_at(y)
    if not steps.any():
        s_best = s
    for hair in (1e-7, 1e-4):
        near = np.where(y < hair * width, 0.0, np.where(width - y < hair * width, width, y))
        there, s_there = value_at(near)
        if there >= value:
            best, value, s_best = near, there, s_there
    return space.package_of(best), s_best


def _interior(space, f, coefs, values, steps, y, s, free, place) -> np.ndarray | None:
    """``(y, s)``: ``y``'s free variables moved toward the middle of their segments, and ``s``
    below every row's slack, until strictly inside every barrier; None where a small move of
    ``y`` does not do it."""
    width = space.width[free]
    for share in (1e-3, 1e-5, 1e-7, 1e-9):
        z = (1 - share) * y[free] + share * width / 2
        a = space.additive_of(place(z))
        room = coefs @ a - values
        if steps.any():
            moving = steps > 0
            below = float(np.min(room[moving] / steps[moving])) - 0.1
            s = below if s is None else min(s, below)
        else:
            s = 0.0
        slack = room - steps * s
        inside = (z > 0).all() and (z < width).all() and (slack > 0).all()
        if inside and np.isfinite(f(a)[0]):
            return np.append(z, s)
    return None


def _newton_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``-hess^-1 grad`` for a negative definite ``hess``, scaled to a unit diagonal and held
    just off singular (a nearly active barrier term makes it nearly rank one)."""
    scale = 1 / np.sqrt(np.maximum(-np.diag(hess), 1e-300))
    scaled = -hess * scale[:, None] * scale + 1e-12 * np.eye(len(grad))
    try:
        return scale * np.linalg.solve(scaled, grad * scale)
    except np.linalg.LinAlgError:
        return scale * np.linalg.lstsq(scaled, grad * scale, rcond=None)[0]
