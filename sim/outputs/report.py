"""``report.md``: the run in plain language for a policy student."""

from __future__ import annotations

import pandas as pd

from sim.analysis.comparison import theory_lines
from sim.analysis.pause import pause_lines
from sim.scenario.distributions import typical
from sim.scenario.spec import Scenario


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _ci(est: dict, pct: bool = False, digits: int = 2) -> str:
    ci = est.get("ci95")
    if not ci:
        return ""
    if pct:
        return f" (95% CI {_pct(ci[0])}–{_pct(ci[1])})"
    return f" (95% CI {ci[0]:.{digits}f}–{ci[1]:.{digits}f})"


def _closer_to(scenario: Scenario, issue: str, value: float) -> str:
    a, b = scenario.agents
    da, db = abs(value - typical(a.ideal[issue])), abs(value - typical(b.ideal[issue]))
    if abs(da - db) < 0.05:
        return "about halfway between the two sides"
    winner = a if da < db else b
    return f"closer to what {winner.label} wants"


def _issue_lines(scenario: Scenario, summary: dict) -> list[str]:
    lines = []
    for issue in scenario.issues:
        s = summary["issues"][issue.name]
        value = s["final_value"]["estimate"]
        start = typical(issue.status_quo)
        moved = value - start
        rate = s["agreement_rate"]["estimate"]
        where = f"{value:.2f} on a scale from 0 ({issue.low}) to 1 ({issue.high})"
        if abs(moved) < 0.01:
            change = f"stayed at the status quo, {where}"
        else:
            direction = "up" if moved > 0 else "down"
            change = f"moved {direction} from {start:.2f} to {where}{_ci(s['final_value'])}"
        guarded = [a.label for a in scenario.agents if issue.name in a.red_lines]
        guard = f" It is guarded by a red line of {', '.join(guarded)}." if guarded else ""
        lines.append(
            f"- **{issue.name}** ({issue.description or issue.name}): {change}, "
            f"{_closer_to(scenario, issue.name, value)}. Agreed in {_pct(rate)} of runs.{guard}"
        )
    return lines


def _stall_lines(scenario: Scenario, summary: dict) -> list[str]:
    stalls = summary["stalls"]
    n_sessions = summary["replications"] * summary["sessions"]
    if stalls["stalled_sessions"] == 0:
        return ["Every session ended in an agreement."]
    lines = [
        f"{stalls['stalled_sessions']} of {n_sessions} sessions ({_pct(stalls['stalled_sessions'] / n_sessions)}) "
        "ended without an agreement."
    ]
    share = {
        key: stalls[key] / stalls["stalled_sessions"]
        for key in ("blocked_by_red_line", "both_at_floor")
    }
    if stalls["blocked_by_red_line"]:
        lines.append(
            f"In {_pct(share['blocked_by_red_line'])} of those, an offer on the table was good enough for the "
            "other side but crossed one of its red lines, so it could not be accepted."
        )
    if stalls["both_at_floor"]:
        lines.append(
            f"In {_pct(share['both_at_floor'])}, both sides had conceded as far as they ever would (down to "
            "their reservation utility, or to what the status quo already gave them) and the offers still "
            "did not meet: there was no deal both preferred to walking away."
        )
    rest = 1.0 - share["both_at_floor"]
    if rest > 0.005:
        lines.append(
            f"In {_pct(rest)}, the deadline came while at least one side still had room to concede "
            "(a firm strategy, or trust lowered by a broken promise, slowed it down)."
        )
    if stalls["ended_in_conflict"]:
        lines.append(
            f"{stalls['ended_in_conflict']} sessions ended in open conflict: neither side would concede further."
        )
    gaps = {name: s["widest_gap_in_stalled_sessions"] for name, s in summary["issues"].items()}
    top = sorted(gaps, key=gaps.get, reverse=True)[:3]
    top = [name for name in top if gaps[name] > 0]
    if top:
        lines.append(
            "The issues on which the two sides were furthest apart when talks stalled: "
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
            f"{' and '.join(stuck_high)} gained nothing over the status quo on average: when the "
            "status quo already suits a side, it has little reason to concede."
        )
    return lines


def _one_run(scenario: Scenario, sessions: pd.DataFrame) -> list[str]:
    if sessions.empty:
        return []
    lines = ["## One run, session by session", "", "Replication 0, as it happened:", ""]
    labels = {a.name: a.label for a in scenario.agents}
    for _, row in sessions[sessions["rep"] == sessions["rep"].min()].iterrows():
        agreed = [i.name for i in scenario.issues if row[f"agreed_{i.name}"]]
        head = f"- Session {int(row['session']) + 1}: "
        if not agreed:
            how = "ended in conflict" if row["conflict"] else "no agreement by the deadline"
            lines.append(head + how + ".")
            continue
        parts = []
        for issue in scenario.issues:
            if not row[f"agreed_{issue.name}"]:
                continue
            kept = row[f"implemented_{issue.name}"]
            who = labels.get(issue.implementer, "both sides")
            note = "" if kept else f" — but {who} did not implement it"
            parts.append(f"{issue.name} = {row[f'value_{issue.name}']:.2f}{note}")
        trust = ", ".join(f"{labels[a.name]} {row[f'trust_{a.name}']:.2f}" for a in scenario.agents)
        lines.append(
            f"{head}agreement in round {int(row['round']) + 1}: "
            + "; ".join(parts)
            + f". Trust after: {trust}."
        )
    return [*lines, ""]


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
            f"{scenario.agent(s.agent).label}'s {s.field}"
            + (f" x{s.multiply:g}" if isinstance(s.multiply, float) and s.multiply != 1 else "")
            + (f" {s.add:+g}" if isinstance(s.add, float) and s.add != 0 else "")
            for s in event.shifts
        )
        lines.append(
            f"- **{event.name}** ({event.description or 'no description'}): {when}, lasting "
            f"{event.duration} rounds; shifts {shifts}. Started {starts:.2f} times per run on average."
        )
    return lines


def write_report(scenario: Scenario, summary: dict, sessions: pd.DataFrame, wall_s: float) -> str:
    agree = summary["agreement_rate"]
    n = summary["replications"]
    a, b = scenario.agents
    rta = summary["rounds_to_agreement"]
    lines = [
        f"# {scenario.title or scenario.name}",
        "",
        scenario.description.strip(),
        "",
        f"{n:,} simulated run{'s' if n != 1 else ''} of {summary['sessions']} session(s) of up to "
        f"{summary['rounds_per_session']} rounds each, protocol `{summary['protocol']}`, seed {summary['seed']}.",
        "",
        "## Headline",
        "",
        f"- {a.label} and {b.label} reached at least one agreement in {_pct(agree['estimate'])} of runs"
        f"{_ci(agree, pct=True)}.",
    ]
    if rta["estimate"] is not None:
        lines.append(
            f"- When they agreed, the first agreement came after {rta['estimate']:.1f} rounds on average{_ci(rta, digits=1)}."
        )
    for agent in scenario.agents:
        s = summary["agents"][agent.name]
        lines.append(
            f"- {agent.label} ended with utility {s['utility']['estimate']:.3f}{_ci(s['utility'], digits=3)} "
            f"(0 = worst, 1 = everything it wants), a change of {s['gain']['estimate']:+.3f} from the starting status quo."
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
    lines += _event_lines(scenario, summary)
    pause = pause_lines(scenario, summary)
    if pause:
        lines += ["", *pause]
    lines += [
        "",
        "## Who got what",
        "",
        *_issue_lines(scenario, summary),
        "",
        "## Why talks stalled",
        "",
    ]
    lines += _stall_lines(scenario, summary)
    lines += ["", *theory_lines(scenario, summary)]
    lines += _one_run(scenario, sessions)
    lines += [
        "## How to read this",
        "",
        "Each run replays the talks with the scenario's parameters; agreements are implemented by the "
        "side that must act, with that side's compliance probability, and a broken promise lowers the "
        "other side's trust, which makes it concede more slowly next time. Intervals are 95% confidence "
        "intervals over the simulated runs (Wilson for rates, Student t for means).",
        "",
        f"Wall time: {wall_s:.2f} s.",
        "",
    ]
    return "\n".join(lines)
