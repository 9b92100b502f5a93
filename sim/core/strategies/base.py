"""What a concession strategy is, and the registry that finds one by name.

A strategy has no preferences and never builds an offer: each round it turns a read-only
:class:`View` of the session into an aspiration level per replication (Faratin et al. 1998 call
these tactics). Offers, acceptance and red lines are the agent's business (``sim.core.agents``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from sim.core.registry import Registry
from sim.scenario.catalogue import Param


class View:
    """What a strategy may see in round ``round`` (0-based) of a session of ``rounds`` rounds
    (read-only).

    Offers are (R, I) arrays, utilities (R,) arrays. ``opp_concession`` is how much the opponent's
    newest offer gave up in the opponent's own utility (as this agent estimates it), or ``None``
    when the opponent has made no new offer since this agent last looked. It is given, or worked
    out by ``concession`` when a strategy first reads it (the model's views: most strategies
    never read it, and it costs two utilities per replication). Bilateral by nature: the view
    shows one opponent.
    """

    def __init__(
        self,
        round: int,
        rounds: int,
        floor: np.ndarray,
        opp_floor: np.ndarray,
        own_last_offer: np.ndarray | None,
        opp_last_offer: np.ndarray | None,
        opp_concession: np.ndarray | None = None,
        own_utility: Callable[[np.ndarray], np.ndarray] | None = None,
        opp_utility: Callable[[np.ndarray], np.ndarray] | None = None,
        *,
        concession: Callable[[], np.ndarray | None] | None = None,
    ):
        self.round, self.rounds, self.floor, self.opp_floor = round, rounds, floor, opp_floor
        self.own_last_offer, self.opp_last_offer = own_last_offer, opp_last_offer
        self.own_utility, self.opp_utility = own_utility, opp_utility
        self._given, self._concession = opp_concession, concession

    @functools.cached_property
    def opp_concession(self) -> np.ndarray | None:
        return self._given if self._concession is None else self._concession()

    @property
    def time(self) -> float:
        """Normalised time tau = (round + 1) / rounds, 1 in the last round."""
        return (self.round + 1) / self.rounds


class Strategy:
    """Base class; subclasses set ``name``, ``params``, ``traits`` and ``concession_param`` and
    define ``aspiration``.

    Traits are promises the shared strategy tests check for every registered strategy:
    ``may_raise_aspiration`` (False: aspiration never rises within a session).
    ``concession_param`` names the parameter in ``params`` that sets how fast the strategy
    concedes (larger: faster), the one a hawkish mood scales down; None if it has none.
    """

    name: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}
    traits: ClassVar[dict[str, object]] = {"may_raise_aspiration": False}
    concession_param: ClassVar[str | None] = None

    def __init__(self, n: int, **values: np.ndarray):
        self.n = n
        for key, spec in self.params.items():
            value = values.get(key, spec.default)
            setattr(self, key, np.broadcast_to(np.asarray(value, dtype=float), (n,)))

    def start_session(self) -> None:
        """Forget what happened in the previous session."""

    def aspiration(self, view: View) -> np.ndarray:
        raise NotImplementedError


STRATEGIES: Registry[type[Strategy]] = Registry("strategy", "sim.core.strategies")
register = STRATEGIES.register
get_strategy = STRATEGIES.lookup
