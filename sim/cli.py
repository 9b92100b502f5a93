"""The ``negsim`` command: Hydra composes the settings, :func:`sim.run.run` does the work.

Scenario files are not Hydra config files: they are read as plain data (``sim.scenario``) and
registered in Hydra's ConfigStore under the group ``scenario``, so ``scenario=<name>`` picks a
shipped scenario, ``scenario=path/to/file.yaml`` a file anywhere, and ``scenario.<field>=value``
overrides any field.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.errors import ScenarioError, suggest
from sim.outputs import RunFolderExists, discard_unstarted
from sim.scenario import INVALID_MARKER, read_scenario_file, validate

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PACKAGE_ROOT / "conf"
SHIPPED_SCENARIOS = PACKAGE_ROOT / "scenarios"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# option name -> file it came from, for error messages
_sources: dict[str, str] = {}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _register(name: str, path: Path) -> None:
    source = _display(path)
    try:
        node = read_scenario_file(path, source)
    except ScenarioError as exc:
        node = {INVALID_MARKER: exc.problem if not exc.path else f"{exc.path}: {exc.problem}"}
    ConfigStore.instance().store(group="scenario", name=name, node=node)
    _sources[name] = source


def register_scenarios(args: list[str]) -> list[str]:
    """Register shipped scenarios (and ./scenarios) and any ``scenario=<file.yaml>`` arguments.

    Returns the arguments with file paths replaced by the names they were registered under.
    """
    for folder in dict.fromkeys((SHIPPED_SCENARIOS, Path.cwd() / "scenarios")):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            _register(path.stem, path)
    rewritten = []
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
    return rewritten


def _fresh_dir(path: str) -> str:
    """``path``, or ``path-2``, ``path-3``... if a run already lives there: never overwrite."""
    candidate, n = Path(path), 1
    while candidate.exists():
        n += 1
        candidate = Path(f"{path}-{n}")
    return str(candidate)


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("negsim_fresh_dir"):
        OmegaConf.register_new_resolver("negsim_fresh_dir", _fresh_dir, use_cache=True)


def _bad_input(exc: Exception, run_dir: Path | None) -> None:
    print(f"negsim: error: {exc}", file=sys.stderr)
    if run_dir is not None:
        discard_unstarted(run_dir, log_name=f"{HydraConfig.get().job.name}.log")
    sys.exit(EXIT_BAD_INPUT)


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    from sim.run import RunInterrupted, console_summary, run
    from sim.settings import RunSettings

    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    choice = hydra_cfg.runtime.choices.get("scenario")
    source = _sources.get(choice, f"scenario '{choice}'")
    try:
        config = OmegaConf.to_container(cfg, resolve=True)
        settings = RunSettings.from_config(config)
        scenario = validate(config["scenario"], source, default_name=choice)
        summary = run(
            scenario, settings, run_dir, config=config, overrides=list(hydra_cfg.overrides.task)
        )
    except (ScenarioError, RunFolderExists) as exc:
        _bad_input(exc, run_dir if isinstance(exc, ScenarioError) else None)
    except RunInterrupted as exc:
        print(f"negsim: {exc}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    print(console_summary(scenario, summary, run_dir))


def main() -> None:
    register_resolvers()
    sys.argv = [sys.argv[0], *register_scenarios(sys.argv[1:])]
    _hydra_main()
