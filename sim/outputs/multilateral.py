"""Talks among more than two sides in plain words: the ratification rule, who accepted the
agreements and who was outvoted (the "Who accepted" section of report.md), read from the
``ratification`` section of summary.json and each agent's ``accepted_when_agreed`` and
``outvoted`` (``sim.outputs.summary``)."""

from __future__ import annotations

import math

from sim.outputs.formatting import estimate, listed, plural, rate
from sim.scenario.spec import BY_WEIGHT, Scenario

# Past this many sides, sentences say "the 12 sides" instead of naming every one.
NAMED = 5


def multilateral(scenario: Scenario) -> bool:
    """Whether the report says who accepted: more than two sides, or a rule other than
    unanimity."""
    return len(scenario.agents) > 2 or not scenario.negotiation.ratification.unanimous


def sides(scenario: Scenario) -> str:
    """The sides by name (``'Canada, Mexico and the United States'``), or ``'the 12 sides'``."""
    labels = [agent.label for agent in scenario.agents]
    return listed(labels) if len(labels) <= NAMED else f"the {len(labels)} sides"


def _number(x: float) -> str:
    return f"{x:g}"


def rule_words(scenario: Scenario) -> str:
    """The ratification rule in words: ``'unanimity: every side must accept'``, ``'a qualified
    majority of 65% of the weights, with China holding a veto'``."""
    rule = scenario.negotiation.ratification
    n = len(scenario.agents)
    if rule.unanimous:
        return f"unanimity: {'both sides' if n == 2 else f'all {n} sides'} must accept"
    share = f"{100 * rule.threshold:.4g}%"
    if rule.by == BY_WEIGHT:
        text = f"a qualified majority of {share} of the weights"
    else:
        needed = math.ceil(rule.threshold * n - 1e-9)
        text = f"a qualified majority of {share} of the {n} sides (at least {needed} of them)"
    vetoes = [scenario.agent(name).label for name in rule.veto]
    if len(vetoes) == 1:
        text += f", with {vetoes[0]} holding a veto"
    elif vetoes:
        text += f", with {listed(vetoes)} each holding a veto"
    return text


def _weights(scenario: Scenario) -> str:
    """``' (weights: Canada 1, Mexico 1, the United States 2)'`` when weights count."""
    rule = scenario.negotiation.ratification
    if rule.unanimous or rule.by != BY_WEIGHT:
        return ""
    weights = ", ".join(f"{a.label} {_number(a.weight)}" for a in scenario.agents)
    return f" (weights: {weights})"


def agreement_line(scenario: Scenario, summary: dict) -> str:
    """The headline's first line: who reached an agreement, how often."""
    if scenario.negotiation.ratification.unanimous:
        return (
            f"- {sides(scenario)} reached at least one agreement in "
            f"{rate(summary['agreement_rate'])} of runs."
        )
    return (
        f"- At least one agreement among {sides(scenario)} was ratified by a qualified majority "
        f"in {rate(summary['agreement_rate'])} of runs."
    )


def ratification_lines(scenario: Scenario, summary: dict) -> list[str]:
    """The "Who accepted" section of report.md: the rule, how many sides accepted the first
    agreement, and per side how often it accepted and how often it was outvoted. None for two
    sides under unanimity, where every agreement is accepted by both."""
    section = summary.get("ratification")
    if not multilateral(scenario) or not section:
        return []
    n = len(scenario.agents)
    lines = [
        "## Who accepted",
        "",
        f"The rule is {rule_words(scenario)}{_weights(scenario)}. Whatever the rule, a package "
        "that crosses any side's red line is never ratified: a red line is always a veto.",
        "",
    ]
    size = section.get("coalition_size") or {}
    if size.get("estimate") is None:
        return [*lines, "No run reached an agreement, so no side accepted one.", ""]
    lines.append(
        f"- When talks reached an agreement (in {rate(summary['agreement_rate'])} of runs), "
        f"{estimate(size, 2)} of the {n} sides accepted the run's first agreement on average."
    )
    if scenario.negotiation.ratification.unanimous:
        lines.append(
            "- Under unanimity no side can be outvoted: every agreement was accepted by all "
            f"{n} sides, and any one of them could block a deal by saying no."
        )
        return [*lines, ""]
    outvoted = {}
    for agent in scenario.agents:
        votes = summary["agents"][agent.name]
        if "accepted_when_agreed" not in votes:
            continue
        share = votes["outvoted"]
        outvoted[agent.label] = share["estimate"] or 0.0
        lines.append(
            f"- {agent.label} accepted the first agreement in "
            f"{rate(votes['accepted_when_agreed'])} of the runs that reached one, and was "
            f"outvoted (the agreement ratified without it) in {rate(share)} of all runs."
        )
    never = [label for label, share in outvoted.items() if share == 0]
    if outvoted and len(never) < len(outvoted):
        most = max(outvoted, key=outvoted.get)
        lines.append(
            f"- Outvoted most often: {most}. "
            + (
                f"Never outvoted: {listed(never)}."
                if never
                else f"Every one of the {plural(n, 'side')} was outvoted in some run."
            )
        )
    return [*lines, ""]
