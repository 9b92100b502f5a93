"""Run settings (``mc``, ``output``, ``protocol``, ``seed``), checked like scenario fields."""

from __future__ import annotations

import io
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sim.core.catalogue import check_protocol
from sim.core.protocols.base import PROTOCOLS
from sim.core.rng import BLOCK_SIZE, shard_range
from sim.scenario.checker import Checker
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import Scenario

SETTINGS_SOURCE = "run settings (conf/ or the command line)"
MAX_REPLICATIONS = 10**10
MC_FIELDS = (
    "replications",
    "batch_blocks",
    "workers",
    "shard",
    "shards",
    "target_se",
    "time_limit_s",
)
OUTPUT_FIELDS = ("trace_replications", "figures", "animation", "progress")
# Estimated output at most this share of the free disk space.
DISK_SHARE = 0.9
# One batch's state at most this share of the memory available when the run starts.
MEMORY_SHARE = 0.5
# Rounds one replication plays (sessions x rounds): each is a step of the model.
MAX_RUN_ROUNDS = 10_000
# Events and pressures are advanced one by one every round: (events + pressures) x rounds.
MAX_CLOCK_ROUNDS = 200_000


@dataclass(frozen=True)
class RunSettings:
    replications: int = 1000
    batch_blocks: int = 16
    workers: int = 1
    shard: int = 0
    shards: int = 1
    target_se: float | None = None
    time_limit_s: float | None = None
    progress: bool = True
    trace_replications: int = 20
    figures: bool = True
    animation: bool = False
    seed: int | None = None
    protocol: str | None = None

    @classmethod
    def from_config(cls, cfg: dict) -> RunSettings:
        c = Checker(SETTINGS_SOURCE)
        mc, output = cfg.get("mc") or {}, cfg.get("output") or {}
        c.mapping(mc, "mc", optional=MC_FIELDS)
        c.mapping(output, "output", optional=OUTPUT_FIELDS)
        seed = cfg.get("seed")
        protocol = (cfg.get("protocol") or {}).get("name")
        if protocol is not None:
            c.choice(protocol, "protocol.name", tuple(PROTOCOLS), "protocol")

        def flag(node, path, default):
            value = node.get(path.split(".")[-1], default)
            if value is None and path == "output.figures":  # null: the command's default
                value = default
            if not isinstance(value, bool):
                c.fail(path, f"expected true or false, got {value!r}")
            return value

        def optional_positive(node, path):
            value = node.get(path.split(".")[-1])
            return None if value is None else c.number(value, path, 0.0, low_open=True)

        settings = cls(
            replications=c.integer(mc.get("replications", 1000), "mc.replications", 1),
            batch_blocks=c.integer(mc.get("batch_blocks", 16), "mc.batch_blocks", 1),
            workers=c.integer(mc.get("workers", 1), "mc.workers", 1),
            shard=c.integer(mc.get("shard", 0), "mc.shard", 0),
            shards=c.integer(mc.get("shards", 1), "mc.shards", 1),
            target_se=optional_positive(mc, "mc.target_se"),
            time_limit_s=optional_positive(mc, "mc.time_limit_s"),
            progress=flag(output, "output.progress", True),
            trace_replications=c.integer(
                output.get("trace_replications", 20), "output.trace_replications", 0
            ),
            figures=flag(output, "output.figures", True),
            animation=flag(output, "output.animation", False),
            seed=None if seed is None else c.integer(seed, "seed", 0),
            protocol=protocol,
        )
        settings._check_combinations(c)
        return settings

    def _check_combinations(self, c: Checker) -> None:
        """Settings that are fine alone but not together."""
        if self.shard >= self.shards:
            c.fail("mc.shard", f"must be below mc.shards={self.shards} (got {self.shard})")
        if self.shards > 1 and self.seed is None:
            c.fail(
                "seed",
                "a sharded run needs an explicit seed, the same for every shard (e.g. seed=1)",
            )
        blocks = -(-self.replications // BLOCK_SIZE)
        if self.shards > blocks:
            c.fail(
                "mc.shards",
                f"{self.shards} shards for {blocks} block(s) of {BLOCK_SIZE} replications would "
                f"leave shards empty; use at most {blocks}",
            )
        if self.shards > 1 and self.target_se is not None:
            c.fail(
                "mc.target_se",
                "cannot be combined with mc.shards (each shard would stop on its own)",
            )
        if self.replications > MAX_REPLICATIONS:
            c.fail(
                "mc.replications",
                f"{self.replications:,} is more than negsim runs at once ({MAX_REPLICATIONS:,})",
            )

    @property
    def replication_range(self) -> tuple[int, int]:
        return shard_range(self.replications, self.shard, self.shards)


def _size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes < 1000 or unit == "TB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    raise AssertionError


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def available_memory() -> int:
    """Bytes of memory available to a new allocation (Linux's MemAvailable, else all RAM)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def batch_bytes(scenario: Scenario, replications: int, traced: int = 0) -> float:
    """An upper estimate of the memory one batch of ``replications`` holds: per agent and round
    of the run its cooperation path (float32, twice with pressures: the run without them); per
    agent and issue some thirty (R, I) float64 arrays (preferences, offers, plans, buffers); and
    for each of the ``traced`` replications a table row per agent and round."""
    agents, issues = len(scenario.agents), len(scenario.issues)
    rounds = scenario.negotiation.sessions * scenario.negotiation.rounds
    paths = 4 * agents * rounds * (2 if scenario.pressures else 1)
    state = 8 * issues * (30 * agents + 20)
    trace = 64 * agents * rounds * (issues + 8)
    return replications * (paths + state) + traced * trace


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def check_work(scenario: Scenario, settings: RunSettings, free: int | None = None) -> None:
    """Refuse, before anything is allocated, a scenario whose rounds or size would not fit in
    ``free`` bytes of memory (by default what is available now), and a bilateral ``protocol``
    setting for a scenario with more than two agents."""
    if settings.protocol is not None:
        check_protocol(scenario, settings.protocol)
    negotiation = scenario.negotiation
    rounds = negotiation.sessions * negotiation.rounds
    if rounds > MAX_RUN_ROUNDS:
        raise ScenarioError(
            scenario.source,
            "negotiation.rounds",
            f"{_count(negotiation.sessions, 'session')} x {_count(negotiation.rounds, 'round')}"
            f" = {rounds:,} rounds per replication, more than negsim plays ({MAX_RUN_ROUNDS:,})",
        )
    clocks = len(scenario.events) + len(scenario.pressures)
    if clocks * rounds > MAX_CLOCK_ROUNDS:
        raise ScenarioError(
            scenario.source,
            "events",
            f"{_count(len(scenario.events), 'event')} and {_count(len(scenario.pressures), 'pressure')}"
            f" over {_count(rounds, 'round')} = {clocks * rounds:,} event-rounds, more than negsim"
            f" plays ({MAX_CLOCK_ROUNDS:,}); use fewer events or rounds",
        )
    start, stop = settings.replication_range
    batch = min(stop - start, settings.batch_blocks * BLOCK_SIZE)
    traced = min(settings.trace_replications, batch)  # only the first batch keeps a trace
    workers = min(settings.workers, -(-(stop - start) // batch))  # no more than batches
    need = batch_bytes(scenario, batch, traced) * workers
    free = available_memory() if free is None else free
    if need > MEMORY_SHARE * free:
        agents, issues = len(scenario.agents), len(scenario.issues)
        shape = f"{_count(agents, 'agent')} x {_count(issues, 'issue')} x {_count(rounds, 'round')}"
        smallest = batch_bytes(scenario, min(batch, BLOCK_SIZE))
        if smallest > MEMORY_SHARE * free:
            raise ScenarioError(
                scenario.source,
                "negotiation.rounds" if rounds * 4 > 8 * issues * 30 else "issues",
                f"{shape} needs about {_size(smallest)} of memory for one block of "
                f"{min(batch, BLOCK_SIZE):,} replications, more than half of the {_size(free)} available",
            )
        Checker(SETTINGS_SOURCE).fail(
            "mc.batch_blocks",
            f"{_count(workers, 'worker')} x {_count(batch, 'replication')} of {shape}"
            f" need about {_size(need)} of memory, more than half of the {_size(free)} available;"
            " lower mc.batch_blocks or mc.workers",
        )


def check_feasible(scenario: Scenario, settings: RunSettings, seed: int, run_dir: Path) -> dict:
    """Refuse, before anything is written, a run whose output would not fit on disk or whose
    estimated time exceeds ``mc.time_limit_s``. A pilot block measures bytes and seconds per
    replication; returns the estimates (also recorded in run.json). The work itself was checked
    before (:func:`check_work`, which ``negsim`` runs before it loads the model)."""
    # Imported here: bad input is refused before the model, pandas and pyarrow are loaded.
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.engine.montecarlo import run_batch

    start, stop = settings.replication_range
    n = stop - start
    if n <= 4 * BLOCK_SIZE and settings.time_limit_s is None:
        return {}
    pilot = min(BLOCK_SIZE, settings.replications)
    began = time.perf_counter()
    columns = run_batch(scenario, seed, 0, pilot, settings.protocol, 0)[0]
    seconds = (time.perf_counter() - began) / pilot
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(pd.DataFrame(columns)), buffer, compression="zstd")
    per_rep = buffer.tell() / pilot
    estimate = {"bytes": per_rep * n, "seconds": seconds * n / settings.workers}
    c = Checker(SETTINGS_SOURCE)
    folder = run_dir if run_dir.exists() else next(p for p in run_dir.parents if p.exists())
    free = shutil.disk_usage(folder).free
    if estimate["bytes"] > DISK_SHARE * free:
        c.fail(
            "mc.replications",
            f"{n:,} replications would write about {_size(estimate['bytes'])} of results, "
            f"but only {_size(free)} is free under {folder}",
        )
    if settings.time_limit_s is not None and estimate["seconds"] > settings.time_limit_s:
        c.fail(
            "mc.replications",
            f"{n:,} replications would take about {_duration(estimate['seconds'])}, more than "
            f"mc.time_limit_s={settings.time_limit_s:g} s allows; lower mc.replications, raise "
            "mc.workers, or split the run with mc.shards",
        )
    return estimate
