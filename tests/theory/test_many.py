"""Bargaining theory for any number of agents (sim.theory.many) against independent computations.

Sources: Nash (1950) Econometrica 18 (n players: maximise the product of the gains); Kalai &
Smorodinsky (1975) Econometrica 43 and Kalai (1977) Econometrica 45 (n players: the largest
equal share of every ideal gain); Harsanyi & Selten (1972) Management Science 18 and Roth
(1979), Axiomatic Models of Bargaining (the weighted Nash solution); Thomson (1994) (the
utilitarian solution).
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from test_theory import instances, negsim_theory

from sim.core.catalogue import validate
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.shipped import shipped_folder
from sim.theory import comparison
from sim.theory.axiomatic import nash_product
from sim.theory.many import nash_solution, pareto_gap, rational_set, satisfied, solve
from sim.theory.package_space import PackageSpace
from sim.theory.results import analyse_scenario, distance_from, frontier_gap
from sim.theory.steps import largest_step

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLUTIONS = ("nash", "kalai_smorodinsky", "utilitarian")


def close(space: PackageSpace, found, expected, atol=1e-6) -> bool:
    """Utilities equal to ``atol``, or their additive levels to 1e-9 (a risk exponent below 1
    turns an additive 1e-12 near 0 into a utility 1e-6)."""
    found, expected = np.asarray(found), np.asarray(expected)
    near = np.isclose(found, expected, atol=atol, rtol=0)
    return bool(np.all(near | np.isclose(space.level(found), space.level(expected), atol=1e-9)))


# ---------------------------------------------------------------------------------------------
# Two agents: the package-space solver against the one-dimensional frontier search


class TestTwoAgentsAgreeWithTheFrontier:
    """Two independent methods: the frontier search of sim.theory.axiomatic (the agents' own
    efficient-offer solver, a scalar search) and the convex programs of sim.theory.many."""

    @pytest.mark.slow
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(["reservation", "status_quo"]).flatmap(
            lambda kind: instances(one_way=kind == "status_quo", disagreement=kind, reservation=0.5)
        )
    )
    def test_every_solution(self, scenario):
        result = analyse_scenario(scenario)
        found = solve(result.space, result.disagreement_utility, scenario.weights)
        d, space = result.disagreement_utility, result.space
        if result.nash is None:
            # The frontier search can also miss a rational set when its 1e-12 tolerance on the
            # gains, raised to a risk exponent, falls just short (d on the frontier, or an
            # agent whose gain is tiny): then the package solution must be rational.
            if found["nash"] is not None:
                assert (found["nash"].utility >= d - 1e-9).all()
            return
        if satisfied(space, d) is not space:
            # An agent already at its best: the frontier search keeps its floor to 1e-12, which
            # near a maximum lets a quadratic issue move by 1e-6; the package solver pins it.
            for name in ("nash", "kalai_smorodinsky", "utilitarian"):
                assert (found[name].utility >= d - 1e-12).all(), name
            return
        assert close(space, found["ideal_utility"], result.ideal_utility)
        for name in ("nash", "kalai_smorodinsky"):
            assert close(space, found[name].utility, result.solutions[name].utility), name
        if all(agent.risk <= 1.0 for agent in scenario.agents):
            assert close(space, found["utilitarian"].utility, result.utilitarian.utility)
        else:  # not concave: the frontier's global scan is the reference, at least as good
            assert found["utilitarian"].utility.sum() >= result.utilitarian.utility.sum() - 1e-6
        assert nash_product(found["nash"].utility, d) >= nash_product(result.nash.utility, d) - 1e-9

    @pytest.mark.slow
    @FAST
    @given(instances(), st.tuples(st.floats(0.2, 5), st.floats(0.2, 5)))
    def test_weighted_nash(self, scenario, weights):
        """The weighted Nash solution (Roth 1979) along the frontier and over packages."""
        agents = tuple(replace(a, weight=w) for a, w in zip(scenario.agents, weights, strict=True))
        scenario = replace(scenario, agents=agents)
        result = analyse_scenario(scenario)
        found = solve(result.space, result.disagreement_utility, scenario.weights)
        if result.weighted_nash is None or found["rational"].gains.min() == 0:
            return  # an agent that cannot gain leaves the weighted product 0 everywhere
        assert close(result.space, found["weighted_nash"].utility, result.weighted_nash.utility)

    @pytest.mark.parametrize(("w_a", "w_b"), [(2.0, 1.0), (1.0, 3.0), (0.5, 0.5)])
    def test_weighted_nash_splits_the_pie_by_weight(self, split_the_pie, w_a, w_b):
        """Roth (1979), ch. 1: on a unit pie with linear utilities and d = 0, the weighted Nash
        solution maximises u^w_a (1 - u)^w_b: shares in proportion to the weights."""
        agents = tuple(
            replace(a, weight=w) for a, w in zip(split_the_pie.agents, (w_a, w_b), strict=True)
        )
        result = analyse_scenario(replace(split_the_pie, agents=agents))
        share = w_a / (w_a + w_b)
        np.testing.assert_allclose(result.weighted_nash.utility, [share, 1 - share], atol=1e-7)
        found = solve(result.space, result.disagreement_utility, (w_a, w_b))
        np.testing.assert_allclose(found["weighted_nash"].utility, [share, 1 - share], atol=1e-9)
        assert ("weighted_nash" in result.solutions) == (w_a != w_b)

    def test_us_china(self, us_china):
        result = analyse_scenario(us_china)
        found = solve(result.space, result.disagreement_utility, us_china.weights)
        for name in SOLUTIONS:
            np.testing.assert_allclose(
                found[name].utility, result.solutions[name].utility, atol=1e-8
            )


# ---------------------------------------------------------------------------------------------
# Three and more agents against brute force


def make_many(agents, status_quo, *, disagreement="reservation", red_lines=None):
    """An n-agent scenario through the real validator; ``agents``: (ideal, salience, shape,
    risk, reservation, weight) per agent, issues x0, x1, ..."""
    issues = [f"x{i}" for i in range(len(status_quo))]
    nodes = {}
    for k, (ideal, salience, shape, risk, reservation, weight) in enumerate(agents):
        nodes[f"a{k}"] = {
            "utility": shape,
            "risk": risk,
            "reservation": reservation,
            "weight": weight,
            "strategy": "time_dependent",
            "preferences": {
                i: {"ideal": float(p), "salience": float(w)}
                for i, p, w in zip(issues, ideal, salience, strict=True)
            },
        }
        if red_lines and red_lines.get(k):
            nodes[f"a{k}"]["red_lines"] = {
                issues[i]: {"min": lo, "max": hi} for i, (lo, hi) in red_lines[k].items()
            }
    data = {
        "negotiation": {
            "protocol": "issue_by_issue",
            "rounds": 10,
            "first_proposer": "a0",
            "disagreement": disagreement,
        },
        "issues": {i: {"status_quo": q} for i, q in zip(issues, status_quo, strict=True)},
        "agents": nodes,
    }
    return validate(data, "many.yaml")


unit = st.floats(0.0, 1.0).map(lambda x: round(x, 3))
salience = st.floats(0.05, 1.0).map(lambda x: round(x, 3))


@st.composite
def many_instances(draw, agents=(3, 4), max_issues=3, risky=True, shapes=("linear", "quadratic")):
    n = draw(st.integers(*agents))
    m = draw(st.integers(1, max_issues))
    spec = [
        (
            draw(st.lists(unit, min_size=m, max_size=m)),
            draw(st.lists(salience, min_size=m, max_size=m)),
            draw(st.sampled_from(shapes)),
            draw(st.sampled_from([0.5, 1.0, 2.0])) if risky else 1.0,
            round(draw(st.floats(0.0, 0.4)), 3),
            draw(st.sampled_from([1.0, 2.0, 3.0])),
        )
        for _ in range(n)
    ]
    return make_many(spec, draw(st.lists(unit, min_size=m, max_size=m)))


class Independent:
    """Utilities and maxima written apart from sim: utilities from the scenario's numbers, maxima
    by a grid over the feasible box refined by zooming (``levels`` grids of ``points`` per
    issue, each spanning five cells either side of the best point so far), then Nelder-Mead."""

    def __init__(self, scenario, levels=12, points=41):
        issues = scenario.issue_names
        agents = scenario.agents
        self.ideal = np.array([[a.ideal[i] for i in issues] for a in agents])
        self.salience = np.array([[a.salience[i] for i in issues] for a in agents])
        self.linear = np.array([a.utility == "linear" for a in agents])[:, None]
        self.risk = np.array([a.risk for a in agents])
        self.low = np.array([max(a.red_line(i)[0] for a in agents) for i in issues])
        self.high = np.array([min(a.red_line(i)[1] for a in agents) for i in issues])
        self.levels, self.points = levels, points

    def utility(self, x):  # (K, I) -> (K, n)
        gap = np.abs(x[:, None, :] - self.ideal[None])
        loss = np.where(self.linear[None], gap, gap**2)
        return np.clip((self.salience[None] * (1 - loss)).sum(axis=-1), 0, 1) ** self.risk

    def maximise(self, score):
        """``(max score(U(x)), x)`` over the box."""
        lo, hi, best = self.low.copy(), self.high.copy(), None
        for _ in range(self.levels):
            axes = [np.linspace(a, b, self.points) for a, b in zip(lo, hi, strict=True)]
            grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(lo))
            values = score(self.utility(grid))
            k = int(np.argmax(values))
            if best is None or values[k] >= best[0]:
                best = (values[k], grid[k])
            cell = (hi - lo) / (self.points - 1)
            lo = np.maximum(best[1] - 5 * cell, self.low)
            hi = np.minimum(best[1] + 5 * cell, self.high)

        def negative(x):
            return -score(self.utility(np.clip(x, self.low, self.high)[None]))[0]

        polished = minimize(
            negative, best[1], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-15}
        )
        if -polished.fun > best[0]:
            best = (-polished.fun, np.clip(polished.x, self.low, self.high))
        return best


def brute_force(scenario, d, gains):
    """Ideal point, Nash utilities, the smallest share of the ideal ``gains`` (KS) and the
    utilitarian total, independently. A grid only approaches a maximum on the edge of the
    rational set from inside, so these are lower bounds, tight to about 1e-5 there."""
    solver = Independent(scenario)

    def rational(u, value):
        return np.where((u >= d - 1e-12).all(axis=1), value, -np.inf)

    ideal = np.array(
        [solver.maximise(lambda u, j=j: rational(u, u[:, j]))[0] for j in range(len(d))]
    )
    gaining = gains > 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        nash = solver.maximise(
            lambda u: rational(u, np.log(np.maximum(u - d, 0)[:, gaining]).sum(axis=1))
        )
        ratio = solver.maximise(
            lambda u: rational(u, ((u - d)[:, gaining] / gains[gaining]).min(axis=1))
        )
    total = solver.maximise(lambda u: rational(u, u.sum(axis=1)))
    return {
        "ideal": ideal,
        "nash": solver.utility(nash[1][None])[0],
        "ks_ratio": ratio[0],
        "total": total[0],
    }


class TestThreeAgentsAgainstBruteForce:
    @pytest.mark.slow
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(many_instances(max_issues=2))
    def test_ideal_nash_ks_utilitarian(self, scenario):
        """Every point reported is individually rational (a certificate), and no worse than the
        best the grid finds: together, the maximum. Where it lies inside the rational set
        (Nash with every agent gaining), the utilities match the grid's to 1e-6."""
        result = analyse_scenario(scenario)
        d, space = result.disagreement_utility, result.space
        if result.nash is None:
            assert brute_force(scenario, d, np.ones(len(d)))["total"] == -np.inf
            return
        gains = result.ideal_utility - d
        gaining = gains > 1e-9
        reference = brute_force(scenario, d, gains)
        rational = rational_set(space, d)
        solutions = (result.nash, result.kalai_smorodinsky, result.utilitarian)
        for package in (*rational.ideal_packages, *(s.package for s in solutions)):
            assert (space.utility(package)[0] >= d - 1e-9).all()
        assert (result.ideal_utility >= reference["ideal"] - 1e-9).all()
        np.testing.assert_allclose(result.ideal_utility, reference["ideal"], atol=1e-4)
        log_product = np.log(result.nash.utility - d)[gaining].sum()
        assert log_product >= np.log(reference["nash"] - d)[gaining].sum() - 1e-9
        concave = all(agent.risk <= 1 for agent in scenario.agents)
        if concave and gaining.all():  # strictly concave in utility, inside the rational set
            assert close(space, result.nash.utility, reference["nash"])
        ratios = (result.kalai_smorodinsky.utility - d)[gaining] / gains[gaining]
        assert ratios.min() >= reference["ks_ratio"] - 1e-8
        assert ratios.min() == pytest.approx(reference["ks_ratio"], abs=1e-5)
        total = result.utilitarian.utility.sum()
        assert total >= reference["total"] - 1e-9
        if concave:
            assert total == pytest.approx(reference["total"], abs=1e-5)

    def test_one_issue_three_agents_by_hand(self):
        """One issue, ideals 0, 0.3 and 1, linear, d = 0: U = (1 - x, 1 - |x - 0.3|, x).

        Nash (1950): on [0, 0.3] the product (1 - x)(0.7 + x) x rises (its derivative
        0.7 + 0.6 x - 3 x^2 > 0); on [0.3, 1] the product (1 - x)(1.3 - x) x has derivative
        1.3 - 4.6 x + 3 x^2, zero at x = (23 - sqrt(139)) / 30 = 0.3737. KS (n players): ideals
        (1, 1, 1), and min(1 - x, 1 - |x - 0.3|, x) is largest, 1/2, at x = 1/2 (the middle
        agent gets 0.8: with one issue the frontier is a curve, so KS is only weakly equal).
        Utilitarian: the sum 2 - |x - 0.3| is largest at x = 0.3."""
        scenario = make_many(
            [([0.0], [1.0], "linear", 1.0, 0.0, 1.0), ([0.3], [1.0], "linear", 1.0, 0.0, 1.0)]
            + [([1.0], [1.0], "linear", 1.0, 0.0, 1.0)],
            [0.5],
        )
        result = analyse_scenario(scenario)
        x = (23 - np.sqrt(139)) / 30
        np.testing.assert_allclose(result.nash.package, [x], atol=1e-7)
        np.testing.assert_allclose(result.nash.utility, [1 - x, 1.3 - x, x], atol=1e-7)
        np.testing.assert_allclose(result.ideal_utility, [1.0, 1.0, 1.0])
        np.testing.assert_allclose(result.kalai_smorodinsky.package, [0.5], atol=1e-8)
        np.testing.assert_allclose(result.kalai_smorodinsky.utility, [0.5, 0.8, 0.5], atol=1e-8)
        np.testing.assert_allclose(result.utilitarian.package, [0.3], atol=1e-9)

    def test_the_product_on_a_fine_grid(self):
        """Three quadratic agents on one issue with risk 0.5, 1 and 2: a grid of 2,000,001
        values brackets the Nash product to within its spacing."""
        scenario = make_many(
            [
                ([0.9], [1.0], "quadratic", 0.5, 0.1, 1.0),
                ([0.2], [1.0], "quadratic", 1.0, 0.05, 1.0),
                ([0.5], [1.0], "quadratic", 2.0, 0.2, 1.0),
            ],
            [0.5],
        )
        result = analyse_scenario(scenario)
        d = result.disagreement_utility
        grid = np.linspace(0, 1, 2_000_001)[:, None]
        u = result.space.utility(grid)
        products = np.where((u >= d).all(axis=1), np.prod(u - d, axis=1), -np.inf)
        k = int(np.argmax(products))
        assert nash_product(result.nash.utility, d) >= products[k] - 1e-12
        np.testing.assert_allclose(result.nash.package, grid[k], atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Properties


def random_space(draw, n, m, shape=None, risk=None):
    prefs = []
    for _ in range(n):
        weights = np.array(draw(st.lists(salience, min_size=m, max_size=m)))
        prefs.append(
            Preferences(
                np.array([draw(st.lists(unit, min_size=m, max_size=m))]),
                (weights / weights.sum())[None],
                shape or draw(st.sampled_from(["linear", "quadratic"])),
                np.array([risk or draw(st.sampled_from([0.5, 1.0, 2.0]))]),
            )
        )
    return PackageSpace(prefs, RedLines(np.zeros(m), np.ones(m)))


@st.composite
def spaces(draw, agents=(3, 5), issues=(1, 4), **fixed):
    space = random_space(draw, draw(st.integers(*agents)), draw(st.integers(*issues)), **fixed)
    share = draw(st.floats(0.0, 0.9))
    status_quo = np.array(draw(st.lists(unit, min_size=space.n_issues, max_size=space.n_issues)))
    return space, share * space.utility(status_quo)[0]


@pytest.mark.slow
class TestProperties:
    @FAST
    @given(spaces(), st.integers(0, 2**32 - 1))
    def test_pareto_no_package_improves_every_agent(self, problem, seed):
        """No feasible package is better for every agent than any solution (Pareto), and the
        Pareto gap of every solution is 0."""
        space, d = problem
        found = solve(space, d, np.ones(space.n))
        rng = np.random.default_rng(seed)
        others = space.utility(rng.random((4000, space.n_issues)))
        for name in ("nash", "weighted_nash", "kalai_smorodinsky", "utilitarian"):
            u = found[name].utility
            assert not (others >= u + 1e-7).all(axis=1).any(), name
            assert pareto_gap(space, found[name].package)[0] == pytest.approx(0, abs=1e-7), name

    @FAST
    @given(
        st.integers(3, 4),
        st.data(),
        st.sampled_from(["linear", "quadratic"]),
        st.sampled_from([0.5, 1.0]),
    )
    def test_ks_gains_share_one_ratio_of_the_ideal_gains(self, n, data, shape, risk):
        """Kalai & Smorodinsky (1975), Kalai (1977): every agent gets the same share of its ideal
        gain, the largest share any package gives all of them, where the frontier has full
        dimension: issue k is wanted at 1 by agent k (its most salient issue) and at 0 by the
        others. (With fewer issues than agents the frontier can be a curve, and KS only the
        largest smallest share; test_ideal_nash_ks_utilitarian checks that.)"""
        weights = np.array(
            [data.draw(st.lists(st.floats(0.05, 0.3), min_size=n, max_size=n)) for _ in range(n)]
        )
        np.fill_diagonal(weights, 1.0)
        ideal = np.eye(n)
        prefs = [
            Preferences(
                ideal[j : j + 1], (weights[j] / weights[j].sum())[None], shape, np.array([risk])
            )
            for j in range(n)
        ]
        space = PackageSpace(prefs, RedLines(np.zeros(n), np.ones(n)))
        d = np.array(data.draw(st.lists(st.floats(0.0, 0.3), min_size=n, max_size=n)))
        found = solve(space, d, np.ones(n))
        rational = found["rational"]
        ratios = (found["kalai_smorodinsky"].utility - d) / rational.gains
        step = largest_step(space, d, rational.gains)[0]
        np.testing.assert_allclose(ratios, step, atol=1e-6)

    @FAST
    @given(spaces(risk=1.0), st.lists(st.floats(0.2, 1.0), min_size=5, max_size=5))
    def test_nash_and_ks_ignore_rescaled_utilities(self, problem, scales):
        """Nash (1950) and Kalai & Smorodinsky (1975): multiplying an agent's utility (and its d)
        by a positive number moves no solution. (Saliences scaled by c scale U = A by c.)"""
        space, d = problem
        scale = np.array(scales[: space.n])
        rescaled = PackageSpace(
            [
                Preferences(p.ideal, p.salience * c, p.shape, p.risk)
                for p, c in zip(space.preferences, scale, strict=True)
            ],
            space.box,
        )
        plain, moved = (
            solve(space, d, np.ones(space.n)),
            solve(rescaled, d * scale, np.ones(space.n)),
        )
        np.testing.assert_allclose(
            space.utility(moved["nash"].package)[0], plain["nash"].utility, atol=1e-6
        )
        # KS: the same share of every ideal gain (to the solvers' precision). Where the ray from
        # d ends at a weakly efficient point, the agents above that share get what a final local
        # search finds, which need not be the same point for the rescaled problem (seen: 2e-4
        # apart); where every agent gets the share, the solution is unique and must not move.
        gains = plain["rational"].gains
        gaining = gains > 0
        ks_plain = (plain["kalai_smorodinsky"].utility - d)[gaining] / gains[gaining]
        ks_moved = (space.utility(moved["kalai_smorodinsky"].package)[0] - d)[gaining]
        assert (ks_moved / gains[gaining]).min() == pytest.approx(ks_plain.min(), abs=1e-6)
        if np.ptp(ks_plain) < 1e-6:
            np.testing.assert_allclose(
                space.utility(moved["kalai_smorodinsky"].package)[0],
                plain["kalai_smorodinsky"].utility,
                atol=1e-5,
            )

    @FAST
    @given(st.integers(3, 5), st.sampled_from(["linear", "quadratic"]), st.sampled_from([0.5, 1.0]))
    def test_symmetric_problems_give_equal_utilities(self, n, shape, risk):
        """Nash's (1950) symmetry axiom, and KS's and the utilitarian one's: n agents, issue k
        is agent k's (ideal 1, salience 0.6, the others 0.4 / (n - 1) with ideal 0): permuting
        agents and issues together maps the problem to itself."""
        ideal = np.eye(n)
        weights = np.full((n, n), 0.4 / (n - 1))
        np.fill_diagonal(weights, 0.6)
        space = PackageSpace(
            [
                Preferences(ideal[j : j + 1], weights[j : j + 1], shape, np.array([risk]))
                for j in range(n)
            ],
            RedLines(np.zeros(n), np.ones(n)),
        )
        found = solve(space, np.full(n, 0.1), np.ones(n))
        for name in ("nash", "kalai_smorodinsky", "utilitarian"):
            u = found[name].utility
            np.testing.assert_allclose(u, u.mean(), atol=1e-6, err_msg=name)

    @FAST
    @given(spaces(), st.floats(0.1, 10))
    def test_equal_weights_give_the_symmetric_nash_solution(self, problem, weight):
        space, d = problem
        rational = rational_set(space, d)
        plain = nash_solution(space, d, rational=rational)
        weighted = nash_solution(space, d, np.full(space.n, weight), rational=rational)
        if plain is not None:
            np.testing.assert_allclose(weighted.utility, plain.utility, atol=1e-7)

    @FAST
    @given(spaces(risk=1.0, agents=(3, 3)))
    def test_a_heavier_agent_gains_more_under_weighted_nash(self, problem):
        """Roth (1979): raising one agent's weight never lowers its weighted-Nash utility."""
        space, d = problem
        rational = rational_set(space, d)
        if rational is None:
            return
        light = nash_solution(space, d, [1.0, 1.0, 1.0], rational=rational)
        heavy = nash_solution(space, d, [4.0, 1.0, 1.0], rational=rational)
        assert heavy.utility[0] >= light.utility[0] - 1e-6


# ---------------------------------------------------------------------------------------------
# The Pareto gap


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_instances(max_issues=2), st.integers(0, 2**32 - 1))
def test_pareto_gap_against_brute_force(scenario, seed):
    """The most every agent could gain at once, max_y min_j U_j(y) - U_j(x), by grid search."""
    result = analyse_scenario(scenario)
    rng = np.random.default_rng(seed)
    box = result.box
    packages = box.low + (box.high - box.low) * rng.random((3, len(box.low)))
    gaps = frontier_gap(result, packages)
    solver = Independent(scenario)
    for x, gap in zip(packages, gaps, strict=True):
        base = solver.utility(x[None])[0]
        best = solver.maximise(lambda u, base=base: (u - base).min(axis=1))[0]
        assert gap >= best - 1e-8  # a single SLSQP search: to about 1e-9
        assert gap == pytest.approx(best, abs=1e-6)


# ---------------------------------------------------------------------------------------------
# The scenario, summary.json and the run-time columns


def three_agents_data(weights=(1.0, 1.0, 2.0)) -> dict:
    """us_china_2024's issues and agents with a third, the EU (between the two, no red lines)."""
    data = yaml.safe_load((shipped_folder("scenarios") / "us_china_2024.yaml").read_text())
    eu = json.loads(json.dumps(data["agents"]["us"]))
    eu["label"] = "European Union"
    eu.pop("red_lines", None)
    for node in eu["preferences"].values():
        node["ideal"] = round(0.5 * node["ideal"] + 0.25, 3)
    data["agents"]["eu"] = eu
    for name, w in zip(("us", "china", "eu"), weights, strict=True):
        data["agents"][name]["weight"] = w
    data["negotiation"]["protocol"] = "issue_by_issue"
    return data


def three_agents(weights=(1.0, 1.0, 2.0)):
    return validate(three_agents_data(weights), "three.yaml")


class TestThreeAgentScenario:
    def test_to_dict(self):
        result = analyse_scenario(three_agents())
        data = result.to_dict()
        assert json.loads(json.dumps(data, allow_nan=False)) == data
        assert data["agents"] == ["us", "china", "eu"]
        assert data["weights"] == {"us": 0.25, "china": 0.25, "eu": 0.5}
        assert data["frontier"] is None and data["rubinstein"] is None
        assert "every agent could have gained at once" in data["frontier_gap_meaning"]
        for name in ("nash", "weighted_nash", "kalai_smorodinsky", "utilitarian"):
            assert set(data[name]["utility"]) == {"us", "china", "eu"}, name
            gains = np.array(list(data[name]["gain"].values()))
            assert (gains >= -1e-9).all(), name
        assert data["nash"]["nash_product"] == pytest.approx(
            np.prod(list(data["nash"]["gain"].values()))
        )
        assert set(data["disagreement"]["utility"]) == {"us", "china", "eu"}
        assert "Rubinstein (1982) is not defined for more than two agents" in data["notes"]
        assert list(result.solutions) == [
            "nash",
            "weighted_nash",
            "kalai_smorodinsky",
            "utilitarian",
        ]
        # the weighted product is largest at its own solution
        w = result.weights
        gains = {n: s.utility - result.disagreement_utility for n, s in result.solutions.items()}
        best = max(gains, key=lambda n: float(w @ np.log(np.maximum(gains[n], 1e-300))))
        assert best == "weighted_nash"

    def test_equal_weights_list_weighted_nash_only_in_the_dict(self):
        result = analyse_scenario(three_agents((1.0, 1.0, 1.0)))
        assert "weighted_nash" not in result.solutions
        np.testing.assert_array_equal(result.weighted_nash.package, result.nash.package)
        assert result.to_dict()["weighted_nash"]["utility"] == result.to_dict()["nash"]["utility"]

    def test_no_rational_package(self):
        scenario = make_many(
            [([0.0], [1.0], "linear", 1.0, 0.9, 1.0), ([1.0], [1.0], "linear", 1.0, 0.9, 1.0)]
            + [([0.5], [1.0], "linear", 1.0, 0.0, 1.0)],
            [0.5],
        )
        result = analyse_scenario(scenario)
        assert result.nash is None and result.weighted_nash is None and result.ideal_utility is None
        assert any("every agent at least its disagreement utility" in n for n in result.notes)
        assert result.to_dict()["kalai_smorodinsky"] is None

    def test_theory_columns(self):
        """The run-time columns for three agents: utilities, distances and the Pareto gap."""
        scenario = three_agents()
        comparison._analyses.clear()
        result = comparison.scenario_theory(scenario)
        agreed = np.vstack(
            [
                result.nash.package,
                result.kalai_smorodinsky.package,
                result.box.low,
                np.nan * result.box.low,
            ]
        )
        space = result.space
        agents = [
            SimpleNamespace(name=name, utility=lambda x, j=j: space.utility(x)[:, j])
            for j, name in enumerate(result.agents)
        ]
        model = SimpleNamespace(n=4, scenario=scenario, state_agents=agents, first_agreement=agreed)
        columns = comparison.theory_columns(model)
        assert set(columns) == {
            "agreement_utility_us",
            "agreement_utility_china",
            "agreement_utility_eu",
            "distance_nash",
            "distance_weighted_nash",
            "distance_kalai_smorodinsky",
            "distance_utilitarian",
            "frontier_gap",
        }
        np.testing.assert_allclose(
            columns["agreement_utility_eu"][:3], space.utility(agreed[:3])[:, 2]
        )
        assert columns["distance_nash"][0] == 0.0
        assert columns["distance_kalai_smorodinsky"][1] == 0.0
        np.testing.assert_allclose(columns["frontier_gap"][:2], 0.0, atol=1e-9)
        assert columns["frontier_gap"][2] > 0.01  # the box's lowest corner wastes a lot
        assert all(np.isnan(column[3]) for column in columns.values())
        expected = distance_from(result, agreed)["kalai_smorodinsky"].utility
        np.testing.assert_array_equal(columns["distance_kalai_smorodinsky"], expected)
        comparison._analyses.clear()

    def test_summary_section_names_every_distance(self):
        class Moments:
            def estimate(self, name):
                return {"estimate": 0.1, "ci95": None, "name": name}

        section = comparison.theory_summary(three_agents(), Moments())
        assert set(section["simulated"]) == {
            "distance_from_nash",
            "distance_from_weighted_nash",
            "distance_from_kalai_smorodinsky",
            "distance_from_utilitarian",
            "frontier_gap",
        }
        equal = comparison.theory_summary(three_agents((1.0, 1.0, 1.0)), Moments())
        assert "distance_from_weighted_nash" not in equal["simulated"]


@pytest.mark.slow
def test_cli_for_three_agents(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(three_agents_data(), sort_keys=False))
    done = negsim_theory(str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("issue "))
    assert "ideal us" in header and "ideal eu" in header and "weighted Nash" in header
    assert any(line.startswith("eu (European Union)") for line in lines)
    assert "while every other agent keeps its disagreement utility" in done.stdout
    assert (
        "weighted Nash: each gain raised to its agent's weight (us 0.25, china 0.25, eu 0.5)"
        in (done.stdout)
    )
    assert "Rubinstein (1982) is not defined for more than two agents" in done.stdout
    result = analyse_scenario(three_agents())
    row = next(line for line in lines if line.startswith("military_channels"))
    assert (
        f"{result.nash.package[2]:.4f}" in row and f"{result.weighted_nash.package[2]:.4f}" in row
    )
    as_json = negsim_theory("--json", str(path))
    data = json.loads(as_json.stdout)
    assert data["agents"] == ["us", "china", "eu"] and data["frontier"] is None
    assert data["kalai_smorodinsky"]["utility"]["eu"] == pytest.approx(
        result.kalai_smorodinsky.utility[2]
    )
