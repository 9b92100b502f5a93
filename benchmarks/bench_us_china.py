"""us_china_2024 at research scale: 10^5 replications against the clock, 10^6 against memory.

Usage: python benchmarks/bench_us_china.py [--quick]

1. simulate() of 10^5 replications with 1 and 2 workers, each in a fresh process.
2. The whole `negsim` command for 10^5 replications (start-up, simulation, Parquet, figures,
   report), with mc.workers=1 and 2.
3. The whole `negsim` command for 10^6 replications: wall time and peak RSS (the per-replication
   table is streamed to Parquet, so memory stays flat).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _measure import SCENARIOS, in_fresh_process, machine, timed_command

SCENARIO = SCENARIOS / "us_china_2024.yaml"
NEGSIM = str(Path(sys.executable).with_name("negsim"))
SIMULATE = """
import json, time
from sim.core.catalogue import load_scenario
from sim.engine.montecarlo import simulate
sc = load_scenario({path!r})
start = time.perf_counter()
simulate(sc, {n}, 1, batch_blocks=16, workers={workers})
print(json.dumps({{"wall_s": time.perf_counter() - start}}))
"""


def main(quick: bool) -> None:
    print(f"# us_china_2024 on {machine()}")
    for workers in (1, 2):
        r = in_fresh_process(SIMULATE.format(path=str(SCENARIO), n=100_000, workers=workers))
        print(
            f"simulate 100,000, workers={workers}: {r['wall_s']:.2f} s ({100_000 / r['wall_s']:,.0f} reps/s)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            wall, _ = timed_command(
                [
                    NEGSIM,
                    "mc.replications=100000",
                    "seed=1",
                    f"mc.workers={workers}",
                    f"hydra.run.dir=w{workers}",
                ],
                Path(tmp),
            )
            print(f"negsim 100,000, workers={workers}: {wall:.2f} s wall, whole command")
        if not quick:
            wall, peak = timed_command(
                [
                    NEGSIM,
                    "mc.replications=1000000",
                    "seed=1",
                    "mc.workers=1",
                    "hydra.run.dir=million",
                ],
                Path(tmp),
            )
            size = (Path(tmp) / "million" / "replications.parquet").stat().st_size / 1e6
            print(
                f"negsim 1,000,000, workers=1 (one process): {wall:.1f} s wall, peak RSS {peak:.0f} MiB, table {size:.1f} MB"
            )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
