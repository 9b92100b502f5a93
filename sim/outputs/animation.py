"""An animation of one run for slides: offers per issue appearing round by round
(``figures/animation.gif``, drawn when ``output.animation`` is on and there is a trace).

One frame per round of the run (every round of every session, also those after a session's
agreement, so the clock runs evenly), 1280 pixels wide like every figure, the same panels as
``offers.png`` and the legend below the panels, outside the data.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from sim.outputs.figures import (  # noqa: E402
    AGREED,
    LINE_IN,
    MEDIATOR,
    TITLE_CHARS,
    FinishedRun,
    end_labels,
    finish_panels,
    issue_axes,
    key_entries,
    legend_columns,
    many,
    panel_columns,
    proposers,
    red_line_bands,
    register,
    traced,
)
from sim.outputs.style import SLIDE_PX, figure, styled, title_width, wrap  # noqa: E402

FPS = 4


def _asked_for(run: FinishedRun) -> bool:
    return run.animation and traced(run)


@register("animation.gif", applies=_asked_for)
def animate(run: FinishedRun, path: Path) -> Path:
    """Write a GIF of the first traced replication's offers (red lines hatched, agreements
    starred as they are reached), one frame per round of the run."""
    fig, frame, frames = animation_figure(run)
    fig.set_dpi(SLIDE_PX / fig.get_figwidth())
    images = []
    for step in range(frames):  # one draw a frame (matplotlib's writers draw each three times)
        frame(step)
        fig.canvas.draw()
        images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]))
    plt.close(fig)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    images[0].save(
        tmp, format="GIF", save_all=True, append_images=images[1:], duration=1000 // FPS, loop=0
    )
    tmp.replace(path)
    return path


@styled
def animation_figure(run: FinishedRun) -> tuple[Figure, Callable[[int], list], int]:
    """The animation's figure, laid out, the function that draws frame ``i`` (round ``i`` of
    the run) into it, and the number of frames."""
    scenario, offers = run.scenario, run.result.offers
    first = int(offers["rep"].min())
    mine = offers[offers["rep"] == first]
    issues = scenario.issue_names
    rounds, sessions = scenario.negotiation.rounds, scenario.negotiation.sessions
    cols = panel_columns(len(issues))
    rows = math.ceil(len(issues) / cols)
    ends = end_labels(scenario, cols)
    lines_of_text = max(low.count("\n") + high.count("\n") + 2 for low, high in ends.values())
    panel = max(2.4, lines_of_text * LINE_IN + 1.4)
    fig, axes = figure(panel * rows + 1.8, nrows=rows, ncols=cols, squeeze=False)
    lines, stars = {}, {}
    for ax, issue in zip(axes.flat, issues, strict=False):
        for who, (label, colour, style) in proposers(scenario, offers).items():
            if who != MEDIATOR:
                hatch_label = None if many(scenario) else "each"
                red_line_bands(ax, scenario.agent(who), issue, colour, hatch_label)
            (lines[(issue, who)],) = ax.plot(
                [], [], color=colour, ls=style, marker="o", ms=4, label=label
            )
        for kept in (True, False):
            (stars[(issue, kept)],) = ax.plot(
                [],
                [],
                marker="*",
                ms=16,
                ls="none",
                color=AGREED if kept else "white",
                mec=AGREED,
                mew=1.5,
                zorder=5,
                label="agreed (hollow: not implemented)" if kept else None,
            )
        issue_axes(ax, scenario, issue, ends[issue], TITLE_CHARS[cols])
    extra = key_entries(scenario, ideals=False)
    finish_panels(fig, axes, len(issues), extra, legend_columns(scenario))
    name = scenario.title or scenario.name
    chars = title_width(plt.rcParams["figure.titlesize"])
    title = fig.suptitle(wrap(f"{name}: session {sessions} of {sessions}, round {rounds}", chars))
    fig.canvas.draw()  # lay out once, with the longest title; then keep the layout still
    fig.set_layout_engine("none")
    agreed = _agreements(run, first)

    def frame(step: int):
        upto = mine[mine["step"] <= step]
        for (issue, agent), line in lines.items():
            part = upto[upto["agent"] == agent]
            line.set_data(part["step"], part[f"offer_{issue}"])
        for (issue, kept), star in stars.items():
            shown = agreed[(agreed["issue"] == issue) & (agreed["kept"] == kept)]
            shown = shown[shown["step"] <= step]
            star.set_data(shown["step"], shown["value"])
        title.set_text(
            wrap(
                f"{name}: session {step // rounds + 1} of {sessions}, round {step % rounds + 1}",
                chars,
            )
        )
        return [*lines.values(), *stars.values(), title]

    return fig, frame, rounds * sessions


def _agreements(run: FinishedRun, rep: int) -> pd.DataFrame:
    """Each agreed issue of replication ``rep``: the round of the run, its value, whether kept."""
    sessions, rounds = run.result.sessions, run.scenario.negotiation.rounds
    rows = []
    if not sessions.empty:
        for _, row in sessions[sessions["rep"] == rep].iterrows():
            for issue in run.scenario.issue_names:
                if row[f"agreed_{issue}"]:
                    rows.append(
                        {
                            "issue": issue,
                            "step": row["session"] * rounds + row["round"],
                            "value": row[f"value_{issue}"],
                            "kept": bool(row[f"implemented_{issue}"]),
                        }
                    )
    return pd.DataFrame(rows, columns=["issue", "step", "value", "kept"])
