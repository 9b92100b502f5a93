"""Efficient offers (sim.core.offers) against hand-worked packages and brute-force optimisers.

The proposer offers the package that maximises the opponent's utility subject to its own utility
reaching the aspiration and every value inside its red lines: Faratin, Sierra & Jennings (1998)
trade-off offers; with linear utilities this is a fractional knapsack (Dantzig 1957).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from sim.core.offers import (
    Bisection,
    OfferPlan,
    concession_budget,
    issue_offers,
    package_offer,
)
from sim.core.preferences import Preferences

SHAPE_PAIRS = [
    ("linear", "linear"),
    ("linear", "quadratic"),
    ("quadratic", "linear"),
    ("quadratic", "quadratic"),
]


def preferences(ideal, salience, shape="linear", risk=1.0) -> Preferences:
    ideal = np.atleast_2d(np.asarray(ideal, dtype=float))
    salience = np.atleast_2d(np.asarray(salience, dtype=float))
    risk = np.broadcast_to(np.asarray(risk, dtype=float), ideal.shape[:1])
    return Preferences(ideal, salience, shape, risk)


def no_red_lines(n_issues: int):
    return np.zeros(n_issues), np.ones(n_issues)


def asp(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


# The worked example of the brief: the proposer wants 1 on every issue, the opponent 0.
OWN = preferences([1.0, 1.0, 1.0], [0.5, 0.3, 0.2])
OPP = preferences([0.0, 0.0, 0.0], [0.2, 0.3, 0.5])


class TestLinearHandWorked:
    def test_concedes_the_best_ratio_issue_first(self):
        """Aspiration .7 leaves a budget of .3 of additive utility.

        Opponent/own salience ratios are .2/.5 = .4, .3/.3 = 1 and .5/.2 = 2.5, so issue 3 goes
        first and whole (cost .2 * 1 = .2), then issue 2 takes the remaining .1 at .3 per unit:
        a move of 1/3. Package (1, 2/3, 0); own utility .5 + .3 * 2/3 = .7; opponent's
        .3 * 1/3 + .5 * 1 = .6.
        """
        x = package_offer(OWN, OPP, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[1.0, 2.0 / 3.0, 0.0]], atol=1e-12)
        np.testing.assert_allclose(OWN.utility(x), [0.7], atol=1e-12)
        np.testing.assert_allclose(OPP.utility(x), [0.6], atol=1e-12)

    def test_moves_toward_the_opponent_whichever_side_it_is(self):
        """Mirror image of the worked example: ideals 0 vs 1 give (0, 1/3, 1)."""
        own = preferences([0.0, 0.0, 0.0], [0.5, 0.3, 0.2])
        opp = preferences([1.0, 1.0, 1.0], [0.2, 0.3, 0.5])
        x = package_offer(own, opp, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[0.0, 1.0 / 3.0, 1.0]], atol=1e-12)

    def test_never_goes_past_the_opponents_ideal(self):
        """Opponent's ideal .5 on issue 3: that issue moves only .5 (cost .1), leaving .2 for
        issue 2 (a move of 2/3). Package (1, 1/3, .5); own .5 + .1 + .1 = .7."""
        opp = preferences([0.0, 0.0, 0.5], [0.2, 0.3, 0.5])
        x = package_offer(OWN, opp, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[1.0, 1.0 / 3.0, 0.5]], atol=1e-12)
        np.testing.assert_allclose(OWN.utility(x), [0.7], atol=1e-12)

    def test_gives_nothing_on_an_issue_the_opponent_does_not_care_about(self):
        """Opponent saliences (.5, .5, 0): ratios 1, 5/3 and none. Issue 2 takes the whole
        budget .3 (cost .3 for a full move); issue 3, though cheap, stays at 1.
        Package (1, 0, 1)."""
        opp = preferences([0.0, 0.0, 0.0], [0.5, 0.5, 0.0])
        x = package_offer(OWN, opp, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[1.0, 0.0, 1.0]], atol=1e-12)

    def test_risk_exponent_sets_the_budget(self):
        """rho = .5: aspiration .7 needs additive .7 ** 2 = .49, budget .51. Issues 3 and 2 go
        whole (.2 + .3 = .5); issue 1 moves .01 / .5 = .02. Package (.98, 0, 0); own U
        (.5 * .98) ** .5 = .7."""
        own = preferences([1.0, 1.0, 1.0], [0.5, 0.3, 0.2], risk=0.5)
        np.testing.assert_allclose(concession_budget(own, asp(0.7)), [0.51])
        x = package_offer(own, OPP, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[0.98, 0.0, 0.0]], atol=1e-12)
        np.testing.assert_allclose(own.utility(x), [0.7], atol=1e-12)

    def test_aspiration_one_offers_the_own_ideal_and_zero_the_opponents(self):
        x = package_offer(OWN, OPP, asp(1.0, 0.0), *no_red_lines(3))
        np.testing.assert_allclose(x, [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]], atol=1e-12)

    def test_replications_are_solved_independently(self):
        """The three rows above, in one batch: aspirations .7, 1 and 0."""
        own = preferences(np.ones((3, 3)), np.tile([0.5, 0.3, 0.2], (3, 1)))
        opp = preferences(np.zeros((3, 3)), np.tile([0.2, 0.3, 0.5], (3, 1)))
        x = package_offer(own, opp, asp(0.7, 1.0, 0.0), *no_red_lines(3))
        expected = [[1.0, 2.0 / 3.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
        np.testing.assert_allclose(x, expected, atol=1e-12)


class TestRedLines:
    def test_red_line_caps_the_concession_and_the_rest_moves_on(self):
        """Red line min .4 on issue 3: issue 3 moves only .6 (cost .2 * .6 = .12), leaving .18
        for issue 2 (a move of .6). Package (1, .4, .4); own .5 + .12 + .08 = .7; opponent's
        .3 * .6 + .5 * .6 = .48."""
        low, high = np.array([0.0, 0.0, 0.4]), np.ones(3)
        x = package_offer(OWN, OPP, asp(0.7), low, high)
        np.testing.assert_allclose(x, [[1.0, 0.4, 0.4]], atol=1e-12)
        np.testing.assert_allclose(OWN.utility(x), [0.7], atol=1e-12)
        np.testing.assert_allclose(OPP.utility(x), [0.48], atol=1e-12)

    def test_full_concession_stops_at_the_red_line(self):
        low, high = np.array([0.0, 0.0, 0.4]), np.ones(3)
        x = package_offer(OWN, OPP, asp(0.0), low, high)
        np.testing.assert_allclose(x, [[0.0, 0.0, 0.4]], atol=1e-12)

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    def test_offers_stay_between_own_ideal_and_the_clipped_target(self, own_shape, opp_shape):
        own, opp, aspiration, low, high = random_instances(400, 4, own_shape, opp_shape, seed=1)
        x = package_offer(own, opp, aspiration, low, high)
        target = np.clip(opp.ideal, low, high)
        assert np.all(x >= low - 1e-12) and np.all(x <= high + 1e-12)
        assert np.all(x >= np.minimum(own.ideal, target) - 1e-12)
        assert np.all(x <= np.maximum(own.ideal, target) + 1e-12)


class TestDegenerateInputs:
    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    @pytest.mark.parametrize(
        ("own_ideal", "salience", "opp_ideal"),
        [
            ([1.0, 1.0], [1.0, 5e-324], [0.0, 0.0]),  # a subnormal salience
            ([0.0, 1.0], [0.5, 0.5], [2.2e-309, 0.0]),  # ideals a subnormal distance apart
        ],
        ids=["subnormal-salience", "subnormal-distance"],
    )
    def test_offer_stays_finite_when_an_issue_costs_almost_nothing(
        self, own_shape, opp_shape, own_ideal, salience, opp_ideal
    ):
        """Valid scenarios can make an issue's full cost w * reach subnormal, so 1 / cost
        overflows; the offer must still be a number that reaches the aspiration (found by the
        red-line property test in test_strategies.py)."""
        own = preferences(np.tile(own_ideal, (3, 1)), np.tile(salience, (3, 1)), own_shape)
        opp = preferences(np.tile(opp_ideal, (3, 1)), np.full((3, 2), 0.5), opp_shape)
        aspiration = asp(1.0, 0.7, 0.0)
        with np.errstate(all="ignore"):
            x = package_offer(own, opp, aspiration, *no_red_lines(2))
        assert np.isfinite(x).all(), x
        assert np.all(own.utility(x) >= aspiration - 1e-9)
        # Aspiration 0: everything goes to the opponent.
        np.testing.assert_allclose(x[2], opp_ideal, atol=1e-12)

    def test_issue_that_matters_to_no_one_is_left_alone_by_the_knapsack(self):
        """w = v = 0 on issue 2: conceding it gains nothing, so the linear offer keeps it."""
        own = preferences([1.0, 1.0], [1.0, 0.0])
        opp = preferences([0.0, 0.0], [1.0, 0.0])
        x = package_offer(own, opp, asp(0.6), *no_red_lines(2))
        np.testing.assert_allclose(x, [[0.6, 1.0]], atol=1e-12)


class TestQuadraticHandWorked:
    """Interior solutions of the Lagrange condition v_i G'(d_i) = lambda w_i L'(d_i).

    Both agents have saliences over two issues, own w = (.5, .5), opponent v = (.2, .8); the
    proposer's ideal is (1, 1), the opponent's (0, 0), so each issue can move a distance 1.
    """

    w, v = [0.5, 0.5], [0.2, 0.8]

    def test_both_quadratic(self):
        """2 v (1 - d) = 2 lam w d gives d = v / (v + lam w). With lam = .4: d = (.5, .8), cost
        .5 * .25 + .5 * .64 = .445, so aspiration .555. Package (.5, .2); opponent's
        .2 * .75 + .8 * .96 = .918."""
        own = preferences([1.0, 1.0], self.w, "quadratic")
        opp = preferences([0.0, 0.0], self.v, "quadratic")
        x = package_offer(own, opp, asp(0.555), *no_red_lines(2))
        np.testing.assert_allclose(x, [[0.5, 0.2]], atol=1e-9)
        np.testing.assert_allclose(opp.utility(x), [0.918], atol=1e-9)

    def test_own_linear_opponent_quadratic(self):
        """2 v (1 - d) = lam w gives d = 1 - lam w / (2 v). With lam = .4: d = (.5, .875), cost
        .5 * .5 + .5 * .875 = .6875, so aspiration .3125. Package (.5, .125); opponent's
        .2 * .75 + .8 * (1 - .015625) = .9375."""
        own = preferences([1.0, 1.0], self.w, "linear")
        opp = preferences([0.0, 0.0], self.v, "quadratic")
        x = package_offer(own, opp, asp(0.3125), *no_red_lines(2))
        np.testing.assert_allclose(x, [[0.5, 0.125]], atol=1e-9)
        np.testing.assert_allclose(opp.utility(x), [0.9375], atol=1e-9)

    def test_own_quadratic_opponent_linear(self):
        """v = 2 lam w d gives d = v / (2 lam w). With lam = 1: d = (.2, .8), cost
        .5 * .04 + .5 * .64 = .34, so aspiration .66. Package (.8, .2); opponent's
        .2 * .2 + .8 * .8 = .68."""
        own = preferences([1.0, 1.0], self.w, "quadratic")
        opp = preferences([0.0, 0.0], self.v, "linear")
        x = package_offer(own, opp, asp(0.66), *no_red_lines(2))
        np.testing.assert_allclose(x, [[0.8, 0.2]], atol=1e-9)
        np.testing.assert_allclose(opp.utility(x), [0.68], atol=1e-9)


def random_instances(n, n_issues, own_shape, opp_shape, seed, red_line_share=0.5):
    """Random proposer/opponent pairs with saliences bounded away from zero and random red
    lines around the proposer's ideal."""
    rng = np.random.default_rng(seed)
    a = rng.random((n, n_issues))
    b = rng.random((n, n_issues))
    w = rng.dirichlet(np.ones(n_issues), n) + 0.05
    v = rng.dirichlet(np.ones(n_issues), n) + 0.05
    w /= w.sum(axis=1, keepdims=True)
    v /= v.sum(axis=1, keepdims=True)
    lined = rng.random((n, n_issues)) < red_line_share
    low = np.where(lined, a * rng.random((n, n_issues)), 0.0)
    high = np.where(lined, a + (1 - a) * rng.random((n, n_issues)), 1.0)
    own = preferences(a, w, own_shape, rng.uniform(0.5, 2.0, n))
    opp = preferences(b, v, opp_shape, rng.uniform(0.5, 2.0, n))
    aspiration = rng.uniform(0.3, 1.0, n)
    return own, opp, aspiration, low, high


def row(p: Preferences, r: int) -> Preferences:
    return Preferences(p.ideal[r : r + 1], p.salience[r : r + 1], p.shape, p.risk[r : r + 1])


def best_linear_package(own, opp, aspiration, low, high):
    """LP in package space: variables (x, r, s) with r >= |x - a|, s >= |x - b|; minimise the
    opponent's weighted distance v.s subject to the proposer's w.r <= its budget."""
    a, b, w, v = own.ideal[0], opp.ideal[0], own.salience[0], opp.salience[0]
    n = len(a)
    eye, zero = np.eye(n), np.zeros((n, n))
    budget = concession_budget(own, aspiration)[0]
    a_ub = np.vstack(
        [
            np.hstack([eye, -eye, zero]),  # x - a <= r
            np.hstack([-eye, -eye, zero]),  # a - x <= r
            np.hstack([eye, zero, -eye]),  # x - b <= s
            np.hstack([-eye, zero, -eye]),  # b - x <= s
            np.concatenate([np.zeros(n), w, np.zeros(n)])[None, :],
        ]
    )
    b_ub = np.concatenate([a, -a, b, -b, [budget]])
    bounds = [(low[i], high[i]) for i in range(n)] + [(0, 1)] * (2 * n)
    result = linprog(np.concatenate([np.zeros(2 * n), v]), A_ub=a_ub, b_ub=b_ub, bounds=bounds)
    assert result.status == 0
    return result.x[:n]


def best_package(own, opp, aspiration, low, high):
    """SLSQP in package space, made smooth with r >= |x - a| and s >= |x - b| where a side is
    linear: minimise the opponent's loss subject to the proposer's loss <= its budget."""
    a, b, w, v = own.ideal[0], opp.ideal[0], own.salience[0], opp.salience[0]
    n = len(a)
    budget = concession_budget(own, aspiration)[0]

    def split(z):
        return z[:n], z[n : 2 * n], z[2 * n :]

    def own_loss(z):
        x, r, _ = split(z)
        return w @ (r if own.shape == "linear" else (x - a) ** 2)

    def opp_loss(z):
        x, _, s = split(z)
        return v @ (s if opp.shape == "linear" else (x - b) ** 2)

    constraints = [
        {"type": "ineq", "fun": lambda z: budget - own_loss(z)},
        {"type": "ineq", "fun": lambda z: split(z)[1] - (split(z)[0] - a)},
        {"type": "ineq", "fun": lambda z: split(z)[1] + (split(z)[0] - a)},
        {"type": "ineq", "fun": lambda z: split(z)[2] - (split(z)[0] - b)},
        {"type": "ineq", "fun": lambda z: split(z)[2] + (split(z)[0] - b)},
    ]
    bounds = [(low[i], high[i]) for i in range(n)] + [(0, 1)] * (2 * n)
    # Start at the proposer's ideal; if SLSQP stalls there, from halfway to the opponent.
    for x0 in (a, 0.5 * (a + np.clip(b, low, high))):
        start = np.concatenate([x0, np.abs(x0 - a), np.abs(x0 - b)])
        result = minimize(
            opp_loss,
            start,
            method="SLSQP",
            bounds=bounds,
            constraints=constraints,
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        if result.success:
            return split(result.x)[0]
    raise AssertionError(f"SLSQP found no optimum: {result.message}")


class TestOptimality:
    def test_linear_greedy_matches_linprog(self):
        """The knapsack greedy is optimal (Dantzig 1957): on 200 random instances with red
        lines, no package reaches the aspiration and gives the opponent more (scipy linprog)."""
        n = 200
        own, opp, aspiration, low, high = random_instances(n, 4, "linear", "linear", seed=7)
        x = package_offer(own, opp, aspiration, low, high)
        assert np.all(own.utility(x) >= aspiration - 1e-9)
        for r in range(n):
            own_r, opp_r = row(own, r), row(opp, r)
            best = best_linear_package(own_r, opp_r, aspiration[r : r + 1], low[r], high[r])
            np.testing.assert_allclose(
                opp_r.utility(x[r : r + 1]), opp_r.utility(best[None, :]), atol=1e-9
            )

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS[1:])
    def test_quadratic_matches_scipy(self, own_shape, opp_shape):
        """Lagrangian bisection against SLSQP on 40 random 3-issue instances per shape pair:
        the same package to 1e-4 and the same opponent utility to 1e-6."""
        n = 40
        own, opp, aspiration, low, high = random_instances(n, 3, own_shape, opp_shape, seed=11)
        x = package_offer(own, opp, aspiration, low, high)
        assert np.all(own.utility(x) >= aspiration - 1e-9)
        for r in range(n):
            own_r, opp_r = row(own, r), row(opp, r)
            best = best_package(own_r, opp_r, aspiration[r : r + 1], low[r], high[r])
            np.testing.assert_allclose(x[r], best, atol=1e-4)
            assert opp_r.utility(x[r : r + 1])[0] >= opp_r.utility(best[None, :])[0] - 1e-6

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    def test_no_grid_package_does_better(self, own_shape, opp_shape):
        """Dense grid (801 x 801) over the red-line box of a 2-issue case: no package that keeps
        the proposer at its aspiration gives the opponent more than the offer, and the best grid
        point comes within the grid's resolution."""
        own = preferences([0.9, 0.7], [0.35, 0.65], own_shape, risk=0.8)
        opp = preferences([0.1, 0.2], [0.6, 0.4], opp_shape, risk=1.5)
        low, high = np.array([0.3, 0.0]), np.array([1.0, 0.95])
        aspiration = asp(0.85)  # the whole way to the target would leave the proposer < .77
        x = package_offer(own, opp, aspiration, low, high)
        g1, g2 = np.meshgrid(np.linspace(0.3, 1.0, 801), np.linspace(0.0, 0.95, 801))
        grid = np.stack([g1.ravel(), g2.ravel()], axis=1)
        grid_own = preferences(
            np.tile(own.ideal, (len(grid), 1)),
            np.tile(own.salience, (len(grid), 1)),
            own_shape,
            0.8,
        )
        grid_opp = preferences(
            np.tile(opp.ideal, (len(grid), 1)),
            np.tile(opp.salience, (len(grid), 1)),
            opp_shape,
            1.5,
        )
        feasible = grid_own.utility(grid) >= 0.85
        best_on_grid = grid_opp.utility(grid)[feasible].max()
        offered = opp.utility(x)[0]
        assert own.utility(x)[0] == pytest.approx(0.85, abs=1e-9)
        assert best_on_grid <= offered + 1e-9
        assert best_on_grid >= offered - 2e-3

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    def test_own_utility_equals_aspiration_when_the_budget_binds(self, own_shape, opp_shape):
        own, opp, aspiration, low, high = random_instances(500, 4, own_shape, opp_shape, seed=3)
        x = package_offer(own, opp, aspiration, low, high)
        target = np.clip(opp.ideal, low, high)
        binds = own.utility(target) < aspiration
        assert binds.sum() >= 100  # the instances exercise the binding case
        np.testing.assert_allclose(own.utility(x)[binds], aspiration[binds], atol=1e-9)
        # Where the budget is slack the whole way to the target is conceded.
        np.testing.assert_allclose(x[~binds], target[~binds], atol=1e-9)


class TestOnePlanForOffersAndFrontier:
    """What the theory's frontier (sim.theory.frontier) asks of the same plan: many budgets for
    one pair, a box that cuts off the proposer's own ideal, its own precision, and an efficient
    end that leaves alone what the opponent does not value."""

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    def test_a_grid_of_budgets_gives_the_packages_one_by_one(self, own_shape, opp_shape):
        own, opp, _, low, high = random_instances(1, 4, own_shape, opp_shape, seed=13)
        plan = OfferPlan(own, opp, low, high)
        budgets = np.linspace(0.0, 1.0, 41)
        one_by_one = np.vstack([plan.package(budgets[k : k + 1]) for k in range(len(budgets))])
        np.testing.assert_array_equal(plan.package(budgets), one_by_one)

    def test_a_quadratic_proposer_whose_ideal_the_box_cuts_off_starts_at_its_edge(self):
        """Own quadratic, ideal (1, 1), w = (.5, .5); opponent linear at (0, 0), v = (.2, .8);
        box [0, .6] x [0, 1]. The start (.6, 1) is already e = (.4, 0) from the ideal, so moving
        d costs w ((e + d)^2 - e^2). With lam = .25 the Lagrange condition v = 2 lam w (e + d)
        gives d_1 = .4 and d_2 = 3.2, capped at its reach 1: cost .5 (.64 - .16) + .5 = .74,
        package (.2, 0)."""
        own = preferences([1.0, 1.0], [0.5, 0.5], "quadratic")
        opp = preferences([0.0, 0.0], [0.2, 0.8], "linear")
        plan = OfferPlan(own, opp, np.zeros(2), np.array([0.6, 1.0]))
        np.testing.assert_allclose(plan.package(np.array([0.74])), [[0.2, 0.0]], atol=1e-9)
        np.testing.assert_allclose(plan.package(np.array([0.0])), [[0.6, 1.0]], atol=1e-12)

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS[1:])
    def test_the_frontiers_precision_agrees_with_the_offers(self, own_shape, opp_shape):
        """The frontier bisects 64 times on [-50, 50], the agents 80 times on [-40, 40]: both
        end below float spacing."""
        own, opp, aspiration, low, high = random_instances(300, 3, own_shape, opp_shape, seed=17)
        frontier_precision = OfferPlan(own, opp, low, high, bisection=Bisection(-50.0, 50.0, 64))
        np.testing.assert_allclose(
            frontier_precision.offer(aspiration),
            OfferPlan(own, opp, low, high).offer(aspiration),
            atol=1e-15,
        )

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS[1:])
    def test_only_the_agents_concede_an_issue_the_opponent_ignores(self, own_shape, opp_shape):
        """The opponent gives issue 2 no weight and the budget covers the whole way: the agents'
        quadratic offers concede it too (as they always have); the frontier's efficient end
        (``concede_unvalued=False``) keeps it at the proposer's ideal."""
        own = preferences([1.0, 1.0], [0.5, 0.5], own_shape)
        opp = preferences([0.0, 0.0], [1.0, 0.0], opp_shape)
        budget = np.array([1.0])
        agents = OfferPlan(own, opp, *no_red_lines(2))
        frontier = OfferPlan(own, opp, *no_red_lines(2), concede_unvalued=False)
        np.testing.assert_array_equal(agents.package(budget), [[0.0, 0.0]])
        np.testing.assert_array_equal(frontier.package(budget), [[0.0, 1.0]])


class TestIssueOffers:
    def test_every_issue_keeps_the_aspiration_level(self):
        """No linkage: each issue alone moves until its issue utility is the additive level.
        Linear, aspiration .7: each issue moves .3, package (.7, .7, .7)."""
        x = issue_offers(OWN, OPP, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[0.7, 0.7, 0.7]], atol=1e-12)
        np.testing.assert_allclose(OWN.utility(x), [0.7], atol=1e-12)

    def test_quadratic_moves_the_square_root(self):
        """Quadratic, aspiration .64: each issue moves sqrt(.36) = .6, package (.4, .4, .4)."""
        own = preferences([1.0, 1.0, 1.0], [0.5, 0.3, 0.2], "quadratic")
        x = issue_offers(own, OPP, asp(0.64), *no_red_lines(3))
        np.testing.assert_allclose(x, [[0.4, 0.4, 0.4]], atol=1e-12)

    def test_risk_exponent_and_red_lines(self):
        """rho = .5, aspiration .7: level .49, each issue moves .51 -> .49. A red line at .8
        on issue 2 stops it there."""
        own = preferences([1.0, 1.0, 1.0], [0.5, 0.3, 0.2], risk=0.5)
        low, high = np.array([0.0, 0.8, 0.0]), np.ones(3)
        x = issue_offers(own, OPP, asp(0.7), low, high)
        np.testing.assert_allclose(x, [[0.49, 0.8, 0.49]], atol=1e-12)

    def test_never_past_the_opponents_ideal(self):
        """Opponent ideal .9 on issue 1 is reached before the .3 the level allows."""
        opp = preferences([0.9, 0.0, 0.0], [0.2, 0.3, 0.5])
        x = issue_offers(OWN, opp, asp(0.7), *no_red_lines(3))
        np.testing.assert_allclose(x, [[0.9, 0.7, 0.7]], atol=1e-12)

    @pytest.mark.parametrize("shape", ["linear", "quadratic"])
    def test_issue_utility_is_the_level_where_the_issue_can_move_that_far(self, shape):
        own, opp, aspiration, low, high = random_instances(300, 4, shape, "linear", seed=5)
        x = issue_offers(own, opp, aspiration, low, high)
        level = own.additive_level(aspiration)[:, None]
        target = np.clip(opp.ideal, low, high)
        issue_u = 1.0 - (np.abs(x - own.ideal) if shape == "linear" else (x - own.ideal) ** 2)
        room = (
            1.0 - (np.abs(target - own.ideal) if shape == "linear" else (target - own.ideal) ** 2)
        ) < level
        assert room.sum() > 100
        np.testing.assert_allclose(issue_u[room], np.broadcast_to(level, x.shape)[room], atol=1e-12)
        np.testing.assert_allclose(x[~room], target[~room], atol=1e-12)


class TestABoxThatCutsOffTheProposersIdeal:
    """A one-way issue's session bounds (sim.core.red_lines.OneWay) can leave the proposer's
    ideal outside its box: the budget then counts from its utility at the box's edge, so an
    offer still keeps it at its aspiration wherever the box allows that."""

    def test_linear_hand_worked(self):
        """Own ideal (0, 1), w = (.5, .5); opponent (1, 0), v = (.5, .5); issue 1 may only rise
        from .4. The start (.4, 1) is worth .8. Aspiration .7 leaves .1: issue 1 (first of the
        tied ratios) moves .2, package (.6, 1), worth exactly .7. Aspiration .9 is out of reach:
        the best package in the box, the start."""
        own = preferences([0.0, 1.0], [0.5, 0.5])
        opp = preferences([1.0, 0.0], [0.5, 0.5])
        plan = OfferPlan(own, opp, np.array([0.4, 0.0]), np.ones(2))
        np.testing.assert_allclose(plan.start_loss, [0.2])
        x = plan.offer(asp(0.7))
        np.testing.assert_allclose(x, [[0.6, 1.0]], atol=1e-12)
        np.testing.assert_allclose(own.utility(x), [0.7], atol=1e-12)
        np.testing.assert_allclose(plan.offer(asp(0.9)), [[0.4, 1.0]], atol=1e-12)

    @pytest.mark.parametrize(("own_shape", "opp_shape"), SHAPE_PAIRS)
    def test_own_utility_equals_aspiration_when_the_budget_binds(self, own_shape, opp_shape):
        own, opp, aspiration, _, _ = random_instances(500, 4, own_shape, opp_shape, seed=5)
        rng = np.random.default_rng(6)
        status_quo = rng.random(own.ideal.shape)
        up = rng.random(own.ideal.shape) < 0.5
        low, high = np.where(up, status_quo, 0.0), np.where(up, 1.0, status_quo)
        plan = OfferPlan(own, opp, low, high)
        x = plan.offer(aspiration)
        assert np.all(x >= low - 1e-12) and np.all(x <= high + 1e-12)
        best = own.utility(plan.start)
        target = np.clip(opp.ideal, low, high)
        binds = (own.utility(target) < aspiration) & (aspiration <= best)
        assert binds.sum() >= 50 and (best < 1).sum() >= 400
        np.testing.assert_allclose(own.utility(x)[binds], aspiration[binds], atol=1e-9)
        out_of_reach = aspiration > best
        np.testing.assert_allclose(x[out_of_reach], plan.start[out_of_reach], atol=1e-12)

    def test_a_box_holding_the_ideal_costs_nothing_to_start_from(self):
        own, opp, aspiration, low, high = random_instances(50, 3, "linear", "quadratic", seed=2)
        plan = OfferPlan(own, opp, low, high)
        np.testing.assert_array_equal(plan.start_loss, 0.0)  # exact: the budget is 1 - level


def test_a_single_aspiration_gets_a_single_offer():
    from sim.core.offers import package_offer

    own = Preferences(np.array([0.2, 0.8]), np.array([0.5, 0.5]), "linear", 1.0)
    opp = Preferences(np.array([0.9, 0.1]), np.array([0.5, 0.5]), "linear", 1.0)
    for aspiration in (0.7, np.array(0.7)):
        np.testing.assert_allclose(package_offer(own, opp, aspiration, 0.0, 1.0), [0.8, 0.8])


@pytest.mark.parametrize("kind", [np.float32, np.int64, np.float64])
def test_a_plans_distances_have_broadcastings_numbers_and_type(kind):
    """The linear plan works on its rows tiled (``rowwise.Rows``) and on the budget repeated
    beside each issue: the numbers and the type are those of broadcasting the budget."""
    own = Preferences(np.array([[0.0, 0.0, 0.0]]), np.array([[0.5, 0.3, 0.2]]), "linear", 1.0)
    opp = Preferences(np.array([[1.0, 1.0, 1.0]]), np.array([[0.2, 0.3, 0.5]]), "linear", 1.0)
    knapsack = OfferPlan(own, opp, 0.0, 1.0).knapsack
    budget = (np.random.default_rng(1).random(1500) * 3).astype(kind)
    k = knapsack
    with np.errstate(over="ignore"):
        expected = np.clip((budget[:, None] - k.spent_before) / k.cost, 0.0, 1.0) * k.reach
    got = knapsack.distance(budget)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
