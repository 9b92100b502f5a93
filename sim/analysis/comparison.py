"""The simulation beside the theory: how far the first session's agreements lie from the Nash,
Kalai-Smorodinsky and utilitarian solutions of the same bargaining problem, and from the Pareto
frontier.

Every replication's first-session agreement is compared with the solutions of the scenario's
bargaining problem: the feasible box of the red lines, the session floors as the disagreement
point, and uncertain numbers at their medians (so for a scenario without uncertain numbers,
each replication's own problem). The first session is the one whose status quo the theory starts
from. One analysis per scenario keeps the columns independent of how a run is batched.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.engine.stats import TableMoments  # noqa: E402
from sim.outputs.figures import save_figure  # noqa: E402
from sim.scenario.errors import ScenarioError  # noqa: E402
from sim.scenario.spec import Scenario  # noqa: E402
from sim.theory.problem import feasible_box, with_medians  # noqa: E402
from sim.theory.results import (  # noqa: E402
    TheoryResult,
    analyse_scenario,
    distance_from,
    frontier_gap,
)

SOLUTIONS = ("nash", "kalai_smorodinsky", "utilitarian")
_analyses: dict[int, tuple[Scenario, TheoryResult | None]] = {}


def scenario_theory(scenario: Scenario) -> TheoryResult | None:
    """The theory of ``scenario`` (medians for uncertain numbers), computed once per process;
    None when it has none (e.g. red lines that leave no feasible package)."""
    cached = _analyses.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    try:
        result = analyse_scenario(with_medians(scenario)[0])
    except (ScenarioError, ValueError, TypeError):
        result = None
    if len(_analyses) > 8:
        _analyses.clear()
    _analyses[id(scenario)] = (scenario, result)
    return result


def theory_columns(model) -> dict[str, np.ndarray]:
    """Per-replication distances of the first session's agreement from each solution."""
    a, b = model.state_agents
    agreed = model.first_agreement
    utility = np.column_stack([a.utility(np.nan_to_num(agreed)), b.utility(np.nan_to_num(agreed))])
    utility[np.isnan(agreed).any(axis=1)] = np.nan
    columns = {f"agreement_utility_{agent.name}": utility[:, i] for i, agent in enumerate((a, b))}
    nan = np.full(model.n, np.nan)
    result = scenario_theory(model.scenario)
    if result is None:
        return columns | {f"distance_{name}": nan for name in SOLUTIONS} | {"frontier_gap": nan}
    distances = distance_from(result, agreed)
    for name in SOLUTIONS:
        columns[f"distance_{name}"] = distances[name].utility if name in distances else nan
    columns["frontier_gap"] = frontier_gap(result, agreed)
    return columns


def theory_summary(scenario: Scenario, moments: TableMoments) -> dict:
    """The ``theory`` section of summary.json."""
    _, medians = with_medians(scenario)
    result = scenario_theory(scenario)
    if result is None:
        try:
            feasible_box(scenario)
        except ScenarioError as exc:
            return {"error": exc.problem}
        return {"error": "the scenario's bargaining problem could not be analysed"}
    section = result.to_dict()
    if medians:
        section["notes"].append(
            "uncertain numbers set to their medians for this section: " + ", ".join(medians)
        )
    section["simulated"] = {
        f"distance_from_{name}": moments.estimate(f"distance_{name}") for name in SOLUTIONS
    } | {"frontier_gap": moments.estimate("frontier_gap")}
    return section


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
    for name, title in (
        ("nash", "Nash (1950) bargaining solution (maximises the product of both sides' gains)"),
        (
            "kalai_smorodinsky",
            "Kalai–Smorodinsky (1975) solution (gains in proportion to what each could hope for)",
        ),
        ("utilitarian", "utilitarian optimum (the largest total utility)"),
    ):
        s = section.get(name)
        sim = section["simulated"][f"distance_from_{name}"]
        if s is None:
            lines.append(f"- The {title} does not exist here.")
            continue
        utilities = ", ".join(f"{labels[a]} {u:.3f}" for a, u in s["utility"].items())
        closeness = (
            f" The simulated agreements lie {sim['estimate']:.3f} from it in utility on average"
            + (f" (95% CI {sim['ci95'][0]:.3f}–{sim['ci95'][1]:.3f})" if sim.get("ci95") else "")
            + "."
            if sim.get("estimate") is not None
            else ""
        )
        lines.append(f"- The {title} gives {utilities}.{closeness}")
    gap = section["simulated"]["frontier_gap"]
    if gap.get("estimate") is not None:
        efficient = (
            "efficient: no other package would have made one side better off without hurting the other"
            if gap["estimate"] < 1e-3
            else "not fully efficient: both sides could have gained more"
        )
        lines.append(
            f"- Distance below the Pareto frontier: {gap['estimate']:.4f} on average, so the agreements were {efficient}."
        )
    rubinstein = section.get("rubinstein")
    if rubinstein:
        shares = ", ".join(f"{labels[a]} {x:.3f}" for a, x in rubinstein["share"].items())
        lines.append(
            f"- Rubinstein (1982): perfectly rational, impatient bargainers would split {shares} at once."
        )
    lines += [f"- Note: {note}." for note in section.get("notes", [])]
    return [*lines, ""]


def utility_space_figure(scenario: Scenario, summary: dict, sample, path: Path) -> Path | None:
    """Frontier, disagreement point, solutions and the cloud of simulated agreements."""
    section = summary.get("theory") or {}
    if "frontier" not in section:
        return None
    a, b = section["agents"]
    labels = {agent.name: agent.label for agent in scenario.agents}
    fig, ax = plt.subplots(figsize=(6, 5.2))
    frontier = section["frontier"]["utility"]
    ax.plot(frontier[a], frontier[b], color="black", lw=1.5, label="Pareto frontier")
    if sample is not None and f"agreement_utility_{a}" in sample:
        ax.scatter(
            sample[f"agreement_utility_{a}"],
            sample[f"agreement_utility_{b}"],
            s=6,
            alpha=0.25,
            color="#7f8c8d",
            label="simulated agreements (session 1)",
        )
    d = section["disagreement"]["utility"]
    ax.scatter(
        [d[a]],
        [d[b]],
        marker="s",
        color="#c0392b",
        s=50,
        label=f"disagreement point ({section['disagreement']['kind']})",
        zorder=3,
    )
    for name, marker, colour in (
        ("nash", "*", "#1f5fa8"),
        ("kalai_smorodinsky", "D", "#2e7d32"),
        ("utilitarian", "^", "#8e44ad"),
    ):
        s = section.get(name)
        if s:
            ax.scatter(
                [s["utility"][a]],
                [s["utility"][b]],
                marker=marker,
                s=120,
                color=colour,
                label=name.replace("_", "–").title(),
                zorder=4,
            )
    ax.set_xlabel(f"utility of {labels[a]}")
    ax.set_ylabel(f"utility of {labels[b]}")
    ax.set_title(f"{scenario.name}: utility space", fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return save_figure(fig, path)
