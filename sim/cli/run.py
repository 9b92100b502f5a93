"""One run from validated inputs to a finished results folder."""

from __future__ import annotations

import os
import platform
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

import pandas as pd
import yaml
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from sim.analysis.pause import rounds_table
from sim.cli.guard import RunInterrupted
from sim.core.protocols.base import resolve_protocol
from sim.core.rng import fresh_seed
from sim.engine.montecarlo import MonteCarloResult, simulate
from sim.engine.settings import RunSettings, check_feasible
from sim.outputs.folder import ParquetStream, RunFolder, shown
from sim.outputs.formatting import rate, rounds, utility
from sim.outputs.narrative import narrative
from sim.outputs.provenance import git_commit, versions
from sim.outputs.report import write_report
from sim.outputs.summary import summarise, table_columns
from sim.scenario.spec import Scenario

PACKAGES = (
    "python",
    "negsim",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "mesa",
    "hydra-core",
    "omegaconf",
)


def metadata_record(scenario: Scenario, settings: RunSettings, seed: int, **extra) -> dict:
    start, stop = settings.replication_range
    return {
        "scenario": scenario.name,
        "scenario_file": scenario.source,
        "seed": seed,
        "replications": settings.replications,
        "shard": {"index": settings.shard, "count": settings.shards, "range": [start, stop]},
        "protocol": resolve_protocol(scenario, settings.protocol),
        "command": sys.argv,
        "versions": versions(PACKAGES),
        "git_commit": git_commit(),
        "platform": platform.platform(),
        **extra,
    }


@contextmanager
def _progress_bar(total: int, enabled: bool):
    """A tqdm bar, quiet without a terminal and in CI; logging goes around it."""
    quiet = not enabled or bool(os.environ.get("CI"))
    with (
        logging_redirect_tqdm(),
        tqdm(total=total, unit="rep", disable=True if quiet else None) as bar,
    ):
        yield bar.update


@contextmanager
def _ctrl_c_checked():
    """Ctrl-C raises KeyboardInterrupt at once, as usual, and is also remembered: should the
    exception be swallowed where it lands (a finaliser, a C callback), the check after the next
    batch raises it again, so a run never goes on after Ctrl-C. Outside the main thread (a
    launcher's worker) signals are not ours to handle."""
    pressed = threading.Event()

    def on_ctrl_c(signum, frame):
        pressed.set()
        raise KeyboardInterrupt

    def check() -> None:
        if pressed.is_set():
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield check
        return
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)


def run(
    scenario: Scenario,
    settings: RunSettings,
    run_dir: Path,
    config: dict | None = None,
    overrides: list[str] | None = None,
    keep: tuple[str, ...] = (),
    discard_unfinished: bool = False,
) -> dict:
    """Simulate and write every output; returns the summary (also in ``summary.json``).
    ``keep`` and ``discard_unfinished`` say what may be in ``run_dir`` already (see
    :class:`~sim.outputs.folder.RunFolder`)."""
    started = perf_counter()
    folder: RunFolder | None = None
    try:
        seed = settings.seed if settings.seed is not None else fresh_seed()
        estimate = check_feasible(scenario, settings, seed, run_dir)
        folder = RunFolder(run_dir, keep, discard_unfinished)
        if folder.discarded:
            print(f"negsim: discarded the unfinished run in {shown(run_dir)}; running it again")
        protocol = resolve_protocol(scenario, settings.protocol)
        folder.write_json(
            "run.json",
            metadata_record(scenario, settings, seed, overrides=overrides or [], estimate=estimate),
        )
        if config is not None:
            folder.write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
        start, stop = settings.replication_range
        stream = ParquetStream(folder.file("replications.parquet"))
        try:
            with (
                _ctrl_c_checked() as check_ctrl_c,
                _progress_bar(stop - start, settings.progress) as advance,
            ):

                def progress(done: int) -> None:
                    advance(done)
                    check_ctrl_c()

                result = simulate(
                    scenario,
                    settings.replications,
                    seed,
                    batch_blocks=settings.batch_blocks,
                    trace=settings.trace_replications,
                    protocol=protocol,
                    workers=settings.workers,
                    start=start,
                    stop=stop,
                    target_se=settings.target_se,
                    on_batch=stream.write,
                    progress=progress,
                )
        except BaseException:
            stream.abort()
            raise
        stream.close()
        extra = {"target_se": settings.target_se, "target_reached": result.target_reached}
        return finish_run(
            folder, scenario, result, protocol, settings.figures, started, extra, settings.animation
        )
    except KeyboardInterrupt:
        where = (
            "before anything was written"
            if folder is None
            else f"{shown(folder.path)} is marked INCOMPLETE"
        )
        raise RunInterrupted(f"interrupted; {where}") from None


def finish_run(
    folder: RunFolder,
    scenario: Scenario,
    result: MonteCarloResult,
    protocol: str,
    draw_figures: bool,
    started: float,
    extra: dict | None = None,
    animation: bool = False,
) -> dict:
    """Everything after the simulation: traces, summary, figures, report, summary.json last."""
    simulated = perf_counter() - started
    folder.write_parquet("trajectories.parquet", result.offers)
    folder.write_parquet("sessions.parquet", result.sessions)
    rounds = rounds_table(scenario, result.rounds or {})
    folder.write_parquet("rounds.parquet", rounds)
    columns = table_columns(scenario)
    replications = (
        None
        if columns is None
        else pd.read_parquet(folder.file("replications.parquet"), columns=columns)
    )
    summary = summarise(scenario, result, protocol, rounds, replications)
    summary.update(extra or {})
    summary["wall_time_s"] = {"simulation": simulated}
    if draw_figures:  # matplotlib is imported only for a run that draws (about a second)
        from sim.outputs.figures import FinishedRun, draw_run_figures

        finished = FinishedRun(scenario, result, summary, rounds, animation)
        draw_run_figures(finished, folder.file("figures"))
    folder.write_text("report.md", write_report(scenario, summary, result.sessions, simulated))
    folder.write_text("narrative.md", narrative(scenario, result.offers, result.sessions))
    summary["wall_time_s"]["total"] = perf_counter() - started
    folder.finish(summary)
    return summary


def console_summary(scenario: Scenario, summary: dict, run_dir: Path, figures: bool = True) -> str:
    """The lines ``negsim`` prints after a run: the headline estimates, written as report.md
    writes them (``sim.outputs.formatting``), and where the results are (``figures/`` only when
    figures were drawn)."""
    rta = summary["rounds_to_agreement"]
    lines = [
        f"negsim: {scenario.name}: {summary['replications']:,} replications, seed {summary['seed']}, "
        f"protocol {summary['protocol']}",
        f"  agreement rate        {rate(summary['agreement_rate'], gap='  ')}",
    ]
    if rta["estimate"] is not None:
        lines.append(f"  rounds to agreement   {rounds(rta, gap='  ')}")
    for agent in scenario.agents:
        est = summary["agents"][agent.name]["utility"]
        lines.append(f"  utility {agent.name:<13} {utility(est, gap='  ')}")
    home = (summary.get("domestic") or {}).get("ratification_failures")
    if home and any(a.domestic is not None for a in scenario.agents):
        runs = home["share_of_runs"]
        fell = rate(runs or home["share_of_sessions"], gap="  ")
        lines.append(f"  rejected at home      {fell} of {'runs' if runs else 'sessions'}")
    wall = summary["wall_time_s"]
    written = ", ".join(("report.md", "summary.json", *(["figures/"] if figures else [])))
    lines += [
        f"  red-line violations   {summary['red_line_violations']['total']}",
        f"  wall time             {wall['simulation']:.2f} s simulation, {wall['total']:.2f} s in all",
        f"  results               {shown(run_dir)}/  ({written})",
    ]
    return "\n".join(lines)
