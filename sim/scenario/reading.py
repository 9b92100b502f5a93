"""Reading a scenario or config file: YAML data only, bounded before anything is walked.

A file is read only up to :data:`MAX_FILE_BYTES`; its tokens are scanned for nesting depth before
they are composed; the composed nodes are measured as they would be once aliases are expanded
(so a small "billion laughs" file is refused before it is built) and checked for duplicate keys.
What passes holds no YAML tags (``safe`` loading), and a scenario file no ``_target_`` and no
``${...}`` interpolation: a scenario is data and names no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError

# Stands in for a scenario that could not be read; reported when that scenario is chosen.
INVALID_MARKER = "__negsim_invalid__"
# Shipped scenarios are under 10 kB and 1,000 values, nested 6 levels deep.
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 20_000  # scalars, lists and mappings, counted with aliases expanded
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken) + (
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def invalid(exc: ScenarioError) -> dict[str, dict[str, str]]:
    """A stand-in for a scenario file that could not be read, to be reported by
    :func:`~sim.scenario.validation.validate` if that scenario is chosen. Safe to hand to
    OmegaConf: a ``${`` in the problem is escaped so that it is not taken for an interpolation."""
    return {INVALID_MARKER: {"path": exc.path, "problem": exc.problem.replace("${", "\\${")}}


def raise_invalid(data: Any, source: str) -> None:
    """Raise the error a stand-in from :func:`invalid` carries, if ``data`` is one."""
    if isinstance(data, dict) and INVALID_MARKER in data:
        marker = data[INVALID_MARKER]
        problem = str(marker["problem"]).replace("\\${", "${")
        raise ScenarioError(source, str(marker["path"]), problem)


def _line(mark) -> str:
    return f"line {mark.line + 1}: " if mark is not None else ""


def read_text(path: Path, source: str) -> str:
    """The file's text, refused when it is too large or not UTF-8."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            source, "", f"file is larger than {MAX_FILE_BYTES:,} bytes, the limit for input files"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            source,
            "",
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column}",
        ) from None


def _check_tokens(text: str, source: str) -> None:
    """Nesting depth and size, from the token stream (no recursion, nothing built yet)."""
    depth = values = 0
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError(
                    source,
                    "",
                    f"{_line(token.start_mark)}nested more than {MAX_DEPTH} levels deep",
                )
        elif isinstance(token, _CLOSE):
            depth -= 1
        elif isinstance(token, yaml.ScalarToken):
            values += 1
            if values > MAX_VALUES:
                raise ScenarioError(source, "", f"holds more than {MAX_VALUES:,} values")


def _children(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        return [(str(key.value), value) for key, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(f"[{i}]", value) for i, value in enumerate(node.value)]
    return []


def _join(path: str, step: str) -> str:
    return f"{path}{step}" if step.startswith("[") or not path else f"{path}.{step}"


def _duplicate_keys(node: yaml.MappingNode, path: str, source: str) -> None:
    first: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
            continue
        seen = first.setdefault((key.tag, key.value), key)
        if seen is not key:
            raise ScenarioError(
                source,
                _join(path, str(key.value)),
                f"{_line(key.start_mark)}defined twice (first on line {seen.start_mark.line + 1})",
            )


def _check_nodes(root: yaml.Node, source: str) -> None:
    """Duplicate keys, and size and depth as if every alias were expanded, without expanding:
    each distinct node is measured once (iterative post-order walk over the node graph)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, str, bool]] = [(root, "", False)]
    while stack:
        node, path, done = stack.pop()
        key = id(node)
        if done:
            children = [child for _, child in _children(node)]
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            visiting.discard(key)
            if size[key] > MAX_VALUES:
                raise ScenarioError(
                    source,
                    path,
                    f"holds more than {MAX_VALUES:,} values once its aliases are expanded",
                )
            if depth[key] > MAX_DEPTH:
                raise ScenarioError(
                    source, path, f"nested more than {MAX_DEPTH} levels deep through aliases"
                )
            continue
        if key in size:
            continue
        if key in visiting:
            raise ScenarioError(
                source, path, f"{_line(node.start_mark)}an alias refers to a value that holds it"
            )
        visiting.add(key)
        if isinstance(node, yaml.MappingNode):
            _duplicate_keys(node, path, source)
        stack.append((node, path, True))
        # Children pushed last first, so nodes are first reached in document order: a problem
        # is reported at the field that defines the value, not at a later alias of it.
        children = _children(node)[::-1]
        stack.extend((child, _join(path, step), False) for step, child in children)


def load_yaml(text: str, source: str) -> Any:
    """Plain data from YAML text (no tags), bounded and without duplicate keys."""
    try:
        _check_tokens(text, source)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_nodes(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml's own limit, met while scanning ahead
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise ScenarioError(source, "", f"not valid YAML: {where}{problem}") from None


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
            _reject_interpolation(key, source, where)
            _reject_code(value, source, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _reject_code(value, source, f"{path}[{i}]")
    else:
        _reject_interpolation(node, source, path)


def _reject_interpolation(node: Any, source: str, path: str) -> None:
    if isinstance(node, str) and "${" in node:
        raise ScenarioError(
            source, path, "interpolations ('${...}') are not allowed in scenario files"
        )


def read_yaml_mapping(path: Path, source: str, what: str) -> dict[str, Any]:
    """Parse a YAML file of plain data that must be a mapping (see :func:`load_yaml`)."""
    data = load_yaml(read_text(Path(path), source), source)
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"{what} must be a mapping of fields")
    return data


def read_scenario_file(path: Path, source: str | None = None) -> dict[str, Any]:
    """Parse a scenario file safely (no YAML tags, no ``_target_``, no interpolation)."""
    source = source or str(path)
    data = read_yaml_mapping(path, source, "a scenario file")
    _reject_code(data, source, "")
    return data
