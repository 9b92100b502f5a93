"""The "Coalitions and voting power" section of report.md, from the ``coalitions`` section of
summary.json (sim/outputs/coalitions.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.coalitions import coalition_summary
from sim.core.catalogue import load_scenario
from sim.outputs.coalitions import coalition_lines
from sim.scenario.spec import Ratification

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = {
    "fr": "France",
    "de": "Germany",
    "it": "Italy",
    "be": "Belgium",
    "nl": "Netherlands",
    "lu": "Luxembourg",
}


def eec(ratification: Ratification):
    """split_the_pie seating the six members of the 1958 EEC Council with their weights."""
    pie = load_scenario(ROOT / "scenarios" / "split_the_pie.yaml")
    agents = tuple(
        replace(pie.agents[0], name=name, label=label, weight=float(w))
        for (name, label), w in zip(MEMBERS.items(), (4, 4, 4, 2, 2, 1), strict=True)
    )
    negotiation = replace(pie.negotiation, ratification=ratification)
    return replace(pie, agents=agents, negotiation=negotiation)


@pytest.fixture
def scenario():
    return eec(Ratification("qualified_majority", 12 / 17, "weight", ("fr",)))


@pytest.fixture
def section(scenario) -> dict:
    """Four runs: France, Germany, Italy twice; everyone but Luxembourg once; no deal once."""
    who = [{"fr", "de", "it"}, {"fr", "de", "it"}, {"fr", "de", "it", "be", "nl"}, set()]
    table = pd.DataFrame(
        {
            "agreement": [True, True, True, False],
            **{f"accepted_{a.name}": [a.name in w for w in who] for a in scenario.agents},
            **{f"gain_{a.name}": [0.3, 0.2, 0.1, 0.0] for a in scenario.agents[:3]},
            **{f"gain_{a.name}": [-0.1, -0.1, 0.1, 0.0] for a in scenario.agents[3:]},
        }
    )
    return coalition_summary(scenario, table)


def test_no_section_under_unanimity(pie_run):
    assert coalition_lines(pie_run.scenario, pie_run.summary) == []


def test_the_rule_the_table_and_the_coalitions(scenario, section):
    lines = coalition_lines(scenario, {"coalitions": section})
    text = "\n".join(lines)
    assert lines[:2] == ["## Coalitions and voting power", ""]
    assert lines[2].startswith(
        "A deal passed when the agents who accepted it held at least 70.6% of the total "
        "weight (12 of 17), including France, who holds a veto. 3 runs of 4 reached an agreement"
    )
    assert "| agent | weight | Shapley–Shubik power | Banzhaf power | share of the gains |" in text
    assert "| France (veto) | 4 | 0.433 | 0.333 | 33% | 0% |" in text
    assert "| Luxembourg | 1 | 0.000 | 0.000 | -6% | 100% |" in text
    assert "The rule allows 3 of them. Each of them, and how often it formed exactly" in text
    assert "- France, Germany and Italy (12 votes): 67% of agreements (2 runs)." in text
    assert "- France, Italy, Belgium and Netherlands (12 votes): never." in text
    assert "Larger coalitions than needed" in text and "passed 33% of agreements" in text
    assert (
        "Germany took more of the gains than its voting power alone would suggest (33% of " in text
    )
    assert "THIS IS A BUG" not in text
    assert "Belgium took less of the gains than its voting power would suggest (-6% of" in text
    assert "Monte Carlo" not in text and "estimates from" not in text
    assert lines[-1] == ""


def test_by_count_and_estimated_power(scenario, section):
    section = {
        **section,
        "by": "count",
        "monte_carlo": {"samples": 200_000, "seed": 12},
        "agents": {
            name: {**a, "shapley_shubik_se": 0.0004, "banzhaf_se": 0.0005}
            for name, a in section["agents"].items()
        },
        "minimal_winning": {
            **section["minimal_winning"],
            "enumerated": False,
            "count": None,
            "note": "26 agents form 2^26 coalitions",
            "listed": "formed",
        },
    }
    text = "\n".join(coalition_lines(scenario, {"coalitions": section}))
    assert "held at least 70.6% of the 6 agents (one vote each)" in text
    assert "estimates from 200,000 random orders and groups (seed 12)" in text
    assert "within about 0.001 of the exact value" in text
    assert "the weights do not affect power" in text
    assert "Their number is not known here. They are not all listed: 26 agents form" in text
    assert "Those that formed, and how often" in text


def test_a_coalition_the_rule_rejects_is_reported_as_a_bug(scenario, section):
    section = {**section, "formed": [{**section["formed"][0], "winning": False}]}
    text = "\n".join(coalition_lines(scenario, {"coalitions": section}))
    assert "THIS IS A BUG" in text
