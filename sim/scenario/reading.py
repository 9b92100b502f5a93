"""Reading a scenario file: YAML data only (no tags, no ``_target_``, no interpolation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError

# Set on a scenario that could not be read; reported when that scenario is chosen.
INVALID_MARKER = "__negsim_invalid__"


def _reject_code(node: Any, source: str, path: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and key.startswith("_"):
                raise ScenarioError(
                    source,
                    where,
                    f"'{key}' is not allowed: a scenario file is data and names no code",
                )
            _reject_code(value, source, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _reject_code(value, source, f"{path}[{i}]")
    elif isinstance(node, str) and "${" in node:
        raise ScenarioError(
            source, path, "interpolations ('${...}') are not allowed in scenario files"
        )


def read_yaml_mapping(path: Path, source: str, what: str) -> dict[str, Any]:
    """Parse a YAML file of plain data (``safe_load``: no tags) that must be a mapping."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, "", f"not valid YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"{what} must be a mapping of fields")
    return data


def read_scenario_file(path: Path, source: str | None = None) -> dict[str, Any]:
    """Parse a scenario file safely (no YAML tags, no ``_target_``, no interpolation)."""
    source = source or str(path)
    data = read_yaml_mapping(path, source, "a scenario file")
    _reject_code(data, source, "")
    return data
