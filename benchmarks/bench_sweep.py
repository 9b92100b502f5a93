"""Sweeps of us_china_2024: a 50-point grid on the joblib launcher, and the per-job overhead,
a launcher job per point (``hydra.sweeper.vectorise=false``; bench_vectorised_sweep.py measures
the points as one vectorised simulation, negsim's default).

Usage: python benchmarks/bench_sweep.py [--quick] [--overhead]

1. 50 jobs x 2,000 replications (scenario.agents.us.reservation x 10 values, scenario.trust.initial
   x 5 values), hydra/launcher=joblib, 2 workers: wall time of the whole sweep, including the
   sweep table and figures.
2. One job of 2,000 replications run alone, for the simulation share.
3. Per-job overhead (``--overhead`` runs only this): sweeps of 1 and of J jobs x 1 replication,
   whose difference / (J - 1) is what one more job costs, on the basic launcher (jobs one after
   another in the sweep's process) and on joblib (2 worker processes: worker-seconds per job =
   2 x that). Each with the default (a job skips its own figures; the sweep draws its own) and
   with ``output.figures=true`` (every job draws its figures, the default before issue 15).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from _measure import machine, timed_command

NEGSIM = str(Path(sys.executable).with_name("negsim"))
US = "scenario.agents.us.reservation=" + ",".join(f"{0.1 + 0.03 * i:.2f}" for i in range(10))
TRUST = "scenario.trust.initial=0.6,0.7,0.8,0.9,1.0"
ONE_JOB_PER_POINT = "hydra.sweeper.vectorise=false"
LAUNCHERS = {
    "basic": ("hydra/launcher=basic", ONE_JOB_PER_POINT),
    "joblib": ("hydra/launcher=joblib", "hydra.launcher.n_jobs=2", ONE_JOB_PER_POINT),
}
WORKERS = {"basic": 1, "joblib": 2}


def sweep(replications: int, folder: Path) -> float:
    wall, _ = timed_command(
        [
            NEGSIM,
            "-m",
            *LAUNCHERS["joblib"],
            US,
            TRUST,
            f"mc.replications={replications}",
            "seed=1",
            f"hydra.sweep.dir={folder}",
        ],
        folder.parent,
    )
    return wall


def small_sweep(jobs: int, launcher: str, figures: tuple[str, ...], folder: Path) -> float:
    values = ",".join(f"{0.1 + 0.01 * i:.2f}" for i in range(jobs))
    wall, _ = timed_command(
        [
            NEGSIM,
            "-m",
            *LAUNCHERS[launcher],
            f"scenario.agents.us.reservation={values}",
            "mc.replications=1",
            "seed=1",
            *figures,
            f"hydra.sweep.dir={folder}",
        ],
        folder.parent,
    )
    return wall


def overhead(jobs: int) -> None:
    print(f"# per-job overhead: sweeps of 1 and {jobs} jobs x 1 replication, on {machine()}")
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for launcher in LAUNCHERS:
            for label, figures in (
                ("default", ()),
                ("output.figures=true", ("output.figures=true",)),
            ):
                folder = tmp / f"{launcher}_{'figures' if figures else 'default'}"
                one = small_sweep(1, launcher, figures, folder.with_name(f"{folder.name}_1"))
                many = small_sweep(jobs, launcher, figures, folder)
                per_job = (many - one) / (jobs - 1) * WORKERS[launcher]
                print(
                    f"{launcher:6s} {label:20s} 1 job {one:5.1f} s, {jobs} jobs {many:5.1f} s:"
                    f" {per_job:.2f} worker-s per further job"
                )
    print(f"load average (1 min) at end: {os.getloadavg()[0]:.2f}")


def main(quick: bool) -> None:
    print(f"# 50-point sweep of us_china_2024, joblib launcher, 2 workers, on {machine()}")
    replications = 200 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full = sweep(replications, tmp / "full")
        alone, _ = timed_command(
            [NEGSIM, f"mc.replications={replications}", "seed=1", "hydra.run.dir=alone"], tmp
        )
    print(f"sweep 50 jobs x {replications:,} replications: {full:.1f} s wall")
    print(f"one job of {replications:,} replications alone (whole command): {alone:.2f} s")
    overhead(10 if quick else 20)


if __name__ == "__main__":
    if "--overhead" in sys.argv:
        overhead(10 if "--quick" in sys.argv else 20)
    else:
        main(quick="--quick" in sys.argv)
