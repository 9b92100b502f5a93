"""The frequency model (the HardHeaded family: van Krimpen, Looije & Hajizadeh 2013)."""

from __future__ import annotations

import numpy as np

from sim.core.opponents.base import OpponentModel, Param, register
from sim.core.preferences import Preferences

# An issue value that moved less than this between two offers counts as unchanged.
UNCHANGED = 1e-9


class Learner(OpponentModel):
    """What the frequency and Bayesian models share: issue weights learned from how the other's
    offers change (an issue it keeps unchanged matters more to it: HardHeaded's frequency
    heuristic). The shape of the other's utility (linear or quadratic) is taken as known; its
    ideals and saliences are learned."""

    learns = True
    params = {
        "learning_rate": Param(0.2, 0.0, 10.0, "weight added to an issue the other left unchanged")
    }

    def __init__(self, n, other, declared, **values):
        super().__init__(n, other, declared, **values)
        issues = np.shape(other.preferences.ideal)[-1]
        self.weights = np.full((n, issues), 1.0 / issues)
        self.ideal = np.full((n, issues), 0.5)  # nothing seen yet: the middle of every issue
        self.seen = np.zeros(n, dtype=bool)
        self.last = np.full((n, issues), np.nan)
        self._refresh()

    @property
    def preferences(self) -> Preferences:
        return self._prefs

    def _refresh(self) -> None:
        shape = self.other.preferences.shape
        self._prefs = Preferences(self.ideal, self.weights, shape, np.ones(self.n))

    def start_session(self) -> None:
        self.last = np.full_like(self.last, np.nan)  # a new session's first offer is no move

    def observe_offer(self, offer, rows, time) -> None:
        moved = ~np.isnan(self.last[:, 0]) & rows
        unchanged = np.abs(offer - self.last) < UNCHANGED
        bonus = np.where(moved[:, None] & unchanged, self.learning_rate[:, None], 0.0)
        weights = self.weights + bonus
        self.weights = weights / weights.sum(axis=1, keepdims=True)
        self.learn_ideal(offer, rows, time)
        self.last = np.where(rows[:, None], offer, self.last)
        self.seen |= rows
        self._refresh()

    def learn_ideal(self, offer, rows, time) -> None:
        first = rows & ~self.seen
        self.ideal = np.where(first[:, None], offer, self.ideal)


@register
class Frequency(Learner):
    """Issue weights from how often the other leaves an issue unchanged between offers, and as
    its preferred values the values of its first offer, its best package (van Krimpen et al.
    2013). Learns nothing of red lines beyond the declared ones."""

    name = "frequency"
