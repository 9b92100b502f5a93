"""The shape of ``sim/``: layers import only downward, no import cycles, small modules.

Imports are read from the source (an AST walk), so imports inside functions and under
``if TYPE_CHECKING:`` count too. See docs/architecture.md for the layers and the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# Bottom to top. A module may import its own layer and the layers before it, never after.
# Layers on one line are peers that may not import each other.
LAYERS = [
    ("scenario",),
    ("core",),
    ("theory",),
    ("engine",),
    ("analysis", "sensitivity"),
    ("outputs",),
    ("cli",),
    ("viz",),
    ("api",),
]
RANK = {layer: rank for rank, group in enumerate(LAYERS) for layer in group}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SIM.rglob("*.py"))}


def imports(name: str, path: Path) -> set[str]:
    """Every ``sim`` module that ``name`` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert cycles(GRAPH) == []


def test_every_module_sits_in_a_layer():
    loose = [name for name in MODULES if name != "sim" and layer(name) is None]
    assert loose == []


@pytest.mark.parametrize("name", sorted(name for name in MODULES if layer(name)))
def test_imports_point_down(name):
    upward = [
        target
        for target in sorted(GRAPH[name])
        if layer(target)
        and layer(target) != layer(name)
        and RANK[layer(target)] >= RANK[layer(name)]
    ]
    assert upward == [], f"{name} imports a layer at or above its own"


def test_package_inits_import_nothing_from_sim():
    """An ``__init__`` that imported its children would put every child in a cycle with it."""
    busy = [name for name, path in MODULES.items() if path.name == "__init__.py" and GRAPH[name]]
    assert busy == []


def test_every_layer_says_what_it_holds_and_may_import():
    for group in LAYERS:
        for name in group:
            doc = ast.get_docstring(ast.parse((SIM / name / "__init__.py").read_text()))
            assert doc and "import" in doc, f"sim/{name}/__init__.py needs its docstring"


def test_no_module_over_400_lines():
    long = {
        str(path.relative_to(SIM.parent)): n
        for path in MODULES.values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
