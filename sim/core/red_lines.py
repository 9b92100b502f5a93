"""Core interests and one-way issues: the one place where what an agent may propose or accept
is enforced.

A red line on an issue is the interval ``[min, max]`` of values an agent will ever propose or
accept; issues without one have ``[0, 1]``. A one-way issue (``direction: up`` or ``down`` in
the scenario) may be moved by an agreement only up, or only down, from the session's status quo:
its admissible interval in a session is ``[q, 1]`` (or ``[0, q]``), per replication. Each agent's
session box (:meth:`RedLines.within`) is its red lines cut to that interval. Strategies only
choose aspirations; every offer goes through :meth:`RedLines.clip` and every acceptance through
:meth:`RedLines.admits` of that box, so no strategy or protocol, present or future, can cross a
red line or move a one-way issue the wrong way.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.core import rowwise
from sim.scenario.spec import DOWN, UP, AgentSpec, Scenario

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

    def clip(self, offer: np.ndarray, in_place: bool = False) -> np.ndarray:
        """``offer`` inside the box, written over ``offer`` itself if ``in_place`` (and it has
        the shape of the result). Bounds the same on every issue are clipped to as two numbers,
        others as rows (see :class:`~sim.core.rowwise.Rows`)."""
        shape = np.broadcast_shapes(np.shape(offer), np.shape(self.low), np.shape(self.high))
        out = offer if in_place and np.shape(offer) == shape else None
        if self._even_bounds is not None and np.shape(offer) == shape:
            return np.clip(offer, *self._even_bounds, out=out)
        return self._rows.apply(np.clip, offer, 0, 1, out=np.empty(shape) if out is None else out)

    @functools.cached_property
    def _even_bounds(self) -> tuple[float, float] | None:
        low, high = np.asarray(self.low), np.asarray(self.high)
        if low.size and high.size and np.all(low == low.flat[0]) and np.all(high == high.flat[0]):
            return float(low.flat[0]), float(high.flat[0])
        return None

    @functools.cached_property
    def _rows(self) -> rowwise.Rows:
        return rowwise.Rows(np.asarray(self.low, dtype=float), np.asarray(self.high, dtype=float))

    @functools.cached_property
    def unbounded(self) -> bool:
        """Every value in [0, 1] is admitted (no red line, no one-way cut): every package the
        model builds lies in [0, 1], so the test is skipped."""
        return bool(np.all(self.low <= 0.0) and np.all(self.high >= 1.0))

    def admits_issues(self, package: np.ndarray) -> np.ndarray:
        """(R, I) mask: which issue values lie inside the red lines."""
        if self.unbounded:
            return np.ones(np.shape(package), dtype=bool)
        return (package >= self.low - TOLERANCE) & (package <= self.high + TOLERANCE)

    def admits(self, package: np.ndarray) -> np.ndarray:
        """(R,) mask: packages that cross no red line."""
        if self.unbounded:
            return np.ones(np.shape(package)[:-1], dtype=bool)
        return rowwise.all_(self.admits_issues(package))

    def within(self, low: np.ndarray, high: np.ndarray) -> RedLines:
        """These red lines cut to ``[low, high]`` (e.g. a session's one-way intervals, (R, I))."""
        return RedLines(np.maximum(self.low, low), np.minimum(self.high, high))


@dataclass(frozen=True)
class OneWay:
    """The issues an agreement may move only up (``up``, (I,) mask) or only down (``down``) from
    the session's status quo."""

    up: np.ndarray
    down: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> OneWay | None:
        """The scenario's one-way issues, or None when it has none."""
        if not scenario.one_way_issues:
            return None
        direction = np.array([issue.direction for issue in scenario.issues])
        return cls(direction == UP, direction == DOWN)

    def bounds(self, status_quo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R, I) ``low``, ``high``: the values an agreement may give each issue this session,
        ``[q, 1]`` on an ``up`` issue, ``[0, q]`` on a ``down`` one, ``[0, 1]`` elsewhere."""
        low = np.where(self.up, status_quo, 0.0)
        high = np.where(self.down, status_quo, 1.0)
        return low, high

    def wrong_way(self, package: np.ndarray, status_quo: np.ndarray) -> np.ndarray:
        """(R, I) mask: values that move a one-way issue the wrong way from ``status_quo``."""
        return (self.up & (package < status_quo - TOLERANCE)) | (
            self.down & (package > status_quo + TOLERANCE)
        )


def count_violations(
    package: np.ndarray, agreed: np.ndarray, red_lines: list[RedLines]
) -> np.ndarray:
    """Per replication, the number of agreed issue values that cross any agent's red line."""
    crossed = np.zeros(agreed.shape, dtype=bool)
    for lines in red_lines:
        crossed |= ~lines.admits_issues(package)
    return rowwise.count_(crossed & agreed)
