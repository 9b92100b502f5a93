"""The efficient (Pareto) frontier of a bargaining problem, and searches along it (pure).

The frontier is one-dimensional: every efficient package solves ``max A_b(x) s.t. A_a(x) >= t``
inside the feasible box for some level ``t`` of a's additive utility (the epsilon-constraint
method; Haimes, Lasdon & Wismer 1971), which is exactly the efficient offer of
:mod:`sim.core.offers` with the box as the proposer's red lines. The risk exponents are monotone,
so they change where on the frontier a solution lies, not the frontier's packages. Each solution
is then a search over the scalar ``t``: a dense grid, refined by repeated zooming to float
precision.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.core.offers import LinearPlan
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.spec import Scenario
from sim.theory.problem import agent_preferences, feasible_box

_GAIN_TOLERANCE = 1e-12  # a gain this far below zero still counts as individually rational
_LAMBDA_STEPS = 64  # bisection steps on log(lambda) in [-50, 50]: below float spacing


class Frontier:
    """The efficient frontier of ``a`` and ``b`` inside ``box``, parametrised by a's additive
    utility ``t`` in ``[t_min, t_max]``.

    Outside the segment from a's best value in the box, ``clip(p_a)``, to b's, ``clip(p_b)``,
    both agents lose, so each issue moves a distance ``d`` along it. Both linear: the exact
    fractional knapsack :class:`sim.core.offers.LinearPlan`. Any quadratic side: the Lagrangian of
    :mod:`sim.core.offers`, extended to an ideal of a that b's red line cuts off (the segment then
    starts ``e`` from it and moving ``d`` costs a ``w((e + d)^2 - e^2)``).
    """

    def __init__(self, a: Preferences, b: Preferences, box: RedLines):
        self.a, self.b, self.box = a, b, box
        ideal_a, ideal_b = a.ideal[0], b.ideal[0]
        self.start = np.clip(ideal_a, box.low, box.high)
        end = np.clip(ideal_b, box.low, box.high)
        self.direction = np.sign(end - self.start)
        self.reach = np.abs(end - self.start)
        self.offset = np.abs(self.start - ideal_a)
        self.opp_distance = np.abs(ideal_b - self.start)
        self.w, self.v = a.salience[0], b.salience[0]
        self.full = np.where(self.v > 0, self.reach, 0.0)
        self.t_max = float(a.additive(self.start[None])[0])
        self.t_min = float(a.additive(self._at(self.full[None]))[0])
        self.linear = a.shape == "linear" and b.shape == "linear"
        #: utilities are piecewise linear in t (between the kinks): linear shapes, risk 1
        self.piecewise_linear = self.linear and a.risk[0] == 1.0 and b.risk[0] == 1.0
        kinks = [self.t_min, self.t_max]
        if self.linear:
            self._knapsack = LinearPlan(self.w[None], self.v[None], self.reach[None])
            spent = self._knapsack.spent_before[0]
            useful = self.v > 0
            kinks += [*(self.t_max - spent[useful]), *(self.t_max - spent - self.w * self.reach)]
        kinks = np.array(kinks)
        #: levels of t where the frontier bends (both linear: a whole issue has been conceded)
        self.kinks = np.unique(kinks[(kinks >= self.t_min) & (kinks <= self.t_max)])

    def _at(self, distance: np.ndarray) -> np.ndarray:
        return self.start + self.direction * distance

    def package(self, t) -> np.ndarray:
        """Efficient packages (K, I) at a's additive levels ``t`` (K,), clipped to the frontier."""
        t = np.clip(np.atleast_1d(np.asarray(t, dtype=float)), self.t_min, self.t_max)
        budget = self.t_max - t
        distance = self._knapsack.distance(budget) if self.linear else self._lagrangian(budget)
        return self._at(distance)

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of packages (K, I) -> (K, 2)."""
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        return np.stack([self.a.utility(packages), self.b.utility(packages)], axis=-1)

    def utilities(self, t) -> np.ndarray:
        """(U_a, U_b) along the frontier at levels ``t`` -> (K, 2)."""
        return self.utility(self.package(t))

    def sample(self, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
        """``points`` evenly spaced levels plus every kink: packages (K, I), utilities (K, 2),
        ordered from b's best to a's best."""
        t = np.union1d(np.linspace(self.t_min, self.t_max, points), self.kinks)
        packages = self.package(t)
        return packages, self.utility(packages)

    def gap(self, packages) -> np.ndarray:
        """(R,) How much more b could get at a's utility: ``U_b(frontier) - U_b(x)``.

        An upper bound on the Euclidean distance to the frontier in utility space; 0 for an
        efficient package inside the box (negative only for one outside it).
        """
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        best = self.utilities(self.a.additive(packages))[:, 1]
        return best - self.b.utility(packages)

    def _distance(self, lam: np.ndarray) -> np.ndarray:
        """Per-issue maximiser of ``v G_b(d) - lam w C_a(d)`` on ``[0, reach]``."""
        lam = lam[:, None]
        w, v, e, far = self.w, self.v, self.offset, self.opp_distance
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.a.shape == "quadratic" and self.b.shape == "linear":
                d = v / (2.0 * lam * w) - e
            elif self.a.shape == "linear":
                d = far - lam * w / (2.0 * v)
            else:
                d = (v * far - lam * w * e) / (v + lam * w)
        d = np.where(w <= 0, self.reach, np.where(v <= 0, 0.0, d))
        return np.clip(np.nan_to_num(d, nan=0.0, posinf=1.0, neginf=0.0), 0.0, self.reach)

    def _cost(self, distance: np.ndarray) -> np.ndarray:
        e = self.offset
        loss = distance if self.a.shape == "linear" else (e + distance) ** 2 - e * e
        return np.sum(self.w * loss, axis=-1)

    def _lagrangian(self, budget: np.ndarray) -> np.ndarray:
        low, high = np.full(budget.shape, -50.0), np.full(budget.shape, 50.0)
        for _ in range(_LAMBDA_STEPS):
            mid = 0.5 * (low + high)
            fits = self._cost(self._distance(np.exp(mid))) <= budget
            high, low = np.where(fits, mid, high), np.where(fits, low, mid)
        everything = self._cost(self.full[None]) <= budget
        return np.where(everything[:, None], self.full, self._distance(np.exp(high)))


def scenario_frontier(scenario: Scenario) -> Frontier:
    """The frontier of a scenario with fixed numbers, inside its feasible box."""
    a, b = (agent_preferences(s, scenario.issue_names, scenario.source) for s in scenario.agents)
    return Frontier(a, b, feasible_box(scenario))


def first_level(holds: Callable[[np.ndarray], np.ndarray], low: float, high: float) -> float:
    """Smallest t in [low, high] where a monotone test (false, then true) holds; it holds at
    ``high``."""
    for _ in range(11):  # 64 ** 11 > 2 ** 64: float precision
        grid = np.linspace(low, high, 65)
        first = int(np.argmax(holds(grid)))
        if first == 0:
            return float(grid[0])
        low, high = grid[first - 1], grid[first]
    return float(high)


def best_level(f: Callable[[np.ndarray], np.ndarray], low: float, high: float, extra=()) -> float:
    """Maximiser of ``f`` on [low, high]: a grid with the kinks, then zooming in 8-fold steps."""
    grid = np.union1d(np.linspace(low, high, 1025), [x for x in extra if low <= x <= high])
    values = f(grid)
    k = int(np.argmax(values))
    best, best_value = float(grid[k]), float(values[k])
    left, right = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    for _ in range(24):
        grid = np.linspace(left, right, 17)
        values = f(grid)
        k = int(np.argmax(values))
        if values[k] > best_value:
            best, best_value = float(grid[k]), float(values[k])
        left, right = grid[max(k - 1, 0)], grid[min(k + 1, 16)]
    return best


def rational_levels(frontier: Frontier, d: np.ndarray) -> tuple[float, float] | None:
    """The levels ``[t_lo, t_hi]`` where both gains over ``d`` are >= 0, or None if there are
    none (no agreement is better for both than disagreeing)."""
    d = np.asarray(d, dtype=float)
    ends = frontier.utilities([frontier.t_min, frontier.t_max]) - d
    if ends[1, 0] < -_GAIN_TOLERANCE or ends[0, 1] < -_GAIN_TOLERANCE:
        return None
    t_lo = first_level(
        lambda t: frontier.utilities(t)[:, 0] - d[0] >= -_GAIN_TOLERANCE,
        frontier.t_min,
        frontier.t_max,
    )
    if ends[1, 1] >= -_GAIN_TOLERANCE:
        t_hi = frontier.t_max
    else:  # the last level where b still gains: the first where it loses, approached from below
        t_hi = -first_level(
            lambda s: frontier.utilities(-s)[:, 1] - d[1] >= -_GAIN_TOLERANCE,
            -frontier.t_max,
            -frontier.t_min,
        )
    if t_lo > t_hi or (frontier.utilities([t_lo])[0] - d < -_GAIN_TOLERANCE).any():
        return None
    return t_lo, t_hi
