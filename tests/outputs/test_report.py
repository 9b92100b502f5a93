"""report.md: the wording for given numbers (a tiny run's summary, with numbers changed by hand)."""

from __future__ import annotations

import copy
import dataclasses

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
    assert "50 simulated runs of 1 session of up to 20 rounds each, protocol " in text
    assert text.endswith("Wall time: 1.23 s.\n")


def test_headline_numbers_with_their_intervals(pie):
    summary = pie[1]
    summary["agreement_rate"] = est(0.456, 0.4012, 0.5049)
    summary["rounds_to_agreement"] = est(7.25, 6.94, 7.56)
    summary["agents"]["a"]["utility"] = est(0.61234, 0.6, 0.625)
    summary["agents"]["a"]["gain"] = est(0.11234)
    text = report(pie)
    assert "- a and b reached at least one agreement in 45.6% (95% CI 40.1–50.5%) of runs." in text
    assert "first agreement came after 7.25 (95% CI 6.94–7.56) rounds on average." in text
    assert "- a ended with utility 0.612 (95% CI 0.600–0.625) (0 = worst" in text
    assert "everything it wants), 0.112 higher than at the starting status quo." in text
    summary["agents"]["a"]["gain"] = est(-0.0004)
    assert "everything it wants), the same as at the starting status quo." in report(pie)
    summary["agents"]["a"]["gain"] = est(-0.25)
    assert "everything it wants), 0.250 lower than at the starting status quo." in report(pie)


def test_a_rate_near_one_is_not_written_as_all_runs(pie):
    summary = pie[1]
    summary["agreement_rate"] = est(0.999, 0.996, 1.0)
    summary["issues"]["share"]["agreement_rate"] = est(0.996)
    text = report(pie)
    assert "in 99.9% (95% CI 99.6–100.0%) of runs." in text
    assert "Left there by agreement in 99.6% of runs." in text


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
    assert "about halfway between the two sides. Left there by agreement in 100% of runs." in text
    pie[1]["issues"]["share"]["final_value"] = est(0.3, 0.25, 0.35)
    pie[1]["issues"]["share"]["agreement_rate"] = est(0.8)
    text = report(pie)
    assert "moved down from 0.50 to 0.30 (95% CI 0.25–0.35) on a scale from 0" in text
    assert "(everything to a), closer to what b wants. Agreed in 80% of runs." in text


@pytest.mark.parametrize(
    ("ideal_b", "value", "words"),
    [
        (0.0, 0.5, "about halfway between the two sides"),
        (0.98, 0.98, "where both sides want it"),
        (0.98, 0.5, "away from where both sides want it (about 0.99)"),
        (0.0, 0.8, "closer to what a wants"),
    ],
)
def test_where_an_issue_ended_between_the_two_sides(pie, ideal_b, value, words):
    scenario, summary, sessions = pie
    b = dataclasses.replace(
        scenario.agents[1], ideal={**scenario.agents[1].ideal, "share": ideal_b}
    )
    scenario = dataclasses.replace(scenario, agents=(scenario.agents[0], b))
    summary["issues"]["share"]["final_value"] = est(value, value - 0.01, value + 0.01)
    assert f"(everything to a), {words}. " in report((scenario, summary, sessions))


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
    assert (
        "10 of 50 sessions (20%) ended without an agreement: 1 in open conflict (a walk-out), "
        "9 at the deadline."
    ) in text
    assert (
        "In 56% of the sessions that reached the deadline, an offer on the table was good" in text
    )
    assert "In 22% of them, both sides had conceded as far as they ever would" in text
    assert "In 78% of them, the deadline came while at least one side still had room" in text
    assert "furthest apart when talks stalled: share (7 sessions)." in text


def test_sessions_that_all_ended_in_conflict_are_not_said_to_reach_the_deadline(pie):
    pie[1]["stalls"] = {
        "stalled_sessions": 4,
        "blocked_by_red_line": 0,
        "ended_in_conflict": 4,
        "both_at_floor": 0,
    }
    text = report(pie)
    assert "4 of 50 sessions (8%) ended without an agreement: 4 in open conflict" in text
    assert "the deadline came" not in text


def test_when_talks_stalled_a_side_that_gained_nothing_is_named(pie):
    pie[1]["stalls"]["stalled_sessions"] = 3
    pie[1]["agents"]["b"]["gain"] = est(0.0)
    assert "b gained nothing over the status quo on average" in report(pie)


def test_one_run_session_by_session(pie):
    scenario, summary, sessions = pie
    assert (
        "- Session 1: agreement in round 10 to keep every issue where it was: share (0.50). "
        "Trust after: a 1.00, b 1.00."
    ) in report(pie)
    moved = sessions.assign(value_share=0.6)
    assert "- Session 1: agreement in round 10: share = 0.60. Trust after: " in report(
        (scenario, summary, moved)
    )
    broken = moved.assign(implemented_share=False)
    by_b = dataclasses.replace(scenario, issues=(implemented_by(scenario, "b"),))
    assert "share = 0.60 — but b did not implement it. Trust after" in report(
        (by_b, summary, broken)
    )
    by_all = dataclasses.replace(scenario, issues=(implemented_by(scenario, "all"),))
    assert (
        "share = 0.60 — but it was not implemented (both sides had to act, and at least one did "
        "not). Trust after"
    ) in report((by_all, summary, broken))
    assert "## One run" not in report((scenario, summary, pd.DataFrame()))


def implemented_by(scenario, who):
    return dataclasses.replace(scenario.issues[0], implementer=who)


def test_red_line_issues_left_at_the_status_quo_are_not_called_agreed_changes(pause_run):
    text = write_report(pause_run.scenario, pause_run.summary, pause_run.result.sessions, 1.0)
    sessions = [line for line in text.splitlines() if line.startswith("- Session ")]
    assert sessions and all("taiwan =" not in line for line in sessions)
    assert "kept where they were: " in sessions[0]
    assert "taiwan (0.00), party_rule (0.00)" in sessions[0]


def test_the_tactical_pause_comes_after_the_headline(pause_run):
    text = write_report(pause_run.scenario, pause_run.summary, pause_run.result.sessions, 1.0)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:5] == [
        "## Headline",
        "## The tactical pause",
        "## Who got what",
        "## What the sides knew of each other",  # China declares its core interests
        "## At home: ratification and commitments",  # the US Congress ratifies
    ]


def test_events_say_when_they_come_and_what_they_shift(us_china_run):
    summary = copy.deepcopy(us_china_run.summary)
    summary["events"]["hacking_warning"]["starts_per_replication"] = est(0.924)
    text = write_report(us_china_run.scenario, summary, us_china_run.result.sessions, 1.0)
    assert (
        "- **hacking_warning** (FBI warns that Chinese hackers are preparing to disrupt US "
        "infrastructure): random, with a 2.0% chance per round, lasting 12 rounds; shifts "
        "United States' reservation +0.05; United States' e x0.7. Started 0.92 times per run "
        "on average."
    ) in text
    assert "- **election_season** (US election-year pressure to look tough): scheduled for " in text
    assert (
        "session 4, round 1, lasting 12 rounds; shifts United States' e x0.6;"
        " United States' threshold +0.25." in text
    )
