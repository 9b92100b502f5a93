"""The ``negsim`` command line checked before Hydra sees it.

Every mistake Hydra would report in several lines or a traceback becomes one line with a
suggestion: malformed override syntax, a misspelt setting at any depth (``mcc.replications``,
``replications``, ``scenario.agents.<no such agent>.reservation``), an unknown option of a config
group (``protocol=<no such protocol>``, also inside a sweep), adding a setting that exists or
deleting one that does not, and an unknown flag.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sim.scenario.errors import suggest

if TYPE_CHECKING:  # Hydra is imported where it parses or composes: the short route needs none
    from hydra.core.override_parser.types import Override
    from omegaconf import DictConfig

# Hydra's own flags; those followed by a value take the next argument.
FLAGS = {"-m", "--multirun", "--resolve", "--help", "-h", "--hydra-help", "--version"}
FLAGS_WITH_VALUE = {
    "--cfg": ("job", "hydra", "all"),
    "-c": ("job", "hydra", "all"),
    "--package": None,
    "-p": None,
    "--info": None,
    "-i": None,
    "--shell-completion": None,
    "-sc": None,
}


class CommandLineError(Exception):
    """One line saying what is wrong with the command line."""


def split(args: list[str]) -> tuple[list[str], list[str]]:
    """Hydra's flags (with their values) and the overrides among ``args``, flags checked.
    Hydra's own parser wants the flags first (``a=1 -m`` is an error there), so ``negsim``
    passes them on in that order."""
    flags, overrides, expect_value = [], [], None
    for arg in args:
        if expect_value is not None:
            choices = FLAGS_WITH_VALUE[expect_value]
            if choices and arg not in choices:
                raise CommandLineError(f"{expect_value}: expected one of {', '.join(choices)}")
            flags.append(arg)
            expect_value = None
        elif arg in FLAGS_WITH_VALUE:
            flags.append(arg)
            expect_value = arg
        elif arg.startswith("-"):
            if arg.split("=")[0] not in FLAGS:
                raise CommandLineError(
                    f"{arg}: unknown option{suggest(arg, [*FLAGS, *FLAGS_WITH_VALUE])}"
                )
            flags.append(arg)
        else:
            overrides.append(arg)
    if expect_value is not None:
        raise CommandLineError(f"{expect_value}: needs a value")
    return flags, overrides


def _parse(overrides: list[str]) -> list[Override]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            (override,) = parser.parse_overrides([text])
        except Exception as exc:  # Hydra's OverrideParseException, with a multi-line message
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CommandLineError(
                f"{text}: not a valid override ({reason}); write key=value"
            ) from None
        if not override.key_or_group:
            raise CommandLineError(f"{text}: a setting needs a name before '='")
        parsed.append(override)
    return parsed


def _values(override: Override) -> list[str]:
    if override.is_sweep_override():
        return list(override.sweep_string_iterator())
    return [str(override.value())]


class KeyOverride(Protocol):
    """What :func:`check_key` reads of an override: Hydra's ``Override`` or negsim's own."""

    key_or_group: str

    def is_add(self) -> bool: ...
    def is_force_add(self) -> bool: ...
    def is_delete(self) -> bool: ...


def _child(node: Any, key: Any) -> Any:
    """``node[key]``; of an OmegaConf config its node, not resolved (an interpolation stays one
    value)."""
    return node._get_node(key) if hasattr(node, "_get_node") else node[key]


def _is_list(node: Any) -> bool:
    return isinstance(node, Sequence) and not isinstance(node, str)


def _paths(node: Mapping, prefix: str = "") -> Iterator[str]:
    for key in node:
        path = f"{prefix}{key}"
        yield path
        child = _child(node, key)
        if isinstance(child, Mapping):
            yield from _paths(child, f"{path}.")


def check_key(cfg: Mapping, override: KeyOverride) -> None:
    """Raise :class:`CommandLineError` if ``override`` names no setting of ``cfg`` (Hydra's
    composed config, or plain data composed the same way), with the nearest names."""
    key = override.key_or_group
    node, parts = cfg, key.split(".")
    for depth, part in enumerate(parts):
        prefix = ".".join(parts[:depth])
        if _is_list(node):
            if not (part.isdigit() and int(part) < len(node)):
                raise CommandLineError(f"{key}: {prefix} is a list; '{part}' is not an index")
            node = node[int(part)]
            continue
        if not isinstance(node, Mapping):
            raise CommandLineError(f"{key}: {prefix} is a single value, not a group of settings")
        if part in node:
            node = _child(node, part)
            continue
        if override.is_add() or override.is_force_add():
            return
        if override.is_delete():
            raise CommandLineError(f"{key}: there is no such setting to delete")
        hint = suggest(part, [str(k) for k in node])
        if depth == 0 and not hint.startswith(" (did"):
            nested = [p for p in _paths(cfg) if p.rsplit(".", 1)[-1] == part]
            hint = f" (did you mean '{nested[0]}'?)" if nested else hint
        if depth == len(parts) - 1:
            raise CommandLineError(
                f"{key}: unknown setting{hint}; to add a new field write +{key}=..."
            )
        add = (
            f"; to add it write +{key}=..."
            if prefix.startswith("scenario.") and "did you mean" not in hint
            else ""
        )
        raise CommandLineError(
            f"{key}: '{part}' is not a setting of {prefix or 'negsim'}{hint}{add}"
        )
    if override.is_add() and not override.is_force_add():
        raise CommandLineError(f"{key}: already set; write {key}=... to change it")


# conf/tournament/ holds negsim-tournament's configs; to Hydra it looks like one of negsim's groups.
TOURNAMENT = "tournament"


def check(args: list[str], conf_dir: Path) -> DictConfig | None:
    """Raise :class:`CommandLineError` for the first mistake in ``args`` (see the module doc).

    A command line without sweeps that Hydra composes as it is has no mistake to find: one
    composition answers (each costs about 0.1 s), and that config (with Hydra's settings) is
    returned; only a refused one is searched for its cause. None when nothing was composed."""
    overrides = _parse(split(args)[1])
    for override in overrides:
        if override.key_or_group == TOURNAMENT:
            raise CommandLineError(
                f"{TOURNAMENT}: the configs in conf/{TOURNAMENT}/ are played by negsim-tournament"
                " (e.g. negsim-tournament classroom), not by negsim"
            )
    if not overrides:  # nothing to check; the shipped config itself is Hydra's to compose
        return None
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(conf_dir), version_base=None):
        if not any(o.is_sweep_override() for o in overrides):
            try:
                lines = [o.input_line for o in overrides]
                return compose("config", overrides=lines, return_hydra_config=True)
            except Exception:  # find the mistake and say it in one line
                pass
        _find_mistake(overrides)
    return None


def _find_mistake(overrides: list[Override]) -> None:
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    choices = []
    for override in overrides:
        group = override.key_or_group
        options = loader.get_group_options(group) if "." not in group else []
        if not options or group == "hydra":
            continue
        for value in _values(override):
            if value not in options:
                raise CommandLineError(
                    f"{group}: unknown option '{value}'{suggest(value, options)}"
                )
        choices.append(f"{group}={_values(override)[0]}")
    try:
        cfg = compose("config", overrides=choices, return_hydra_config=True)
    except Exception as exc:  # a group option that does not compose
        raise CommandLineError(str(exc).splitlines()[0]) from None
    groups = {c.partition("=")[0] for c in choices}
    for override in overrides:
        if override.key_or_group not in groups:
            check_key(cfg, override)
    plain = [o.input_line for o in overrides if not o.is_sweep_override()]
    try:
        compose("config", overrides=plain, return_hydra_config=True)
    except Exception as exc:  # anything else Hydra would refuse
        raise CommandLineError(str(exc).splitlines()[0]) from None
