"""``figures/cooperation.png``: the tactical pause in a figure, from the ``tactical_pause``
section of summary.json and the per-round table that ``sim.analysis.pause`` computes."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.analysis.pause import targets  # noqa: E402
from sim.outputs.figures import (  # noqa: E402
    FinishedRun,
    agent_styles,
    many,
    register,
    save_figure,
)
from sim.outputs.formatting import possessive  # noqa: E402
from sim.outputs.style import figure, suptitle  # noqa: E402


def _has_pause(run: FinishedRun) -> bool:
    return bool(run.summary["tactical_pause"]) and not run.rounds.empty


@register("cooperation.png", applies=_has_pause)
def cooperation_figure(run: FinishedRun, path: Path) -> Path:
    """The targets' cooperation index round by round with and without pressure (mean, 95% CI),
    with the detected pause window shaded."""
    scenario, table = run.scenario, run.rounds
    drawn = targets(scenario) or [a.name for a in scenario.agents]
    coloured = many(scenario) and len(drawn) > 1  # a colour per side, dashed without pressure
    ncol = 3 if coloured else 2
    fig, ax = figure(6.0 + (0.3 * max(0, math.ceil(2 * len(drawn) / ncol) - 2) if coloured else 0))
    colours = {"cooperation_": "#1f5fa8", "counterfactual_cooperation_": "#7f8c8d"}
    labels = {a.name: a.label for a in scenario.agents}
    T = scenario.negotiation.rounds
    styles = agent_styles(scenario)
    for agent in drawn:
        for prefix, colour in colours.items():
            rows = table[table["metric"] == f"{prefix}{agent}"].sort_values("step")
            if rows.empty:
                continue
            without = prefix.startswith("counter")
            what = "without pressure" if without else "with pressure"
            style = "-"
            if coloured:
                colour, style = styles[agent][0], "--" if without else "-"
            ax.plot(
                rows["step"],
                rows["mean"],
                color=colour,
                ls=style,
                label=f"{possessive(labels[agent])} cooperation, {what}",
            )
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2)
        window = ((run.summary.get("tactical_pause") or {}).get("pause_window") or {}).get(agent)
        if window and window.get("found"):
            lo = (window["start"]["session"] - 1) * T + window["start"]["round"] - 1
            hi = (window["end"]["session"] - 1) * T + window["end"]["round"] - 1
            ax.axvspan(
                lo - 0.5,
                hi + 0.5,
                color=styles[agent][0] if coloured else "#f1c40f",
                alpha=0.12 if coloured else 0.2,
                label=f"{possessive(labels[agent])} detected pause window"
                if coloured
                else "detected pause window",
            )
    for s in range(1, scenario.negotiation.sessions):
        ax.axvline(s * T - 0.5, color="grey", lw=0.8, ls="--", label="a new session begins")
    ax.set_ylim(0, 1)
    ax.set_xlabel("round of the run")
    ax.set_ylabel("cooperation index (0 to 1)")
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=ncol)
    suptitle(
        fig,
        f"{scenario.title or scenario.name}: cooperation on peripheral issues (mean, 95% CI)",
    )
    return save_figure(fig, path)
