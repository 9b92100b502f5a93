"""How well each agent's opponent models know the others, round by round (only when some model
learns): the mean over the others of the correlation of believed and true utility
(:meth:`~sim.core.opponents.base.OpponentModel.accuracy`), kept like the cooperation index."""

from __future__ import annotations

import numpy as np

from sim.core.session import Session


def mean_accuracy(agent) -> np.ndarray:
    """(R,) ``agent``'s models' accuracy, averaged over the others."""
    return np.mean([model.accuracy() for model in agent.beliefs.values()], axis=0)


def mean_red_lines_found(agent) -> np.ndarray:
    """(R,) share of the others' red-line regions ``agent``'s models found, averaged over the
    others that have red lines (NaN if none has)."""
    found = np.array([model.red_lines_found() for model in agent.beliefs.values()])
    counted = ~np.isnan(found)
    total = np.where(counted, found, 0.0).sum(axis=0)
    return np.divide(
        total, counted.sum(axis=0), out=np.full(found.shape[1], np.nan), where=counted.any(axis=0)
    )


class Accuracy:
    """Each agent's accuracy in every round of the run (``path``, (R, sessions * rounds),
    float32)."""

    def __init__(self, session: Session):
        steps = session.sessions * session.rounds
        self.now = {a.name: np.full(session.n, np.nan) for a in session.state_agents}
        self.path = {
            a.name: np.full((session.n, steps), np.nan, dtype=np.float32)
            for a in session.state_agents
        }

    def update(self, session: Session, rows: np.ndarray) -> None:
        column = session.session * session.rounds + session.round
        for agent in session.state_agents:
            self.now[agent.name] = np.where(rows, mean_accuracy(agent), self.now[agent.name])
            self.path[agent.name][:, column] = self.now[agent.name]

    def hold(self, first: int, stop: int) -> None:
        for name, level in self.now.items():
            self.path[name][:, first:stop] = level[:, None]
