"""The dashboard's domestic hawks slider (issue 14): it raises the hawk's ratification threshold
at home, gives a hawk without a ratifier one, acts on the side the picker chose, and the live
run says when a deal struck at the table fell at home."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.reading import read_scenario_file
from sim.viz.knobs import DOMESTIC_EVENT, Knobs, build_scenario
from sim.viz.live import LiveRun, status_text

ROOT = Path(__file__).resolve().parents[2]
TWO_LEVEL = ROOT / "scenarios" / "two_level_game.yaml"
US_CHINA = ROOT / "scenarios" / "us_china_2024.yaml"
TRILATERAL = ROOT / "scenarios" / "fentanyl_trilateral.yaml"


def build(path: Path, raw=None, **knobs):
    raw = read_scenario_file(path) if raw is None else raw
    return build_scenario(raw, Knobs(path.stem, **knobs), str(path))


def without_ratifiers(path: Path) -> dict:
    raw = read_scenario_file(path)
    for agent in raw["agents"].values():
        agent.pop("domestic", None)
    for event in raw.get("events", {}).values():
        event["shifts"] = [s for s in event["shifts"] if s["field"] != "threshold"]
    return raw


def test_the_slider_at_zero_leaves_the_scenario_as_written():
    assert build(TWO_LEVEL).notes == []
    assert build(US_CHINA, without_ratifiers(US_CHINA)).scenario.agent("us").domestic is None


def test_the_slider_raises_the_hawks_threshold():
    built = build(TWO_LEVEL, domestic_hawks=0.2)
    assert built.scenario.agent("us").domestic.threshold == pytest.approx(0.65)
    assert built.notes == ["domestic hawks raise us's ratification threshold from 0.45 to 0.65"]
    assert build(TWO_LEVEL, domestic_hawks=0.5).scenario.agent("us").domestic.threshold == 0.95
    assert read_scenario_file(TWO_LEVEL)["agents"]["us"]["domestic"]["threshold"] == 0.45


def test_a_hawk_without_a_ratifier_gets_one_from_its_reservation():
    built = build(US_CHINA, without_ratifiers(US_CHINA), domestic_hawks=0.3)
    home = built.scenario.agent("us").domestic
    assert home.own_preferences and home.threshold == pytest.approx(0.2 + 0.3)
    assert built.notes[0] == "us gets a ratifier at home (its own preferences, threshold 0.2)"
    assert built.scenario.agent("china").domestic is None


def test_a_drawn_threshold_is_raised_by_an_event_for_the_whole_run():
    raw = read_scenario_file(TWO_LEVEL)
    raw["agents"]["us"]["domestic"]["threshold"] = {"dist": "uniform", "low": 0.3, "high": 0.5}
    built = build(TWO_LEVEL, raw, domestic_hawks=0.1)
    events = {e.name: e for e in built.scenario.events}
    (shift,) = events[DOMESTIC_EVENT].shifts
    assert (shift.agent, shift.field, shift.add) == ("us", "threshold", 0.1)
    assert events[DOMESTIC_EVENT].duration == 4 * 12


def test_the_slider_acts_on_the_picked_hawk():
    built = build(TRILATERAL, domestic_hawks=0.2, hawk="mexico")
    assert built.roles.hawk == "mexico"
    assert built.scenario.agent("mexico").domestic is not None
    assert built.scenario.agent("us").domestic is None


def _final_utility(built, seed: int = 1) -> float:
    run = LiveRun(built.scenario, seed=seed)
    while run.step():
        pass
    return float(run.model.outcomes()["utility_us"][0])


def test_domestic_hawks_win_the_us_more_until_no_deal_is_left():
    """Schelling (1960): tied hands at home raise the US's share while a zone of agreement
    remains; past what China can give, nothing is agreed and the US keeps its reservation."""
    share = [_final_utility(build(TWO_LEVEL, domestic_hawks=h)) for h in (0.0, 0.15)]
    assert share[0] < share[1]
    closed = build(TWO_LEVEL, domestic_hawks=0.5)  # threshold 0.95: beyond any China gives
    assert _final_utility(closed) == pytest.approx(0.2)


def test_the_live_run_says_when_a_deal_fell_at_home():
    """The election season raises the threshold late in session 3: a deal struck before it at
    less than the new threshold falls at home."""
    run = LiveRun(build(TWO_LEVEL).scenario, seed=0)
    said = []
    while run.step():
        said.append(status_text(run))
    fell = [text for text in said if "rejected at home" in text]
    assert len(fell) == 1 and fell[0].startswith("Session 3, ")
    assert "Session 3 ended with a deal at the table (fentanyl_precursors 0.52)" in fell[0]


def _boxes(widget):
    """``widget`` and every widget inside it that holds children."""
    children = getattr(widget, "children", None)
    if not isinstance(children, list | tuple):
        return
    yield widget
    for child in children:
        yield from _boxes(child)


def test_the_page_has_the_slider_and_reset_applies_it(monkeypatch):
    solara = pytest.importorskip("solara", reason="the viz extra is not installed")
    import ipyvuetify as v

    from sim.viz.dashboard import Page
    from sim.viz.knobs import SCENARIO_VARIABLE

    monkeypatch.setenv(SCENARIO_VARIABLE, "two_level_game")
    _, rc = solara.render(Page(), handle_error=False)
    label = "the United States's domestic hawks: ratification threshold +0.00"
    text = rc.find(v.Html, tag="span", children=[label]).widget
    (row,) = [box for box in _boxes(rc.find(v.Html).widget) if text in box.children]
    slider = row.children[1]
    assert isinstance(slider, v.Slider) and slider.max == 0.5
    slider.v_model = 0.2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    notes = [w.children[0] for w in rc.find(v.Html, class_="negsim-note").widgets]
    assert notes == ["· domestic hawks raise us's ratification threshold from 0.45 to 0.65"]
