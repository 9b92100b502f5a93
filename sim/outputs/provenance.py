"""What a results folder records about how it was made: the versions of the packages behind
it (``run.json`` of a run, ``summary.json`` of a sensitivity run) and the git commit.

Both are looked up once per process (each job of a sweep run in one process would otherwise pay
for them again): a process runs the code it imported, whatever is installed or committed later.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path


def versions(packages: Iterable[str]) -> dict[str, str]:
    """The installed version of each package ("python": the interpreter's), or
    "not installed"."""
    return {name: _version(name) for name in packages}


@cache
def _version(name: str) -> str:
    if name == "python":
        return platform.python_version()
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@cache
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
