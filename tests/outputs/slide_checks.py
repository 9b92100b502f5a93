"""What a slide-ready figure must satisfy, measured with matplotlib's own renderer: the texts it
draws neither overlap each other nor leave the figure, legends stay off the data, and no text is
under ``MIN_PT`` points when the figure is shown ``SLIDE_PX`` pixels wide."""

from __future__ import annotations

from dataclasses import dataclass
from unittest import mock

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from sim.outputs.style import MIN_PT, SLIDE_PX

SLACK = 1.0  # pixels: boxes that only touch do not overlap


@dataclass(frozen=True)
class Drawn:
    text: str
    box: Bbox
    points: float


def drawn_texts(fig: Figure) -> list[Drawn]:
    """Every non-empty text the figure draws (tick labels outside the view are not drawn), with
    its box in display pixels and its size in points."""
    if not isinstance(fig.canvas, FigureCanvasAgg):  # a closed pyplot figure
        FigureCanvasAgg(fig)
    seen: list[Text] = []
    draw = Text.draw

    def record(text: Text, renderer) -> None:
        if text.get_visible() and text.get_text().strip():
            seen.append(text)
        return draw(text, renderer)

    with mock.patch.object(Text, "draw", record):
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [Drawn(t.get_text(), t.get_window_extent(renderer), t.get_fontsize()) for t in seen]


def _overlap(a: Bbox, b: Bbox) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > SLACK and min(a.y1, b.y1) - max(a.y0, b.y0) > SLACK


def problems(fig: Figure, saved_width_px: int | None = None) -> list[str]:
    """What is wrong with the figure's layout, in words; empty when nothing is.
    ``saved_width_px``: the width of the image it was saved as (default: at its own dpi)."""
    texts = drawn_texts(fig)
    found = []
    frame = fig.bbox
    for t in texts:
        if (
            t.box.x0 < frame.x0 - SLACK
            or t.box.y0 < frame.y0 - SLACK
            or t.box.x1 > frame.x1 + SLACK
            or t.box.y1 > frame.y1 + SLACK
        ):
            found.append(f"{t.text!r} is cut by the figure's edge")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _overlap(a.box, b.box):
                found.append(f"{a.text!r} overlaps {b.text!r}")
    renderer = fig.canvas.get_renderer()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if _overlap(box, ax.get_window_extent(renderer)):
                found.append(f"a legend lies over the data of {ax.get_title()!r}")
    # A figure W inches wide saved at D dots per inch and shown SLIDE_PX wide scales its text
    # by SLIDE_PX / (W * D), W * D being the saved image's width in pixels.
    scale = SLIDE_PX / (saved_width_px or fig.get_figwidth() * fig.dpi)
    for t in texts:
        if t.points * scale < MIN_PT - 1e-9:
            found.append(f"{t.text!r} is {t.points * scale:.1f} pt at {SLIDE_PX} px wide")
    return found


def smallest_points(fig: Figure, saved_width_px: int) -> float:
    """The smallest text's size in points when the figure is shown ``SLIDE_PX`` pixels wide."""
    return min(t.points for t in drawn_texts(fig)) * SLIDE_PX / saved_width_px
