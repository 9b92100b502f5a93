"""negsim's Hydra sweeper: Hydra's grid, with the points that differ only in scenario numbers
run as one vectorised simulation.

Hydra's basic sweeper launches a job per point of the grid. This one (selected in
``conf/config.yaml``; the plugin class is ``hydra_plugins.negsim_sweeper``) reads the same
override syntax into the same points, numbered as the basic sweeper numbers its jobs, and:

* composes every point's config (Hydra composes once per choice of config groups; a point that
  differs from an earlier one only in plain values is derived from it) and sets aside the points
  whose folder in ``hydra.sweep.dir`` holds a finished run (a rerun resumes);
* groups the rest: points with the same run settings whose scenarios differ only in numbers the
  model reads per replication (:mod:`sim.scenario.stacking`) are one group; anything else (another
  scenario file, protocol, replication count, number of rounds...) starts another, said in one
  line;
* spreads the groups over as few launcher jobs as the launcher runs at once (``jobs``, or the
  launcher's ``n_jobs`` / ``array_parallelism``), and launches each as ``+negsim_batch=<k>``,
  whose points are listed in ``<sweep dir>/.negsim/batch-<k>.json``. The job
  (:mod:`sim.cli.points`) runs them as tiles of one model and writes each point's folder
  ``<sweep dir>/<point number>/`` as that point run alone would.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Hashable
from dataclasses import asdict, dataclass
from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf, open_dict, read_write

from sim.cli.points import BATCHES, batch_file
from sim.outputs.folder import SUMMARY, shown
from sim.outputs.formatting import plural

BATCH_KEY = "negsim_batch"


@dataclass
class Point:
    num: int
    overrides: list[str]  # as Hydra records a job's task overrides
    folder: str
    choice: str | None  # the scenario option
    config: dict | None  # the resolved task config; None: see ``error``
    error: str | None = None


def grid(sweeper, arguments: list[str]) -> list[list[str]]:
    """The points of the sweep: each one's overrides, in the basic sweeper's order."""
    params = [f"{k}={v}" for k, v in sweeper.params.items()] + list(arguments)
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    return BasicSweeper.split_arguments(parser.parse_overrides(params), None)[0]


def compose(sweeper, overrides: list[str], num: int) -> tuple[Point, bool]:
    """A point's config as its job would see it, and where its folder is; and whether points
    that differ from it only in plain values can be derived from it (:func:`derive`)."""
    cfg = sweeper.hydra_context.config_loader.load_sweep_config(sweeper.config, list(overrides))
    with open_dict(cfg):
        cfg.hydra.job.num = num
        cfg.hydra.job.id = num
    folder = str(Path(str(cfg.hydra.sweep.dir)) / str(cfg.hydra.sweep.subdir))
    choice = cfg.hydra.runtime.choices.get("scenario")
    point = Point(num, list(cfg.hydra.overrides.task), folder, choice, None)
    HydraConfig.instance().set_config(cfg)  # as a job's, for ${hydra:...}
    try:
        task = copy.deepcopy(cfg)  # as Hydra's run_job gives a job its config: without hydra
        with read_write(task), open_dict(task):
            del task["hydra"]
        point.config = OmegaConf.to_container(task, resolve=True)
    except Exception as exc:  # reported by the point's job, as a job would report it
        point.error = f"{type(exc).__name__}: {exc}"
        return point, False
    subdir = OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir")
    plain = "${" not in json.dumps(OmegaConf.to_container(task, resolve=False), default=str)
    return point, plain and subdir == "${hydra.job.num}" and point.overrides == list(overrides)


def _value_override(text: str) -> bool:
    """An override of one value of the task config (not a config group, not Hydra's)."""
    key = text.partition("=")[0]
    return "." in key and not key.startswith(("hydra", "+", "~")) and not set("/@") & set(key)


def _set(config: dict, path: list[str], value) -> bool:
    """Set an existing plain value at ``path``; False when there is none."""
    node = config
    for part in path:
        parent = node
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            part = int(part)
            node = node[part]
        else:
            return False
    if isinstance(node, dict | list):
        return False  # Hydra merges mappings; leave that to Hydra
    parent[part] = value
    return True


def derive(base: Point, overrides: list[str], num: int, parser) -> Point | None:
    """The point with ``overrides`` from ``base``, when they differ only in plain values of
    the task config (what ``OmegaConf.update`` would do to them); None otherwise."""
    if [o.partition("=")[0] for o in overrides] != [o.partition("=")[0] for o in base.overrides]:
        return None
    config = copy.deepcopy(base.config)
    for text in overrides:
        if text in base.overrides:
            continue
        if not _value_override(text):
            return None
        override = parser.parse_override(text)
        if override.is_sweep_override() or override.package is not None:
            return None
        value = override.value()
        if isinstance(value, dict | list) or (isinstance(value, str) and "${" in value):
            return None
        if not _set(config, override.key_or_group.split("."), value):
            return None
    folder = str(Path(base.folder).parent / str(num))
    return Point(num, list(overrides), folder, base.choice, config)


def compose_all(sweeper, grid_points: list[list[str]]) -> list[Point]:
    """Every point's config. Hydra composes one in about a tenth of a second; a point that
    differs from an earlier one only in plain values is derived from it instead."""
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    bases: dict[tuple, Point] = {}
    points = []
    try:
        for num, overrides in enumerate(grid_points):
            key = tuple(o for o in overrides if not _value_override(o))
            point = derive(bases[key], overrides, num, parser) if key in bases else None
            if point is None:
                point, derivable = compose(sweeper, overrides, num)
                if derivable and key not in bases:
                    bases[key] = point
            points.append(point)
    finally:
        HydraConfig.instance().set_config(sweeper.config)
    return points


def group_key(point: Point) -> Hashable | None:
    """Equal for points one model can run together; None: a group of its own."""
    from sim.core.catalogue import validate
    from sim.engine.settings import RunSettings
    from sim.scenario.errors import ScenarioError
    from sim.scenario.stacking import batch_key

    config = point.config
    if config is None:
        return None
    try:
        RunSettings.from_config(config)
        scenario = validate(config["scenario"], f"scenario '{point.choice}'", point.choice)
        if config.get("sensitivity_points") is not None:  # a sensitivity sample's point
            from sim.scenario.parameters import apply_point

            scenario = apply_point(
                scenario, config["sensitivity_points"], config["sensitivity_point"]
            )
    except (ScenarioError, KeyError, TypeError, ValueError, OSError):
        return None  # its job says what is wrong
    rest = {k: v for k, v in config.items() if k not in ("scenario", "sensitivity_point")}
    return json.dumps(rest, sort_keys=True, default=str), batch_key(scenario)


def groups_of(points: list[Point]) -> tuple[list[list[Point]], list[list[Point]]]:
    """The points in groups one model can run, and, each in a group of its own, those that fail
    a check (their jobs say why)."""
    found: dict = {}
    alone = []
    for point in points:
        key = group_key(point)
        if key is None:
            alone.append([point])
        else:
            found.setdefault(key, []).append(point)
    return list(found.values()), alone


def parallelism(sweeper) -> int:
    """How many launcher jobs run at once: ``jobs``, or the launcher's own setting."""
    if sweeper.jobs is not None:
        return max(1, int(sweeper.jobs))
    launcher = sweeper.config.hydra.launcher
    target = str(launcher.get("_target_", ""))
    cpus = os.cpu_count() or 1
    if "joblib" in target:
        n = int(launcher.get("n_jobs", -1) or -1)
        return max(1, n if n > 0 else cpus + 1 + n)
    if "submitit" in target:
        return max(1, int(launcher.get("array_parallelism", cpus) or cpus))
    return 1


def spread(groups: list[list[Point]], jobs: int) -> list[list[Point]]:
    """The groups, the largest cut in halves until there are ``jobs`` parts or no part can be
    cut."""
    parts = [list(g) for g in groups]
    while len(parts) < jobs:
        largest = max(range(len(parts)), key=lambda i: len(parts[i]))
        if len(parts[largest]) < 2:
            break
        part = parts.pop(largest)
        half = (len(part) + 1) // 2
        parts[largest:largest] = [part[:half], part[half:]]
    return parts


def splitting(points: list[Point], groups: list[list[Point]]) -> list[str]:
    """The swept overrides that keep points apart: constant in every group, not in the sweep."""
    values: dict[str, list[set]] = {}
    for g, group in enumerate(groups):
        for point in group:
            for override in point.overrides:
                key, _, value = override.partition("=")
                values.setdefault(key, [set() for _ in groups])[g].add(value)
    found = []
    for key, per_group in values.items():
        every = set().union(*per_group)
        if len(every) > 1 and all(len(v) <= 1 for v in per_group):
            found.append(key)
    return found


def plan_line(groups: list[list[Point]], alone: int, jobs: int) -> str:
    """The one line that says how the sweep runs, and what keeps its points apart."""
    points = [point for group in groups for point in group]
    line = f"negsim: sweep: {plural(len(points), 'point')} as " if points else "negsim: sweep: "
    if len(groups) == 1:
        line += "one vectorised simulation"
    elif groups:
        line += f"{len(groups)} simulations"
    if alone:
        line += f"{', and ' if points else ''}{plural(alone, 'point')} alone (failing a check)"
    line += f" in {plural(jobs, 'launcher job')}"
    if len(groups) > 1:
        keys = splitting(points, groups)
        named = ", ".join(keys) if keys else "their scenarios or settings"
        line += f": {named} cannot vary within one simulation (one per distinct value)"
    return line


def sweep(sweeper, arguments: list[str]):
    """Hydra's ``Sweeper.sweep``: plan, launch, and return the launcher's results."""
    config, launcher = sweeper.config, sweeper.launcher
    overrides = grid(sweeper, arguments)
    sweep_dir = Path(str(config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(config, sweep_dir / "multirun.yaml")
    if not sweeper.vectorise:
        return _one_job_per_point(sweeper, overrides)
    points = compose_all(sweeper, overrides)
    todo = []
    for point in points:
        if (Path(point.folder) / SUMMARY).is_file():
            print(f"negsim: job {point.num} is already complete in {shown(point.folder)}; skipping")
        else:
            todo.append(point)
    if not todo:
        return []
    groups, alone = groups_of(todo)
    jobs = spread(sorted([*groups, *alone], key=lambda g: g[0].num), parallelism(sweeper))
    print(plan_line(groups, len(alone), len(jobs)), flush=True)
    for k, job in enumerate(jobs):
        batch_file(sweep_dir, k, [asdict(point) for point in job])
    results = launcher.launch(
        [
            [f"+{BATCH_KEY}={k}", f"hydra.sweep.subdir={BATCHES}/batch-{k}"]
            for k in range(len(jobs))
        ],
        initial_job_idx=0,
    )
    for result in results:
        _ = result.return_value  # a job that raised raises here, as with the basic sweeper
    return [results]


def _one_job_per_point(sweeper, overrides: list[list[str]]):
    """The basic sweeper's way (``vectorise: false``)."""
    size = sweeper.max_batch_size or len(overrides)
    returns, first = [], 0
    for chunk in BasicSweeper.split_overrides_to_chunks(overrides, size):
        sweeper.validate_batch_is_legal(chunk)
        results = sweeper.launcher.launch(chunk, initial_job_idx=first)
        for result in results:
            _ = result.return_value
        first += len(chunk)
        returns.append(results)
    return returns
