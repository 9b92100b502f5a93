"""Concession strategies, found by registered name. Importing this package registers them all."""

from sim.strategies import reciprocal, time_dependent, zeuthen  # noqa: F401  (registration)
from sim.strategies.base import STRATEGIES, Param, Strategy, View, get_strategy, register

__all__ = ["STRATEGIES", "Param", "Strategy", "View", "get_strategy", "register"]
