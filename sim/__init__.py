"""negsim: agent-based negotiation simulator.

The Python API (docs/api.md): ``sim.load``, ``sim.scenarios``, ``sim.simulate``, ``sim.sweep``,
``sim.solve``, ``sim.Result``, ``sim.Theory`` and ``sim.ScenarioError``. They live in the
modules of :mod:`sim.api` and are imported on first use, so that ``import sim.<layer>`` stays
light and this file imports nothing from ``sim`` (the layer rule).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it
_EXPORTS = {
    "load": "sim.api.loading",
    "scenarios": "sim.api.loading",
    "simulate": "sim.api.runs",
    "sweep": "sim.api.runs",
    "Result": "sim.api.runs",
    "solve": "sim.api.theory",
    "Theory": "sim.api.theory",
    "ScenarioError": "sim.scenario.errors",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
