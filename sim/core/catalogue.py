"""The core's registries as the scenario layer's :class:`~sim.scenario.catalogue.Catalogue`, and
scenario loading and validation against them: the entry points every other layer uses.

The catalogue is built at each call, so a strategy or protocol registered after import is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.core.acceptance.base import ACCEPTANCES
from sim.core.opponents.base import OPPONENT_MODELS
from sim.core.preferences import SHAPES
from sim.core.protocols.base import PROTOCOLS
from sim.core.strategies.base import STRATEGIES
from sim.scenario import validation
from sim.scenario.catalogue import Catalogue
from sim.scenario.errors import ScenarioError
from sim.scenario.negotiation import bilateral_refusal
from sim.scenario.spec import Scenario


def catalogue() -> Catalogue:
    return Catalogue(
        strategies={name: dict(cls.params) for name, cls in STRATEGIES.items()},
        protocols=tuple(PROTOCOLS),
        shapes=SHAPES,
        bilateral_protocols=tuple(name for name, cls in PROTOCOLS.items() if cls.bilateral),
        opponent_models={name: dict(cls.params) for name, cls in OPPONENT_MODELS.items()},
        acceptances={name: dict(cls.params) for name, cls in ACCEPTANCES.items()},
    )


def validate(data: dict[str, Any], source: str, default_name: str = "scenario") -> Scenario:
    """Check a scenario mapping field by field and build the typed :class:`Scenario`."""
    return validation.validate(data, source, catalogue(), default_name)


def load_scenario(path: Path | str, source: str | None = None) -> Scenario:
    """Read and validate a scenario file in one go (for notebooks and tests)."""
    return validation.load_scenario(path, catalogue(), source)


def check_protocol(scenario: Scenario, name: str) -> None:
    """Refuse to play ``scenario`` under protocol ``name`` (a run setting that overrides the
    scenario's own) when the protocol seats two agents and the scenario has more."""
    if PROTOCOLS.lookup(name).bilateral and scenario.multilateral:
        raise ScenarioError(
            scenario.source,
            "negotiation.protocol",
            f"the run setting protocol={name} cannot play this scenario: "
            + bilateral_refusal(name, len(scenario.agents), catalogue()),
        )
