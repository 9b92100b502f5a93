"""What the agents believed and learned, in numbers and plain words: each agent's opponent model
and acceptance condition, how well its model knew the others at the end (the correlation of
believed and true utility, Baarslag et al. 2013), the share of the others' red-line regions it
had found, and the red lines declared (the ``learning`` section of summary.json and the "What
the sides knew of each other" section of report.md)."""

from __future__ import annotations

from sim.engine.stats import TableMoments
from sim.outputs.formatting import estimate, listed
from sim.scenario.spec import Scenario

MODEL_WORDS = {
    "oracle": "knew the others' true preferences but not their private red lines",
    "frequency": "learned the others' priorities from how their offers changed (frequency model)",
    "bayesian": "learned the others' ideals, priorities and red lines from their offers and"
    " rejections (Bayesian model)",
}


def learning_summary(scenario: Scenario, m: TableMoments) -> dict | None:
    """The ``learning`` section: None when every agent plays the defaults (the oracle, today's
    acceptance rule) and no red line is declared."""
    agents = scenario.agents
    plain = all(a.opponent_model == "oracle" and a.acceptance == "aspiration" for a in agents)
    if plain and not any(a.declared for a in agents):
        return None
    section: dict = {"agents": {}, "declared_red_lines": {}}
    for agent in agents:
        entry = {"opponent_model": agent.opponent_model, "acceptance": agent.acceptance}
        for key in ("accuracy", "red_lines_found"):
            column = f"{key}_{agent.name}"
            if column in m.columns and m.columns[column].n:
                entry[key] = m.estimate(column)
        section["agents"][agent.name] = entry
        if agent.declared:
            section["declared_red_lines"][agent.name] = list(agent.declared)
    return section


def learning_lines(scenario: Scenario, summary: dict) -> list[str]:
    """report.md's section on beliefs; none when the summary has no ``learning`` section."""
    section = summary.get("learning")
    if not section:
        return []
    labels = {a.name: a.label for a in scenario.agents}
    lines = ["## What the sides knew of each other", ""]
    for name, entry in section["agents"].items():
        words = MODEL_WORDS.get(
            entry["opponent_model"], f"used the {entry['opponent_model']} model"
        )
        line = (
            f"- **{labels[name]}** {words}; it accepted offers by the `{entry['acceptance']}` rule."
        )
        accuracy = entry.get("accuracy")
        if (
            accuracy
            and accuracy.get("estimate") is not None
            and entry["opponent_model"] != "oracle"
        ):
            line += (
                f" By the end its beliefs matched the others' true preferences with a correlation of"
                f" {estimate(accuracy, digits=2)} (1 = exactly)."
            )
        found = entry.get("red_lines_found")
        if found and found.get("estimate") is not None:
            line += (
                f" It had found {100 * found['estimate']:.0f}% of the ground the others' red lines"
                " rule out."
            )
        lines.append(line)
    declared = section.get("declared_red_lines") or {}
    for name, issues in declared.items():
        lines.append(
            f"- {labels[name]} declared its red line on {listed(issues)} in public: the others"
            " knew it from the start and kept their offers inside it."
        )
    return [*lines, ""]
