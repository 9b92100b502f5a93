"""Where scenario files are found: the shipped folder, then ``./scenarios`` in the working
directory. The one lookup every command and the dashboard use."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.errors import suggest
from sim.scenario.shipped import shipped_folder

SHIPPED = shipped_folder("scenarios")


def known_scenarios() -> dict[str, Path]:
    """Name -> file for every shipped scenario, then every one in ``./scenarios`` (which wins)."""
    found: dict[str, Path] = {}
    for folder in dict.fromkeys((SHIPPED, Path.cwd() / "scenarios")):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            found[path.stem] = path
    return found


def scenario_path(name_or_path: str) -> Path:
    """A path as given, or a known scenario's file; LookupError for an unknown name."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return path
    known = known_scenarios()
    if name_or_path not in known:
        raise LookupError(
            f"scenario: unknown scenario '{name_or_path}'{suggest(name_or_path, sorted(known))};"
            " give a shipped name or a path ending in .yaml"
        )
    return known[name_or_path]
