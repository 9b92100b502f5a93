"""Pressures: state variables such as economic pressure or electoral hawkishness that change how
fast an agent concedes and where its reservation lies, round by round (the tactical pause).

See :mod:`sim.scenario.dynamics` for the scenario section. The AR(1) shocks are drawn per session
for every round, and skipped rounds still advance the levels, so results do not depend on how
replications are batched.
"""

from __future__ import annotations

import numpy as np

from sim.core.session import Session
from sim.scenario.dynamics import PressureSpec
from sim.scenario.stacking import PRESSURE_NUMBERS


class Pressures:
    """Levels in [0, 1] per replication; ``effects=False`` keeps the levels but not their
    effect (the counterfactual run: same random draws, no pressure on anyone)."""

    def __init__(self, session: Session, specs: tuple[PressureSpec, ...], effects: bool = True):
        self.specs = specs
        self.effects = effects
        self.level = {
            spec.name: np.full(session.n, float(spec.by_session[0]))
            if not spec.stochastic
            else session.draw(spec.ar1_start)
            for spec in specs
        }
        self._agents = {agent.name: agent for agent in session.state_agents}
        self._shocks: dict[str, np.ndarray] = {}
        # Each pressure's numbers per replication (a vectorised sweep's tiles may differ in them).
        self._numbers = {
            spec.name: {key: session.draw(getattr(spec, key)) for key in PRESSURE_NUMBERS}
            for spec in specs
        }

    def start_session(self, session: Session) -> None:
        self._shocks = {
            spec.name: session.streams.normal(session.rounds)
            for spec in self.specs
            if spec.stochastic
        }

    def _advance(self, session: int, round_: int) -> None:
        for spec in self.specs:
            if not spec.stochastic:
                self.level[spec.name][:] = spec.by_session[min(session, len(spec.by_session) - 1)]
            elif session > 0 or round_ > 0:
                shock = self._shocks[spec.name][:, round_]
                number = self._numbers[spec.name]
                mean, phi, sigma = number["ar1_mean"], number["ar1_phi"], number["ar1_sigma"]
                level = mean + phi * (self.level[spec.name] - mean)
                self.level[spec.name] = np.clip(level + sigma * shock, 0.0, 1.0)

    def begin_round(self, session: Session) -> None:
        if not self.specs:
            return
        self._advance(session.session, session.round)
        if not self.effects:
            return
        for agent in self._agents.values():
            scale = np.ones(session.n)
            shift = np.zeros(session.n)
            home = np.zeros(session.n)
            for spec in self.specs:
                if spec.agent == agent.name:
                    number, level = self._numbers[spec.name], self.level[spec.name]
                    scale = scale * (1.0 + number["concession"] * level)
                    shift = shift + number["reservation"] * level
                    home = home + number["threshold"] * level
            agent.concession_scale = np.maximum(scale, 0.0)
            agent.reservation_shift = shift
            agent.threshold_shift = home
            agent.refresh_floor()

    def move_win_sets(self) -> None:
        """Each agent's domestic threshold shift from the pressures' levels now (after skipped
        rounds: what a ratifier at the end of the session faces does not depend on when the rest
        of the batch settled)."""
        if not self.effects:
            return
        for agent in self._agents.values():
            shift = np.zeros_like(agent.threshold_shift)
            for spec in self.specs:
                if spec.agent == agent.name:
                    shift = shift + spec.threshold * self.level[spec.name]
            agent.threshold_shift = shift

    def skip_rounds(self, session: int, first: int, rounds: int) -> None:
        for round_ in range(first, rounds):
            self._advance(session, round_)
