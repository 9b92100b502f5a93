"""Validation of an agent's domestic politics: its ratifier at home (``domestic``), its public
commitments (``commitments``) and declared red lines that are bluffs (Putnam 1988; Fearon 1994)."""

from __future__ import annotations

from sim.scenario.checker import Checker, show
from sim.scenario.distributions import Distribution
from sim.scenario.preferences import preferences_section
from sim.scenario.spec import Commitment, DomesticSpec


def domestic(c: Checker, node, path: str, issue_names) -> DomesticSpec:
    """``{threshold: 0.5, preferences: {issue: {ideal, salience}}}``; the preferences default to
    the agent's own."""
    c.mapping(node, path, required=("threshold",), optional=("preferences",))
    threshold = c.param(node["threshold"], f"{path}.threshold", 0.0, 1.0)
    if "preferences" not in node:
        return DomesticSpec(threshold=threshold)
    ideal, salience = preferences_section(
        c, node["preferences"], f"{path}.preferences", issue_names, whose="ratifier"
    )
    return DomesticSpec(threshold=threshold, ideal=ideal, salience=salience)


def commitments(c: Checker, node, path: str, issue_names, ideal) -> tuple[Commitment, ...]:
    """``{issue: {value: 0.4, audience_cost: 0.1, when: {trust_below: 0.5}}}``."""
    c.mapping(node, path, optional=issue_names)
    made = []
    for issue, entry in node.items():
        where = f"{path}.{issue}"
        c.mapping(entry, where, required=("value", "audience_cost"), optional=("when",))
        trust_below = None
        if "when" in entry:
            c.mapping(entry["when"], f"{where}.when", required=("trust_below",))
            trust_below = c.number(
                entry["when"]["trust_below"], f"{where}.when.trust_below", 0.0, 1.0
            )
        made.append(
            Commitment(
                issue=issue,
                value=_committed_value(c, entry["value"], f"{where}.value", ideal[issue]),
                audience_cost=c.number(entry["audience_cost"], f"{where}.audience_cost", 0.0, 1.0),
                trust_below=trust_below,
            )
        )
    return tuple(made)


def _committed_value(c: Checker, node, path: str, ideal) -> float:
    value = c.number(node, path, 0.0, 1.0)
    if isinstance(ideal, Distribution):
        c.fail(path, "a commitment needs the agent's ideal on its issue to be a fixed number")
    return value


def bluff(
    c: Checker, node, path: str, low: float, high: float, ideal
) -> tuple[tuple[float, float], Commitment]:
    """A declared red line tighter than the true one ``[low, high]``: ``declared: {max: 0.3,
    audience_cost: 0.1}`` (or ``min``): the others are told the declared bound; settling past it
    calls the bluff and costs the audience cost."""
    c.mapping(node, path, required=("audience_cost",), optional=("min", "max"))
    if ("min" in node) == ("max" in node):
        c.fail(path, "a bluff declares one bound, 'min' or 'max', tighter than the true red line")
    if isinstance(ideal, Distribution):
        c.fail(path, "a bluff needs the agent's ideal on its issue to be a fixed number")
    cost = c.number(node["audience_cost"], f"{path}.audience_cost", 0.0, 1.0)
    if "max" in node:
        bound = c.number(node["max"], f"{path}.max", 0.0, 1.0)
        if not ideal <= bound <= high:
            c.fail(
                f"{path}.max",
                f"a bluff lies between the ideal {ideal:g} and the true max {high:g} (got {bound:g})",
            )
        return (low, bound), Commitment("", bound, cost, bluff=True)
    bound = c.number(node["min"], f"{path}.min", 0.0, 1.0)
    if not low <= bound <= ideal:
        c.fail(
            f"{path}.min",
            f"a bluff lies between the true min {low:g} and the ideal {ideal:g} (got {bound:g})",
        )
    return (bound, high), Commitment("", bound, cost, bluff=True)


def declared_flag(c: Checker, node, path: str) -> bool:
    if node not in (True, False):
        c.fail(
            path, f"expected true, false or a bluff {{max or min, audience_cost}}, got {show(node)}"
        )
    return bool(node)
