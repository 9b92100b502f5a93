"""The instructor dashboard, a Solara page: ``negsim-dashboard`` starts it.

Knobs on the left (the pressured side's economic pressure, the other side's hawkishness, how
soft the pressured side's red lines are, each side's strategy, the seed), Step / Play / Reset,
and on the right what happened, the offers per issue against the red lines and the cooperation
index, each over the band of a quick Monte Carlo run with the same settings. Knobs take effect
on Reset. The logic lives in :mod:`sim.viz.knobs` and :mod:`sim.viz.live`; this module only
lays it out.

Offline: solara's browser assets come from the cache that ``python -m sim.viz.assets`` fills
(``make`` does), and ``main`` turns solara's telemetry, banner and version check off.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
from pathlib import Path

import solara

from sim.core.strategies.base import STRATEGIES
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file
from sim.viz import assets, server
from sim.viz.knobs import (
    RED_LINE_GIVE_MAX,
    SCENARIO_VARIABLE,
    Knobs,
    available_scenarios,
    default_scenario,
    describe,
)
from sim.viz.live import BAND_QUANTILES, Band, Dashboard, Snapshot
from sim.viz.plots import cooperation_figure, offers_figure

PLAY_INTERVAL_S = 0.7
DEFAULT_PORT = 8765
# Solara's banner ("This website runs on Solara") would sit on the figures' legends.
SERVER_ENV = {**assets.TELEMETRY_OFF, "SOLARA_THEME_SHOW_BANNER": "False"}


@solara.component
def Slider(label: str, value: float, on_value, maximum: float = 1.0, disabled: bool = False):
    """A slider under its label (beside it, the label leaves the slider no room)."""
    solara.Text(label, style={"display": "block", "font-size": "0.9em", "margin-top": "0.6em"})
    solara.SliderFloat(
        "", value=value, min=0.0, max=maximum, step=0.05, on_value=on_value, disabled=disabled
    )


@solara.component
def LevelKnob(label: str, paths: list[str], value: float | None, on_value):
    """A level in [0, 1] that is either off (the scenario as written) or set by the slider."""
    solara.Switch(
        label=f"Hold {label} constant" if paths else f"Set {label}",
        value=value is not None,
        on_value=lambda on: on_value(0.5 if on else None),
    )
    Slider(
        f"{label}: {value:.2f}" if value is not None else f"{label}: as in the scenario",
        0.0 if value is None else value,
        on_value,
        disabled=value is None,
    )


@solara.component
def Controls(dashboard: Dashboard, pending: solara.Reactive[Knobs]):
    knobs = pending.value

    def read_info():
        try:
            return describe(read_scenario_file(dashboard.available[knobs.scenario]))
        except ScenarioError:  # shown by the page when Reset tries it
            return describe({})

    info = solara.use_memo(read_info, [knobs.scenario])
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
    with solara.Row(style={"gap": "2em", "font-size": "1.1em"}):
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


@solara.component
def Figures(view: Snapshot, band: Band):
    key = [view, band]
    offers = solara.use_memo(lambda: offers_figure(view.scenario, view.offers, band), key)
    cooperation = solara.use_memo(
        lambda: cooperation_figure(view.scenario, view.history, band), key
    )
    solara.FigureMatplotlib(cooperation, dependencies=key, format="png")
    solara.FigureMatplotlib(offers, dependencies=key, format="png")


@solara.component
def Page():
    dashboard = solara.use_memo(
        lambda: Dashboard(Knobs(default_scenario(available_scenarios()))), []
    )
    pending = solara.use_reactive(dashboard.knobs)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)

    def redraw():
        tick.set(tick.value + 1)

    def step():
        dashboard.step()
        redraw()

    def reset():
        playing.set(False)
        dashboard.reset(pending.value)
        redraw()

    def play(cancel: threading.Event):
        while playing.value and not cancel.wait(PLAY_INTERVAL_S):
            if not dashboard.step():
                playing.set(False)
                return
            redraw()

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    view = solara.use_memo(dashboard.snapshot, [dashboard.generation, tick.value])
    over = view is None or view.finished
    title = dashboard.built.scenario.title if dashboard.built else pending.value.scenario
    solara.Title("negsim dashboard")
    with solara.Columns([1, 3]):
        with solara.Card("Settings"):
            Controls(dashboard, pending)
            with solara.Row():
                solara.Button(
                    "Step", on_click=step, disabled=playing.value or over, color="primary"
                )
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                    disabled=over and not playing.value,
                    color="primary",
                )
                solara.Button("Reset", on_click=reset, outlined=True)
            if pending.value != dashboard.knobs:
                solara.Warning("Settings changed: press Reset to apply them.", dense=True)
            for note in dashboard.built.notes if dashboard.built else ():
                solara.Text(f"· {note}", style={"font-size": "0.85em", "display": "block"})
        with solara.Column():
            # Not solara.Markdown: it loads mermaid from the CDN, which is not in the cache.
            solara.v.Html(tag="h2", class_="text-h5", children=[title])
            if dashboard.error:
                solara.Error(dashboard.error)
            if view is not None:
                Counters(view)
                solara.Info(view.status, attributes={"data-testid": "status"})
                band = dashboard.band
                low, high = BAND_QUANTILES
                solara.Text(
                    f"Shaded: {low:.0%}–{high:.0%} of {band.replications} Monte Carlo runs with "
                    f"these settings and seed {view.seed} (this run is replication 0); "
                    f"{band.agreement_rate:.0%} of them agreed on something in some session.",
                    style={"font-size": "0.9em"},
                )
                Figures(view, band)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="negsim-dashboard",
        description="Start the instructor dashboard (a local web page; works without internet).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--scenario",
        help="scenario to open first: a shipped name or a .yaml file "
        "(default: tactical_pause, else us_china_2024)",
    )
    args = parser.parse_args(argv)
    if not available_scenarios():
        parser.exit(2, "negsim-dashboard: error: no scenarios found (looked in ./scenarios)\n")
    env = {**os.environ, **SERVER_ENV}
    if args.scenario:
        path = Path(args.scenario)
        if args.scenario.endswith((".yaml", ".yml")):
            if not path.is_file():
                parser.exit(2, f"negsim-dashboard: error: {args.scenario}: file not found\n")
            env[SCENARIO_VARIABLE] = str(path.resolve())
        elif args.scenario not in available_scenarios():
            known = ", ".join(available_scenarios())
            parser.exit(
                2, f"negsim-dashboard: error: unknown scenario '{args.scenario}' ({known})\n"
            )
        else:
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
