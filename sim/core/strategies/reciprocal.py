"""Behaviour-dependent reciprocity: tit-for-tat on concessions (Faratin et al. 1998, 4.2.3).

The agent opens with a small concession, then after each new opponent offer concedes
``factor`` times what the opponent just gave up in its own utility (absolute tit-for-tat).
"""

from __future__ import annotations

import numpy as np

from sim.core.strategies.base import Param, Strategy, View, register


@register
class TitForTat(Strategy):
    name = "tit_for_tat"
    concession_param = "factor"
    params = {
        "opening": Param(0.05, 0.0, 1.0, "concession made before the opponent has moved"),
        "factor": Param(1.0, 0.0, 10.0, "share of the opponent's concession returned"),
    }

    def start_session(self) -> None:
        self._level: np.ndarray | None = None

    def aspiration(self, view: View) -> np.ndarray:
        if self._level is None:
            self._level = 1.0 - self.opening
        elif view.opp_concession is not None:
            self._level = self._level - self.factor * np.maximum(view.opp_concession, 0.0)
        self._level = np.maximum(self._level, view.floor)
        return self._level
