"""A student's strategy from a Python file named on the command line (``negsim-tournament
--strategy-file my_agent.py``): the file is imported by path, and what it ``@register``s joins
the registries of strategies, opponent models and acceptance conditions. Scenario and tournament
files stay data: only this command-line option runs code.

Every problem with the file is one :class:`StrategyFileError` line naming the file (and the line
where Python says it went wrong).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from pathlib import Path

from sim.core.acceptance.base import ACCEPTANCES, Acceptance
from sim.core.opponents.base import OPPONENT_MODELS, OpponentModel
from sim.core.registry import Registry
from sim.core.strategies.base import STRATEGIES, Param, Strategy

FAMILIES: tuple[tuple[Registry, type], ...] = (
    (STRATEGIES, Strategy),
    (OPPONENT_MODELS, OpponentModel),
    (ACCEPTANCES, Acceptance),
)
DECIDES = {Strategy: "aspiration", OpponentModel: None, Acceptance: "accepts"}


class StrategyFileError(ValueError):
    """A strategy file that cannot join: one line."""


def where_in(path: Path, exc: BaseException) -> str:
    """``path:line`` of the deepest frame of ``exc``'s traceback inside ``path`` (``path`` if
    none is)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return f"{path}:{line}" if line else str(path)


def load_strategy_file(path: Path) -> dict[str, list[str]]:
    """Import ``path``; the names it registered, per family (``strategy``, ``opponent model``,
    ``acceptance condition``)."""
    path = Path(path)
    if not path.is_file():
        raise StrategyFileError(f"{path}: no such file")
    if path.suffix != ".py":
        raise StrategyFileError(f"{path}: a strategy file is a Python file ending in .py")
    for registry, _ in FAMILIES:
        len(registry)  # the built-ins first, so that a clash is the file's, not theirs
    before = {registry.kind: set(registry) for registry, _ in FAMILIES}
    name = "negsim_strategy_file_" + re.sub(r"\W", "_", path.stem) + f"_{len(sys.modules)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StrategyFileError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise StrategyFileError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:
        problem = str(exc).splitlines()[0] if str(exc) else ""
        if "is registered twice" in problem:
            problem += ": a built-in or another file has that name; choose another"
        raise StrategyFileError(
            f"{where_in(path, exc)}: importing it failed: {type(exc).__name__}: {problem}"
        ) from None
    added = {
        registry.kind: sorted(set(registry) - before[registry.kind]) for registry, _ in FAMILIES
    }
    if not any(added.values()):
        raise StrategyFileError(
            f"{path}: registers nothing; decorate a Strategy subclass with @register from "
            "sim.core.strategies.base (see docs/tournament.md)"
        )
    for registry, base in FAMILIES:
        for entry in added[registry.kind]:
            _check(path, registry, base, entry)
    return added


def _check(path: Path, registry: Registry, base: type, name: str) -> None:
    cls = registry[name]
    what = f"{path}: {registry.kind} '{name}'"
    if not isinstance(cls, type) or not issubclass(cls, base):
        raise StrategyFileError(f"{what} is not a subclass of {base.__name__}")
    if not name.isidentifier():
        raise StrategyFileError(f"{what}: a name is letters, digits and underscores")
    params = getattr(cls, "params", None)
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, Param) for k, v in params.items()
    ):
        raise StrategyFileError(f"{what}: params must map names to Param(default, low, high, doc)")
    method = DECIDES[base]
    if method is not None and getattr(cls, method) is getattr(base, method):
        raise StrategyFileError(f"{what} does not define {method}()")
