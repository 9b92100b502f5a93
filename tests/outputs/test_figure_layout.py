"""Slide-ready figures at any issue count: every registered run figure drawn for synthetic
scenarios of 1, 3, 8 and 12 issues (long names and end-point labels, pressures, a misread signal,
red lines) is 1280 px wide and titled, and no text is cut, overlaps another, or is smaller than
10 pt at that width; legends stay off the data (slide_checks.py)."""

from __future__ import annotations

import copy

import pytest
from matplotlib.figure import Figure
from PIL import Image
from slide_checks import drawn_texts, problems, smallest_points

from sim.analysis.pause import rounds_table
from sim.core.catalogue import validate
from sim.engine.montecarlo import simulate
from sim.outputs.animation import animation_figure
from sim.outputs.figures import FinishedRun, run_figures
from sim.outputs.style import MIN_PT, SLIDE_PX
from sim.outputs.summary import summarise

TOPICS = [
    "export controls on advanced semiconductors and the tools to make them",
    "visas for students and journalists",
    "scheduling of fentanyl precursor chemicals",
    "military-to-military hotlines",
    "tariffs on electric vehicles",
    "rare-earth export licences",
    "consular access",
    "climate finance",
    "an intergovernmental dialogue on AI risk",
    "pressure on Iran over Red Sea shipping",
    "enforcement of North Korea sanctions",
]


def synthetic(tactical_pause_data: dict, issues: int):
    """tactical_pause with ``issues`` issues: taiwan (China's red line, the misread probe) and
    the others named ``issue_<k>_<topic>`` with long end-point labels."""
    data = copy.deepcopy(tactical_pause_data)
    data["name"] = f"synthetic_{issues}_issues"
    taiwan = data["issues"]["taiwan"]
    data["issues"] = {"taiwan": taiwan}
    us = {"taiwan": {"ideal": 0.3, "salience": 0.2 if issues == 1 else 0.0}}
    china = {"taiwan": {"ideal": 0.0, "salience": 0.4}}
    for k, topic in enumerate(TOPICS[: issues - 1], start=1):
        name = f"issue_{k:02d}_" + "_".join(topic.split()[-2:]).replace("-", "_")
        data["issues"][name] = {
            "description": topic,
            "low": f"no change at all on {topic}",
            "high": f"everything the other side asks for on {topic}",
            "status_quo": 0.1,
            "implementer": "china" if k % 2 else "all",
        }
        us[name] = {"ideal": 1.0, "salience": 1.0}
        china[name] = {"ideal": 0.1 * (k % 3), "salience": 0.5 + 0.1 * (k % 4)}
    data["agents"]["us"]["preferences"] = us
    data["agents"]["china"]["preferences"] = china
    data["agents"]["china"]["red_lines"] = {"taiwan": {"max": 0.0}}
    return validate(data, "synthetic scenario")


@pytest.fixture(scope="module")
def tactical_pause_data():
    import yaml

    from sim.scenario.shipped import shipped_folder

    return yaml.safe_load((shipped_folder("scenarios") / "tactical_pause.yaml").read_text())


@pytest.fixture(scope="module", params=[1, 3, 8, 12], ids=lambda n: f"{n}_issues")
def run(request, tactical_pause_data) -> FinishedRun:
    scenario = synthetic(tactical_pause_data, request.param)
    result = simulate(scenario, 40, seed=3, trace=3)
    rounds = rounds_table(scenario, result.rounds or {})
    summary = summarise(scenario, result, scenario.negotiation.protocol, rounds)
    return FinishedRun(scenario, result, summary, rounds, animation=True)


PNGS = sorted(name for name in run_figures() if name.endswith(".png"))


@pytest.mark.parametrize("name", PNGS)
def test_every_figure_is_slide_ready(run, name, tmp_path, drawn):
    figure = run_figures()[name]
    if not figure.applies(run):
        pytest.skip(f"{name} does not apply to {run.scenario.name}")
    path = figure.draw(run, tmp_path / name)
    (fig,) = drawn
    with Image.open(path) as image:
        width = image.size[0]
    assert width == SLIDE_PX
    assert fig.get_suptitle(), f"{name} has no title"
    assert fig.get_suptitle() in [t.text for t in drawn_texts(fig)]  # the checks see the texts
    assert problems(fig, width) == []
    assert smallest_points(fig, width) >= MIN_PT


def test_the_animation_is_slide_ready(run):
    fig, frame, frames = animation_figure(run)
    assert frames == run.scenario.negotiation.rounds * run.scenario.negotiation.sessions
    for step in (0, frames - 1):
        frame(step)
        assert problems(fig, SLIDE_PX) == [], step
    assert fig.get_suptitle().endswith(f"round {run.scenario.negotiation.rounds}")


def test_the_checks_catch_what_they_are_for():
    """A legend over the x label (the old offers.png with three issues), a text cut by the
    figure's edge and text too small for a slide are found."""
    fig = Figure(figsize=(6.4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line with a long name")
    ax.set_xlabel("round")
    ax.legend(loc="upper left", bbox_to_anchor=(0.2, -0.02))
    fig.text(0.95, 0.5, "cut at the edge")
    fig.text(0.3, 0.9, "tiny", fontsize=4)
    found = problems(fig, 640)  # shown at 1280 px: text twice as large, the tiny one 8 pt
    assert "'a line with a long name' overlaps 'round'" in found or (
        "'round' overlaps 'a line with a long name'" in found
    )
    assert "'cut at the edge' is cut by the figure's edge" in found
    assert "'tiny' is 8.0 pt at 1280 px wide" in found
    assert not [p for p in found if "'0.0'" in p]  # tick labels are fine
