"""Efficient offers to many: a package for every other agent at the table (pure, vectorised).

With one opponent an offer maximises the opponent's utility subject to the proposer's aspiration
and red lines (:mod:`sim.core.offers`). With several others it maximises the weighted sum of their
additive utilities, ``G(x) = sum_j omega_j A_j(x)`` with ``omega_j`` their ``weight``, under the
same constraints.

* **Everyone linear: exact.** On issue ``k`` the others' gain ``G_k(x) = sum_j c_jk (1 - |x -
  b_jk|)``, ``c_jk = omega_j v_jk``, is concave and piecewise linear, bending at their ideals
  ``b_jk``. Moving from the proposer's best value ``s_k`` in the direction that raises ``G_k``,
  the slope on the stretch between consecutive ideals is the weight of the ideals still ahead
  minus that of those left behind, falling at each ideal passed, and reaching zero at the
  others' weighted median. Each stretch costs the proposer ``w_k`` per unit moved, so the problem
  is a fractional knapsack over the stretches of every issue (Dantzig 1957): concede them in
  decreasing order of slope / ``w_k``. Within an issue the slopes fall, so the greedy order takes
  an issue's stretches one after another, as moving along the issue must.
* **Every other quadratic: exact.** ``sum_j c_jk (1 - (x - b_jk)^2)`` is one quadratic gain with
  the weighted mean ``sum_j c_jk b_jk / sum_j c_jk`` as ideal and ``sum_j c_jk`` as salience, so
  the offer is the two-agent offer to that one stand-in opponent.
* **A quadratic proposer facing linear others, or mixed shapes: approximate.** The stand-in
  opponent is linear, with the others' weighted median as ideal and, as salience, the mean slope
  of their gain from ``s_k`` to that median.

The same stand-in opponent gives the direction of offers issue by issue (no linkage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.offers import LinearPlan, OfferPlan, concession_budget
from sim.core.preferences import Preferences, issue_loss, one_row


def _coefficients(others: Sequence[Preferences], weights: Sequence[float]) -> np.ndarray:
    """(m, R, I) ``omega_j * v_jk``: how much each other agent's utility counts on each issue."""
    return np.stack(
        [w * np.asarray(o.salience, dtype=float) for o, w in zip(others, weights, strict=True)]
    )


def _ideals(others: Sequence[Preferences]) -> np.ndarray:
    return np.stack([np.broadcast_to(o.ideal, others[0].salience.shape) for o in others])


class Stretches:
    """Per issue, the stretches from the proposer's best value ``start`` toward the others'
    weighted median inside ``[lo, hi]``: their lengths and slopes of the others' linear gain."""

    def __init__(self, start: np.ndarray, ideals: np.ndarray, coef: np.ndarray, lo, hi):
        total = coef.sum(axis=0)
        above = np.where(ideals > start, coef, 0.0).sum(axis=0)
        below = np.where(ideals < start, coef, 0.0).sum(axis=0)
        # Moving up gains the weight above and loses the rest; moving down alike.
        up, down = above - (total - above) > 0, below - (total - below) > 0
        self.direction = np.where(up, 1.0, np.where(down, -1.0, 0.0))
        reach = np.where(up, hi - start, np.where(down, start - lo, 0.0))
        self.reach = np.maximum(reach, 0.0)
        ahead = np.clip(self.direction * (ideals - start), 0.0, self.reach)  # (m, R, I)
        order = np.argsort(ahead, axis=0, kind="stable")
        ends = np.take_along_axis(ahead, order, axis=0)  # stretch q ends at the q-th ideal
        behind = np.cumsum(np.take_along_axis(coef, order, axis=0), axis=0) - np.take_along_axis(
            coef, order, axis=0
        )
        self.length = np.diff(ends, axis=0, prepend=0.0)  # (m, R, I)
        self.slope = np.where(self.direction != 0, total - 2.0 * behind, 0.0)
        self.target = start + self.direction * np.where(self.slope > 0, self.length, 0.0).sum(
            axis=0
        )


class ManyLinearPlan:
    """The exact offers of a linear proposer to linear others: the fractional knapsack over
    every issue's stretches, prepared once (the order depends only on preferences and the box)."""

    def __init__(self, own: Preferences, stretches: Stretches, start: np.ndarray):
        self.own, self.start, self.direction = own, start, stretches.direction
        m = stretches.length.shape[0]
        # Flatten (m, R, I) -> (R, I * m), issue-major, so a tie keeps an issue's stretches in order.
        length = np.moveaxis(stretches.length, 0, -1)
        slope = np.moveaxis(stretches.slope, 0, -1)
        shape = (*length.shape[:-2], length.shape[-2] * m)
        w = np.broadcast_to(own.salience[..., None], length.shape)
        useful = slope > 0
        self.m = m
        self.knapsack = LinearPlan(
            w.reshape(shape), np.where(useful, slope, 0.0).reshape(shape), length.reshape(shape)
        )
        self.start_loss = np.sum(own.salience * issue_loss(start, own.ideal, own.shape), -1)

    def offer(self, aspiration: np.ndarray) -> np.ndarray:
        budget = np.maximum(concession_budget(self.own, aspiration) - self.start_loss, 0.0)
        moved = self.knapsack.distance(budget)
        distance = moved.reshape(*moved.shape[:-1], -1, self.m).sum(axis=-1)
        return self.start + self.direction * distance


def stand_in(
    own: Preferences, others: Sequence[Preferences], weights: Sequence[float], lo, hi
) -> Preferences:
    """One opponent standing for ``others``: exact for quadratic others, else linear through the
    others' weighted median (see the module's docstring)."""
    coef, ideals = _coefficients(others, weights), _ideals(others)
    total = coef.sum(axis=0)
    if all(o.shape == "quadratic" for o in others):
        mean = np.divide(
            (coef * ideals).sum(axis=0), total, out=np.zeros_like(total), where=total > 0
        )
        return Preferences(ideal=mean, salience=total, shape="quadratic", risk=np.ones(len(total)))
    start = np.clip(own.ideal, lo, hi)
    stretches = Stretches(start, ideals, coef, lo, hi)
    moved = np.abs(stretches.target - start)
    gain = np.where(stretches.slope > 0, stretches.slope * stretches.length, 0.0).sum(axis=0)
    slope = np.divide(gain, moved, out=np.zeros_like(gain), where=moved > 0)
    return Preferences(
        ideal=stretches.target, salience=slope, shape="linear", risk=np.ones(len(total))
    )


def many_plan(
    own: Preferences, others: Sequence[Preferences], weights: Sequence[float], lo, hi
) -> ManyLinearPlan | OfferPlan:
    """The offer plan of ``own`` toward several ``others`` inside ``[lo, hi]``. When every
    replication has the same preferences and box (no drawn ideal or salience), the plan is made
    once, for the first, and broadcast: its arrays have one row."""
    if own.shape == "linear" and all(o.shape == "linear" for o in others):
        row = one_row(own, list(others), lo, hi)
        if row is not None:
            own, others, lo, hi = row
        start = np.clip(own.ideal, lo, hi)
        stretches = Stretches(start, _ideals(others), _coefficients(others, weights), lo, hi)
        return ManyLinearPlan(own, stretches, start)
    return OfferPlan(own, stand_in(own, others, weights, lo, hi), lo, hi)
