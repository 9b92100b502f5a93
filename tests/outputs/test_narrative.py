"""narrative.md: one replication told round by round, from its trace."""

from __future__ import annotations

import pandas as pd

from sim.outputs.narrative import narrative


def offer(step, agent, share, accepted=False, session=0, **extra):
    return {
        "rep": 0,
        "session": session,
        "round": step % 10,
        "step": step,
        "agent": agent,
        "offer_share": share,
        "accepted": accepted,
        **extra,
    }


def ended(session, agreed, implemented=True, conflict=False):
    return {
        "rep": 0,
        "session": session,
        "agreed_share": agreed,
        "value_share": 0.8,
        "implemented_share": implemented and agreed,
        "round": 4 if agreed else -1,
        "conflict": conflict,
    }


def test_a_session_round_by_round(split_the_pie):
    offers = pd.DataFrame(
        [
            offer(0, "a", 0.9),
            offer(1, "b", 0.2),
            offer(2, "a", 0.8),
            offer(3, "b", 0.21),  # less than NOTABLE: not worth a sentence
            offer(4, "a", 0.8, accepted=True),
        ]
    )
    sessions = pd.DataFrame([ended(0, True, implemented=False)])
    assert narrative(split_the_pie, offers, sessions).splitlines() == [
        "# What happened in replication 0",
        "",
        "",
        "## Session 1",
        "",
        "- Session 1, round 1: a opens with share 0.90.",
        "- Session 1, round 2: b opens with share 0.20.",
        "- Session 1, round 3: a moves share from 0.90 to 0.80 (toward 'everything to b').",
        "- Session 1, round 4: b repeats its offer.",
        "- Session 1, round 5: a repeats its offer — accepted.",
        "- Agreed on share. Not implemented: share.",
    ]


def test_each_session_starts_afresh_and_may_end_in_conflict(split_the_pie):
    offers = pd.DataFrame(
        [offer(0, "a", 0.9), offer(10, "a", 0.7, session=1), offer(11, "b", 0.3, session=1)]
    )
    sessions = pd.DataFrame([ended(0, False), ended(1, False, conflict=True)])
    lines = narrative(split_the_pie, offers, sessions).splitlines()
    assert (
        lines[lines.index("## Session 2") + 2] == "- Session 2, round 1: a opens with share 0.70."
    )
    assert "- The session ended without an agreement." in lines
    assert lines[-1] == "- The session ended without an agreement (conflict)."


def test_events_are_noted_when_they_begin_and_pressure_every_round(split_the_pie):
    offers = pd.DataFrame(
        [
            offer(0, "a", 0.9, events="", pressure_economic=0.1),
            offer(1, "b", 0.2, events="hacking_warning,election", pressure_economic=0.25),
            offer(2, "a", 0.9, events="hacking_warning,election", pressure_economic=0.5),
        ]
    )
    lines = narrative(split_the_pie, offers, pd.DataFrame()).splitlines()
    assert lines[-3:] == [
        "- Session 1, round 1: a opens with share 0.90 [economic pressure 0.10].",
        "- Session 1, round 2: b opens with share 0.20 [events under way: hacking_warning, "
        "election; economic pressure 0.25].",
        "- Session 1, round 3: a repeats its offer [economic pressure 0.50].",
    ]


def test_without_a_trace_it_says_so(split_the_pie):
    text = narrative(split_the_pie, pd.DataFrame(), pd.DataFrame())
    assert text.startswith("No replication of this run was traced:")
    assert "output.trace_replications" in text and "later shard" in text


def test_the_story_of_a_misread_signal_is_told_first(pause_run):
    offers, sessions = pause_run.result.offers, pause_run.result.sessions
    walked = offers[offers["walkout"]]
    assert not walked.empty
    text = narrative(pause_run.scenario, offers, sessions)
    assert text.startswith(f"# What happened in replication {walked['rep'].min()}\n")
    assert "and asks for taiwan = " in text and ": a test of a core interest" in text
    assert " — China walks out" in text
    assert "(United States now gives " in text and "% to a genuine softening)" in text
    assert narrative(pause_run.scenario, offers, sessions, rep=2).startswith(
        "# What happened in replication 2\n"
    )


def test_issues_agreed_at_the_value_in_place_are_kept_not_agreed_on(split_the_pie, pause_run):
    offers = pd.DataFrame([offer(0, "a", 0.5, accepted=True)])
    at_status_quo = pd.DataFrame([{**ended(0, True), "value_share": 0.5}])
    assert narrative(split_the_pie, offers, at_status_quo).splitlines()[-1] == (
        "- Agreed to keep every issue where it was: share (0.50)."
    )
    text = narrative(pause_run.scenario, pause_run.result.offers, pause_run.result.sessions)
    agreed = [line for line in text.splitlines() if line.startswith("- Agreed on ")]
    assert agreed
    for line in agreed:  # China's red-line issues never move: never "agreed on"
        moved = line.removeprefix("- Agreed on ").split(".")[0]
        assert "taiwan" not in moved and "party_rule" not in moved
        assert "taiwan (0.00), party_rule (0.00)" in line
