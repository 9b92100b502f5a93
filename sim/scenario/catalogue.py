"""The names a scenario may use that layers above this one define: concession strategies with
their parameters, bargaining protocols and utility shapes. The core builds one from its registries
(``sim.core.catalogue``) and passes it to validation, so this layer imports none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    """A numeric strategy parameter: default and the range it must lie in (``low`` excluded
    when ``low_open``)."""

    default: float
    low: float
    high: float
    doc: str
    low_open: bool = False


@dataclass(frozen=True)
class Catalogue:
    strategies: Mapping[str, Mapping[str, Param]]
    protocols: tuple[str, ...]
    shapes: tuple[str, ...]
    #: the protocols that seat exactly two agents
    bilateral_protocols: tuple[str, ...] = ()
    #: opponent models and acceptance conditions, with their parameters
    opponent_models: Mapping[str, Mapping[str, Param]] = field(
        default_factory=lambda: {"oracle": {}}
    )
    acceptances: Mapping[str, Mapping[str, Param]] = field(
        default_factory=lambda: {"aspiration": {}}
    )

    def strategy_params(self, name: str) -> Mapping[str, Param]:
        return self.strategies[name]
