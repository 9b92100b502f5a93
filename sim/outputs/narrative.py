"""A plain-language, round-by-round log of one replication, written from its trace, and what
each of its sessions changed (:func:`session_changes`, which report.md shares)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from sim.core.protocols.mediated import MediatorSeat
from sim.outputs.domestic import fell_at_home, fell_at_home_text
from sim.outputs.formatting import percent
from sim.scenario.spec import IssueSpec, Scenario

MEDIATOR = MediatorSeat.name  # the mediator's text (mediated_single_text) in the trace
# Changes in an offer smaller than this are not worth a sentence.
NOTABLE = 0.02
# An agreed value this close to the value in place is "left as it was" (below the 2 decimals shown).
UNCHANGED = 0.005


@dataclass(frozen=True)
class SessionChange:
    """One traced session of one replication: its row in sessions.parquet, the agreed issues that
    moved from the value in place (``moved``), and those agreed at the value in place
    (``kept``: left as they were, a red-line issue in a package typically)."""

    row: pd.Series
    moved: list[IssueSpec]
    kept: list[IssueSpec]


def session_changes(scenario: Scenario, sessions: pd.DataFrame) -> Iterator[SessionChange]:
    """The sessions of one replication in order, each agreement split into what moved and what
    was left as it was. The value in place is the scenario's status quo, then what the sessions
    before implemented; a status quo drawn per replication is not in the trace, so an issue
    agreed before anything was implemented on it counts as moved."""
    in_place = {
        i.name: float(i.status_quo) if isinstance(i.status_quo, int | float) else None
        for i in scenario.issues
    }
    if sessions.empty:
        return
    for _, row in sessions.sort_values("session").iterrows():
        moved, kept = [], []
        for issue in scenario.issues:
            if not row[f"agreed_{issue.name}"]:
                continue
            value, before = row[f"value_{issue.name}"], in_place[issue.name]
            same = before is not None and abs(value - before) < UNCHANGED
            (kept if same else moved).append(issue)
            if row[f"implemented_{issue.name}"]:
                in_place[issue.name] = value
        yield SessionChange(row, moved, kept)


def _describe_move(issue, old: float, new: float) -> str:
    direction = issue.high if new > old else issue.low
    return f"{issue.name} from {old:.2f} to {new:.2f} (toward '{direction}')"


def narrative(
    scenario: Scenario, offers: pd.DataFrame, sessions: pd.DataFrame, rep: int | None = None
) -> str:
    """Session by session, round by round: who offered what, what changed, who accepted, events,
    pressure and the observer's belief where the scenario has them."""
    if offers.empty:
        return (
            "No replication of this run was traced: traces are kept for the first replications"
            " of a run (output.trace_replications), and this run kept none or is a later shard.\n"
        )
    if rep is None:  # a replication where the signal was misread tells the story best
        walked = offers[offers["walkout"].astype(bool)] if "walkout" in offers else offers.iloc[:0]
        rep = int(walked["rep"].min() if not walked.empty else offers["rep"].min())
    labels = {MEDIATOR: "the mediator's text"} | {a.name: a.label for a in scenario.agents}
    mine = offers[offers["rep"] == rep].sort_values(["step", "agent"], kind="stable")
    mine_sessions = sessions[sessions["rep"] == rep] if not sessions.empty else sessions
    outcome = {int(c.row["session"]): c for c in session_changes(scenario, mine_sessions)}
    lines = [f"# What happened in replication {rep}", ""]
    active_before = ""
    for session, rounds in mine.groupby("session"):
        lines += ["", f"## Session {session + 1}", ""]
        previous: dict[str, pd.Series] = {}
        for _, row in rounds.iterrows():
            head = f"- Session {session + 1}, round {row['round'] + 1}: "
            notes = _notes(row, active_before)
            active_before = row.get("events") or ""
            text = _offer_text(scenario, row, previous.get(row["agent"]), labels)
            lines.append(head + text + ("" if not notes else f" [{'; '.join(notes)}]") + ".")
            previous[row["agent"]] = row
        if session in outcome:
            lines.append(_session_end(scenario, outcome[session]))
    return "\n".join(lines) + "\n"


def _notes(row: pd.Series, active_before: str) -> list[str]:
    """Events that began since the last offer, and the pressure levels."""
    notes = []
    if row.get("events") and row["events"] != active_before:
        notes.append(f"events under way: {row['events'].replace(',', ', ')}")
    pressures = [c for c in row.index if c.startswith("pressure_")]
    if pressures:
        notes.append(
            ", ".join(f"{c.removeprefix('pressure_')} pressure {row[c]:.2f}" for c in pressures)
        )
    return notes


def _offer_text(
    scenario: Scenario, row: pd.Series, before: pd.Series | None, labels: dict[str, str]
) -> str:
    """What the offer was (or how it moved from the side's last one), and what came of it."""
    who = labels[row["agent"]]
    issues = scenario.issues
    if before is None:
        offer = "; ".join(f"{i.name} {row[f'offer_{i.name}']:.2f}" for i in issues)
        text = f"{who} opens with {offer}"
    else:
        moves = [
            _describe_move(i, before[f"offer_{i.name}"], row[f"offer_{i.name}"])
            for i in issues
            if abs(row[f"offer_{i.name}"] - before[f"offer_{i.name}"]) >= NOTABLE
        ]
        same = "stays as it was" if row["agent"] == MEDIATOR else "repeats its offer"
        text = f"{who} moves " + "; ".join(moves) if moves else f"{who} {same}"
    m = scenario.misread
    if row.get("probe"):
        text += f", and asks for {m.probe_issue} = {m.probe_value:.2f}: a test of a core interest"
    if row["accepted"]:
        text += " — accepted" if len(scenario.agents) == 2 else " — agreed (the rule was met)"
    if row.get("walkout"):
        text += f" — {labels[m.target]} walks out"
    if "belief" in row and pd.notna(row["belief"]) and m and row["agent"] == m.target:
        text += f" ({labels[m.observer]} now gives {percent(row['belief'])} to a genuine softening)"
    return text


def _session_end(scenario: Scenario, change: SessionChange) -> str:
    o = change.row
    if fell_at_home(scenario, o):
        return f"- The session ended with {fell_at_home_text(scenario, o)}."
    if not change.moved and not change.kept:
        return "- The session ended without an agreement" + (
            " (conflict)." if o["conflict"] else "."
        )
    kept = ", ".join(f"{i.name} ({o[f'value_{i.name}']:.2f})" for i in change.kept)
    if not change.moved:
        return f"- Agreed to keep every issue where it was: {kept}."
    broken = [i.name for i in change.moved if not o[f"implemented_{i.name}"]]
    return (
        f"- Agreed on {', '.join(i.name for i in change.moved)}."
        + (f" Kept where they were: {kept}." if kept else "")
        + (f" Not implemented: {', '.join(broken)}." if broken else "")
    )
