"""Round-by-round record of the first few replications (offers, aspirations, decisions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.agents import StateAgent
from sim.core.backrefs import Weak, WeakBackRefs
from sim.core.session import Session


class Trace(WeakBackRefs):
    """Keeps rows for replications ``0 .. n-1`` of a batch while their session is open; in a
    tiled batch (a vectorised sweep), for the first ``n`` of each tile: ``rows`` (tiles, n) are
    their rows in the batch."""

    session = Weak("the traced model")  # the model holds its trace

    def __init__(self, session: Session, n: int, rows: np.ndarray | None = None):
        self.session = session
        self.n = n
        rows = np.arange(n)[None, :] if rows is None else np.asarray(rows)
        self._batch_rows = rows.ravel()
        self._tile_of = np.repeat(np.arange(len(rows)), n)
        self._reps = np.tile(np.arange(n), len(rows))
        self.rows: list[dict] = []
        self.sessions: list[dict] = []
        # beside each row of ``rows`` and ``sessions``: its tile and its row in the batch
        self._offer_tiles: list[int] = []
        self._offer_rows: list[int] = []
        self._session_tiles: list[int] = []

    def _open_reps(self) -> np.ndarray:
        """Indices (into the traced rows) of those whose session is open."""
        return np.flatnonzero(self.session.open[self._batch_rows].any(axis=1))

    def offer(self, agent: StateAgent, offer: np.ndarray) -> None:
        s = self.session
        belief = s.belief
        for k in self._open_reps():
            r = int(self._batch_rows[k])
            self._offer_tiles.append(int(self._tile_of[k]))
            self._offer_rows.append(r)
            row = {
                "rep": int(s.start + self._reps[k]),
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
        """(row in the batch, row) of this round's offers by agents other than ``besides``,
        newest first (a round has at most one offer per agent and replication)."""
        s = self.session
        window = len(s.state_agents) * max(len(self._batch_rows), 1)
        for k in range(len(self.rows) - 1, max(len(self.rows) - window, 0) - 1, -1):
            row = self.rows[k]
            same_round = row["session"] == s.session and row["round"] == s.round
            if same_round and row["agent"] != besides.name:
                yield self._offer_rows[k], row

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
        accepted = np.asarray(accepted)
        for r, row in self._this_round(besides=responder):
            if offered_by is not None and row["agent"] != offered_by.name:
                continue
            if accepted[r].any():
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
        for k, r in enumerate(self._batch_rows):
            self._session_tiles.append(int(self._tile_of[k]))
            self.sessions.append(
                {
                    "rep": int(s.start + self._reps[k]),
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

    def offers_frame(self, tile: int | None = None) -> pd.DataFrame:
        """The offers of every traced replication, or of one tile's."""
        return pd.DataFrame(_of_tile(self.rows, self._offer_tiles, tile))

    def sessions_frame(self, tile: int | None = None) -> pd.DataFrame:
        return pd.DataFrame(_of_tile(self.sessions, self._session_tiles, tile))


def _of_tile(rows: list[dict], tiles: list[int], tile: int | None) -> list[dict]:
    if tile is None:
        return rows
    return [row for row, t in zip(rows, tiles, strict=True) if t == tile]
