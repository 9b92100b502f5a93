"""Coalition analysis: the voting game of a ratification rule, its minimal winning coalitions,
Shapley–Shubik and Banzhaf power (sim/analysis/voting.py, power.py, coalitions.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis.coalitions import (
    agent_record,
    coalition_masks,
    coalition_summary,
    formed_coalitions,
)
from sim.analysis.power import power_indices
from sim.analysis.voting import (
    VotingGame,
    count_minimal_winning,
    enumeration_note,
    game_from_rule,
    game_of,
    is_minimal_winning,
    minimal_winning,
)
from sim.core.catalogue import load_scenario
from sim.scenario.spec import Ratification

ROOT = Path(__file__).resolve().parents[2]
QM = "qualified_majority"


def names(n: int) -> tuple[str, ...]:
    return tuple(f"a{i}" for i in range(n))


def weighted(weights, threshold, veto=()) -> VotingGame:
    return game_from_rule(names(len(weights)), weights, QM, threshold, "weight", veto)


def security_council(by: str = "count") -> VotingGame:
    """1954-65 UN Security Council: 5 permanent members with a veto and 6 others, 7 votes; since
    1965 10 others and 9 votes (the one modelled here)."""
    return game_from_rule(names(15), [1.0] * 15, QM, 9 / 15, by, names(5))


# Published values ----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["count", "weight"])
@pytest.mark.parametrize("method", ["enumeration", "dynamic_programming", None])
def test_un_security_council(by, method):
    """Shapley & Shubik (1954) for the Council after 1965, as in Straffin (1993, Game Theory and
    Strategy, ch. 9): a permanent member 421/2145 = 0.1963, another member 4/2145 = 0.001865.
    Banzhaf: a permanent member is a swing in 848 of the 2^14 coalitions of the others, another
    member in 84 (Felsenthal & Machover 1998, 0.1669 and 0.0165 normalised)."""
    p = power_indices(security_council(by), method=method)
    assert p.shapley_shubik[:5] == pytest.approx([float(Fraction(421, 2145))] * 5, abs=1e-12)
    assert p.shapley_shubik[5:] == pytest.approx([float(Fraction(4, 2145))] * 10, abs=1e-12)
    assert round(p.shapley_shubik[0], 4) == 0.1963 and round(p.shapley_shubik[5], 6) == 0.001865
    assert p.banzhaf_absolute[:5] == pytest.approx([848 / 2**14] * 5)
    assert p.banzhaf_absolute[5:] == pytest.approx([84 / 2**14] * 10)
    assert p.banzhaf[0] == pytest.approx(848 / 5080) and p.banzhaf[5] == pytest.approx(84 / 5080)
    assert p.shapley_shubik_se is None


def test_un_security_council_minimal_winning_coalitions():
    """The five permanent members and any four of the other ten: C(10, 4) = 210."""
    game = security_council()
    found = minimal_winning(game)
    assert found.size == 210 == count_minimal_winning(game, "dynamic_programming")
    permanent = game.mask(names(5))
    assert all(m & permanent == permanent and bin(int(m)).count("1") == 9 for m in found)


def test_weight_is_not_power():
    """[51; 49, 49, 2]: any two of the three win, so the small party has as much power as the
    large ones (the standard textbook example, e.g. Felsenthal & Machover 1998)."""
    game = weighted([49, 49, 2], 0.51)
    p = power_indices(game)
    for index in (p.shapley_shubik, p.banzhaf):
        assert index == pytest.approx([1 / 3] * 3)
    assert sorted(game.members(int(m)) for m in minimal_winning(game)) == [
        ("a0", "a1"),
        ("a0", "a2"),
        ("a1", "a2"),
    ]


def test_eec_council_of_1958_luxembourg_has_no_power():
    """EEC Council of Ministers 1958: France, Germany, Italy 4, Belgium, Netherlands 2,
    Luxembourg 1, quota 12 of 17. Shapley–Shubik 14/60 for a large member, 9/60 for a middle
    one and 0 for Luxembourg; Banzhaf 5/21 and 3/21 (Felsenthal & Machover 1998, sec. 2.3)."""
    countries = ("FR", "DE", "IT", "BE", "NL", "LU")
    game = game_from_rule(countries, [4, 4, 4, 2, 2, 1], QM, 12 / 17, "weight", ())
    p = power_indices(game)
    assert p.shapley_shubik == pytest.approx([14 / 60] * 3 + [9 / 60] * 2 + [0])
    assert p.banzhaf == pytest.approx([5 / 21] * 3 + [3 / 21] * 2 + [0])
    assert p.banzhaf_absolute[5] == 0
    mwc = {game.members(int(m)) for m in minimal_winning(game)}
    assert mwc == {
        ("FR", "DE", "IT"),
        ("FR", "DE", "BE", "NL"),
        ("FR", "IT", "BE", "NL"),
        ("DE", "IT", "BE", "NL"),
    }


def test_a_dummy_has_no_power():
    game = weighted([10, 10, 10, 0.001], 0.5)  # two of the big three win; the fourth never swings
    p = power_indices(game)
    assert p.shapley_shubik[3] == p.banzhaf[3] == p.banzhaf_absolute[3] == 0
    assert p.shapley_shubik[:3] == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize("n", [2, 5, 25])
def test_unanimity_equal_power_one_minimal_coalition(n):
    game = game_from_rule(names(n), np.arange(1, n + 1), "unanimity", 0.5, "weight", ())
    p = power_indices(game)
    assert p.method == ("enumeration" if n <= 20 else "dynamic_programming")
    assert p.shapley_shubik == pytest.approx([1 / n] * n)
    assert p.banzhaf == pytest.approx([1 / n] * n)
    assert p.banzhaf_absolute == pytest.approx([0.5 ** (n - 1)] * n)
    assert count_minimal_winning(game) == 1
    if n <= 20:
        assert minimal_winning(game).tolist() == [2**n - 1]


def test_a_veto_bloc_that_wins_alone_is_the_one_minimal_coalition():
    game = weighted([5, 5, 1, 1, 1], 0.6, veto=("a0", "a1"))
    assert minimal_winning(game).tolist() == [0b11]
    assert count_minimal_winning(game, "dynamic_programming") == 1
    assert power_indices(game).shapley_shubik == pytest.approx([0.5, 0.5, 0, 0, 0])


# The rule ------------------------------------------------------------------------------------


def test_a_float_share_is_not_lost_to_rounding():
    """0.28 * 25 is 7.000000000000001 in floating point; 7 of 25 agents still reach 28%."""
    assert 0.28 * 25 > 7
    game = game_from_rule(names(25), [1.0] * 25, QM, 0.28, "count", ())
    assert game.winning([0b1111111, 0b111111]).tolist() == [True, False]


def test_winning_needs_every_veto_player():
    game = weighted([1, 1, 1, 1], 0.5, veto=("a3",))
    assert game.winning([0b0111, 0b1001, 0b0011]).tolist() == [False, True, False]


def test_game_of_a_scenario():
    scenario = many_agents([3, 2, 1], Ratification(QM, 0.5, "weight", ("a0",)))
    game = game_of(scenario)
    assert game.names == ("a0", "a1", "a2") and game.veto == ("a0",)
    assert game.votes.tolist() == [3, 2, 1] and game.quota == 3
    by_count = game_of(replace_rule(scenario, Ratification(QM, 0.5, "count")))
    assert by_count.votes.tolist() == [1, 1, 1]
    assert game_of(replace_rule(scenario, Ratification())).veto == ("a0", "a1", "a2")


def test_large_games_are_not_enumerated_but_say_why():
    game = game_from_rule(names(21), [1.0] * 21, QM, 0.5, "count", ())
    with pytest.raises(ValueError, match="2\\*\\*21 = 2,097,152"):
        minimal_winning(game)
    assert "2^21 = 2,097,152" in enumeration_note(21)
    assert count_minimal_winning(game) == 352716  # C(21, 11): the by-count games are exact
    odd = game_from_rule(names(21), np.linspace(1, 2, 21) + 1e-4 / 3, QM, 0.5, "weight", ())
    assert count_minimal_winning(odd) is None
    assert is_minimal_winning(game, [2**11 - 1, 2**12 - 1]).tolist() == [True, False]


# Properties ----------------------------------------------------------------------------------


@st.composite
def games(draw, integer: bool = False, max_n: int = 9):
    n = draw(st.integers(1, max_n))
    if integer:
        weights = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    else:
        weights = draw(st.lists(st.floats(0.01, 10.0), min_size=n, max_size=n))
    threshold = draw(st.floats(0.01, 1.0))
    veto = draw(st.lists(st.sampled_from(names(n)), unique=True, max_size=min(n, 3)))
    return weighted(weights, threshold, tuple(veto))


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(games())
def test_indices_are_shares_of_one(game):
    p = power_indices(game)
    assert p.shapley_shubik.sum() == pytest.approx(1.0)
    assert p.banzhaf.sum() == pytest.approx(1.0)
    assert np.all(p.shapley_shubik >= 0) and np.all(p.banzhaf >= 0)
    assert np.all((p.banzhaf_absolute >= 0) & (p.banzhaf_absolute <= 1))


@PROPERTY
@given(games())
def test_power_exactly_for_the_agents_in_a_minimal_winning_coalition(game):
    """An agent swings somewhere iff it is in some minimal winning coalition; a dummy has 0."""
    p = power_indices(game)
    members = np.bitwise_or.reduce(minimal_winning(game))
    inside = np.array([bool(members >> i & 1) for i in range(game.n)])
    assert np.array_equal(p.shapley_shubik > 0, inside)
    assert np.array_equal(p.banzhaf > 0, inside)


@PROPERTY
@given(games())
def test_symmetric_agents_have_equal_power(game):
    p = power_indices(game)
    flags = game.veto_flags
    for i in range(game.n):
        for j in range(i):
            if game.votes[i] == game.votes[j] and flags[i] == flags[j]:
                assert p.shapley_shubik[i] == pytest.approx(p.shapley_shubik[j])
                assert p.banzhaf[i] == pytest.approx(p.banzhaf[j])


@PROPERTY
@given(games(integer=True, max_n=10))
def test_dynamic_programming_agrees_with_enumeration(game):
    exact, counted = power_indices(game), power_indices(game, method="dynamic_programming")
    assert counted.shapley_shubik == pytest.approx(exact.shapley_shubik, abs=1e-12)
    assert counted.banzhaf_absolute == pytest.approx(exact.banzhaf_absolute, abs=1e-12)
    assert count_minimal_winning(game, "dynamic_programming") == minimal_winning(game).size


@PROPERTY
@given(games())
def test_the_table_the_rule_and_minimality_agree(game):
    masks = np.arange(2**game.n)
    assert np.array_equal(game.table, game.winning(masks))
    minimal = np.zeros(2**game.n, dtype=bool)
    minimal[minimal_winning(game)] = True
    assert np.array_equal(minimal, is_minimal_winning(game, masks))
    assert game.table[-1] and not game.table[0]  # everyone wins, no one loses


def test_monte_carlo_is_within_four_standard_errors_of_exact():
    weights = np.random.default_rng(3).integers(1, 10, 20)
    game = weighted(weights, 0.6, veto=("a0",))
    exact = power_indices(game)
    estimate = power_indices(game, method="monte_carlo", samples=100_000, seed=5)
    assert estimate.method == "monte_carlo" and estimate.samples == 100_000
    for name in ("shapley_shubik", "banzhaf", "banzhaf_absolute"):
        se = getattr(estimate, f"{name}_se")
        assert np.all(se > 0)
        assert np.all(np.abs(getattr(estimate, name) - getattr(exact, name)) <= 4 * se), name
    again = power_indices(game, method="monte_carlo", samples=100_000, seed=5)
    assert np.array_equal(again.shapley_shubik, estimate.shapley_shubik)
    assert np.array_equal(again.banzhaf, estimate.banzhaf)
    assert estimate.shapley_shubik.sum() == pytest.approx(1.0)


def test_thirty_agents_with_float_weights_are_estimated():
    weights = np.random.default_rng(4).random(30) + 0.5
    p = power_indices(weighted(weights, 0.6), samples=20_000)
    assert p.method == "monte_carlo" and p.seed is not None
    assert p.shapley_shubik.sum() == pytest.approx(1.0)
    integer = power_indices(weighted(np.round(weights * 100) / 100, 0.6))
    assert integer.method == "dynamic_programming"  # two decimals: counted exactly
    assert integer.shapley_shubik.sum() == pytest.approx(1.0)


# From the replications table -----------------------------------------------------------------


def many_agents(weights, ratification: Ratification):
    """split_the_pie with one agent per weight (a0, a1, ...) and this ratification rule."""
    pie = load_scenario(ROOT / "scenarios" / "split_the_pie.yaml")
    template = pie.agents[0]
    agents = tuple(
        replace(template, name=f"a{i}", label=f"Agent {i}", weight=float(w))
        for i, w in enumerate(weights)
    )
    return replace_rule(replace(pie, agents=agents), ratification)


def replace_rule(scenario, ratification: Ratification):
    negotiation = replace(scenario.negotiation, ratification=ratification)
    return replace(scenario, negotiation=negotiation)


def replications(rows: list[tuple[bool, str, tuple[float, float, float]]]) -> pd.DataFrame:
    """One row per run: agreement, who accepted (letters of a0..a2 as '012'), gains."""
    return pd.DataFrame(
        {
            "agreement": [r[0] for r in rows],
            **{f"accepted_a{i}": [str(i) in r[1] for r in rows] for i in range(3)},
            "coalition_size": [len(r[1]) if r[0] else 0 for r in rows],
            **{f"gain_a{i}": [r[2][i] for r in rows] for i in range(3)},
        }
    )


@pytest.fixture
def table() -> pd.DataFrame:
    # Weights 2, 1, 1; half of the weight and a0's acceptance needed: {a0} alone wins.
    return replications(
        [
            (True, "0", (0.4, -0.1, 0.0)),
            (True, "0", (0.2, -0.1, 0.1)),
            (True, "01", (0.3, 0.1, 0.0)),
            (True, "012", (0.1, 0.1, 0.1)),
            (False, "01", (0.0, 0.0, 0.0)),  # accepted but not ratified: no coalition
            (False, "", (0.0, 0.0, 0.0)),
        ]
    )


@pytest.fixture
def rule() -> Ratification:
    return Ratification(QM, 0.5, "weight", ("a0",))


def test_the_coalitions_that_formed(table, rule):
    game = game_of(many_agents([2, 1, 1], rule))
    assert coalition_masks(game, table).tolist() == [1, 1, 3, 7, 0, 0]
    formed = formed_coalitions(game, table)
    assert formed["members"].tolist() == [("a0",), ("a0", "a1"), ("a0", "a1", "a2")]
    assert formed["count"].tolist() == [2, 1, 1]
    assert formed["share"].tolist() == [0.5, 0.25, 0.25]
    assert formed["winning"].all() and formed["minimal"].tolist() == [True, False, False]


def test_outvoted_critical_and_share_of_the_gains(table, rule):
    record = agent_record(game_of(many_agents([2, 1, 1], rule)), table)
    assert {n: r["outvoted"]["estimate"] for n, r in record.items()} == {
        "a0": 0.0,
        "a1": 0.5,
        "a2": 0.75,
    }
    assert [r["critical"]["estimate"] for r in record.values()] == [1.0, 0.0, 0.0]
    means = {"a0": 0.25, "a1": 0.0, "a2": 0.05}  # over the four runs that agreed
    for name, mean in means.items():
        assert record[name]["mean_gain"]["estimate"] == pytest.approx(mean)
        assert record[name]["gain_share"] == pytest.approx(mean / 0.3)


def test_a_loser_gets_a_negative_share_and_no_gain_no_share(rule):
    game = game_of(many_agents([2, 1, 1], rule))
    losing = replications([(True, "0", (0.3, -0.2, 0.1))])
    shares = [r["gain_share"] for r in agent_record(game, losing).values()]
    assert shares == pytest.approx([0.75, -0.5, 0.25])
    nothing = replications([(False, "", (0.0, 0.0, 0.0))])
    assert all(r["gain_share"] is None for r in agent_record(game, nothing).values())


def test_summary_section_by_name(table, rule):
    scenario = many_agents([2, 1, 1], rule)
    section = coalition_summary(scenario, table)
    json.dumps(section, allow_nan=False)  # summary.json needs plain, finite numbers
    assert section["agreements"] == 4 and section["replications"] == 6
    assert section["power_method"] == "enumeration" and section["monte_carlo"] is None
    a0 = section["agents"]["a0"]
    assert a0["veto"] and a0["weight"] == 2 and a0["shapley_shubik"] == pytest.approx(1.0)
    assert section["agents"]["a1"]["shapley_shubik"] == 0  # a0 alone wins: the others are dummies
    mwc = section["minimal_winning"]
    assert mwc["enumerated"] and mwc["count"] == 1 and mwc["listed"] == "all"
    assert mwc["coalitions"] == [{"members": ["a0"], "votes": 2.0, "formed": 2, "share": 0.5}]
    assert [f["members"] for f in section["formed"]] == [["a0"], ["a0", "a1"], ["a0", "a1", "a2"]]
    assert section["formed_elsewhere"] == 0


def test_no_section_under_unanimity(table):
    assert coalition_summary(many_agents([2, 1, 1], Ratification()), table) is None


def test_a_table_without_acceptances_is_named(table, rule):
    game = game_of(many_agents([2, 1, 1], rule))
    with pytest.raises(KeyError, match="accepted_a2"):
        coalition_masks(game, table.drop(columns="accepted_a2"))
    with pytest.raises(KeyError, match="gain_a0"):
        agent_record(game, table.drop(columns="gain_a0"))


def test_a_run_without_replications_or_agreements(table, rule):
    scenario = many_agents([2, 1, 1], rule)
    for empty in (table.iloc[:0], table[~table["agreement"]]):
        section = coalition_summary(scenario, empty)
        json.dumps(section, allow_nan=False)
        assert section["agreements"] == 0 and section["formed"] == []
        assert section["minimal_winning"]["coalitions"][0]["share"] is None
        assert all(a["gain_share"] is None for a in section["agents"].values())
        assert section["agents"]["a0"]["outvoted"]["estimate"] is None
