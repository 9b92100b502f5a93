"""The simulation beside the theory, in numbers: how far the first session's agreements lie from
the Nash, weighted Nash, Kalai-Smorodinsky and utilitarian solutions of the same bargaining
problem, and from the Pareto frontier, for any number of agents.

Every replication's first-session agreement is compared with the solutions of the scenario's
bargaining problem: the feasible box of the red lines, the session floors as the disagreement
point, and uncertain numbers at their medians (so for a scenario without uncertain numbers,
each replication's own problem). The first session is the one whose status quo the theory starts
from. One analysis per scenario keeps the columns independent of how a run is batched.

The Monte Carlo engine adds :func:`theory_columns` to every batch's table, so this module sees a
batch and the run's estimates only through the small protocols below; the words and the figure
are in ``sim.outputs.theory``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from sim.scenario.errors import ScenarioError
from sim.scenario.spec import Scenario
from sim.theory.problem import feasible_box, with_medians
from sim.theory.ratifiable import two_level_section
from sim.theory.results import TheoryResult, analyse_scenario, distance_from, frontier_gap

SOLUTIONS = ("nash", "kalai_smorodinsky", "utilitarian")
#: Beside SOLUTIONS in every table; in summary.json only where the agents' weights differ (with
#: equal weights it is the Nash solution).
WEIGHTED = "weighted_nash"
_analyses: dict[int, tuple[Scenario, TheoryResult | None]] = {}


class Bargainer(Protocol):
    name: str

    def utility(self, packages: np.ndarray) -> np.ndarray: ...


class FinishedBatch(Protocol):
    """What the comparison reads of a batch of replications that has run (a ``NegotiationModel``)."""

    n: int
    scenario: Scenario
    state_agents: Sequence[Bargainer]
    first_agreement: np.ndarray  # (n, issues), NaN where the first session found no agreement


class Estimates(Protocol):
    """A run's estimates by column name (``sim.engine.stats.TableMoments``)."""

    def estimate(self, name: str) -> dict: ...


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


def theory_columns(
    model: FinishedBatch, tiles: Sequence[Scenario] | None = None
) -> dict[str, np.ndarray]:
    """Per replication: each agent's utility of the first session's agreement
    (``agreement_utility_<agent>``), its Euclidean distance in utility space from each solution
    (``distance_<solution>``, weighted Nash included) and its ``frontier_gap``
    (:data:`sim.theory.results.FRONTIER_GAP_MEANING`); NaN without an agreement. A tiled batch
    (a vectorised sweep) names its tiles' own scenarios in ``tiles``: its rows are cut into as
    many equal parts, each compared with its own scenario's solutions."""
    agents = model.state_agents
    agreed = model.first_agreement
    utility = np.column_stack([agent.utility(np.nan_to_num(agreed)) for agent in agents])
    utility[np.isnan(agreed).any(axis=1)] = np.nan
    columns = {f"agreement_utility_{agent.name}": utility[:, i] for i, agent in enumerate(agents)}
    tiles = [model.scenario] if tiles is None else list(tiles)
    size = model.n // len(tiles)
    parts = [
        _distances(scenario, agreed[p * size : (p + 1) * size]) for p, scenario in enumerate(tiles)
    ]
    return columns | {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _distances(scenario: Scenario, agreed: np.ndarray) -> dict[str, np.ndarray]:
    nan = np.full(len(agreed), np.nan)
    names = (*SOLUTIONS, WEIGHTED)
    result = scenario_theory(scenario)
    if result is None:
        return {f"distance_{name}": nan for name in names} | {"frontier_gap": nan}
    distances = distance_from(result, agreed)
    if result.weighted_nash is not None and WEIGHTED not in distances:
        distances[WEIGHTED] = distances["nash"]  # equal weights: the same solution
    columns = {
        f"distance_{name}": distances[name].utility if name in distances else nan for name in names
    }
    columns["frontier_gap"] = frontier_gap(result, agreed)
    return columns


def theory_summary(scenario: Scenario, moments: Estimates) -> dict:
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
    section["two_level"] = two_level_section(with_medians(scenario)[0])
    names = (*SOLUTIONS, WEIGHTED) if result.weights_differ else SOLUTIONS
    section["simulated"] = {
        f"distance_from_{name}": moments.estimate(f"distance_{name}") for name in names
    } | {"frontier_gap": moments.estimate("frontier_gap")}
    return section
