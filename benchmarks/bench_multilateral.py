"""A ten-member council against the bilateral workload, per agent-round.

Usage: python benchmarks/bench_multilateral.py [--quick]

benchmarks/bench_council.yaml (10 agents, 6 issues, linear utilities, a qualified majority of 65%
of the weights with a veto, stacked alternating offers, 30 rounds) and
scenarios/bench_bilateral.yaml (2 agents, 3 issues, alternating offers, 24 rounds), each run in a
fresh process through the model (``NegotiationModel(scenario, n, seed=1)``, stepped until every
replication has settled). Throughput per agent-round is replications x agents x rounds played,
per second of wall time; the issue's goal is a ratio council / bilateral of at least 1/3.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _measure import SCENARIOS, in_fresh_process, machine

HERE = Path(__file__).resolve().parent
WORKLOADS = {
    "bench_bilateral": SCENARIOS / "bench_bilateral.yaml",
    "bench_council": HERE / "bench_council.yaml",
}
STEPPED = """
import json, time
from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
scenario = load_scenario({path!r})
NegotiationModel(scenario, 64, seed=2).run()  # warm up: imports, first allocations
start = time.perf_counter()
model = NegotiationModel(scenario, {n}, seed=1)
rounds = 0
while model.running:
    model.step()
    rounds += 1
wall = time.perf_counter() - start
print(json.dumps({{"wall_s": wall, "rounds": rounds, "agents": len(scenario.agents),
                  "agreement": float(model.outcomes()["agreement"].mean())}}))
"""


def main(quick: bool) -> None:
    n = 16_384 if quick else 65_536
    print(f"# bench_multilateral on {machine()}; {n:,} replications per workload, one process")
    print(
        f"{'workload':>16} {'agents':>6} {'rounds':>6} {'wall_s':>7} {'reps_per_s':>11}"
        f" {'agent_rounds_per_s':>19} {'agreement':>9} {'peak_rss_mib':>12}"
    )
    rate = {}
    for name, path in WORKLOADS.items():
        r = in_fresh_process(STEPPED.format(path=str(path), n=n))
        rate[name] = n * r["agents"] * r["rounds"] / r["wall_s"]
        print(
            f"{name:>16} {r['agents']:>6} {r['rounds']:>6} {r['wall_s']:>7.2f}"
            f" {n / r['wall_s']:>11,.0f} {rate[name]:>19,.0f} {r['agreement']:>9.3f}"
            f" {r['peak_rss_mib']:>12.0f}"
        )
    ratio = rate["bench_council"] / rate["bench_bilateral"]
    print(f"council / bilateral per agent-round: {ratio:.2f} (goal: at least 0.33)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
