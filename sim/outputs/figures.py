"""Figures of a run, and the registry that draws every one that applies to a run.

A run figure is a function ``draw(run, path) -> path`` of a :class:`FinishedRun`, registered
under the name of the file it writes in the run's ``figures/`` folder; ``sim.cli.run`` calls
:func:`draw_run_figures`, which draws each registered figure whose ``applies(run)`` holds.

Adding a figure:

1. In any module of ``sim.outputs`` (here, or beside the words of its feature, as
   ``sim.outputs.pause`` and ``sim.outputs.theory`` do), write the function and decorate it::

       @register("my_figure.png", applies=lambda run: bool(run.summary["tactical_pause"]))
       def my_figure(run: FinishedRun, path: Path) -> Path:
           fig, ax = plt.subplots()
           ...
           return save_figure(fig, path)

2. In ``tests/outputs/test_figures.py``, add its file name to the registry test and one test
   that draws it for the tiny runs there and checks what it must show (title, labels, legend).

No list of figures to keep in the code: :func:`run_figures` imports every module of
``sim.outputs`` before answering, so every ``@register`` has run, whatever was imported before.

Uses matplotlib's non-interactive backend; every figure is saved through :func:`save_figure`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.core.registry import Registry  # noqa: E402
from sim.scenario.distributions import typical  # noqa: E402
from sim.scenario.spec import AgentSpec, Scenario  # noqa: E402

if TYPE_CHECKING:
    from sim.engine.montecarlo import MonteCarloResult

COLOURS = ("#1f5fa8", "#c0392b")


@dataclass(frozen=True)
class FinishedRun:
    """What a run figure may draw from: the scenario, the simulation's result, the summary
    (as in summary.json), the per-round table (rounds.parquet) and whether an animation was
    asked for."""

    scenario: Scenario
    result: MonteCarloResult
    summary: dict
    rounds: pd.DataFrame
    animation: bool = False


@dataclass(frozen=True)
class RunFigure:
    name: str  # the file it writes in figures/
    draw: Callable[[FinishedRun, Path], Path]
    applies: Callable[[FinishedRun], bool]


RUN_FIGURES: Registry[RunFigure] = Registry("run figure", "sim.outputs")


def _always(run: FinishedRun) -> bool:
    return True


def register(name: str, applies: Callable[[FinishedRun], bool] = _always):
    """Register ``draw(run, path)`` as the run figure written to ``figures/<name>``."""

    def add(draw: Callable[[FinishedRun, Path], Path]):
        RUN_FIGURES.add(name, RunFigure(name, draw, applies), draw.__module__)
        return draw

    return add


def run_figures() -> Registry[RunFigure]:
    """Every registered run figure, by file name (every module of ``sim.outputs`` imported)."""
    return RUN_FIGURES


def draw_run_figures(run: FinishedRun, folder: Path) -> list[Path]:
    """Draw every registered figure that applies to ``run`` into ``folder``."""
    folder.mkdir(exist_ok=True)
    return [
        figure.draw(run, folder / name)
        for name, figure in run_figures().items()
        if figure.applies(run)
    ]


def save_figure(fig, path: Path) -> Path:
    """Save ``fig`` atomically (a hidden temporary file, then a rename) and close it: every
    figure negsim writes goes through here."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path


def red_line_bands(ax, agent: AgentSpec, issue: str, colour: str) -> None:
    """Hatch the values of ``issue`` beyond ``agent``'s red line (none if it has no red line)."""
    low, high = agent.red_line(issue)
    for lo, hi in ((high, 1.0), (0.0, low)):
        if hi > lo:
            ax.axhspan(
                lo,
                hi,
                color=colour,
                alpha=0.15,
                hatch="//",
                lw=0,
                label=f"beyond {agent.label}'s red line",
            )


def traced(run: FinishedRun) -> bool:
    """Only the first replications of a run are traced: none with ``trace_replications=0`` or in
    a shard that starts later."""
    return not run.result.offers.empty


@register("offers.png", applies=traced)
def offers_figure(run: FinishedRun, path: Path) -> Path:
    """One panel per issue: the traced replications' offers (replication 0 in bold), red lines
    hatched, ideals dotted, agreements starred."""
    scenario, offers = run.scenario, run.result.offers
    issues = scenario.issue_names
    cols = min(4, len(issues))
    rows = math.ceil(len(issues) / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, sharex=True
    )
    first_rep = offers["rep"].min() if not offers.empty else 0
    for ax, issue in zip(axes.flat, issues, strict=False):
        _offers_panel(ax, scenario, issue, offers, first_rep)
        _agreements(ax, scenario, issue, run.result.sessions, first_rep)
        _issue_axes(ax, scenario, issue)
    for ax in axes.flat[len(issues) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("round (dashed lines: new session)")
    handles = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(
        handles.values(),
        handles.keys(),
        loc="lower center",
        ncol=3,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, -0.06),
    )
    fig.suptitle(
        f"{scenario.title or scenario.name}: offers per issue (bold: replication 0; faint: other traced runs; dotted: ideals)",
        fontsize=10,
    )
    fig.tight_layout()
    return save_figure(fig, path)


def _offers_panel(ax, scenario: Scenario, issue: str, offers: pd.DataFrame, first_rep) -> None:
    for colour, agent in zip(COLOURS, scenario.agents, strict=True):
        mine = offers[offers["agent"] == agent.name] if not offers.empty else offers
        for rep, group in mine.groupby("rep"):
            main = rep == first_rep
            ax.plot(
                group["step"],
                group[f"offer_{issue}"],
                color=colour,
                alpha=0.9 if main else 0.12,
                lw=1.6 if main else 0.8,
                marker="." if main else None,
                label=f"{agent.label} offers" if main else None,
            )
        red_line_bands(ax, agent, issue, colour)
        ax.axhline(typical(agent.ideal[issue]), color=colour, ls=":", lw=0.8)


def _agreements(ax, scenario: Scenario, issue: str, sessions: pd.DataFrame, first_rep) -> None:
    """Star each agreement on ``issue`` in the first traced replication (hollow: not kept)."""
    if sessions.empty:
        return
    rounds = scenario.negotiation.rounds
    for _, row in sessions[sessions["rep"] == first_rep].iterrows():
        if row[f"agreed_{issue}"]:
            kept = row[f"implemented_{issue}"]
            ax.plot(
                row["session"] * rounds + row["round"],
                row[f"value_{issue}"],
                marker="*",
                ms=13,
                color="#2e7d32" if kept else "white",
                mec="#2e7d32",
                ls="none",
                label="agreed (hollow: not implemented)",
            )


def _issue_axes(ax, scenario: Scenario, issue: str) -> None:
    """Session boundaries, limits, the issue's name and what its ends mean."""
    rounds = scenario.negotiation.rounds
    spec = next(i for i in scenario.issues if i.name == issue)
    for s in range(1, scenario.negotiation.sessions):
        ax.axvline(s * rounds - 0.5, color="grey", lw=0.6, ls="--")
    ax.set_title(issue, fontsize=10)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(-0.5, rounds * scenario.negotiation.sessions - 0.5)
    ax.set_ylabel(f"0: {spec.low[:18]}\n1: {spec.high[:18]}", fontsize=6)


@register("outcomes.png")
def outcome_figure(run: FinishedRun, path: Path) -> Path:
    """Final value and agreement rate per issue with 95% CIs, beside the ideals and status quo."""
    scenario, summary = run.scenario, run.summary
    issues = scenario.issue_names
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * len(issues) + 1.8))
    y = range(len(issues))
    for ax, key, title in (
        (left, "final_value", "final value (mean, 95% CI)"),
        (right, "agreement_rate", "agreement rate (95% CI)"),
    ):
        est = [summary["issues"][i][key]["estimate"] for i in issues]
        ci = [summary["issues"][i][key]["ci95"] or [e, e] for i, e in zip(issues, est, strict=True)]
        err = [
            [max(0.0, e - c[0]) for e, c in zip(est, ci, strict=True)],
            [max(0.0, c[1] - e) for e, c in zip(est, ci, strict=True)],
        ]
        ax.errorbar(est, list(y), xerr=err, fmt="o", color="black", capsize=3, label="simulated")
        if key == "final_value":
            for colour, agent in zip(COLOURS, scenario.agents, strict=True):
                ax.scatter(
                    [typical(agent.ideal[i]) for i in issues],
                    list(y),
                    marker="|",
                    s=200,
                    color=colour,
                    label=f"{agent.label} ideal",
                )
            ax.scatter(
                [typical(s.status_quo) for s in scenario.issues],
                list(y),
                marker="x",
                color="grey",
                label="starting status quo",
            )
            ax.legend(fontsize=7, loc="lower right")
        ax.set_yticks(list(y), issues)
        ax.set_xlim(-0.05, 1.05)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=10)
    right.set_yticklabels([])
    fig.tight_layout()
    return save_figure(fig, path)
