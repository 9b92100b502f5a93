"""Concession strategies, found by registered name (:mod:`sim.core.strategies.base`).

A new strategy is one new module here with a ``@register``-decorated class; the registry imports
every module of this package the first time it is consulted, and the shared tests in
tests/core/test_strategies.py pick the strategy up. This ``__init__`` imports nothing.
"""
