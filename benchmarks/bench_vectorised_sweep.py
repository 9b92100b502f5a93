"""A vectorised sweep against one run of the same size (issue 15, point 1).

Usage: python benchmarks/bench_vectorised_sweep.py [--quick] [--repeats N]

Whole commands, each timed from start to exit, alternating so that a change in the machine's
load falls on both sides:

1. ``negsim -m`` over a 50-point grid of us_china_2024 (scenario.agents.us.reservation x 10
   values, scenario.trust.initial x 5 values), 2,000 replications per point, seed 1, the default
   launcher (one process), ``output.figures=false`` for the points' own folders (the sweep's
   table and figures are still made): the 50 points run as one vectorised simulation.
2. ``negsim mc.replications=100000`` of the same scenario, seed 1: with its figures (the
   default for a single run), and with ``output.figures=false``.

The goal: (1) in at most 2x the wall time of (2). The ratio is printed against both versions of
(2). Once, for scale, the same grid one job per point (``hydra.sweeper.vectorise=false``, the
way before this sweeper).
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
QUIET = ("output.progress=false", "seed=1")


def grid(replications: int, folder: Path, *extra: str) -> float:
    args = [NEGSIM, "-m", US, TRUST, f"mc.replications={replications}", "output.figures=false"]
    wall, _ = timed_command([*args, *QUIET, f"hydra.sweep.dir={folder}", *extra], folder.parent)
    return wall


def one_run(replications: int, folder: Path, *extra: str) -> float:
    args = [NEGSIM, f"mc.replications={replications}", *QUIET, f"hydra.run.dir={folder}"]
    wall, _ = timed_command([*args, *extra], folder.parent)
    return wall


def main(quick: bool, repeats: int) -> None:
    per_point = 200 if quick else 2000
    total = 50 * per_point
    print(f"# 50 points x {per_point:,} replications vs one run of {total:,}, us_china_2024")
    print(f"# {machine()}, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sweeps, runs, bare = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for k in range(repeats):
            sweeps.append(grid(per_point, tmp / f"sweep{k}"))
            runs.append(one_run(total, tmp / f"run{k}"))
            bare.append(one_run(total, tmp / f"bare{k}", "output.figures=false"))
            print(
                f"repeat {k + 1}: sweep {sweeps[-1]:.2f} s, one run {runs[-1]:.2f} s"
                f" (without figures {bare[-1]:.2f} s)",
                flush=True,
            )
        apart = grid(per_point, tmp / "apart", "hydra.sweeper.vectorise=false")
    sweep, run, run_bare = min(sweeps), min(runs), min(bare)
    print(f"vectorised sweep, 50 x {per_point:,} (best of {repeats}): {sweep:.2f} s")
    print(
        f"one run of {total:,}, with its figures: {run:.2f} s -> ratio {sweep / run:.2f} (goal <= 2)"
    )
    print(
        f"one run of {total:,}, output.figures=false: {run_bare:.2f} s -> ratio {sweep / run_bare:.2f}"
    )
    print(
        f"the same grid one job per point (vectorise=false): {apart:.2f} s ({apart / sweep:.1f}x)"
    )
    print(f"# load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
    main(quick="--quick" in sys.argv, repeats=repeats)
