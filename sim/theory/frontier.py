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

from sim.core.offers import Bisection, OfferPlan
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.spec import Scenario
from sim.theory.problem import agent_preferences, feasible_box

_GAIN_TOLERANCE = 1e-12  # a gain this far below zero still counts as individually rational
#: The frontier's precision: 64 halvings of [-50, 50], below float spacing.
FRONTIER_BISECTION = Bisection(-50.0, 50.0, 64)


class Frontier:
    """The efficient frontier of ``a`` and ``b`` inside ``box``, parametrised by a's additive
    utility ``t`` in ``[t_min, t_max]``: at each level, a's efficient offer to b with the box as
    its red lines (:class:`sim.core.offers.OfferPlan`, spending ``t_max - t``).

    ``t_max`` is a's utility at its best package in the box; ``t_min`` at the efficient end,
    where b has every issue it values as far as the box allows.
    """

    def __init__(self, a: Preferences, b: Preferences, box: RedLines):
        self.a, self.b, self.box = a, b, box
        self._offers = OfferPlan(
            a, b, box.low, box.high, bisection=FRONTIER_BISECTION, concede_unvalued=False
        )
        plan = self._offers
        self.t_max = float(a.additive(plan.start)[0])
        self.t_min = float(a.additive(plan.start + plan.direction * plan.valued_reach)[0])
        #: utilities are piecewise linear in t (between the kinks): linear shapes, risk 1
        self.piecewise_linear = plan.linear and a.risk[0] == 1.0 and b.risk[0] == 1.0
        kinks = [self.t_min, self.t_max]
        if plan.linear:
            spent, w, reach = plan.knapsack.spent_before[0], a.salience[0], plan.reach[0]
            useful = b.salience[0] > 0
            kinks += [*(self.t_max - spent[useful]), *(self.t_max - spent - w * reach)]
        kinks = np.array(kinks)
        #: levels of t where the frontier bends (both linear: a whole issue has been conceded)
        self.kinks = np.unique(kinks[(kinks >= self.t_min) & (kinks <= self.t_max)])

    def package(self, t) -> np.ndarray:
        """Efficient packages (K, I) at a's additive levels ``t`` (K,), clipped to the frontier."""
        t = np.clip(np.atleast_1d(np.asarray(t, dtype=float)), self.t_min, self.t_max)
        return self._offers.package(self.t_max - t)

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
    # The search accepts a level whose gain is >= -tolerance on its grid; evaluated alone, the
    # same level can land a rounding error lower (a steep risk exponent near a threshold).
    if t_lo > t_hi or (frontier.utilities([t_lo])[0] - d < -2 * _GAIN_TOLERANCE).any():
        return None
    return t_lo, t_hi
