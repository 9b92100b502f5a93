"""Events: shocks that shift agents' parameters for a number of rounds.

A scheduled event starts at its (session, round); a random one starts, in each round in which it
is not already active, with probability ``hazard``. While active, each shifted field is
``base * multiply + add``, kept inside the field's range; when it ends the base value returns.

The event clock runs on every round of every session, also the rounds a batch skips once all its
replications have settled: the hazard draws for a session (one per replication per round) are
taken when it starts, and skipped rounds still start, apply and age events. So a replication sees the
same events whether it runs alone or beside others that keep a session going longer.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core.agents import StateAgent
from sim.core.session import Session
from sim.scenario.spec import SHIFTABLE, EventSpec


def _read(agent: StateAgent, field: str) -> np.ndarray:
    if field == "risk":
        return agent.preferences.risk
    if field in SHIFTABLE:
        return getattr(agent, field)
    return getattr(agent.strategy, field)


def _write(agent: StateAgent, field: str, value: np.ndarray) -> None:
    if field == "risk":
        agent.preferences = dataclasses.replace(agent.preferences, risk=value)
    elif field in ("reservation", "threshold"):
        setattr(agent, field, value)
        agent.refresh_floor()
    elif field in SHIFTABLE:
        setattr(agent, field, value)
    else:
        setattr(agent.strategy, field, value)


def _range(agent: StateAgent, field: str) -> tuple[float, float]:
    if field in SHIFTABLE:
        return SHIFTABLE[field]
    spec = agent.strategy.params[field]
    return (spec.low + 1e-12 if spec.low_open else spec.low, spec.high)


class Events:
    """The scenario's events for a batch: ``left`` (R, E) rounds each still runs, ``fired``
    (R, E) how often each started."""

    def __init__(self, session: Session, specs: tuple[EventSpec, ...]):
        self.specs = specs
        n = session.n
        self.left = np.zeros((n, len(specs)), dtype=int)
        self.fired = np.zeros((n, len(specs)), dtype=int)
        agents = {agent.name: agent for agent in session.state_agents}
        self._targets: dict[tuple[str, str], list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for e, spec in enumerate(specs):
            for shift in spec.shifts:
                entry = (e, session.draw(shift.add), session.draw(shift.multiply))
                self._targets.setdefault((shift.agent, shift.field), []).append(entry)
        self._agents = agents
        self._hazard = {
            e: session.draw(spec.hazard) for e, spec in enumerate(specs) if spec.hazard is not None
        }
        self._base = {key: np.array(_read(agents[key[0]], key[1])) for key in self._targets}
        self._shifted = dict.fromkeys(self._targets, False)

    def start_session(self, session: Session) -> None:
        self._draws = {
            e: session.streams.uniform(session.rounds)
            for e, spec in enumerate(self.specs)
            if spec.hazard is not None
        }

    def _start_events(self, session: int, round_: int) -> None:
        for e, spec in enumerate(self.specs):
            idle = self.left[:, e] == 0
            if spec.hazard is not None:
                start = idle & (self._draws[e][:, round_] < self._hazard[e])
            elif session == spec.session and round_ == spec.round:
                start = idle
            else:
                continue
            self.left[start, e] = spec.duration
            self.fired[:, e] += start

    def skip_rounds(self, session: int, first: int, rounds: int) -> None:
        """Run the event clock over rounds ``first .. rounds - 1`` that were not played."""
        for round_ in range(first, rounds):
            self._start_events(session, round_)
            self._apply()
            self.end_round()

    def begin_round(self, session: Session) -> None:
        self._start_events(session.session, session.round)
        self._apply()

    def _apply(self) -> None:
        """Set every shifted field from the events active now."""
        active = self.left > 0
        for key, shifts in self._targets.items():
            on = [active[:, e] for e, _, _ in shifts]
            if not any(mask.any() for mask in on) and not self._shifted[key]:
                continue
            agent = self._agents[key[0]]
            value = self._base[key].copy()
            for mask, (_, add, multiply) in zip(on, shifts, strict=True):
                value = np.where(mask, value * multiply + add, value)
            low, high = _range(agent, key[1])
            _write(agent, key[1], np.clip(value, low, high))
            self._shifted[key] = any(mask.any() for mask in on)

    def end_round(self) -> None:
        np.maximum(self.left - 1, 0, out=self.left)

    def active_names(self, rep: int) -> str:
        return ",".join(spec.name for e, spec in enumerate(self.specs) if self.left[rep, e] > 0)
