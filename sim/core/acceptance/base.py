"""What an acceptance condition is, and the registry that finds one by name.

In the BOA architecture (Baarslag et al. 2014) an agent is a bidding strategy (here a concession
curve and the efficient offers of :mod:`sim.core.offers`), an opponent model
(:mod:`sim.core.opponents`) and an acceptance condition: when to accept the offer on the table.
A condition judges only the offer's utility, per replication; the agent adds its red lines
(``StateAgent.accepts``), which no condition can waive, and never accepts below its floor.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import numpy as np

from sim.core.registry import Registry
from sim.scenario.catalogue import Param


class Judge(Protocol):
    """What a condition reads of the agent that decides (a ``StateAgent``)."""

    aspiration: np.ndarray
    previous_aspiration: np.ndarray | None
    floor: np.ndarray
    time: float
    turn_gap: int


# A utility within this of a level reaches it.
REACHES = 1e-12


class Acceptance:
    """Base class; subclasses set ``name`` and ``params`` and define ``accepts``."""

    name: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}

    def __init__(self, n: int, **values: np.ndarray):
        for key, spec in self.params.items():
            value = values.get(key, spec.default)
            setattr(self, key, np.broadcast_to(np.asarray(value, dtype=float), (n,)))

    def start_session(self) -> None:
        """Forget the offers of the previous session."""

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        """(R,) Whether ``agent`` accepts an offer worth ``utility`` (R,) to it."""
        raise NotImplementedError


ACCEPTANCES: Registry[type[Acceptance]] = Registry("acceptance condition", "sim.core.acceptance")
register = ACCEPTANCES.register
get_acceptance = ACCEPTANCES.lookup
