"""Bargaining theory for the API: :func:`solve` is ``negsim-theory`` as pandas objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.api.loading import ScenarioLike, load
from sim.cli.theory import predictions
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.spec import Scenario
from sim.theory.problem import DISAGREEMENT_POINTS, with_medians
from sim.theory.results import TheoryResult, analyse_scenario


@dataclass(frozen=True, eq=False)
class Theory:
    """What bargaining theory predicts for a scenario (Nash 1950, Kalai-Smorodinsky 1975,
    utilitarian; Rubinstein 1982 for one issue), with uncertain numbers at their medians.

    ``packages``: issue values per solution; ``utilities``: each agent's utility per solution
    (and at the disagreement point); ``result``: everything, including the Pareto frontier
    (two agents; for more, ``result.space`` solves over packages).
    """

    scenario: Scenario = field(repr=False)
    result: TheoryResult = field(repr=False)
    uncertain_at_median: tuple[str, ...]

    def __repr__(self) -> str:
        solved = ", ".join(self.result.solutions) or "no solution"
        return f"Theory({self.scenario.name}: {solved}; disagreement {self.result.disagreement})"

    @property
    def packages(self) -> pd.DataFrame:
        return pd.DataFrame(
            {name: s.package for name, s in self.result.solutions.items()},
            index=pd.Index(self.result.issues, name="issue"),
        ).T.rename_axis("solution")

    @property
    def utilities(self) -> pd.DataFrame:
        rows = {"disagreement": self.result.disagreement_utility} | {
            name: s.utility for name, s in self.result.solutions.items()
        }
        table = pd.DataFrame(rows, index=pd.Index(self.result.agents, name="agent")).T
        return table.rename_axis("solution")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: what ``negsim-theory --json`` prints."""
        return predictions(self.scenario, self.result, self.uncertain_at_median)


def solve(scenario: ScenarioLike, disagreement: str | None = None) -> Theory:
    """The bargaining solutions of ``scenario`` without simulating (``negsim-theory``).

    ``disagreement``: ``status_quo``, ``reservation`` or ``session_floor``; default: what the
    simulation falls back on when talks fail.
    """
    if disagreement is not None and disagreement not in DISAGREEMENT_POINTS:
        raise ScenarioError(
            "sim.solve",
            "disagreement",
            f"unknown disagreement point '{disagreement}'{suggest(disagreement, DISAGREEMENT_POINTS)}",
        )
    fixed, at_median = with_medians(load(scenario))
    return Theory(fixed, analyse_scenario(fixed, disagreement), at_median)
