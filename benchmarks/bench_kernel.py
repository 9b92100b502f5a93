"""The round loop against a hand-vectorised reference, side by side in one process (issue 15).

Usage: python benchmarks/bench_kernel.py [--profile]

Marginal cost per replication of scenarios/bench_bilateral.yaml through the Mesa model
(``NegotiationModel(scenario, n, seed=1).run()`` and its table), through the Monte Carlo engine
as negsim runs it (``simulate``: batches, running estimates, per-round sums), and through
benchmarks/reference_bilateral.py
(the same workload in ~60 lines of numpy, written from its definition): the time of 131,072
replications less that of 16,384, over the difference, each the best of five trials, the two
interleaved trial by trial so that a change of load on the machine hits both alike. Both reach
the same agreement and mean utilities (printed). ``--profile`` prints the "per-round operation
profile" of 131,072 replications (cProfile): the milliseconds per round of each part of the
round loop, of the end of the session, and of building the model and reading its table, then
the functions that cost most by themselves.
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
from sim.engine.montecarlo import simulate

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
    ref, model, engine = marginal(
        reference_bilateral.simulate,
        lambda n: _model(scenario, n),
        lambda n: simulate(scenario, n, 1),
    )
    print(f"reference: {1 / ref:>11,.0f} replications/s marginal")
    print(f"model:     {1 / model:>11,.0f} replications/s marginal")
    print(f"engine:    {1 / engine:>11,.0f} replications/s marginal")
    print(f"model / reference cost per replication: {model / ref:.2f}x (goal: at most 2x)")
    print(f"engine / reference cost per replication: {engine / ref:.2f}x")
    a, b = reference_bilateral.simulate(100_000), _model(scenario, 100_000)
    for column in ("agreement", "utility_a", "utility_b"):
        print(f"  {column}: reference {a[column].mean():.4f}, model {b[column].mean():.4f}")
    if profile:
        print_profile(scenario)


#: the parts of a run, by the function (file, name) that does each
PARTS = {
    "aspirations (both agents)": ("model.py", "update_aspirations"),
    "the offer": ("agents.py", "propose"),
    "the answers": ("ratification.py", "votes"),
    "settling what was agreed": ("model.py", "close"),
    "the cooperation index": ("cooperation.py", "update"),
    "a whole round": ("model.py", "step"),
    "end of the session (once)": ("model.py", "_end_session"),
    "building the model (once)": ("model.py", "__init__"),
    "the per-replication table (once)": ("model.py", "outcomes"),
}


def print_profile(scenario) -> None:
    profiler = cProfile.Profile()
    model_run = profiler.runcall(NegotiationModel, scenario, LARGE, seed=1)
    profiler.runcall(model_run.run)
    profiler.runcall(model_run.outcomes)
    stats = pstats.Stats(profiler)
    rounds = stats.stats  # (file, line, name) -> (calls, primitive, tottime, cumtime, callers)
    played = sum(calls for (f, _, name), (calls, *_) in rounds.items() if name == "step")
    print(f"\nper-round operation profile, {LARGE:,} replications, {played} rounds played (ms):")
    for label, (file, name) in PARTS.items():
        cumulative = sum(
            row[3] for (f, _, n), row in rounds.items() if f.endswith(file) and n == name
        )
        per = cumulative / (1 if "once" in label else played)
        print(f"  {label:<36} {per * 1e3:8.2f}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(out.getvalue())


if __name__ == "__main__":
    main(profile="--profile" in sys.argv)
