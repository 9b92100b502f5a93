"""The dashboard's figures: offers per issue with red lines, and the cooperation index.

Both show the live run as lines over the Monte Carlo band (``sim.viz.live.Band``). Figures are
built with ``matplotlib.figure.Figure`` (no pyplot), so each browser tab owns its own.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from sim.outputs.figures import COLOURS, red_line_bands
from sim.scenario.spec import Scenario
from sim.viz.live import BAND_QUANTILES, Band

PRESSURE_COLOURS = ("#7b3f98", "#e67e22", "#16a085", "#7f8c8d")
BAND_LABEL = f"{BAND_QUANTILES[0]:.0%}–{BAND_QUANTILES[1]:.0%} of the Monte Carlo runs"


def _sessions_and_limits(ax, scenario: Scenario) -> None:
    negotiation = scenario.negotiation
    for s in range(1, negotiation.sessions):
        ax.axvline(s * negotiation.rounds - 0.5, color="grey", lw=0.6, ls="--")
    ax.set_xlim(-0.5, negotiation.sessions * negotiation.rounds - 0.5)


def _band(ax, band: Band | None, key: str, colour: str, label: str | None) -> None:
    if band is not None and key in band.low:
        ax.fill_between(
            band.steps,
            band.low[key],
            band.high[key],
            color=colour,
            alpha=0.15,
            lw=0,
            step="post",
            label=label,
        )


def offers_figure(scenario: Scenario, offers: pd.DataFrame, band: Band | None) -> Figure:
    """One panel per issue: each side's offers in the live run, the band of its standing offer
    over the Monte Carlo runs, red lines hatched, ideals dotted."""
    issues = scenario.issue_names
    cols = min(4, len(issues))
    rows = math.ceil(len(issues) / cols)
    height = 2.0 * rows + 1.1
    fig = Figure(figsize=(3.3 * cols, height))
    # Fixed margins: a layout engine would cost more than drawing, at every round.
    fig.subplots_adjust(
        left=0.04, right=0.99, top=1 - 0.6 / height, bottom=0.75 / height, hspace=0.3, wspace=0.08
    )
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    for ax, issue in zip(axes.flat, issues, strict=False):
        for colour, agent in zip(COLOURS, scenario.agents, strict=True):
            _band(ax, band, f"offer_{agent.name}_{issue}", colour, f"{agent.label}: {BAND_LABEL}")
            red_line_bands(ax, agent, issue, colour)
            ax.axhline(agent.ideal[issue], color=colour, ls=":", lw=0.8)
            if not offers.empty:
                mine = offers[offers["agent"] == agent.name]
                for session, rows in mine.groupby("session"):
                    ax.plot(
                        rows["step"],
                        rows[f"offer_{issue}"],
                        color=colour,
                        lw=1.5,
                        marker=".",
                        label=f"{agent.label} offers (this run)" if session == 0 else None,
                    )
                taken = mine[mine["accepted"]]
                ax.plot(
                    taken["step"],
                    taken[f"offer_{issue}"],
                    ls="none",
                    marker="*",
                    ms=11,
                    color="#2e7d32",
                    label="accepted",
                )
        _sessions_and_limits(ax, scenario)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(issue, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(issues) :]:
        ax.axis("off")
    handles: dict = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=3, fontsize=7)
    fig.suptitle(
        "Offers per issue by round (dashed: new session; dotted: ideals)",
        fontsize=10,
        y=1 - 0.12 / height,
    )
    return fig


def cooperation_figure(scenario: Scenario, history: pd.DataFrame, band: Band | None) -> Figure:
    """The cooperation index of each side (or, where the model has none, its aspiration), and
    the pressures and the observer's belief when the model has them. Values hold between the
    rounds played (a settled session skips its last rounds)."""
    fig = Figure(figsize=(10, 3.6))
    fig.subplots_adjust(left=0.05, right=0.99, top=0.86, bottom=0.25, wspace=0.12)
    left, right = fig.subplots(1, 2)
    keys = (band.low if band is not None else {}) | dict.fromkeys(history.columns)
    measure = "cooperation" if any(k.startswith("cooperation_") for k in keys) else "aspiration"
    for colour, agent in zip(COLOURS, scenario.agents, strict=True):
        key = f"{measure}_{agent.name}"
        _band(left, band, key, colour, None)
        if key in history:
            left.step(history["step"], history[key], where="post", color=colour, lw=1.6)
        left.plot([], [], color=colour, lw=1.6, label=agent.label)
    left.set_title(
        "Cooperation index: the other side's utility of each side's peripheral position"
        if measure == "cooperation"
        else "Aspiration (this model has no cooperation index yet)",
        fontsize=9,
    )
    others = sorted(k for k in keys if k.startswith("pressure_")) + (
        ["belief"] if "belief" in keys else []
    )
    for colour, key in zip(PRESSURE_COLOURS, others, strict=False):
        label = f"{key.removeprefix('pressure_')} pressure" if key != "belief" else "belief"
        _band(right, band, key, colour, None)
        if key in history:
            right.step(history["step"], history[key], where="post", color=colour, lw=1.6)
        right.plot([], [], color=colour, lw=1.6, label=label)
    right.set_title("Pressures, and the belief that the softening is genuine", fontsize=9)
    if not others:
        right.text(
            0.5, 0.5, "no pressures in this scenario", ha="center", va="center", color="grey"
        )
    for ax in (left, right):
        _sessions_and_limits(ax, scenario)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("round (dashed lines: new session)", fontsize=8)
        ax.tick_params(labelsize=7)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    fig.suptitle(f"Lines: this run; shaded: {BAND_LABEL}", fontsize=9)
    return fig
