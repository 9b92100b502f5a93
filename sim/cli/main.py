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
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli import overrides
from sim.cli.guard import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    RunInterrupted,
    bug_line,
    guarded,
    save_traceback,
)
from sim.core.catalogue import validate
from sim.core.protocols.base import PROTOCOLS
from sim.core.rng import fresh_seed
from sim.engine.settings import RunSettings, check_work
from sim.outputs.folder import SUMMARY, RunFolderExists, discard_unstarted, shown
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.library import known_scenarios
from sim.scenario.reading import invalid, read_scenario_file
from sim.scenario.shipped import shipped_folder

CONF_DIR = shipped_folder("conf")
FILES_VARIABLE = "NEGSIM_SCENARIO_FILES"

# option name -> file it came from, for error messages
_sources: dict[str, str] = {}


def _register(name: str, path: Path) -> None:
    source = shown(path)
    try:
        node = read_scenario_file(path, source)
    except ScenarioError as exc:
        node = invalid(exc)
    ConfigStore.instance().store(group="scenario", name=name, node=node)
    _sources[name] = source


def register_protocols() -> None:
    """Every registered protocol is an option of the ``protocol`` group (``protocol=<name>``),
    so a new protocol needs no config file; ``conf/protocol/from_scenario.yaml``, the default,
    plays the scenario's own."""
    for name in PROTOCOLS:
        ConfigStore.instance().store(group="protocol", name=name, node={"name": name})


def register_known_scenarios() -> None:
    """Shipped scenarios, ./scenarios, and files passed on from the launching process."""
    for name, path in known_scenarios().items():
        _register(name, path)
    for entry in filter(None, os.environ.get(FILES_VARIABLE, "").split(os.pathsep)):
        name, _, path = entry.partition("=")
        _register(name, Path(path))


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


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
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
        settings = RunSettings.from_config(config)
        scenario = validate(config["scenario"], source, default_name=choice)
        if config.get("sensitivity_points") is not None:  # one point of a sensitivity sample
            from sim.scenario.parameters import apply_point

            scenario = apply_point(
                scenario, config["sensitivity_points"], config["sensitivity_point"]
            )
        check_work(scenario, settings)
        # Imported only now: bad input is refused before the model, pandas and matplotlib load.
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


def check_command_line(args: list[str]) -> None:
    """One line and exit code 2 for any mistake Hydra would report in many lines."""
    try:
        overrides.check(args, CONF_DIR)
    except overrides.CommandLineError as exc:
        print(f"negsim: error: command line: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


@guarded("negsim")
def main() -> None:
    register_resolvers()
    args = with_sweep_seed(register_scenarios(sys.argv[1:]))
    check_command_line(args)
    flags, settings = overrides.split(args)
    sys.argv = [sys.argv[0], *flags, *settings]
    _hydra_main()


# Launcher workers import this module to find the task function: register there too.
register_resolvers()
register_protocols()
register_known_scenarios()
