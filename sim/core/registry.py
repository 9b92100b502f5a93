"""Registries of named entries (concession strategies, bargaining protocols, run figures), filled
by discovery.

A family of classes lives in one package, one module per family member or small group, each
class marked with its registry's ``@register``. The first time a registry is consulted it imports
every module of its package, so adding a class is adding a module: no hand-kept import list, and
the package ``__init__`` imports nothing (which would put every member in an import cycle with
it). Names iterate by module name, then in the order a module registers them, so the order never
depends on which module was imported first.

:func:`declared_names` reads the names from the modules' source without importing them, for the
command line's help and options (a family's modules import numpy, which ``negsim --help`` and
``negsim --cfg job`` do without).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from sim.scenario.errors import suggest

T = TypeVar("T")


def _literal_name(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        target = value = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if isinstance(target, ast.Name) and target.id == "name":
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            return None
    return None


def _is_register(decorator: ast.expr) -> bool:
    return (isinstance(decorator, ast.Name) and decorator.id == "register") or (
        isinstance(decorator, ast.Attribute) and decorator.attr == "register"
    )


def declared_names(package: str) -> list[str] | None:
    """The names the modules of ``package`` register, in a registry's order, read from their
    source (``@register`` classes whose body sets ``name = "<literal>"``) without importing them.
    ``None`` when that is not certain (a registered class without a literal ``name``, a module
    without source): then consult the registry itself."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    names = []
    for module in sorted(
        pkgutil.iter_modules(spec.submodule_search_locations), key=lambda m: m.name
    ):
        path = Path(module.module_finder.path) / f"{module.name}.py"  # type: ignore[union-attr]
        if module.ispkg or not path.is_file():
            return None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(map(_is_register, node.decorator_list)):
                name = _literal_name(node)
                if name is None:
                    return None
                names.append(name)
    return names


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
