"""Domestic politics in plain words (two-level games): the "At home" section of report.md, the
headline's line on deals that fell at home, and the sentence for a session whose deal fell at
home (report.md's run session by session, narrative.md). Read from the ``domestic`` section of
summary.json (``sim.analysis.domestic``) and the agents' commitment estimates.

A deal rejected at home is an *involuntary defection* (Putnam 1988): the negotiators agreed, but
their principals did not let the deal stand. It is not non-compliance, where a ratified deal is
left undone by the side that must act (``broken_commitments``).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.outputs.formatting import estimate, fixed, listed, percent, plural, possessive, rate
from sim.scenario.spec import Scenario

# What the others see of a threshold, by ``negotiation.win_sets``: it is part of the floor their
# strategies see of the ratifying side (Zeuthen's willingness to risk conflict weighs it).
SEEN = {
    "known": "{who} {see} it as part of {whose} floor (`win_sets: known`)",
    "believed": "{who} {see} only its typical value, not the run's draw (`win_sets: believed`)",
    "unknown": "{who} {do} not see it (`win_sets: unknown`): to {them} {whose} floor is its "
    "reservation alone",
}


def _seen(scenario: Scenario, win_sets: str, label: str) -> str:
    if len(scenario.agents) == 2:
        words = {"who": "the other side", "see": "sees", "do": "does", "them": "it"}
    else:
        words = {"who": "the others", "see": "see", "do": "do", "them": "them"}
    return SEEN[win_sets].format(whose=possessive(label), **words)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _input(value: dict) -> str:
    """A scenario number from summary.json: ``'0.45'``, or for a drawn one ``'drawn per run
    (triangular; median 0.45, 95% of runs 0.31–0.59)'``."""
    if not value.get("drawn"):
        return f"{round(value['value'], 3):g}"
    low, high = value["range95"]
    return (
        f"drawn per run ({value['distribution']}; median {fixed(value['median'], 2)}, 95% of "
        f"runs {fixed(low, 2)}–{fixed(high, 2)})"
    )


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, int | float) else _input(value)


def headline_line(scenario: Scenario, summary: dict) -> str | None:
    """``'- A deal reached at the table was rejected at home in 26.0% (95% CI ...) of runs
    ...'``; None without domestic politics or without a ratifier."""
    section = summary.get("domestic")
    if not section or not _ratifiers(scenario):
        return None
    failures = section["ratification_failures"]
    runs = failures["share_of_runs"] or failures["share_of_sessions"]
    where = "runs" if failures["share_of_runs"] else "sessions"
    return (
        f"- A deal reached at the table was rejected at home in {rate(runs)} of {where} "
        "(an involuntary defection; not the same as non-compliance). Agreements above count "
        "ratified deals only."
    )


def _ratifiers(scenario: Scenario) -> list:
    return [agent for agent in scenario.agents if agent.domestic is not None]


def domestic_lines(scenario: Scenario, summary: dict) -> list[str]:
    """The "At home" section of report.md (ending with a blank line); empty without domestic
    politics."""
    section = summary.get("domestic")
    if not section:
        return []
    lines = [
        "## At home: ratification and commitments",
        "",
        "A deal must be accepted at the table *and* ratified at home (Putnam's two-level game). "
        "A side whose hands are tied at home can ask for more at the table, as long as a deal "
        "both can accept remains (Schelling); a public commitment ties hands too, but only if "
        "breaking it costs something at home (an audience cost, Fearon).",
        "",
    ]
    if _ratifiers(scenario):
        lines += _ratification(scenario, summary, section)
    for agent in scenario.agents:
        if agent.commitments:
            lines += _commitments(scenario, summary, agent)
    return [*lines, ""]


def _ratification(scenario: Scenario, summary: dict, section: dict) -> list[str]:
    lines = []
    for agent in _ratifiers(scenario):
        home = section["agents"][agent.name]
        whose = (
            f"{possessive(agent.label)} own preferences"
            if home["ratifier"] == "own"
            else "preferences of its own (" + _preferences(home["ratifier_preferences"]) + ")"
        )
        lines.append(
            f"- **{_capital(possessive(agent.label))} ratifier** judges a deal by {whose} and "
            f"ratifies it only if it is worth at least {_input(home['threshold'])} on the 0–1 "
            f"utility scale; {_seen(scenario, section['win_sets'], agent.label)}."
        )
        for move in home["threshold_moves"]:
            lines.append(f"  {_move(scenario, agent.label, move, summary)}")
    lines += _failures(scenario, summary, section)
    return lines


def _preferences(preferences: dict) -> str:
    return "; ".join(
        f"{issue}: ideal {_number(p['ideal'])}, salience {_number(p['salience'])}"
        for issue, p in preferences.items()
    )


def _move(scenario: Scenario, label: str, move: dict, summary: dict) -> str:
    """How an event or a pressure moved the threshold, in a sentence."""
    about = move.get("description")  # a pressure's is not kept
    name = f"**{move['name']}**" + (f" ({about})" if about else "")
    threshold = f"{possessive(label)} threshold"
    if move["kind"] == "pressure":
        per = move["per_level"]
        verb = "raises" if per > 0 else "lowers"
        text = f"The pressure {name} {verb} {threshold} by {abs(per):g} times its level (0–1)"
        if move["by_session"] is not None:
            steps = ", ".join(fixed(x, 2, sign=True) for x in move["by_session"])
            return f"{text}: by session {steps}."
        return f"{text}; its level drifts round by round around {move['mean_level']:g}."
    parts = []
    if isinstance(move["multiply"], dict) or move["multiply"] != 1:
        parts.append(f"multiplied {threshold} by {_number(move['multiply'])}")
    if isinstance(move["add"], dict) or move["add"] != 0:
        add = move["add"]
        up = isinstance(add, dict) or add > 0
        size = _number(add) if isinstance(add, dict) else f"{abs(add):g}"
        parts.append(f"{'raised' if up else 'lowered'} {threshold} by {size}")
    did = " and ".join(parts) or f"left {threshold} as it was"
    lasting = plural(move["duration"], "round")
    if "session" in move:
        last = " (the last session)" if move["session"] == summary["sessions"] else ""
        where = f"session {move['session']}, round {move['round']}{last}"
        return f"The event {name} {did} from {where}, for {lasting}."
    starts = summary["events"][move["name"]]["starts_per_replication"]["estimate"]
    return (
        f"The event {name} {did} for {lasting} whenever it struck (a {100 * move['hazard']:.1f}% "
        f"chance per round; {starts:.2f} times per run on average)."
    )


def _failures(scenario: Scenario, summary: dict, section: dict) -> list[str]:
    failures = section["ratification_failures"]
    deals = failures["share_of_deals_at_the_table"]
    failed = round((deals["estimate"] or 0.0) * deals["n"])
    if not failed:
        return [
            "- **No deal reached at the table was rejected at home.** A negotiator who knows "
            "what its ratifier will take never signs a package the ratifier rejects; only a "
            "threshold that moves after the deal is struck (an event, a pressure), a deal "
            "settled issue by issue that falls short as a whole, or a qualified majority that "
            "binds a side without its consent can bring one down.",
        ]
    runs = failures["share_of_runs"]
    lines = [
        "- **Rejected at home.** "
        + (
            f"A deal reached at the table was rejected at home in {rate(runs)} of runs: "
            if runs
            else "Deals reached at the table were rejected at home: "
        )
        + f"{failed:,} of the {plural(deals['n'], 'deal')} struck at the table, or "
        f"{rate(deals)}; {estimate(failures['per_run'], 2)} sessions per run on average. "
        "This is an *involuntary defection*: the negotiators agreed, but the deal was never "
        "implemented because a ratifier said no. It is not the same as non-compliance, a "
        "ratified deal that the side that must act leaves undone "
        f"({estimate(summary['broken_commitments'], 2)} broken commitments per run here). "
        "The agreement rate counts ratified deals only.",
    ]
    lines += _trust(scenario, section)
    return lines


def _trust(scenario: Scenario, section: dict) -> list[str]:
    penalty = section["ratification_penalty"]
    effect = section["trust_after_failure"]
    text = (
        "- **Trust.** A deal that falls at home costs trust "
        f"(`trust.ratification_penalty` {_input(penalty)}: the share of its trust a side loses, "
        "less than for a broken promise by default, since everyone saw the vote)"
    )
    if not effect:
        return [text + "."]
    parts, without = [], []
    for agent in scenario.agents:
        split = effect[agent.name]
        if split["after_a_failure"]["estimate"] is None:
            continue
        parts.append(f"{agent.label} {estimate(split['after_a_failure'], 2)}")
        if split["without_failure"]["estimate"] is not None:
            without.append(f"{fixed(split['without_failure']['estimate'], 2)}")
    if not parts:
        return [text + "."]
    runs = effect[scenario.agents[0].name]["after_a_failure"]["n"]
    return [
        text
        + f": at the end of the {plural(runs, 'run')} in which a deal fell at home, trust stood "
        + f"at {listed(parts)}"
        + (f", against {listed(without)} in the runs without" if without else "")
        + ". A side that trusts less concedes more slowly in the sessions that follow."
    ]


def _commitments(scenario: Scenario, summary: dict, agent) -> list[str]:
    stats = summary["agents"][agent.name]
    record = summary["domestic"]["agents"][agent.name]["commitments"]
    lines = []
    for c in record:
        lines.append(f"- **{_capital(possessive(agent.label))} {_commitment(agent, c)}")
    n = len(record)
    made, kept = stats["commitments_made"], stats["commitments_kept"]
    abandoned, paid = stats["commitments_abandoned"], stats["audience_costs"]
    one = n == 1 and made["estimate"] is not None
    lines.append(
        f"  Per run on average, {agent.label} made {estimate(made, 2)} of its "
        f"{plural(n, 'commitment')}"
        + (f" (made in {percent(made['estimate'])} of runs)" if one else "")
        + f", kept {estimate(kept, 2)} and abandoned {estimate(abandoned, 2)}, paying "
        f"{estimate(paid, 3)} in audience costs (its utility above is net of them)."
    )
    return lines


def _commitment(agent, c: dict) -> str:
    """One commitment in words, after the agent's name."""
    ideal = agent.ideal[c["issue"]]
    bound = "at most" if c["value"] >= ideal else "at least"
    cost = c["audience_cost"]
    credible = (
        "credible: the others' offers keep to it"
        if cost > 0
        else "cheap talk: breaking it costs nothing, so the others ignore it"
    )
    if c["bluff"]:
        low, high = c["true_line"]
        true = f"at most {high:g}" if bound == "at most" else f"at least {low:g}"
        return (
            f"declared red line on {c['issue']}** ({bound} {c['value']:g}; the true one is "
            f"{true}) is a bluff: settling past it costs {cost:g} in utility ({credible})."
        )
    when = (
        ""
        if c["when_trust_below"] is None
        else f", made once its trust falls below {c['when_trust_below']:g}"
    )
    return (
        f"public commitment on {c['issue']}** ({bound} {c['value']:g}{when}): a deal past it "
        f"costs {cost:g} in utility at home ({credible})."
    )


# --- one session ----------------------------------------------------------------------------


def fell_at_home(scenario: Scenario, row: pd.Series) -> bool:
    """Whether a traced session (a row of sessions.parquet) ended with a deal at the table that
    fell at home: nothing agreed, yet the table's values are there (the trace keeps them)."""
    if not any(a.domestic is not None for a in scenario.agents):
        return False
    agreed = any(row[f"agreed_{i}"] for i in scenario.issue_names)
    values = [row[f"value_{i}"] for i in scenario.issue_names]
    return not agreed and any(not math.isnan(v) for v in values)


def fell_at_home_text(scenario: Scenario, row: pd.Series) -> str:
    """``'a deal at the table (fentanyl_precursors 0.53) that Congress ... rejected'``."""
    deal = "; ".join(
        f"{i} {row[f'value_{i}']:.2f}"
        for i in scenario.issue_names
        if not math.isnan(row[f"value_{i}"])
    )
    who = [possessive(a.label) for a in _ratifiers(scenario)]
    return (
        f"a deal at the table ({deal}) that {listed(who, 'or')} ratifier rejected at home "
        "(an involuntary defection: nothing was implemented)"
    )


def fell_at_home_steps(
    scenario: Scenario, sessions: pd.DataFrame, offers: pd.DataFrame, rep: int
) -> list[tuple[int, pd.Series]]:
    """(step of the accepted offer, session row) of every session of replication ``rep`` whose
    deal fell at home, for the offers figure."""
    found = []
    if sessions.empty or offers.empty:
        return found
    for _, row in sessions[sessions["rep"] == rep].iterrows():
        if fell_at_home(scenario, row):
            accepted = offers[
                (offers["rep"] == rep) & (offers["session"] == row["session"]) & offers["accepted"]
            ]
            if not accepted.empty:
                found.append((int(accepted["step"].max()), row))
    return found
