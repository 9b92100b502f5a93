"""Sweeps: tables and figures from the job folders of a Hydra multirun.

``negsim -m <path>=a,b,c ...`` runs a job per combination, each in its own folder; when the
sweep ends, ``sim.cli.sweep.SweepCallback`` (configured in conf/config.yaml) calls
:func:`aggregate` and prints :func:`report`, and ``negsim-sweep <sweep folder>`` does the same
again on any sweep folder.

Metrics are named by the per-replication column they estimate (``agreement``, ``utility_us``,
``value_taiwan``: ``sim.outputs.summary.run_metrics``), so the sweep tables join the jobs'
``replications.parquet``, which :func:`read_replications` reads as one table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402

from sim.outputs.figures import save_figure  # noqa: E402
from sim.outputs.folder import SUMMARY, shown, write_parquet  # noqa: E402
from sim.outputs.formatting import plural  # noqa: E402
from sim.outputs.style import (  # noqa: E402
    LINE_STYLES,
    MORE_COLOURS,
    figure,
    styled,
    suptitle,
    wrap,
)
from sim.outputs.summary import run_metrics  # noqa: E402
from sim.scenario.errors import ScenarioError  # noqa: E402
from sim.scenario.reading import read_text  # noqa: E402

TABLE = "sweep.parquet"  # long: a row per job and metric
WIDE = "sweep_wide.parquet"  # a row per job: <metric>, <metric>_ci_low, <metric>_ci_high
REPLICATIONS = "replications.parquet"  # each job's own table
HEADLINE = ("agreement", "rounds_to_agreement")  # and utility_<agent>
# More sides than this: their utilities share one panel of the line figure (a line each).
MAX_UTILITY_PANELS = 4
# Overrides that select how a job runs, not what it models: never treated as swept parameters.
NOT_PARAMETERS = ("hydra.", "mc.workers", "mc.batch_blocks", "output.")


def _value(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


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
        run_metrics(summary), summary["replications"], summary["seed"]  # noqa: B018
    except ScenarioError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError(
            shown(job), "", f"not readable as a negsim run ({type(exc).__name__})"
        ) from None
    return params, summary


def _jobs(sweep_dir: Path) -> tuple[list[tuple[int, Path, dict, dict]], list[str], list[Path]]:
    """The finished jobs (number, folder, swept values, summary), the swept parameters (the
    overrides that differ between jobs) and the job folders without a finished run."""
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
    return records, swept, unfinished


def collect(sweep_dir: Path) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """The long sweep table (a row per job and metric), the swept parameters, and the job
    folders without a finished run."""
    records, swept, unfinished = _jobs(sweep_dir)
    rows = []
    for number, job, params, summary in records:
        for metric, est in run_metrics(summary).items():
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


def wide(table: pd.DataFrame, swept: list[str]) -> pd.DataFrame:
    """The long table with a row per job: the job, its swept values, replications, seed and
    folder, then per metric (in the long table's order) ``<metric>``, ``<metric>_ci_low`` and
    ``<metric>_ci_high``."""
    jobs = table.drop_duplicates("job").set_index("job")
    columns = {k: jobs[k] for k in [*swept, "replications", "seed", "folder"]}
    by_job = table.set_index(["job", "metric"])
    for metric in dict.fromkeys(table["metric"]):
        rows = by_job.xs(metric, level="metric").reindex(jobs.index)
        columns[metric] = rows["estimate"]
        columns[f"{metric}_ci_low"] = rows["ci_low"]
        columns[f"{metric}_ci_high"] = rows["ci_high"]
    return pd.DataFrame(columns, index=jobs.index).reset_index()


def read_replications(sweep_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every finished job's ``replications.parquet`` as one table: ``job``, the swept values
    (named as in the sweep tables), then the run's columns (only ``columns`` if given). Jobs
    whose scenarios differ in issues or agents leave the columns they lack empty (NaN)."""
    if not Path(sweep_dir).is_dir():
        raise ScenarioError(shown(Path(sweep_dir)), "", "no such folder")
    records, swept, _ = _jobs(Path(sweep_dir))
    parts = []
    for number, job, params, _ in records:
        try:
            part = pd.read_parquet(job / REPLICATIONS, columns=columns)
        except (OSError, ValueError) as exc:
            raise ScenarioError(
                shown(job / REPLICATIONS), "", f"not readable ({type(exc).__name__})"
            ) from None
        front = pd.DataFrame({"job": number, **{k: params.get(k) for k in swept}}, index=part.index)
        parts.append(pd.concat([front, part], axis=1))
    if not parts:
        return pd.DataFrame(columns=["job", *swept, *(columns or [])])
    return pd.concat(parts, ignore_index=True)


def _headline(table: pd.DataFrame) -> list[str]:
    metrics = list(dict.fromkeys(table["metric"]))
    return [m for m in metrics if m in HEADLINE or m.startswith("utility_")]


def _utility_lines(ax, table: pd.DataFrame, param: str, utilities: list[str]) -> None:
    """Every side's utility against ``param`` in one panel, each in its colour (negsim's
    colours for many sides, ``sim.outputs.style.MORE_COLOURS``), with its 95% CI band."""
    for k, metric in enumerate(utilities):
        group = table[table["metric"] == metric].sort_values(param)
        colour = MORE_COLOURS[k % len(MORE_COLOURS)]
        style = LINE_STYLES[(k // len(MORE_COLOURS)) % len(LINE_STYLES)]
        side = metric.removeprefix("utility_")
        ax.plot(group[param], group["estimate"], marker="o", color=colour, ls=style, label=side)
        ax.fill_between(group[param], group["ci_low"], group["ci_high"], color=colour, alpha=0.1)
    ax.set_title("utility of each side")
    ax.set_xlabel(wrap(param.removeprefix("scenario."), 40))


def _numeric(table: pd.DataFrame, param: str) -> bool:
    return pd.api.types.is_numeric_dtype(table[param])


@styled
def line_figure(table: pd.DataFrame, param: str, others: list[str], path: Path) -> Path:
    """Each headline metric against ``param``, a line (with its 95% CI band) per combination of
    the ``others``."""
    metrics = _headline(table)
    utilities = [m for m in metrics if m.startswith("utility_")]
    together = len(utilities) > MAX_UTILITY_PANELS and not others
    if together:  # many sides: one panel of utilities, a line per side
        metrics = [m for m in metrics if m not in utilities] + ["utility"]
    cols = 2 if len(metrics) == 4 else min(len(metrics), 3)
    rows = -(-len(metrics) // cols)
    fig, axes = figure(3.6 * rows + 1.6, nrows=rows, ncols=cols, squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        if metric == "utility" and together:
            _utility_lines(ax, table, param, utilities)
            continue
        rows_of = table[table["metric"] == metric]
        groups = rows_of.groupby(others, dropna=False) if others else [((), rows_of)]
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
        ax.set_title(metric)
        ax.set_xlabel(wrap(param.removeprefix("scenario."), 40))
    for ax in axes.flat[len(metrics) :]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if others and labels:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(3, len(labels)))
    if together:
        handles, labels = axes.flat[len(metrics) - 1].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=5)
    suptitle(fig, "Sweep: each headline metric, estimate with 95% CI band")
    return save_figure(fig, path)


@styled
def heatmap_figure(table: pd.DataFrame, x: str, y: str, path: Path) -> Path:
    """Each headline metric's estimate over the grid of the first two swept parameters."""
    metrics = _headline(table)
    cols = 2 if len(metrics) == 4 else min(len(metrics), 3)
    rows = -(-len(metrics) // cols)
    fig, axes = figure(4.0 * rows + 1.0, nrows=rows, ncols=cols, squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        grid = table[table["metric"] == metric].pivot_table(
            index=y, columns=x, values="estimate", aggfunc="mean"
        )
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(wrap(x.removeprefix("scenario."), 30))
        ax.set_ylabel(wrap(y.removeprefix("scenario."), 30))
        ax.set_title(metric)
        ax.grid(False)
        fig.colorbar(image, ax=ax)
    for ax in axes.flat[len(metrics) :]:
        ax.remove()
    suptitle(fig, "Sweep: each headline metric's estimate over the grid")
    return save_figure(fig, path)


def aggregate(sweep_dir: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``sweep.parquet``, ``sweep_wide.parquet`` and figures into ``sweep_dir``; return
    the long table and the unfinished jobs."""
    sweep_dir = Path(sweep_dir)
    table, swept, unfinished = collect(sweep_dir)
    if table.empty:
        return table, unfinished
    write_parquet(sweep_dir / TABLE, table)
    write_parquet(sweep_dir / WIDE, wide(table, swept))
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
    """The one line printed after aggregating: jobs in the tables, and how to finish the rest."""
    jobs = table["job"].nunique() if not table.empty else 0
    if jobs:
        line = f"negsim: sweep {sweep_dir}: {plural(jobs, 'job')} in {TABLE} and {WIDE}"
    else:
        line = f"negsim: sweep {sweep_dir}: no finished job, no table written"
    if unfinished:
        names = ", ".join(p.name for p in unfinished)
        seed = f" seed={int(table['seed'].iloc[0])}" if not table.empty else ""
        line += (
            f"; {plural(len(unfinished), 'job')} did not finish ({names}): rerun the same command "
            f"with hydra.sweep.dir={sweep_dir}{seed} to complete {'it' if len(unfinished) == 1 else 'them'}"
        )
    return line
