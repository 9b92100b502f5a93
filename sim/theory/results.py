"""Everything theory says about a scenario or a batch of replications, and how far simulated
agreements lie from it (pure functions and frozen results).

Entry points: :func:`analyse_scenario` for a scenario with fixed numbers
(:func:`sim.theory.problem.with_medians` fixes uncertain ones) gives a :class:`TheoryResult`
(``to_dict()`` for summary.json); :func:`analyse_replications` solves each replication's drawn
problem (two agents); :func:`distance_from` and :func:`frontier_gap` measure agreed packages
against either.

Two agents are solved along their one-dimensional frontier (:mod:`sim.theory.axiomatic`); three
or more over packages (:mod:`sim.theory.many`), where the frontier is a surface: no frontier is
sampled, and the frontier gap is the Pareto gap of :mod:`sim.theory.many` (the most every agent
could gain at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core import rowwise
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.spec import Scenario
from sim.theory.axiomatic import (
    SOLVERS,
    Solution,
    ideal_point,
    kalai_smorodinsky_solution,
    nash_product,
    nash_solution,
    utilitarian_solution,
    weighted_nash_solution,
)
from sim.theory.frontier import Frontier, rational_levels, scenario_frontier
from sim.theory.many import pareto_gap, solve
from sim.theory.package_space import PackageSpace
from sim.theory.problem import (
    DISAGREEMENT_MEANING,
    agent_preferences,
    disagreement_point,
    feasible_box,
)
from sim.theory.rubinstein import (
    RubinsteinSolution,
    rubinstein_not_defined,
    rubinstein_solution,
)

FRONTIER_GAP_MEANING = {
    2: "how much more the second agent could get on the Pareto frontier while the first keeps "
    "its utility (0: efficient)",
    3: "the most every agent could have gained at once: the largest amount of utility that some "
    "feasible package adds for every agent (0: efficient)",
}


@dataclass(frozen=True, eq=False)
class SolutionDistance:
    """Per replication, Euclidean distances from one solution: in the agents' utilities and in
    issue values."""

    utility: np.ndarray
    issues: np.ndarray


@dataclass(frozen=True, eq=False)
class TheoryResult:
    """The bargaining problem of a scenario and its classic solutions (None: no solution, see
    ``notes``). Utilities are (U_1, ..., U_n) in ``agents`` order; packages follow ``issues``.

    Two agents: ``frontier`` is their Pareto frontier, sampled in ``frontier_packages`` and
    ``frontier_utility``. More: ``frontier`` is None and the samples are empty (the frontier is a
    surface); ``space`` solves over packages. ``weights``: the agents' weights normalised to sum
    to 1, the weighted Nash solution's exponents.
    """

    scenario: str
    issues: tuple[str, ...]
    agents: tuple[str, ...]
    box: RedLines
    disagreement: str
    disagreement_utility: np.ndarray
    frontier_packages: np.ndarray
    frontier_utility: np.ndarray
    ideal_utility: np.ndarray | None
    nash: Solution | None
    kalai_smorodinsky: Solution | None
    utilitarian: Solution | None
    rubinstein: RubinsteinSolution | None
    notes: tuple[str, ...]
    frontier: Frontier | None = field(repr=False)
    weighted_nash: Solution | None = None
    weights: np.ndarray | None = None
    space: PackageSpace | None = field(default=None, repr=False)

    @property
    def weights_differ(self) -> bool:
        """Whether the weighted Nash solution is a solution of its own (else it is Nash's)."""
        return self.weights is not None and bool(np.ptp(self.weights) > 0)

    @property
    def solutions(self) -> dict[str, Solution]:
        """The solutions that exist, the weighted Nash solution only where the weights differ."""
        weighted = self.weighted_nash if self.weights_differ else None
        found = (self.nash, weighted, self.kalai_smorodinsky, self.utilitarian, self.rubinstein)
        return {s.name: s for s in found if s is not None}

    def utility(self, packages) -> np.ndarray:
        """(U_1, ..., U_n) of packages (R, I) -> (R, n)."""
        if self.frontier is not None:
            return self.frontier.utility(packages)
        return self.space.utility(packages)  # type: ignore[union-attr]

    def gap(self, packages) -> np.ndarray:
        """Per package, how far below the Pareto frontier it lies (``FRONTIER_GAP_MEANING``)."""
        if self.frontier is not None:
            return self.frontier.gap(packages)
        return pareto_gap(self.space, packages)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Plain floats, lists and dicts only (for summary.json)."""

        def by_agent(values) -> dict[str, float]:
            return {name: float(x) for name, x in zip(self.agents, values, strict=True)}

        def by_issue(values) -> dict[str, float]:
            return {name: float(x) for name, x in zip(self.issues, values, strict=True)}

        def solution(s: Solution | None) -> dict[str, Any] | None:
            if s is None:
                return None
            out = {
                "package": by_issue(s.package),
                "utility": by_agent(s.utility),
                "gain": by_agent(s.utility - self.disagreement_utility),
                "nash_product": float(nash_product(s.utility, self.disagreement_utility)),
            }
            if isinstance(s, RubinsteinSolution):
                out |= {
                    "proposer": s.proposer,
                    "responder": s.responder,
                    "share": {s.proposer: s.proposer_share, s.responder: s.responder_share},
                    "inside_red_lines": s.inside_red_lines,
                }
            return out

        frontier = None
        if self.frontier is not None:
            frontier = {
                "utility": dict(zip(self.agents, self.frontier_utility.T.tolist(), strict=True)),
                "package": dict(zip(self.issues, self.frontier_packages.T.tolist(), strict=True)),
            }
        return {
            "scenario": self.scenario,
            "agents": list(self.agents),
            "weights": None if self.weights is None else by_agent(self.weights),
            "issues": list(self.issues),
            "feasible_set": {"low": by_issue(self.box.low), "high": by_issue(self.box.high)},
            "disagreement": {
                "kind": self.disagreement,
                "meaning": DISAGREEMENT_MEANING[self.disagreement],
                "utility": by_agent(self.disagreement_utility),
            },
            "ideal_utility": None if self.ideal_utility is None else by_agent(self.ideal_utility),
            "frontier": frontier,
            "frontier_gap_meaning": FRONTIER_GAP_MEANING[min(len(self.agents), 3)],
            "nash": solution(self.nash),
            "weighted_nash": solution(self.weighted_nash),
            "kalai_smorodinsky": solution(self.kalai_smorodinsky),
            "utilitarian": solution(self.utilitarian),
            "rubinstein": solution(self.rubinstein),
            "notes": list(self.notes),
        }


def analyse_scenario(
    scenario: Scenario, disagreement: str | None = None, frontier_points: int = 101
) -> TheoryResult:
    """The feasible set, disagreement point, frontier and every solution for ``scenario``.

    Raises :class:`~sim.scenario.errors.ScenarioError` when the red lines leave no feasible package.
    """
    if len(scenario.agents) > 2:
        return _analyse_many(scenario, disagreement)
    frontier = scenario_frontier(scenario)
    kind, d = disagreement_point(scenario, disagreement)
    packages, utility = frontier.sample(frontier_points)
    notes = []
    levels = rational_levels(frontier, d)
    if levels is None:
        notes.append(
            "no feasible package gives both agents at least their disagreement utility: "
            "Nash, Kalai-Smorodinsky and utilitarian solutions do not exist"
        )
    why_not = rubinstein_not_defined(scenario)
    rubinstein = rubinstein_solution(scenario)
    if why_not:
        notes.append(why_not)
    elif rubinstein is not None and not rubinstein.inside_red_lines:
        notes.append("the Rubinstein (1982) split crosses a red line: it assumes none")
    return TheoryResult(
        scenario=scenario.name,
        issues=scenario.issue_names,
        agents=(scenario.agents[0].name, scenario.agents[1].name),
        box=frontier.box,
        disagreement=kind,
        disagreement_utility=d,
        frontier_packages=packages,
        frontier_utility=utility,
        ideal_utility=ideal_point(frontier, d, levels=levels),
        nash=nash_solution(frontier, d, levels=levels),
        kalai_smorodinsky=kalai_smorodinsky_solution(frontier, d, levels=levels),
        utilitarian=utilitarian_solution(frontier, d, levels=levels),
        rubinstein=rubinstein,
        notes=tuple(notes),
        frontier=frontier,
        weighted_nash=_weighted_nash(frontier, d, levels, scenario.weights),
        weights=np.asarray(scenario.weights, dtype=float) / sum(scenario.weights),
        space=PackageSpace((frontier.a, frontier.b), frontier.box),
    )


def _weighted_nash(frontier: Frontier, d, levels, weights) -> Solution | None:
    if len(set(weights)) > 1:
        return weighted_nash_solution(frontier, d, weights, levels=levels)
    nash = nash_solution(frontier, d, levels=levels)  # equal weights: Nash's own solution
    return None if nash is None else Solution("weighted_nash", nash.package, nash.utility)


def _analyse_many(scenario: Scenario, disagreement: str | None) -> TheoryResult:
    """Three or more agents: every solution over packages (:mod:`sim.theory.many`)."""
    box = feasible_box(scenario)
    space = PackageSpace(
        [agent_preferences(a, scenario.issue_names, scenario.source) for a in scenario.agents],
        box,
    )
    kind, d = disagreement_point(scenario, disagreement)
    found = solve(space, d, scenario.weights)
    notes = [
        f"with {len(scenario.agents)} agents the efficient packages form a surface, not a curve: "
        "the frontier gap is the most every agent could have gained at once"
    ]
    if found["rational"] is None:
        notes.append(
            "no feasible package gives every agent at least its disagreement utility: Nash, "
            "weighted Nash, Kalai-Smorodinsky and utilitarian solutions do not exist"
        )
    notes.append(rubinstein_not_defined(scenario) or "")
    return TheoryResult(
        scenario=scenario.name,
        issues=scenario.issue_names,
        agents=scenario.agent_names,
        box=box,
        disagreement=kind,
        disagreement_utility=d,
        frontier_packages=np.empty((0, len(scenario.issues))),
        frontier_utility=np.empty((0, len(scenario.agents))),
        ideal_utility=found["ideal_utility"],
        nash=found["nash"],
        kalai_smorodinsky=found["kalai_smorodinsky"],
        utilitarian=found["utilitarian"],
        rubinstein=None,
        notes=tuple(note for note in notes if note),
        frontier=None,
        weighted_nash=found["weighted_nash"],
        weights=np.asarray(scenario.weights, dtype=float) / sum(scenario.weights),
        space=space,
    )


# ---------------------------------------------------------------------------------------------
# Replications with their own parameters, and distances for the per-replication table


@dataclass(frozen=True, eq=False)
class ReplicationTheory:
    """Solutions for every replication of a batch whose numbers were drawn per replication:
    each :class:`Solution` holds packages (R, I) and utilities (R, 2), NaN where it does not
    exist. Replications that drew the same problem share one entry of ``frontiers``."""

    disagreement_utility: np.ndarray
    ideal_utility: np.ndarray
    solutions: dict[str, Solution]
    frontiers: tuple[Frontier, ...] = field(repr=False)
    problem: np.ndarray = field(repr=False)  # (R,) index into frontiers

    def _per_problem(self, packages, method: str, width: tuple[int, ...]) -> np.ndarray:
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        out = np.full((len(packages), *width), np.nan)
        for k, frontier in enumerate(self.frontiers):
            rows = self.problem == k
            out[rows] = getattr(frontier, method)(packages[rows])
        return out

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of each replication's package under its own preferences -> (R, 2)."""
        return self._per_problem(packages, "utility", (2,))

    def gap(self, packages) -> np.ndarray:
        return self._per_problem(packages, "gap", ())


def analyse_replications(
    a: Preferences, b: Preferences, box: RedLines, d: np.ndarray
) -> ReplicationTheory:
    """Nash, Kalai-Smorodinsky and utilitarian solutions per replication, for preferences with R
    rows (e.g. the model's drawn ``agent.preferences``), the scenario's :func:`~sim.theory.problem.feasible_box`
    and disagreement points ``d`` (R, 2) (see :func:`~sim.theory.problem.disagreement_utility`). Each distinct problem
    is solved once, so a scenario without uncertain numbers costs one solution."""
    d = np.broadcast_to(np.asarray(d, dtype=float), (len(a.ideal), 2))
    rows = np.column_stack(
        [a.ideal, a.salience, np.broadcast_to(a.risk, len(a.ideal))]
        + [b.ideal, b.salience, np.broadcast_to(b.risk, len(a.ideal)), d]
    )
    if (rows == rows[:1]).all():  # one problem for every replication: skip the sort
        first, problem = np.array([0]), np.zeros(len(rows), dtype=int)
    else:
        _, first, problem = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        problem = problem.reshape(-1)
    n, n_issues = len(problem), a.ideal.shape[1]
    packages = {name: np.full((n, n_issues), np.nan) for name in SOLVERS}
    utilities = {name: np.full((n, 2), np.nan) for name in SOLVERS}
    ideal = np.full((n, 2), np.nan)
    frontiers = []
    for k, r in enumerate(first):
        pick = slice(r, r + 1)
        one_a = Preferences(a.ideal[pick], a.salience[pick], a.shape, a.risk[pick])
        one_b = Preferences(b.ideal[pick], b.salience[pick], b.shape, b.risk[pick])
        frontier = Frontier(one_a, one_b, box)
        frontiers.append(frontier)
        mine = problem == k
        levels = rational_levels(frontier, d[r])
        found = ideal_point(frontier, d[r], levels=levels)
        if found is not None:
            ideal[mine] = found
        for name, solver in SOLVERS.items():
            solution = solver(frontier, d[r], levels=levels)
            if solution is not None:
                packages[name][mine] = solution.package
                utilities[name][mine] = solution.utility
    return ReplicationTheory(
        disagreement_utility=d.copy(),
        ideal_utility=ideal,
        solutions={name: Solution(name, packages[name], utilities[name]) for name in SOLVERS},
        frontiers=tuple(frontiers),
        problem=problem,
    )


def distance_from(
    theory: TheoryResult | ReplicationTheory, packages
) -> dict[str, SolutionDistance]:
    """Per replication, how far agreed packages (R, I) lie from each solution, in utility space
    (U_a, U_b) and in issue space. Rows of NaN (no agreement) give NaN."""
    packages = np.atleast_2d(np.asarray(packages, dtype=float))
    utility = theory.utility(packages)
    return {
        name: SolutionDistance(
            utility=_norm(utility - s.utility), issues=_norm(packages - s.package)
        )
        for name, s in theory.solutions.items()
    }


def _norm(x: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(x, axis=-1)`` bit for bit (the square root of numpy's sum of squares),
    the squares summed by columns: numpy sums a short last axis row by row, slowly."""
    return np.sqrt(rowwise.sum_(x * x))


def frontier_gap(theory: TheoryResult | ReplicationTheory, packages) -> np.ndarray:
    """Per replication, ``U_b`` on the frontier at the package's ``U_a`` minus ``U_b`` of the
    package: 0 for an efficient agreement, and never less than its distance to the frontier."""
    return theory.gap(packages)
