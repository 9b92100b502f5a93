"""A 50-point grid sweep of us_china_2024 on the joblib launcher with 2 workers.

Usage: python benchmarks/bench_sweep.py [--quick]

1. 50 jobs x 2,000 replications (scenario.agents.us.reservation x 10 values, scenario.trust.initial
   x 5 values), hydra/launcher=joblib, 2 workers: wall time of the whole sweep, including the
   sweep table and figures.
2. The same 50 jobs with 1 replication each: the sweep's cost without simulation, so the per-job
   overhead is that wall time / 50 x 2 workers (worker-seconds per job).
3. One job of 2,000 replications run alone, for the simulation share.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _measure import machine, timed_command

NEGSIM = str(Path(sys.executable).with_name("negsim"))
US = "scenario.agents.us.reservation=" + ",".join(f"{0.1 + 0.03 * i:.2f}" for i in range(10))
TRUST = "scenario.trust.initial=0.6,0.7,0.8,0.9,1.0"


def sweep(replications: int, folder: Path) -> float:
    wall, _ = timed_command(
        [
            NEGSIM,
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            US,
            TRUST,
            f"mc.replications={replications}",
            "seed=1",
            f"hydra.sweep.dir={folder}",
        ],
        folder.parent,
    )
    return wall


def main(quick: bool) -> None:
    print(f"# 50-point sweep of us_china_2024, joblib launcher, 2 workers, on {machine()}")
    replications = 200 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full = sweep(replications, tmp / "full")
        empty = sweep(1, tmp / "empty")
        alone, _ = timed_command(
            [NEGSIM, f"mc.replications={replications}", "seed=1", "hydra.run.dir=alone"], tmp
        )
    print(f"sweep 50 jobs x {replications:,} replications: {full:.1f} s wall")
    print(
        f"sweep 50 jobs x 1 replication: {empty:.1f} s wall -> overhead {2 * empty / 50:.2f} worker-s per job"
    )
    print(f"one job of {replications:,} replications alone (whole command): {alone:.2f} s")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
