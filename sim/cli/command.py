"""What the ``negsim`` command knows before Hydra (:mod:`sim.cli.main` is the command itself):
the settings are composed from ``conf/`` (by Hydra, or for the command lines that need no more,
by :mod:`sim.cli.composition`), and :func:`sim.cli.run.run` does the work.

Scenario files are not Hydra config files: they are read as plain data (``sim.scenario.validation``) and
registered in Hydra's ConfigStore under the group ``scenario`` (:mod:`sim.cli.app`), so
``scenario=<name>`` picks a shipped scenario, ``scenario=path/to/file.yaml`` a file anywhere, and
``scenario.<field>=value`` overrides any field. Launchers compose each job's config in their own
worker processes, so the registration also runs when ``sim.cli.app`` is imported there; files
named on the command line reach the workers through the ``NEGSIM_SCENARIO_FILES`` environment
variable.

This module imports no Hydra: ``negsim --help``, ``negsim --cfg job``, a misspelt setting and a
refused scenario or setting answer without it (benchmarks/bench_startup.py); everything else goes
on to :func:`sim.cli.app.launch`.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli import composition, overrides
from sim.cli.guard import EXIT_BAD_INPUT
from sim.core.registry import declared_names
from sim.outputs.folder import shown
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.library import known_scenarios
from sim.scenario.reading import raise_invalid
from sim.scenario.shipped import shipped_folder

if TYPE_CHECKING:  # only for annotations: both import numpy
    from sim.engine.settings import RunSettings
    from sim.scenario.spec import Scenario

# Everything that imports numpy (the registries, validation, the run settings, the model) is
# imported where it is used, so that --help, --cfg and bad command lines answer without it.

CONF_DIR = shipped_folder("conf")
FILES_VARIABLE = "NEGSIM_SCENARIO_FILES"

# option name -> the file of every scenario negsim stores for Hydra, and how messages name it
_paths: dict[str, Path] = {}
_sources: dict[str, str] = {}


def _register(name: str, path: Path) -> None:
    _paths[name] = path
    _sources[name] = shown(path)


@cache
def protocol_names() -> list[str]:
    """The registered protocols' names, from their modules' source when it declares them."""
    names = declared_names("sim.core.protocols")
    if names is None:
        from sim.core.protocols.base import PROTOCOLS

        names = list(PROTOCOLS)
    return names


def register_known_scenarios() -> None:
    """Shipped scenarios, ./scenarios, and files passed on from the launching process."""
    for name, path in known_scenarios().items():
        _register(name, path)
    for entry in filter(None, os.environ.get(FILES_VARIABLE, "").split(os.pathsep)):
        name, _, path = entry.partition("=")
        _register(name, Path(path))


def _refuse_unreadable(path: Path) -> None:
    """A file named on the command line that is not a readable scenario mapping is refused
    before Hydra composes anything (the read is cached for the run that follows)."""
    try:
        raise_invalid(composition.read_data(path, shown(path)), shown(path))
    except ScenarioError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def register_scenarios(args: list[str]) -> list[str]:
    """Register every known scenario and any ``scenario=<file.yaml>`` arguments.

    Returns the arguments with file paths replaced by the names they were registered under.
    """
    register_known_scenarios()
    rewritten, files = [], []
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key.lstrip("~+") == "scenario" and value.endswith((".yaml", ".yml")):
            names = []
            for item in value.split(","):
                path = Path(item)
                if not path.is_file():
                    print(f"negsim: error: {item}: scenario file not found", file=sys.stderr)
                    sys.exit(EXIT_BAD_INPUT)
                _register(path.stem, path)
                _refuse_unreadable(path)
                files.append(f"{path.stem}={path.resolve()}")
                names.append(path.stem)
            arg = f"{key}={','.join(names)}"
        elif sep and key == "scenario":
            for name in value.split(","):
                if name not in _sources:
                    print(
                        f"negsim: error: scenario: unknown scenario '{name}'{suggest(name, _sources)};"
                        " give a shipped name or a path ending in .yaml",
                        file=sys.stderr,
                    )
                    sys.exit(EXIT_BAD_INPUT)
        rewritten.append(arg)
    if files:
        os.environ[FILES_VARIABLE] = os.pathsep.join(files)
    return rewritten


def with_sweep_seed(args: list[str]) -> list[str]:
    """A multirun without a seed gets one fresh seed shared by every job (common random numbers),
    so each job's numbers equal that job run alone with the same seed."""
    multirun = any(arg in ("-m", "--multirun") for arg in args)
    if multirun and not any(arg.partition("=")[0] == "seed" for arg in args):
        from sim.core.rng import fresh_seed

        return [*args, f"seed={fresh_seed()}"]
    return args


def with_figures_default(config: dict, in_sweep: bool) -> None:
    """``output.figures: null`` (the default) draws a single run's figures and skips each sweep
    job's: the sweep draws its own from every job's numbers, and a job's figures cost more than a
    small job's simulation. ``output.figures=true`` draws them in every job too. The choice made
    is what the run records."""
    output = config.setdefault("output", {})
    if isinstance(output, dict) and output.get("figures") is None:
        output["figures"] = not in_sweep


def checked(config: dict, source: str, choice: str, in_sweep: bool) -> tuple[Scenario, RunSettings]:
    """The run's validated scenario and settings from its composed config; ScenarioError for the
    first problem."""
    raise_invalid(config.get("scenario"), source)  # a file that could not be read
    with_figures_default(config, in_sweep)
    from sim.core.catalogue import validate
    from sim.engine.settings import RunSettings, check_work

    settings = RunSettings.from_config(config)
    scenario = validate(config["scenario"], source, default_name=choice)
    if config.get("sensitivity_points") is not None:  # one point of a sensitivity sample
        from sim.scenario.parameters import apply_point

        scenario = apply_point(scenario, config["sensitivity_points"], config["sensitivity_point"])
    check_work(scenario, settings)
    return scenario, settings


class Route(Enum):
    """What :func:`answer_directly` left for Hydra to do."""

    ANSWERED = "nothing"  # printed the answer (a refusal exits with code 2 instead)
    CHECKED = "the run"  # a single run, its command line, scenario and settings checked
    ALL = "everything"  # not sure of the composition: Hydra checks and runs


def refuse_bad_config(config: dict, choice: str | None) -> None:
    """Refuse a single run's bad scenario or settings (exit 2) before Hydra starts the job (and
    so before it makes a folder or a log); the run checks everything again."""
    try:
        checked(config, _sources.get(choice, f"scenario '{choice}'"), choice, in_sweep=False)
    except ScenarioError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def answer_directly(args: list[str]) -> Route:
    """``negsim --cfg job``, a setting that does not exist and a single run's bad input,
    answered from the settings :mod:`sim.cli.composition` composes without Hydra when it is sure
    they are Hydra's."""
    try:
        flags, settings = overrides.split(args)
    except overrides.CommandLineError:
        return Route.ALL  # reported by the command-line check
    if flags not in ([], ["--cfg", "job"], ["-c", "job"]):
        return Route.ALL
    try:
        composed = composition.compose(CONF_DIR, settings, _paths, _sources, protocol_names)
    except overrides.CommandLineError as exc:
        print(f"negsim: error: command line: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    if composed is None:
        return Route.ALL
    if flags:  # Hydra's show_cfg prints the same
        from omegaconf import OmegaConf

        sys.stdout.write(OmegaConf.to_yaml(composed.config))
        return Route.ANSWERED
    refuse_bad_config(composed.config, composed.choices.get("scenario"))
    return Route.CHECKED
