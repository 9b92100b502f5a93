"""Coalitions and voting power in words: the "Coalitions and voting power" section of report.md,
from the ``coalitions`` section of summary.json (``sim.analysis.coalitions`` computes it)."""

from __future__ import annotations

from sim.outputs.formatting import fixed, percent, plural
from sim.scenario.spec import BY_COUNT, Scenario

# A share of the gains this far (or further) from an agent's Shapley–Shubik power is remarked on.
GAP = 0.05


def coalition_lines(scenario: Scenario, summary: dict) -> list[str]:
    """Plain words for report.md; none under unanimity (no ``coalitions`` section)."""
    section = summary.get("coalitions")
    if not section:
        return []
    labels = {a.name: a.label for a in scenario.agents}
    return [
        "## Coalitions and voting power",
        "",
        *_rule_lines(section, labels),
        "",
        *_table(section, labels),
        "",
        *_reading_lines(section),
        "",
        "### Minimal winning coalitions",
        "",
        *_minimal_lines(section, labels),
        *_comparison_lines(section, labels),
        "",
    ]


def _names(members, labels: dict[str, str]) -> str:
    names = [labels[m] for m in members]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _votes(x: float) -> str:
    return f"{x:g}" if abs(x - round(x)) > 1e-9 else f"{round(x)}"


def _rule_lines(section: dict, labels: dict[str, str]) -> list[str]:
    share = f"{100 * section['threshold']:.3g}%"
    if section["by"] == BY_COUNT:
        need = f"at least {share} of the {plural(len(labels), 'agent')} (one vote each)"
    else:
        need = (
            f"at least {share} of the total weight ({_votes(section['quota'])} of "
            f"{_votes(section['total_votes'])})"
        )
    veto = section["veto"]
    if veto:
        holds = "holds a veto" if len(veto) == 1 else "each hold a veto"
        need += f", including {_names(veto, labels)}, who {holds}"
    n, agreed = section["replications"], section["agreements"]
    return [
        f"A deal passed when the agents who accepted it held {need}. "
        f"{plural(agreed, 'run')} of {n:,} reached an agreement; the coalition of a run is the "
        "group that accepted its first agreement."
    ]


def _table(section: dict, labels: dict[str, str]) -> list[str]:
    lines = [
        "| agent | weight | Shapley–Shubik power | Banzhaf power | share of the gains | outvoted |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, a in section["agents"].items():
        veto = " (veto)" if a["veto"] else ""
        share = "n/a" if a["gain_share"] is None else percent(a["gain_share"])
        outvoted = a["outvoted"]["estimate"]
        lines.append(
            f"| {labels[name]}{veto} | {_votes(a['weight'])} | {fixed(a['shapley_shubik'], 3)} | "
            f"{fixed(a['banzhaf'], 3)} | {share} | "
            f"{'n/a' if outvoted is None else percent(outvoted)} |"
        )
    return lines


def _reading_lines(section: dict) -> list[str]:
    lines = [
        "- **Voting power** is how often an agent's yes is decisive: it turns a group that could "
        "not pass a deal into one that can. Shapley–Shubik counts this over every order in which "
        "the agents could join; Banzhaf over every possible group. Each sums to 1 over the "
        "agents, and 0 means the agent's vote never decides anything, whatever its weight.",
        "- **Share of the gains**: of the average gain over the status quo (in runs that agreed) "
        "of all the agents who gained, the part that went to this agent; a negative share is a "
        "loss.",
        "- **Outvoted**: the share of agreements passed without this agent's acceptance.",
    ]
    mc = section.get("monte_carlo")
    if mc:
        worst = max(
            max(a["shapley_shubik_se"], a["banzhaf_se"]) for a in section["agents"].values()
        )
        lines.append(
            f"- With this many agents the power figures are estimates from "
            f"{mc['samples']:,} random orders and groups (seed {mc['seed']}), each within about "
            f"{fixed(2 * worst, 3)} of the exact value (two standard errors)."
        )
    if section["by"] == BY_COUNT:
        lines.append("- The rule counts agents, not weights: the weights do not affect power.")
    return lines


def _minimal_lines(section: dict, labels: dict[str, str]) -> list[str]:
    mwc = section["minimal_winning"]
    agreements = section["agreements"]
    allows = (
        " Their number is not known here."
        if mwc["count"] is None
        else f" The rule allows {mwc['count']:,} of them."
    )
    lines = [
        "A minimal winning coalition can pass a deal on its own and loses that power if any one "
        f"member leaves.{allows}"
    ]
    if not mwc["enumerated"]:
        lines[0] += f" They are not all listed: {mwc['note']}."
    elif mwc["listed"] != "all":
        lines[0] += " That is too many to list."
    which = "Each of them" if mwc["listed"] == "all" else "Those that formed"
    lines[0] += (
        f" {which}, and how often it formed exactly (its members accepted, no one else did):"
    )
    lines.append("")
    for c in mwc["coalitions"]:
        how = (
            "never"
            if not c["formed"]
            else f"{percent(c['share'])} of agreements ({plural(c['formed'], 'run')})"
        )
        lines.append(f"- {_names(c['members'], labels)} ({_votes(c['votes'])} votes): {how}.")
    if not mwc["coalitions"]:
        lines.append("- None of them formed exactly.")
    larger = agreements - mwc["formed_in_total"]
    if agreements and larger:
        lines.append(
            f"- Larger coalitions than needed (at least one member could have left without the "
            f"deal failing) passed {percent(larger / agreements)} of agreements."
        )
    losing = [f for f in section["formed"] if not f["winning"]]
    if losing:
        lines.append(
            f"- {sum(f['count'] for f in losing):,} agreements were accepted by a group the rule "
            "says cannot pass a deal. THIS IS A BUG, please report it."
        )
    return lines


def _comparison_lines(section: dict, labels: dict[str, str]) -> list[str]:
    gaps = {
        name: a["gain_share"] - a["shapley_shubik"]
        for name, a in section["agents"].items()
        if a["gain_share"] is not None
    }
    if not gaps:
        return []
    lines = [""]
    more = max(gaps, key=gaps.get)
    less = min(gaps, key=gaps.get)
    agents = section["agents"]
    if gaps[more] >= GAP:
        lines.append(
            f"{labels[more]} took more of the gains than its voting power alone would suggest "
            f"({_versus(agents[more])}): something besides votes, such as what it wants or how "
            "it bargains, helped it."
        )
    if gaps[less] <= -GAP:
        lines.append(
            f"{labels[less]} took less of the gains than its voting power would suggest "
            f"({_versus(agents[less])})."
        )
    if len(lines) == 1:
        lines.append(
            "Each agent's share of the gains is close to its voting power: votes explain who got "
            "what."
        )
    return lines


def _versus(agent: dict) -> str:
    return (
        f"{percent(agent['gain_share'])} of the gains against "
        f"{percent(agent['shapley_shubik'])} of the voting power by Shapley–Shubik"
    )
