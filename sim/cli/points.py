"""A launcher job of a vectorised sweep (``+negsim_batch=<k>``, planned by
:mod:`sim.cli.sweeper`): its points, listed in ``<sweep dir>/.negsim/batch-<k>.json``, checked
one by one as ``negsim`` checks a job, then run as tiles of one model
(:func:`sim.engine.montecarlo.simulate_points`), each point's folder written as that point run alone
would write it (:func:`sim.cli.run.finish_run`), and its summary printed as a job prints it.

A point that fails its checks gets its ``FAILED`` file and message, as a job would, and the
others go on; a point alone, or points that after all cannot share a model, run as ``negsim``
runs a job.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from sim.cli.guard import RunInterrupted, bug_line, save_traceback
from sim.cli.startup import load_heavy
from sim.outputs.folder import SUMMARY, RunFolderExists, shown
from sim.scenario.errors import ScenarioError

BATCHES = ".negsim"  # in the sweep folder: the batch files and the batch jobs' own logs
LOG = "negsim.log"  # a run folder's log, as Hydra's job logging names it (conf/hydra/job_logging)
LOG_FORMAT = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"


def batch_file(sweep_dir: Path, batch: int, points: list[dict]) -> Path:
    """Write (atomically) the points of launcher job ``batch``."""
    path = Path(sweep_dir) / BATCHES / f"batch-{batch}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump({"points": points}, handle)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


@dataclass
class Ready:
    """A point checked and ready to run."""

    num: int
    overrides: list[str]
    folder: Path
    config: dict
    scenario: object
    settings: object

    @property
    def job(self) -> str:
        return f"negsim: job {self.num}: "

    @property
    def header(self) -> str:
        return f"{self.job}{' '.join(self.overrides)}\n"


def run_batch_job(sweep_dir: Path, batch: int, sources: dict[str, str], checked) -> None:
    """Run launcher job ``batch`` of the sweep in ``sweep_dir``. ``sources``: scenario option ->
    the file it came from, for messages; ``checked(config, source, choice, in_sweep)``: how
    ``negsim`` checks a job's config (``sim.cli.command.checked``: the validated scenario and run
    settings, the sweep's figures default written into the config)."""
    path = Path(sweep_dir) / BATCHES / f"batch-{batch}.json"
    points = json.loads(path.read_text())["points"]
    ready = [r for r in (_checked(p, sources, checked) for p in points) if r is not None]
    if len(ready) > 1 and not _together(ready):
        for point in ready:
            _run_alone(point)
        ready = []
    if len(ready) == 1:
        _run_alone(ready[0])
    elif ready:
        _run_together(ready, batch, Path(sweep_dir) / BATCHES / f"batch-{batch}" / LOG)


def _together(points: list[Ready]) -> bool:
    """Whether the points can share a model after all (the sweeper planned them so)."""
    from sim.scenario.stacking import NotStackable, stack

    if any(point.settings != points[0].settings for point in points):
        return False
    try:
        stack([point.scenario for point in points])
    except NotStackable:
        return False
    return True


def _fail(folder: Path, job: str, message: str) -> None:
    print(f"{job}error: {message}", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "FAILED").write_text(f"{message}\n")


def _checked(point: dict, sources: dict[str, str], checked) -> Ready | None:
    """:func:`_prepare`, a bug in it reported for this point alone (as a job's would be)."""
    try:
        return _prepare(point, sources, checked)
    except Exception as exc:
        folder = Path(point["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        _bug(exc, [folder], folder / LOG)
        return None


def _prepare(point: dict, sources: dict[str, str], checked) -> Ready | None:
    """The point checked as ``negsim`` checks a job; None (after saying why) when it is
    finished already or fails a check."""
    folder, num = Path(point["folder"]), point["num"]
    job = f"negsim: job {num}: "
    if (folder / SUMMARY).is_file():
        print(f"negsim: job {num} is already complete in {shown(folder)}; skipping")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LOG).touch()  # as Hydra's job logging makes it
    if point["config"] is None:
        _fail(folder, job, point["error"])
        return None
    config, choice = point["config"], point["choice"]
    try:
        scenario, settings = checked(
            config, sources.get(choice, f"scenario '{choice}'"), choice, True
        )
    except ScenarioError as exc:
        _fail(folder, job, str(exc))
        return None
    return Ready(num, point["overrides"], folder, config, scenario, settings)


def _run_alone(point: Ready) -> None:
    """One point, as ``negsim`` runs a sweep's job."""
    load_heavy("sim.cli.run")
    from sim.cli.run import console_summary, run

    try:
        summary = run(
            point.scenario,
            point.settings,
            point.folder,
            config=point.config,
            overrides=point.overrides,
            keep=(LOG,),
            discard_unfinished=True,
        )
    except (ScenarioError, RunFolderExists) as exc:
        _fail(point.folder, point.job, str(exc))
        return
    except RunInterrupted:
        raise
    except Exception as exc:
        _bug(exc, [point.folder], point.folder / LOG)
        return
    figures = point.settings.figures
    print(point.header + console_summary(point.scenario, summary, point.folder, figures=figures))


def _bug(exc: Exception, folders: list[Path], log: Path) -> None:
    """A bug: the traceback in ``log``, one line, and every folder marked FAILED."""
    line = bug_line("negsim", exc, Path(shown(save_traceback("negsim", exc, log))))
    print(line, file=sys.stderr)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "FAILED").write_text(f"{line}\n")


@contextmanager
def logging_to(folder: Path):
    """The log lines of what is done inside also go to ``folder``'s own log."""
    handler = logging.FileHandler(folder / LOG)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def _run_together(points: list[Ready], batch: int, log: Path) -> None:
    """The points as tiles of one model; ``log``: the job's own, for a bug's traceback."""
    try:
        run_together(points, batch)
    except RunInterrupted:
        raise
    except ScenarioError as exc:  # the run as a whole refused (disk, time limit)
        for point in points:
            _fail(point.folder, point.job, str(exc))
    except Exception as exc:
        _bug(exc, [p.folder for p in points if not (p.folder / SUMMARY).is_file()], log)


def run_together(points: list[Ready], batch: int) -> None:
    """Simulate the points (same run settings, scenarios that stack) as tiles of one model and
    write each point's folder as :func:`sim.cli.run.run` writes a run's: run.json, config.yaml
    and the streamed replications.parquet first, then :func:`~sim.cli.run.finish_run`. One
    pilot (:func:`~sim.engine.settings.check_feasible`, on the first point) speaks for all; each
    point's ``wall_time_s.simulation`` is its share of the simulation."""
    import yaml

    load_heavy("sim.cli.run")
    from sim.cli.run import _ctrl_c_checked, _progress_bar, console_summary, finish_run
    from sim.cli.run import metadata_record as record
    from sim.core.protocols.base import resolve_protocol
    from sim.core.rng import fresh_seed
    from sim.engine.montecarlo import simulate_points
    from sim.engine.settings import check_feasible
    from sim.outputs.folder import ParquetStream, RunFolder

    settings = points[0].settings
    seed = settings.seed if settings.seed is not None else fresh_seed()
    started = perf_counter()
    estimate = check_feasible(points[0].scenario, settings, seed, points[0].folder)
    protocol = resolve_protocol(points[0].scenario, settings.protocol)
    together = {"batch": batch, "points": [p.num for p in points]}
    # Versions and the git commit once: the same for every point of the job.
    shared = record(
        points[0].scenario, settings, seed, overrides=[], estimate=estimate, vectorised=together
    )
    runs = []
    for point in points:
        try:
            folder = RunFolder(point.folder, (LOG,), discard_unfinished=True)
        except RunFolderExists as exc:
            _fail(point.folder, point.job, str(exc))
            continue
        if folder.discarded:
            print(
                f"negsim: discarded the unfinished run in {shown(point.folder)}; running it again"
            )
        scenario = {"scenario": point.scenario.name, "scenario_file": point.scenario.source}
        folder.write_json("run.json", shared | scenario | {"overrides": point.overrides})
        folder.write_text("config.yaml", yaml.safe_dump(point.config, sort_keys=False))
        runs.append((point, folder, ParquetStream(folder.file("replications.parquet"))))
    if not runs:
        return
    start, stop = settings.replication_range
    try:
        with (
            _ctrl_c_checked() as check_ctrl_c,
            _progress_bar((stop - start) * len(runs), settings.progress) as advance,
        ):

            def progress(done: int) -> None:
                advance(done)
                check_ctrl_c()

            results = simulate_points(
                [point.scenario for point, _, _ in runs],
                settings.replications,
                seed,
                batch_blocks=settings.batch_blocks,
                trace=settings.trace_replications,
                protocol=protocol,
                workers=settings.workers,
                start=start,
                stop=stop,
                target_se=settings.target_se,
                on_batch=[stream.write for _, _, stream in runs],
                progress=progress,
                keep_sample=settings.figures,
            )
    except KeyboardInterrupt:
        for _, _, stream in runs:
            stream.abort()
        where = ", ".join(shown(folder.path) for _, folder, _ in runs)
        raise RunInterrupted(f"interrupted; {where} marked INCOMPLETE") from None
    except BaseException:
        for _, _, stream in runs:
            stream.abort()
        raise
    share = (perf_counter() - started) / len(runs)
    for (point, folder, stream), result in zip(runs, results, strict=True):
        stream.close()
        extra = {"target_se": settings.target_se, "target_reached": result.target_reached}
        with logging_to(point.folder):
            summary = finish_run(
                folder,
                point.scenario,
                result,
                protocol,
                settings.figures,
                perf_counter() - share,
                extra,
                settings.animation,
            )
        line = console_summary(point.scenario, summary, point.folder, figures=settings.figures)
        print(point.header + line)
