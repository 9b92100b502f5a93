"""``report.md``: the run in plain language for a policy student."""

from __future__ import annotations

import pandas as pd

from sim.outputs.coalitions import coalition_lines
from sim.outputs.domestic import domestic_lines, fell_at_home, fell_at_home_text, headline_line
from sim.outputs.formatting import (
    ci,
    fixed,
    listed,
    percent,
    plural,
    possessive,
    rounds,
    utility,
)
from sim.outputs.learning import learning_lines
from sim.outputs.multilateral import agreement_line, ratification_lines, rule_words
from sim.outputs.narrative import UNCHANGED, session_changes
from sim.outputs.pause import pause_lines
from sim.outputs.theory import theory_lines
from sim.scenario.distributions import typical
from sim.scenario.spec import Scenario

# Closer than this (on the 0-1 scale) counts as the same place.
NEAR = 0.05


def _closer_to(scenario: Scenario, issue: str, value: float) -> str:
    """Where ``value`` lies between the sides' (typical) ideals."""
    if len(scenario.agents) > 2:
        return _closest(scenario, issue, value)
    a, b = scenario.agents
    ia, ib = typical(a.ideal[issue]), typical(b.ideal[issue])
    da, db = abs(value - ia), abs(value - ib)
    if abs(ia - ib) < NEAR:  # both sides want about the same
        if max(da, db) < NEAR:
            return "where both sides want it"
        return f"away from where both sides want it (about {(ia + ib) / 2:.2f})"
    if abs(da - db) < NEAR:
        return "about halfway between the two sides"
    winner = a if da < db else b
    return f"closer to what {winner.label} wants"


def _closest(scenario: Scenario, issue: str, value: float) -> str:
    """Which of more than two sides ``value`` is closest to (those within ``NEAR`` of the
    closest count alike)."""
    ideals = {a.label: typical(a.ideal[issue]) for a in scenario.agents}
    if max(ideals.values()) - min(ideals.values()) < NEAR:  # every side wants about the same
        if max(abs(value - i) for i in ideals.values()) < NEAR:
            return "where every side wants it"
        mean = sum(ideals.values()) / len(ideals)
        return f"away from where every side wants it (about {mean:.2f})"
    distance = {label: abs(value - ideal) for label, ideal in ideals.items()}
    best = min(distance.values())
    near = [label for label, d in distance.items() if d - best < NEAR]
    if len(near) == len(ideals):
        return "about as close to what one side wants as to what any other wants"
    return f"closest to what {listed(near)} {'wants' if len(near) == 1 else 'want'}"


def _issue_lines(scenario: Scenario, summary: dict) -> list[str]:
    lines = []
    for issue in scenario.issues:
        s = summary["issues"][issue.name]
        value = s["final_value"]["estimate"]
        start = typical(issue.status_quo)
        moved = value - start
        agreed = percent(s["agreement_rate"]["estimate"])
        scale = f"on a scale from 0 ({issue.low}) to 1 ({issue.high})"
        if abs(moved) < UNCHANGED:
            change = f"stayed at the status quo, {value:.2f} {scale}"
            how = f"Left there by agreement in {agreed} of runs."
        else:
            direction = "up" if moved > 0 else "down"
            change = (
                f"moved {direction} from {start:.2f} to {value:.2f}{ci(s['final_value'])} {scale}"
            )
            how = f"Agreed in {agreed} of runs."
        guarded = [a.label for a in scenario.agents if issue.name in a.red_lines]
        guard = f" It is guarded by a red line of {listed(guarded)}." if guarded else ""
        lines.append(
            f"- **{issue.name}** ({issue.description or issue.name}): {change}, "
            f"{_closer_to(scenario, issue.name, value)}. {how}{guard}"
        )
    return lines


def _stall_lines(scenario: Scenario, summary: dict) -> list[str]:
    stalls = summary["stalls"]
    n_sessions = summary["replications"] * summary["sessions"]
    stalled = stalls["stalled_sessions"]
    fell = _fell_at_home(summary)
    if stalled == 0:
        if fell:
            return [
                f"Every session ended in an agreement at the table; {fell:,} of them "
                f"({percent(fell / n_sessions)} of all sessions) then fell at home (see "
                "*At home*)."
            ]
        return ["Every session ended in an agreement."]
    conflicts = stalls["ended_in_conflict"]
    deadline = stalled - conflicts  # the others ran into the deadline
    lines = [
        f"{stalled:,} of {plural(n_sessions, 'session')} ({percent(stalled / n_sessions)}) ended "
        f"without an agreement: {conflicts:,} in open conflict (a walk-out), {deadline:,} at the "
        "deadline."
    ]
    two = len(scenario.agents) == 2
    if deadline:
        share = {key: stalls[key] / deadline for key in ("blocked_by_red_line", "both_at_floor")}
        if stalls["blocked_by_red_line"]:
            lines.append(
                f"In {percent(share['blocked_by_red_line'])} of the sessions that reached the deadline, an "
                f"offer on the table was good enough for {'the other' if two else 'another'} side but "
                "crossed one of its red lines, so it could not be accepted."
            )
        if stalls["both_at_floor"]:
            lines.append(
                f"In {percent(share['both_at_floor'])} of them, both sides had conceded as far as they ever would "
                "(down to their reservation utility, or to what the status quo already gave them) and the "
                "offers still did not meet: there was no deal both preferred to walking away."
                if two
                else f"In {percent(share['both_at_floor'])} of them, every side had conceded as far as it "
                "ever would (down to its reservation utility, or to what the status quo already gave it) "
                "and the offers still did not meet: there was no deal that enough sides preferred to "
                "walking away."
            )
        rest = 1.0 - share["both_at_floor"]
        if rest > 0.005:
            lines.append(
                f"In {percent(rest)} of them, the deadline came while at least one side still had room to "
                "concede (a firm strategy, or trust lowered by a broken promise, slowed it down)."
            )
    gaps = {name: s["widest_gap_in_stalled_sessions"] for name, s in summary["issues"].items()}
    top = sorted(gaps, key=gaps.get, reverse=True)[:3]
    top = [name for name in top if gaps[name] > 0]
    if top:
        lines.append(
            f"The issues on which the {'two ' if two else ''}sides were furthest apart when talks stalled: "
            + ", ".join(f"{name} ({gaps[name]} sessions)" for name in top)
            + "."
        )
    stuck_high = [
        a.label
        for a in scenario.agents
        if summary["agents"][a.name]["gain"]["estimate"] is not None
        and summary["agents"][a.name]["gain"]["estimate"] <= 1e-9
    ]
    if stuck_high:
        lines.append(
            f"{listed(stuck_high)} gained nothing over the status quo on average: when the "
            "status quo already suits a side, it has little reason to concede."
        )
    if fell:
        lines.append(
            f"Besides, {plural(fell, 'session')} ended with an agreement at the table that "
            "then fell at home (see *At home*)."
        )
    return lines


def _fell_at_home(summary: dict) -> int:
    """How many sessions of the run ended with a deal at the table that fell at home."""
    section = summary.get("domestic")
    if not section:
        return 0
    deals = section["ratification_failures"]["share_of_deals_at_the_table"]
    return round((deals["estimate"] or 0.0) * deals["n"])


def _one_run(scenario: Scenario, sessions: pd.DataFrame) -> list[str]:
    if sessions.empty:
        return []
    lines = ["## One run, session by session", "", "Replication 0, as it happened:", ""]
    labels = {a.name: a.label for a in scenario.agents}
    first = sessions[sessions["rep"] == sessions["rep"].min()]
    for change in session_changes(scenario, first):
        row = change.row
        head = f"- Session {int(row['session']) + 1}: "
        if not change.moved and not change.kept:
            how = "ended in conflict" if row["conflict"] else "no agreement by the deadline"
            if fell_at_home(scenario, row):
                trust = ", ".join(
                    f"{labels[a.name]} {row[f'trust_{a.name}']:.2f}" for a in scenario.agents
                )
                how = f"{fell_at_home_text(scenario, row)}. Trust after: {trust}"
            lines.append(head + how + ".")
            continue
        kept = ", ".join(f"{i.name} ({row[f'value_{i.name}']:.2f})" for i in change.kept)
        trust = ", ".join(f"{labels[a.name]} {row[f'trust_{a.name}']:.2f}" for a in scenario.agents)
        if change.moved:
            parts = [
                f"{issue.name} = {row[f'value_{issue.name}']:.2f}"
                + ("" if row[f"implemented_{issue.name}"] else f" — but {_not_done(issue, labels)}")
                for issue in change.moved
            ]
            what = ": " + "; ".join(parts) + (f"; kept where they were: {kept}" if kept else "")
        else:
            what = f" to keep every issue where it was: {kept}"
        lines.append(
            f"{head}agreement in round {int(row['round']) + 1}{what}. Trust after: {trust}."
        )
    return [*lines, ""]


def _not_done(issue, labels: dict[str, str]) -> str:
    """Who failed to implement an agreed issue, as far as the trace says."""
    if issue.implementer in labels:
        return f"{labels[issue.implementer]} did not implement it"
    every = "both sides" if len(labels) == 2 else "every side"
    return f"it was not implemented ({every} had to act, and at least one did not)"


def _event_lines(scenario: Scenario, summary: dict) -> list[str]:
    if not scenario.events:
        return []
    lines = ["", "## Events", ""]
    for event in scenario.events:
        starts = summary["events"][event.name]["starts_per_replication"]["estimate"]
        when = (
            f"scheduled for session {event.session + 1}, round {event.round + 1}"
            if event.hazard is None
            else f"random, with a {100 * event.hazard:.1f}% chance per round"
        )
        shifts = "; ".join(
            f"{possessive(scenario.agent(s.agent).label)} {s.field}"
            + (f" x{s.multiply:g}" if isinstance(s.multiply, float) and s.multiply != 1 else "")
            + (f" {s.add:+g}" if isinstance(s.add, float) and s.add != 0 else "")
            for s in event.shifts
        )
        lines.append(
            f"- **{event.name}** ({event.description or 'no description'}): {when}, lasting "
            f"{plural(event.duration, 'round')}; shifts {shifts}. Started {starts:.2f} times per run on average."
        )
    return lines


def write_report(scenario: Scenario, summary: dict, sessions: pd.DataFrame, wall_s: float) -> str:
    """report.md: headline, events, the tactical pause, who got what, why talks stalled, the
    theory, one run session by session, and how to read it."""
    n = summary["replications"]
    lines = [
        f"# {scenario.title or scenario.name}",
        "",
        scenario.description.strip(),
        "",
        f"{plural(n, 'simulated run')} of {plural(summary['sessions'], 'session')} of up to "
        f"{plural(summary['rounds_per_session'], 'round')} each, protocol `{summary['protocol']}`, "
        f"seed {summary['seed']}.",
        "",
        *_headline_lines(scenario, summary),
    ]
    lines += _event_lines(scenario, summary)
    pause = pause_lines(scenario, summary)
    if pause:
        lines += ["", *pause[:-1]]  # it ends with a blank line, as the next section begins
    lines += [
        "",
        "## Who got what",
        "",
        *_issue_lines(scenario, summary),
        "",
        *ratification_lines(scenario, summary),
        *coalition_lines(scenario, summary),
        *learning_lines(scenario, summary),
        *domestic_lines(scenario, summary),
        "## Why talks stalled",
        "",
    ]
    lines += _stall_lines(scenario, summary)
    lines += ["", *_theory(scenario, summary)]
    lines += _one_run(scenario, sessions)
    lines += [
        "## How to read this",
        "",
        _how_to_read(scenario),
        "",
        f"Wall time: {wall_s:.2f} s.",
        "",
    ]
    return "\n".join(lines)


def _how_to_read(scenario: Scenario) -> str:
    if len(scenario.agents) == 2:
        return (
            "Each run replays the talks with the scenario's parameters; agreements are implemented by the "
            "side that must act, with that side's compliance probability, and a broken promise lowers the "
            "other side's trust, which makes it concede more slowly next time. Intervals are 95% confidence "
            "intervals over the simulated runs (Wilson for rates, Student t for means)."
        )
    return (
        "Each run replays the talks with the scenario's parameters; an offer becomes an agreement "
        f"when the ratification rule is met ({rule_words(scenario)}), and every side is bound by "
        "it, also one that was outvoted. Agreements are implemented by the side that must act, "
        "with that side's compliance probability, and a broken promise lowers the trust of the "
        "sides it wronged, which makes them concede more slowly next time. Intervals are 95% "
        "confidence intervals over the simulated runs (Wilson for rates, Student t for means)."
    )


def _gain(gain: dict) -> str:
    """The change from the status quo in utility: ``'0.478 higher than at'``."""
    if gain["estimate"] is None:
        return "no comparison with"
    size = fixed(abs(gain["estimate"]), 3)
    if float(size) == 0:
        return "the same as at"
    return f"{size} {'higher' if gain['estimate'] > 0 else 'lower'} than at"


def _theory(scenario: Scenario, summary: dict) -> list[str]:
    """The theory section (``sim.outputs.theory``), or a line saying it is not available when
    summary.json has no theory section."""
    if summary.get("theory"):
        return theory_lines(scenario, summary)
    return [
        "## Theory beside the simulation",
        "",
        "Not available for this scenario"
        + (f" ({len(scenario.agents)} sides)." if len(scenario.agents) > 2 else "."),
        "",
    ]


def _headline_lines(scenario: Scenario, summary: dict) -> list[str]:
    """The console summary's estimates, written as it writes them (sim.outputs.formatting)."""
    rta = summary["rounds_to_agreement"]
    lines = ["## Headline", "", agreement_line(scenario, summary)]
    at_home = headline_line(scenario, summary)
    if at_home:
        lines.append(at_home)
    if rta["estimate"] is not None:
        lines.append(
            f"- When they agreed, the first agreement came after {rounds(rta)} rounds on average."
        )
    for agent in scenario.agents:
        s = summary["agents"][agent.name]
        lines.append(
            f"- {agent.label} ended with utility {utility(s['utility'])} (0 = worst, 1 = everything "
            f"it wants), {_gain(s['gain'])} the starting status quo."
        )
    violations = summary["red_line_violations"]["total"]
    lines.append(
        f"- Red lines crossed by any agreement: **{violations}**"
        + (
            " — every core interest held."
            if violations == 0
            else " — THIS IS A BUG, please report it."
        )
    )
    return lines
