"""Validation of a preferences section: an ideal and a salience for every issue (an agent's, or
its domestic ratifier's)."""

from __future__ import annotations

from sim.scenario.checker import Checker
from sim.scenario.distributions import Distribution
from sim.scenario.errors import suggest


def preferences_section(c: Checker, node, path: str, issue_names, whose: str = "agent"):
    """Ideals and saliences for every issue, the saliences normalised to sum to 1 when fixed
    (per replication when drawn); ``whose`` names the holder in messages (the agent, a
    ratifier)."""
    c.names(node, path)
    ideal, weight = {}, {}
    for issue, entry in node.items():
        where = f"{path}.{issue}"
        if issue not in issue_names:
            c.fail(where, f"unknown issue '{issue}'{suggest(issue, issue_names)}")
        c.mapping(entry, where, required=("ideal", "salience"))
        ideal[issue] = c.param(entry["ideal"], f"{where}.ideal", 0.0, 1.0)
        weight[issue] = c.param(entry["salience"], f"{where}.salience", 0.0)
    missing = [issue for issue in issue_names if issue not in node]
    if missing:
        c.fail(
            f"{path}.{missing[0]}",
            "missing required field (every issue needs an ideal and a salience)",
        )
    most = sum(w.support()[1] if isinstance(w, Distribution) else w for w in weight.values())
    if most <= 0:
        c.fail(path, f"saliences are all zero: at least one issue must matter to the {whose}")
    if any(isinstance(w, Distribution) for w in weight.values()):
        return ideal, weight  # normalised per replication when drawn
    return ideal, {issue: w / most for issue, w in weight.items()}
