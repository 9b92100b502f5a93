"""Throughput and peak memory of us_china_2024 through the Monte Carlo driver.

Usage: python benchmarks/bench_us_china.py [replications ...]   (default: 1000 10000 100000)
Prints one line per replication count: wall seconds, replications per second, peak RSS.
"""

from __future__ import annotations

import platform
import resource
import sys
import time
from pathlib import Path

from sim.montecarlo import simulate
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2024.yaml"


def main(counts: list[int]) -> None:
    scenario = load_scenario(SCENARIO)
    print(
        f"# us_china_2024 on {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"{'replications':>12} {'wall_s':>8} {'reps_per_s':>12} {'peak_rss_mib':>13}")
    for n in counts:
        start = time.perf_counter()
        simulate(scenario, n, seed=1, batch_blocks=16)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>12,} {wall:>8.2f} {n / wall:>12,.0f} {peak:>13.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10_000, 100_000])
