"""``figures/utility_space.png``: the simulated agreements beside the Pareto frontier and the
bargaining solutions, from the ``theory`` section of summary.json."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.outputs.figures import FinishedRun, register, save_figure  # noqa: E402
from sim.outputs.style import figure, suptitle  # noqa: E402

CLOUD = "#e67e22"  # the simulated agreements: a colour no marker uses
MARKERS = {
    "nash": ("*", "#1f5fa8"),
    "kalai_smorodinsky": ("D", "#2e7d32"),
    "utilitarian": ("^", "#8e44ad"),
}


def _has_frontier(run: FinishedRun) -> bool:
    return "frontier" in (run.summary.get("theory") or {})


@register("utility_space.png", applies=_has_frontier)
def utility_space_figure(run: FinishedRun, path: Path) -> Path:
    """Frontier, disagreement point, solutions and the cloud of simulated agreements."""
    scenario, section, sample = run.scenario, run.summary["theory"], run.result.sample
    a, b = section["agents"]
    labels = {agent.name: agent.label for agent in scenario.agents}
    fig, ax = figure(7.2)
    frontier = section["frontier"]["utility"]
    ax.plot(frontier[a], frontier[b], color="black", lw=1.5, label="Pareto frontier", zorder=2)
    if sample is not None and f"agreement_utility_{a}" in sample:
        cloud = sample[[f"agreement_utility_{a}", f"agreement_utility_{b}"]].dropna()
        ax.scatter(
            cloud[f"agreement_utility_{a}"],
            cloud[f"agreement_utility_{b}"],
            s=36,
            alpha=0.35,
            color=CLOUD,
            edgecolors="none",
            label=f"simulated agreements, session 1 ({len(cloud):,} runs)",
            zorder=3,
        )
    d = section["disagreement"]["utility"]
    ax.scatter(
        [d[a]],
        [d[b]],
        marker="s",
        color="#c0392b",
        s=90,
        label=f"disagreement point ({section['disagreement']['kind']})",
        zorder=4,
    )
    for layer, (name, (marker, colour)) in enumerate(MARKERS.items()):
        s = section.get(name)
        if s:  # solutions that coincide stay visible: the later ones smaller and on top
            ax.scatter(
                [s["utility"][a]],
                [s["utility"][b]],
                marker=marker,
                s=320 - 90 * layer,
                color=colour,
                edgecolors="white",
                linewidths=1.2,
                label=name.replace("_", "–").title(),
                zorder=5 + layer,
            )
    ax.set_xlabel(f"utility of {labels[a]}")
    ax.set_ylabel(f"utility of {labels[b]}")
    ax.set_aspect("equal", adjustable="datalim")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center")
    suptitle(fig, f"{scenario.title or scenario.name}: utility space, first session")
    return save_figure(fig, path)
