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

Every registered figure is drawn in negsim's slide style (``sim.outputs.style``: 1280 pixels
wide, no text under 10 points, constrained layout, legends outside the axes) and saved through
:func:`save_figure`; ``tests/outputs/test_figure_layout.py`` draws each one for scenarios of 1,
3, 8 and 12 issues and checks that no text overlaps another or leaves the figure.
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
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from sim.core.protocols.mediated import MediatorSeat  # noqa: E402
from sim.core.registry import Registry  # noqa: E402
from sim.outputs.domestic import fell_at_home_steps  # noqa: E402
from sim.outputs.formatting import possessive  # noqa: E402
from sim.outputs.style import (  # noqa: E402
    MEDIATOR_COLOUR,
    SLIDE_PX,
    agent_styles,
    figure,
    many,
    styled,
    suptitle,
    wrap,
)
from sim.scenario.distributions import typical  # noqa: E402
from sim.scenario.spec import AgentSpec, Scenario  # noqa: E402

if TYPE_CHECKING:
    from sim.engine.montecarlo import MonteCarloResult

AGREED = "#2e7d32"
MEDIATOR = MediatorSeat.name  # the mediator's rows in offers.parquet (not a scenario agent)


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
    """Register ``draw(run, path)`` as the run figure written to ``figures/<name>``, drawn in
    negsim's slide style (``sim.outputs.style``) whoever calls it."""

    def add(draw: Callable[[FinishedRun, Path], Path]):
        draw = styled(draw)
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
    """Save ``fig`` atomically (a hidden temporary file, then a rename), exactly
    ``SLIDE_PX`` pixels wide, and close it: every figure negsim writes goes through here."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=SLIDE_PX / fig.get_figwidth())
    plt.close(fig)
    tmp.replace(path)
    return path


def red_line_bands(
    ax, agent: AgentSpec, issue: str, colour: str, label: str | None = "each"
) -> None:
    """Hatch the values of ``issue`` beyond ``agent``'s red line (none if it has no red line),
    labelled "beyond <agent>'s red line" (``label="each"``), ``label`` or not at all (None)."""
    low, high = agent.red_line(issue)
    if label == "each":
        label = f"beyond {possessive(agent.label)} red line"
    for lo, hi in ((high, 1.0), (0.0, low)):
        if hi > lo:
            ax.axhspan(lo, hi, color=colour, alpha=0.15, hatch="//", lw=0, label=label)


def finish_panels(fig, axes, used: int, extra: dict | None = None, ncol: int = 3) -> None:
    """The last touches of a grid of issue panels: spare panels removed, the lowest panel of
    each column labelled with the x axis, and one legend for all panels below them (``extra``:
    more entries, label -> handle, after the panels' own)."""
    rows, cols = axes.shape
    for ax in axes.flat[used:]:
        ax.remove()
    for col in range(cols):
        lowest = max(r for r in range(rows) if r * cols + col < used)
        axes[lowest, col].set_xlabel("round of the run")
    handles = {}
    for ax in fig.axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    handles.update(extra or {})
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=ncol)


def key_entries(scenario: Scenario, ideals: bool = True) -> dict:
    """With more than two sides, the legend says once what dotted lines (``ideals``) and
    hatching mean."""
    if not many(scenario):
        return {}
    grey = "#7f8c8d"
    dotted = {"a side's ideal (dotted, its colour)": Line2D([], [], color=grey, ls=":", lw=1.5)}
    return {
        **(dotted if ideals else {}),
        "beyond a side's red line (hatched, its colour)": Patch(
            facecolor=grey, alpha=0.3, hatch="//", lw=0
        ),
    }


def legend_columns(scenario: Scenario) -> int:
    return 3 if not many(scenario) else 4 if len(scenario.agents) <= 5 else 5


def traced(run: FinishedRun) -> bool:
    """Only the first replications of a run are traced: none with ``trace_replications=0`` or in
    a shard that starts later."""
    return not run.result.offers.empty


# Characters per line of an issue's title and of its end-point labels, by columns of panels.
TITLE_CHARS = {1: 80, 2: 40, 3: 26, 4: 18}
END_CHARS = {1: 40, 2: 26, 3: 20, 4: 15}
LINE_IN = 10 * 1.3 / 72  # inches per line of a 10-point label


def panel_columns(issues: int) -> int:
    return {1: 1, 2: 2, 3: 3, 4: 2}.get(issues, 3 if issues <= 9 else 4)


def end_labels(scenario: Scenario, cols: int) -> dict[str, tuple[str, str]]:
    """What 0 and 1 mean on each issue, wrapped to the panel: never cut."""
    chars = END_CHARS[cols]
    return {
        i.name: (wrap(f"0: {i.low}", chars), wrap(f"1: {i.high}", chars)) for i in scenario.issues
    }


@register("offers.png", applies=traced)
def offers_figure(run: FinishedRun, path: Path) -> Path:
    """One panel per issue: the traced replications' offers (replication 0 bold; a mediator's
    text in black), red lines hatched, ideals dotted, agreements starred; what each end of an
    issue means on its axis."""
    scenario, offers = run.scenario, run.result.offers
    issues = scenario.issue_names
    cols = panel_columns(len(issues))
    rows = math.ceil(len(issues) / cols)
    ends = end_labels(scenario, cols)
    lines = max(low.count("\n") + high.count("\n") + 2 for low, high in ends.values())
    panel = max(2.6, lines * LINE_IN + 1.6)  # the two end labels fit beside the panel
    legend_rows = math.ceil((len(scenario.agents) + 6) / legend_columns(scenario))
    extra = 0.3 * max(0, legend_rows - 3)
    fig, axes = figure(panel * rows + 1.8 + extra, nrows=rows, ncols=cols, squeeze=False)
    first_rep = offers["rep"].min() if not offers.empty else 0
    others = offers["rep"].nunique() - 1 if not offers.empty else 0
    for ax, issue in zip(axes.flat, issues, strict=False):
        _offers_panel(ax, scenario, issue, offers, first_rep)
        _agreements(ax, scenario, issue, run.result.sessions, first_rep)
        for step, row in fell_at_home_steps(scenario, run.result.sessions, offers, first_rep):
            ax.plot(step, row[f"value_{issue}"], marker="X", ms=12, color=AGREED, ls="none",
                    zorder=5, label="agreed at the table, rejected at home")  # fmt: skip
        issue_axes(ax, scenario, issue, ends[issue], TITLE_CHARS[cols])
    finish_panels(fig, axes, len(issues), key_entries(scenario), legend_columns(scenario))
    faint = f"; faint: {others} other traced replications" if others else ""
    suptitle(
        fig,
        f"{scenario.title or scenario.name}: offers per issue (bold: replication 0{faint})",
    )
    return save_figure(fig, path)


def proposers(scenario: Scenario, offers: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """Whose offers the trace holds: each agent's (legend label, colour, line style), and the
    mediator's text (``mediated_single_text``) when the trace has it."""
    styles = agent_styles(scenario)
    found = {
        agent.name: (
            agent.label if many(scenario) else f"{possessive(agent.label)} offers",
            *styles[agent.name],
        )
        for agent in scenario.agents
    }
    names = set(offers["agent"]) if not offers.empty else set()
    if MEDIATOR in names and MEDIATOR not in found:
        found[MEDIATOR] = ("the mediator's text", MEDIATOR_COLOUR, "-")
    return found


def _offers_panel(ax, scenario: Scenario, issue: str, offers: pd.DataFrame, first_rep) -> None:
    lines = proposers(scenario, offers)
    for name, (label, colour, style) in lines.items():
        mine = offers[offers["agent"] == name] if not offers.empty else offers
        for rep, group in mine.groupby("rep"):
            main = rep == first_rep
            ax.plot(
                group["step"],
                group[f"offer_{issue}"],
                color=colour,
                ls=style,
                alpha=0.95 if main else 0.15,
                lw=2.2 if main else 1.0,
                marker="o" if main else None,
                ms=4,
                label=label if main else None,
            )
        if name == MEDIATOR:
            continue
        agent = scenario.agent(name)
        red_line_bands(ax, agent, issue, colour, None if many(scenario) else "each")
        ax.axhline(
            typical(agent.ideal[issue]),
            color=colour,
            ls=":",
            lw=1.5,
            # with many sides the legend names each side once; the first line drawn in its
            # colour (its offers, else its ideal) stands for it
            label=agent.label if many(scenario) else f"{possessive(agent.label)} ideal",
        )


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
                ms=16,
                color=AGREED if kept else "white",
                mec=AGREED,
                mew=1.5,
                ls="none",
                zorder=5,
                label="agreed (hollow: not implemented)",
            )


def issue_axes(ax, scenario: Scenario, issue: str, ends: tuple[str, str], chars: int) -> None:
    """Session boundaries, limits, the issue's name and, on the value axis, what its ends
    mean."""
    rounds = scenario.negotiation.rounds
    for s in range(1, scenario.negotiation.sessions):
        ax.axvline(s * rounds - 0.5, color="grey", lw=0.8, ls="--", label="a new session begins")
    ax.set_title(wrap(issue, chars))
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlim(-0.5, rounds * scenario.negotiation.sessions - 0.5)
    ticks = ax.set_yticks([0, 1], list(ends))
    ticks[0].label1.set_verticalalignment("bottom")
    ticks[1].label1.set_verticalalignment("top")
    ax.tick_params(axis="y", labelsize=10)
    ax.grid(axis="y", visible=False)


@register("outcomes.png")
def outcome_figure(run: FinishedRun, path: Path) -> Path:
    """Final value and agreement rate per issue with 95% CIs, beside the ideals and status quo."""
    scenario, summary = run.scenario, run.summary
    issues = scenario.issue_names
    legend_rows = math.ceil((len(scenario.agents) + 2) / 4)
    fig, (left, right) = figure(
        0.5 * len(issues) + 2.6 + 0.35 * (legend_rows - 1),
        ncols=2,
        sharey=True,
        gridspec_kw={"width_ratios": [3, 2]},
    )
    y = list(range(len(issues)))
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
        ax.errorbar(
            est, y, xerr=err, fmt="o", ms=7, color="black", capsize=4, label="simulated (95% CI)"
        )
        ax.set_xlim(-0.05, 1.05)
        ax.set_title(title)
    styles = agent_styles(scenario)
    for agent in scenario.agents:
        colour = styles[agent.name][0]
        left.scatter(
            [typical(agent.ideal[i]) for i in issues],
            y,
            marker="|",
            s=400,
            linewidths=3,
            color=colour,
            label=f"{possessive(agent.label)} ideal",
        )
    left.scatter(
        [typical(s.status_quo) for s in scenario.issues],
        y,
        marker="x",
        s=60,
        color="grey",
        label="starting status quo",
    )
    left.set_yticks(y, issues)
    left.set_ylim(len(issues) - 0.5, -0.5)
    left.set_xlabel("value on the issue's scale (0 to 1)")
    right.set_xlabel("share of runs")
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    suptitle(fig, f"{scenario.title or scenario.name}: where each issue ended")
    return save_figure(fig, path)
