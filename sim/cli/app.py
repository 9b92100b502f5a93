"""negsim's Hydra application: the scenarios and protocols in Hydra's ConfigStore, the
command-line check that needs Hydra's composition, and the task function every run and sweep
job goes through. Imported by :func:`sim.cli.main.main` when the command line needs Hydra, and by
launcher workers, which find the task function here: the registration runs at import.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli import command, overrides, stored
from sim.cli.command import CONF_DIR, _sources, checked, protocol_names, with_sweep_seed
from sim.cli.guard import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    RunInterrupted,
    bug_line,
    save_traceback,
)
from sim.cli.startup import load_heavy
from sim.outputs.folder import SUMMARY, RunFolderExists, discard_unstarted, shown
from sim.scenario.errors import ScenarioError


def store_scenarios() -> None:
    """Every scenario :mod:`sim.cli.command` registered, in Hydra's ConfigStore (read when a
    composition picks it)."""
    for name, path in command._paths.items():
        stored.store(name, path, command._sources[name])


def register_protocols() -> None:
    """Every registered protocol is an option of the ``protocol`` group (``protocol=<name>``),
    so a new protocol needs no config file; ``conf/protocol/from_scenario.yaml``, the default,
    plays the scenario's own."""
    for name in protocol_names():
        ConfigStore.instance().store(group="protocol", name=name, node={"name": name})


def register_known_scenarios() -> None:
    """Shipped scenarios, ./scenarios, and files passed on from the launching process."""
    command.register_known_scenarios()
    store_scenarios()


def register_scenarios(args: list[str]) -> list[str]:
    """:func:`sim.cli.command.register_scenarios`, stored for Hydra."""
    rewritten = command.register_scenarios(args)
    store_scenarios()
    return rewritten


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
    command.refuse_bad_config(config, choice)


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


def launch(args: list[str], checked: bool = False) -> None:
    """Run ``args`` (scenarios registered) through Hydra; ``checked``: the command line, scenario
    and settings of this single run are known to be sound (:func:`sim.cli.command.answer_directly`),
    so Hydra composes only for the run."""
    store_scenarios()
    composed = None if checked else check_command_line(args)
    flags, settings = overrides.split(with_sweep_seed(args))  # a seed imports numpy: not before
    if composed is not None and not flags and composed.hydra.mode != RunMode.MULTIRUN:
        refuse_bad_run(composed)  # a single run, not --cfg, --help, -m
    sys.argv = [sys.argv[0], *flags, *settings]
    _hydra_main()


# Launcher workers import this module to find the task function: register there too (the
# command itself registered its scenarios before importing this).
register_resolvers()
register_protocols()
if not command._paths:
    command.register_known_scenarios()
store_scenarios()
