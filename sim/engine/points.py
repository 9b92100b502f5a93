"""Many scenarios (a sweep's points) through one vectorised model: the engine of a vectorised
sweep.

The points differ only in numbers that may vary per replication (``sim.scenario.stacking``). For
each batch of replications ``[a, b)`` (cut as :func:`~sim.engine.montecarlo.simulate` cuts
them), points are put side by side as tiles of one model, as many as fill a batch of
``batch_blocks`` blocks; every tile draws from its own streams seeded alike, so each point's
replications get exactly the numbers they get in a run of their own. Each point's batches then
go through the same :class:`~sim.engine.montecarlo.Accumulator` as a run of its own, in
replication order: so each point's table, estimates, trace and per-round sums equal those of
``simulate`` on that point alone with the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import pandas as pd

from sim.core.rng import BLOCK_SIZE
from sim.engine.montecarlo import (
    Accumulator,
    MonteCarloResult,
    _batches,
    in_order,
    run_tiles,
)
from sim.scenario.spec import Scenario


def tile_groups(points: Sequence[int], per_model: int) -> list[list[int]]:
    """``points`` cut into as few groups of at most ``per_model`` as possible, as even as
    possible, in order."""
    if not points:
        return []
    groups = math.ceil(len(points) / max(1, per_model))
    size, extra = divmod(len(points), groups)
    cut, first = [], 0
    for g in range(groups):
        last = first + size + (1 if g < extra else 0)
        cut.append(list(points[first:last]))
        first = last
    return cut


def simulate_points(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    *,
    batch_blocks: int = 16,
    trace: int = 0,
    protocol: str | None = None,
    workers: int = 1,
    start: int = 0,
    stop: int | None = None,
    target_se: float | None = None,
    on_batch: Sequence[Callable[[pd.DataFrame], None] | None] | None = None,
    progress: Callable[[int], None] | None = None,
    compare_theory: bool = True,
    keep_sample: bool = True,
) -> list[MonteCarloResult]:
    """Replications ``[start, stop)`` of every scenario, as :func:`simulate` would run each
    alone with the same seed and settings; ``on_batch[p]`` takes point p's tables in order.
    With ``target_se`` a point stops as it would alone, and the others go on without it.
    ``keep_sample=False``: no result keeps the first rows of its table (only figures use them;
    many points would hold many)."""
    stop = replications if stop is None else stop
    callbacks = list(on_batch) if on_batch is not None else [None] * len(scenarios)
    runs = [
        Accumulator(scenario, seed, start, target_se, callback, progress, keep_sample)
        for scenario, callback in zip(scenarios, callbacks, strict=True)
    ]
    finished = [False] * len(scenarios)
    batch_rows = batch_blocks * BLOCK_SIZE
    batches = list(_batches(start, stop, batch_rows))

    def calls() -> Iterator[tuple]:
        for first, n in batches:
            running = [p for p, done in enumerate(finished) if not done]
            for group in tile_groups(running, batch_rows // n):
                yield (
                    [scenarios[p] for p in group],
                    seed,
                    first,
                    n,
                    protocol,
                    trace if first == 0 else 0,
                    compare_theory,
                    group,
                )

    models = sum(len(tile_groups(range(len(scenarios)), batch_rows // n)) for _, n in batches)
    for group, results in in_order(_run_group, calls(), max(1, min(workers, models))):
        for p, batch in zip(group, results, strict=True):
            if not finished[p]:  # a point that met its target ignores batches asked before
                finished[p] = runs[p].add(batch)
    return [run.result() for run in runs]


def _run_group(scenarios, seed, first, n, protocol, trace, compare_theory, group):
    """:func:`run_tiles`, labelled with the points it ran (in this or a worker process)."""
    return group, run_tiles(scenarios, seed, first, n, protocol, trace, compare_theory)
