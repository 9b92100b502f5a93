"""The dashboard with more than two sides (issue 12): the pickers of the pressured side and the
hawk, the live run's words under a mediator's text, and both figures readable with every side in
the legend (logic and figures, without a browser)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from many_sides import many_sides
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim.scenario.reading import read_scenario_file
from sim.viz.band import monte_carlo_band
from sim.viz.knobs import Knobs, Roles, build_scenario, describe, roles
from sim.viz.live import LiveRun, snapshot, status_text
from sim.viz.plots import (
    DPI,
    FONT_PX,
    HEIGHT_PX,
    WIDTH_PX,
    CooperationPlot,
    OffersPlot,
    smallest_font_px,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "core" / "data"


def test_roles_for_three_sides_follow_the_pressure_and_the_pickers():
    raw = read_scenario_file(DATA / "three_states_pause.yaml")  # economic pressure on c
    assert roles(raw) == Roles("c", "a")
    assert roles(raw, pressured="b") == Roles("b", "c")  # the hawk: another side under pressure
    assert roles(raw, pressured="b", hawk="a") == Roles("b", "a")
    assert roles(raw, pressured="c", hawk="c") == Roles("c", "a")  # the hawk is another side
    info = describe(raw, pressured="b", hawk="c")
    assert list(info.labels) == ["a", "b", "c"]  # the strategy pickers list every side
    assert info.pressured_paths == [] and info.hawk_paths == ["economic"]


def test_two_sides_keep_their_roles():
    raw = read_scenario_file(ROOT / "scenarios" / "us_china_2024.yaml")
    assert roles(raw) == Roles("china", "us")
    two = copy.deepcopy(raw)
    two["pressures"] = {}
    assert roles(two) == Roles("china", "us")


def test_the_knobs_act_on_the_picked_sides():
    raw = read_scenario_file(DATA / "three_states.yaml")
    knobs = Knobs("three_states", pressure=0.5, hawkishness=0.5, pressured="b", hawk="c")
    built = build_scenario(raw, knobs, str(DATA / "three_states.yaml"))
    assert built.roles == Roles("b", "c")
    shifts = {e.name: e.shifts for e in built.scenario.events}
    assert [s.agent for s in shifts["dashboard_pressure"]] == ["b"]
    assert [s.agent for s in shifts["dashboard_hawkishness"]] == ["c"]


def test_a_live_run_around_a_mediators_text_says_what_happened():
    raw = read_scenario_file(DATA / "three_states_council.yaml")
    scenario = build_scenario(raw, Knobs("council"), "council.yaml").scenario
    run = LiveRun(scenario, seed=3)
    texts = []
    while run.step():
        texts.append(status_text(run))
    assert texts[0].startswith("Session 1, round 1: the mediator proposed")
    assert any("the mediator's text was agreed" in text for text in texts)


@pytest.fixture(scope="module", params=[3, 10], ids=lambda n: f"{n}_sides")
def scenario(request):
    if request.param == 3:
        raw = read_scenario_file(DATA / "three_states_council.yaml")
        return build_scenario(raw, Knobs("council"), "council.yaml").scenario
    return many_sides(10, protocol="mediated_single_text")


def test_figures_name_every_side_and_stay_readable(scenario):
    band = monte_carlo_band(scenario, seed=3, replications=16)
    run = LiveRun(scenario, seed=3)
    for _ in range(5):
        run.step()
    view = snapshot(run)
    for kind in (CooperationPlot, OffersPlot):
        plot = kind(scenario, band)
        assert plot.background.get_size_inches()[0] * DPI == WIDTH_PX
        assert plot.height_px >= HEIGHT_PX
        assert smallest_font_px(plot.background) >= FONT_PX, kind.__name__
        for back, front in zip(plot.background.axes, plot.overlay.axes, strict=True):
            assert back.get_position().bounds == front.get_position().bounds
        legends = [*plot.background.legends, *(ax.get_legend() for ax in plot.background.axes)]
        texts = {t.get_text() for box in legends if box for t in box.get_texts()}
        assert {agent.label for agent in scenario.agents} <= texts, kind.__name__
        renderer = FigureCanvasAgg(plot.background).get_renderer()
        for box in legends:
            if box:  # every legend inside the figure
                extent = box.get_window_extent(renderer)
                assert extent.y0 >= -1 and extent.y1 <= plot.height_px + 1, kind.__name__
                assert extent.x0 >= -1 and extent.x1 <= WIDTH_PX + 1, kind.__name__
        svg = plot.overlay_svg(view)
        assert b"<path" in svg
    offers = OffersPlot(scenario, band)
    assert "the mediator's text" in {t.get_text() for t in offers.background.legends[0].texts}
    mediator = [line for (who, _), line in offers.offers.items() if who == "mediator"]
    offers.update(view)
    texts = int((view.offers["agent"] == "mediator").sum())
    assert texts >= 1 and mediator
    assert all(np.isfinite(line.get_xdata()).sum() == texts for line in mediator)


def test_the_page_lists_every_side_in_its_pickers(monkeypatch):
    """The page rendered in process on a three-sided scenario: the pressured-side and hawk
    pickers list the sides, and a picked side is the one the pressure knob then acts on."""
    solara = pytest.importorskip("solara", reason="the viz extra is not installed")
    import ipyvuetify as v

    from sim.viz.dashboard import Page
    from sim.viz.knobs import SCENARIO_VARIABLE

    monkeypatch.setenv(SCENARIO_VARIABLE, str(DATA / "three_states_pause.yaml"))
    _, rc = solara.render(Page(), handle_error=False)
    pressured = rc.find(v.Select, label="Pressured side").widget
    hawk = rc.find(v.Select, label="Hawkish side").widget
    assert pressured.items == ["a", "b", "c"] and pressured.v_model == "c"
    assert hawk.items == ["a", "b"] and hawk.v_model == "a"
    strategies = [w.label for w in rc.find(v.Select).widgets if w.label.endswith("'s strategy")]
    assert strategies == ["a's strategy", "b's strategy", "c's strategy"]

    pressured.v_model = "b"
    rc.find(v.Select, label="Pressured side").assert_single()
    assert rc.find(v.Select, label="Hawkish side").widget.items == ["a", "c"]
    rc.find(v.Switch).widgets[0].v_model = True  # b's economic pressure, set to 0.5
    rc.find(v.Btn, children=["Reset"]).widget.click()
    notes = [w.children[0] for w in rc.find(v.Html, class_="negsim-note").widgets]
    assert any("lowers b's reservation" in note for note in notes), notes
