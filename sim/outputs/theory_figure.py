"""``figures/utility_space.png``: for two agents the simulated agreements beside the Pareto
frontier and the bargaining solutions; for more, parallel coordinates of the agents' utilities;
from the ``theory`` section of summary.json (kept apart from the report's words so that the
report never imports matplotlib)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.outputs.figures import FinishedRun, register, save_figure  # noqa: E402
from sim.outputs.style import figure, suptitle, wrap  # noqa: E402
from sim.outputs.theory import NAMES, _weights_differ  # noqa: E402

CLOUD = "#e67e22"  # the simulated agreements: a colour no marker uses
MARKERS = {
    "nash": ("*", "#1f5fa8"),
    "kalai_smorodinsky": ("D", "#2e7d32"),
    "utilitarian": ("^", "#8e44ad"),
}
WEIGHTED_MARKER = ("P", "#17a2b8")


def _has_theory(run: FinishedRun) -> bool:
    section = run.summary.get("theory") or {}
    return bool(section.get("frontier")) or len(section.get("agents", ())) > 2


@register("utility_space.png", applies=_has_theory)
def utility_space_figure(run: FinishedRun, path: Path) -> Path:
    """Frontier, disagreement point, solutions and the cloud of simulated agreements; for more
    than two agents, :func:`parallel_utilities`."""
    scenario, section, sample = run.scenario, run.summary["theory"], run.result.sample
    if len(section["agents"]) > 2:
        return parallel_utilities(run, path)
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


AGREEMENT_LINES = 300  # simulated agreements drawn as lines: enough to show the spread


def parallel_utilities(run: FinishedRun, path: Path) -> Path:
    """Parallel coordinates of the agents' utilities (Inselberg 1985): one thin line per
    simulated first-session agreement (a sample), a bold line per solution and the
    disagreement point, each agent an axis."""
    scenario, section, sample = run.scenario, run.summary["theory"], run.result.sample
    agents = section["agents"]
    labels = {agent.name: agent.label for agent in scenario.agents}
    n = len(agents)
    fig, ax = figure(6.4)
    axis = list(range(n))
    columns = [f"agreement_utility_{a}" for a in agents]
    if sample is not None and all(c in sample for c in columns):
        cloud = sample[columns].dropna()
        shown = cloud.head(AGREEMENT_LINES)
        for k, row in enumerate(shown.to_numpy()):
            ax.plot(
                axis,
                row,
                color=CLOUD,
                lw=0.8,
                alpha=0.25,
                zorder=2,
                label=f"simulated agreements, session 1 ({len(shown):,} of {len(cloud):,} runs)"
                if k == 0
                else None,
            )
    d = section["disagreement"]["utility"]
    ax.plot(
        axis,
        [d[a] for a in agents],
        color="#c0392b",
        ls="--",
        marker="s",
        ms=8,
        lw=1.5,
        label=f"disagreement point ({section['disagreement']['kind']})",
        zorder=4,
    )
    styles = dict(MARKERS)
    if _weights_differ(section):
        styles = {"nash": MARKERS["nash"], "weighted_nash": WEIGHTED_MARKER} | {
            k: v for k, v in MARKERS.items() if k != "nash"
        }
    for layer, (name, (marker, colour)) in enumerate(styles.items()):
        s = section.get(name)
        if s:  # solutions that coincide stay visible: the later ones thinner and on top
            ax.plot(
                axis,
                [s["utility"][a] for a in agents],
                color=colour,
                marker=marker,
                ms=13 - 2 * layer,
                lw=4.0 - 0.8 * layer,
                label=NAMES[name],
                zorder=5 + layer,
            )
    if n <= 5:  # side by side; more agents stand their labels on end, one line each beyond 12
        ax.set_xticks(axis, [wrap(labels[a], 14) for a in agents])
    else:
        ax.set_xticks(axis, [wrap(labels[a], 24 if n <= 12 else 60) for a in agents], rotation=90)
    ax.set_xlim(-0.2, n - 0.8)
    ax.set_ylabel("utility")
    ax.set_xlabel("agent")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center")
    suptitle(fig, f"{scenario.title or scenario.name}: agents' utilities, first session")
    return save_figure(fig, path)
