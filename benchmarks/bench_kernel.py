"""The round loop against a hand-vectorised reference, side by side in one process (issue 15).

Usage: python benchmarks/bench_kernel.py [--profile]

Marginal cost per replication of scenarios/bench_bilateral.yaml through the Mesa model
(``NegotiationModel(scenario, n, seed=1).run()``) and through benchmarks/reference_bilateral.py
(the same workload in ~60 lines of numpy, written from its definition): the time of 131,072
replications less that of 16,384, over the difference, each the best of five trials, the two
interleaved trial by trial so that a change of load on the machine hits both alike. Both reach
the same agreement and mean utilities (printed). ``--profile`` prints the round loop's
operations per round (cProfile, 131,072 replications), the "per-round operation profile".
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time

import reference_bilateral
from _measure import SCENARIOS, machine

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel

SMALL, LARGE = 16_384, 131_072


def _model(scenario, n: int) -> dict:
    return NegotiationModel(scenario, n, seed=1).run().outcomes()


def marginal(*runs, trials: int = 5) -> list[float]:
    """Seconds per replication beyond a fixed cost of each of ``runs``, each size the best of
    ``trials``, the runs interleaved."""
    best = {(k, n): float("inf") for k in range(len(runs)) for n in (SMALL, LARGE)}
    for _ in range(trials):
        for n in (SMALL, LARGE):
            for k, run in enumerate(runs):
                best[k, n] = min(best[k, n], _timed(run, n))
    return [(best[k, LARGE] - best[k, SMALL]) / (LARGE - SMALL) for k in range(len(runs))]


def _timed(run, n: int) -> float:
    start = time.perf_counter()
    run(n)
    return time.perf_counter() - start


def main(profile: bool) -> None:
    scenario = load_scenario(SCENARIOS / "bench_bilateral.yaml")
    print(f"# bench_kernel on {machine()}")
    ref, model = marginal(reference_bilateral.simulate, lambda n: _model(scenario, n))
    print(f"reference: {1 / ref:>11,.0f} replications/s marginal")
    print(f"model:     {1 / model:>11,.0f} replications/s marginal")
    print(f"model / reference cost per replication: {model / ref:.2f}x (goal: at most 2x)")
    a, b = reference_bilateral.simulate(100_000), _model(scenario, 100_000)
    for column in ("agreement", "utility_a", "utility_b"):
        print(f"  {column}: reference {a[column].mean():.4f}, model {b[column].mean():.4f}")
    if profile:
        model_run = NegotiationModel(scenario, LARGE, seed=1)
        profiler = cProfile.Profile()
        profiler.runcall(model_run.run)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(f"rounds played: {model_run.round or scenario.negotiation.rounds}")
        print(out.getvalue())


if __name__ == "__main__":
    main(profile="--profile" in sys.argv)
