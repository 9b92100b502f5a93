"""report.md: the wording for given numbers (a tiny run's summary, with numbers changed by hand)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from sim.outputs.report import write_report


def est(value, low=None, high=None, n=50):
    return {"estimate": value, "ci95": None if low is None else [low, high], "se": 0.01, "n": n}


@pytest.fixture
def pie(pie_run):
    """The split_the_pie run's scenario, a copy of its summary to edit, and its sessions."""
    return pie_run.scenario, copy.deepcopy(pie_run.summary), pie_run.result.sessions


def report(pie) -> str:
    scenario, summary, sessions = pie
    return write_report(scenario, summary, sessions, wall_s=1.234)


def test_sections_in_order(pie):
    text = report(pie)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Split the pie",
        "## Headline",
        "## Who got what",
        "## Why talks stalled",
        "## Theory beside the simulation",
        "## One run, session by session",
        "## How to read this",
    ]
    assert "50 simulated runs of 1 session(s) of up to 20 rounds each, protocol " in text
    assert text.endswith("Wall time: 1.23 s.\n")


def test_headline_numbers_with_their_intervals(pie):
    summary = pie[1]
    summary["agreement_rate"] = est(0.456, 0.4012, 0.5049)
    summary["rounds_to_agreement"] = est(7.25, 6.94, 7.56)
    summary["agents"]["a"]["utility"] = est(0.61234, 0.6, 0.625)
    summary["agents"]["a"]["gain"] = est(0.11234)
    text = report(pie)
    assert "- a and b reached at least one agreement in 46% of runs (95% CI 40%–50%)." in text
    assert "first agreement came after 7.2 rounds on average (95% CI 6.9–7.6)." in text
    assert "- a ended with utility 0.612 (95% CI 0.600–0.625) (0 = worst" in text
    assert "a change of +0.112 from the starting status quo." in text


def test_no_agreement_no_rounds_to_agreement(pie):
    pie[1]["rounds_to_agreement"] = est(None)
    assert "first agreement came after" not in report(pie)


@pytest.mark.parametrize(
    ("violations", "verdict"),
    [(0, "**0** — every core interest held."), (2, "**2** — THIS IS A BUG, please report it.")],
)
def test_red_lines_are_audited(pie, violations, verdict):
    pie[1]["red_line_violations"]["total"] = violations
    assert f"- Red lines crossed by any agreement: {verdict}" in report(pie)


def test_who_got_what(pie):
    text = report(pie)
    assert "stayed at the status quo, 0.50 on a scale from 0 (everything to b) to 1" in text
    assert "about halfway between the two sides. Agreed in 100% of runs." in text
    pie[1]["issues"]["share"]["final_value"] = est(0.3, 0.25, 0.35)
    pie[1]["issues"]["share"]["agreement_rate"] = est(0.8)
    text = report(pie)
    assert "moved down from 0.50 to 0.30 on a scale" in text
    assert "(95% CI 0.25–0.35), closer to what b wants. Agreed in 80% of runs." in text


def test_why_talks_stalled(pie):
    assert "Every session ended in an agreement." in report(pie)
    pie[1]["stalls"] = {
        "stalled_sessions": 10,
        "blocked_by_red_line": 5,
        "ended_in_conflict": 1,
        "both_at_floor": 2,
    }
    pie[1]["issues"]["share"]["widest_gap_in_stalled_sessions"] = 7
    text = report(pie)
    assert "10 of 50 sessions (20%) ended without an agreement." in text
    assert "In 50% of those, an offer on the table was good enough" in text
    assert "In 20%, both sides had conceded as far as they ever would" in text
    assert "In 80%, the deadline came while at least one side still had room" in text
    assert "1 sessions ended in open conflict" in text
    assert "furthest apart when talks stalled: share (7 sessions)." in text


def test_when_talks_stalled_a_side_that_gained_nothing_is_named(pie):
    pie[1]["stalls"]["stalled_sessions"] = 3
    pie[1]["agents"]["b"]["gain"] = est(0.0)
    assert "b gained nothing over the status quo on average" in report(pie)


def test_one_run_session_by_session(pie):
    assert "- Session 1: agreement in round 10: share = 0.50. Trust after: a 1.00, b 1.00." in (
        report(pie)
    )
    scenario, summary, sessions = pie
    assert "## One run" not in report((scenario, summary, pd.DataFrame()))


def test_the_tactical_pause_comes_after_the_headline(pause_run):
    text = write_report(pause_run.scenario, pause_run.summary, pause_run.result.sessions, 1.0)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:4] == [
        "## Headline",
        "## The tactical pause",
        "## Who got what",
        "## Why talks stalled",
    ]


def test_events_say_when_they_come_and_what_they_shift(us_china_run):
    summary = copy.deepcopy(us_china_run.summary)
    summary["events"]["hacking_warning"]["starts_per_replication"] = est(0.924)
    text = write_report(us_china_run.scenario, summary, us_china_run.result.sessions, 1.0)
    assert (
        "- **hacking_warning** (FBI warns that Chinese hackers are preparing to disrupt US "
        "infrastructure): random, with a 2.0% chance per round, lasting 12 rounds; shifts "
        "United States's reservation +0.05; United States's e x0.7. Started 0.92 times per run "
        "on average."
    ) in text
    assert "- **election_season** (US election-year pressure to look tough): scheduled for " in text
    assert "session 4, round 1, lasting 12 rounds; shifts United States's e x0.6." in text
