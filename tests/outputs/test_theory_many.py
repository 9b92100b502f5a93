"""Theory beside the simulation for more than two agents: the words of report.md and the
parallel-coordinates utility figure, from a ``theory`` section as summary.json holds it."""

from __future__ import annotations

import copy
import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image
from slide_checks import problems, smallest_points

from sim.core.catalogue import validate
from sim.outputs.figures import FinishedRun, run_figures
from sim.outputs.style import MIN_PT, SLIDE_PX
from sim.outputs.theory import theory_lines
from sim.scenario.shipped import shipped_folder
from sim.theory.results import analyse_scenario

NAMES = ("us", "china", "eu", "japan", "korea", "india", "brazil", "south_africa") + tuple(
    f"party_{k}" for k in range(8, 30)
)


def many_agents(n: int = 3, weights=None):
    """us_china_2024 with ``n - 2`` more agents between the two (no red lines)."""
    data = yaml.safe_load((shipped_folder("scenarios") / "us_china_2024.yaml").read_text())
    for k, name in enumerate(NAMES[2:n], start=1):
        agent = json.loads(json.dumps(data["agents"]["us"]))
        agent["label"] = f"{name.replace('_', ' ').title()} (a long label for a slide)"
        agent.pop("red_lines", None)
        for node in agent["preferences"].values():
            node["ideal"] = round((node["ideal"] + 0.1 * k) % 1.0, 3)
        data["agents"][name] = agent
    for name, w in zip(NAMES, weights or [1.0] * n, strict=False):
        data["agents"][name]["weight"] = w
    data["negotiation"]["protocol"] = "issue_by_issue"
    return validate(data, "many.yaml")


def section_of(scenario, estimate=0.0421):
    """The summary.json ``theory`` section, every simulated estimate at ``estimate``."""
    result = analyse_scenario(scenario)
    section = result.to_dict()
    names = ["nash", "kalai_smorodinsky", "utilitarian"]
    if result.weights_differ:
        names.append("weighted_nash")
    section["simulated"] = {
        f"distance_from_{name}": {"estimate": estimate, "ci95": [0.01, 0.07]} for name in names
    } | {"frontier_gap": {"estimate": estimate, "ci95": None}}
    return result, section


def test_words_for_three_agents_with_weights():
    scenario = many_agents(3, [1.0, 1.0, 2.0])
    result, section = section_of(scenario)
    text = theory_lines(scenario, {"theory": section})
    assert text[0] == "## Theory beside the simulation"
    assert "United States" in text[2] and "China" in text[2] and "Eu (a long label" in text[2]
    assert text[4].startswith(
        "- The Nash (1950) bargaining solution (maximises the product of every side's gains) gives"
    )
    assert text[5].startswith("- The weighted Nash solution (Harsanyi & Selten 1972;")
    assert "United States 0.250, China 0.250" in text[5]
    assert f"{result.weighted_nash.utility[2]:.3f}" in text[5]
    assert "lie 0.042 from it in utility on average (95% CI 0.010–0.070)." in text[5]
    assert text[6].startswith("- The Kalai–Smorodinsky (1975) solution")
    assert text[7].startswith("- The utilitarian optimum")
    assert text[8] == (
        "- Room left below the Pareto frontier: every side could have gained 0.0421 more utility "
        "at once, on average, so the agreements were not fully efficient: every side could have "
        "gained more."
    )
    assert "- Note: Rubinstein (1982) is not defined for more than two agents." in text
    assert not any("Rubinstein (1982): perfectly rational" in line for line in text)


def test_equal_weights_leave_out_the_weighted_line_and_efficiency_in_words():
    scenario = many_agents(3)
    _, section = section_of(scenario, estimate=0.0)
    text = "\n".join(theory_lines(scenario, {"theory": section}))
    assert "weighted Nash" not in text
    assert "so the agreements were efficient: no other package would have made every side" in text


def test_two_agents_keep_their_words(pie_run):
    """The weights and weighted Nash solution in a two-agent section change nothing there."""
    section = copy.deepcopy(pie_run.summary["theory"])
    assert section["weights"] == {"a": 0.5, "b": 0.5}
    assert "distance_from_weighted_nash" not in section["simulated"]
    text = theory_lines(pie_run.scenario, {"theory": section})
    assert not any("weighted" in line for line in text)


def test_two_agents_with_different_weights_get_the_weighted_line(pie_run):
    agents = tuple(
        dataclasses.replace(a, weight=w)
        for a, w in zip(pie_run.scenario.agents, (2.0, 1.0), strict=True)
    )
    scenario = dataclasses.replace(pie_run.scenario, agents=agents)
    _, section = section_of(scenario)
    text = theory_lines(scenario, {"theory": section})
    assert text[4].startswith(
        "- The Nash (1950) bargaining solution (maximises the product of both"
    )
    assert text[5].startswith("- The weighted Nash solution (Harsanyi & Selten 1972;")
    assert "a 0.667, b 0.333" in text[5] and "(weights: a 0.667, b 0.333)" not in text[5]
    assert text[8].startswith("- Distance below the Pareto frontier: 0.0421")


def fake_run(scenario, section, agreements: int = 400) -> FinishedRun:
    """A finished run as far as the figure reads it: a sample of first-session utilities."""
    rng = np.random.default_rng(5)
    agents = section["agents"]
    low = np.array([section["disagreement"]["utility"][a] for a in agents])
    utility = low + (1 - low) * rng.random((agreements, len(agents))) * 0.8
    sample = pd.DataFrame({f"agreement_utility_{a}": utility[:, j] for j, a in enumerate(agents)})
    sample.iloc[::7] = np.nan  # no agreement in session 1
    result = SimpleNamespace(sample=sample)
    return FinishedRun(scenario, result, {"theory": section}, pd.DataFrame())  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [3, 5, 8, 30])
def test_parallel_coordinates_are_slide_ready(n, tmp_path, drawn):
    scenario = many_agents(n, [1.0] * (n - 1) + [3.0])
    _, section = section_of(scenario)
    run = fake_run(scenario, section)
    figure = run_figures()["utility_space.png"]
    assert figure.applies(run)
    path = figure.draw(run, tmp_path / "utility_space.png")
    (fig,) = drawn
    with Image.open(path) as image:
        assert image.size[0] == SLIDE_PX
    assert fig.get_suptitle().replace("\n", " ").endswith("agents' utilities, first session")
    (ax,) = fig.axes
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()][:2] == [
        "United States",
        "China",
    ]
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels[0].startswith("simulated agreements, session 1 (300 of ")
    assert labels[1] == "disagreement point (session_floor)"
    assert labels[2:] == ["Nash", "weighted Nash", "Kalai–Smorodinsky", "utilitarian"]
    assert problems(fig, SLIDE_PX) == []
    assert smallest_points(fig, SLIDE_PX) >= MIN_PT


def test_no_figure_without_a_theory_section():
    scenario = many_agents(3)
    run = FinishedRun(scenario, SimpleNamespace(sample=None), {"theory": {"error": "x"}}, None)  # type: ignore[arg-type]
    assert not run_figures()["utility_space.png"].applies(run)
