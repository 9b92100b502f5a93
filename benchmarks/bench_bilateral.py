"""Throughput of the benchmark workload (scenarios/bench_bilateral.yaml), batched and one at a time.

Usage: python benchmarks/bench_bilateral.py [--quick]

1. Batched: replications per second at 10^4, 10^5 and 10^6 replications (mc.batch_blocks=16,
   one process), each in a fresh process, with its peak RSS.
2. One at a time through the same code (NegotiationModel(scenario, 1, seed, start=k)) against
   the batched run, side by side in one process: per-replication time and the ratio.
3. mc.workers=2 against 1 worker on 10^6 replications: the speed-up.
"""

from __future__ import annotations

import sys
import time

from _measure import SCENARIOS, in_fresh_process, machine

SCENARIO = SCENARIOS / "bench_bilateral.yaml"
BATCHED = """
import json, time
from sim.core.catalogue import load_scenario
from sim.engine.montecarlo import simulate
sc = load_scenario({path!r})
start = time.perf_counter()
simulate(sc, {n}, 1, batch_blocks=16, workers={workers})
print(json.dumps({{"wall_s": time.perf_counter() - start}}))
"""


def side_by_side(alone: int, batched: int) -> tuple[float, float]:
    from sim.core.catalogue import load_scenario
    from sim.core.model import NegotiationModel
    from sim.engine.montecarlo import simulate

    scenario = load_scenario(SCENARIO)
    start = time.perf_counter()
    for k in range(alone):
        NegotiationModel(scenario, 1, seed=1, start=k).run()
    per_alone = (time.perf_counter() - start) / alone
    start = time.perf_counter()
    simulate(scenario, batched, 1, batch_blocks=16)
    per_batched = (time.perf_counter() - start) / batched
    return per_alone, per_batched


def main(quick: bool) -> None:
    print(f"# bench_bilateral on {machine()}")
    counts = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    print(
        f"{'replications':>12} {'workers':>7} {'wall_s':>8} {'reps_per_s':>12} {'peak_rss_mib':>13}"
    )
    walls = {}
    for n in counts:
        r = in_fresh_process(BATCHED.format(path=str(SCENARIO), n=n, workers=1))
        walls[(n, 1)] = r["wall_s"]
        print(
            f"{n:>12,} {1:>7} {r['wall_s']:>8.2f} {n / r['wall_s']:>12,.0f} {r['peak_rss_mib']:>13.0f}"
        )
    n = counts[-1]
    r = in_fresh_process(BATCHED.format(path=str(SCENARIO), n=n, workers=2))
    print(
        f"{n:>12,} {2:>7} {r['wall_s']:>8.2f} {n / r['wall_s']:>12,.0f} {r['peak_rss_mib']:>13.0f}"
    )
    print(f"workers=2 speed-up on {n:,}: {walls[(n, 1)] / r['wall_s']:.2f}x")
    alone, batched = side_by_side(alone=300 if quick else 1000, batched=100_000)
    print(
        f"one at a time: {alone * 1e3:.2f} ms/rep; batched (100,000): {batched * 1e6:.2f} us/rep; "
        f"batched is {alone / batched:,.0f}x faster per replication"
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
