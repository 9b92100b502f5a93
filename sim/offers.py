"""Efficient offers (pure functions, vectorised over replications).

A proposer offers the package that gives its opponent the most utility, as the proposer
estimates it, while keeping its own utility at its current aspiration and every value inside its
own red lines (Faratin, Sierra & Jennings 1998, "trade-off" offers; Raiffa 1982 on logrolling).

Each issue moves from the proposer's ideal ``a`` toward the opponent's ideal ``b``, but never past
the proposer's own red-line bound, so the useful target is ``t = clip(b, lo, hi)``. Moving a
distance ``d`` costs the proposer ``w * L(d)`` and gains the opponent ``v * G(d)``; the budget is
``1 - aspiration ** (1 / rho)`` of additive utility.

* Both utilities linear: a fractional knapsack, solved exactly by conceding whole issues in
  decreasing order of opponent/own salience ratio ``v / w`` and a fraction of the next one.
* Any quadratic side: the Lagrangian ``v G(d) - lambda w L(d)`` has a closed-form maximiser per
  issue for each ``lambda``; own cost is monotone in ``lambda``, found by bisection.
"""

from __future__ import annotations

import numpy as np

from sim.preferences import Preferences

_BISECTION_STEPS = 80


def _segments(own: Preferences, opp: Preferences, lo, hi):
    target = np.clip(opp.ideal, lo, hi)
    reach = np.abs(target - own.ideal)  # how far the proposer may usefully move
    opp_distance = np.abs(opp.ideal - own.ideal)  # opponent's distance from the proposer's ideal
    direction = np.sign(target - own.ideal)
    return reach, opp_distance, direction


def concession_budget(own: Preferences, aspiration: np.ndarray) -> np.ndarray:
    """Additive utility the proposer may give up and still reach ``aspiration``."""
    return 1.0 - own.additive_level(aspiration)


def _linear_knapsack(w, v, reach, budget):
    cost = w * reach
    ratio = np.divide(v, w, out=np.full_like(v, np.inf), where=w > 0)
    ratio = np.where(v > 0, ratio, -1.0)
    order = np.argsort(-ratio, axis=-1, kind="stable")
    cost_sorted = np.take_along_axis(cost, order, axis=-1)
    spent_before = np.cumsum(cost_sorted, axis=-1) - cost_sorted
    left = budget[..., None] - spent_before
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cost_sorted > 0, left / cost_sorted, np.where(left >= 0, 1.0, 0.0))
    share = np.clip(share, 0.0, 1.0)
    share = np.where(np.take_along_axis(v, order, axis=-1) > 0, share, 0.0)
    fraction = np.empty_like(share)
    np.put_along_axis(fraction, order, share, axis=-1)
    return fraction * reach


def _lagrangian_distance(lam, w, v, reach, opp_distance, own_shape, opp_shape):
    """Per-issue maximiser of ``v G(d) - lam w L(d)`` on ``[0, reach]``."""
    lam = lam[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if own_shape == "quadratic" and opp_shape == "linear":
            d = v / (2.0 * lam * w)
        elif own_shape == "linear" and opp_shape == "quadratic":
            d = opp_distance - lam * w / (2.0 * v)
        else:
            d = v * opp_distance / (v + lam * w)
    d = np.where(w <= 0, reach, np.where(v <= 0, 0.0, d))
    return np.clip(np.nan_to_num(d, nan=0.0, posinf=reach), 0.0, reach)


def _cost(d, w, own_shape):
    return np.sum(w * (d if own_shape == "linear" else d * d), axis=-1)


def _lagrangian(own, opp, w, v, reach, opp_distance, budget):
    def distance(lam):
        return _lagrangian_distance(lam, w, v, reach, opp_distance, own.shape, opp.shape)

    # Bisect on log(lambda): own cost falls as lambda grows.
    low = np.full(budget.shape, -40.0)
    high = np.full(budget.shape, 40.0)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (low + high)
        feasible = _cost(distance(np.exp(mid)), w, own.shape) <= budget
        high = np.where(feasible, mid, high)
        low = np.where(feasible, low, mid)
    d = distance(np.exp(high))
    free = _cost(reach, w, own.shape) <= budget
    return np.where(free[..., None], reach, d)


def package_offer(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """The efficient package at ``aspiration`` inside ``[lo, hi]`` (issue linkage)."""
    reach, opp_distance, direction = _segments(own, opp, lo, hi)
    budget = np.maximum(concession_budget(own, aspiration), 0.0)
    w, v = own.salience, opp.salience
    if own.shape == "linear" and opp.shape == "linear":
        d = _linear_knapsack(w, v, reach, budget)
    else:
        d = _lagrangian(own, opp, w, v, reach, opp_distance, budget)
    return own.ideal + direction * d


def issue_offers(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """Offers issue by issue (no linkage): each issue alone keeps the aspiration level.

    On every issue the proposer moves toward the opponent until its utility on that issue falls
    to the aspiration level; no issue is traded against another.
    """
    reach, _, direction = _segments(own, opp, lo, hi)
    slack = 1.0 - own.additive_level(aspiration)[..., None]
    d = slack if own.shape == "linear" else np.sqrt(np.maximum(slack, 0.0))
    d = np.where(opp.salience > 0, np.clip(d, 0.0, reach), 0.0)
    return own.ideal + direction * d
