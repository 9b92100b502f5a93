"""Outputs for more than two sides (issue 12): summary.json's ratification numbers, report.md's
rule, acceptances and outvoted sides in words, the narrative of a mediator's text, and every
figure drawn for 3, 7 and 10 sides, slide-ready with one legend entry per side."""

from __future__ import annotations

import copy

import pytest
from conftest import scenario_run
from many_sides import many_sides
from PIL import Image
from slide_checks import problems
from test_figures import legend

from sim.outputs.animation import animation_figure
from sim.outputs.figures import MEDIATOR, agent_styles, run_figures
from sim.outputs.formatting import possessive
from sim.outputs.multilateral import rule_words
from sim.outputs.narrative import narrative
from sim.outputs.report import write_report
from sim.outputs.style import SLIDE_PX
from sim.outputs.summary import run_metrics

COUNCIL = {
    "protocol": "mediated_single_text",
    "ratification": {"rule": "qualified_majority", "threshold": 0.65, "veto": ["s2"]},
}
PAUSE = {  # pressure on two sides, and one misreading another
    "pressures": {
        "economic": {"agent": "s2", "by_session": [0.2, 0.9], "concession": 2.0},
        "debt": {"agent": "s6", "by_session": [0.9, 0.1], "concession": 1.0},
    },
    "misread": {"observer": "s1", "target": "s2", "probe": {"issue": "quotas", "value": 0.05}},
}


@pytest.fixture(scope="module", params=[7, 10], ids=lambda n: f"{n}_sides")
def many_run(request):
    """7 sides making stacked offers under unanimity, two under pressure and one misreading
    another; 10 around a mediator's text, a qualified majority of 65% of the weights with China
    (s2) holding a veto."""
    n = request.param
    scenario = many_sides(10, **COUNCIL) if n == 10 else many_sides(7, PAUSE)
    return scenario_run(scenario, replications=40)


# --- summary.json -------------------------------------------------------------------------


def test_each_side_accepted_and_outvoted_are_shares_of_its_column(council_run):
    summary, table = council_run.summary, council_run.result.sample
    assert len(table) == summary["replications"] == 50
    agreed = table["agreement"]
    for agent in council_run.scenario.agents:
        votes = summary["agents"][agent.name]
        accepted = table[f"accepted_{agent.name}"]
        assert votes["accepted"]["estimate"] == pytest.approx(accepted.mean())
        assert votes["accepted_when_agreed"]["estimate"] == pytest.approx(accepted[agreed].mean())
        assert votes["outvoted"]["estimate"] == pytest.approx((agreed & ~accepted).mean())
        low, high = votes["outvoted"]["ci95"]
        assert 0 <= low <= votes["outvoted"]["estimate"] <= high <= 1
    assert run_metrics(summary)["accepted_b"] is summary["agents"]["b"]["accepted"]


def test_the_rule_and_the_coalition_size_over_runs_that_agreed(council_run, three_run):
    section = council_run.summary["ratification"]
    assert section["rule"] == "qualified_majority" and section["veto"] == ["c"]
    assert (section["threshold"], section["by"], section["agents"]) == (0.6, "weight", 3)
    assert section["weights"] == {"a": 2.0, "b": 1.0, "c": 1.0}
    table = council_run.result.sample
    sizes = table.loc[table["agreement"], "coalition_size"]
    size = section["coalition_size"]
    assert size["estimate"] == pytest.approx(sizes.mean())
    assert size["n"] == len(sizes)
    assert size["se"] == pytest.approx(sizes.std() / len(sizes) ** 0.5)
    assert size["ci95"][0] < size["estimate"] < size["ci95"][1]
    assert 2 <= size["estimate"] <= 3  # a qualified majority of 0.6 of weights 2, 1, 1: two sides
    unanimity = three_run.summary["ratification"]
    assert unanimity["rule"] == "unanimity" and "threshold" not in unanimity
    assert unanimity["coalition_size"]["estimate"] == 3


# --- report.md and narrative.md -----------------------------------------------------------


def test_the_rule_in_words():
    council = many_sides(
        4, ratification={"rule": "qualified_majority", "threshold": 0.65, "veto": ["s2"]}
    )
    assert (
        rule_words(council)
        == "a qualified majority of 65% of the weights, with China holding a veto"
    )
    by_count = many_sides(
        7,
        ratification={
            "rule": "qualified_majority",
            "threshold": 0.6,
            "by": "count",
            "veto": ["s1", "s3"],
        },
    )
    assert rule_words(by_count) == (
        "a qualified majority of 60% of the 7 sides (at least 5 of them), with United States and "
        "Mexico each holding a veto"
    )
    assert rule_words(many_sides(3)) == "unanimity: all 3 sides must accept"


def test_the_report_says_who_accepted_and_who_was_outvoted(council_run):
    run = council_run
    text = write_report(run.scenario, run.summary, run.result.sessions, wall_s=1.0)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Headline",
        "## Who got what",
        "## Who accepted",
        "## Why talks stalled",
        "## Theory beside the simulation",
        "## One run, session by session",
        "## How to read this",
    ]
    assert (
        "- At least one agreement among a, b and c was ratified by a qualified majority in " in text
    )
    assert (
        "The rule is a qualified majority of 60% of the weights, with c holding a veto "
        "(weights: a 2, b 1, c 1)." in text
    )
    assert "of the 3 sides accepted the run's first agreement on average." in text
    for agent in ("a", "b", "c"):
        assert f"- {agent} accepted the first agreement in " in text
    outvoted = {a: run.summary["agents"][a]["outvoted"]["estimate"] for a in ("a", "b", "c")}
    assert outvoted["c"] == 0  # the veto player is never outvoted
    assert f"- Outvoted most often: {max(outvoted, key=outvoted.get)}." in text
    assert "both sides" not in text and "the other side" not in text and "two sides" not in text


def test_under_unanimity_nobody_is_outvoted(three_run):
    text = write_report(three_run.scenario, three_run.summary, three_run.result.sessions, 1.0)
    assert "- a, b and c reached at least one agreement in " in text
    assert "The rule is unanimity: all 3 sides must accept." in text
    assert "Under unanimity no side can be outvoted" in text
    assert "Outvoted most often" not in text
    assert "closest to what" in text and "closer to what" not in text


def test_closest_side_in_words(three_run):
    summary = copy.deepcopy(three_run.summary)
    scenario = three_run.scenario  # ideals on tariffs: a 0.1, b 0.8, c 0.5
    for value, words in [
        (0.12, "closest to what a wants"),
        (0.65, "closest to what b and c want"),
        (0.45, "closest to what c wants"),
    ]:
        summary["issues"]["tariffs"]["final_value"]["estimate"] = value
        text = write_report(scenario, summary, three_run.result.sessions, 1.0)
        (line,) = [line for line in text.splitlines() if line.startswith("- **tariffs**")]
        assert words in line, line


@pytest.mark.parametrize("theory", [None, {}, {"error": "not analysed for 3 sides"}])
def test_a_missing_or_failed_theory_section_is_said_so(three_run, theory):
    summary = {**three_run.summary, "theory": theory}
    if theory is None:
        del summary["theory"]
    text = write_report(three_run.scenario, summary, three_run.result.sessions, 1.0)
    section = text.split("## Theory beside the simulation\n\n")[1].split("\n")[0]
    assert section.startswith("Not available")


def test_the_narrative_follows_the_mediators_text(council_run):
    offers, sessions = council_run.result.offers, council_run.result.sessions
    assert set(offers["agent"]) == {MEDIATOR}  # the sides make no offers of their own
    text = narrative(council_run.scenario, offers, sessions)
    assert "round 1: the mediator's text opens with tariffs " in text
    assert "agreed (the rule was met)" in text
    assert " — accepted" not in text


# --- figures ------------------------------------------------------------------------------


def test_every_side_has_its_own_colour_and_bilateral_colours_stay():
    styles = agent_styles(many_sides(12))
    assert len(set(styles.values())) == 12
    assert [c for c, _ in list(styles.values())[:2]] == ["#1f5fa8", "#c0392b"]


@pytest.mark.parametrize("name", ["offers.png", "outcomes.png", "animation.gif"])
def test_three_sides_get_every_figure(three_run, council_run, name, tmp_path):
    for run in (three_run, council_run):
        figure = run_figures()[name]
        assert figure.applies(run)
        path = figure.draw(run, tmp_path / f"{run.scenario.name}_{name}")
        with Image.open(path) as image:
            assert image.size[0] == SLIDE_PX


def test_the_offers_legend_names_each_side_once_and_the_mediator(council_run, tmp_path, drawn):
    run_figures()["offers.png"].draw(council_run, tmp_path / "offers.png")
    (fig,) = drawn
    labels = legend(fig)
    assert labels[:4] == ["a", "b", "c", "the mediator's text"]
    assert "beyond a side's red line (hatched, its colour)" in labels
    assert not [label for label in labels if label.startswith("beyond a's")]


@pytest.mark.parametrize("name", sorted(n for n in run_figures() if n.endswith(".png")))
def test_every_figure_is_slide_ready_for_many_sides(many_run, name, tmp_path, drawn):
    figure = run_figures()[name]
    if not figure.applies(many_run):
        pytest.skip(f"{name} does not apply to {many_run.scenario.name}")
    path = figure.draw(many_run, tmp_path / name)
    (fig,) = drawn
    with Image.open(path) as image:
        width = image.size[0]
    assert problems(fig, width) == []
    labels = legend(fig)
    if name in ("offers.png", "outcomes.png"):
        for agent in many_run.scenario.agents:
            wanted = agent.label if name == "offers.png" else f"{possessive(agent.label)} ideal"
            assert labels.count(wanted) == 1, (wanted, labels)


def test_the_animation_is_slide_ready_for_many_sides(many_run):
    fig, frame, frames = animation_figure(many_run)
    frame(frames - 1)
    assert problems(fig, SLIDE_PX) == []


def test_cooperation_of_several_sides_under_pressure_in_their_colours(many_run, tmp_path, drawn):
    if many_run.scenario.pressures == ():
        assert not run_figures()["cooperation.png"].applies(many_run)
        return
    run_figures()["cooperation.png"].draw(many_run, tmp_path / "cooperation.png")
    (fig,) = drawn
    labels = [label for label in legend(fig) if "pause window" not in label]
    assert labels[:4] == [
        "China's cooperation, with pressure",
        "China's cooperation, without pressure",
        "India's cooperation, with pressure",
        "India's cooperation, without pressure",
    ]
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    china, india = (lines[f"{who}'s cooperation, with pressure"] for who in ("China", "India"))
    assert china.get_color() != india.get_color()
    without = lines["China's cooperation, without pressure"]
    assert (without.get_color(), without.get_linestyle()) == (china.get_color(), "--")


# --- sweeps -------------------------------------------------------------------------------


def test_a_sweep_over_ten_sides_draws_their_utilities_in_one_panel(tmp_path, drawn):
    import json

    from sim.outputs.sweep import aggregate

    root = tmp_path / "sweep"
    sides = [f"s{k}" for k in range(1, 11)]
    for number, value in enumerate(("0.2", "0.3", "0.4")):
        folder = root / str(number)
        folder.mkdir(parents=True)
        overrides = ["seed=3", f"scenario.agents.s3.reservation={value}"]
        (folder / "run.json").write_text(json.dumps({"overrides": overrides}))
        est = {"estimate": 0.5, "ci95": [0.4, 0.6], "se": 0.01, "n": 100}
        summary = {
            "replications": 100,
            "seed": 3,
            "agreement_rate": est,
            "rounds_to_agreement": est,
            "agents": {side: {"utility": est, "accepted": est} for side in sides},
            "issues": {},
        }
        (folder / "summary.json").write_text(json.dumps(summary))
    table, _ = aggregate(root)
    assert {f"accepted_{side}" for side in sides} <= set(table["metric"])
    (fig,) = drawn
    assert [ax.get_title() for ax in fig.axes] == [
        "agreement",
        "rounds_to_agreement",
        "utility of each side",
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == sides
    assert problems(fig, 1280) == []


def test_no_agreement_leaves_no_coalition_and_the_summary_is_strict_json(council_run):
    import json

    from conftest import CORE_DATA

    from sim.api.loading import load

    changes = {f"agents.{side}.reservation": 0.99 for side in "abc"}
    run = scenario_run(load(CORE_DATA / "three_states_council.yaml", changes), replications=20)
    summary = run.summary
    assert summary["agreement_rate"]["estimate"] == 0
    assert summary["ratification"]["coalition_size"]["estimate"] is None
    assert summary["agents"]["b"]["outvoted"]["estimate"] == 0
    assert summary["agents"]["b"]["accepted_when_agreed"]["estimate"] is None
    text = write_report(run.scenario, summary, run.result.sessions, 1.0)
    assert "No run reached an agreement, so no side accepted one." in text
    for finished in (run, council_run):
        json.dumps(finished.summary, allow_nan=False)
