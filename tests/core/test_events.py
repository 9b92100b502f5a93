"""Events (sim/events.py): when they fire, what they shift while active, and how they are checked.

Rates are compared with the exact binomial test (Clopper & Pearson 1934, as scipy.stats.binomtest),
failing below p = 0.001, at fixed seeds.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from scipy import stats

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.core.red_lines import TOLERANCE
from sim.core.strategies.base import STRATEGIES, get_strategy
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import SHIFTABLE

ALPHA = 0.001

# One issue the agents want at opposite ends; b never accepts less than 0.9 of its utility, so
# no replication agrees and every replication plays every round of every session.
DEADLOCK = {
    "negotiation": {"rounds": 10, "sessions": 2, "disagreement": "reservation"},
    "issues": {"x": {"status_quo": 0.5}},
    "agents": {
        "a": {
            "reservation": 0.5,
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 1.0, "salience": 1.0}},
        },
        "b": {
            "reservation": 0.9,
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 0.0, "salience": 1.0}},
        },
    },
}


def with_events(events: dict, base: dict = DEADLOCK, **agent_a) -> dict:
    data = copy.deepcopy(base)
    data["agents"]["a"].update(agent_a)
    data["events"] = events
    return data


def shock(**fields) -> dict:
    """An event shifting a's reservation up a little, with ``fields`` (at/hazard, duration...)."""
    return {"shock": {"shifts": [{"agent": "a", "field": "reservation", "add": 0.01}], **fields}}


def run_by_round(model: NegotiationModel):
    """Step ``model`` to the end, yielding after each round its session, round, which
    replications had the first event idle when it began, and where the event started."""
    while model.running:
        where = (model.session, model.round)
        idle = model.events.left[:, 0] == 0
        fired = model.events.fired[:, 0].copy()
        model.step()
        yield (*where, idle, model.events.fired[:, 0] - fired)


# --- when events fire ----------------------------------------------------------------------------


def test_a_random_event_of_one_round_fires_at_its_hazard_rate():
    """Each round is a trial, so the total over R replications x T rounds is Binomial(R T, p)."""
    p, replications = 0.15, 2000
    scenario = validate(with_events(shock(hazard=p, duration=1)), "test.yaml")
    model = NegotiationModel(scenario, replications, seed=31).run()
    outcomes = model.outcomes()
    assert not outcomes["agreement"].any()
    rounds = scenario.negotiation.rounds * scenario.negotiation.sessions
    fired = outcomes["event_shock"]
    assert stats.binomtest(int(fired.sum()), replications * rounds, p).pvalue > ALPHA
    # Replications draw independently, so their counts spread like Binomial(T, p) (one draw per
    # round shared by all replications would give them all the same count).
    assert fired.var() == pytest.approx(rounds * p * (1 - p), rel=0.15)


def expected_fires(p: float, duration: int, rounds: int) -> float:
    """E[number of starts] in ``rounds`` rounds. The state is the number of active rounds left
    when a round begins: a start, possible only at 0, leaves ``duration - 1`` after its round."""
    left = np.zeros(duration)
    left[0] = 1.0
    total = 0.0
    for _ in range(rounds):
        start = left[0] * p
        total += start
        after = np.zeros(duration)
        after[:-1] = left[1:]
        after[0] += left[0] - start
        after[-1] += start
        left = after
    return total


def test_a_longer_random_event_fires_only_when_idle_at_its_hazard_rate():
    p, duration, replications = 0.3, 3, 2000
    scenario = validate(with_events(shock(hazard=p, duration=duration)), "test.yaml")
    model = NegotiationModel(scenario, replications, seed=32)
    rounds = list(run_by_round(model))
    idle = np.stack([r[2] for r in rounds], axis=1)
    started = np.stack([r[3] for r in rounds], axis=1)
    assert not started[~idle].any()  # never starts while active
    for rep in range(replications):  # so at most once in any `duration` rounds
        assert (np.diff(np.flatnonzero(started[rep])) >= duration).all(), rep
    # Among idle rounds, starts are Bernoulli(p).
    assert stats.binomtest(int(started.sum()), int(idle.sum()), p).pvalue > ALPHA
    counts = model.outcomes()["event_shock"]
    np.testing.assert_array_equal(counts, started.sum(axis=1))
    expected = expected_fires(p, duration, len(rounds))
    assert abs(counts.mean() - expected) < 4 * counts.std() / np.sqrt(replications)


def test_the_expected_count_formula_by_hand():
    assert expected_fires(0.5, 1, 4) == pytest.approx(2.0)
    # duration 2 over 2 rounds: round 0 starts with p; round 1 is idle only if round 0 did not.
    assert expected_fires(0.5, 2, 2) == pytest.approx(0.5 + 0.5 * 0.5)
    assert expected_fires(1.0, 3, 7) == pytest.approx(3.0)  # rounds 0, 3, 6


def test_a_scheduled_event_fires_once_at_its_session_and_round_everywhere():
    scenario = validate(with_events(shock(at={"session": 1, "round": 3}, duration=2)), "test.yaml")
    model = NegotiationModel(scenario, 200, seed=5)
    base = model.state_agents[0].reservation.copy()
    for session, round_, _, started in run_by_round(model):
        at = (session, round_) == (1, 3)
        np.testing.assert_array_equal(started, 1 if at else 0, err_msg=f"{session}, {round_}")
        active = session == 1 and round_ in (3, 4)
        reservation = model.state_agents[0].reservation
        np.testing.assert_allclose(reservation, base + 0.01 if active else base)
    np.testing.assert_array_equal(model.outcomes()["event_shock"], 1)


# --- what an active event does ----------------------------------------------------------------


def test_shifted_fields_follow_base_times_multiply_plus_add_inside_their_range():
    events = {
        "crisis": {
            "at": {"session": 0, "round": 2},
            "duration": 3,
            "shifts": [
                {"agent": "a", "field": "reservation", "multiply": 1.5, "add": -0.1},
                {"agent": "a", "field": "risk", "add": 200.0},  # kept at the maximum, 100
                {"agent": "b", "field": "e", "multiply": 2.0, "add": 0.5},
                {
                    "agent": "a",
                    "field": "compliance",
                    "multiply": 0.5,
                    "add": {"dist": "uniform", "low": -0.2, "high": 0.0},
                },
            ],
        }
    }
    data = with_events(
        events,
        reservation={"dist": "uniform", "low": 0.5, "high": 0.8},
        compliance={"dist": "beta", "a": 2, "b": 2},
    )
    data["agents"]["b"]["strategy"] = {
        "name": "time_dependent",
        "params": {"e": {"dist": "lognormal", "median": 1.0, "sigma": 0.5}},
    }
    data["negotiation"].update(sessions=1, rounds=8)
    model = NegotiationModel(validate(data, "test.yaml"), 500, seed=6)
    a, b = model.state_agents

    def fields():
        return {
            "reservation": a.reservation.copy(),
            "floor": a.floor.copy(),
            "risk": a.preferences.risk.copy(),
            "compliance": a.compliance.copy(),
            "e": b.strategy.e.copy(),
        }

    base = fields()
    base["floor"] = base["reservation"]  # failing to agree leaves the reservation utility
    shifted_reservation = np.clip(base["reservation"] * 1.5 - 0.1, 0.0, 1.0)
    assert (shifted_reservation == 1.0).any() and (shifted_reservation < 1.0).any()
    for round_ in range(8):
        model.step()
        now = fields()
        if round_ in (2, 3, 4):
            np.testing.assert_allclose(now["reservation"], shifted_reservation)
            np.testing.assert_allclose(now["floor"], shifted_reservation)
            np.testing.assert_array_equal(now["risk"], 100.0)
            np.testing.assert_allclose(now["e"], base["e"] * 2.0 + 0.5)
            # The added amount is drawn per replication from uniform(-0.2, 0).
            added = now["compliance"] - base["compliance"] * 0.5
            clipped = now["compliance"] == 0.0
            assert (added[~clipped] >= -0.2 - 1e-12).all() and (added <= 1e-12).all()
            assert np.unique(np.round(added, 9)).size > 100
        else:
            for name, values in base.items():
                np.testing.assert_array_equal(now[name], values, err_msg=f"{name}, round {round_}")


def test_a_reservation_shift_raises_the_floor_above_the_status_quo():
    """With the status quo as fallback the floor is max(reservation, U(status quo)) = 0.5 for a;
    an event adding 0.3 to a reservation of 0.3 lifts it to 0.6, and it falls back after."""
    data = with_events(
        {
            "hope": {
                "at": {"session": 0, "round": 1},
                "duration": 2,
                "shifts": [{"agent": "a", "field": "reservation", "add": 0.3}],
            }
        },
        reservation=0.3,
    )
    data["negotiation"].update(sessions=1, rounds=5, disagreement="status_quo")
    model = NegotiationModel(validate(data, "test.yaml"), 4, seed=1)
    floors = []
    for _ in range(5):
        model.step()
        floors.append(model.state_agents[0].floor.copy())
    np.testing.assert_allclose(np.stack(floors)[:, 0], [0.5, 0.6, 0.6, 0.5, 0.5])


# --- a replication's events do not depend on its batch ----------------------------------------

# Agreement comes at a different round in each replication (the exponents are drawn), and
# commitments are kept with probability 0.7, so a replication that agrees early ends its session
# early when run alone, but not in a batch where others are still talking.
VARIED = {
    "negotiation": {"rounds": 12, "sessions": 2, "disagreement": "reservation"},
    "issues": {"x": {"status_quo": 0.5, "implementer": "a"}},
    "agents": {
        name: {
            "reservation": 0.3,
            "compliance": 0.7,
            "strategy": {
                "name": "time_dependent",
                "params": {"e": {"dist": "uniform", "low": 0.2, "high": 5.0}},
            },
            "preferences": {"x": {"ideal": ideal, "salience": 1.0}},
        }
        for name, ideal in (("a", 1.0), ("b", 0.0))
    },
}
TIMING = {
    "random": {"hazard": 0.2, "duration": 1},
    "scheduled": {"at": {"session": 0, "round": 8}, "duration": 6},
}


SHIFTS = {
    "reservation": {"agent": "b", "field": "reservation", "add": 0.3},
    "compliance": {"agent": "a", "field": "compliance", "multiply": 0.0},  # a implements x
    "risk": {"agent": "a", "field": "risk", "add": 3.0},
}


@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("timing", TIMING)
def test_a_replication_with_events_does_not_depend_on_its_batch(timing, shift):
    """sim/rng.py promises that a replication's result depends on the seed and its index only."""
    data = with_events({"shock": {"shifts": [SHIFTS[shift]], **TIMING[timing]}}, base=VARIED)
    scenario = validate(data, "test.yaml")
    batch = NegotiationModel(scenario, 300, seed=3).run().outcomes()
    assert len(set(batch["rounds_to_agreement"])) > 3  # sessions end at different rounds
    differ: dict[str, list[int]] = {}
    for rep in range(0, 300, 5):
        alone = NegotiationModel(scenario, 1, seed=3, start=rep).run().outcomes()
        for column, value in alone.items():
            if not np.array_equal(value[0], batch[column][rep], equal_nan=True):
                differ.setdefault(column, []).append(rep)
    assert not differ, {column: reps[:5] for column, reps in differ.items()}


# --- validation -------------------------------------------------------------------------------

SHIFT = [{"agent": "a", "field": "reservation", "add": 0.1}]
REFUSED = [
    (
        {"hazard": 0.1, "at": {"session": 0, "round": 1}, "duration": 1, "shifts": SHIFT},
        "events.shock: an event needs either 'at' (scheduled) or 'hazard' (random), not both",
    ),
    (
        {"duration": 1, "shifts": SHIFT},
        "events.shock: an event needs either 'at' (scheduled) or 'hazard' (random)",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": [{"agent": "aa", "field": "reservation"}]},
        "events.shock.shifts[0].agent: unknown agent 'aa' (did you mean 'a'?)",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": [{"agent": "a", "field": "reservaton"}]},
        "events.shock.shifts[0].field: unknown shiftable field",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": [{"agent": "a", "field": "step"}]},
        "events.shock.shifts[0].field: unknown shiftable field",  # a Zeuthen parameter; a is time-dependent
    ),
    (
        {"hazard": 0.1, "duration": 0, "shifts": SHIFT},
        "events.shock.duration: must be >= 1 (got 0)",
    ),
    ({"hazard": 1.5, "duration": 1, "shifts": SHIFT}, "events.shock.hazard: must be <= 1"),
    (
        {"at": {"session": 0}, "duration": 1, "shifts": SHIFT},
        "events.shock.at.round: missing required field",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": []},
        "events.shock.shifts: expected a list of shifts",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": [{**SHIFT[0], "multiply": -1}]},
        "events.shock.shifts[0].multiply: must be >= 0",
    ),
    (
        {"hazard": 0.1, "duration": 1, "shifts": [{**SHIFT[0], "sdd": 1}]},
        "events.shock.shifts[0].sdd: unknown field 'sdd' (did you mean 'add'?)",
    ),
]


@pytest.mark.parametrize(("event", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_a_bad_event_is_refused(event, message):
    with pytest.raises(ScenarioError) as refused:
        validate(with_events({"shock": event}), "test.yaml")
    assert f"test.yaml: {message}" in str(refused.value)


def test_an_unknown_field_suggests_the_closest():
    event = {"hazard": 0.1, "duration": 1, "shifts": [{"agent": "a", "field": "reservaton"}]}
    with pytest.raises(ScenarioError, match=r"did you mean 'reservation'\?"):
        validate(with_events({"shock": event}), "test.yaml")


# --- random valid scenarios with distributions and events ----------------------------------------

unit = st.floats(0.0, 1.0)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def value(draw, low: float, high: float, *, low_open: bool = False):
    """A number in the field's range, or a distribution whose support lies inside it."""
    top = min(high, 20.0)
    bottom = low + 0.01 if low_open else low
    a = draw(st.floats(bottom, top - 0.02))
    b = draw(st.floats(a + 0.01, top))
    kind = draw(st.sampled_from(["number", "uniform", "beta", "truncnorm", "triangular", "choice"]))
    if kind == "number":
        return a
    if kind == "uniform":
        return {"dist": "uniform", "low": a, "high": b}
    if kind == "beta":
        shape = st.floats(0.2, 5.0)
        return {"dist": "beta", "a": draw(shape), "b": draw(shape), "low": a, "high": b}
    if kind == "truncnorm":
        return {
            "dist": "truncnorm",
            "mean": draw(st.floats(a, b)),
            "sd": draw(st.floats(0.01, 1.0)),
            "low": a,
            "high": b,
        }
    if kind == "triangular":
        return {"dist": "triangular", "low": a, "mode": draw(st.floats(a, b)), "high": b}
    values = draw(st.lists(st.floats(bottom, top), min_size=1, max_size=4))
    return {"dist": "choice", "values": values, "weights": [1.0 + i for i in range(len(values))]}


def most(value) -> float:
    """The largest value a number or distribution from :func:`value` can take."""
    if not isinstance(value, dict):
        return value
    return max(value["values"]) if value["dist"] == "choice" else value.get("high", math.inf)


@st.composite
def agent_data(draw, issues: list[str]) -> dict:
    strategy = draw(st.sampled_from(sorted(STRATEGIES)))
    preferences, red_lines = {}, {}
    for issue in issues:
        if draw(st.booleans()):
            ideal = draw(unit)
            if draw(st.booleans()):
                red_lines[issue] = {
                    "min": draw(st.floats(0.0, ideal)),
                    "max": draw(st.floats(ideal, 1.0)),
                }
        else:  # a drawn ideal, on an issue without a red line
            ideal = draw(value(0.0, 1.0))
        salience = draw(
            st.one_of(value(0.0, 5.0), st.just({"dist": "lognormal", "median": 1.0, "sigma": 1.0}))
        )
        preferences[issue] = {"ideal": ideal, "salience": salience}
    if all(most(p["salience"]) == 0 for p in preferences.values()):
        preferences[issues[0]]["salience"] = 1.0  # at least one issue must matter
    params = {
        key: draw(value(spec.low, spec.high, low_open=spec.low_open))
        for key, spec in get_strategy(strategy).params.items()
        if draw(st.booleans())
    }
    return {
        "utility": draw(st.sampled_from(["linear", "quadratic"])),
        "risk": draw(value(0.0, 4.0, low_open=True)),
        "reservation": draw(value(0.0, 0.9)),
        "discount": draw(value(0.0, 1.0, low_open=True)),
        "compliance": draw(value(0.0, 1.0)),
        "strategy": {"name": strategy, "params": params},
        "preferences": preferences,
        "red_lines": red_lines,
    }


@st.composite
def event_data(draw, agents: dict, sessions: int, rounds: int) -> dict:
    if draw(st.booleans()):
        timing = {"hazard": draw(unit)}
    else:
        timing = {
            "at": {
                "session": draw(st.integers(0, sessions - 1)),
                "round": draw(st.integers(0, rounds - 1)),
            }
        }
    shifts = []
    for _ in range(draw(st.integers(1, 3))):
        agent = draw(st.sampled_from(sorted(agents)))
        strategy = agents[agent]["strategy"]["name"]
        shiftable = [f for f in SHIFTABLE if f != "threshold" or "domestic" in agents[agent]]
        field = draw(st.sampled_from([*shiftable, *get_strategy(strategy).params]))
        shifts.append(
            {
                "agent": agent,
                "field": field,
                "add": draw(st.one_of(st.floats(-1.0, 1.0), value(-1.0, 1.0))),
                "multiply": draw(st.one_of(st.floats(0.0, 3.0), value(0.0, 3.0))),
            }
        )
    return {"duration": draw(st.integers(1, 4)), "shifts": shifts, **timing}


@st.composite
def scenario_data(draw) -> dict:
    issues = [f"i{k}" for k in range(draw(st.integers(1, 3)))]
    sessions, rounds = draw(st.integers(1, 3)), draw(st.integers(1, 12))
    agents = {name: draw(agent_data(issues)) for name in ("a", "b")}
    for agent in agents.values():  # sometimes a ratifier at home, whose threshold events move
        if draw(st.booleans()):
            agent["domestic"] = {"threshold": draw(value(0.0, 0.6))}
    return {
        "negotiation": {
            "protocol": draw(
                st.sampled_from(["alternating_offers", "issue_by_issue", "monotonic_concession"])
            ),
            "rounds": rounds,
            "sessions": sessions,
            "first_proposer": draw(st.sampled_from(["a", "b"])),
            "disagreement": draw(st.sampled_from(["status_quo", "reservation"])),
        },
        "trust": {
            "initial": draw(value(0.2, 1.0)),
            "penalty": draw(value(0.0, 1.0)),
            "recovery": draw(value(0.0, 1.0)),
        },
        "issues": {
            issue: {
                "status_quo": draw(value(0.0, 1.0)),
                "implementer": draw(st.sampled_from(["a", "b", "all"])),
            }
            for issue in issues
        },
        "agents": agents,
        "events": {
            f"e{k}": draw(event_data(agents, sessions, rounds))
            for k in range(draw(st.integers(0, 2)))
        },
    }


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(data=scenario_data(), seed=seeds)
def test_random_scenarios_with_distributions_and_events_stay_in_bounds(data, seed):
    """Whatever is drawn and shifted: utilities and trust stay in [0, 1], shifted parameters in
    their ranges, and no offer or agreement crosses a red line."""
    scenario = validate(data, "test.yaml")
    replications = 16
    model = NegotiationModel(scenario, replications, seed=seed, trace=replications)
    while model.running:
        model.step()
        for agent in model.state_agents:
            for name in ("reservation", "compliance", "floor", "aspiration", "trust"):
                values = getattr(agent, name)
                note(f"{agent.name}.{name} = {values}")
                assert ((values >= 0.0) & (values <= 1.0)).all(), (agent.name, name)
            assert (agent.preferences.risk > 0).all()
    outcomes = model.outcomes()
    for agent in scenario.agent_names:
        for column in (f"utility_{agent}", f"discounted_{agent}", f"trust_{agent}"):
            values = outcomes[column]
            assert ((values >= 0.0) & (values <= 1.0)).all(), (column, values)
    np.testing.assert_array_equal(outcomes["red_line_violations"], 0)

    offers = model.trace.offers_frame()
    assert len(offers) > 0
    for agent in scenario.agent_names:
        mine = offers[offers["agent"] == agent]
        for issue in scenario.issue_names:
            low, high = scenario.agent(agent).red_lines.get(issue, (0.0, 1.0))
            assert mine[f"offer_{issue}"].between(low - TOLERANCE, high + TOLERANCE).all()


def test_an_event_scheduled_outside_the_run_is_refused():
    data = with_events(shock(at={"session": 9, "round": 0}, duration=1))
    with pytest.raises(
        ScenarioError, match=r"events\.shock\.at: session 9, round 0 is outside the run"
    ):
        validate(data, "test.yaml")
