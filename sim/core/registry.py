"""Registries of named entries (concession strategies, bargaining protocols, run figures), filled
by discovery.

A family of classes lives in one package, one module per family member or small group, each
class marked with its registry's ``@register``. The first time a registry is consulted it imports
every module of its package, so adding a class is adding a module: no hand-kept import list, and
the package ``__init__`` imports nothing (which would put every member in an import cycle with
it). Names iterate by module name, then in the order a module registers them, so the order never
depends on which module was imported first.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from sim.scenario.errors import suggest

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Name -> entry for the entries that the modules of ``package`` register."""

    def __init__(self, kind: str, package: str):
        self.kind = kind
        self.package = package
        self._classes: dict[str, T] = {}
        self._modules: dict[str, str] = {}
        self._discovered = False

    def register(self, cls: T) -> T:
        """Class decorator: file ``cls`` under ``cls.name``."""
        return self.add(cls.name, cls, cls.__module__)

    def add(self, name: str, entry: T, module: str) -> T:
        """File ``entry``, defined in ``module``, under ``name``."""
        if name in self._classes:
            raise ValueError(f"{self.kind} name '{name}' is registered twice")
        self._classes[name] = entry
        self._modules[name] = module
        return entry

    def _discover(self) -> dict[str, T]:
        if not self._discovered:
            self._discovered = True
            path = importlib.import_module(self.package).__path__
            for module in pkgutil.iter_modules(path):
                importlib.import_module(f"{self.package}.{module.name}")
        return self._classes

    def lookup(self, name: str) -> T:
        """The class registered as ``name``; a KeyError with a close-match suggestion if none."""
        try:
            return self._discover()[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} '{name}'{suggest(name, self)}") from None

    def __getitem__(self, name: str) -> T:
        return self._discover()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._discover(), key=self._modules.__getitem__))

    def __len__(self) -> int:
        return len(self._discover())
