"""Concession strategies: shared contract checks for every registered strategy, then each one's
published formula.

Like Axelrod's ``TestPlayer``, :class:`TestEveryStrategy` is parametrised over the registry, so
a new strategy gets the contract checks without touching this file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.core.preferences import Preferences
from sim.core.protocols.base import PROTOCOLS
from sim.core.red_lines import TOLERANCE
from sim.core.strategies.base import STRATEGIES, View, get_strategy
from sim.core.strategies.zeuthen import willingness_to_risk

STRATEGY_NAMES = sorted(STRATEGIES)
PROTOCOL_NAMES = sorted(PROTOCOLS)
AGENTS = ("a", "b")  # "a" plays the strategy under test, "b" any registered strategy

unit = st.floats(0.0, 1.0)
seeds = st.integers(0, 2**32 - 1)


# --- random valid scenarios ------------------------------------------------------------------


@st.composite
def agent_data(draw, issues: list[str], strategy: str) -> dict:
    preferences, red_lines = {}, {}
    for issue in issues:
        ideal = draw(unit)
        preferences[issue] = {"ideal": ideal, "salience": draw(unit)}
        if draw(st.booleans()):
            red_lines[issue] = {
                "min": draw(st.floats(0.0, ideal)),
                "max": draw(st.floats(ideal, 1.0)),
            }
    if all(entry["salience"] == 0 for entry in preferences.values()):
        preferences[issues[0]]["salience"] = 1.0
    params = {
        key: draw(
            st.floats(
                spec.low, min(spec.high, 1e3), exclude_min=spec.low_open, allow_subnormal=False
            )
        )
        for key, spec in get_strategy(strategy).params.items()
        if draw(st.booleans())
    }
    return {
        "utility": draw(st.sampled_from(["linear", "quadratic"])),
        "risk": draw(st.floats(0.25, 4.0)),
        "reservation": draw(st.floats(0.0, 0.9)),
        "compliance": draw(unit),
        "strategy": {"name": strategy, "params": params},
        "preferences": preferences,
        "red_lines": red_lines,
    }


@st.composite
def scenario_data(draw, strategy: str, protocol: str | None = None, one_way=False) -> dict:
    """A valid 2-agent scenario mapping; agent "a" plays ``strategy``. ``one_way``: every issue
    gets a direction (up, down or both), its status quo moved where validation needs it (on
    the side of every red line an agreement may move toward)."""
    issues = [f"i{k}" for k in range(draw(st.integers(1, 3)))]
    data = {
        "negotiation": {
            "protocol": protocol or draw(st.sampled_from(PROTOCOL_NAMES)),
            "rounds": draw(st.integers(1, 12)),
            "sessions": draw(st.integers(1, 3)),
            "first_proposer": draw(st.sampled_from(AGENTS)),
        },
        "trust": {
            "initial": draw(st.floats(0.2, 1.0)),
            "penalty": draw(unit),
            "recovery": draw(unit),
        },
        "issues": {
            issue: {
                "status_quo": draw(unit),
                "implementer": draw(st.sampled_from([*AGENTS, "all"])),
            }
            for issue in issues
        },
        "agents": {
            "a": draw(agent_data(issues, strategy)),
            "b": draw(agent_data(issues, draw(st.sampled_from(STRATEGY_NAMES)))),
        },
    }
    if one_way:
        for k, (issue, node) in enumerate(data["issues"].items()):
            ways = ["up", "down"] if k == 0 else ["up", "down", "both"]
            node["direction"] = direction = draw(st.sampled_from(ways))
            lines = [a["red_lines"].get(issue, {}) for a in data["agents"].values()]
            if direction == "up":
                node["status_quo"] = min([node["status_quo"], *(x.get("max", 1) for x in lines)])
            elif direction == "down":
                node["status_quo"] = max([node["status_quo"], *(x.get("min", 0) for x in lines)])
    return data


def run_recorded(model: NegotiationModel, after_step=None) -> list[tuple[int, list[np.ndarray]]]:
    """Run ``model``; per step, the session it belonged to and every agent's aspiration."""
    steps = []
    while model.running:
        session = model.session
        model.step()
        steps.append((session, [agent.aspiration.copy() for agent in model.state_agents]))
        if after_step is not None:
            after_step(model)
    return steps


def red_line(scenario, agent: str, issue: str) -> tuple[float, float]:
    return scenario.agent(agent).red_lines.get(issue, (0.0, 1.0))


def clone(strategy):
    """A fresh strategy of the same class and parameter values."""
    cls = type(strategy)
    return cls(strategy.n, **{key: getattr(strategy, key) for key in cls.params})


# --- the shared contract ---------------------------------------------------------------------


@pytest.mark.parametrize("name", STRATEGY_NAMES)
class TestEveryStrategy:
    """The promises every strategy keeps, checked in full runs on random valid scenarios: no
    offer or agreement past a red line, declared traits hold, same seed gives the same run."""

    def test_declares_its_traits_and_valid_defaults(self, name):
        cls = get_strategy(name)
        assert cls.name == name
        assert isinstance(cls.traits.get("may_raise_aspiration"), bool)
        for spec in cls.params.values():
            assert spec.low <= spec.default <= spec.high
        assert cls.concession_param is None or cls.concession_param in cls.params

    def test_a_larger_concession_parameter_concedes_at_least_as_far(self, name):
        """Raising the declared concession parameter never leaves the aspiration higher, and
        lowers it somewhere, in a session where the opponent concedes and the risks are even."""
        cls = get_strategy(name)
        if cls.concession_param is None:
            pytest.skip(f"{name} declares no concession parameter")
        spec = cls.params[cls.concession_param]
        raised = min(spec.default * 2, spec.high)
        assert raised > spec.default
        paths = []
        for value in (spec.default, raised):
            strategy = cls(1, **{cls.concession_param: value})
            strategy.start_session()
            path = []
            for k in range(4):
                seen = {}
                if k > 0:  # both offers on the table, the opponent's newest gave up .05
                    seen = {
                        "own_last_offer": np.array([[0.75]]),
                        "opp_last_offer": np.array([[0.25]]),
                        "opp_concession": np.array([0.05]),
                    }
                own, opp = one_issue(1.0, 1), one_issue(0.0, 1)
                seen_now = view(
                    k, 4, [0.0], own_utility=own.utility, opp_utility=opp.utility, **seen
                )
                path.append(strategy.aspiration(seen_now).copy())
            paths.append(np.concatenate(path))
        base, faster = paths
        assert np.all(faster <= base) and np.any(faster < base), (base, faster)

    @pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
    @settings(max_examples=25, deadline=None)
    @given(data=st.data())
    def test_never_proposes_or_agrees_past_a_red_line(self, name, protocol, data):
        scenario = validate(data.draw(scenario_data(name, protocol)), "test.yaml")
        model = NegotiationModel(scenario, replications=2, seed=data.draw(seeds), trace=2)
        model.run()
        np.testing.assert_array_equal(model.outcomes()["red_line_violations"], 0)

        offers = model.trace.offers_frame()
        assert len(offers) > 0
        for agent in AGENTS:
            mine = offers[offers["agent"] == agent]
            for issue in scenario.issue_names:
                low, high = red_line(scenario, agent, issue)
                values = mine[f"offer_{issue}"]
                assert values.between(low - TOLERANCE, high + TOLERANCE).all(), (agent, issue)

        sessions = model.trace.sessions_frame()
        for issue in scenario.issue_names:
            agreed = sessions.loc[sessions[f"agreed_{issue}"], f"value_{issue}"]
            for agent in AGENTS:
                low, high = red_line(scenario, agent, issue)
                assert agreed.between(low - TOLERANCE, high + TOLERANCE).all(), (agent, issue)

    @pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
    @settings(max_examples=25, deadline=None)
    @given(data=st.data())
    def test_never_proposes_or_accepts_a_wrong_way_move(self, name, protocol, data):
        """On a one-way issue no offer, agreement or acceptance (even at aspiration 0) moves the
        value the wrong way from the session's status quo, which changes between sessions;
        the run's audit column counts 0. A package deal is worth each side's floor, even where
        the one-way bounds leave an agent's box nothing better than its floor."""
        scenario = validate(data.draw(scenario_data(name, protocol, one_way=True)), "test.yaml")
        model = NegotiationModel(scenario, replications=3, seed=data.draw(seeds))
        up = np.array([issue.direction == "up" for issue in scenario.issues])
        down = np.array([issue.direction == "down" for issue in scenario.issues])

        def wrong_way(values, status_quo):
            return (up & (values < status_quo - TOLERANCE)) | (
                down & (values > status_quo + TOLERANCE)
            )

        backwards = np.where(up, 0.0, np.where(down, 1.0, 0.5))  # the far side, where it has one
        sessions_seen = set()
        while model.running:
            status_quo, session, round_ = model.status_quo.copy(), model.session, model.round
            model.step()
            sessions_seen.add(session)
            for agent in model.state_agents:
                if agent.last_offer_round == round_:
                    assert not wrong_way(agent.last_offer, status_quo).any(), agent.name
                moved_back = np.where(up | down, backwards, status_quo)
                kept = agent.aspiration
                try:
                    agent.aspiration = np.zeros_like(kept)
                    turned = wrong_way(moved_back, status_quo).any(axis=1)
                    assert not (agent.accepts(moved_back) & turned).any(), agent.name
                    by_issue = agent.accepts_issues(moved_back)
                    assert not (by_issue & wrong_way(moved_back, status_quo)).any(), agent.name
                finally:
                    agent.aspiration = kept
            if model.session != session or not model.running:  # the session just ended
                agreed = model.agreed & wrong_way(model.agreed_value, status_quo)
                assert not agreed.any()
                whole = model.agreed.all(axis=1)
                if PROTOCOLS[protocol].linkage and whole.any():  # and no package below a floor
                    for agent in model.state_agents:
                        worth = agent.utility(np.nan_to_num(model.agreed_value))
                        assert np.all(worth[whole] >= agent.floor[whole] - 1e-9), agent.name
        assert sessions_seen == set(range(scenario.negotiation.sessions))
        np.testing.assert_array_equal(model.outcomes()["wrong_way_moves"], 0)
        np.testing.assert_array_equal(model.outcomes()["red_line_violations"], 0)

    @pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
    @settings(max_examples=15, deadline=None)
    @given(data=st.data())
    def test_trace_marks_exactly_the_agreed_offers(self, name, protocol, data):
        scenario = validate(data.draw(scenario_data(name, protocol)), "test.yaml")
        model = NegotiationModel(scenario, replications=2, seed=data.draw(seeds), trace=2)
        model.run()
        offers = model.trace.offers_frame()
        linkage = PROTOCOLS[protocol].linkage
        for _, session in model.trace.sessions_frame().iterrows():
            rows = offers[(offers["rep"] == session["rep"]) & offers["accepted"]]
            accepted = rows[rows["session"] == session["session"]]
            agreed = [issue for issue in scenario.issue_names if session[f"agreed_{issue}"]]
            if not agreed:
                assert accepted.empty
                continue
            if linkage:  # one package, agreed whole
                assert len(accepted) == 1
                assert (accepted["round"] == session["round"]).all()
            for issue in agreed:
                value = session[f"value_{issue}"]
                assert np.isclose(accepted[f"offer_{issue}"], value).any(), issue

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def test_never_accepts_past_a_red_line_even_at_aspiration_zero(self, name, data):
        raw = data.draw(scenario_data(name))
        # Give agent "a" a red line of width at most .5 on issue i0, so values outside it exist.
        ideal = raw["agents"]["a"]["preferences"]["i0"]["ideal"]
        low, high = max(ideal - 0.25, 0.0), min(ideal + 0.25, 1.0)
        raw["agents"]["a"]["red_lines"]["i0"] = {"min": low, "max": high}
        outside = (high + 1.0) / 2 if high < 1.0 else low / 2
        scenario = validate(raw, "test.yaml")
        model = NegotiationModel(scenario, replications=2, seed=data.draw(seeds))
        agent = model.state_agents[0]
        inside = agent.preferences.ideal.copy()
        crossing = inside.copy()
        crossing[:, 0] = outside

        def check(model):
            assert not agent.accepts(crossing).any()
            assert not agent.accepts_issues(crossing)[:, 0].any()
            kept = agent.aspiration
            try:
                agent.aspiration = np.zeros_like(kept)
                assert not agent.accepts(crossing).any()
                assert not agent.accepts_issues(crossing)[:, 0].any()
                assert agent.accepts(inside).all()  # only the red line stands in the way
            finally:
                agent.aspiration = kept

        run_recorded(model, after_step=check)

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def test_aspiration_never_rises_within_a_session_unless_allowed(self, name, data):
        scenario = validate(data.draw(scenario_data(name)), "test.yaml")
        model = NegotiationModel(scenario, replications=2, seed=data.draw(seeds))
        steps = run_recorded(model)
        for k, agent in enumerate(model.state_agents):
            if agent.strategy.traits["may_raise_aspiration"]:
                continue
            for (session, before), (same, after) in zip(steps, steps[1:], strict=False):
                if session == same:
                    note(f"agent {agent.name}, session {session}: {before[k]} -> {after[k]}")
                    assert np.all(after[k] <= before[k] + 1e-12)

    @settings(max_examples=15, deadline=None)
    @given(data=st.data())
    def test_same_seed_same_outcomes_and_clones_play_the_same(self, name, data):
        scenario = validate(data.draw(scenario_data(name)), "test.yaml")
        seed = data.draw(seeds)

        def model():
            return NegotiationModel(scenario, replications=3, seed=seed, trace=3)

        first = model().run()
        second = model().run()
        for column, values in first.outcomes().items():
            np.testing.assert_array_equal(second.outcomes()[column], values, err_msg=column)
        pd.testing.assert_frame_equal(second.trace.offers_frame(), first.trace.offers_frame())
        pd.testing.assert_frame_equal(second.trace.sessions_frame(), first.trace.sessions_frame())

        # A clone, and the already-used strategies themselves, replay the same trace.
        for swap in (clone, lambda used: used):
            replay = model()
            for agent, played in zip(replay.state_agents, first.state_agents, strict=True):
                agent.strategy = swap(played.strategy)
            replay.run()
            pd.testing.assert_frame_equal(replay.trace.offers_frame(), first.trace.offers_frame())

    @settings(max_examples=10, deadline=None)
    @given(data=st.data())
    def test_a_replication_does_not_depend_on_how_the_batch_is_cut(self, name, data):
        scenario = validate(data.draw(scenario_data(name)), "test.yaml")
        seed = data.draw(seeds)
        whole = NegotiationModel(scenario, replications=4, seed=seed).run().outcomes()
        tail = NegotiationModel(scenario, replications=2, seed=seed, start=2).run().outcomes()
        for column, values in tail.items():
            np.testing.assert_array_equal(values, whole[column][2:], err_msg=column)


# --- helpers for the strategy-specific checks ---------------------------------------------------


def one_issue(ideal: float, n: int) -> Preferences:
    """Linear utility over one issue for a batch of ``n``: U(x) = 1 - |x - ideal|."""
    return Preferences(np.full((n, 1), ideal), np.ones((n, 1)), "linear", np.ones(n))


def view(round_, rounds, floor, **seen) -> View:
    floor = np.asarray(floor, dtype=float)
    fields = {
        "opp_floor": floor,
        "own_last_offer": None,
        "opp_last_offer": None,
        "opp_concession": None,
        "own_utility": None,
        "opp_utility": None,
    }
    fields.update(seen)
    return View(round=round_, rounds=rounds, floor=floor, **fields)


def two_agent_scenario(a: dict, b: dict, issues: dict, **negotiation) -> dict:
    return {
        "negotiation": negotiation,
        "issues": {name: {"status_quo": sq} for name, sq in issues.items()},
        "agents": {"a": a, "b": b},
    }


# --- time-dependent tactics ----------------------------------------------------------------


class TestTimeDependent:
    """Faratin, Sierra & Jennings (1998), section 4.2.1: a(tau) = 1 - (1 - r) * tau ** (1 / e)."""

    @pytest.mark.parametrize("e", [0.05, 0.5, 1.0, 3.0, 40.0])
    def test_matches_the_formula_exactly(self, e):
        """tau = (k + 1) / T, r the floor; the strategy computes exactly this expression."""
        floor = np.array([0.0, 0.3, 0.95])
        strategy = get_strategy("time_dependent")(3, e=e)
        strategy.start_session()
        rounds = 7
        for k in range(rounds):
            tau = (k + 1) / rounds
            expected = 1.0 - (1.0 - floor) * tau ** (1.0 / e)
            np.testing.assert_array_equal(strategy.aspiration(view(k, rounds, floor)), expected)

    def test_hand_values(self):
        """r = .2, T = 4, round k = 1 so tau = .5:
        e = .5 -> 1 - .8 * .5 ** 2 = .8; e = 1 -> 1 - .8 * .5 = .6;
        e = 2 -> 1 - .8 * .5 ** .5 = .434314575..."""
        strategy = get_strategy("time_dependent")(3, e=np.array([0.5, 1.0, 2.0]))
        got = strategy.aspiration(view(1, 4, np.full(3, 0.2)))
        np.testing.assert_allclose(got, [0.8, 0.6, 0.43431457505076199], rtol=1e-12)

    def test_boulware_above_linear_above_conceder(self):
        """e < 1 holds firm, e > 1 concedes early; all meet the floor at the deadline."""
        rounds, floor = 10, np.full(3, 0.25)
        strategy = get_strategy("time_dependent")(3, e=np.array([0.3, 1.0, 3.0]))
        for k in range(rounds - 1):
            boulware, linear, conceder = strategy.aspiration(view(k, rounds, floor))
            assert boulware > linear > conceder
        np.testing.assert_array_equal(strategy.aspiration(view(rounds - 1, rounds, floor)), floor)

    def test_agent_follows_the_curve_slowed_by_trust(self):
        """In a run, a(tau) from the agent's floor, then 1 - (1 - a) * trust (trust .6)."""
        a = {
            "reservation": 0.1,
            "strategy": {"name": "time_dependent", "params": {"e": 0.5}},
            "preferences": {
                "p": {"ideal": 1.0, "salience": 0.7},
                "q": {"ideal": 1.0, "salience": 0.3},
            },
        }
        b = {
            "reservation": 0.9,  # never accepts, so every round is played
            "strategy": {"name": "time_dependent", "params": {"e": 2.0}},
            "preferences": {
                "p": {"ideal": 0.0, "salience": 0.3},
                "q": {"ideal": 0.0, "salience": 0.7},
            },
        }
        data = two_agent_scenario(a, b, {"p": 0.0, "q": 0.2}, rounds=6)
        data["trust"] = {"initial": 0.6}
        model = NegotiationModel(validate(data, "test.yaml"), replications=2, seed=0)
        steps = run_recorded(model)
        assert len(steps) == 6
        for k, (_, aspirations) in enumerate(steps):
            for agent, got, e in zip(model.state_agents, aspirations, (0.5, 2.0), strict=True):
                wanted = 1.0 - (1.0 - agent.floor) * ((k + 1) / 6) ** (1.0 / e)
                expected = np.maximum(1.0 - (1.0 - wanted) * 0.6, agent.floor)
                np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        # floors: a max(.1, .7 * 0 + .3 * .2 = .06) = .1, b max(.9, .3 * 1 + .7 * .8 = .86) = .9
        np.testing.assert_allclose(
            [agent.floor for agent in model.state_agents], [[0.1] * 2, [0.9] * 2]
        )


# --- tit for tat -------------------------------------------------------------------------------


class TestTitForTat:
    """Faratin, Sierra & Jennings (1998), section 4.2.3: absolute tit-for-tat."""

    def test_returns_factor_times_the_opponents_concession(self):
        strategy = get_strategy("tit_for_tat")(2, opening=0.05, factor=np.array([0.5, 2.0]))
        strategy.start_session()
        floor = np.array([0.0, 0.7])
        # Opening: 1 - .05 = .95 for both.
        np.testing.assert_allclose(strategy.aspiration(view(0, 9, floor)), [0.95, 0.95])
        # Opponent gave up .1: .95 - .5 * .1 = .9; .95 - 2 * .1 = .75.
        got = strategy.aspiration(view(1, 9, floor, opp_concession=np.array([0.1, 0.1])))
        np.testing.assert_allclose(got, [0.9, 0.75], rtol=0, atol=1e-15)
        # No new opponent offer: no move.
        np.testing.assert_allclose(strategy.aspiration(view(2, 9, floor)), [0.9, 0.75], atol=1e-15)
        # A retraction is not returned; .75 - 2 * .1 = .55 stops at the floor .7.
        got = strategy.aspiration(view(3, 9, floor, opp_concession=np.array([-0.2, 0.1])))
        np.testing.assert_allclose(got, [0.9, 0.7], rtol=0, atol=1e-15)

    def test_a_new_session_starts_from_the_opening_again(self):
        strategy = get_strategy("tit_for_tat")(1, opening=0.1, factor=1.0)
        strategy.start_session()
        strategy.aspiration(view(0, 5, [0.0]))
        strategy.aspiration(view(1, 5, [0.0], opp_concession=np.array([0.3])))
        strategy.start_session()
        np.testing.assert_allclose(strategy.aspiration(view(0, 5, [0.0])), [0.9])

    def test_in_alternating_offers_concedes_half_of_each_opponent_concession(self):
        """A (tit for tat, factor .5) answers B (linear time-dependent) under alternating offers.
        A proposes in even rounds k and there answers B's newest concession
        U_B(B's offer in k - 3) - U_B(B's offer in k - 1); in odd rounds A does not move."""
        a = {
            "reservation": 0.0,
            "strategy": {"name": "tit_for_tat", "params": {"opening": 0.05, "factor": 0.5}},
            "preferences": {
                "p": {"ideal": 1.0, "salience": 0.6},
                "q": {"ideal": 1.0, "salience": 0.4},
            },
        }
        b = {
            "reservation": 0.8,  # B's floor stays above what A offers, so all rounds are played
            "strategy": {"name": "time_dependent", "params": {"e": 1.0}},
            "preferences": {
                "p": {"ideal": 0.0, "salience": 0.4},
                "q": {"ideal": 0.0, "salience": 0.6},
            },
        }
        data = two_agent_scenario(a, b, {"p": 0.5, "q": 0.5}, rounds=12, first_proposer="a")
        model = NegotiationModel(validate(data, "test.yaml"), replications=1, seed=0)
        agent_a, agent_b = model.state_agents
        b_offers = {}

        def keep_b_offer(model):
            if agent_b.last_offer_round == model.round - 1 or model.round == 0:
                b_offers[agent_b.last_offer_round] = agent_b.last_offer.copy()

        steps = run_recorded(model, after_step=keep_b_offer)
        levels = [aspirations[0][0] for _, aspirations in steps]
        assert levels[0] == pytest.approx(0.95, abs=1e-12)
        moved = 0
        for k in range(1, len(levels)):
            expected = 0.0
            if k % 2 == 0 and k >= 4:
                u_b = agent_b.utility
                expected = 0.5 * (u_b(b_offers[k - 3]) - u_b(b_offers[k - 1]))[0]
                moved += expected > 0
            assert levels[k - 1] - levels[k] == pytest.approx(expected, abs=1e-12), k
        assert moved >= 3


# --- Zeuthen ------------------------------------------------------------------------------------


class TestZeuthen:
    """Zeuthen (1930); Harsanyi (1956): risk = (U(own) - U(other's)) / (U(own) - U(conflict));
    the agent with the smaller risk concedes, both on a tie."""

    @pytest.mark.parametrize(
        ("own", "other", "conflict", "risk"),
        [
            (0.8, 0.5, 0.2, 0.5),  # .3 / .6
            (0.9, 0.6, 0.0, 1.0 / 3.0),  # .3 / .9
            (1.0, 0.0, 0.0, 1.0),  # nothing to gain from agreeing on the other's offer
            (0.5, 0.5, 0.1, 0.0),  # the offers are worth the same: no risk worth taking
            (0.4, 0.6, 0.0, 0.0),  # the other's offer is better: clipped at 0
            (0.2, 0.1, 0.3, 0.0),  # own offer no better than conflict
            (0.9, 0.0, 0.5, 1.0),  # the other's offer is worse than conflict: clipped at 1
        ],
    )
    def test_willingness_to_risk_hand_values(self, own, other, conflict, risk):
        assert float(willingness_to_risk(own, other, conflict)) == pytest.approx(risk, abs=1e-15)

    def test_the_agent_with_smaller_risk_concedes_both_on_a_tie(self):
        """One issue; A wants 1, B wants 0 (U_A = x, U_B = 1 - x); floors 0; step .1.
        row 0: A offers .875, B .25: risk_A = .625 / .875 = .714 < risk_B = .625 / .75 = .833
        row 1: A offers .75, B .125: risk_A = .833 > risk_B = .714
        row 2: A offers .75, B .25:  risk_A = .5 / .75 = risk_B -> tie, both concede."""
        a_prefs, b_prefs = one_issue(1.0, 3), one_issue(0.0, 3)
        a_offer = np.array([[0.875], [0.75], [0.75]])
        b_offer = np.array([[0.25], [0.125], [0.25]])
        floor = np.zeros(3)
        np.testing.assert_allclose(
            willingness_to_risk(a_prefs.utility(a_offer), a_prefs.utility(b_offer), floor),
            [0.625 / 0.875, 0.625 / 0.75, 0.5 / 0.75],
        )
        a = get_strategy("zeuthen")(3, step=0.1)
        b = get_strategy("zeuthen")(3, step=0.1)
        for strategy in (a, b):
            strategy.start_session()
            np.testing.assert_array_equal(strategy.aspiration(view(0, 9, floor)), np.ones(3))
        seen_by_a = view(
            1, 9, floor, own_last_offer=a_offer, opp_last_offer=b_offer,
            own_utility=a_prefs.utility, opp_utility=b_prefs.utility,
        )  # fmt: skip
        seen_by_b = view(
            1, 9, floor, own_last_offer=b_offer, opp_last_offer=a_offer,
            own_utility=b_prefs.utility, opp_utility=a_prefs.utility,
        )  # fmt: skip
        np.testing.assert_allclose(a.aspiration(seen_by_a), [0.9, 1.0, 0.9], rtol=0, atol=1e-15)
        np.testing.assert_allclose(b.aspiration(seen_by_b), [1.0, 0.9, 0.9], rtol=0, atol=1e-15)

    def test_concession_stops_at_the_floor(self):
        prefs = one_issue(1.0, 1)
        strategy = get_strategy("zeuthen")(1, step=0.5)
        strategy.start_session()
        floor = np.array([0.7])
        strategy.aspiration(view(0, 9, floor))
        seen = view(
            1, 9, floor, own_last_offer=np.array([[0.75]]), opp_last_offer=np.array([[0.25]]),
            own_utility=prefs.utility, opp_utility=one_issue(0.0, 1).utility,
        )  # fmt: skip
        np.testing.assert_array_equal(strategy.aspiration(seen), floor)

    def test_monotonic_concession_reaches_the_nash_bargaining_solution(self):
        """Harsanyi (1956): two Zeuthen agents under the monotonic concession protocol agree
        on the Nash bargaining solution, here to within one step (.01) of each utility.

        Quadratic utilities, A risk averse (rho .5), B risk neutral; the status quo (0, 1) is
        each agent's worse issue, so the floors are A: .2 ** .5 = .447, B: .2. The Nash solution
        (max of the product of gains over the floors) is found on a 1001 x 1001 grid.
        In every round the agent with the smaller risk, from the last round's offers, concedes.
        """
        step = 0.01
        a = {
            "reservation": 0.0,
            "utility": "quadratic",
            "risk": 0.5,
            "strategy": {"name": "zeuthen", "params": {"step": step}},
            "preferences": {
                "p": {"ideal": 1.0, "salience": 0.8},
                "q": {"ideal": 1.0, "salience": 0.2},
            },
        }
        b = {
            "reservation": 0.0,
            "utility": "quadratic",
            "strategy": {"name": "zeuthen", "params": {"step": step}},
            "preferences": {
                "p": {"ideal": 0.0, "salience": 0.2},
                "q": {"ideal": 0.0, "salience": 0.8},
            },
        }
        data = two_agent_scenario(
            a, b, {"p": 0.0, "q": 1.0}, rounds=400, protocol="monotonic_concession"
        )
        model = NegotiationModel(validate(data, "test.yaml"), replications=1, seed=0)
        agent_a, agent_b = model.state_agents
        risks = []

        def keep_risks(model):
            x_a, x_b = agent_a.last_offer, agent_b.last_offer
            risks.append(
                (
                    willingness_to_risk(agent_a.utility(x_a), agent_a.utility(x_b), agent_a.floor)[
                        0
                    ],
                    willingness_to_risk(agent_b.utility(x_b), agent_b.utility(x_a), agent_b.floor)[
                        0
                    ],
                )
            )

        steps = run_recorded(model, after_step=keep_risks)
        outcomes = model.outcomes()
        assert outcomes["agreement"][0] and not outcomes["conflicts"][0]
        np.testing.assert_allclose([agent_a.floor[0], agent_b.floor[0]], [0.2**0.5, 0.2])

        for k in range(1, len(steps) - 1):
            risk_a, risk_b = risks[k - 1]
            drop_a = steps[k - 1][1][0][0] - steps[k][1][0][0]
            drop_b = steps[k - 1][1][1][0] - steps[k][1][1][0]
            assert drop_a == pytest.approx(step if risk_a <= risk_b else 0.0, abs=1e-12), k
            assert drop_b == pytest.approx(step if risk_b <= risk_a else 0.0, abs=1e-12), k

        g = np.linspace(0.0, 1.0, 1001)
        grid = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
        u_a = np.clip(1 - 0.8 * (1 - grid[:, 0]) ** 2 - 0.2 * (1 - grid[:, 1]) ** 2, 0, 1) ** 0.5
        u_b = 1 - 0.2 * grid[:, 0] ** 2 - 0.8 * grid[:, 1] ** 2
        gains = np.clip(u_a - 0.2**0.5, 0, None) * np.clip(u_b - 0.2, 0, None)
        nash = gains.argmax()
        got_a, got_b = outcomes["utility_a"][0], outcomes["utility_b"][0]
        assert got_a == pytest.approx(u_a[nash], abs=step)
        assert got_b == pytest.approx(u_b[nash], abs=step)
        assert (got_a - 0.2**0.5) * (got_b - 0.2) >= 0.99 * gains[nash]


# --- regressions ----------------------------------------------------------------------------------


# Failed at 5a8c38c: MonotonicConcession told the trace only whether b takes a's offer, so when
# the agreement was b's offer the trace marked a's offer as accepted (or nothing at all).
def test_monotonic_concession_trace_marks_the_agreed_offer():
    """Both agents quadratic, time-dependent (e = 1) over 3 rounds. In round 1 the offers cross
    (each takes the other's); b's offer has the larger product of gains over the floors
    (.0231 > .0217), so the agreement is b's offer, and that is the offer the trace must mark."""
    a = {
        "reservation": 0.0,
        "utility": "quadratic",
        "strategy": "time_dependent",
        "preferences": {"p": {"ideal": 1.0, "salience": 0.3}, "q": {"ideal": 1.0, "salience": 0.7}},
    }
    b = {
        "reservation": 0.0,
        "utility": "quadratic",
        "strategy": "time_dependent",
        "preferences": {"p": {"ideal": 0.0, "salience": 0.5}, "q": {"ideal": 0.0, "salience": 0.5}},
    }
    data = two_agent_scenario(a, b, {"p": 0.0, "q": 1.0}, rounds=3, protocol="monotonic_concession")
    model = NegotiationModel(validate(data, "test.yaml"), replications=1, seed=0, trace=1).run()
    session = model.trace.sessions_frame().iloc[0]
    assert session["agreed_p"] and session["agreed_q"] and session["round"] == 1
    agreed = [session["value_p"], session["value_q"]]
    np.testing.assert_allclose(agreed, model.state_agents[1].last_offer[0])  # b's offer
    offers = model.trace.offers_frame()
    accepted = offers[offers["accepted"]]
    assert list(accepted["agent"]) == ["b"]
    np.testing.assert_allclose(accepted[["offer_p", "offer_q"]].to_numpy()[0], agreed)
