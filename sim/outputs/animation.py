"""An animation of one run for slides: offers per issue appearing round by round
(``figures/animation.gif``, drawn when ``output.animation`` is on and there is a trace)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402

from sim.outputs.figures import COLOURS, FinishedRun, register, traced  # noqa: E402

FPS = 4


def _asked_for(run: FinishedRun) -> bool:
    return run.animation and traced(run)


@register("animation.gif", applies=_asked_for)
def animate(run: FinishedRun, path: Path) -> Path:
    """Write a GIF of the first traced replication's offers (red lines hatched)."""
    scenario, offers = run.scenario, run.result.offers
    mine = offers[offers["rep"] == int(offers["rep"].min())]
    issues = scenario.issue_names
    total = scenario.negotiation.rounds * scenario.negotiation.sessions
    cols = min(3, len(issues))
    rows = math.ceil(len(issues) / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False, sharex=True
    )
    lines = {}
    for ax, issue in zip(axes.flat, issues, strict=False):
        for colour, agent in zip(COLOURS, scenario.agents, strict=True):
            low, high = agent.red_line(issue)
            for lo, hi in ((high, 1.0), (0.0, low)):
                if hi > lo:
                    ax.axhspan(lo, hi, color=colour, alpha=0.15, hatch="//", lw=0)
            (lines[(issue, agent.name)],) = ax.plot(
                [], [], color=colour, marker=".", label=agent.label
            )
        ax.set_xlim(-0.5, total - 0.5)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(issue, fontsize=8)
    for ax in axes.flat[len(issues) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, loc="upper right")
    title = fig.suptitle("", fontsize=9)
    steps = sorted(mine["step"].unique())
    rounds = scenario.negotiation.rounds

    def frame(i: int):
        upto = mine[mine["step"] <= steps[i]]
        for (issue, agent), line in lines.items():
            part = upto[upto["agent"] == agent]
            line.set_data(part["step"], part[f"offer_{issue}"])
        title.set_text(
            f"{scenario.name}: session {steps[i] // rounds + 1}, round {steps[i] % rounds + 1}"
        )
        return [*lines.values(), title]

    fig.tight_layout()
    movie = FuncAnimation(fig, frame, frames=len(steps), blit=False)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    movie.save(tmp, writer=PillowWriter(fps=FPS), dpi=70)
    plt.close(fig)
    tmp.replace(path)
    return path
