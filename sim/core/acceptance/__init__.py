"""Acceptance conditions, found by registered name (:mod:`sim.core.acceptance.base`).

A new condition is one new module here with a ``@register``-decorated class; the registry imports
every module of this package the first time it is consulted. This ``__init__`` imports nothing.
"""
