"""Efficient offers (pure functions, vectorised over replications or over levels).

A proposer offers the package that gives its opponent the most utility, as the proposer
estimates it, while keeping its own utility at its current aspiration and every value inside its
own red lines (Faratin, Sierra & Jennings 1998, "trade-off" offers; Raiffa 1982 on logrolling).
The same problem over the box of both agents' red lines, for every level of the proposer's
utility, traces the Pareto frontier of bargaining theory (the epsilon-constraint method of Haimes,
Lasdon & Wismer 1971; :mod:`sim.theory.frontier`), so one solver serves both.

Each issue moves from the proposer's best value in the box, ``s = clip(a, lo, hi)`` (its ideal
``a`` itself whenever the box holds it, as a validated agent's own red lines do; a one-way issue's
session bounds may cut it off), toward the opponent's ideal ``b``, but never out of the box, so
the useful target is ``t = clip(b, lo, hi)``. Moving a distance ``d`` costs the proposer
``w * L(d)`` and gains the opponent ``v * G(d)``; an aspiration leaves a budget of
``V(s) - aspiration ** (1 / rho)`` of additive utility, ``V(s)`` the proposer's additive utility
at ``s`` (1 when the box holds its ideal).

* Both utilities linear: a fractional knapsack, solved exactly by conceding whole issues in
  decreasing order of opponent/own salience ratio ``v / w`` and a fraction of the next one
  (Dantzig 1957).
* Any quadratic side: the Lagrangian ``v G(d) - lambda w L(d)`` has a closed-form maximiser per
  issue for each ``lambda``; own cost is monotone in ``lambda``, found by bisection on
  ``log(lambda)``. A quadratic proposer whose ideal lies ``e`` outside the box already starts
  ``e`` from it, so moving ``d`` costs ``w ((e + d)^2 - e^2)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import rowwise
from sim.core.preferences import Preferences, issue_loss


@dataclass(frozen=True)
class Bisection:
    """The bracket ``[low, high]`` of ``log(lambda)`` and the number of halvings: the precision
    of the Lagrangian solver. Each caller keeps its own, so its numbers stay what they were."""

    low: float
    high: float
    steps: int


#: The agents' offers: 80 halvings of [-40, 40].
OFFER_BISECTION = Bisection(-40.0, 40.0, 80)


def _toward(start: np.ndarray, opp: Preferences, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Per issue, the direction from ``start`` to the opponent's ideal clipped into the box, and
    how far the proposer may usefully move that way."""
    target = np.clip(opp.ideal, lo, hi)
    return np.sign(target - start), np.abs(target - start)


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
        # Where no issue is free and every issue is useful (the usual case), the masks change
        # nothing and the round loop skips them.
        self._any_free = bool(self.free.any())
        self._all_useful = bool(self.useful.all())
        self._rows = rowwise.Rows(self.spent_before, self.cost, self.reach)

    def distance(self, budget: np.ndarray) -> np.ndarray:
        budget = np.asarray(budget)
        issues = self.cost.shape[-1]
        shape = np.broadcast_shapes((*budget.shape, issues), self.cost.shape)
        if budget.shape == shape[:-1]:  # each budget beside every issue, one whole array
            kind = np.result_type(budget, self.spent_before)  # broadcasting's
            left = np.repeat(budget.astype(kind, copy=False), issues).reshape(shape)
        else:
            left = np.empty(shape)
            left[...] = budget[..., None]
        rows = self._rows  # the share, worked out in place in ``left``
        rows.apply(np.subtract, left, 0, out=left)  # the budget left after the issues before
        free = left >= 0 if self._any_free else None
        with np.errstate(over="ignore"):
            share = np.clip(rows.apply(np.divide, left, 1, out=left), 0.0, 1.0, out=left)
        if free is not None:
            share = np.where(self.free, free, share)
        if self._all_useful:
            return rows.apply(np.multiply, share, 2, out=share)
        return np.where(self.useful, share * self.reach, 0.0)


class OfferPlan:
    """Efficient packages from one agent to one opponent inside a box, for any budget (issue
    linkage).

    Built once per pair of preferences and box. The agents call :meth:`offer` every round with
    one aspiration per replication; the theory's frontier calls :meth:`package` over a grid of
    budgets for one problem. ``concede_unvalued``: whether a budget that covers the whole way
    also moves the issues the opponent gives no weight, as the agents' quadratic offers always
    have; the frontier's efficient end leaves them at the start (the knapsack never moves them).
    """

    def __init__(
        self,
        own: Preferences,
        opp: Preferences,
        lo,
        hi,
        *,
        bisection: Bisection = OFFER_BISECTION,
        concede_unvalued: bool = True,
    ):
        self.own, self.opp, self.bisection = own, opp, bisection
        self.start = np.clip(own.ideal, lo, hi)
        self.direction, self.reach = _toward(self.start, opp, lo, hi)
        self.offset = np.abs(self.start - own.ideal)  # a quadratic proposer's cost starts here
        #: additive utility the proposer has already lost at ``start`` (0 where the box holds
        #: its ideal, so an offer's budget there is exactly ``1 - level``)
        self.start_loss = np.sum(own.salience * issue_loss(self.start, own.ideal, own.shape), -1)
        self.opp_distance = np.abs(opp.ideal - self.start)
        #: how far each issue moves at the efficient end, where the opponent has all it values
        self.valued_reach = np.where(opp.salience > 0, self.reach, 0.0)
        self._whole_way = self.reach if concede_unvalued else self.valued_reach
        self._rows = rowwise.Rows(self.direction, self.start)
        self.linear = own.shape == "linear" and opp.shape == "linear"
        if self.linear:
            self.knapsack = LinearPlan(own.salience, opp.salience, self.reach)
        else:  # what every bisection step would recompute
            self._pull = opp.salience * self.opp_distance
            self._free, self._ignored = own.salience <= 0, opp.salience <= 0
            self._offset_cost = self.offset * self.offset
            #: the box cuts off the proposer's ideal somewhere (never an agent's own red lines):
            #: without it the offset terms are zero and the round loop skips them
            self._cut_off = bool(self.offset.any())

    def distance(self, budget: np.ndarray) -> np.ndarray:
        """How far each issue moves (..., I) for budgets (...,) of the proposer's additive
        utility."""
        return self.knapsack.distance(budget) if self.linear else self._lagrangian(budget)

    def package(self, budget: np.ndarray) -> np.ndarray:
        """The best package for the opponent that costs the proposer at most ``budget``."""
        moved = self.distance(budget)  # a new array: turned into the package in place
        if moved.shape != np.broadcast_shapes(moved.shape, self.start.shape):
            return self.start + self.direction * moved
        self._rows.apply(np.multiply, moved, 0, out=moved)
        return self._rows.apply(np.add, moved, 1, out=moved)

    def offer(self, aspiration: np.ndarray) -> np.ndarray:
        """The efficient package that keeps the proposer at ``aspiration``: the budget counts
        from its utility at ``start`` (its ideal where the box holds it). An aspiration above
        what the box allows gets the proposer's best package in the box."""
        budget = concession_budget(self.own, aspiration) - self.start_loss
        return self.package(np.maximum(budget, 0.0))

    def _distance_at(self, lam: np.ndarray) -> np.ndarray:
        """Per-issue maximiser of ``v G(d) - lam w L(d)`` on ``[0, reach]``."""
        w, v, lam = self.own.salience, self.opp.salience, lam[..., None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.own.shape == "quadratic" and self.opp.shape == "linear":
                d = v / (2.0 * lam * w)
                if self._cut_off:
                    d = d - self.offset
            elif self.own.shape == "linear" and self.opp.shape == "quadratic":
                d = self.opp_distance - lam * w / (2.0 * v)
            else:
                price = lam * w
                pull = self._pull - price * self.offset if self._cut_off else self._pull
                d = pull / (v + price)
        d = np.where(self._free, self.reach, np.where(self._ignored, 0.0, d))
        return np.clip(np.nan_to_num(d, nan=0.0), 0.0, self.reach)

    def _cost(self, distance: np.ndarray) -> np.ndarray:
        if self.own.shape == "linear":
            loss = distance
        elif self._cut_off:
            loss = (self.offset + distance) ** 2 - self._offset_cost
        else:
            loss = distance * distance
        return rowwise.sum_(self.own.salience * loss)

    def _lagrangian(self, budget: np.ndarray) -> np.ndarray:
        # Bisect on log(lambda): own cost falls as lambda grows.
        low = np.full(budget.shape, self.bisection.low)
        high = np.full(budget.shape, self.bisection.high)
        for _ in range(self.bisection.steps):
            mid = 0.5 * (low + high)
            fits = self._cost(self._distance_at(np.exp(mid))) <= budget
            high, low = np.where(fits, mid, high), np.where(fits, low, mid)
        everything = self._cost(self._whole_way) <= budget
        return np.where(everything[..., None], self._whole_way, self._distance_at(np.exp(high)))


def package_offer(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """The efficient package at ``aspiration`` inside ``[lo, hi]`` (issue linkage)."""
    return OfferPlan(own, opp, lo, hi).offer(aspiration)


def issue_offers(own: Preferences, opp: Preferences, aspiration: np.ndarray, lo, hi) -> np.ndarray:
    """Offers issue by issue (no linkage): each issue alone keeps the aspiration level.

    On every issue the proposer moves toward the opponent until its utility on that issue falls
    to the aspiration level; no issue is traded against another.
    """
    direction, reach = _toward(own.ideal, opp, lo, hi)
    slack = 1.0 - own.additive_level(aspiration)[..., None]
    d = slack if own.shape == "linear" else np.sqrt(np.maximum(slack, 0.0))
    return own.ideal + direction * np.clip(d, 0.0, reach)
