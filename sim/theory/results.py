"""Everything theory says about a scenario or a batch of replications, and how far simulated
agreements lie from it (pure functions and frozen results).

Entry points: :func:`analyse_scenario` for a scenario with fixed numbers
(:func:`sim.theory.problem.with_medians` fixes uncertain ones) gives a :class:`TheoryResult`
(``to_dict()`` for summary.json); :func:`analyse_replications` solves each replication's drawn
problem; :func:`distance_from` and :func:`frontier_gap` measure agreed packages against either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
)
from sim.theory.frontier import Frontier, rational_levels, scenario_frontier
from sim.theory.problem import DISAGREEMENT_MEANING, disagreement_point
from sim.theory.rubinstein import (
    RubinsteinSolution,
    rubinstein_not_defined,
    rubinstein_solution,
)


@dataclass(frozen=True, eq=False)
class SolutionDistance:
    """Per replication, Euclidean distances from one solution: in (U_a, U_b) and in issue values."""

    utility: np.ndarray
    issues: np.ndarray


@dataclass(frozen=True, eq=False)
class TheoryResult:
    """The bargaining problem of a scenario and its classic solutions (None: no solution, see
    ``notes``). Utilities are (U_a, U_b) in ``agents`` order; packages follow ``issues``."""

    scenario: str
    issues: tuple[str, ...]
    agents: tuple[str, str]
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
    frontier: Frontier = field(repr=False)

    @property
    def solutions(self) -> dict[str, Solution]:
        found = (self.nash, self.kalai_smorodinsky, self.utilitarian, self.rubinstein)
        return {s.name: s for s in found if s is not None}

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of packages (R, I) -> (R, 2)."""
        return self.frontier.utility(packages)

    def gap(self, packages) -> np.ndarray:
        return self.frontier.gap(packages)

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

        return {
            "scenario": self.scenario,
            "agents": list(self.agents),
            "issues": list(self.issues),
            "feasible_set": {"low": by_issue(self.box.low), "high": by_issue(self.box.high)},
            "disagreement": {
                "kind": self.disagreement,
                "meaning": DISAGREEMENT_MEANING[self.disagreement],
                "utility": by_agent(self.disagreement_utility),
            },
            "ideal_utility": None if self.ideal_utility is None else by_agent(self.ideal_utility),
            "frontier": {
                "utility": dict(zip(self.agents, self.frontier_utility.T.tolist(), strict=True)),
                "package": dict(zip(self.issues, self.frontier_packages.T.tolist(), strict=True)),
            },
            "nash": solution(self.nash),
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
            utility=np.linalg.norm(utility - s.utility, axis=-1),
            issues=np.linalg.norm(packages - s.package, axis=-1),
        )
        for name, s in theory.solutions.items()
    }


def frontier_gap(theory: TheoryResult | ReplicationTheory, packages) -> np.ndarray:
    """Per replication, ``U_b`` on the frontier at the package's ``U_a`` minus ``U_b`` of the
    package: 0 for an efficient agreement, and never less than its distance to the frontier."""
    return theory.gap(packages)
