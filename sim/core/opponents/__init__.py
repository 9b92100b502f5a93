"""Opponent models, found by registered name (:mod:`sim.core.opponents.base`).

A new model is one new module here with a ``@register``-decorated class; the registry imports
every module of this package the first time it is consulted. This ``__init__`` imports nothing.
"""
