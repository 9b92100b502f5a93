"""Uncertain parameters (sim/distributions.py): draws follow their scipy.stats twins, validation
refuses what a field cannot hold, and a replication's draws depend on the seed and its index only.

Goodness of fit at a fixed seed with 20,000 draws, failing below p = 0.001: the one-sample
Kolmogorov–Smirnov test (Kolmogorov 1933; Smirnov 1948) for continuous distributions, Pearson's
(1900) chi-square test on the counts for ``choice``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.scenario.distributions import DISTRIBUTIONS, Distribution
from sim.scenario.errors import ScenarioError

N = 20_000
ALPHA = 0.001
SEED = 20240611

BASE = {
    "negotiation": {"rounds": 4, "disagreement": "reservation"},
    "issues": {"x": {"status_quo": 0.5}},
    "agents": {
        "a": {
            "reservation": 0.3,
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 1.0, "salience": 1.0}},
        },
        "b": {
            "reservation": 0.3,
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 0.0, "salience": 1.0}},
        },
    },
}


def scenario_with(**changes) -> dict:
    """``BASE`` with fields replaced, each named by its path with ``__`` between keys."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return data


def build(node: dict) -> Distribution:
    """The distribution a scenario mapping such as ``{dist: beta, a: 2, b: 5}`` describes."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in node.items() if k != "dist"}
    return DISTRIBUTIONS[node["dist"]](**values)


# Each continuous distribution, the scenario field it is drawn for, and how to read the draws back.
RESERVATION = ("agents__a__reservation", lambda m: m.state_agents[0].reservation)
EXPONENT = ("agents__a__strategy", lambda m: m.state_agents[0].strategy.e)
CONTINUOUS = {
    "uniform": ({"dist": "uniform", "low": 0.2, "high": 0.7}, RESERVATION),
    "truncnorm": (
        {"dist": "truncnorm", "mean": 0.6, "sd": 0.3, "low": 0.1, "high": 0.9},
        RESERVATION,
    ),
    "beta": ({"dist": "beta", "a": 2.0, "b": 5.0}, RESERVATION),
    "beta_low_high": ({"dist": "beta", "a": 0.7, "b": 1.5, "low": 0.2, "high": 0.6}, RESERVATION),
    "triangular": ({"dist": "triangular", "low": 0.1, "mode": 0.3, "high": 0.9}, RESERVATION),
    "lognormal": ({"dist": "lognormal", "median": 0.5, "sigma": 0.4}, EXPONENT),
}


def model_draws(node: dict, field: str, read) -> np.ndarray:
    value = {"name": "time_dependent", "params": {"e": node}} if field == EXPONENT[0] else node
    scenario = validate(scenario_with(**{field: value}), "test.yaml")
    return np.asarray(read(NegotiationModel(scenario, N, seed=SEED)))


@pytest.mark.parametrize("name", CONTINUOUS)
def test_model_draws_follow_the_scipy_twin(name):
    """Kolmogorov–Smirnov: the parameter as the model draws it, block by block."""
    node, (field, read) = CONTINUOUS[name]
    dist = build(node)
    draws = model_draws(node, field, read)
    assert draws.shape == (N,)
    low, high = dist.support()
    assert draws.min() >= low and draws.max() <= high
    assert stats.kstest(draws, dist.scipy().cdf).pvalue > ALPHA


def test_a_normal_event_shift_follows_the_scipy_twin():
    """``normal`` is allowed only where the field is unbounded, as an event's ``add``; the shift
    on an exponent of 10 is read back after the scheduled event has started."""
    node = {"dist": "normal", "mean": 0.0, "sd": 1.0}
    data = scenario_with(
        agents__a__strategy={"name": "time_dependent", "params": {"e": 10.0}},
        events={
            "shock": {
                "at": {"session": 0, "round": 0},
                "duration": 1,
                "shifts": [{"agent": "a", "field": "e", "add": node}],
            }
        },
    )
    model = NegotiationModel(validate(data, "test.yaml"), N, seed=SEED)
    model.step()
    draws = model.state_agents[0].strategy.e - 10.0
    assert stats.kstest(draws, build(node).scipy().cdf).pvalue > ALPHA


@pytest.mark.parametrize(
    "node",
    [
        *(node for node, _ in CONTINUOUS.values()),
        {"dist": "normal", "mean": -1.0, "sd": 2.5},
    ],
    ids=[*CONTINUOUS, "normal"],
)
def test_sample_follows_the_scipy_twin(node):
    dist = build(node)
    draws = dist.sample(np.random.default_rng(SEED), N)
    assert draws.shape == (N,)
    assert stats.kstest(draws, dist.scipy().cdf).pvalue > ALPHA


def test_the_test_can_tell_distributions_apart():
    """The same KS test rejects draws of a neighbouring distribution (a lognormal whose median
    is off by 5%), so the checks above have power."""
    draws = build({"dist": "lognormal", "median": 0.525, "sigma": 0.4}).sample(
        np.random.default_rng(SEED), N
    )
    twin = build({"dist": "lognormal", "median": 0.5, "sigma": 0.4}).scipy()
    assert stats.kstest(draws, twin.cdf).pvalue < ALPHA


CHOICES = [
    {"dist": "choice", "values": [0.1, 0.4, 0.8], "weights": [1.0, 2.0, 5.0]},
    {"dist": "choice", "values": [0.2, 0.3, 0.5, 0.9]},
]


@pytest.mark.parametrize("node", CHOICES, ids=["weighted", "equal"])
def test_choice_counts_follow_the_weights(node):
    """Pearson's chi-square on the counts of each value, model draws and direct samples."""
    dist = build(node)
    expected = N * dist.scipy().pmf(np.arange(len(dist.values)))
    for draws in (
        model_draws(node, *RESERVATION),
        dist.sample(np.random.default_rng(SEED), N),
    ):
        counts = [(draws == value).sum() for value in dist.values]
        assert sum(counts) == N  # nothing but the listed values
        assert stats.chisquare(counts, expected).pvalue > ALPHA


# --- validation --------------------------------------------------------------------------------

NORMAL = {"dist": "normal", "mean": 1.0, "sd": 0.1}
REFUSED = [
    (
        {"agents__a__preferences": {"x": {"ideal": 1.0, "salience": NORMAL}}},
        "agents.a.preferences.x.salience: normal can draw values in [-inf, inf], "
        "outside the allowed [0, inf]; choose a distribution with bounded support",
    ),
    (
        {"agents__a__reservation": {**NORMAL, "dist": "normall"}},
        "agents.a.reservation.dist: unknown distribution 'normall' (did you mean 'normal'?)",
    ),
    (
        {"agents__a__reservation": {"mean": 0.5, "sd": 0.1}},
        "agents.a.reservation.dist: missing: a distribution names its 'dist'",
    ),
    (
        {"agents__a__reservation": {"dist": "truncnorm", "mean": 0.5, "sd": 0.1, "high": 1.0}},
        "agents.a.reservation.low: missing required field",
    ),
    (
        {"agents__a__reservation": {"dist": "uniform", "low": 0.1, "hihg": 0.5}},
        "agents.a.reservation.hihg: unknown field 'hihg' (did you mean 'high'?)",
    ),
    (
        {
            "agents__a__reservation": {
                "dist": "truncnorm",
                "mean": 0.5,
                "sd": 0,
                "low": 0,
                "high": 1,
            }
        },
        "agents.a.reservation: truncnorm needs sd > 0",
    ),
    (
        {"agents__a__reservation": {"dist": "normal", "mean": 0.5, "sd": -1}},
        "agents.a.reservation: normal needs sd > 0",
    ),
    (
        {"agents__a__reservation": {"dist": "uniform", "low": 0.5, "high": 0.5}},
        "agents.a.reservation: uniform needs low < high",
    ),
    (
        {"agents__a__reservation": {"dist": "beta", "a": 2, "b": 2, "low": 0.6, "high": 0.2}},
        "agents.a.reservation: beta needs low < high",
    ),
    (
        {"agents__a__reservation": {"dist": "triangular", "low": 0.2, "mode": 0.9, "high": 0.5}},
        "agents.a.reservation: triangular needs low <= mode <= high",
    ),
    (
        {"agents__a__reservation": {"dist": "choice", "values": [0.1, 0.2], "weights": [1]}},
        "agents.a.reservation: choice needs as many weights as values",
    ),
    (
        {"agents__a__reservation": {"dist": "choice", "values": [0.1, 0.2], "weights": [1, -1]}},
        "agents.a.reservation: choice needs weights >= 0 that are not all zero",
    ),
    (
        {"agents__a__reservation": {"dist": "uniform", "low": 0.5, "high": 1.5}},
        "agents.a.reservation: uniform can draw values in [0.5, 1.5], outside the allowed [0, 1]",
    ),
    (
        {"agents__a__risk": {"dist": "lognormal", "median": 1.0, "sigma": 0.1}},
        "agents.a.risk: lognormal can draw values in [0, inf], outside the allowed (0, 100]",
    ),
    (
        {"agents__a__discount": {"dist": "uniform", "low": 0.0, "high": 1.0}},
        "agents.a.discount: uniform can draw values in [0, 1], outside the allowed (0, 1]",
    ),
    (
        {"agents__a__strategy": {"name": "time_dependent", "params": {"e": NORMAL}}},
        "agents.a.strategy.params.e: normal can draw values in [-inf, inf], "
        "outside the allowed (0, inf]",
    ),
]


@pytest.mark.parametrize(
    ("changes", "message"), REFUSED, ids=[m[: m.index(":")] for _, m in REFUSED]
)
def test_a_distribution_the_field_cannot_hold_is_refused(changes, message):
    with pytest.raises(ScenarioError) as refused:
        validate(scenario_with(**changes), "test.yaml")
    assert str(refused.value).startswith("test.yaml: ")
    assert message in str(refused.value)


def test_a_lognormal_is_allowed_where_zero_is_excluded():
    """Its support (0, inf) never reaches 0, so an exponent (e > 0) may be lognormal."""
    node = {"dist": "lognormal", "median": 1.0, "sigma": 0.5}
    scenario = validate(
        scenario_with(agents__a__strategy={"name": "time_dependent", "params": {"e": node}}),
        "test.yaml",
    )
    assert scenario.agent("a").strategy_params["e"] == build(node)


def test_an_ideal_drawn_past_its_red_line_is_refused():
    """uniform(0.5, 1) can put the ideal below the red line's min 0.7."""
    data = scenario_with(
        agents__a__preferences={
            "x": {"ideal": {"dist": "uniform", "low": 0.5, "high": 1.0}, "salience": 1.0}
        },
        agents__a__red_lines={"x": {"min": 0.7}},
    )
    with pytest.raises(ScenarioError, match=r"agents\.a\.red_lines\.x: .*ideal"):
        validate(data, "test.yaml")


def test_an_ideal_drawn_inside_its_red_line_is_accepted():
    data = scenario_with(
        agents__a__preferences={
            "x": {"ideal": {"dist": "uniform", "low": 0.8, "high": 1.0}, "salience": 1.0}
        },
        agents__a__red_lines={"x": {"min": 0.7}},
    )
    model = NegotiationModel(validate(data, "test.yaml"), 500, seed=SEED)
    ideal = model.state_agents[0].preferences.ideal[:, 0]
    assert ideal.min() >= 0.8 and ideal.max() <= 1.0 and ideal.std() > 0


# --- reproducibility ------------------------------------------------------------------------------


def uniform(low: float, high: float) -> dict:
    return {"dist": "uniform", "low": low, "high": high}


EVERYTHING_DRAWN = {
    "negotiation": {"rounds": 6, "disagreement": "reservation"},
    "trust": {"initial": uniform(0.5, 1.0), "penalty": uniform(0, 1), "recovery": uniform(0, 1)},
    "issues": {"x": {"status_quo": uniform(0, 1)}, "y": {"status_quo": uniform(0, 1)}},
    "agents": {
        name: {
            "reservation": uniform(0.1, 0.4),
            "risk": {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 2.0},
            "discount": uniform(0.8, 1.0),
            "compliance": {"dist": "beta", "a": 5, "b": 1},
            "strategy": {
                "name": "time_dependent",
                "params": {"e": {"dist": "lognormal", "median": 1.0, "sigma": 0.5}},
            },
            "preferences": {
                "x": {"ideal": uniform(0, 1), "salience": {"dist": "choice", "values": [0, 1, 2]}},
                "y": {"ideal": uniform(0, 1), "salience": uniform(0.5, 1)},
            },
        }
        for name in ("a", "b")
    },
}


def drawn_parameters(model: NegotiationModel) -> dict[str, np.ndarray]:
    """Every per-replication parameter the model drew, by name, replication axis first."""
    found = {
        "status_quo": model.status_quo,
        "trust_penalty": model.implementation.trust_penalty,
        "trust_recovery": model.implementation.trust_recovery,
    }
    for agent in model.state_agents:
        prefs = agent.preferences
        for key, value in {
            "ideal": prefs.ideal,
            "salience": prefs.salience,
            "risk": prefs.risk,
            "reservation": agent.reservation,
            "discount": agent.discount,
            "compliance": agent.compliance,
            "e": agent.strategy.e,
            "trust": agent.trust,
        }.items():
            found[f"{agent.name}.{key}"] = np.asarray(value)
    return found


@pytest.fixture(scope="module")
def everything_drawn():
    return validate(copy.deepcopy(EVERYTHING_DRAWN), "test.yaml")


def test_a_replication_alone_draws_what_it_draws_in_a_big_batch(everything_drawn):
    n = 2 * 1024 + 52  # a partial last block
    batch = drawn_parameters(NegotiationModel(everything_drawn, n, seed=9))
    for rep in (0, 5, 1023, 1024, 2047, n - 1):
        alone = drawn_parameters(NegotiationModel(everything_drawn, 1, seed=9, start=rep))
        for name, values in alone.items():
            np.testing.assert_array_equal(values[0], batch[name][rep], err_msg=f"{name}, rep {rep}")
    middle = drawn_parameters(NegotiationModel(everything_drawn, 100, seed=9, start=1000))
    for name, values in middle.items():
        np.testing.assert_array_equal(values, batch[name][1000:1100], err_msg=name)


def test_same_seed_same_draws_other_seed_other_draws(everything_drawn):
    first = drawn_parameters(NegotiationModel(everything_drawn, 300, seed=4))
    again = drawn_parameters(NegotiationModel(everything_drawn, 300, seed=4))
    other = drawn_parameters(NegotiationModel(everything_drawn, 300, seed=5))
    for name, values in first.items():
        np.testing.assert_array_equal(again[name], values, err_msg=name)
        assert not np.array_equal(other[name], values), name


def test_each_parameter_gets_its_own_draws(everything_drawn):
    """Parameters with the same distribution are drawn per replication and from fresh numbers,
    so they are neither constant nor copies of each other (nor correlated)."""
    drawn = drawn_parameters(NegotiationModel(everything_drawn, 3000, seed=3))
    columns = {
        "status_quo.x": drawn["status_quo"][:, 0],
        "status_quo.y": drawn["status_quo"][:, 1],
        "a.ideal.x": drawn["a.ideal"][:, 0],
        "a.ideal.y": drawn["a.ideal"][:, 1],
        "b.ideal.x": drawn["b.ideal"][:, 0],
        "a.reservation": drawn["a.reservation"],
        "b.reservation": drawn["b.reservation"],
        "a.e": drawn["a.e"],
        "b.e": drawn["b.e"],
        "trust_penalty": drawn["trust_penalty"],
        "trust_recovery": drawn["trust_recovery"],
        "a.trust": drawn["a.trust"],
        "b.trust": drawn["b.trust"],
    }
    correlation = np.corrcoef(np.stack(list(columns.values())))
    off_diagonal = correlation[~np.eye(len(columns), dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.1  # about 5 standard errors at n = 3000
    for name, values in columns.items():
        assert values.std() > 0, name


def test_drawn_saliences_are_normalised_per_replication(everything_drawn):
    salience = NegotiationModel(everything_drawn, 2000, seed=8).state_agents[0].preferences.salience
    np.testing.assert_allclose(salience.sum(axis=1), 1.0)
    # x's weight is 0, 1 or 2 against y's uniform(0.5, 1): x's share is 0 in about a third.
    assert 0.28 < (salience[:, 0] == 0).mean() < 0.39
