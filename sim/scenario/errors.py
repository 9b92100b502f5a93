"""The one error users see for bad input: file, field path, problem, on one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScenarioError(ValueError):
    """Bad scenario or run setting, reported as ``file: field.path: problem``."""

    def __init__(self, source: str, path: str, problem: str):
        self.source = one_line(source)
        self.path = one_line(path)
        self.problem = one_line(problem)
        super().__init__(f"{self.source}: {self.path or '<top level>'}: {self.problem}")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, so a name taken from a
    hostile file cannot break the one-line message."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ``did you mean`` hint for a misspelt name, or a list of valid names."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (choose from: {', '.join(choices)})" if choices else ""
