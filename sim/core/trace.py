"""Round-by-round record of the first few replications (offers, aspirations, decisions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.agents import StateAgent
from sim.core.session import Session


class Trace:
    """Keeps rows for replications ``0 .. n-1`` of a batch while their session is open."""

    def __init__(self, session: Session, n: int):
        self.session = session
        self.n = n
        self.rows: list[dict] = []
        self.sessions: list[dict] = []

    def _open_reps(self) -> np.ndarray:
        return np.flatnonzero(self.session.open[: self.n].any(axis=1))

    def offer(self, agent: StateAgent, offer: np.ndarray) -> None:
        s = self.session
        belief = s.belief
        for r in self._open_reps():
            row = {
                "rep": int(s.start + r),
                "session": s.session,
                "round": s.round,
                "step": s.session * s.rounds + s.round,
                "agent": agent.name,
                "aspiration": float(agent.aspiration[r]),
                "accepted": False,
            }
            row.update({f"offer_{issue}": float(offer[r, i]) for i, issue in enumerate(s.issues)})
            row["events"] = s.active_events(r)
            row.update({f"pressure_{name}": float(level[r]) for name, level in s.pressure.items()})
            if belief is not None:
                row["belief"] = float(belief[r])
                probe = agent.probe
                row["probe"] = bool(probe is not None and probe[2][r])
                row["walkout"] = False
            self.rows.append(row)

    def _this_round(self, besides: StateAgent):
        """(replication in the batch, row) of this round's offers by agents other than
        ``besides``, newest first (a round has at most one offer per agent and replication)."""
        s = self.session
        for row in reversed(self.rows[-len(s.state_agents) * max(self.n, 1) :]):
            same_round = row["session"] == s.session and row["round"] == s.round
            if same_round and row["agent"] != besides.name:
                yield row["rep"] - s.start, row

    def walkout(self, target: StateAgent, rows: np.ndarray) -> None:
        """Mark this round's probing offer (another agent's) as the one the target walked out on."""
        for r, row in self._this_round(besides=target):
            if r < len(rows) and rows[r]:
                row["walkout"] = True

    def response(
        self, responder: StateAgent, accepted: np.ndarray, offered_by: StateAgent | None = None
    ) -> None:
        """Mark this round's offers of the other agents (only ``offered_by``'s, if given) as
        accepted where ``accepted`` holds."""
        if self.n == 0:
            return
        accepted = np.asarray(accepted)[: self.n]
        took = accepted.any(axis=-1) if accepted.ndim == 2 else accepted
        for r, row in self._this_round(besides=responder):
            if offered_by is not None and row["agent"] != offered_by.name:
                continue
            if took[r]:
                row["accepted"] = True

    def end_session(
        self,
        agreed: np.ndarray,
        value: np.ndarray,
        implemented: np.ndarray,
        agreed_round: np.ndarray,
        conflict: np.ndarray,
    ) -> None:
        """One row per traced replication: what was agreed (``agreed``, ``value``, (R, I)) and in
        which round (``agreed_round``), what was implemented, whether it ended in conflict."""
        s = self.session
        for r in range(self.n):
            self.sessions.append(
                {
                    "rep": int(s.start + r),
                    "session": s.session,
                    **{f"agreed_{issue}": bool(agreed[r, i]) for i, issue in enumerate(s.issues)},
                    **{f"value_{issue}": float(value[r, i]) for i, issue in enumerate(s.issues)},
                    **{
                        f"implemented_{issue}": bool(implemented[r, i] and agreed[r, i])
                        for i, issue in enumerate(s.issues)
                    },
                    "round": int(agreed_round[r][agreed[r]].min()) if agreed[r].any() else -1,
                    "conflict": bool(conflict[r]),
                    **{f"trust_{a.name}": float(a.trust[r]) for a in s.state_agents},
                }
            )

    def offers_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def sessions_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.sessions)
