"""Events: shocks that shift agents' parameters for a number of rounds.

A scheduled event starts at its (session, round); a random one starts, in each round in which it
is not already active, with probability ``hazard`` (one uniform draw per replication per round,
so the streams stay aligned however a run is cut). While active, each shifted field is
``base * multiply + add``, kept inside the field's range; when it ends the base value returns.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import SHIFTABLE, EventSpec
from sim.strategies import get_strategy

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import NegotiationModel


def _read(agent: StateAgent, field: str) -> np.ndarray:
    if field == "risk":
        return agent.preferences.risk
    if field in SHIFTABLE:
        return getattr(agent, field)
    return getattr(agent.strategy, field)


def _write(agent: StateAgent, field: str, value: np.ndarray) -> None:
    if field == "risk":
        agent.preferences = dataclasses.replace(agent.preferences, risk=value)
    elif field == "reservation":
        agent.reservation = value
        agent.refresh_floor()
    elif field in SHIFTABLE:
        setattr(agent, field, value)
    else:
        setattr(agent.strategy, field, value)


def _range(agent: StateAgent, field: str) -> tuple[float, float]:
    if field in SHIFTABLE:
        return SHIFTABLE[field]
    spec = get_strategy(agent.strategy.name).params[field]
    return (spec.low + 1e-12 if spec.low_open else spec.low, spec.high)


class Events:
    def __init__(self, model: NegotiationModel, specs: tuple[EventSpec, ...]):
        self.specs = specs
        n = model.n
        self.left = np.zeros((n, len(specs)), dtype=int)
        self.fired = np.zeros((n, len(specs)), dtype=int)
        agents = {agent.name: agent for agent in model.state_agents}
        self._targets: dict[tuple[str, str], list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for e, spec in enumerate(specs):
            for shift in spec.shifts:
                entry = (e, model.draw(shift.add), model.draw(shift.multiply))
                self._targets.setdefault((shift.agent, shift.field), []).append(entry)
        self._agents = agents
        self._base = {key: np.array(_read(agents[key[0]], key[1])) for key in self._targets}
        self._shifted = dict.fromkeys(self._targets, False)

    def begin_round(self, model: NegotiationModel) -> None:
        for e, spec in enumerate(self.specs):
            idle = self.left[:, e] == 0
            if spec.hazard is not None:
                start = idle & (model.streams.uniform() < spec.hazard)
            elif model.session == spec.session and model.round == spec.round:
                start = idle
            else:
                continue
            self.left[start, e] = spec.duration
            self.fired[:, e] += start
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
