"""A tournament's numbers: who won, by how much, which differences are real, how often each
pairing agreed, and how well the learners learned.

The unit is a game: one replication of one pairing in one scenario. A strategy's score in a game
is its utility there (in self-play, the mean of its two seats' utilities, so that every game
counts once per strategy in it). Means have Student-t 95% intervals; two strategies are compared
by Welch's (1947) t-test on their scores over all their games, and the p-values of all pairs are
adjusted by Holm's (1979) step-down method, which keeps the chance of any false "real
difference" at most 5% whatever the number of pairs. Agreement rates have Wilson (1927)
intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtr

from sim.engine.stats import t95, wilson_interval

ALPHA = 0.05


def scores(table: pd.DataFrame) -> pd.DataFrame:
    """One row per game and strategy in it: scenario, pairing, rep, strategy, opponent, seat
    (1, 2, or 0 for self-play), utility, discounted, accuracy, red_lines_found, agreement."""
    parts = []
    for seat, other in ((1, 2), (2, 1)):
        parts.append(
            pd.DataFrame(
                {
                    "scenario": table["scenario"].to_numpy(),
                    "pairing": table["pairing"].to_numpy(),
                    "rep": table["rep"].to_numpy(),
                    "strategy": table[f"strategy_{seat}"].to_numpy(),
                    "opponent": table[f"strategy_{other}"].to_numpy(),
                    "seat": seat,
                    "utility": table[f"utility_{seat}"].to_numpy(dtype=float),
                    "discounted": table[f"discounted_{seat}"].to_numpy(dtype=float),
                    "accuracy": table[f"accuracy_{seat}"].to_numpy(dtype=float),
                    "red_lines_found": table[f"red_lines_found_{seat}"].to_numpy(dtype=float),
                    "agreement": table["agreement"].to_numpy(dtype=float),
                }
            )
        )
    both = pd.concat(parts, ignore_index=True)
    selfplay = (both["strategy"] == both["opponent"]).to_numpy()
    if not selfplay.any():
        return both
    keys = ["scenario", "pairing", "rep", "strategy", "opponent"]
    merged = both[selfplay].groupby(keys, sort=False, as_index=False).mean(numeric_only=True)
    merged["seat"] = 0
    return pd.concat([both[~selfplay], merged[both.columns]], ignore_index=True)


def mean_ci(values) -> dict:
    """Mean, standard deviation, count and Student-t 95% interval of ``values`` (NaN ignored);
    no interval from fewer than two values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return {"mean": math.nan, "sd": math.nan, "n": 0, "ci_low": math.nan, "ci_high": math.nan}
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    half = float(t95(n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
    return {"mean": mean, "sd": sd, "n": n, "ci_low": mean - half, "ci_high": mean + half}


def _ranked(scored: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    rows = []
    for label in order:
        rows.append(
            {"strategy": label, **mean_ci(scored.loc[scored["strategy"] == label, "utility"])}
        )
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["mean", "strategy"], ascending=[False, True], kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def ranking(scored: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Strategies by mean utility over all their games (both seats, every scenario), best first,
    with the 95% interval and the mean per scenario."""
    frame = _ranked(scored, order)
    for scenario, part in scored.groupby("scenario", sort=False):
        means = part.groupby("strategy")["utility"].mean()
        frame[f"mean_{scenario}"] = frame["strategy"].map(means)
    return frame


def ranking_by_scenario(scored: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The ranking within each scenario."""
    parts = []
    for scenario, part in scored.groupby("scenario", sort=False):
        ranked = _ranked(part, order)
        ranked.insert(0, "scenario", scenario)
        parts.append(ranked)
    return pd.concat(parts, ignore_index=True)


def welch(a, b) -> dict:
    """Welch's (1947) t-test of mean(a) = mean(b) without assuming equal variances: the
    difference, its 95% interval, t, the Welch-Satterthwaite degrees of freedom and the two-sided
    p-value. When both samples are constant the difference is exact: p is 0 if the means
    differ, 1 if not."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    difference = float(a.mean() - b.mean()) if a.size and b.size else math.nan
    out = {"difference": difference, "ci_low": math.nan, "ci_high": math.nan}
    if a.size < 2 or b.size < 2:
        return out | {"t": math.nan, "df": math.nan, "p": math.nan}
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        difference = float(a[0] - b[0])  # the means may differ from the values by rounding
        exact = {"difference": difference, "ci_low": difference, "ci_high": difference}
        exact["df"] = math.nan
        if difference == 0:
            return out | exact | {"t": 0.0, "p": 1.0}
        return out | exact | {"t": math.copysign(math.inf, difference), "p": 0.0}
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va * va / (a.size - 1) + vb * vb / (b.size - 1))
    t = difference / se
    half = float(t95(df)) * se
    p = float(2 * stdtr(df, -abs(t)))
    return out | {
        "ci_low": difference - half,
        "ci_high": difference + half,
        "t": t,
        "df": df,
        "p": p,
    }


def holm(p_values) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values: the i-th smallest of m is multiplied by
    m - i + 1 (i from 1), made non-decreasing in that order and capped at 1. A pair whose
    adjusted p is at most alpha differs with family-wise error at most alpha. A missing p-value
    (NaN) counts as 1 in the family and stays NaN."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    filled = np.where(np.isnan(p), 1.0, p)
    order = np.argsort(filled, kind="stable")
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * filled[order]))
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return np.where(np.isnan(p), np.nan, adjusted)


def pairwise(scored: pd.DataFrame, order: Sequence[str], alpha: float = ALPHA) -> pd.DataFrame:
    """Every pair of strategies (``a`` ranked above ``b``): Welch's test on their scores over
    all games, the Holm-adjusted p-value and whether the difference is real at ``alpha``."""
    utility = {label: scored.loc[scored["strategy"] == label, "utility"] for label in order}
    rows = [
        {"strategy_a": a, "strategy_b": b, **welch(utility[a], utility[b])}
        for i, a in enumerate(order)
        for b in order[i + 1 :]
    ]
    columns = ["strategy_a", "strategy_b", "difference", "ci_low", "ci_high", "t", "df", "p"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["p_holm"] = holm(frame["p"].to_numpy())
    frame["real"] = frame["p_holm"] <= alpha
    return frame


def agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Agreement rate with its Wilson 95% interval per ordered pairing (strategy_1 in the first
    seat), per scenario and over all scenarios (``scenario`` = "all")."""
    rows = []
    for scope, part in (("all", table), *table.groupby("scenario", sort=False)):
        for (first, second), games in part.groupby(["strategy_1", "strategy_2"], sort=False):
            agreed = games["agreement"].to_numpy(dtype=float)
            low, high = wilson_interval(float(agreed.sum()), agreed.size)
            rows.append(
                {
                    "scenario": scope,
                    "strategy_1": first,
                    "strategy_2": second,
                    "rate": float(agreed.mean()),
                    "ci_low": low,
                    "ci_high": high,
                    "n": agreed.size,
                }
            )
    return pd.DataFrame(rows)


def matchups(scored: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Mean utility of each strategy (rows) against each opponent (columns), both seats and
    every scenario; NaN where they never met (self-play off)."""
    means = scored.groupby(["strategy", "opponent"])["utility"].mean().unstack()
    return means.reindex(index=list(order), columns=list(order))


def learning(scored: pd.DataFrame, learners: Sequence[str]) -> pd.DataFrame:
    """For the strategies whose opponent model learns: mean accuracy (the correlation of believed
    and true utility at the end of the game) and share of the other's red lines found."""
    rows = []
    for label in learners:
        mine = scored[scored["strategy"] == label]
        accuracy = mean_ci(mine["accuracy"])
        found = mine["red_lines_found"].to_numpy(dtype=float)
        rows.append(
            {
                "strategy": label,
                "accuracy": accuracy["mean"],
                "accuracy_ci_low": accuracy["ci_low"],
                "accuracy_ci_high": accuracy["ci_high"],
                "red_lines_found": float(np.nanmean(found))
                if (~np.isnan(found)).any()
                else math.nan,
            }
        )
    columns = ["strategy", "accuracy", "accuracy_ci_low", "accuracy_ci_high", "red_lines_found"]
    return pd.DataFrame(rows, columns=columns)


def constant_pairings(table: pd.DataFrame) -> list[str]:
    """Scenarios where every replication of every pairing ended alike (nothing random in them):
    their intervals measure only the spread over opponents, not chance."""
    spread = table.groupby(["scenario", "pairing"])[["utility_1", "utility_2"]].std(ddof=0)
    flat = spread.fillna(0.0).max(axis=1).groupby(level="scenario", sort=False).max()
    return [str(name) for name, value in flat.items() if value == 0]


@dataclass(frozen=True)
class TournamentAnalysis:
    ranking: pd.DataFrame
    by_scenario: pd.DataFrame
    pairwise: pd.DataFrame
    agreement: pd.DataFrame
    matchups: pd.DataFrame
    learning: pd.DataFrame
    constant_scenarios: list[str]
    alpha: float = ALPHA


def analyse(
    table: pd.DataFrame,
    order: Sequence[str],
    learners: Sequence[str] = (),
    alpha: float = ALPHA,
) -> TournamentAnalysis:
    """Every number of a tournament from its per-replication table (``seat_table`` rows)."""
    scored = scores(table)
    ranked = ranking(scored, order)
    best_first = list(ranked["strategy"])
    return TournamentAnalysis(
        ranking=ranked,
        by_scenario=ranking_by_scenario(scored, order),
        pairwise=pairwise(scored, best_first, alpha),
        agreement=agreement(table),
        matchups=matchups(scored, best_first),
        learning=learning(scored, learners),
        constant_scenarios=constant_pairings(table),
        alpha=alpha,
    )
