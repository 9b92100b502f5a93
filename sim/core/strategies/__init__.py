"""Concession strategies, found by registered name.

Importing this package imports every module in it, so a new strategy is one new module with a
``@register``-decorated class (and the shared tests in tests/test_strategies.py pick it up).
"""

import importlib
import pkgutil

from sim.core.strategies.base import STRATEGIES, Param, Strategy, View, get_strategy, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["STRATEGIES", "Param", "Strategy", "View", "get_strategy", "register"]
