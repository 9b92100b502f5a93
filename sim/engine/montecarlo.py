"""Monte Carlo over replications: batches of blocks through the one vectorised model.

Replications ``[start, stop)`` are cut into batches of ``batch_blocks`` blocks; batches run in
this process or in ``workers`` processes, and their tables are taken back in replication order.
Running moments are fed one block at a time, so the estimates, and where ``target_se`` stops a
run, are the same whatever the batch size or worker count.

Many scenarios (a vectorised sweep's points, which differ only in numbers that may vary per
replication, ``sim.scenario.stacking``) run as tiles of one model, as many as fill a batch
(:func:`simulate_points`); every tile draws from its own streams seeded alike, and each point's
batches go through its own :class:`Accumulator` in replication order, so each point's table,
estimates, trace and per-round sums equal those of the point run alone. A single run is the
one-point case (:func:`simulate`).
"""

from __future__ import annotations

import math
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.model import NegotiationModel
from sim.core.rng import BLOCK_SIZE
from sim.engine.stats import Z95, TableMoments, table_rows
from sim.scenario.spec import Scenario
from sim.scenario.stacking import stack
from sim.theory.comparison import theory_columns

SAMPLE_ROWS = 5000


@dataclass
class MonteCarloResult:
    replications: int  # replications run (fewer than asked when target_se was reached)
    seed: int
    moments: TableMoments
    offers: pd.DataFrame  # round-by-round offers of the traced replications
    sessions: pd.DataFrame  # session outcomes of the traced replications
    target_reached: bool | None = None
    first: int = 0  # index of the first replication (a shard's start)
    sample: pd.DataFrame | None = None  # the first rows of the table, for figures
    rounds: dict[str, np.ndarray] | None = None  # per-round (sum, sumsq, n) of cooperation paths


def headline_columns(scenario: Scenario) -> list[str]:
    """The estimates ``mc.target_se`` applies to."""
    return ["agreement", *(f"utility_{agent.name}" for agent in scenario.agents)]


# Outcomes compared with the run without pressures (same seed, same draws) when there are any.
COUNTERFACTUAL = (
    "agreement",
    "sessions_agreed",
    "misread",
    "walkouts",
    "utility_",
    "cooperation_",
    "value_",
)


def round_sums(paths: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Per block of replications and round of the run: (sum, sum of squares, count) of each
    per-replication path, in float64 (a float32 path is summed in float64 without a float64
    copy of it). Kept per block so that totals (added with ``math.fsum``) do not depend on how
    replications were batched."""
    sums: dict[str, list[np.ndarray]] = {}
    for name, p in paths.items():
        full = len(p) // BLOCK_SIZE * BLOCK_SIZE
        parts = [p[:full].reshape(-1, BLOCK_SIZE, *p.shape[1:])] if full else []
        if full < len(p):
            parts.append(p[full:][None])
        blocks = []
        for part in parts:  # every whole block at once, then the last, shorter one
            squares = np.multiply(part, part, dtype=float)
            sums_ = np.sum(part, axis=1, dtype=float), np.sum(squares, axis=1)
            count = np.full(sums_[0].shape, part.shape[1])
            if np.isnan(sums_[0]).any():  # a NaN in the block (or inf - inf): nansum's numbers
                missing = np.isnan(part)
                sums_ = np.nansum(part, axis=1, dtype=float), np.nansum(squares, axis=1)
                count = np.sum(~missing, axis=1)
            blocks.extend(np.stack([*sums_, count], axis=1).astype(float))
        sums[name] = blocks
    return sums


def exact_total(blocks: list[np.ndarray]) -> np.ndarray:
    """Element-wise correctly rounded sum (``math.fsum``): the same whatever the order."""
    stacked = np.stack(blocks)
    return np.apply_along_axis(math.fsum, 0, stacked) if len(blocks) > 1 else stacked[0]


def run_batch(scenario, seed, start, n, protocol, trace, compare_theory=True):
    """One batch (in this or a worker process): its table's columns, its trace, and per-round
    sums of the cooperation paths."""
    return run_tiles([scenario], seed, start, n, protocol, trace, compare_theory)[0]


def run_tiles(scenarios, seed, start, n, protocol, trace, compare_theory=True) -> list[tuple]:
    """Replications ``[start, start + n)`` of each scenario, all in one model (tile p is
    ``scenarios[p]``: a vectorised sweep's points, which differ only in numbers that may vary
    per replication, :func:`sim.scenario.stacking.stack`); each tile's result as
    :func:`run_batch` gives it, equal to the scenario's batch run alone."""
    tiles = len(scenarios)
    scenario = stack(scenarios)
    model = NegotiationModel(
        scenario, n, seed, start=start, protocol=protocol, trace=trace, tiles=tiles
    ).run()
    columns = model.outcomes()
    if compare_theory:
        columns |= theory_columns(model, scenarios if tiles > 1 else None)
    paths = {f"cooperation_{name}": path for name, path in model.cooperation_path.items()} | {
        f"accuracy_{name}": path for name, path in model.accuracy_path.items()
    }
    if scenario.pressures:
        without = NegotiationModel(
            scenario, n, seed, start=start, protocol=protocol, pressure_effects=False, tiles=tiles
        ).run()
        for key, value in without.outcomes().items():
            if key.startswith(COUNTERFACTUAL) and key in columns:
                columns[f"counterfactual_{key}"] = value
                columns[f"effect_{key}"] = np.asarray(columns[key], dtype=float) - np.asarray(
                    value, dtype=float
                )
        for name, path in without.cooperation_path.items():
            paths[f"counterfactual_cooperation_{name}"] = path
            paths[f"effect_cooperation_{name}"] = np.subtract(
                paths[f"cooperation_{name}"], path, dtype=float
            )
    if tiles == 1:
        trace_of = model.trace
        results = [(columns, trace_of.offers_frame(), trace_of.sessions_frame(), round_sums(paths))]
    else:
        results = [
            (
                {key: value[rows] for key, value in columns.items()},
                model.trace.offers_frame(p),
                model.trace.sessions_frame(p),
                round_sums({key: path[rows] for key, path in paths.items()}),
            )
            for p, rows in enumerate(slice(p * n, (p + 1) * n) for p in range(tiles))
        ]
    return results


def _batches(start: int, stop: int, batch: int) -> Iterator[tuple[int, int]]:
    first = start
    while first < stop:
        # Cut at multiples of the batch size so that batches hold whole blocks.
        last = min(stop, (first // batch + 1) * batch)
        yield first, last - first
        first = last


def in_order(task: Callable, calls: Iterable[tuple], workers: int) -> Iterator:
    """``task(*args)`` for each ``args`` of ``calls``, in order, computed ``workers`` at a time
    (``calls`` is read lazily: at most twice ``workers`` ahead of the results taken)."""
    if workers <= 1:
        for args in calls:
            yield task(*args)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_leave_interrupts_to_parent) as pool:
        pending: deque[Future] = deque()
        try:
            for args in calls:
                pending.append(pool.submit(task, *args))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _leave_interrupts_to_parent() -> None:
    """Workers ignore Ctrl-C; the parent stops them and marks the run incomplete."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def simulate(
    scenario: Scenario,
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
    on_batch: Callable[[pd.DataFrame], None] | None = None,
    progress: Callable[[int], None] | None = None,
    compare_theory: bool = True,
) -> MonteCarloResult:
    """Run replications ``[start, stop)`` (default: all ``replications``): the one-point case of
    :func:`simulate_points`.

    Each batch's table goes to ``on_batch`` (e.g. a Parquet stream) and into running moments,
    so memory does not grow with the replication count. With ``target_se``, blocks are added
    until every headline estimate's standard error is at most ``target_se`` (``stop`` is the cap).
    """
    (result,) = simulate_points(
        [scenario],
        replications,
        seed,
        batch_blocks=batch_blocks,
        trace=trace,
        protocol=protocol,
        workers=workers,
        start=start,
        stop=stop,
        target_se=target_se,
        on_batch=[on_batch],
        progress=progress,
        compare_theory=compare_theory,
    )
    return result


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


class Accumulator:
    """One run's batches, taken in replication order: each batch's table goes to ``on_batch``
    and into running moments one block at a time (so estimates, and where ``target_se`` stops
    the run, do not depend on batch size), the first batch's trace is kept, and the per-round
    sums of the cooperation paths are gathered per block."""

    def __init__(
        self, scenario, seed, start, target_se, on_batch=None, progress=None, keep_sample=True
    ):
        self.seed, self.start, self.target_se = seed, start, target_se
        self.keep_sample = keep_sample  # the first rows, for figures
        self.on_batch, self.progress = on_batch, progress
        self.headline = headline_columns(scenario)
        self.moments = TableMoments()
        self.offers = self.sessions = pd.DataFrame()
        self.sample: pd.DataFrame | None = None
        self.rounds: dict[str, list[np.ndarray]] = {}
        self.done, self.reached = start, None

    def add(self, batch: tuple) -> bool:
        """Take the next batch (:func:`run_batch`'s result); True once ``target_se`` is met."""
        columns, batch_offers, batch_sessions, batch_rounds = batch
        if columns["rep"][0] == self.start:
            self.offers, self.sessions = batch_offers, batch_sessions
        keep, self.reached = _add_blocks(self.moments, columns, self.headline, self.target_se)
        kept_blocks = -(-keep // BLOCK_SIZE)
        for name, blocks in batch_rounds.items():
            self.rounds.setdefault(name, []).extend(blocks[:kept_blocks])
        sampling = self.keep_sample and (self.sample is None or len(self.sample) < SAMPLE_ROWS)
        if sampling or self.on_batch is not None:  # a DataFrame only for those who read one
            table = pd.DataFrame(columns).iloc[:keep]
            if sampling:
                self.sample = _first_rows(self.sample, table)
            if self.on_batch is not None:
                self.on_batch(table)
        self.done += keep
        if self.progress is not None:
            self.progress(keep)
        return bool(self.reached)

    def result(self) -> MonteCarloResult:
        reached = self.reached
        if self.target_se is not None and reached is None:
            reached = False
        totals = {name: exact_total(blocks) for name, blocks in self.rounds.items()}
        return MonteCarloResult(
            self.done - self.start,
            self.seed,
            self.moments,
            self.offers,
            self.sessions,
            reached,
            self.start,
            self.sample,
            totals,
        )


def _add_blocks(
    moments: TableMoments, columns: dict, headline: list[str], target_se: float | None
) -> tuple[int, bool | None]:
    """Feed a batch's ``columns`` into ``moments`` one block at a time, so estimates do not
    depend on batch size; with ``target_se``, stop after the block that makes every headline
    estimate precise enough. Returns the rows kept and True when that target was reached (None
    otherwise)."""
    if target_se is None:
        return moments.add_blocks(columns, BLOCK_SIZE), None
    kept = moments.add_blocks(columns, BLOCK_SIZE, lambda: _below(moments, headline, target_se))
    reached = kept < table_rows(columns) or _below(moments, headline, target_se)
    return kept, (True if reached else None)


def _first_rows(sample: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    """The first ``SAMPLE_ROWS`` rows of the run's table, for figures, while ``sample`` (those
    so far) has fewer."""
    more = table.iloc[: SAMPLE_ROWS - (0 if sample is None else len(sample))]
    return more.copy() if sample is None else pd.concat([sample, more], ignore_index=True)


def _below(moments: TableMoments, columns: list[str], target: float) -> bool:
    """Every headline estimate precise enough. For a rate the Wilson interval's half-width / 1.96
    counts too, so a rate of exactly 0 or 1 in the first block (standard error 0) does not stop
    the run at once."""
    for name in columns:
        est = moments.estimate(name)
        se = est["se"]
        if se is None or not np.isfinite(se):
            return False
        if name in moments.rates and est["ci95"]:
            se = max(se, (est["ci95"][1] - est["ci95"][0]) / (2 * Z95))
        if se > target:
            return False
    return True
