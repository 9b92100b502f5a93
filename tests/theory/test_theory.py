"""Bargaining theory (sim.theory, negsim-theory) against closed forms and published results.

Sources: Nash (1950) Econometrica 18; Kalai & Smorodinsky (1975) Econometrica 43; Rubinstein
(1982) Econometrica 50; Zeuthen (1930) and Harsanyi (1956) Econometrica 24; Kihlstrom, Roth &
Schmeidler (1981) on risk aversion in Nash bargaining.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.core.offers import OfferPlan
from sim.core.red_lines import RedLines
from sim.scenario.distributions import Uniform
from sim.scenario.errors import ScenarioError
from sim.theory.axiomatic import kalai_smorodinsky_solution, nash_product, nash_solution
from sim.theory.frontier import Frontier, scenario_frontier
from sim.theory.problem import (
    disagreement_point,
    disagreement_utility,
    feasible_box,
    with_medians,
)
from sim.theory.results import analyse_replications, analyse_scenario, distance_from, frontier_gap
from sim.theory.rubinstein import rubinstein_share, rubinstein_solution

NEGSIM_THEORY = str(Path(sys.executable).with_name("negsim-theory"))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_scenario(
    ideal_a,
    salience_a,
    ideal_b,
    salience_b,
    *,
    shape=("linear", "linear"),
    risk=(1.0, 1.0),
    reservation=(0.0, 0.0),
    red_lines=(None, None),
    status_quo=None,
    direction=None,
    discount=(1.0, 1.0),
    strategy="time_dependent",
    params=None,
    protocol="alternating_offers",
    rounds=20,
    first_proposer="a",
    disagreement="reservation",
):
    """A two-agent scenario through the real validator (issues x0, x1, ...); ``direction``:
    per issue, ``up``, ``down`` or ``both`` (the default)."""
    issues = [f"x{i}" for i in range(len(ideal_a))]
    status_quo = status_quo if status_quo is not None else [0.5] * len(issues)
    direction = direction if direction is not None else ["both"] * len(issues)

    def agent(k, ideal, salience):
        node = {
            "utility": shape[k],
            "risk": risk[k],
            "reservation": reservation[k],
            "discount": discount[k],
            "strategy": {"name": strategy, "params": dict(params or {})},
            "preferences": {
                issue: {"ideal": float(p), "salience": float(w)}
                for issue, p, w in zip(issues, ideal, salience, strict=True)
            },
        }
        if red_lines[k]:
            node["red_lines"] = {
                issues[i]: {"min": float(lo), "max": float(hi)} for i, (lo, hi) in red_lines[k]
            }
        return node

    data = {
        "negotiation": {
            "protocol": protocol,
            "sessions": 1,
            "rounds": rounds,
            "first_proposer": first_proposer,
            "disagreement": disagreement,
        },
        "issues": {
            issue: {"status_quo": q, "direction": way}
            for issue, q, way in zip(issues, status_quo, direction, strict=True)
        },
        "agents": {"a": agent(0, ideal_a, salience_a), "b": agent(1, ideal_b, salience_b)},
    }
    return validate(data, "test.yaml")


def solve(scenario, disagreement=None):
    return analyse_scenario(scenario, disagreement)


# ---------------------------------------------------------------------------------------------
# Random instances

unit = st.floats(0.0, 1.0, allow_subnormal=False).map(lambda x: round(x, 3))
weight = st.floats(0.05, 1.0).map(lambda x: round(x, 3))
shapes = st.sampled_from(["linear", "quadratic"])


def red_line(draw, ideal: float, common: float):
    """None, or an interval holding the agent's ideal and a value ``common`` to both agents."""
    if not draw(st.booleans()):
        return None
    lo, hi = min(ideal, common), max(ideal, common)
    return round(lo * draw(unit), 3), round(hi + (1.0 - hi) * draw(unit), 3)


@st.composite
def instances(
    draw, max_issues=3, shape=None, risky=True, lines=True, reservation=0.3, one_way=False, **setup
):
    """Random two-agent scenarios; ``setup`` goes to :func:`make_scenario` as it is.
    ``one_way``: every issue may only rise or only fall from a status quo that leaves both
    agents' red lines some value on that side."""
    n = draw(st.integers(1, max_issues))
    ideal_a = draw(st.lists(unit, min_size=n, max_size=n))
    ideal_b = draw(st.lists(unit, min_size=n, max_size=n))
    lines_a, lines_b = [], []
    for i in range(n):
        common = draw(unit)
        for lines_k, ideal in ((lines_a, ideal_a[i]), (lines_b, ideal_b[i])):
            line = red_line(draw, ideal, common) if lines else None
            if line:
                lines_k.append((i, line))
    status_quo = draw(st.lists(unit, min_size=n, max_size=n))
    direction = ["both"] * n
    if one_way:
        for i in range(n):
            direction[i] = draw(st.sampled_from(["up", "down"]))
            bounds = [line for k, line in (*lines_a, *lines_b) if k == i]
            if direction[i] == "up":
                status_quo[i] = min([status_quo[i], *(hi for _, hi in bounds)])
            else:
                status_quo[i] = max([status_quo[i], *(lo for lo, _ in bounds)])
    return make_scenario(
        ideal_a,
        draw(st.lists(weight, min_size=n, max_size=n)),
        ideal_b,
        draw(st.lists(weight, min_size=n, max_size=n)),
        shape=shape or (draw(shapes), draw(shapes)),
        risk=(draw(st.sampled_from([0.5, 1.0, 2.0])), draw(st.sampled_from([0.5, 1.0, 2.0])))
        if risky
        else (1.0, 1.0),
        reservation=(
            round(draw(st.floats(0, reservation)), 3),
            round(draw(st.floats(0, reservation)), 3),
        ),
        red_lines=(lines_a, lines_b),
        status_quo=status_quo,
        direction=direction,
        **setup,
    )


@st.composite
def symmetric_instances(draw):
    """Agent b is a's mirror image (x -> 1 - x), so swapping the agents changes nothing."""
    n = draw(st.integers(1, 3))
    ideal = draw(st.lists(unit, min_size=n, max_size=n))
    salience = draw(st.lists(weight, min_size=n, max_size=n))
    lines_a = [(i, line) for i in range(n) if (line := red_line(draw, ideal[i], 0.5))]
    lines_b = [(i, (round(1 - hi, 3), round(1 - lo, 3))) for i, (lo, hi) in lines_a]
    shape = draw(shapes)
    risk = draw(st.sampled_from([0.5, 0.8, 1.0]))  # <= 1: a convex feasible set
    r = round(draw(st.floats(0, 0.3)), 3)
    return make_scenario(
        ideal,
        salience,
        [round(1 - p, 3) for p in ideal],
        salience,
        shape=(shape, shape),
        risk=(risk, risk),
        reservation=(r, r),
        red_lines=(lines_a, lines_b),
    )


def every_red_line(scenario) -> list[RedLines]:
    names = scenario.issue_names
    return [
        RedLines(
            np.array([agent.red_lines.get(i, (0.0, 1.0))[0] for i in names]),
            np.array([agent.red_lines.get(i, (0.0, 1.0))[1] for i in names]),
        )
        for agent in scenario.agents
    ]


# ---------------------------------------------------------------------------------------------
# Closed forms


class TestSymmetricSplit:
    def test_split_the_pie_splits_in_half(self, split_the_pie):
        """Nash (1950) symmetry axiom, Kalai & Smorodinsky (1975): a symmetric problem (one unit
        pie, linear utilities, d = (0, 0)) is split 1/2 : 1/2."""
        result = solve(split_the_pie)
        assert result.disagreement == "reservation"
        np.testing.assert_allclose(result.disagreement_utility, [0.0, 0.0])
        for name in ("nash", "kalai_smorodinsky", "utilitarian"):
            solution = result.solutions[name]
            np.testing.assert_allclose(solution.package, [0.5], atol=1e-9, err_msg=name)
            np.testing.assert_allclose(solution.utility, [0.5, 0.5], atol=1e-9, err_msg=name)


class TestRubinstein:
    @pytest.mark.parametrize(
        ("d1", "d2", "share"),
        [
            (0.9, 0.8, 5 / 7),
            (0.8, 0.9, 1 / 2.8),
            (0.5, 0.5, 2 / 3),
            (0.9, 0.9, 10 / 19),
            (0.0, 0.7, 0.3),
            (1.0, 0.5, 1.0),
            (0.5, 1.0, 0.0),
        ],
    )
    def test_first_proposer_share(self, d1, d2, share):
        """Rubinstein (1982), Theorem: the first proposer gets (1 - d2) / (1 - d1 d2)."""
        assert rubinstein_share(d1, d2) == pytest.approx(share, abs=1e-12)

    def test_equal_patience_tends_to_half(self):
        """Rubinstein (1982): with d1 = d2 = d the share 1 / (1 + d) tends to 1/2 as d -> 1."""
        errors = [abs(rubinstein_share(1 - eps, 1 - eps) - 0.5) for eps in (1e-1, 1e-3, 1e-6)]
        assert errors[0] > errors[1] > errors[2]
        assert errors[2] < 1e-6

    @pytest.mark.parametrize(("r1", "r2"), [(1.0, 1.0), (1.0, 3.0), (0.2, 0.05)])
    def test_continuous_time_limit(self, r1, r2):
        """Rubinstein (1982), section 5; Binmore, Rubinstein & Wolinsky (1986): with
        d_i = exp(-r_i dt), the share tends to r2 / (r1 + r2) = log d2 / (log d1 + log d2)."""
        for dt in (1e-2, 1e-4, 1e-6):
            d1, d2 = math.exp(-r1 * dt), math.exp(-r2 * dt)
            limit = math.log(d2) / (math.log(d1) + math.log(d2))
            assert limit == pytest.approx(r2 / (r1 + r2), rel=1e-9)
            assert abs(rubinstein_share(d1, d2) - limit) <= 2 * max(r1, r2) * dt

    def test_no_discounting_has_no_unique_split(self):
        with pytest.raises(ValueError, match="every split"):
            rubinstein_share(1.0, 1.0)

    def test_split_the_pie_maps_shares_to_the_issue(self, split_the_pie):
        """a (d = 0.9) proposes first against b (d = 0.8): a's share 0.2 / 0.28 = 5/7."""
        solution = rubinstein_solution(split_the_pie)
        assert (solution.proposer, solution.responder) == ("a", "b")
        assert solution.proposer_share == pytest.approx(5 / 7)
        assert solution.responder_share == pytest.approx(2 / 7)
        np.testing.assert_allclose(solution.package, [5 / 7])
        np.testing.assert_allclose(solution.utility, [5 / 7, 2 / 7])
        assert solution.inside_red_lines

    def test_responder_first_and_mirrored_issue(self):
        """b (ideal 0, d = 0.8) proposes first: b gets (1 - 0.9) / (1 - 0.72) = 5/14, so the issue
        (a's share) is 1 - 5/14 = 9/14."""
        scenario = make_scenario(
            [1.0], [1.0], [0.0], [1.0], discount=(0.9, 0.8), first_proposer="b"
        )
        solution = rubinstein_solution(scenario)
        assert solution.proposer == "b"
        np.testing.assert_allclose(solution.package, [9 / 14])

    def test_not_defined_outside_one_issue_with_opposite_ideals(self, us_china):
        assert rubinstein_solution(us_china) is None
        inner = make_scenario([0.8], [1.0], [0.0], [1.0], discount=(0.9, 0.9))
        assert rubinstein_solution(inner) is None
        result = solve(inner)
        assert result.rubinstein is None and any("opposite ends" in n for n in result.notes)


class TestHandWorked:
    def test_logrolling_nash_gives_each_its_important_issue(self):
        """Two issues, ideals opposite, a cares 0.8/0.2 and b 0.2/0.8, d = (0, 0).

        The frontier: a first concedes issue 2 (b gains 0.8 for a's 0.2), then issue 1 (b gains
        0.2 for a's 0.8). On the first segment N = t * 4(1 - t) (t = U_a in [0.8, 1]) falls with
        t; on the second N = t (1 - t / 4) rises with t: the maximum is the kink, x = (1, 0),
        u = (0.8, 0.8), N = 0.64 (Nash 1950; the logrolling of Raiffa 1982). The problem is
        symmetric, so Kalai-Smorodinsky agrees; the sum 1.6 is the utilitarian maximum too.
        """
        scenario = make_scenario([1.0, 1.0], [0.8, 0.2], [0.0, 0.0], [0.2, 0.8])
        result = solve(scenario)
        for name in ("nash", "kalai_smorodinsky", "utilitarian"):
            solution = result.solutions[name]
            np.testing.assert_allclose(solution.package, [1.0, 0.0], atol=1e-9, err_msg=name)
            np.testing.assert_allclose(solution.utility, [0.8, 0.8], atol=1e-9, err_msg=name)
        assert nash_product(result.nash.utility, [0, 0]) == pytest.approx(0.64)

    def test_kalai_smorodinsky_with_a_red_line_capping_a(self):
        """One pie, x = a's share, b never concedes more than 0.6 (red line x <= 0.6), d = 0.

        Ideal point I = (0.6, 1). KS: x / 0.6 = (1 - x) / 1, so x = 0.375, u = (0.375, 0.625)
        (Kalai & Smorodinsky 1975): a's smaller ideal gain lowers its share. Nash ignores the
        cut, which misses the unconstrained maximiser x = 1/2 (independence of irrelevant
        alternatives, Nash 1950).
        """
        scenario = make_scenario([1.0], [1.0], [0.0], [1.0], red_lines=(None, [(0, (0.0, 0.6))]))
        result = solve(scenario)
        np.testing.assert_allclose(result.ideal_utility, [0.6, 1.0], atol=1e-12)
        np.testing.assert_allclose(result.kalai_smorodinsky.package, [0.375], atol=1e-9)
        np.testing.assert_allclose(result.kalai_smorodinsky.utility, [0.375, 0.625], atol=1e-9)
        np.testing.assert_allclose(result.nash.package, [0.5], atol=1e-9)

    def test_quadratic_utility(self):
        """a quadratic (U_a = 1 - (1 - x)^2), b linear (U_b = 1 - x), d = 0, ideal point (1, 1).

        KS: U_a = U_b gives (1 - x)^2 = x, x = (3 - sqrt 5) / 2 and u = ((sqrt 5 - 1) / 2) twice.
        Nash: d/dx [(2x - x^2)(1 - x)] = 3x^2 - 6x + 2 = 0, x = 1 - 1/sqrt 3, u = (2/3, 1/sqrt 3).
        """
        scenario = make_scenario([1.0], [1.0], [0.0], [1.0], shape=("quadratic", "linear"))
        result = solve(scenario)
        golden = (math.sqrt(5) - 1) / 2
        np.testing.assert_allclose(result.kalai_smorodinsky.package, [(3 - math.sqrt(5)) / 2])
        np.testing.assert_allclose(result.kalai_smorodinsky.utility, [golden, golden], atol=1e-9)
        np.testing.assert_allclose(result.nash.package, [1 - 1 / math.sqrt(3)], atol=1e-7)
        np.testing.assert_allclose(result.nash.utility, [2 / 3, 1 / math.sqrt(3)], atol=1e-9)

    @pytest.mark.parametrize("rho", [0.25, 0.5, 1.0, 2.0])
    def test_risk_aversion_costs_in_nash_bargaining(self, rho):
        """U_a = x^rho, U_b = 1 - x, d = 0: maximising x^rho (1 - x) gives x = rho / (1 + rho):
        the more risk averse side gets less (Kihlstrom, Roth & Schmeidler 1981)."""
        scenario = make_scenario([1.0], [1.0], [0.0], [1.0], risk=(rho, 1.0))
        np.testing.assert_allclose(solve(scenario).nash.package, [rho / (1 + rho)], atol=1e-7)

    def test_disagreement_points(self, us_china):
        """status_quo: U(status quo); reservation; the default follows the simulation, whose
        session floor is max(reservation, U(status quo)) (StateAgent.start_session)."""
        _, at_status_quo = disagreement_point(us_china, "status_quo")
        _, reservation = disagreement_point(us_china, "reservation")
        kind, default = disagreement_point(us_china)
        assert kind == "session_floor"
        np.testing.assert_allclose(reservation, [0.2, 0.3])
        np.testing.assert_allclose(default, np.maximum(reservation, at_status_quo))
        model = NegotiationModel(us_china, replications=1, seed=1)
        model.step()
        # The session floor before a domestic win-set raises it (the win-set restricts the
        # ratifiable deals instead: sim.theory.ratifiable).
        floors = [agent.floor_abroad[0] for agent in model.state_agents]
        np.testing.assert_allclose(default, floors, atol=1e-15)
        us = model.state_agents[0]
        assert us.floor[0] == max(us.floor_abroad[0], 0.2)

    def test_empty_feasible_set_is_a_scenario_error(self):
        scenario = make_scenario(
            [1.0, 0.9],
            [0.5, 0.5],
            [0.0, 0.1],
            [0.5, 0.5],
            red_lines=([(1, (0.7, 1.0))], [(1, (0.0, 0.3))]),
        )
        with pytest.raises(ScenarioError, match=r"agents\.b\.red_lines\.x1: .*no value of 'x1'"):
            feasible_box(scenario)

    def test_a_one_way_issue_cuts_the_feasible_set_at_the_status_quo(self):
        """One pie, x = a's share, status quo .6 and an agreement may only raise x: the
        feasible set is [.6, 1], where the Nash product x (1 - x) (d = 0) falls, so Nash gives
        a .6 (the status quo: b cannot take back what a already has); Rubinstein's split
        10/19 (d_a = d_b = .9) lies outside it. Down from .6: [0, .6] holds the interior maximum."""
        up = make_scenario(
            [1.0], [1.0], [0.0], [1.0], status_quo=[0.6], direction=["up"], discount=(0.9, 0.9)
        )
        result = solve(up)
        assert (result.box.low.tolist(), result.box.high.tolist()) == ([0.6], [1.0])
        np.testing.assert_allclose(result.nash.package, [0.6], atol=1e-9)
        np.testing.assert_allclose(result.nash.utility, [0.6, 0.4], atol=1e-9)
        assert result.rubinstein.package[0] == pytest.approx(1 / 1.9)
        assert not result.rubinstein.inside_red_lines
        down = make_scenario([1.0], [1.0], [0.0], [1.0], status_quo=[0.6], direction=["down"])
        result = solve(down)
        assert (result.box.low.tolist(), result.box.high.tolist()) == ([0.0], [0.6])
        np.testing.assert_allclose(result.nash.package, [0.5], atol=1e-9)

    def test_a_one_way_status_quo_must_be_a_fixed_number(self):
        scenario = make_scenario([1.0], [1.0], [0.0], [1.0], direction=["up"])
        issue = replace(scenario.issues[0], status_quo=Uniform(0.2, 0.4))
        drawn = replace(scenario, issues=(issue,))
        with pytest.raises(ScenarioError, match=r"issues\.x0\.status_quo: .*fixed number"):
            feasible_box(drawn)
        np.testing.assert_allclose(feasible_box(with_medians(drawn)[0]).low, [0.3])

    def test_no_rational_agreement_gives_no_solutions(self):
        """Reservations 0.6 + 0.6 exceed the pie: nothing beats disagreement for both."""
        scenario = make_scenario([1.0], [1.0], [0.0], [1.0], reservation=(0.6, 0.6))
        result = solve(scenario)
        assert result.nash is result.kalai_smorodinsky is result.utilitarian is None
        assert result.notes and "do not exist" in result.notes[0]
        json.dumps(result.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Properties


class Rescaled:
    """The frontier with utilities ``scale * U + shift`` (a positive affine map)."""

    def __init__(self, frontier: Frontier, scale, shift):
        self._inner, self.scale, self.shift = frontier, np.asarray(scale), np.asarray(shift)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def utility(self, packages):
        return self._inner.utility(packages) * self.scale + self.shift

    def utilities(self, t):
        return self.utility(self._inner.package(t))


@pytest.mark.slow
class TestProperties:
    @FAST
    @given(instances(), st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)), st.floats(-2, 2))
    def test_nash_and_ks_ignore_positive_affine_rescaling(self, scenario, scale, shift):
        """Nash (1950) and Kalai & Smorodinsky (1975) axiom: rescaling a utility (and d with it)
        by a positive affine map leaves the agreed package where it was."""
        frontier = scenario_frontier(scenario)
        _, d = disagreement_point(scenario)
        rescaled = Rescaled(frontier, scale, [shift, -shift])
        d_rescaled = d * np.asarray(scale) + [shift, -shift]
        for solve_with in (nash_solution, kalai_smorodinsky_solution):
            plain, moved = solve_with(frontier, d), solve_with(rescaled, d_rescaled)
            assert (plain is None) == (moved is None)
            if plain is not None:
                np.testing.assert_allclose(
                    frontier.utility(moved.package), [plain.utility], atol=1e-6
                )

    @FAST
    @given(symmetric_instances())
    def test_symmetric_problems_have_symmetric_answers(self, scenario):
        """Nash (1950) symmetry axiom (also KS and utilitarian): equal utilities; with strictly
        concave (quadratic) utilities the package itself is the mirror image of itself."""
        result = solve(scenario)
        for name, solution in result.solutions.items():
            assert solution.utility[0] == pytest.approx(solution.utility[1], abs=1e-6), name
            if scenario.agents[0].utility == "quadratic":
                np.testing.assert_allclose(solution.package, 1 - solution.package, atol=1e-5)

    @FAST
    @given(instances(), st.integers(0, 2**32 - 1))
    def test_frontier_is_pareto_optimal(self, scenario, seed):
        """No feasible package is better for both than any sampled frontier point."""
        result = solve(scenario)
        box = result.box
        rng = np.random.default_rng(seed)
        packages = box.low + (box.high - box.low) * rng.random((4000, len(box.low)))
        others = result.frontier.utility(packages)
        for point in result.frontier_utility:
            dominates = (others >= point + 1e-9).all(axis=1)
            assert not dominates.any(), (point, others[dominates][:3])
        gap = frontier_gap(result, result.frontier_packages)
        np.testing.assert_allclose(gap, 0.0, atol=1e-9)

    @FAST
    @given(instances())
    def test_every_solution_crosses_no_red_line(self, scenario):
        result = solve(scenario)
        for name, solution in result.solutions.items():
            if name == "rubinstein":
                continue
            for lines in every_red_line(scenario):
                assert lines.admits(solution.package[None])[0], (name, solution.package)

    @FAST
    @given(instances(one_way=True))
    def test_every_solution_moves_a_one_way_issue_only_its_way(self, scenario):
        result = solve(scenario)
        status_quo = np.array([issue.status_quo for issue in scenario.issues])
        up = np.array([issue.direction == "up" for issue in scenario.issues])
        for lines in every_red_line(scenario):
            assert lines.admits(result.frontier_packages).all()
        for name, solution in result.solutions.items():
            if name == "rubinstein":
                continue
            moved = solution.package - status_quo
            assert np.all(np.where(up, moved, -moved) >= -1e-9), (name, solution.package)

    @FAST
    @given(instances(lines=False, risky=False), unit)
    def test_frontier_is_the_efficient_offer_of_sim_offers(self, scenario, share):
        """Without red lines the frontier at level t is a's efficient offer (sim.core.offers)
        for a budget of ``t_max - t``, at the agents' precision too. (Not the offer at
        aspiration t: an aspiration's budget counts from 1, the frontier's from a's utility at
        its ideal, the sum of its saliences, which can miss 1 by an ulp; for a quadratic a that
        ulp of budget moves the package by ~1e-8.)"""
        frontier = scenario_frontier(scenario)
        t = frontier.t_min + share * (frontier.t_max - frontier.t_min)
        plan = OfferPlan(frontier.a, frontier.b, np.zeros(1), np.ones(1))
        offer = plan.package(np.array([frontier.t_max - t]))
        np.testing.assert_allclose(frontier.package([t]), offer, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Exact against an independent optimiser


STARTS = 4  # SLSQP starts per problem


def brute_force(scenario, d):
    """Nash, ideal, KS and utilitarian utilities by SLSQP from several starts, directly over
    the box of issue values. |x - p| is smoothed with epigraph variables s >= |x - p|."""
    frontier = scenario_frontier(scenario)
    prefs = (frontier.a, frontier.b)
    box = frontier.box
    n = len(box.low)

    def utility(z, j):
        x, s = z[:n], z[n * (1 + j) : n * (2 + j)]
        p, w = prefs[j].ideal[0], prefs[j].salience[0]
        loss = s if prefs[j].shape == "linear" else (x - p) ** 2
        return max(float(np.sum(w * (1 - loss))), 1e-12) ** prefs[j].risk[0]

    constraints = [
        {
            "type": "ineq",
            "fun": lambda z, j=j, sign=sign: (
                z[n * (1 + j) : n * (2 + j)] - sign * (z[:n] - prefs[j].ideal[0])
            ),
        }
        for j in (0, 1)
        for sign in (1.0, -1.0)
    ]
    bounds = [(lo, hi) for lo, hi in zip(box.low, box.high, strict=True)] + [(0, 1)] * (2 * n)
    rng = np.random.default_rng(0)

    def best(objective, extra=(), lam_bounds=()):
        found = None
        for _ in range(STARTS):
            x0 = box.low + (box.high - box.low) * rng.random(n)
            s0 = [np.abs(x0 - prefs[j].ideal[0]) for j in (0, 1)]
            res = minimize(
                objective,
                np.concatenate([x0, *s0, [0.0] * len(lam_bounds)]),
                method="SLSQP",
                bounds=[*bounds, *lam_bounds],
                constraints=[*constraints, *extra],
                options={"ftol": 1e-15, "maxiter": 1000},
            )
            every = [*constraints, *extra]
            feasible = all(np.all(np.asarray(c["fun"](res.x)) >= -1e-9) for c in every)
            if feasible and (found is None or res.fun < found.fun):
                found = res
        assert found is not None, "SLSQP found no feasible point from any start"
        return np.array([utility(found.x, 0), utility(found.x, 1)])

    rational = [{"type": "ineq", "fun": lambda z, j=j: utility(z, j) - d[j]} for j in (0, 1)]
    nash = best(lambda z: -(utility(z, 0) - d[0]) * (utility(z, 1) - d[1]), rational)
    ideal = np.array([best(lambda z, j=j: -utility(z, j), rational)[j] for j in (0, 1)])
    # KS: the largest lam with both gains >= lam * ideal gain (lam is one more variable).
    lam = lambda z: z[3 * n]  # noqa: E731
    on_line = [
        {"type": "ineq", "fun": lambda z, j=j: utility(z, j) - d[j] - lam(z) * (ideal[j] - d[j])}
        for j in (0, 1)
    ]
    ks = best(lambda z: -lam(z), [*rational, *on_line], lam_bounds=[(0, 1)])
    total = best(lambda z: -(utility(z, 0) + utility(z, 1)), rational)
    return {"nash": nash, "ideal": ideal, "kalai_smorodinsky": ks, "utilitarian": total}


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(instances(max_issues=2, reservation=0.2))
def test_solutions_are_exact_against_slsqp(scenario):
    """The scalar search over the frontier agrees with SLSQP on the raw problem to 1e-6.

    With risk exponents <= 1 the problem is convex and each solution unique, so the utilities
    must agree; with a risk-seeking side (exponent 2) SLSQP may stop at a local optimum, and
    the frontier search must then do at least as well.
    """
    result = solve(scenario)
    if result.nash is None:
        return
    d = result.disagreement_utility
    reference = brute_force(scenario, d)
    convex = all(agent.risk <= 1.0 for agent in scenario.agents)
    np.testing.assert_allclose(result.ideal_utility, reference["ideal"], atol=1e-6)
    assert nash_product(result.nash.utility, d) >= nash_product(reference["nash"], d) - 1e-9
    total = result.utilitarian.utility.sum()
    assert total >= reference["utilitarian"].sum() - 1e-6
    ideal_gain = result.ideal_utility - d
    lam = np.min((result.kalai_smorodinsky.utility - d) / np.where(ideal_gain > 0, ideal_gain, 1))
    assert (
        lam
        >= np.min((reference["kalai_smorodinsky"] - d) / np.where(ideal_gain > 0, ideal_gain, 1))
        - 1e-6
    )
    if convex:
        np.testing.assert_allclose(result.nash.utility, reference["nash"], atol=1e-6)
        np.testing.assert_allclose(
            result.kalai_smorodinsky.utility, reference["kalai_smorodinsky"], atol=1e-6
        )
        assert total == pytest.approx(reference["utilitarian"].sum(), abs=1e-6)


def test_exact_against_a_dense_grid():
    """One issue, both quadratic, risk 0.5 and 2: a grid of 2,000,001 values brackets the Nash
    product to within its spacing."""
    scenario = make_scenario(
        [0.9],
        [1.0],
        [0.2],
        [1.0],
        shape=("quadratic", "quadratic"),
        risk=(0.5, 2.0),
        reservation=(0.1, 0.05),
    )
    result = solve(scenario)
    d = result.disagreement_utility
    grid = np.linspace(0, 1, 2_000_001)[:, None]
    products = nash_product(result.frontier.utility(grid), d)
    products[(result.frontier.utility(grid) < d).any(axis=1)] = -np.inf
    k = int(np.argmax(products))
    assert nash_product(result.nash.utility, d) >= products[k] - 1e-12
    np.testing.assert_allclose(result.nash.package, grid[k], atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Integration helpers


def test_distance_from_and_to_dict(split_the_pie, us_china):
    result = solve(split_the_pie)
    packages = np.array([[0.5], [5 / 7], [np.nan]])
    distances = distance_from(result, packages)
    assert set(distances) == {"nash", "kalai_smorodinsky", "utilitarian", "rubinstein"}
    np.testing.assert_allclose(distances["nash"].issues[:2], [0.0, 5 / 7 - 0.5])
    np.testing.assert_allclose(distances["nash"].utility[:2], [0.0, math.sqrt(2) * (5 / 7 - 0.5)])
    np.testing.assert_allclose(distances["rubinstein"].utility[1], 0.0, atol=1e-12)
    assert np.isnan(distances["nash"].utility[2]) and np.isnan(distances["nash"].issues[2])
    for scenario in (split_the_pie, us_china):
        data = solve(scenario).to_dict()
        assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["nash"]["package"]["taiwan"] == 0.0
    assert data["feasible_set"]["high"]["sanctions_delisting"] == 0.6
    assert data["rubinstein"] is None


def uncertain_scenario():
    """Two issues whose ideal, salience, risk and reservation are drawn per replication."""
    data = {
        "negotiation": {"rounds": 20, "disagreement": "status_quo"},
        "issues": {
            "x0": {"status_quo": {"dist": "uniform", "low": 0.2, "high": 0.6}},
            "x1": {"status_quo": 0.5},
        },
        "agents": {
            "a": {
                "reservation": {"dist": "beta", "a": 2, "b": 8},
                "risk": {"dist": "choice", "values": [0.5, 1.0, 2.0]},
                "strategy": "time_dependent",
                "preferences": {
                    "x0": {"ideal": {"dist": "uniform", "low": 0.7, "high": 1.0}, "salience": 1.0},
                    "x1": {"ideal": 1.0, "salience": {"dist": "uniform", "low": 0.1, "high": 2}},
                },
            },
            "b": {
                "reservation": 0.1,
                "utility": "quadratic",
                "strategy": "time_dependent",
                "preferences": {
                    "x0": {
                        "ideal": 0.0,
                        "salience": {"dist": "triangular", "low": 0.2, "mode": 0.5, "high": 1},
                    },
                    "x1": {"ideal": {"dist": "uniform", "low": 0.0, "high": 0.3}, "salience": 1.0},
                },
                "red_lines": {"x0": {"max": 0.8}},  # cuts off some of a's drawn ideals
            },
        },
    }
    return validate(data, "uncertain.yaml")


@pytest.mark.slow
class TestUncertainNumbers:
    def test_analyse_scenario_names_the_uncertain_field(self):
        with pytest.raises(
            ScenarioError,
            match=r"uncertain.yaml: agents\.a\.preferences\.x0\.ideal: .*fixed number",
        ):
            analyse_scenario(uncertain_scenario())

    def test_with_medians(self):
        fixed, replaced = with_medians(uncertain_scenario())
        assert "agents.a.risk" in replaced and "issues.x0.status_quo" in replaced
        assert fixed.agents[0].risk == 1.0  # the median of the choice 0.5, 1, 2
        assert fixed.agents[0].ideal["x0"] == pytest.approx(0.85)
        assert sum(fixed.agents[1].salience.values()) == pytest.approx(1.0)
        assert analyse_scenario(fixed).nash is not None

    def test_each_replication_gets_its_own_solution(self):
        """analyse_replications on the model's drawn preferences gives, row by row, what the
        scenario with that replication's numbers written in gives."""
        scenario = uncertain_scenario()
        model = NegotiationModel(scenario, replications=5, seed=3)
        a, b = (agent.preferences for agent in model.state_agents)
        reservation = np.column_stack([agent.reservation for agent in model.state_agents])
        at_status_quo = np.column_stack(
            [agent.utility(model.status_quo) for agent in model.state_agents]
        )
        d = disagreement_utility("session_floor", reservation, at_status_quo)
        theory = analyse_replications(a, b, feasible_box(scenario), d)
        assert len(theory.frontiers) == 5
        for r in range(5):
            one = make_scenario(
                a.ideal[r],
                a.salience[r],
                b.ideal[r],
                b.salience[r],
                shape=("linear", "quadratic"),
                risk=(a.risk[r], b.risk[r]),
                reservation=(float(reservation[r, 0]), 0.1),
                red_lines=(None, [(0, (0.0, 0.8))]),
                status_quo=model.status_quo[r],
                disagreement="status_quo",
            )
            expected = analyse_scenario(one)
            np.testing.assert_allclose(
                theory.disagreement_utility[r], expected.disagreement_utility
            )
            for name in ("nash", "kalai_smorodinsky", "utilitarian"):
                np.testing.assert_allclose(
                    theory.solutions[name].utility[r], expected.solutions[name].utility, atol=1e-9
                )
        distances = distance_from(theory, theory.solutions["nash"].package)
        np.testing.assert_allclose(distances["nash"].utility, 0.0, atol=1e-12)
        np.testing.assert_allclose(
            frontier_gap(theory, theory.solutions["nash"].package), 0.0, atol=1e-9
        )

    def test_fixed_numbers_are_solved_once(self, us_china):
        model = NegotiationModel(us_china, replications=50, seed=3)
        a, b = (agent.preferences for agent in model.state_agents)
        _, d = disagreement_point(us_china)
        theory = analyse_replications(a, b, feasible_box(us_china), d)
        assert len(theory.frontiers) == 1
        np.testing.assert_allclose(
            theory.solutions["nash"].package, np.tile(solve(us_china).nash.package, (50, 1))
        )


# ---------------------------------------------------------------------------------------------
# The simulation against the theory

STEP = 0.005


def zeuthen_instances(one_way=False):
    """Linear, no red lines: both offers then lie on the one frontier (with one-way issues, the
    frontier of the one box both agents share)."""
    return instances(
        shape=("linear", "linear"),
        risky=False,
        lines=False,
        one_way=one_way,
        strategy="zeuthen",
        params={"step": STEP},
        protocol="monotonic_concession",
        rounds=600,
    )


def time_dependent_instances(one_way=False):
    return st.sampled_from([0.3, 1.0, 3.0]).flatmap(
        lambda e: instances(
            shape=("linear", "linear"), risky=False, params={"e": e}, rounds=30, one_way=one_way
        )
    )


def simulate(scenario):
    model = NegotiationModel(scenario, replications=1, seed=7).run()
    columns = model.outcomes()
    package = np.array([[columns[f"value_{i}"][0] for i in scenario.issue_names]])
    return bool(columns["agreement"][0]), package


@FAST
@given(st.booleans().flatmap(lambda one_way: zeuthen_instances(one_way)))
def test_zeuthen_concession_reaches_the_nash_solution(scenario):
    """Zeuthen (1930), Harsanyi (1956): under the monotonic concession protocol the agent with
    the smaller willingness to risk conflict concedes, and r_a <= r_b exactly when
    N(x_a) <= N(x_b): the side whose own offer has the smaller Nash product moves.

    Tolerance. Both offers lie on the frontier (efficient offers, no red lines); along it
    N is unimodal in U_a with maximum N* at the Nash point (gains g_a*, g_b*). An agent only
    concedes from its side of the Nash point, so it passes it by less than one step (STEP of its
    own utility). When the offers cross, the agreed offer is either (i) one a's utility is below
    U_a* by at most STEP, or (ii) one b's is below U_b* by at most STEP; along the frontier the
    other's utility is then at least its Nash value, so N >= (g_a* - STEP) g_b* or
    g_a* (g_b* - STEP): N* - N(agreement) <= STEP * max(g_a*, g_b*).
    """
    result = solve(scenario)
    agreed, package = simulate(scenario)
    if result.nash is None:
        assert not agreed
        return
    d = result.disagreement_utility
    best = nash_product(result.nash.utility, d)
    tolerance = STEP * max(result.nash.utility - d) + 1e-9
    assert agreed
    reached = nash_product(result.frontier.utility(package)[0], d)
    assert best - tolerance <= reached <= best + 1e-9, (package, result.nash.package)


@FAST
@given(st.booleans().flatmap(lambda one_way: time_dependent_instances(one_way)))
def test_efficient_offers_agree_on_the_frontier(scenario):
    """Faratin et al. (1998) trade-off offers: a proposer offers the best package for the
    opponent at its aspiration inside its own red lines; an accepted one also lies inside the
    opponent's, so it is efficient in the feasible set: zero gap to the frontier (linear).
    One-way issues cut both agents' boxes and the theory's feasible set alike."""
    result = solve(scenario)
    agreed, package = simulate(scenario)
    if agreed:
        assert abs(frontier_gap(result, package)[0]) < 1e-6


# ---------------------------------------------------------------------------------------------
# negsim-theory


def negsim_theory(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM_THEORY, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
def test_cli_prints_the_us_china_table(us_china):
    done = negsim_theory("us_china_2024")
    assert done.returncode == 0, done.stderr
    result = solve(us_china)
    lines = done.stdout.splitlines()
    row = next(line for line in lines if line.startswith("military_channels"))
    assert (
        f"{result.nash.package[2]:.4f}" in row
        and f"{result.kalai_smorodinsky.package[2]:.4f}" in row
    )
    assert any(line.startswith("us (United States)") for line in lines)
    assert (
        "session_floor" in done.stdout
        and "Rubinstein (1982) needs exactly one issue" in done.stdout
    )


@pytest.mark.slow
def test_cli_prints_rubinstein_for_split_the_pie(tmp_path):
    done = negsim_theory("split_the_pie", "--disagreement", "status_quo")
    assert done.returncode == 0, done.stderr
    assert "0.7143" in done.stdout and "0.2857" in done.stdout
    assert "Disagreement point: status_quo" in done.stdout
    by_path = negsim_theory(str(Path(__file__).parents[2] / "scenarios" / "split_the_pie.yaml"))
    assert by_path.returncode == 0 and "Rubinstein" in by_path.stdout


@pytest.mark.slow
def test_cli_shows_uncertain_numbers_at_their_medians(tmp_path):
    path = tmp_path / "uncertain.yaml"
    path.write_text(
        "negotiation: {rounds: 5, disagreement: reservation}\n"
        "issues: {x: {status_quo: 0.5}}\n"
        "agents:\n"
        "  a: {reservation: {dist: uniform, low: 0, high: 0.2}, strategy: time_dependent,"
        " preferences: {x: {ideal: 1, salience: 1}}}\n"
        "  b: {reservation: 0, strategy: time_dependent,"
        " preferences: {x: {ideal: 0, salience: 1}}}\n"
    )
    done = negsim_theory(str(path))
    assert done.returncode == 0, done.stderr
    assert "set to their medians: agents.a.reservation" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("a "))
    assert row.split()[1] == "0.1000"  # the disagreement utility: the median reservation


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("agents: [1, 2\n", ("bad.yaml",), "not valid YAML"),
        (None, ("missing.yaml",), "cannot read file"),
        (None, ("split_the_pi",), "did you mean 'split_the_pie'"),
    ],
)
@pytest.mark.slow
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, content, args, expected):
    if content is not None:
        (tmp_path / args[0]).write_text(content)
    done = negsim_theory(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("negsim-theory: error: ") and expected in line


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_distances_are_numpys_euclidean_norms_bit_for_bit(n, k, seed):
    """The distances sum their squares by columns (``rowwise.sum_``): numpy's numbers."""
    from sim.theory.results import _norm

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k)) * np.exp2(rng.integers(-30, 30, (n, k)))
    x[rng.random((n, k)) < 0.05] = np.nan
    x[rng.random((n, k)) < 0.05] = -0.0
    assert _norm(x).tobytes() == np.linalg.norm(x, axis=-1).tobytes()
