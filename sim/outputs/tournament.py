"""What a tournament leaves behind besides its table: summary.json's numbers, report.md in plain
words for students, and the figure (the ranking with its intervals beside the pairing heat map).

Pure functions of the analysis (:mod:`sim.analysis.tournament`) and the config; the command
(``sim.cli.tournament``) writes them into the run folder.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.tournament import TournamentAnalysis  # noqa: E402
from sim.engine.tournament import TournamentConfig  # noqa: E402
from sim.outputs.figures import save_figure  # noqa: E402
from sim.outputs.formatting import fixed, percent, plural  # noqa: E402
from sim.outputs.style import figure, styled, suptitle  # noqa: E402

DIGITS = 3
# Heat-map cells carry their number up to this many strategies (beyond, the colours speak).
ANNOTATED = 12


def finite(value):
    """JSON has no NaN or numpy scalars: None and plain numbers instead."""
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _interval(row) -> list[float] | None:
    low, high = row["ci_low"], row["ci_high"]
    return None if pd.isna(low) or pd.isna(high) else [float(low), float(high)]


def summary(config: TournamentConfig, analysis: TournamentAnalysis, joined: dict) -> dict:
    """summary.json's numbers (the command adds provenance and wall time). ``joined``: label ->
    the strategy file each file-borne strategy came from."""
    scenario_names = [s.name for s in config.scenarios]
    ranking = [
        {
            "rank": int(row["rank"]),
            "strategy": row["strategy"],
            "mean_utility": row["mean"],
            "ci95": _interval(row),
            "sd": row["sd"],
            "games": int(row["n"]),
            "by_scenario": {name: row[f"mean_{name}"] for name in scenario_names},
        }
        for _, row in analysis.ranking.iterrows()
    ]
    overall = analysis.agreement[analysis.agreement["scenario"] == "all"]
    return finite(
        {
            "title": config.title,
            "config": config.source,
            "scenarios": scenario_names,
            "strategies": {
                e.label: {
                    "strategy": e.choice.strategy,
                    "opponent_model": e.choice.opponent_model,
                    "acceptance": e.choice.acceptance,
                    "learns": e.learns,
                    "config": e.node,
                    **({"file": joined[e.label]} if e.label in joined else {}),
                }
                for e in config.entrants
            },
            "replications": config.replications,
            "self_play": config.self_play,
            "pairings": len(config.pairings),
            "games": config.total_replications,
            "seed": config.seed,
            "winner": ranking[0]["strategy"],
            "ranking": ranking,
            "pairwise": [
                {
                    "strategy_a": row["strategy_a"],
                    "strategy_b": row["strategy_b"],
                    "difference": row["difference"],
                    "ci95": _interval(row),
                    "p": row["p"],
                    "p_holm": row["p_holm"],
                    "real": bool(row["real"]),
                }
                for _, row in analysis.pairwise.iterrows()
            ],
            "alpha": analysis.alpha,
            "agreement": [
                {
                    "strategy_1": row["strategy_1"],
                    "strategy_2": row["strategy_2"],
                    "rate": row["rate"],
                    "ci95": _interval(row),
                    "games": int(row["n"]),
                }
                for _, row in overall.iterrows()
            ],
            "learning": analysis.learning.to_dict("records"),
            "constant_scenarios": analysis.constant_scenarios,
        }
    )


def _utility(mean: float, low: float, high: float) -> str:
    if pd.isna(low):
        return fixed(mean, DIGITS)
    return f"{fixed(mean, DIGITS)} (95% CI {fixed(low, DIGITS)}–{fixed(high, DIGITS)})"


def _p(p: float) -> str:
    if pd.isna(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _lead(analysis: TournamentAnalysis) -> str:
    ranking = analysis.ranking
    best = ranking.iloc[0]
    text = (
        f"**{best['strategy']}** won with a mean utility of "
        f"{_utility(best['mean'], best['ci_low'], best['ci_high'])} over its "
        f"{plural(int(best['n']), 'game')}"
    )
    if len(ranking) < 2:
        return text + "."
    second = ranking.iloc[1]
    pair = analysis.pairwise.iloc[0]  # ranked first against ranked second
    gap = best["mean"] - second["mean"]
    interval = (
        ""
        if pd.isna(pair["ci_low"])
        else f" (95% CI {fixed(pair['ci_low'], DIGITS, sign=True)} to "
        f"{fixed(pair['ci_high'], DIGITS, sign=True)})"
    )
    verdict = (
        f"after the Holm correction this lead is real (adjusted p {_p(pair['p_holm'])})"
        if pair["real"]
        else f"after the Holm correction this lead could be chance (adjusted p "
        f"{_p(pair['p_holm'])}): the two cannot be told apart"
    )
    return f"{text}, {fixed(gap, DIGITS)} ahead of **{second['strategy']}**{interval}; {verdict}."


def _ranking_table(config: TournamentConfig, analysis: TournamentAnalysis) -> list[str]:
    names = [s.name for s in config.scenarios]
    lines = [
        "| rank | strategy | mean utility (95% CI) | " + " | ".join(names) + " | games |",
        "|---:|---|---|" + "---:|" * len(names) + "---:|",
    ]
    for _, row in analysis.ranking.iterrows():
        cells = " | ".join(fixed(row[f"mean_{n}"], DIGITS) for n in names)
        lines.append(
            f"| {row['rank']} | {row['strategy']} | "
            f"{_utility(row['mean'], row['ci_low'], row['ci_high'])} | {cells} | {int(row['n']):,} |"
        )
    return lines


def _differences(analysis: TournamentAnalysis) -> list[str]:
    pairs = analysis.pairwise
    if pairs.empty:
        return ["With one strategy there is nothing to compare."]
    real = pairs[pairs["real"]]
    unclear = pairs[~pairs["real"]]
    lines = [
        f"{plural(len(pairs), 'pair')} of strategies compared with Welch's t-test on their "
        "utilities over all their games. Testing many pairs at once makes some look different "
        f"by luck; Holm's correction keeps the chance of calling any difference real by mistake "
        f"at most {percent(analysis.alpha)}.",
        "",
    ]
    if len(real):
        lines.append(f"Real differences ({len(real)}):")
        for _, row in real.iterrows():
            ahead, behind = (
                (row["strategy_a"], row["strategy_b"])
                if row["difference"] >= 0
                else (row["strategy_b"], row["strategy_a"])
            )
            lines.append(
                f"- {ahead} beats {behind} by {fixed(abs(row['difference']), DIGITS)} "
                f"({_gap(row, row['difference'] < 0)}adjusted p {_p(row['p_holm'])})"
            )
    else:
        lines.append("No difference is real after the correction.")
    if len(unclear):
        lines += ["", f"Could be chance ({len(unclear)}):"]
        lines += [
            f"- {row['strategy_a']} and {row['strategy_b']}: {fixed(row['difference'], DIGITS, sign=True)} "
            f"(adjusted p {_p(row['p_holm'])})"
            for _, row in unclear.iterrows()
        ]
    return lines


def _gap(row, flip: bool = False) -> str:
    """``'95% CI +0.010 to +0.040; '`` for a difference (seen from the other side with
    ``flip``), or nothing without an interval."""
    if pd.isna(row["ci_low"]):
        return ""
    low, high = (-row["ci_high"], -row["ci_low"]) if flip else (row["ci_low"], row["ci_high"])
    return f"95% CI {fixed(low, DIGITS, sign=True)} to {fixed(high, DIGITS, sign=True)}; "


def _agreement(config: TournamentConfig, analysis: TournamentAnalysis) -> list[str]:
    table = analysis.agreement
    overall = table[table["scenario"] == "all"]
    rates = overall.set_index(["strategy_1", "strategy_2"])["rate"]
    labels = config.labels
    total = float((overall["rate"] * overall["n"]).sum() / overall["n"].sum())
    lines = [
        f"Overall {percent(total)} of games ended in an agreement. Share of games that did, by "
        "the strategy in the first seat (rows) and the second (columns), over all scenarios:",
        "",
        "| first \\ second | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for a in labels:
        cells = [percent(rates[(a, b)]) if (a, b) in rates.index else "–" for b in labels]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    per = table[table["scenario"] != "all"]
    if len(config.scenarios) > 1:
        lines.append("")
        for name, part in per.groupby("scenario", sort=False):
            rate = float((part["rate"] * part["n"]).sum() / part["n"].sum())
            low = part.loc[part["rate"].idxmin()]
            least = (
                f"; least often {low['strategy_1']} (first) with {low['strategy_2']} "
                f"({percent(low['rate'])})"
                if low["rate"] < rate
                else ""
            )
            lines.append(f"- {name}: {percent(rate)} agreed{least}")
    return lines


def _learning(analysis: TournamentAnalysis) -> list[str]:
    if analysis.learning.empty:
        return []
    lines = [
        "",
        "## What the learners learned",
        "",
        "Accuracy is the correlation, at the end of a game, between the utility a learner "
        "believed its opponent had and the opponent's true utility (1: it knew the opponent "
        "perfectly); red lines found is the share of the opponent's red-line region it learned "
        "to avoid.",
        "",
    ]
    for _, row in analysis.learning.iterrows():
        found = (
            ""
            if pd.isna(row["red_lines_found"])
            else f"; found {percent(row['red_lines_found'])} of the red lines"
        )
        accuracy = _utility(row["accuracy"], row["accuracy_ci_low"], row["accuracy_ci_high"])
        lines.append(f"- {row['strategy']}: accuracy {accuracy}{found}")
    return lines


def report_markdown(config: TournamentConfig, analysis: TournamentAnalysis, joined: dict) -> str:
    """report.md: who won, by how much, which differences are real, agreement rates."""
    names = ", ".join(s.name for s in config.scenarios)
    seats = "in both seats" + (" and against itself" if config.self_play else "")
    notes = [
        f"- In {name} nothing is random: every replication of a pairing played the same game, "
        "so there the intervals measure only the mix of opponents, not chance."
        for name in analysis.constant_scenarios
    ]
    notes += [f"- {label} came from the strategy file {path}." for label, path in joined.items()]
    lines = [
        f"# Tournament: {config.title}",
        "",
        f"{plural(len(config.entrants), 'strategy', 'strategies')} met each other {seats} over "
        f"{plural(len(config.scenarios), 'scenario')} ({names}): "
        f"{plural(len(config.pairings), 'pairing')} x {plural(config.replications, 'replication')}"
        f" per scenario, {plural(config.total_replications, 'game')} in all (seed {config.seed}).",
        "",
        "## Who won",
        "",
        _lead(analysis),
        "",
        *_ranking_table(config, analysis),
        "",
        "Utility is on a 0–1 scale (1: the agent's ideal package, 0: its worst). A strategy's "
        "score in a game is its own utility when the game ends (against itself, the mean of its "
        "two seats). An interval drawn this way holds the true mean in 95% of tournaments like "
        "this one.",
        "",
        "## Which differences are real",
        "",
        *_differences(analysis),
        "",
        "## How often they agreed",
        "",
        *_agreement(config, analysis),
        *_learning(analysis),
        "",
        "## Files",
        "",
        "tournament.parquet (one row per game), ranking.csv, pairwise.csv, agreement.csv, "
        "summary.json, figures/tournament.png.",
    ]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


@styled
def tournament_figure(config: TournamentConfig, analysis: TournamentAnalysis, path: Path) -> Path:
    """The ranking (mean utility with 95% CI bars, best on top) beside the heat map of each
    strategy's mean utility against each opponent."""
    ranking = analysis.ranking
    k = len(ranking)
    fig, (left, right) = figure(
        max(4.5, 1.6 + 0.45 * k), ncols=2, gridspec_kw={"width_ratios": [1, 1.25]}
    )
    y = np.arange(k)[::-1]
    means = ranking["mean"].to_numpy(dtype=float)
    low = np.nan_to_num(means - ranking["ci_low"].to_numpy(dtype=float))
    high = np.nan_to_num(ranking["ci_high"].to_numpy(dtype=float) - means)
    left.errorbar(means, y, xerr=[low, high], fmt="o", color="tab:blue", capsize=4)
    left.set_yticks(y, ranking["strategy"])
    left.set_xlabel("mean utility (95% CI)")
    left.set_title("Ranking")
    matrix = analysis.matchups.to_numpy(dtype=float)
    image = right.imshow(matrix, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    right.set_xticks(np.arange(k), analysis.matchups.columns, rotation=30, ha="right")
    right.set_yticks(np.arange(k), analysis.matchups.index)
    right.set_xlabel("opponent")
    right.set_ylabel("strategy")
    right.set_title("Mean utility against each opponent")
    right.grid(False)
    if k <= ANNOTATED:
        for i in range(k):
            for j in range(k):
                if np.isfinite(matrix[i, j]):
                    colour = "black" if matrix[i, j] > 0.6 else "white"
                    right.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", color=colour)
    fig.colorbar(image, ax=right, label="utility")
    suptitle(fig, f"{config.title}: who won, and against whom")
    return save_figure(fig, path)
