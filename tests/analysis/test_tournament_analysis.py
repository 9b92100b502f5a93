"""A tournament's numbers (sim.analysis.tournament) against hand computations: means and
Student-t intervals, Welch's test, Holm's correction, agreement rates, self-play scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.tournament import (
    agreement,
    analyse,
    holm,
    matchups,
    mean_ci,
    ranking,
    scores,
    welch,
)
from sim.engine.stats import wilson_interval


def test_holm_matches_hand_computed_values():
    """Holm (1979): sorted p 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04,
    made non-decreasing: 0.02, 0.03, 0.06, 0.06 (statsmodels' multipletests(method="holm")
    gives the same)."""
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_missing_values_missing():
    """0.2 x 3 = 0.6; 0.5 x 2 = 1.0; NaN counts as 1 in the family (m = 3) and stays NaN."""
    adjusted = holm([0.5, np.nan, 0.2])
    assert adjusted[2] == pytest.approx(0.6)
    assert adjusted[0] == pytest.approx(1.0)
    assert math.isnan(adjusted[1])
    assert holm([0.9, 0.8]).tolist() == [1.0, 1.0]
    assert holm([]).size == 0


def test_holm_never_rejects_more_than_bonferroni_allows_less():
    rng = np.random.default_rng(3)
    p = rng.random(20) ** 3
    adjusted = holm(p)
    assert (adjusted >= p).all()
    assert (adjusted <= np.minimum(1, 20 * p) + 1e-15).all()
    order = np.argsort(p)
    assert (np.diff(adjusted[order]) >= 0).all()


def test_mean_ci_by_hand():
    """[1, 2, 3, 4]: mean 2.5, sd sqrt(5/3), half-width t(0.975, 3) * sd / 2 = 2.05426."""
    est = mean_ci([1.0, 2.0, 3.0, 4.0, np.nan])
    assert est["mean"] == 2.5 and est["n"] == 4
    assert est["sd"] == pytest.approx(math.sqrt(5 / 3))
    assert est["ci_low"] == pytest.approx(2.5 - 2.054260, abs=1e-6)
    assert est["ci_high"] == pytest.approx(2.5 + 2.054260, abs=1e-6)
    assert math.isnan(mean_ci([1.0])["ci_low"])


def test_welch_by_hand_and_against_scipy():
    """a = 1..4, b = 2, 4, ..., 10: va = (5/3)/4, vb = 10/5, t = -3.5 / sqrt(va + vb) = -2.25144,
    Welch-Satterthwaite df = (va + vb)^2 / (va^2/3 + vb^2/4) = 5.52079."""
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    result = welch(a, b)
    assert result["difference"] == -3.5
    assert result["t"] == pytest.approx(-2.25144, abs=1e-5)
    assert result["df"] == pytest.approx(5.52079, abs=1e-5)
    reference = stats.ttest_ind(a, b, equal_var=False)
    assert result["p"] == pytest.approx(reference.pvalue, rel=1e-10)
    half = stats.t.ppf(0.975, result["df"]) * math.sqrt((5 / 3) / 4 + 10 / 5)
    assert result["ci_low"] == pytest.approx(-3.5 - half)
    assert result["ci_high"] == pytest.approx(-3.5 + half)
    rng = np.random.default_rng(1)
    x, y = rng.normal(0.5, 0.1, 40), rng.normal(0.55, 0.2, 70)
    assert welch(x, y)["p"] == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue)


def test_welch_on_constant_samples_is_exact():
    assert welch([0.4] * 5, [0.6] * 5)["p"] == 0.0
    assert welch([0.4] * 5, [0.4] * 3)["p"] == 1.0
    assert math.isnan(welch([0.4], [0.5, 0.6])["p"])


def _table(rows):
    """A seat table from (scenario, pairing, rep, strategy_1, strategy_2, u1, u2, agreed)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "pairing",
            "rep",
            "strategy_1",
            "strategy_2",
            "utility_1",
            "utility_2",
            "agreement",
        ],
    )
    for seat in (1, 2):
        frame[f"discounted_{seat}"] = frame[f"utility_{seat}"]
        frame[f"accuracy_{seat}"] = 1.0
        frame[f"red_lines_found_{seat}"] = np.nan
    return frame


TABLE = _table(
    [
        ("pie", 0, 0, "a", "b", 0.6, 0.4, True),
        ("pie", 0, 1, "a", "b", 0.7, 0.3, True),
        ("pie", 1, 2, "b", "a", 0.5, 0.5, True),
        ("pie", 1, 3, "b", "a", 0.0, 0.0, False),
        ("pie", 2, 4, "a", "a", 0.8, 0.2, True),  # self-play: a scores 0.5 in this game
        ("talks", 0, 0, "a", "b", 0.9, 0.2, True),
        ("talks", 1, 1, "b", "a", 0.3, 0.3, False),
    ]
)


def test_scores_count_every_game_once_per_strategy():
    scored = scores(TABLE)
    a = scored[scored["strategy"] == "a"].sort_values(["scenario", "rep"])
    assert a["utility"].tolist() == pytest.approx([0.6, 0.7, 0.5, 0.0, 0.5, 0.9, 0.3])
    assert (a.loc[a["opponent"] == "a", "seat"] == 0).all()
    b = scored[scored["strategy"] == "b"]
    assert sorted(b["utility"]) == pytest.approx([0.0, 0.2, 0.3, 0.3, 0.4, 0.5])


def test_ranking_by_hand():
    """a: 0.6, 0.7, 0.5, 0.0, 0.5, 0.9, 0.3 (mean 3.5/7 = 0.5); b: 0.4, 0.3, 0.5, 0.0, 0.2, 0.3
    (mean 1.7/6)."""
    ranked = ranking(scores(TABLE), ["b", "a"])
    assert ranked["strategy"].tolist() == ["a", "b"]
    assert ranked["rank"].tolist() == [1, 2]
    assert ranked["mean"].tolist() == pytest.approx([0.5, 1.7 / 6])
    assert ranked["n"].tolist() == [7, 6]
    expected = mean_ci([0.6, 0.7, 0.5, 0.0, 0.5, 0.9, 0.3])
    assert ranked.loc[0, "ci_low"] == pytest.approx(expected["ci_low"])
    assert ranked.loc[0, "mean_pie"] == pytest.approx((0.6 + 0.7 + 0.5 + 0.0 + 0.5) / 5)
    assert ranked.loc[0, "mean_talks"] == pytest.approx(0.6)


def test_pairwise_and_holm_through_analyse():
    analysis = analyse(TABLE, ["a", "b"])
    (pair,) = analysis.pairwise.itertuples()
    a = [0.6, 0.7, 0.5, 0.0, 0.5, 0.9, 0.3]
    b = [0.4, 0.3, 0.5, 0.0, 0.2, 0.3]
    assert (pair.strategy_a, pair.strategy_b) == ("a", "b")
    assert pair.p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert pair.p_holm == pytest.approx(pair.p)  # a family of one
    assert pair.real == (pair.p <= 0.05)


def test_agreement_rates_per_ordered_pairing_with_wilson_intervals():
    rates = agreement(TABLE)
    overall = rates[rates["scenario"] == "all"].set_index(["strategy_1", "strategy_2"])
    assert overall.loc[("a", "b"), "rate"] == 1.0
    assert overall.loc[("b", "a"), "rate"] == pytest.approx(1 / 3)
    assert overall.loc[("b", "a"), "n"] == 3
    low, high = wilson_interval(1.0, 3)
    assert overall.loc[("b", "a"), "ci_low"] == pytest.approx(low)
    assert overall.loc[("b", "a"), "ci_high"] == pytest.approx(high)
    pie = rates[rates["scenario"] == "pie"].set_index(["strategy_1", "strategy_2"])
    assert pie.loc[("b", "a"), "rate"] == 0.5


def test_matchups_and_constant_scenarios():
    grid = matchups(scores(TABLE), ["a", "b"])
    assert grid.loc["a", "b"] == pytest.approx((0.6 + 0.7 + 0.5 + 0.0 + 0.9 + 0.3) / 6)
    assert grid.loc["a", "a"] == pytest.approx(0.5)
    assert math.isnan(grid.loc["b", "b"])
    assert analyse(TABLE, ["a", "b"]).constant_scenarios == ["talks"]  # one game per pairing
