"""Many states at the table: ratification rules, offers to many, the multilateral protocols.

Two-agent runs keep their numbers (the golden traces and ``test_stacked_offers_are_alternating
_offers_for_two``); with more agents every red line holds under every protocol and rule, the
ratification rule decides, and offers to many are exact for linear utilities (checked against an
independent linear program).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog, minimize

from sim.core.audience import ManyLinearPlan, many_plan
from sim.core.catalogue import load_scenario, validate
from sim.core.model import NegotiationModel
from sim.core.preferences import Preferences
from sim.core.ratification import Ratifier
from sim.engine.montecarlo import simulate
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import Ratification

DATA = Path(__file__).parent / "data"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MULTILATERAL = (
    "stacked_alternating_offers",
    "issue_by_issue",
    "monotonic_concession",
    "mediated_single_text",
)


def three_states(**negotiation) -> dict:
    data = yaml.safe_load((DATA / "three_states.yaml").read_text())
    data["negotiation"].update(negotiation)
    return data


def run(data: dict, replications: int = 200, seed: int = 5, **kwargs) -> dict:
    scenario = validate(data, "three_states.yaml")
    return NegotiationModel(scenario, replications, seed=seed, **kwargs).run().outcomes()


# --- the ratification rule ---------------------------------------------------------------------


class Seat:
    def __init__(self, name, weight=1.0):
        self.name, self.weight = name, weight


def test_a_qualified_majority_counts_weights_or_heads_and_needs_every_veto_player():
    seats = [Seat("a", 3), Seat("b", 1), Seat("c", 1)]
    yes = np.array(
        [
            [True, False, False],  # a alone: 3/5 of the weights, 1/3 of the heads
            [False, True, True],  # b and c: 2/5, 2/3
            [True, True, False],  # a and b: 4/5, 2/3
        ]
    )
    by_weight = Ratifier(Ratification("qualified_majority", 0.6, "weight"), seats)
    np.testing.assert_array_equal(by_weight.ratifies(yes), [True, False, True])
    by_count = Ratifier(Ratification("qualified_majority", 0.6, "count"), seats)
    np.testing.assert_array_equal(by_count.ratifies(yes), [False, True, True])
    veto_c = Ratifier(Ratification("qualified_majority", 0.6, "weight", ("c",)), seats)
    np.testing.assert_array_equal(veto_c.ratifies(yes), [False, False, False])
    unanimity = Ratifier(Ratification(), seats)
    np.testing.assert_array_equal(unanimity.ratifies(yes), [False] * 3)
    np.testing.assert_array_equal(unanimity.ratifies(np.ones((1, 3), bool)), [True])


@given(
    weights=st.lists(st.floats(0.01, 100), min_size=2, max_size=30),
    threshold=st.floats(0.01, 1.0),
    data=st.data(),
)
def test_ratification_is_the_share_of_those_who_accept(weights, threshold, data):
    n = len(weights)
    yes = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    veto = tuple(f"s{i}" for i in data.draw(st.sets(st.integers(0, n - 1), max_size=2)))
    seats = [Seat(f"s{i}", w) for i, w in enumerate(weights)]
    rule = Ratifier(Ratification("qualified_majority", threshold, "weight", veto), seats)
    share = sum(w for w, said_yes in zip(weights, yes, strict=True) if said_yes) / sum(weights)
    vetoed = any(not yes[int(name[1:])] for name in veto)
    expected = share >= threshold - 1e-9 and not vetoed
    if abs(share - threshold) > 1e-9:  # away from the tie, where float sums may round
        assert bool(rule.ratifies(yes[None])[0]) == expected
    # Accepting more never undoes a ratification (monotone), and everyone accepting ratifies.
    if rule.ratifies(yes[None])[0]:
        assert rule.ratifies(np.ones((1, n), bool))[0]


# --- offers to many ----------------------------------------------------------------------------


@st.composite
def many_linear_problems(draw):
    issues = draw(st.integers(1, 4))
    others = draw(st.integers(2, 5))
    unit = st.floats(0.0, 1.0)

    def vector():
        return np.array([draw(unit) for _ in range(issues)])

    def saliences():
        w = np.array([draw(st.floats(0.05, 1.0)) for _ in range(issues)])
        return w / w.sum()

    own_ideal = vector()
    lo = np.minimum(own_ideal, vector())
    hi = np.maximum(own_ideal, vector())
    others_prefs = [
        Preferences(vector()[None], saliences()[None], "linear", np.ones(1)) for _ in range(others)
    ]
    weights = [draw(st.floats(0.1, 5.0)) for _ in range(others)]
    own = Preferences(own_ideal[None], saliences()[None], "linear", np.ones(1))
    level = draw(st.floats(0.0, 1.0))
    return own, others_prefs, weights, lo, hi, level


def _lp_optimum(own, others, weights, lo, hi, level) -> float:
    """Independent: max sum_j omega_j A_j(x) s.t. A_own(x) >= level, lo <= x <= hi, as a linear
    program with epigraph variables t_jk >= |x_k - b_jk| and s_k >= |x_k - a_k|."""
    issues, m = len(lo), len(others)
    n_var = issues + m * issues + issues  # x, t, s
    cost = np.zeros(n_var)
    rows, rhs = [], []
    for j, (o, w) in enumerate(zip(others, weights, strict=True)):
        for k in range(issues):
            t = issues + j * issues + k
            cost[t] = w * o.salience[0, k]  # minimise the weighted losses
            for sign in (1, -1):  # sign * (x_k - b_jk) - t <= 0
                row = np.zeros(n_var)
                row[k], row[t] = sign, -1
                rows.append(row), rhs.append(sign * o.ideal[0, k])
    for k in range(issues):
        s = issues + m * issues + k
        for sign in (1, -1):
            row = np.zeros(n_var)
            row[k], row[s] = sign, -1
            rows.append(row), rhs.append(sign * own.ideal[0, k])
    budget = np.zeros(n_var)
    budget[issues + m * issues :] = own.salience[0]
    rows.append(budget), rhs.append(1.0 - level)
    bounds = [(lo[k], hi[k]) for k in range(issues)] + [(0, None)] * (n_var - issues)
    result = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    assert result.status == 0
    return sum(w for w in weights) - result.fun  # sum_j w_j * (1 - loss_j), saliences sum to 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_linear_problems())
def test_an_offer_to_many_linear_agents_is_exact(problem):
    own, others, weights, lo, hi, level = problem
    plan = many_plan(own, others, weights, lo, hi)
    assert isinstance(plan, ManyLinearPlan)
    offer = plan.offer(np.array([level]))
    assert np.all(offer >= lo - 1e-12) and np.all(offer <= hi + 1e-12)
    reached = own.additive(offer)[0]
    best_in_box = own.additive(np.clip(own.ideal, lo, hi))[0]
    assert reached >= min(level, best_in_box) - 1e-9  # the aspiration, or the best the box allows
    gain = sum(w * o.additive(offer)[0] for o, w in zip(others, weights, strict=True))
    if level <= best_in_box:  # HiGHS meets constraints to about 1e-7: compare at that precision
        assert gain == pytest.approx(_lp_optimum(own, others, weights, lo, hi, level), abs=1e-6)


@pytest.mark.parametrize("level", [0.8, 0.95])  # 0.8: the others' best is within reach
def test_offers_to_quadratic_others_are_the_offer_to_one_stand_in(level):
    """Quadratic others add up to one quadratic opponent: the offer maximises their weighted sum,
    as a general-purpose optimiser finds it."""
    rng = np.random.default_rng(3)
    issues = 3
    own = Preferences(rng.random((1, issues)), np.array([[0.5, 0.3, 0.2]]), "quadratic", np.ones(1))
    others = [
        Preferences(
            rng.random((1, issues)), rng.dirichlet(np.ones(issues))[None], "quadratic", np.ones(1)
        )
        for _ in range(3)
    ]
    weights = [1.0, 2.0, 0.5]
    lo, hi = np.zeros(issues), np.ones(issues)
    offer = many_plan(own, others, weights, lo, hi).offer(np.array([level]))[0]

    def gain(x):
        return sum(w * o.additive(x[None])[0] for o, w in zip(others, weights, strict=True))

    best = minimize(
        lambda x: -gain(x),
        own.ideal[0],
        bounds=list(zip(lo, hi, strict=True)),
        constraints=[{"type": "ineq", "fun": lambda x: own.additive(x[None])[0] - level}],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert own.additive(offer[None])[0] >= level - 1e-9
    assert gain(offer) == pytest.approx(-best.fun, abs=1e-7)


# --- the protocols -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["us_china_2024", "tactical_pause", "split_the_pie"])
@pytest.mark.parametrize("protocol", ["stacked_alternating_offers", None])
def test_stacked_offers_are_alternating_offers_for_two(name, protocol):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    if protocol is None:  # the scenario's own protocol must be alternating offers here
        assert scenario.negotiation.protocol == "alternating_offers"
        return
    runs = [
        NegotiationModel(scenario, 300, seed=11, protocol=p, trace=3).run()
        for p in ("alternating_offers", protocol)
    ]
    ours, theirs = (pd.DataFrame(m.outcomes()) for m in runs)
    pd.testing.assert_frame_equal(ours, theirs)
    pd.testing.assert_frame_equal(runs[0].trace.offers_frame(), runs[1].trace.offers_frame())
    pd.testing.assert_frame_equal(runs[0].trace.sessions_frame(), runs[1].trace.sessions_frame())


def test_a_bilateral_protocol_is_refused_for_three_agents():
    scenario = validate(three_states(), "three_states.yaml")
    with pytest.raises(
        ScenarioError,
        match=r"three_states\.yaml: negotiation\.protocol: the run"
        r" setting protocol=alternating_offers cannot play this scenario: protocol"
        r" 'alternating_offers' seats exactly 2 agents, this scenario has 3",
    ):
        NegotiationModel(scenario, 2, seed=1, protocol="alternating_offers")


@st.composite
def multilateral_scenarios(draw):
    """3 to 6 agents, 1 to 3 issues, linear or quadratic, with or without a red line each, any
    protocol and ratification rule."""
    n = draw(st.integers(3, 6))
    issues = [f"i{k}" for k in range(draw(st.integers(1, 3)))]
    unit = st.floats(0.0, 1.0).map(lambda x: round(x, 3))
    agents = {}
    for a in range(n):
        ideal = {i: draw(unit) for i in issues}
        agent = {
            "reservation": draw(st.floats(0.0, 0.6)),
            "weight": draw(st.sampled_from([1, 2, 3])),
            "utility": draw(st.sampled_from(["linear", "quadratic"])),
            "strategy": {"name": "time_dependent", "params": {"e": draw(st.floats(0.3, 3.0))}},
            "preferences": {
                i: {"ideal": ideal[i], "salience": draw(st.floats(0.1, 1.0))} for i in issues
            },
        }
        if draw(st.booleans()):
            issue = draw(st.sampled_from(issues))
            low, high = sorted([ideal[issue], draw(unit)])
            agent["red_lines"] = {issue: {"min": low, "max": high}}
        agents[f"s{a}"] = agent
    rule = draw(
        st.sampled_from(
            [
                "unanimity",
                {"rule": "qualified_majority", "threshold": 0.6},
                {"rule": "qualified_majority", "threshold": 0.5, "by": "count", "veto": ["s0"]},
            ]
        )
    )
    return {
        "negotiation": {
            "protocol": draw(st.sampled_from(MULTILATERAL)),
            "rounds": 10,
            "sessions": 2,
            "disagreement": draw(st.sampled_from(["status_quo", "reservation"])),
            "ratification": rule,
            "mediator": {"rule": draw(st.sampled_from(["nash_step", "anneal"]))},
        },
        "issues": {i: {"status_quo": draw(unit)} for i in issues},
        "agents": agents,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multilateral_scenarios())
def test_every_red_line_holds_and_the_rule_decides(data):
    scenario = validate(data, "random.yaml")
    model = NegotiationModel(scenario, 64, seed=9).run()
    out = model.outcomes()
    assert (out["red_line_violations"] == 0).all()
    names = scenario.agent_names
    first = model.first_agreement
    agreed = ~np.isnan(first).any(axis=1)
    for spec in scenario.agents:  # every agent's red lines, outvoted or not
        for issue, (low, high) in spec.red_lines.items():
            k = scenario.issue_names.index(issue)
            values = out[f"value_{issue}"][out[f"agreed_{issue}"]]
            assert np.all((values >= low - 1e-9) & (values <= high + 1e-9))
            if data["negotiation"]["protocol"] != "issue_by_issue":  # whole packages agreed
                settled = first[agreed, k]
                assert np.all((settled >= low - 1e-9) & (settled <= high + 1e-9))
    accepted = np.column_stack([out[f"accepted_{name}"] for name in names])
    np.testing.assert_array_equal(out["coalition_size"], accepted.sum(axis=1))
    assert not accepted[~out["agreement"]].any()
    rule = scenario.negotiation.ratification
    ever = out["agreement"]
    if rule.unanimous:
        assert (out["coalition_size"][ever] == len(names)).all() or data["negotiation"][
            "protocol"
        ] == "issue_by_issue"
    elif data["negotiation"]["protocol"] != "issue_by_issue":  # issue by issue votes per issue
        counted = np.array(scenario.weights) if rule.by == "weight" else np.ones(len(names))
        share = accepted[ever] @ counted / counted.sum()
        assert (share >= rule.threshold - 1e-9).all()
        for name in rule.veto:
            assert out[f"accepted_{name}"][ever].all()


def test_a_qualified_majority_outvotes_an_agent_that_unanimity_must_satisfy():
    qualified = {"rule": "qualified_majority", "threshold": 0.7, "by": "weight"}
    unanimous = run(three_states(ratification="unanimity"))
    outvoting = run(three_states(ratification=qualified))
    # a (weight 2) and c (1) hold 3/4 of the weights: b is outvoted and gets less.
    assert outvoting["agreement"].all() and not outvoting["accepted_b"].any()
    assert (outvoting["coalition_size"] == 2).all()
    assert outvoting["utility_b"].mean() < unanimous["utility_b"].mean() - 0.05
    assert outvoting["utility_a"].mean() > unanimous["utility_a"].mean()
    # With b holding a veto, b must accept again.
    vetoing = run(three_states(ratification={**qualified, "veto": ["b"]}))
    assert vetoing["accepted_b"][vetoing["agreement"]].all()


def test_monotonic_concession_ends_in_conflict_when_nobody_concedes():
    data = three_states(protocol="monotonic_concession", sessions=1)
    for agent in data["agents"].values():
        agent["reservation"] = 1.0  # nobody can concede from its ideal
    out = run(data, 20)
    assert (out["conflicts"] == 1).all() and not out["agreement"].any()


@pytest.mark.parametrize("rule", ["nash_step", "anneal"])
def test_the_mediators_text_stays_inside_every_red_line(rule):
    data = three_states(protocol="mediated_single_text", mediator={"rule": rule})
    scenario = validate(data, "three_states.yaml")
    model = NegotiationModel(scenario, 30, seed=2, trace=30).run()
    offers = model.trace.offers_frame()
    text = offers[offers["agent"] == "mediator"]
    assert len(text) > 0 and set(offers["agent"]) == {"mediator"}
    for spec in scenario.agents:
        for issue, (low, high) in spec.red_lines.items():
            assert text[f"offer_{issue}"].between(low - 1e-12, high + 1e-12).all()


def test_a_council_run_does_not_depend_on_how_it_is_batched():
    scenario = load_scenario(DATA / "three_states_council.yaml")
    tables = []
    for blocks in (1, 3):
        frames = []
        simulate(scenario, 2600, 4, on_batch=frames.append, batch_blocks=blocks)
        tables.append(pd.concat(frames, ignore_index=True))
    pd.testing.assert_frame_equal(*tables)
    alone = NegotiationModel(scenario, 1, seed=4, start=2100).run().outcomes()
    for column, value in alone.items():
        assert np.array_equal(np.asarray(value)[0], tables[0].iloc[2100][column], equal_nan=True)


def test_a_misread_can_join_any_two_of_many():
    data = three_states()
    data["misread"] = {
        "observer": "a",
        "target": "c",
        "probe": {"issue": "standards", "value": 0.1},
        "threshold": 0.5,
        "prior": 0.6,
    }
    out = run(copy.deepcopy(data), 100)
    assert out["misread"].any() and (out["red_line_violations"] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    shapes=st.lists(st.sampled_from(["linear", "quadratic"]), min_size=2, max_size=6),
    issues=st.integers(1, 5),
    same_rows=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_the_stacked_cooperation_index_is_the_weighted_sum_of_the_pairwise_ones(
    shapes, issues, same_rows, seed
):
    """The many-others index (sorted kinks, summed quadratics, or stacked losses) equals the
    sum of each other agent's weighted issue utilities computed one by one."""
    from types import SimpleNamespace

    from sim.core.cooperation import Table
    from sim.core.preferences import issue_utility

    rng = np.random.default_rng(seed)
    rows = 50

    def per_row(values):
        return np.tile(values, (rows, 1)) if same_rows else rng.random((rows, issues))

    others = [
        SimpleNamespace(
            preferences=Preferences(per_row(rng.random(issues)), None, shape, np.ones(rows))
        )
        for shape in shapes
    ]
    weights = [per_row(rng.random(issues)) for _ in shapes]
    position = rng.random((rows, issues))
    position[0] = others[0].preferences.ideal[0]  # exactly on a kink
    direct = sum(
        np.sum(w * issue_utility(position, o.preferences.ideal, o.preferences.shape), axis=-1)
        for o, w in zip(others, weights, strict=True)
    )
    np.testing.assert_allclose(Table(others, weights).score(position), direct, atol=1e-12)
