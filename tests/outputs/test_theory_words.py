"""The theory section of report.md, from the ``theory`` section of summary.json."""

from __future__ import annotations

import copy

import pytest

from sim.outputs.theory import theory_lines


@pytest.fixture
def section(pie_run):
    return copy.deepcopy(pie_run.summary["theory"])


def lines(pie_run, section) -> list[str]:
    return theory_lines(pie_run.scenario, {"theory": section})


def test_split_the_pie_beside_nash_ks_utilitarian_and_rubinstein(pie_run, section):
    text = lines(pie_run, section)
    assert text[0] == "## Theory beside the simulation"
    assert (
        "from the disagreement point (the agents' reservation utilities: a 0.000, b 0.000)"
        in (text[2])
    )
    assert text[4] == (
        "- The Nash (1950) bargaining solution (maximises the product of both sides' gains) gives "
        "a 0.500, b 0.500. The simulated agreements lie 0.000 from it in utility on average "
        "(95% CI 0.000–0.000)."
    )
    assert text[5].startswith("- The Kalai–Smorodinsky (1975) solution")
    assert text[6].startswith("- The utilitarian optimum (the largest total utility) gives")
    assert "so the agreements were efficient" in text[7]
    assert text[8] == (
        "- Rubinstein (1982): perfectly rational, impatient bargainers would split a 0.714, "
        "b 0.286 at once."
    )
    assert text[-1] == ""


def test_distances_with_their_intervals_and_solutions_that_do_not_exist(pie_run, section):
    section["simulated"]["distance_from_nash"] = {"estimate": 0.1234, "ci95": [0.11, 0.135]}
    section["simulated"]["distance_from_utilitarian"] = {"estimate": 0.05, "ci95": None}
    section["kalai_smorodinsky"] = None
    text = "\n".join(lines(pie_run, section))
    assert "lie 0.123 from it in utility on average (95% CI 0.110–0.135)." in text
    assert "lie 0.050 from it in utility on average." in text
    assert (
        "- The Kalai–Smorodinsky (1975) solution (gains in proportion to what each could " in text
    )
    assert "hope for) does not exist here." in text


def test_inefficient_agreements_and_notes(pie_run, section):
    section["simulated"]["frontier_gap"] = {"estimate": 0.0421, "ci95": None}
    section["notes"] = ["uncertain numbers set to their medians for this section: a.reservation"]
    text = lines(pie_run, section)
    assert (
        "- Distance below the Pareto frontier: 0.0421 in utility on average, so the agreements were not "
        "fully efficient: both sides could have gained more."
    ) in text
    assert text[-2] == (
        "- Note: uncertain numbers set to their medians for this section: a.reservation."
    )


def test_without_a_bargaining_problem(pie_run):
    assert lines(pie_run, {"error": "the red lines leave no package"}) == [
        "## Theory beside the simulation",
        "",
        "Not available: the red lines leave no package.",
        "",
    ]
