"""The dashboard's figures, each drawn in two layers so that showing a round costs little.

The background holds what does not change during a run: axes, ticks, titles, the Monte Carlo
band (:class:`~sim.viz.band.Band`), red lines, ideals, the pause window and the legend. It is
drawn once per run, to PNG. The overlay, a transparent figure of the same size with the same
axes positions and limits, holds only the live run's lines and markers; after every round only
it is drawn again, to a small SVG, and the page stacks it on the background.

Both are drawn at ``DPI = 72``, where a point is a pixel: shown at its natural width
(``WIDTH_PX``), every text is at least ``FONT_PX`` pixels high. Figures are built with
``matplotlib.figure.Figure`` (no pyplot), so each browser tab owns its own.
"""

from __future__ import annotations

import io
import math
import threading

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from sim.core.protocols.mediated import MediatedSingleText
from sim.outputs.figures import MEDIATOR, MEDIATOR_COLOUR, agent_styles, many, red_line_bands
from sim.scenario.spec import Scenario
from sim.viz.band import Band
from sim.viz.legends import (
    BAND_ALPHA,
    BAND_LABEL,
    FONT_PX,
    LEGEND_ROW_PX,
    SHORT_BAND_LABEL,
    side_entries,
    under_axes,
)

DPI = 72
WIDTH_PX, HEIGHT_PX = 930, 450
PRESSURE_COLOURS = ("#7b3f98", "#e67e22", "#16a085", "#7f8c8d")
BELIEF_COLOUR = "#16a085"
GENUINE_COLOUR, TACTICAL_COLOUR = "#2e7d32", "#b7950b"
# The shading of cooperation.png (sim.analysis.pause.cooperation_figure).
PAUSE_COLOUR, PAUSE_ALPHA = "#f1c40f", 0.2


def smallest_font_px(fig: Figure) -> float:
    """The smallest visible text of ``fig`` in pixels at its natural size (tick labels exist
    only once the figure has been laid out, hence the draw)."""
    fig.draw_without_rendering()
    sizes = [
        t.get_fontsize() * fig.dpi / 72
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    return min(sizes, default=math.inf)


class LayeredFigure:
    """A background figure drawn once and an overlay redrawn on every :meth:`overlay_svg`."""

    def __init__(self, height_px: int = HEIGHT_PX):
        size = (WIDTH_PX / DPI, height_px / DPI)
        self.background = Figure(figsize=size, dpi=DPI)
        self.overlay = Figure(figsize=size, dpi=DPI)
        self.overlay.patch.set_alpha(0)
        self.height_px = height_px
        self._png: bytes | None = None
        self._lock = threading.Lock()  # a figure is not safe to draw from two threads

    def _axes(self, rows: int, cols: int, **spacing) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) axes in the background and the same in the overlay. Fixed margins in
        both: the overlay must match the background to the pixel."""
        pairs = []
        for fig in (self.background, self.overlay):
            fig.subplots_adjust(**spacing)
            pairs.append(fig.subplots(rows, cols, squeeze=False))
        for ax in pairs[1].flat:
            ax.set_axis_off()
        return pairs[0], pairs[1]

    def _match_limits(self, back: np.ndarray, front: np.ndarray) -> None:
        for b, f in zip(back.flat, front.flat, strict=True):
            f.set_xlim(b.get_xlim())
            f.set_ylim(b.get_ylim())

    def background_png(self) -> bytes:
        with self._lock:
            if self._png is None:
                out = io.BytesIO()
                self.background.savefig(out, format="png", dpi=DPI)
                self._png = out.getvalue()
            return self._png

    def overlay_svg(self, view) -> bytes:
        """The live run of ``view`` (a :class:`~sim.viz.live.Snapshot`) as a transparent SVG."""
        with self._lock:
            self.update(view)
            out = io.BytesIO()
            self.overlay.savefig(
                out, format="svg", dpi=DPI, transparent=True, metadata={"Date": None}
            )
            return out.getvalue()

    def update(self, view) -> None:
        raise NotImplementedError


def _run_axis(ax, scenario: Scenario) -> None:
    """Rounds of the run on x (sessions dashed), [0, 1] on y, ``FONT_PX`` ticks."""
    negotiation = scenario.negotiation
    for s in range(1, negotiation.sessions):
        ax.axvline(s * negotiation.rounds - 0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlim(-0.5, negotiation.sessions * negotiation.rounds - 0.5)
    ax.set_ylim(-0.03, 1.03)
    ax.set_yticks([0, 0.5, 1])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=FONT_PX)


def _band(ax, band: Band | None, key: str, colour: str) -> bool:
    """The band of ``key`` as a continuous area (False if the band has no such series)."""
    if band is None or key not in band.low:
        return False
    ax.fill_between(band.steps, band.low[key], band.high[key], color=colour, alpha=BAND_ALPHA, lw=0)
    return True


def _series(view, key: str) -> tuple[np.ndarray, np.ndarray]:
    path = view.paths.get(key)
    if path is None:
        return np.array([]), np.array([])
    return np.arange(len(path)), path


class CooperationPlot(LayeredFigure):
    """Left: each side's cooperation index (or, where the model has none, its aspiration) over
    its band, with the pause window shaded as in ``cooperation.png``. Right: the observer's
    belief that the target's softening is genuine over its band, beside the truth (in rounds
    where the target looked soft: genuine at 1, tactical at 0), and the pressures."""

    def __init__(self, scenario: Scenario, band: Band | None):
        # Two legend rows fit under the axes (two entries a row); more sides make it taller.
        rows = math.ceil((len(scenario.agents) + 1 + len(scenario.pressures)) / 2)
        extra = LEGEND_ROW_PX * max(0, rows - 2) if many(scenario) else 0
        super().__init__(HEIGHT_PX + extra)
        self.scenario = scenario
        top, bottom = 0.9, 0.36
        if extra:  # the same room above the axes, and more below for the legend, in pixels
            top, bottom = 1 - 45 / self.height_px, (162 + extra) / self.height_px
        back, front = self._axes(1, 2, left=0.045, right=0.995, top=top, bottom=bottom, wspace=0.1)
        left, right = back[0]
        self.lines: dict[str, Line2D] = {}
        labels = {a.name: a.label for a in scenario.agents}
        keys = set(band.low) if band is not None else set()
        measure = "cooperation" if any(k.startswith("cooperation_") for k in keys) else "aspiration"
        handles: list = []
        for agent in scenario.agents:
            colour, style = agent_styles(scenario)[agent.name]
            key = f"{measure}_{agent.name}"
            _band(left, band, key, colour)
            self.lines[key] = front[0, 0].plot([], [], color=colour, ls=style, lw=2.2)[0]
            handles.append(Line2D([], [], color=colour, ls=style, lw=2.2, label=agent.label))
        handles.append(Patch(color="grey", alpha=0.35, lw=0, label=SHORT_BAND_LABEL))
        for agent, window in (band.pause if band is not None else {}).items():
            if window is not None:
                left.axvspan(
                    window[0] - 0.5, window[1] + 0.5, color=PAUSE_COLOUR, alpha=PAUSE_ALPHA
                )
                handles.append(
                    Patch(
                        color=PAUSE_COLOUR,
                        alpha=PAUSE_ALPHA * 2,
                        label=f"{labels[agent]}'s pause window",
                    )
                )
        left.set_title(
            "Cooperation index (peripheral issues)" if measure == "cooperation" else "Aspiration",
            fontsize=FONT_PX + 1,
        )
        under_axes(left, handles, ncol=2)

        spec = scenario.misread
        right_handles: list = []
        if spec is not None:
            observer, target = labels[spec.observer], labels[spec.target]
            _band(right, band, "belief", BELIEF_COLOUR)
            self.lines["belief"] = front[0, 1].plot([], [], color=BELIEF_COLOUR, lw=2.2)[0]
            self.genuine = front[0, 1].plot(
                [], [], ls="none", marker="o", ms=7, color=GENUINE_COLOUR
            )[0]
            self.tactical = front[0, 1].plot(
                [], [], ls="none", marker="X", ms=8, color=TACTICAL_COLOUR
            )[0]
            right.set_title(
                f"{observer}'s belief: is {target}'s softening genuine?", fontsize=FONT_PX + 1
            )
            right_handles += [
                Line2D([], [], color=BELIEF_COLOUR, lw=2.2, label="belief"),
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="o",
                    ms=7,
                    color=GENUINE_COLOUR,
                    label="truth: genuine",
                ),
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="X",
                    ms=8,
                    color=TACTICAL_COLOUR,
                    label="truth: tactical",
                ),
            ]
        else:
            self.genuine = self.tactical = None
            right.set_title("Pressures", fontsize=FONT_PX + 1)
        pressures = sorted(k for k in keys if k.startswith("pressure_"))
        for colour, key in zip(PRESSURE_COLOURS, pressures, strict=False):
            self.lines[key] = front[0, 1].plot([], [], color=colour, lw=1.4, ls="--")[0]
            right_handles.append(
                Line2D(
                    [],
                    [],
                    color=colour,
                    lw=1.4,
                    ls="--",
                    label=key.removeprefix("pressure_") + " (pressure)",
                )
            )
        if right_handles:
            under_axes(right, right_handles, ncol=2)
        else:
            right.text(
                0.5,
                0.5,
                "no pressures and no misread signal in this scenario",
                transform=right.transAxes,
                ha="center",
                va="center",
                color="grey",
                fontsize=FONT_PX,
            )
        for ax in (left, right):
            _run_axis(ax, scenario)
            ax.set_xlabel("round of the run (dashed: new session)", fontsize=FONT_PX)
        right.tick_params(labelleft=False)
        if band is not None:
            self.background.suptitle(
                f"Lines: this run. Shaded: {BAND_LABEL.removesuffix(' runs')} runs with these"
                f" settings ({band.replications}; {band.agreement_rate:.0%} agreed at least once)",
                fontsize=FONT_PX,
                y=1 - 4 / self.height_px,
                va="top",
            )
        self._match_limits(back, front)

    def update(self, view) -> None:
        for key, line in self.lines.items():
            line.set_data(*_series(view, key))
        if self.genuine is not None and view.truth is not None:
            rounds = np.arange(len(view.truth))
            self.genuine.set_data(rounds[view.truth == 1], np.ones(int(np.sum(view.truth == 1))))
            self.tactical.set_data(rounds[view.truth == 0], np.zeros(int(np.sum(view.truth == 0))))


class OffersPlot(LayeredFigure):
    """One panel per issue: each side's offers in the live run over the band of its standing
    offer (and a mediator's text, under ``mediated_single_text``), red lines hatched, ideals
    dotted, accepted offers starred. With more than two sides the legend names each side once
    and says once what the band and the hatching mean."""

    def __init__(self, scenario: Scenario, band: Band | None):
        issues = scenario.issue_names
        cols = min(3, len(issues))
        rows = math.ceil(len(issues) / cols)
        mediated = scenario.negotiation.protocol == MediatedSingleText.name
        ncol = 5 if many(scenario) else 4
        entries = len(scenario.agents) + 3 if many(scenario) else 0
        extra = LEGEND_ROW_PX * max(0, math.ceil(entries / ncol) - 2)
        super().__init__(HEIGHT_PX + extra)
        self.scenario = scenario
        legend_px = 62 + extra
        back, front = self._axes(
            rows,
            cols,
            left=0.04,
            right=0.995,
            top=1 - 46 / self.height_px,
            bottom=(legend_px + 28) / self.height_px,
            hspace=0.25,
            wspace=0.05,
        )
        self.offers: dict[tuple[str, str], Line2D] = {}
        self.accepted: dict[str, Line2D] = {}
        handles: dict[str, object] = {}
        styles = agent_styles(scenario)
        for i, issue in enumerate(issues):
            ax, over = back.flat[i], front.flat[i]
            for agent in scenario.agents:
                colour, style = styles[agent.name]
                _band(ax, band, f"offer_{agent.name}_{issue}", colour)
                red_line_bands(ax, agent, issue, colour)
                ax.axhline(agent.ideal[issue], color=colour, ls=":", lw=1.2)
                self.offers[agent.name, issue] = over.plot(
                    [], [], color=colour, ls=style, lw=2, marker=".", ms=8
                )[0]
                handles.update(side_entries(scenario, agent, colour, style, handles, not mediated))
            if mediated:
                self.offers[MEDIATOR, issue] = over.plot(
                    [], [], color=MEDIATOR_COLOUR, lw=2, marker=".", ms=8
                )[0]
            self.accepted[issue] = over.plot([], [], ls="none", marker="*", ms=15, color="#2e7d32")[
                0
            ]
            _run_axis(ax, scenario)
            ax.set_title(issue.replace("_", " "), fontsize=FONT_PX, pad=3)
            if i % cols:
                ax.tick_params(labelleft=False)
            if i < len(issues) - cols:
                ax.tick_params(labelbottom=False)
        if mediated:
            handles["mediator"] = Line2D(
                [], [], color=MEDIATOR_COLOUR, lw=2, marker=".", ms=8, label="the mediator's text"
            )
        handles["accepted"] = Line2D(
            [], [], ls="none", marker="*", ms=15, color="#2e7d32", label="accepted"
        )
        for ax in back.flat[len(issues) :]:
            ax.axis("off")
        self.background.legend(
            handles=list(handles.values()),
            loc="lower center",
            ncol=ncol,
            fontsize=FONT_PX,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.0,
        )
        self.background.suptitle(
            "Offers per issue by round of the run (dashed: new session; dotted: ideals)",
            fontsize=FONT_PX + 1,
            y=1 - 4 / self.height_px,
            va="top",
        )
        self._match_limits(back, front)

    def update(self, view) -> None:
        offers = view.offers
        columns = [f"offer_{issue}" for issue in self.scenario.issue_names]
        for name in dict.fromkeys(who for who, _ in self.offers):
            mine = offers[offers["agent"] == name] if not offers.empty else None
            if mine is None or mine.empty:
                for issue in self.scenario.issue_names:
                    self.offers[name, issue].set_data([], [])
                continue
            # One line per session: a NaN between sessions breaks it.
            breaks = np.flatnonzero(np.diff(mine["session"].to_numpy())) + 1
            x = np.insert(mine["step"].to_numpy(float), breaks, np.nan)
            values = np.insert(mine[columns].to_numpy(float), breaks, np.nan, axis=0)
            for i, issue in enumerate(self.scenario.issue_names):
                self.offers[name, issue].set_data(x, values[:, i])
        taken = offers[offers["accepted"]] if not offers.empty else None
        for issue, line in self.accepted.items():
            if taken is None or taken.empty:
                line.set_data([], [])
            else:
                line.set_data(
                    taken["step"].to_numpy(float), taken[f"offer_{issue}"].to_numpy(float)
                )
