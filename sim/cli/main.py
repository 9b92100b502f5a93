"""The ``negsim`` command: Hydra composes the settings, :func:`sim.cli.run.run` does the work.

Scenario files are not Hydra config files: they are read as plain data (``sim.scenario.validation``) and
registered in Hydra's ConfigStore under the group ``scenario``, so ``scenario=<name>`` picks a
shipped scenario, ``scenario=path/to/file.yaml`` a file anywhere, and ``scenario.<field>=value``
overrides any field. Launchers compose each job's config in their own worker processes, so the
registration also runs when this module is imported there; files named on the command line reach
the workers through the ``NEGSIM_SCENARIO_FILES`` environment variable.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli import overrides, stored
from sim.cli.guard import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    RunInterrupted,
    bug_line,
    guarded,
    save_traceback,
)
from sim.cli.help_page import help_page
from sim.cli.startup import load_heavy
from sim.core.registry import declared_names
from sim.outputs.folder import SUMMARY, RunFolderExists, discard_unstarted, shown
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

# option name -> file it came from, for error messages
_sources: dict[str, str] = {}


def _register(name: str, path: Path) -> None:
    source = shown(path)
    stored.store(name, path, source)  # read when a composition picks it
    _sources[name] = source


@cache
def protocol_names() -> list[str]:
    """The registered protocols' names, from their modules' source when it declares them."""
    names = declared_names("sim.core.protocols")
    if names is None:
        from sim.core.protocols.base import PROTOCOLS

        names = list(PROTOCOLS)
    return names


def register_protocols() -> None:
    """Every registered protocol is an option of the ``protocol`` group (``protocol=<name>``),
    so a new protocol needs no config file; ``conf/protocol/from_scenario.yaml``, the default,
    plays the scenario's own."""
    for name in protocol_names():
        ConfigStore.instance().store(group="protocol", name=name, node={"name": name})


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
        raise_invalid(OmegaConf.to_container(stored.read_node(path, shown(path))), shown(path))
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


def _fresh_dir(path: str) -> str:
    """``path``, or ``path-2``, ``path-3``... if it exists: never overwrite. The folder is
    created here, atomically, so runs started in the same second (shards of a job array) each
    claim their own."""
    candidate, n = Path(path), 1
    candidate.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            candidate.mkdir()
            return str(candidate)
        except FileExistsError:
            n += 1
            candidate = Path(f"{path}-{n}")


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("negsim_fresh_dir"):
        OmegaConf.register_new_resolver("negsim_fresh_dir", _fresh_dir, use_cache=True)


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


def refuse_bad_run(cfg: DictConfig) -> None:
    """Refuse a single run's bad scenario or settings from the config the command-line check
    composed, before Hydra composes it twice more and starts the job (and so before it makes
    a folder or a log). What this cannot read alone (an interpolation of Hydra's settings) is
    left to the run, which checks everything again."""
    choice = cfg.hydra.runtime.choices.get("scenario")
    try:
        job = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])
        config = OmegaConf.to_container(job, resolve=True)
    except Exception:
        return
    try:
        checked(config, _sources.get(choice, f"scenario '{choice}'"), choice, in_sweep=False)
    except ScenarioError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    if "negsim_batch" in cfg:  # a launcher job of a vectorised sweep (sim.cli.sweeper)
        from sim.cli.points import run_batch_job

        try:
            run_batch_job(Path(hydra_cfg.sweep.dir), int(cfg.negsim_batch), _sources, checked)
        except RunInterrupted as exc:
            print(f"negsim: {exc}", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        return
    run_dir = Path(hydra_cfg.runtime.output_dir)
    in_sweep = hydra_cfg.mode == RunMode.MULTIRUN
    if in_sweep and (run_dir / SUMMARY).is_file():
        print(f"negsim: job {hydra_cfg.job.num} is already complete in {shown(run_dir)}; skipping")
        return
    # In a sweep, which job a summary or error is about (Hydra's own lines go to no terminal);
    # printed with it, so that jobs running in parallel do not mix their lines.
    job = f"negsim: job {hydra_cfg.job.num}: " if in_sweep else "negsim: "
    choice = hydra_cfg.runtime.choices.get("scenario")
    source = _sources.get(choice, f"scenario '{choice}'")
    try:
        config = OmegaConf.to_container(cfg, resolve=True)
        scenario, settings = checked(config, source, choice, in_sweep)
        # Imported only now: bad input is refused before the model, pandas and matplotlib load.
        load_heavy("sim.cli.run")
        from sim.cli.run import console_summary, run

        summary = run(
            scenario,
            settings,
            run_dir,
            config=config,
            overrides=list(hydra_cfg.overrides.task),
            keep=(f"{hydra_cfg.job.name}.log",),
            discard_unfinished=in_sweep,  # a sweep resumed after a crash runs its job again
        )
    except (ScenarioError, RunFolderExists) as exc:
        print(f"{job}error: {exc}", file=sys.stderr)
        if in_sweep:  # the other jobs go on; the sweep's end reports this one as unfinished
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / "FAILED").write_text(f"{exc}\n")
            return
        if isinstance(exc, ScenarioError):
            discard_unstarted(run_dir, log_name=f"{hydra_cfg.job.name}.log")
        sys.exit(EXIT_BAD_INPUT)
    except RunInterrupted as exc:
        print(f"negsim: {exc}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: one line, the traceback in the run's log
        log = save_traceback("negsim", exc, run_dir / f"{hydra_cfg.job.name}.log")
        line = bug_line("negsim", exc, Path(shown(log)))
        print(line, file=sys.stderr)
        if in_sweep:  # the other jobs go on, as for bad input
            (run_dir / "FAILED").write_text(f"{line}\n")
            return
        sys.exit(EXIT_BUG)
    header = f"{job}{' '.join(hydra_cfg.overrides.task)}\n" if in_sweep else ""
    print(header + console_summary(scenario, summary, run_dir, figures=settings.figures))


def check_command_line(args: list[str]) -> DictConfig | None:
    """One line and exit code 2 for any mistake Hydra would report in many lines; the composed
    config when the check composed the command line as it is."""
    try:
        return overrides.check(args, CONF_DIR)
    except overrides.CommandLineError as exc:
        print(f"negsim: error: command line: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


@guarded("negsim")
def main() -> None:
    register_resolvers()
    args = register_scenarios(sys.argv[1:])
    page = help_page(args, CONF_DIR, {"scenario": list(_sources), "protocol": protocol_names()})
    if page is not None:
        print(page)
        return
    composed = check_command_line(args)
    flags, settings = overrides.split(with_sweep_seed(args))  # a seed imports numpy: not before
    if composed is not None and not flags and composed.hydra.mode != RunMode.MULTIRUN:
        refuse_bad_run(composed)  # a single run, not --cfg, --help, -m
    sys.argv = [sys.argv[0], *flags, *settings]
    _hydra_main()


# Launcher workers import this module to find the task function: register there too.
register_resolvers()
register_protocols()
register_known_scenarios()
