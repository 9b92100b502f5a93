"""What a results folder records about how it was made: the versions of the packages behind
it (``run.json`` of a run, ``summary.json`` of a sensitivity run) and the git commit."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def versions(packages: Iterable[str]) -> dict[str, str]:
    """The installed version of each package ("python": the interpreter's), or
    "not installed"."""
    found = {}
    for name in packages:
        if name == "python":
            found[name] = platform.python_version()
            continue
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    """The commit of the checkout negsim runs from; None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None
