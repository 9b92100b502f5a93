"""Several scenarios that differ only in numbers drawn per replication, as one scenario whose
differing numbers are given per tile (:class:`~sim.scenario.distributions.PerTile`): how a
vectorised sweep puts the points of a grid into one model, point p in tile p.

Points may differ in a ``Value`` field (a number that may also be a distribution, so the model
draws it per replication) or in an entry of a ``dict[str, Value]`` field (ideals, saliences,
strategy parameters). Any other difference (a name, the structure, the number of sessions or
rounds, the protocol, a pressure's or an event's fixed numbers, a red line) needs a model of
its own: :func:`batch_key` is equal exactly for the scenarios :func:`stack` can put in one model.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace

from sim.scenario.distributions import Distribution, PerReplication, PerTile

VALUE, VALUES, OTHER = "value", "values", "other"
MASKED = "<per replication>"
# Fixed numbers (a scenario file may not make them distributions) that the model reads per
# replication all the same, so the points of a sweep may differ in them within one model.
PRESSURE_NUMBERS = ("concession", "reservation", "threshold", "ar1_mean", "ar1_phi", "ar1_sigma")
ALSO_PER_REPLICATION = {
    "PressureSpec": (*PRESSURE_NUMBERS, "ar1_start"),
    "EventSpec": ("hazard",),
}


class NotStackable(ValueError):
    """Raised with the dotted path of a field that differs and cannot vary per replication."""


def _holds_value(hint) -> bool:
    return PerReplication in typing.get_args(hint) or hint is PerReplication


def _kind(hint) -> str:
    if _holds_value(hint):
        return VALUE
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for arg in args:
        if typing.get_origin(arg) is dict and _holds_value(typing.get_args(arg)[1]):
            return VALUES
    return OTHER


@functools.cache
def _kinds(cls: type) -> dict[str, str]:
    """Each compared field of a spec dataclass: a Value, a dict of Values, or anything else."""
    hints = typing.get_type_hints(cls)
    also = ALSO_PER_REPLICATION.get(cls.__name__, ())
    return {
        f.name: VALUE if f.name in also else _kind(hints[f.name]) for f in fields(cls) if f.compare
    }


def _is_value(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float | Distribution | PerReplication)


def _same(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, PerReplication) or isinstance(b, PerReplication):
        return False  # arrays: only the same object is the same
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _name(item, index: int) -> str:
    return str(getattr(item, "name", index))


def _per_tile(values: list, path: str) -> PerTile:
    if not all(_is_value(v) for v in values):
        raise NotStackable(path)
    return PerTile(tuple(values))


def _stack(items: list, path: str):
    first = items[0]
    if all(_same(first, item) for item in items[1:]):
        return first
    kind = type(first)
    if is_dataclass(first) and not isinstance(first, Distribution):
        if any(type(item) is not kind for item in items):
            raise NotStackable(path)
        changes = {}
        for name, field_kind in _kinds(kind).items():
            values = [getattr(item, name) for item in items]
            where = f"{path}.{name}" if path else name
            if all(_same(values[0], v) for v in values[1:]):
                continue
            if field_kind == VALUE:
                changes[name] = _per_tile(values, where)
            elif field_kind == VALUES:
                changes[name] = _stack_values(values, where)
            else:
                changes[name] = _stack(values, where)
        return replace(first, **changes)
    if isinstance(first, tuple) and all(
        isinstance(item, tuple) and len(item) == len(first) for item in items
    ):
        return tuple(
            _stack([item[i] for item in items], f"{path}.{_name(first[i], i)}")
            for i in range(len(first))
        )
    raise NotStackable(path)


def _stack_values(dicts: list, path: str) -> dict:
    if any(d is None for d in dicts) or any(d.keys() != dicts[0].keys() for d in dicts):
        raise NotStackable(path)
    stacked = {}
    for key in dicts[0]:
        values = [d[key] for d in dicts]
        same = all(_same(values[0], v) for v in values[1:])
        stacked[key] = values[0] if same else _per_tile(values, f"{path}.{key}")
    return stacked


def stack(scenarios: Sequence):
    """One scenario for a tiled model whose tile p is ``scenarios[p]``: equal fields as they
    are, differing numbers as :class:`PerTile` values. Raises :class:`NotStackable` (naming the
    field) when the scenarios differ in anything that cannot vary per replication."""
    if not scenarios:
        raise ValueError("nothing to stack")
    if len(scenarios) == 1:
        return scenarios[0]
    return _stack(list(scenarios), "")


def batch_key(value) -> typing.Hashable:
    """A key equal for scenarios that differ only where :func:`stack` allows."""
    if is_dataclass(value) and not isinstance(value, Distribution):
        parts = []
        for name, kind in _kinds(type(value)).items():
            item = getattr(value, name)
            if kind == VALUE and _is_value(item):
                parts.append((name, MASKED))
            elif kind == VALUES and isinstance(item, dict):
                parts.append((name, tuple(item)))
            else:
                parts.append((name, batch_key(item)))
        return (type(value).__name__, tuple(parts))
    if isinstance(value, tuple | list):
        return tuple(batch_key(item) for item in value)
    if isinstance(value, dict):
        return tuple((key, batch_key(item)) for key, item in value.items())
    if isinstance(value, PerReplication):
        return ("PerReplication", id(value))
    return value
