"""Core interests: the one place where red lines are enforced.

A red line on an issue is the interval ``[min, max]`` of values an agent will ever propose or
accept; issues without one have ``[0, 1]``. Strategies only choose aspirations; every offer goes
through :meth:`RedLines.clip` and every acceptance through :meth:`RedLines.admits`, so no
strategy, present or future, can cross a red line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario.spec import AgentSpec

# Offers are computed in floating point; a value within this of a bound counts as on it.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class RedLines:
    low: np.ndarray  # (R, I) or (I,)
    high: np.ndarray

    @classmethod
    def from_spec(cls, agent: AgentSpec, issues: Sequence[str]) -> RedLines:
        """An agent's red lines over ``issues``, in that order."""
        bounds = np.array([agent.red_line(issue) for issue in issues], dtype=float).reshape(-1, 2)
        return cls(bounds[:, 0], bounds[:, 1])

    @property
    def core(self) -> np.ndarray:
        """Mask of the issues that are core interests (a red line narrower than [0, 1])."""
        return np.asarray((self.low > 0) | (self.high < 1))

    def clip(self, offer: np.ndarray) -> np.ndarray:
        return np.clip(offer, self.low, self.high)

    def admits_issues(self, package: np.ndarray) -> np.ndarray:
        """(R, I) mask: which issue values lie inside the red lines."""
        return (package >= self.low - TOLERANCE) & (package <= self.high + TOLERANCE)

    def admits(self, package: np.ndarray) -> np.ndarray:
        """(R,) mask: packages that cross no red line."""
        return self.admits_issues(package).all(axis=-1)


def count_violations(
    package: np.ndarray, agreed: np.ndarray, red_lines: list[RedLines]
) -> np.ndarray:
    """Per replication, the number of agreed issue values that cross any agent's red line."""
    crossed = np.zeros(agreed.shape, dtype=bool)
    for lines in red_lines:
        crossed |= ~lines.admits_issues(package)
    return (crossed & agreed).sum(axis=-1)
