"""The simulation beside the theory in words: the "Theory beside the simulation" section of
report.md, from the ``theory`` section of summary.json (``sim.theory.comparison`` computes it;
the figure is :mod:`sim.outputs.theory_figure`, kept apart so that the report does not import
matplotlib)."""

from __future__ import annotations

from sim.outputs.formatting import ci, possessive
from sim.scenario.spec import Scenario

TITLES = {
    "nash": "Nash (1950) bargaining solution (maximises the product of both sides' gains)",
    "kalai_smorodinsky": "Kalai–Smorodinsky (1975) solution (gains in proportion to what each could hope for)",
    "utilitarian": "utilitarian optimum (the largest total utility)",
}
WEIGHTED_TITLE = (
    "weighted Nash solution (Harsanyi & Selten 1972; maximises the product of the gains, each "
    "raised to its side's weight: {weights})"
)
NAMES = {
    "nash": "Nash",
    "weighted_nash": "weighted Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "utilitarian": "utilitarian",
}


def _weights_differ(section: dict) -> bool:
    weights = section.get("weights") or {}
    return bool(section.get("weighted_nash")) and len(set(weights.values())) > 1


def _titles(section: dict, labels: dict[str, str]) -> dict[str, str]:
    """The solutions to describe, in order; the weighted Nash one only where the weights differ."""
    titles = dict(TITLES)
    if len(section["agents"]) > 2:
        titles["nash"] = titles["nash"].replace("both sides'", "every side's")
    if _weights_differ(section):
        weights = ", ".join(f"{labels[a]} {w:.3f}" for a, w in section["weights"].items())
        weighted = {"weighted_nash": WEIGHTED_TITLE.format(weights=weights)}
        titles = {"nash": titles.pop("nash"), **weighted, **titles}
    return titles


def theory_lines(scenario: Scenario, summary: dict) -> list[str]:
    """Plain words for report.md."""
    section = summary.get("theory") or {}
    if "error" in section:
        return ["## Theory beside the simulation", "", f"Not available: {section['error']}.", ""]
    labels = {agent.name: agent.label for agent in scenario.agents}
    d = section["disagreement"]
    lines = [
        "## Theory beside the simulation",
        "",
        f"Game theory predicts where rational bargainers over the same issues would settle, from "
        f"the disagreement point ({d['meaning']}: "
        + ", ".join(f"{labels[a]} {u:.3f}" for a, u in d["utility"].items())
        + "). For the first session:",
        "",
    ]
    for name, title in _titles(section, labels).items():
        lines.append(_solution_line(section, name, title, labels))
    gap = section["simulated"]["frontier_gap"]
    if gap.get("estimate") is not None and len(section["agents"]) > 2:
        efficient = (
            "efficient: no other package would have made every side better off"
            if gap["estimate"] < 1e-3
            else "not fully efficient: every side could have gained more"
        )
        lines.append(
            f"- Room left below the Pareto frontier: every side could have gained {gap['estimate']:.4f} "
            f"more utility at once, on average, so the agreements were {efficient}."
        )
    elif gap.get("estimate") is not None:
        efficient = (
            "efficient: no other package would have made one side better off without hurting the other"
            if gap["estimate"] < 1e-3
            else "not fully efficient: both sides could have gained more"
        )
        lines.append(
            f"- Distance below the Pareto frontier: {gap['estimate']:.4f} in utility on average, so the agreements were {efficient}."
        )
    rubinstein = section.get("rubinstein")
    if rubinstein:
        shares = ", ".join(f"{labels[a]} {x:.3f}" for a, x in rubinstein["share"].items())
        lines.append(
            f"- Rubinstein (1982): perfectly rational, impatient bargainers would split {shares} at once."
        )
    lines += two_level_lines(section.get("two_level"), labels)
    lines += [f"- Note: {note}." for note in section.get("notes", [])]
    return [*lines, ""]


def _solution_line(section: dict, name: str, title: str, labels: dict[str, str]) -> str:
    """Where one solution lies, and how far the simulated agreements were from it."""
    s = section.get(name)
    if s is None:
        return f"- The {title} does not exist here."
    sim = section["simulated"].get(f"distance_from_{name}", {})
    utilities = ", ".join(f"{labels[a]} {u:.3f}" for a, u in s["utility"].items())
    closeness = (
        f" The simulated agreements lie {sim['estimate']:.3f} from it in utility on average"
        + ci(sim, 3)
        + "."
        if sim.get("estimate") is not None
        else ""
    )
    return f"- The {title} gives {utilities}.{closeness}"


def two_level_lines(section: dict | None, labels: dict[str, str]) -> list[str]:
    """The two-level game beside the simulation: the solutions among the deals every ratifier
    takes, and the Schelling curve of a one-issue scenario."""
    if not section:
        return []
    if "note" in section:
        return [f"- Two-level game: {section['note']}."]
    edges = ", ".join(f"{labels[a]} {t:.2f}" for a, t in section["thresholds"].items())
    nash = section.get("nash")
    if nash is None:
        return [
            f"- Two-level game (ratification thresholds {edges}): no deal both ratifiers take"
            " leaves both sides at least their disagreement utility: theory expects no ratified deal."
        ]
    utilities = ", ".join(f"{labels[a]} {u:.3f}" for a, u in nash["utility"].items())
    lines = [
        f"- Two-level game (ratification thresholds {edges}): among the deals every ratifier"
        f" takes, the Nash solution gives {utilities}."
    ]
    for agent, curve in section.get("schelling", {}).items():
        points = [
            (t, u)
            for t, u in zip(curve["threshold"], curve["utility"], strict=True)
            if t in (0.3, 0.5, 0.6, 0.7, 0.8)
        ]
        shown = "; ".join(f"{t:.1f}: {'no deal' if u is None else f'{u:.3f}'}" for t, u in points)
        lines.append(
            f"- The Schelling effect (Schelling 1960): the narrower {possessive(labels[agent])} win-set, the more"
            f" theory gives it, until no deal can pass. Its Nash utility by ratification threshold:"
            f" {shown}."
        )
    return lines
