"""The generic field checker: types, ranges, names and distributions, each failure one
:class:`~sim.scenario.errors.ScenarioError` naming the field path."""

from __future__ import annotations

import math

from sim.scenario.distributions import DISTRIBUTIONS, Distribution
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.spec import Value


class Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str):
        raise ScenarioError(self.source, path, problem)

    def mapping(self, node, path, required=(), optional=()) -> dict:
        if not isinstance(node, dict):
            self.fail(path, f"expected a mapping of fields, got {show(node)}")
        allowed = set(required) | set(optional)
        for key in node:
            if key not in allowed:
                self.fail(join(path, key), f"unknown field '{key}'{suggest(str(key), allowed)}")
        for key in required:
            if key not in node:
                self.fail(join(path, key), "missing required field")
        return node

    def names(self, node, path) -> dict:
        if not isinstance(node, dict) or not node:
            self.fail(path, f"expected a non-empty mapping of names, got {show(node)}")
        for key in node:
            if not isinstance(key, str) or not key.isidentifier():
                self.fail(join(path, key), "names must be letters, digits and underscores")
        return node

    def number(self, node, path, low=-math.inf, high=math.inf, *, low_open=False) -> float:
        if isinstance(node, bool) or not isinstance(node, int | float):
            self.fail(path, f"expected a number, got {show(node)}")
        value = float(node)
        if not math.isfinite(value):
            self.fail(path, f"expected a finite number, got {node}")
        if value < low or (low_open and value == low):
            self.fail(path, f"must be {'>' if low_open else '>='} {low:g} (got {value:g})")
        if value > high:
            self.fail(path, f"must be <= {high:g} (got {value:g})")
        return value

    def param(self, node, path, low=-math.inf, high=math.inf, *, low_open=False) -> Value:
        """A number, or a distribution whose every draw lies in the field's range."""
        if isinstance(node, dict):
            return self.distribution(node, path, low, high, low_open)
        return self.number(node, path, low, high, low_open=low_open)

    def distribution(self, node, path, low, high, low_open) -> Distribution:
        if "dist" not in node:
            self.fail(
                f"{path}.dist",
                f"missing: a distribution names its 'dist' ({', '.join(DISTRIBUTIONS)})",
            )
        name = self.choice(node["dist"], f"{path}.dist", tuple(DISTRIBUTIONS), "distribution")
        cls = DISTRIBUTIONS[name]
        self.mapping(node, path, required=("dist", *cls.params), optional=tuple(cls.optional))
        values = {}
        for key, raw in node.items():
            if key == "dist":
                continue
            if key in ("values", "weights"):
                if not isinstance(raw, list) or not raw:
                    self.fail(f"{path}.{key}", f"expected a list of numbers, got {show(raw)}")
                values[key] = tuple(self.number(v, f"{path}.{key}[{i}]") for i, v in enumerate(raw))
            else:
                values[key] = self.number(raw, f"{path}.{key}")
        dist = cls(**values)
        problem = dist.check()
        if problem:
            self.fail(path, f"{name} {problem}")
        lo, hi = dist.support()
        if lo < low or (low_open and lo == low and not dist.open_low) or hi > high:
            allowed = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            self.fail(
                path,
                f"{name} can draw values in [{lo:g}, {hi:g}], outside the allowed {allowed}; "
                "choose a distribution with bounded support (uniform, beta, truncnorm, triangular, choice)",
            )
        return dist

    def integer(self, node, path, low=1) -> int:
        if isinstance(node, bool) or not isinstance(node, int):
            self.fail(path, f"expected a whole number, got {show(node)}")
        if node < low:
            self.fail(path, f"must be >= {low} (got {node})")
        return int(node)

    def text(self, node, path) -> str:
        if not isinstance(node, str | int | float) or isinstance(node, bool):
            self.fail(path, f"expected text, got {show(node)}")
        return str(node)

    def choice(self, node, path, choices, what) -> str:
        if not isinstance(node, str) or node not in choices:
            self.fail(path, f"unknown {what} {show(node)}{suggest(str(node), choices)}")
        return node


def join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def show(node) -> str:
    if isinstance(node, str):
        return f"'{node}'"
    if node is None:
        return "nothing (empty)"
    if isinstance(node, dict):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    return repr(node)
