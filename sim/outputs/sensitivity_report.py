"""What a sensitivity run writes besides its tables: bar charts, sensitivity.md, discovery.md.

Pure functions of the tidy index table and the summary (``sim.cli.sensitivity`` builds both), so
the analysis never imports the drawing.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.outputs.figures import save_figure  # noqa: E402
from sim.outputs.style import figure, styled, suptitle  # noqa: E402

MAJOR, MINOR = 0.1, 0.02  # total-effect thresholds for "matters" and "minor"
SCREENED = 0.1  # Morris: mu* below this share of the largest mu* can be fixed
METHOD_TITLE = {"sobol": "Sobol'", "morris": "Morris"}
HOW_TO_READ = {
    "sobol": "S1 is the share of a metric's variance over the parameter ranges that a parameter "
    "causes alone; ST the share it takes part in, interactions included. A parameter "
    "with ST near 0 can be fixed anywhere in its range without changing the metric. "
    "± is the half-width of a 95% bootstrap confidence interval.",
    "morris": "mu* is the mean absolute elementary effect: the change in a metric when one "
    "parameter moves one step of its grid, divided by that step as a share of the "
    "parameter's range (so about the change over the whole range), in the metric's "
    "units. sigma is the spread of those effects (large when the effect depends on where "
    "the other parameters are), mu their signed mean. ± is the half-width of a 95% "
    "bootstrap confidence interval.",
}


def wide(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric's single-parameter indices, a row per parameter (in the config's order), with
    ``<index>`` and ``<index>_conf`` columns."""
    rows = table[(table["metric"] == metric) & table["parameter_2"].isna()]
    order = list(dict.fromkeys(rows["parameter"]))
    values = rows.pivot(index="parameter", columns="index", values="value")
    conf = rows.pivot(index="parameter", columns="index", values="conf").add_suffix("_conf")
    return values.join(conf).reindex(order)


@styled
def index_figure(table: pd.DataFrame, metric: str, method: str, path: Path) -> Path:
    """Sobol': S1 and ST bars per parameter with 95% CI whiskers; Morris: mu* (with CI) and
    sigma."""
    data = wide(table, metric)
    names = list(data.index)
    y = np.arange(len(names))
    pairs = (
        (("S1", "first order (alone)"), ("ST", "total (with interactions)"))
        if method == "sobol"
        else (("mu_star", "mu* (mean |elementary effect|)"), ("sigma", "sigma (spread)"))
    )
    fig, ax = figure(2.4 + 0.5 * len(names))
    height = 0.38
    for offset, (key, label) in zip((-height / 2, height / 2), pairs, strict=True):
        conf = data.get(f"{key}_conf")
        err = None if conf is None or conf.isna().all() else conf.fillna(0).to_numpy()
        ax.barh(y + offset, data[key].to_numpy(), height, xerr=err, capsize=3, label=label)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("share of variance" if method == "sobol" else f"effect on {metric}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2)
    suptitle(fig, f"{METHOD_TITLE[method]} indices for {metric} (95% CI)")
    return save_figure(fig, path)


def _names(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def metric_sentence(method: str, metric: str, data: pd.DataFrame, status: dict) -> str:
    """Which parameters matter for ``metric``, in plain words."""
    if status["status"] == "constant":
        return (
            f"`{metric}` did not change over the sample (always {status['value']:.4g}): "
            "no parameter moves it within these ranges."
        )
    if status["status"] == "undefined":
        return (
            f"`{metric}` is undefined at some points (no replication there had a value), "
            "so it has no indices."
        )
    if method == "morris":
        return _morris_sentence(metric, data)
    data = data.sort_values("ST", ascending=False)
    major = data[data["ST"] >= MAJOR]
    minor = data[(data["ST"] >= MINOR) & (data["ST"] < MAJOR)]
    small = data[data["ST"] < MINOR]
    parts = []
    if len(major):
        effects = [
            f"`{name}` (total effect {row.ST:.2f}, {max(row.S1, 0.0):.2f} alone)"
            for name, row in major.iterrows()
        ]
        parts.append(f"What moves `{metric}` most: {', then '.join(effects)}.")
    else:
        parts.append(f"No parameter has a total effect of {MAJOR:g} or more on `{metric}`.")
    if len(minor):
        parts.append(f"Minor: {_names(list(minor.index))}.")
    if len(small):
        parts.append(f"Hardly any effect (total under {MINOR:g}): {_names(list(small.index))}.")
    alone = float(data["S1"].clip(lower=0).sum())
    if alone < 1 - MAJOR:
        parts.append(
            f"The parameters alone explain about {min(alone, 1):.0%} of the variance; "
            "the rest comes from their interactions."
        )
    return " ".join(parts)


def _morris_sentence(metric: str, data: pd.DataFrame) -> str:
    data = data.sort_values("mu_star", ascending=False)
    largest = float(data["mu_star"].max())
    ranked = [f"`{name}` ({row.mu_star:.3g})" for name, row in data.iterrows()]
    parts = [f"Ranked by mean absolute effect (mu*) on `{metric}`: {', '.join(ranked)}."]
    screened = list(data.index[data["mu_star"] < SCREENED * largest])
    if screened:
        parts.append(
            f"Could be fixed (mu* under {SCREENED:.0%} of the largest): {_names(screened)}."
        )
    tangled = list(data.index[(data["sigma"] > data["mu_star"]) & (data["mu_star"] > 0)])
    if tangled:
        parts.append(
            f"Non-monotonic or interacting (sigma above mu*): {_names(tangled)}; "
            "a Sobol' analysis would say how much."
        )
    return " ".join(parts)


def _cell(value: float, conf: float | None = None) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if conf is None or not np.isfinite(conf):
        return f"{value:.3f}"
    return f"{value:.3f} ± {conf:.3f}"


def sensitivity_markdown(summary: dict, table: pd.DataFrame) -> str:
    """sensitivity.md: the design and ranges, then per metric a sentence, its indices and how
    much of them is Monte Carlo noise, then how to read the indices."""
    method = summary["method"]
    design = (
        f"Saltelli's scheme with N = {summary['samples']}"
        f"{', with second-order indices' if summary['second_order'] else ''}"
        if method == "sobol"
        else f"{summary['samples']} Morris trajectories on a {summary['levels']}-level grid"
    )
    lines = [
        f"# Sensitivity of {summary['scenario']}: {METHOD_TITLE[method]}",
        "",
        f"{summary['points']:,} parameter points ({design}), {summary['replications']:,} "
        f"replications each ({summary['total_replications']:,} in all), seed {summary['seed']}. "
        f"Each metric is the mean over a point's replications.",
        "",
        "| parameter | low | high |",
        "| --- | --- | --- |",
        *(f"| `{p}` | {lo:g} | {hi:g} |" for p, (lo, hi) in summary["parameters"].items()),
        "",
    ]
    for metric, info in summary["metrics"].items():
        lines += [f"## {metric}", "", info["sentence"], ""]
        if info["status"] == "varied":
            lines += _index_lines(method, wide(table, metric), info, summary["replications"])
    lines += ["## How to read this", "", HOW_TO_READ[method]]
    lines += ["", "Where the swept parameters make talks fail: see discovery.md.", ""]
    return "\n".join(lines)


def _index_lines(method: str, data: pd.DataFrame, info: dict, replications: int) -> list[str]:
    """One metric's table of indices, and how much of the spread is Monte Carlo noise."""
    if method == "sobol":
        lines = ["| parameter | S1 (alone) | ST (with interactions) |", "| --- | --- | --- |"]
        lines += [
            f"| `{name}` | {_cell(row.S1, row.S1_conf)} | {_cell(row.ST, row.ST_conf)} |"
            for name, row in data.iterrows()
        ]
    else:
        lines = ["| parameter | mu* | sigma | mu |", "| --- | --- | --- | --- |"]
        lines += [
            f"| `{name}` | {_cell(row.mu_star, row.mu_star_conf)} | {_cell(row.sigma)} "
            f"| {_cell(row.mu)} |"
            for name, row in data.iterrows()
        ]
    noise = info["noise_share"]
    if noise is not None:
        share = "under 0.1%" if noise < 0.001 else f"about {noise:.1%}"
        lines += [
            "",
            f"Monte Carlo noise (from {replications:,} replications per point) "
            f"makes up {share} of the variance of the point means; indices smaller than "
            "that cannot be told from noise.",
        ]
    return [*lines, ""]


def discovery_markdown(summary: dict) -> str:
    lines = [
        f"# Scenario discovery for {summary['scenario']}",
        "",
        "PRIM (Friedman & Fisher 1999) over every replication, with its point's parameters: the "
        "box of parameter values where an outcome concentrates. Density: share of the runs in "
        "the box with the outcome. Coverage: share of all runs with the outcome that fall in "
        "the box.",
        "",
    ]
    for info in summary["discovery"].values():
        lines += [f"## {info['title']}", "", f"Outcome: {info['definition']}.", ""]
        lines += [info["sentence"], ""]
        if info["found"]:
            lines += ["| parameter | low | high |", "| --- | --- | --- |"]
            for parameter, (lo, hi) in info["bounds"].items():
                low = "–" if lo is None else f"{lo:.4g}"
                high = "–" if hi is None else f"{hi:.4g}"
                lines.append(f"| `{parameter}` | {low} | {high} |")
            lines += [
                "",
                f"Box: density {info['density']:.1%}, coverage {info['coverage']:.1%}, "
                f"support {info['support']:.1%} of runs.",
                "",
            ]
    return "\n".join(lines)


def console_summary(summary: dict, folder: Path) -> str:
    lines = [
        f"negsim-sensitivity: {summary['scenario']}: {METHOD_TITLE[summary['method']]}, "
        f"{summary['points']:,} points x {summary['replications']:,} replications, "
        f"seed {summary['seed']}"
    ]
    lines += [f"  {info['sentence']}" for info in summary["metrics"].values()]
    lines += [f"  {info['sentence']}" for info in summary["discovery"].values()]
    wall = summary["wall_time_s"]
    lines += [
        f"  wall time  {wall['simulation_and_indices']:.2f} s simulation and indices, "
        f"{wall['total']:.2f} s in all",
        f"  results    {folder}/  (sensitivity.md, discovery.md, indices.parquet, figures/)",
    ]
    return "\n".join(lines)
