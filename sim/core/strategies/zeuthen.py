"""Zeuthen's concession rule (Zeuthen 1930; Harsanyi 1956).

Each agent's willingness to risk conflict is
``risk = (U(own offer) - U(opponent's offer)) / (U(own offer) - U(disagreement))``; the agent
whose risk is smaller (both, on a tie) concedes one ``step`` of aspiration. Under the monotonic
concession protocol this reaches the Nash bargaining solution to within a step (Harsanyi 1956).
"""

from __future__ import annotations

import numpy as np

from sim.core.strategies.base import Param, Strategy, View, register


def willingness_to_risk(own_offer_u, other_offer_u, disagreement_u) -> np.ndarray:
    """Zeuthen's risk limit; 0 when the own offer is no better than disagreement."""
    gain = own_offer_u - disagreement_u
    with np.errstate(divide="ignore", invalid="ignore"):
        risk = np.where(gain > 0, (own_offer_u - other_offer_u) / gain, 0.0)
    return np.clip(risk, 0.0, 1.0)


@register
class Zeuthen(Strategy):
    name = "zeuthen"
    concession_param = "step"
    params = {"step": Param(0.02, 1e-4, 1.0, "aspiration given up in one concession")}

    def start_session(self) -> None:
        self._level: np.ndarray | None = None

    def aspiration(self, view: View) -> np.ndarray:
        if self._level is None:
            self._level = np.ones(self.n)
        elif view.own_last_offer is not None and view.opp_last_offer is not None:
            own = willingness_to_risk(
                view.own_utility(view.own_last_offer),
                view.own_utility(view.opp_last_offer),
                view.floor,
            )
            other = willingness_to_risk(
                view.opp_utility(view.opp_last_offer),
                view.opp_utility(view.own_last_offer),
                view.opp_floor,
            )
            self._level = np.where(own <= other, self._level - self.step, self._level)
        self._level = np.maximum(self._level, view.floor)
        return self._level
