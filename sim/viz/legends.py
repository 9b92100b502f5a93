"""The legends of the dashboard's figures (``sim.viz.plots``): where a legend goes under its
axes, what the band is called, and each side's entries in the offers legend (three per side for
two sides; a name in its colour per side, and what the band and the hatching mean once, for
more)."""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.outputs.figures import many
from sim.scenario.spec import AgentSpec, Scenario
from sim.viz.band import BAND_QUANTILES

FONT_PX = 14
LEGEND_ROW_PX = 22  # a legend row of FONT_PX text: taller figures for legends of many sides
BAND_ALPHA = 0.18
BAND_LABEL = f"{BAND_QUANTILES[0]:.0%}–{BAND_QUANTILES[1]:.0%} of the Monte Carlo runs"
SHORT_BAND_LABEL = f"{BAND_QUANTILES[0]:.0%}–{BAND_QUANTILES[1]:.0%} of runs"


def under_axes(ax, handles: list, ncol: int, gap_px: float = 48) -> None:
    """A legend ``gap_px`` pixels under the axes (room for its tick labels and x label)."""
    height_px = ax.get_position().height * ax.figure.get_figheight() * ax.figure.dpi
    ax.legend(
        handles=handles,
        fontsize=FONT_PX,
        loc="upper center",
        bbox_to_anchor=(0.5, -gap_px / height_px),
        ncol=ncol,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
        borderaxespad=0,
    )


def side_entries(
    scenario: Scenario,
    agent: AgentSpec,
    colour: str,
    style: str,
    handles: dict,
    band: bool = True,
) -> dict:
    """The offers legend's entries for one side not yet in ``handles``: its offers, band and
    red line (two sides), or its name in its colour and, once for all, what the band (if the
    sides make offers: ``band``) and the hatching mean (more sides)."""
    if many(scenario):
        grey = "#7f8c8d"
        entries = {agent.label: Line2D([], [], color=colour, ls=style, lw=2, label=agent.label)}
        if band:
            entries["band"] = Patch(
                color=grey, alpha=BAND_ALPHA * 2, lw=0, label=f"each side: {SHORT_BAND_LABEL}"
            )
        if agent.red_lines:
            entries["red line"] = Patch(
                facecolor=grey, alpha=0.3, hatch="//", lw=0, label="beyond a side's red line"
            )
        return {key: value for key, value in entries.items() if key not in handles}
    entries = {
        f"{agent.label} offers": Line2D(
            [], [], color=colour, lw=2, marker=".", ms=8, label=f"{agent.label} offers"
        ),
        f"{agent.label} band": Patch(
            color=colour, alpha=BAND_ALPHA * 2, lw=0, label=f"{agent.label}: {SHORT_BAND_LABEL}"
        ),
    }
    if agent.red_lines:
        entries[f"{agent.label} red line"] = Patch(
            facecolor=colour, alpha=0.3, hatch="//", lw=0, label=f"beyond {agent.label}'s red line"
        )
    return {key: value for key, value in entries.items() if key not in handles}
