"""A run's settings composed from ``conf/`` without Hydra, for the command lines that need
nothing more: ``negsim --cfg job`` prints them, a misspelt setting is named from them, and a
single run's scenario and settings are checked on them before Hydra starts.

Importing Hydra costs as much as the whole answer may (benchmarks/bench_startup.py), and each of
its compositions about half that again. For negsim's own layout (a defaults list of one option
per group, then ``_self_``) the job's part of Hydra's composition is plain: each group's option
under the group's name, the primary config's own fields, then ``key=value`` overrides set on
settings that exist. This module does exactly that and nothing else: anything it is not sure
of (another override form, a ``hydra`` setting, a sweep, a package header, a nested defaults
list, a Hydra plugin it does not know, a value that is an interpolation) makes :func:`compose`
return None, and the command line goes through Hydra as before. tests/cli/test_composition.py
compares its answers with Hydra's.

Files are read as Hydra reads them (:class:`ConfLoader` is OmegaConf's YAML loader) and scenario
files as negsim stores them for Hydra (:func:`read_data`, shared with ``sim.cli.stored``).
"""

from __future__ import annotations

import copy
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sim.cli.overrides import TOURNAMENT, check_key
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import invalid, read_scenario_file

# Hydra plugins (modules of the ``hydra_plugins`` namespace) known to add configs only under
# ``hydra/`` and no config search path; with any other installed, Hydra composes.
KNOWN_PLUGINS = frozenset({"hydra_joblib_launcher", "hydra_submitit_launcher", "negsim_sweeper"})

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfLoader(_Base):  # type: ignore[misc, valid-type]
    """OmegaConf's YAML loader (``omegaconf._utils.get_yaml_loader``), which Hydra reads config
    files with: YAML 1.2 floats (``1e3``), no timestamps, duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        keys = set()
        for key_node, _ in node.value:
            if key_node.tag != yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                continue
            if key_node.value in keys:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key_node.value}",
                    key_node.start_mark,
                )
            keys.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


ConfLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        """^(?:
     [-+]?[0-9]+(?:_[0-9]+)*\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)
    |\\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\\.[0-9_]*
    |[-+]?\\.(?:inf|Inf|INF)
    |\\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
ConfLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in ConfLoader.yaml_implicit_resolvers.items()
}

PLAIN = (str, int, float, bool, type(None))
HEADER = re.compile(r"^\s*#\s*@package", re.M)


def file_version(path: Path) -> tuple[str, int, int]:
    """What the caches of files read key on: the path, modification time and size."""
    try:
        stat = path.stat()
    except OSError:
        return str(path), -1, -1  # reading it again reports the problem
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)
def _read(path: str, source: str, mtime_ns: int, size: int) -> dict:
    try:
        return read_scenario_file(Path(path), source)
    except ScenarioError as exc:
        return invalid(exc)


def read_data(path: Path, source: str) -> dict:
    """A scenario file's data (a stand-in carrying the error if it cannot be read), from the
    cache while the file is unchanged. Not to be changed: callers copy it."""
    name, mtime_ns, size = file_version(path)
    return _read(name, source, mtime_ns, size)


class NotSure(Exception):
    """The short route cannot be sure to compose what Hydra would: Hydra composes."""


def _plain(data: Any) -> Any:
    """``data`` if it is plain data that OmegaConf would hand back unchanged, no
    interpolation and no missing value (``???``) in it; NotSure otherwise."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raise NotSure
            _plain(value)
    elif isinstance(data, list):
        for value in data:
            _plain(value)
    elif not isinstance(data, PLAIN) or (isinstance(data, str) and ("${" in data or data == "???")):
        raise NotSure
    return data


def _load_conf(path: Path, primary: bool = False) -> dict:
    """A file of ``conf/`` as Hydra reads it; NotSure for a package header, or a defaults list
    anywhere but in the primary config."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=ConfLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise NotSure from None
    if HEADER.search(text[:512]) or not isinstance(data, dict):
        raise NotSure
    if "defaults" in data and not primary:
        raise NotSure
    return data


@dataclass(frozen=True)
class Setting:
    """A ``key=value`` override in the plainest form of Hydra's grammar (Hydra's ``Override``
    to :func:`sim.cli.overrides.check_key`)."""

    key_or_group: str
    value: Any
    input_line: str

    def is_add(self) -> bool:
        return False

    def is_force_add(self) -> bool:
        return False

    def is_delete(self) -> bool:
        return False


KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]+|[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+)")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_value(text: str) -> Any:
    """The value Hydra's override grammar gives ``text``, for a number, a boolean, null or a
    word; NotSure for anything else (quotes, lists, sweeps, interpolations, paths...)."""
    if INT.fullmatch(text):
        return int(text)
    if FLOAT.fullmatch(text):
        return float(text)
    lower = text.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower == "null":
        return None
    if WORD.fullmatch(text) and lower not in ("inf", "nan"):
        return text
    raise NotSure


def parse(overrides: list[str]) -> list[Setting]:
    settings = []
    for line in overrides:
        key, sep, text = line.partition("=")
        if not sep or not KEY.fullmatch(key) or key.split(".")[0] in ("hydra", TOURNAMENT):
            raise NotSure
        settings.append(Setting(key, parse_value(text), line))
    if len({s.key_or_group for s in settings}) < len(settings):
        raise NotSure  # Hydra's rules for a key given twice
    return settings


@lru_cache(maxsize=1)
def _plugins_known() -> bool:
    spec = importlib.util.find_spec("hydra_plugins")
    locations = spec.submodule_search_locations if spec else None
    return locations is not None and {m.name for m in pkgutil.iter_modules(locations)} <= (
        KNOWN_PLUGINS
    )


@dataclass(frozen=True)
class Composed:
    """The job's settings as Hydra would compose them (plain data, in Hydra's key order) and
    the option chosen for each group."""

    config: dict[str, Any]
    choices: dict[str, str]


def compose(
    conf_dir: Path,
    overrides: list[str],
    scenarios: Mapping[str, Path],
    sources: Mapping[str, str],
    protocols: Callable[[], list[str]],
) -> Composed | None:
    """The job's part of Hydra's composition of ``config.yaml`` with ``overrides``, or None when
    not sure it is. ``scenarios``: name -> file of every scenario negsim stores for Hydra
    (``sources``: how messages name them); ``protocols()``: the registered protocols, stored
    for Hydra as ``{name: <protocol>}``. Raises :class:`~sim.cli.overrides.CommandLineError`
    for a setting that does not exist, as the command-line check does."""
    try:
        settings = parse(overrides)
        if not _plugins_known():
            raise NotSure
        primary = _load_conf(conf_dir / "config.yaml", primary=True)
        defaults = primary.pop("defaults", None)
        hydra = primary.get("hydra", {})
        if not isinstance(defaults, list) or defaults[-1:] != ["_self_"]:
            raise NotSure
        if not isinstance(hydra, dict) or "searchpath" in hydra:
            raise NotSure
        groups = {}
        for entry in defaults[:-1]:
            if not (isinstance(entry, dict) and len(entry) == 1):
                raise NotSure
            ((group, option),) = entry.items()
            if str(group).startswith("override hydra/"):
                continue
            if not (WORD.fullmatch(str(group)) and isinstance(option, str)) or group in groups:
                raise NotSure
            groups[group] = option
        if set(groups) & set(primary):
            raise NotSure
        choices = dict(groups)
        for setting in settings:
            if setting.key_or_group not in groups and (conf_dir / setting.key_or_group).is_dir():
                raise NotSure  # a group outside the defaults list: Hydra's message
            if setting.key_or_group in groups:
                if not isinstance(setting.value, str):
                    raise NotSure
                choices[setting.key_or_group] = setting.value
        config: dict[str, Any] = {}
        for group, option in choices.items():
            config[group] = _option(conf_dir, group, option, scenarios, sources, protocols)
        config.update((key, value) for key, value in primary.items() if key != "hydra")
        _plain(config)
        for setting in settings:
            if setting.key_or_group not in groups:
                check_key(config, setting)
        for setting in settings:
            if setting.key_or_group not in groups:
                *parents, last = setting.key_or_group.split(".")
                node = config
                for part in parents:
                    node = node[part]
                if isinstance(node[last], (dict, list)):
                    raise NotSure  # OmegaConf's merge of a value into a group of settings
                node[last] = setting.value
        return Composed(config, choices)
    except NotSure:
        return None


def _option(
    conf_dir: Path,
    group: str,
    option: str,
    scenarios: Mapping[str, Path],
    sources: Mapping[str, str],
    protocols: Callable[[], list[str]],
) -> dict:
    """One group's chosen option, from where Hydra finds it first: a file in ``conf/``, then
    negsim's entries in Hydra's ConfigStore."""
    path = conf_dir / group / f"{option}.yaml"
    if path.is_file():
        return _load_conf(path)
    if (conf_dir / group / f"{option}.yml").exists():
        raise NotSure
    if group == "scenario" and option in scenarios:
        data = read_data(scenarios[option], sources[option])
        if "defaults" in data:
            raise NotSure
        return copy.deepcopy(data)
    if group == "protocol" and option in protocols():
        return {"name": option}
    raise NotSure  # an unknown option: Hydra's route names it
