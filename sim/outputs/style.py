"""One look for every figure negsim writes, sized for a slide.

Every figure is :data:`WIDTH` inches wide and saved (by ``sim.outputs.figures.save_figure``) at
``SLIDE_PX / WIDTH`` dots per inch, so every PNG and the animation are exactly :data:`SLIDE_PX`
pixels wide: shown at that width, text keeps the size it was set in (a figure ``W`` inches wide
saved at ``dpi`` and shown ``SLIDE_PX`` pixels wide scales its text by ``SLIDE_PX / (W * dpi)``),
and no text is set below :data:`MIN_PT` points. The width is below a 16:9 slide's 13.33 inches,
so text is no smaller on the slide either. Layout is matplotlib's constrained layout, with
legends outside the axes, so labels neither overlap nor leave the figure.

Each side has its colour (:func:`agent_styles`): the two sides of a bilateral scenario negsim's
blue and red, more sides ten colours in turn and then line styles; with more than two sides
(:func:`many`) legends name each side once.

Figures get the look through :func:`styled` (the run-figure registry applies it to every
registered figure) or the :func:`slide_style` context.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.scenario.spec import Scenario  # noqa: E402

COLOURS = ("#1f5fa8", "#c0392b")  # the two sides of a bilateral scenario
# More sides: ten colours apart from the agreement's green and the mediator's near-black; past
# ten, the colours come round again with another line style.
MORE_COLOURS = (
    *COLOURS,
    "#e67e22",
    "#8e44ad",
    "#16a085",
    "#b7950b",
    "#d35eb4",
    "#5d6d7e",
    "#6e2c00",
    "#00a3e0",
)
LINE_STYLES = ("-", "--", "-.")
MEDIATOR_COLOUR = "#222222"  # a mediator's text (mediated_single_text)

SLIDE_PX = 1280  # pixels: every figure's width as saved
WIDTH = 12.8  # inches: every figure's width
MIN_PT = 10  # points: the smallest text, at SLIDE_PX wide

RC = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same everywhere
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
    "figure.titlesize": 15,
    "figure.titleweight": "bold",
    "figure.labelsize": 12,
    "figure.dpi": SLIDE_PX / WIDTH,
    "savefig.dpi": SLIDE_PX / WIDTH,
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.w_pad": 0.06,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
}

F = TypeVar("F", bound=Callable[..., object])


@contextmanager
def slide_style() -> Iterator[None]:
    """Figures created inside get negsim's look."""
    with plt.rc_context(RC):
        yield


def styled(draw: F) -> F:
    """``draw`` with negsim's look for the figures it creates."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with slide_style():
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def figure(height: float, **kwargs):
    """``plt.subplots`` at the slide width and the given height (inches)."""
    return plt.subplots(figsize=(WIDTH, height), **kwargs)


def wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, broken between words; a name without
    spaces (``north_korea_pressure``) breaks after an underscore. Nothing is cut."""
    words = text.split(" ")
    if len(words) == 1 and "_" in text and len(text) > width:
        words = [f"{part}_" for part in text.split("_")[:-1]] + [text.split("_")[-1]]
        lines, line = [], ""
        for word in words:
            if line and len(line) + len(word) > width:
                lines.append(line)
                line = ""
            line += word
        return "\n".join([*lines, line])
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def title_width(fontsize: float, inches: float = WIDTH) -> int:
    """About how many characters of DejaVu Sans at ``fontsize`` fit on ``inches``."""
    return max(8, int(inches * 72 / (0.62 * fontsize)))


def suptitle(fig, text: str) -> None:
    """The figure's title, wrapped to the figure's width."""
    size = plt.rcParams["figure.titlesize"]
    size = size if isinstance(size, int | float) else 15
    fig.suptitle(wrap(text, title_width(size, fig.get_figwidth())))


def agent_styles(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Each agent's (colour, line style), in scenario order: the two sides of a bilateral
    scenario keep negsim's blue and red; more sides take ``MORE_COLOURS`` in turn."""
    return {
        agent.name: (
            MORE_COLOURS[k % len(MORE_COLOURS)],
            LINE_STYLES[(k // len(MORE_COLOURS)) % len(LINE_STYLES)],
        )
        for k, agent in enumerate(scenario.agents)
    }


def many(scenario: Scenario) -> bool:
    """More than two sides: legends name each side once, by its colour, and say once what
    dotted lines and hatching mean, instead of three entries per side."""
    return len(scenario.agents) > 2
