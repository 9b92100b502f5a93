"""The instructor dashboard, a Solara page: ``negsim-dashboard`` starts it.

Made for a projector at 1280x720: the page fills the window and never scrolls. Knobs on the left
(with more than two sides, which side is pressured and which is the hawk; the pressured side's
economic pressure, the hawk's hawkishness, how soft the pressured side's red lines are, how much
more the hawk's ratifier at home asks (domestic hawks), each side's strategy, the seed) scroll on their own; on the right, always
in view, Step / Play / Reset, the counters and what just happened, and below them one of two
figures over the band of a quick Monte Carlo run with the same settings: the cooperation index
with the pause window beside the observer's belief and the truth, or the offers per issue
against the red lines. Knobs take effect on Reset. Text is at least 14 px.

A Step redraws only the live run's layer of the figure shown (:mod:`sim.viz.plots`); Play plays
``PLAY_ROUNDS_PER_S`` rounds a second. The logic lives in :mod:`sim.viz.knobs`,
:mod:`sim.viz.live` and :mod:`sim.viz.band`; this module lays it out.

Offline: solara's browser assets come from the cache that ``python -m sim.viz.assets`` fills
(``make`` does), and ``main`` turns solara's telemetry, banner and version check off.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

import solara
import solara.lab

from sim.cli.guard import EXIT_BAD_INPUT, ArgumentParser, guarded
from sim.core.catalogue import validate
from sim.core.strategies.base import STRATEGIES
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file
from sim.viz import assets, server
from sim.viz.knobs import (
    DOMESTIC_HAWKS_MAX,
    RED_LINE_GIVE_MAX,
    SCENARIO_VARIABLE,
    Knobs,
    available_scenarios,
    default_scenario,
    describe,
)
from sim.viz.live import Dashboard, Snapshot
from sim.viz.plots import WIDTH_PX, CooperationPlot, LayeredFigure, OffersPlot
from sim.viz.widgets import LevelKnob, SidePickers, Slider

PLAY_ROUNDS_PER_S = 4.0
DEFAULT_PORT = 8765
FIGURE_TABS = ("Cooperation and belief", "Offers per issue")
SETTINGS_WIDTH_PX = 300
# Solara's banner ("This website runs on Solara") would sit on the figures' legends.
SERVER_ENV = {**assets.TELEMETRY_OFF, "SOLARA_THEME_SHOW_BANNER": "False"}

CSS = f"""
.negsim-page {{
    position: fixed; inset: 0; display: flex; overflow: hidden;
    font-size: 16px; background: white;
}}
.negsim-settings {{
    flex: 0 0 {SETTINGS_WIDTH_PX}px; overflow-y: auto; padding: 8px 14px;
    border-right: 1px solid #ddd;
}}
.negsim-main {{
    flex: 1 1 auto; min-width: 0; overflow-y: auto; padding: 4px 16px;
    overflow-anchor: none;
}}
.negsim-heading {{ font-size: 18px; font-weight: 500; margin-bottom: 4px; }}
.negsim-title {{ font-size: 20px; font-weight: 500; line-height: 1.4; }}
.negsim-bar {{ align-items: center; gap: 10px; margin: 4px 0; }}
.negsim-counters {{ gap: 1.6em; margin-left: 1em; font-size: 17px; }}
.negsim-status {{
    font-size: 16px; line-height: 1.35; height: calc(4 * 1.35em); overflow-y: auto;
    margin: 4px 0; padding-left: 8px; border-left: 4px solid #1f5fa8;
}}
.negsim-note {{ display: block; font-size: 14px; }}
.negsim-settings .v-label {{ font-size: 16px; }}
.negsim-settings .v-label--active {{ transform: translateY(-18px) scale(0.875); }}
.negsim-tabs .v-tabs-bar {{ height: 40px !important; }}
.negsim-tabs .v-tab {{ font-size: 15px; }}
.negsim-figure {{ position: relative; width: {WIDTH_PX}px; max-width: 100%; }}
.negsim-figure .negsim-layer {{ display: block; width: 100%; height: auto; }}
.negsim-figure .negsim-overlay {{ position: absolute; left: 0; top: 0; }}
"""


@solara.component
def Controls(dashboard: Dashboard, pending: solara.Reactive[Knobs]):
    knobs = pending.value

    def read_info():
        try:
            raw = read_scenario_file(dashboard.available[knobs.scenario])
            return describe(raw, knobs.pressured, knobs.hawk)
        except ScenarioError:  # shown by the page when Reset tries it
            return describe({})

    info = solara.use_memo(read_info, [knobs.scenario, knobs.pressured, knobs.hawk])
    pressured = info.labels.get(info.roles.pressured, info.roles.pressured)
    hawk = info.labels.get(info.roles.hawk, info.roles.hawk)

    def change(**values):
        pending.set(dataclasses.replace(pending.value, **values))

    def pick_strategy(agent: str, name: str):
        chosen = dict(pending.value.strategies)
        if name == info.strategies.get(agent):
            chosen.pop(agent, None)
        else:
            chosen[agent] = name
        change(strategies=chosen)

    solara.Select(
        "Scenario",
        values=list(dashboard.available),
        value=knobs.scenario,
        on_value=lambda name: pending.set(Knobs(scenario=name, seed=pending.value.seed)),
    )
    if len(info.labels) > 2:
        SidePickers(info, change)
    LevelKnob(
        f"{pressured}'s economic pressure",
        info.pressured_paths,
        knobs.pressure,
        lambda level: change(pressure=level),
    )
    LevelKnob(
        f"{hawk}'s hawkishness",
        info.hawk_paths,
        knobs.hawkishness,
        lambda level: change(hawkishness=level),
    )
    Slider(
        f"{pressured}'s red-line give: {knobs.red_line_give:.2f} (0 firm, {RED_LINE_GIVE_MAX:g} soft)",
        knobs.red_line_give,
        lambda give: change(red_line_give=give),
        maximum=RED_LINE_GIVE_MAX,
    )
    Slider(
        f"{hawk}'s domestic hawks: ratification threshold +{knobs.domestic_hawks:.2f}",
        knobs.domestic_hawks,
        lambda raised: change(domestic_hawks=raised),
        maximum=DOMESTIC_HAWKS_MAX,
    )
    for agent, label in info.labels.items():
        solara.Select(
            f"{label}'s strategy",
            values=list(STRATEGIES),
            value=knobs.strategies.get(agent, info.strategies.get(agent)),
            on_value=lambda name, agent=agent: pick_strategy(agent, name),
        )
    solara.InputInt("Seed", value=knobs.seed, on_value=lambda seed: change(seed=seed))


@solara.component
def Counters(view: Snapshot):
    with solara.Row(classes=["negsim-counters"]):
        solara.Div(
            children=[f"Session: {view.session} of {view.sessions}"],
            attributes={"data-testid": "session"},
        )
        solara.Div(
            children=[f"Next round: {view.next_round} of {view.rounds}"],
            attributes={"data-testid": "next-round"},
        )
        solara.Div(
            children=[f"Rounds played: {view.rounds_played}"],
            attributes={"data-testid": "rounds-played"},
        )


class Plots:
    """The figures of one run (one reset), built when first shown."""

    def __init__(self, dashboard: Dashboard):
        self.scenario = dashboard.built.scenario if dashboard.built else None
        self.band = dashboard.band
        self._built: dict[int, LayeredFigure] = {}

    def get(self, tab: int) -> LayeredFigure:
        if tab not in self._built:
            kind = (CooperationPlot, OffersPlot)[tab]
            self._built[tab] = kind(self.scenario, self.band)
        return self._built[tab]


@solara.component
def LayeredImage(plot: LayeredFigure, view: Snapshot):
    """The background once per run; after every round only the overlay's SVG is sent."""
    background = solara.use_memo(plot.background_png, [plot])
    overlay = solara.use_memo(lambda: plot.overlay_svg(view), [plot, view])
    with solara.Div(classes=["negsim-figure"]):
        solara.Image(background, format="png", classes=["negsim-layer"])
        solara.Image(overlay, format="svg+xml", classes=["negsim-layer", "negsim-overlay"])


@solara.component
def Stage(dashboard: Dashboard, pending: Knobs, on_reset):
    """Step / Play / Reset, the counters, what just happened and the figure shown: what a round
    changes, in a component of its own so that a round redraws nothing else."""
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(0)

    def redraw():
        tick.set(tick.value + 1)

    def step():
        dashboard.step()
        redraw()

    def reset():
        playing.set(False)
        dashboard.reset(pending)
        redraw()
        on_reset()

    def play(cancel: threading.Event):
        """Rounds at ``PLAY_ROUNDS_PER_S``, each due one interval after the last was due, so a
        late round does not slow the ones after it; more than an interval behind, the clock
        starts afresh instead of catching up in a burst."""
        interval = 1.0 / PLAY_ROUNDS_PER_S
        due = time.monotonic()
        while playing.value:
            due += interval
            if time.monotonic() - due > interval:
                due = time.monotonic()
            if cancel.wait(max(0.0, due - time.monotonic())) or not playing.value:
                return
            if not dashboard.step():
                playing.set(False)
                return
            redraw()

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    view = solara.use_memo(dashboard.snapshot, [dashboard.generation, tick.value])
    plots = solara.use_memo(lambda: Plots(dashboard), [dashboard.generation])
    over = view is None or view.finished
    changed = pending != dashboard.knobs
    title = dashboard.built.scenario.title if dashboard.built else pending.scenario
    # Not solara.Markdown: it loads mermaid from the CDN, which is not in the cache.
    solara.v.Html(tag="div", class_="negsim-title", children=[title])
    with solara.Row(classes=["negsim-bar"]):
        solara.Button("Step", on_click=step, disabled=playing.value or over, color="primary")
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            disabled=over and not playing.value,
            color="primary",
        )
        solara.Button(
            "Reset", on_click=reset, outlined=not changed, color="warning" if changed else None
        )
        if view is not None:
            Counters(view)
    if dashboard.error:
        solara.Error(dashboard.error, dense=True)
    if view is not None:
        solara.Div(
            children=[view.status], classes=["negsim-status"], attributes={"data-testid": "status"}
        )
        with solara.Div(classes=["negsim-tabs"]):
            solara.lab.Tabs(tab, children=[solara.lab.Tab(label) for label in FIGURE_TABS])
        LayeredImage(plots.get(tab.value), view)


@solara.component
def Page():
    dashboard = solara.use_memo(
        lambda: Dashboard(Knobs(default_scenario(available_scenarios()))), []
    )
    pending = solara.use_reactive(dashboard.knobs)
    # A reset redraws the settings too (use_state: a reactive would redraw only its readers).
    _, set_generation = solara.use_state(dashboard.generation)
    solara.Title("negsim dashboard")
    solara.Style(CSS)
    with solara.Div(classes=["negsim-page"]):
        with solara.Div(classes=["negsim-settings"]):
            solara.v.Html(tag="div", class_="negsim-heading", children=["Settings"])
            Controls(dashboard, pending)
            if pending.value != dashboard.knobs:
                solara.Warning("Settings changed: press Reset to apply them.", dense=True)
            for note in dashboard.built.notes if dashboard.built else ():
                solara.Text(f"· {note}", classes=["negsim-note"])
        with solara.Div(classes=["negsim-main"]):
            Stage(dashboard, pending.value, lambda: set_generation(dashboard.generation))


def _port(text: str) -> int:
    """A TCP port number, for argparse: a bad one is a one-line usage error."""
    import argparse

    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (1 to 65535)")
    return port


@guarded("negsim-dashboard")
def main(argv: list[str] | None = None) -> None:
    parser = ArgumentParser(
        prog="negsim-dashboard",
        description="Start the instructor dashboard (a local web page; works without internet).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--scenario",
        help="scenario to open first: a shipped name or a .yaml file "
        "(default: tactical_pause, else us_china_2024)",
    )
    args = parser.parse_args(argv)
    if not available_scenarios():
        parser.exit(
            EXIT_BAD_INPUT, "negsim-dashboard: error: no scenarios found (looked in ./scenarios)\n"
        )
    env = {**os.environ, **SERVER_ENV}
    if args.scenario:
        path = Path(args.scenario)
        if args.scenario.endswith((".yaml", ".yml")):
            if not path.is_file():
                parser.exit(
                    EXIT_BAD_INPUT, f"negsim-dashboard: error: {args.scenario}: file not found\n"
                )
            try:  # refused here, in one line, rather than on the page after the server starts
                validate(read_scenario_file(path, args.scenario), args.scenario, path.stem)
            except ScenarioError as exc:
                parser.exit(EXIT_BAD_INPUT, f"negsim-dashboard: error: {exc}\n")
            env[SCENARIO_VARIABLE] = str(path.resolve())
        elif args.scenario not in available_scenarios():
            known = ", ".join(available_scenarios())
            parser.exit(
                2, f"negsim-dashboard: error: unknown scenario '{args.scenario}' ({known})\n"
            )
        else:
            chosen = available_scenarios()[args.scenario]
            try:
                validate(read_scenario_file(chosen), str(chosen), chosen.stem)
            except ScenarioError as exc:
                parser.exit(EXIT_BAD_INPUT, f"negsim-dashboard: error: {exc}\n")
            env[SCENARIO_VARIABLE] = args.scenario
    if server.port_in_use(args.host, args.port):
        parser.exit(
            1,
            f"negsim-dashboard: error: port {args.port} is in use (another dashboard?); "
            "choose another with --port\n",
        )
    lacking = assets.missing()
    if lacking:
        print(
            f"negsim-dashboard: warning: solara's browser assets are missing ({', '.join(lacking)}):"
            " without internet the page stays blank. Fetch them once with "
            "`python -m sim.viz.assets` (make does it).",
            file=sys.stderr,
        )
    url = (
        f"http://[{args.host}]:{args.port}/"
        if ":" in args.host
        else f"http://{args.host}:{args.port}/"
    )
    sys.exit(server.serve(url, server.solara_command(args.host, args.port), env))
