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

from sim.core.preferences import Preferences

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


class LinearPlan:
    """The fractional knapsack of two linear utilities, prepared once per pair of agents.

    The concession order (decreasing ``v / w``), each issue's full cost ``w * reach`` and the
    cost of the issues before it depend only on preferences and red lines, so each round only
    compares the budget with those fixed numbers: no sorting in the round loop.
    """

    def __init__(self, w, v, reach):
        cost = w * reach
        with np.errstate(over="ignore"):
            ratio = np.divide(v, w, out=np.full_like(v, np.inf, dtype=float), where=w > 0)
        ratio = np.where(v > 0, ratio, -1.0)
        order = np.argsort(-ratio, axis=-1, kind="stable")
        cost_sorted = np.take_along_axis(cost, order, axis=-1)
        before_sorted = np.cumsum(cost_sorted, axis=-1) - cost_sorted
        self.spent_before = np.empty_like(before_sorted)
        np.put_along_axis(self.spent_before, order, before_sorted, axis=-1)
        self.free = cost <= 0
        self.cost = np.where(self.free, 1.0, cost)
        self.useful = v > 0
        self.reach = reach

    def distance(self, budget: np.ndarray) -> np.ndarray:
        left = budget[..., None] - self.spent_before
        with np.errstate(over="ignore"):
            share = np.where(self.free, left >= 0, np.clip(left / self.cost, 0.0, 1.0))
        return np.where(self.useful, share * self.reach, 0.0)


def _lagrangian_distance(lam, w, v, reach, opp_distance, own_shape, opp_shape):
    """Per-issue maximiser of ``v G(d) - lam w L(d)`` on ``[0, reach]``."""
    lam = lam[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
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


class OfferPlan:
    """Efficient offers from one agent to one opponent, for any aspiration (issue linkage).

    Built once per pair of preferences and red lines; :meth:`offer` is called every round.
    """

    def __init__(self, own: Preferences, opp: Preferences, lo, hi):
        self.own, self.opp = own, opp
        self.reach, self.opp_distance, self.direction = _segments(own, opp, lo, hi)
        self.linear = own.shape == "linear" and opp.shape == "linear"
        if self.linear:
            self._knapsack = LinearPlan(own.salience, opp.salience, self.reach)

    def offer(self, aspiration: np.ndarray) -> np.ndarray:
        budget = np.maximum(concession_budget(self.own, aspiration), 0.0)
        if self.linear:
            d = self._knapsack.distance(budget)
        else:
            d = _lagrangian(
                self.own,
                self.opp,
                self.own.salience,
                self.opp.salience,
                self.reach,
                self.opp_distance,
                budget,
            )
        return self.own.ideal + self.direction * d


def package_offer(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """The efficient package at ``aspiration`` inside ``[lo, hi]`` (issue linkage)."""
    return OfferPlan(own, opp, lo, hi).offer(aspiration)


def issue_offers(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """Offers issue by issue (no linkage): each issue alone keeps the aspiration level.

    On every issue the proposer moves toward the opponent until its utility on that issue falls
    to the aspiration level; no issue is traded against another.
    """
    reach, _, direction = _segments(own, opp, lo, hi)
    slack = 1.0 - own.additive_level(aspiration)[..., None]
    d = slack if own.shape == "linear" else np.sqrt(np.maximum(slack, 0.0))
    return own.ideal + direction * np.clip(d, 0.0, reach)
