"""Round-by-round record of the first few replications (offers, aspirations, decisions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.core.agents import StateAgent
    from sim.core.model import NegotiationModel


class Trace:
    """Keeps rows for replications ``0 .. n-1`` of a batch while their session is open."""

    def __init__(self, model: NegotiationModel, n: int):
        self.model = model
        self.n = n
        self.rows: list[dict] = []
        self.sessions: list[dict] = []

    def _open_reps(self) -> np.ndarray:
        return np.flatnonzero(self.model.open[: self.n].any(axis=1))

    def offer(self, agent: StateAgent, offer: np.ndarray) -> None:
        m = self.model
        for r in self._open_reps():
            row = {
                "rep": int(m.start + r),
                "session": m.session,
                "round": m.round,
                "step": m.session * m.rounds + m.round,
                "agent": agent.name,
                "aspiration": float(agent.aspiration[r]),
                "accepted": False,
            }
            row.update({f"offer_{issue}": float(offer[r, i]) for i, issue in enumerate(m.issues)})
            row["events"] = m.events.active_names(r)
            row.update({f"pressure_{name}": float(level[r]) for name, level in m.pressure.items()})
            if m.misread is not None:
                row["belief"] = float(m.misread.belief[r])
                probe = agent.probe
                row["probe"] = bool(probe is not None and probe[2][r])
                row["walkout"] = False
            self.rows.append(row)

    def walkout(self, target: StateAgent, rows: np.ndarray) -> None:
        """Mark this round's probing offer (the other agent's) as the one the target walked out on."""
        for row in reversed(self.rows[-2 * max(self.n, 1) :]):
            r = row["rep"] - self.model.start
            same_round = row["session"] == self.model.session and row["round"] == self.model.round
            if same_round and row["agent"] != target.name and r < len(rows) and rows[r]:
                row["walkout"] = True

    def response(self, responder: StateAgent, accepted: np.ndarray) -> None:
        """Mark the latest offer of the other agent as accepted where ``accepted`` holds."""
        accepted = np.asarray(accepted)
        took = accepted.any(axis=-1) if accepted.ndim == 2 else accepted
        for row in reversed(self.rows[-2 * max(self.n, 1) :]):
            r = row["rep"] - self.model.start
            same_round = row["session"] == self.model.session and row["round"] == self.model.round
            if same_round and row["agent"] != responder.name and took[r]:
                row["accepted"] = True

    def end_session(self, agreed: np.ndarray, value: np.ndarray, implemented: np.ndarray) -> None:
        m = self.model
        for r in range(self.n):
            self.sessions.append(
                {
                    "rep": int(m.start + r),
                    "session": m.session,
                    **{f"agreed_{issue}": bool(agreed[r, i]) for i, issue in enumerate(m.issues)},
                    **{f"value_{issue}": float(value[r, i]) for i, issue in enumerate(m.issues)},
                    **{
                        f"implemented_{issue}": bool(implemented[r, i] and agreed[r, i])
                        for i, issue in enumerate(m.issues)
                    },
                    "round": int(m.agreed_round[r][agreed[r]].min()) if agreed[r].any() else -1,
                    "conflict": bool(m.conflict[r]),
                    **{f"trust_{a.name}": float(a.trust[r]) for a in m.state_agents},
                }
            )

    def offers_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def sessions_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.sessions)
