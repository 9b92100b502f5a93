"""Sweeps: one tidy table and figures from the job folders of a Hydra multirun.

``negsim -m <path>=a,b,c ...`` runs a job per combination, each in its own folder; when the
sweep ends, ``sim.cli.sweep.SweepCallback`` (configured in conf/config.yaml) calls
:func:`aggregate` and prints :func:`report`, and ``negsim-sweep <sweep folder>`` does the same
again on any sweep folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.outputs.figures import save_figure  # noqa: E402
from sim.outputs.folder import SUMMARY, shown, write_parquet  # noqa: E402
from sim.scenario.errors import ScenarioError  # noqa: E402
from sim.scenario.reading import read_text  # noqa: E402

TABLE = "sweep.parquet"
HEADLINE = ("agreement_rate", "rounds_to_agreement")
# Overrides that select how a job runs, not what it models: never treated as swept parameters.
NOT_PARAMETERS = ("hydra.", "mc.workers", "mc.batch_blocks", "output.")


def _value(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def _metrics(summary: dict) -> dict[str, dict]:
    """Every estimate in a summary, by a flat metric name."""
    found = {
        key: summary[key]
        for key in (
            "agreement_rate",
            "rounds_to_agreement",
            "sessions_agreed",
            "broken_commitments",
        )
    }
    for agent, stats in summary["agents"].items():
        for key, est in stats.items():
            found[f"{key}.{agent}"] = est
    for issue, stats in summary["issues"].items():
        for key in ("agreement_rate", "final_value"):
            found[f"{key}.{issue}"] = stats[key]
    return found


def _read_job(job: Path) -> tuple[dict, dict]:
    """A finished job's swept values and summary; a ScenarioError naming the job's folder when
    its files are not a negsim run's (corrupt, truncated or foreign)."""
    try:
        run = json.loads(read_text(job / "run.json", shown(job / "run.json")))
        summary = json.loads(read_text(job / SUMMARY, shown(job / SUMMARY)))
        params = {}
        for override in run.get("overrides", []):
            key, _, value = override.partition("=")
            if not key.startswith(NOT_PARAMETERS):
                params[key.lstrip("+~")] = _value(value)
        _metrics(summary), summary["replications"], summary["seed"]  # noqa: B018
    except ScenarioError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError(
            shown(job), "", f"not readable as a negsim run ({type(exc).__name__})"
        ) from None
    return params, summary


def collect(sweep_dir: Path) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """The sweep table, the swept parameters, and the job folders without a finished run."""
    jobs = sorted(  # job folders; a job stopped by bad input holds a FAILED file instead
        (p for p in Path(sweep_dir).iterdir() if p.is_dir() and p.name.isdigit()),
        key=lambda p: int(p.name),
    )
    records, unfinished = [], []
    for job in jobs:
        if not (job / SUMMARY).is_file():
            unfinished.append(job)
            continue
        records.append((int(job.name), job, *_read_job(job)))
    keys = sorted({key for _, _, params, _ in records for key in params})
    swept = [k for k in keys if len({repr(params.get(k)) for _, _, params, _ in records}) > 1]
    rows = []
    for number, job, params, summary in records:
        for metric, est in _metrics(summary).items():
            ci = est.get("ci95") or [math.nan, math.nan]
            rows.append(
                {
                    "job": number,
                    **{k: params.get(k) for k in swept},
                    "metric": metric,
                    "estimate": math.nan if est.get("estimate") is None else est["estimate"],
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "se": math.nan if est.get("se") is None else est["se"],
                    "n": est.get("n", 0),
                    "replications": summary["replications"],
                    "seed": summary["seed"],
                    "folder": job.name,
                }
            )
    return pd.DataFrame(rows), swept, unfinished


def _headline(table: pd.DataFrame) -> list[str]:
    metrics = list(dict.fromkeys(table["metric"]))
    return [m for m in metrics if m in HEADLINE or m.startswith("utility.")]


def _numeric(table: pd.DataFrame, param: str) -> bool:
    return pd.api.types.is_numeric_dtype(table[param])


def line_figure(table: pd.DataFrame, param: str, others: list[str], path: Path) -> Path:
    metrics = _headline(table)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = table[table["metric"] == metric]
        groups = rows.groupby(others, dropna=False) if others else [((), rows)]
        for key, group in groups:
            group = group.sort_values(param)
            label = (
                ", ".join(
                    f"{o}={v}"
                    for o, v in zip(others, key if isinstance(key, tuple) else (key,), strict=False)
                )
                or None
            )
            line = ax.plot(group[param], group["estimate"], marker="o", label=label)[0]
            ax.fill_between(
                group[param], group["ci_low"], group["ci_high"], color=line.get_color(), alpha=0.2
            )
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel(param.removeprefix("scenario."), fontsize=8)
        if others and len(rows) > 1:
            ax.legend(fontsize=6)
    fig.suptitle("sweep: estimate with 95% CI band", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def heatmap_figure(table: pd.DataFrame, x: str, y: str, path: Path) -> Path:
    metrics = _headline(table)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.4 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        grid = table[table["metric"] == metric].pivot_table(
            index=y, columns=x, values="estimate", aggfunc="mean"
        )
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns], fontsize=7)
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index], fontsize=7)
        ax.set_xlabel(x.removeprefix("scenario."), fontsize=8)
        ax.set_ylabel(y.removeprefix("scenario."), fontsize=8)
        ax.set_title(metric, fontsize=10)
        fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return save_figure(fig, path)


def aggregate(sweep_dir: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``sweep.parquet`` and figures into ``sweep_dir``; return the table and unfinished jobs."""
    sweep_dir = Path(sweep_dir)
    table, swept, unfinished = collect(sweep_dir)
    if table.empty:
        return table, unfinished
    write_parquet(sweep_dir / TABLE, table)
    numeric = [p for p in swept if _numeric(table, p)]
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    for param in numeric:
        others = [p for p in swept if p != param]
        line_figure(table, param, others, figures / f"sweep_{param.removeprefix('scenario.')}.png")
    if len(numeric) >= 2:
        x, y = numeric[:2]
        heatmap_figure(table, x, y, figures / "heatmap.png")
    return table, unfinished


def report(sweep_dir: Path, table: pd.DataFrame, unfinished: list[Path]) -> str:
    """The one line printed after aggregating: jobs in the table, and how to finish the rest."""
    jobs = table["job"].nunique() if not table.empty else 0
    line = f"negsim: sweep {sweep_dir}: {jobs} job(s) in {TABLE}"
    if unfinished:
        names = ", ".join(p.name for p in unfinished)
        seed = f" seed={int(table['seed'].iloc[0])}" if not table.empty else ""
        line += (
            f"; {len(unfinished)} job(s) did not finish ({names}): rerun the same command with "
            f"hydra.sweep.dir={sweep_dir}{seed} to complete them"
        )
    return line
