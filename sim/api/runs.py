"""Monte Carlo runs for the API: :func:`simulate` holds a run in memory as pandas objects,
:meth:`Result.save` writes the run folder ``negsim`` writes, :func:`sweep` runs a grid of values
with common random numbers.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import pandas as pd
import yaml

from sim.analysis.pause import rounds_table
from sim.api.loading import ScenarioLike, load, mapping_of
from sim.cli.run import finish_run, metadata_record
from sim.core.protocols.base import resolve_protocol
from sim.core.rng import fresh_seed
from sim.engine.montecarlo import MonteCarloResult, simulate_points
from sim.engine.montecarlo import simulate as run_replications
from sim.engine.settings import RunSettings, check_work
from sim.outputs.folder import RunFolder
from sim.outputs.summary import summarise
from sim.scenario.errors import ScenarioError, suggest
from sim.scenario.spec import Scenario
from sim.scenario.stacking import batch_key


@dataclass(frozen=True, eq=False)
class Result:
    """A finished Monte Carlo run held in memory.

    ``replications``: one row per replication (the columns of ``replications.parquet``);
    ``rounds``: the per-round cooperation index with 95% CIs (``rounds.parquet``); ``summary``:
    what ``summary.json`` holds; ``estimates``: every estimate in it, one row per metric (its
    dotted path in the summary, e.g. ``agents.us.utility``) with ``estimate``, ``ci_low``,
    ``ci_high``, ``se``, ``n``; ``offers`` and ``sessions``: the round-by-round trace and the
    session outcomes of the first traced replications.
    """

    scenario: Scenario = field(repr=False)
    seed: int
    protocol: str
    summary: dict[str, Any] = field(repr=False)
    estimates: pd.DataFrame = field(repr=False)
    replications: pd.DataFrame = field(repr=False)
    rounds: pd.DataFrame = field(repr=False)
    offers: pd.DataFrame = field(repr=False)
    sessions: pd.DataFrame = field(repr=False)
    settings: RunSettings = field(repr=False)
    simulated_s: float = field(repr=False)
    _run: MonteCarloResult = field(repr=False)

    def __repr__(self) -> str:
        agree = self.summary["agreement_rate"]
        ci = agree["ci95"] or [float("nan")] * 2
        return (
            f"Result({self.scenario.name}: {self.summary['replications']:,} replications, "
            f"seed {self.seed}, protocol {self.protocol}, agreement rate "
            f"{agree['estimate']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}])"
        )

    def save(self, folder: str | os.PathLike[str], *, figures: bool = True) -> Path:
        """Write the run folder ``negsim`` writes (report, summary.json, tables, figures) to
        ``folder`` and return its path. A folder holding a finished run is never written into
        (:class:`~sim.outputs.folder.RunFolderExists`)."""
        run_folder = RunFolder(Path(folder))
        run_folder.write_json(
            "run.json", metadata_record(self.scenario, self.settings, self.seed, overrides=[])
        )
        config = {"scenario": mapping_of(self.scenario)}  # None: built outside load()
        config |= {
            "protocol": {"name": self.settings.protocol},
            "mc": {
                "replications": self.settings.replications,
                "target_se": self.settings.target_se,
            },
            "output": {"trace_replications": self.settings.trace_replications},
            "seed": self.seed,
        }
        run_folder.write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
        run_folder.write_parquet("replications.parquet", self.replications)
        extra = {"target_se": self.settings.target_se, "target_reached": self._run.target_reached}
        started = perf_counter() - self.simulated_s
        finish_run(run_folder, self.scenario, self._run, self.protocol, figures, started, extra)
        return run_folder.path


def _estimates(summary: Mapping[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """Every ``{"estimate": ..., "ci95": ...}`` in ``summary``, by dotted path."""
    rows = []
    for key, value in summary.items():
        if not isinstance(value, Mapping):
            continue
        path = f"{prefix}{key}"
        if "estimate" in value and "ci95" in value:
            low, high = value["ci95"] or (None, None)
            rows.append(
                {
                    "metric": path,
                    "estimate": value["estimate"],
                    "ci_low": low,
                    "ci_high": high,
                    "se": value.get("se"),
                    "n": value.get("n"),
                }
            )
        else:
            rows.extend(_estimates(value, f"{path}."))
    return rows


def estimates_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The estimates of a summary (a :class:`Result`'s or a ``summary.json``), one row each."""
    table = pd.DataFrame(
        _estimates(summary), columns=["metric", "estimate", "ci_low", "ci_high", "se", "n"]
    )
    return table.set_index("metric").astype(float)


def simulate(
    scenario: ScenarioLike,
    replications: int = 1000,
    seed: int | None = None,
    *,
    protocol: str | None = None,
    workers: int = 1,
    trace: int = 20,
    target_se: float | None = None,
    batch_blocks: int = 16,
) -> Result:
    """Run ``replications`` Monte Carlo replications in memory; nothing is written.

    The same numbers as ``negsim scenario=... mc.replications=... seed=...``. ``seed=None``
    draws a fresh seed (``result.seed``); ``protocol`` overrides the scenario's own;
    ``workers`` processes share the work without changing any number; ``trace`` replications
    keep their round-by-round offers; with ``target_se`` the run stops once every headline
    estimate's standard error is at most that (``replications`` is then the cap).
    """
    spec = load(scenario)
    settings = _settings(replications, seed, protocol, workers, trace, target_se, batch_blocks)
    check_work(spec, settings)
    seed = fresh_seed() if settings.seed is None else settings.seed
    played = resolve_protocol(spec, settings.protocol)
    tables: list[pd.DataFrame] = []
    started = perf_counter()
    run = run_replications(
        spec,
        settings.replications,
        seed,
        batch_blocks=settings.batch_blocks,
        trace=settings.trace_replications,
        protocol=played,
        workers=settings.workers,
        target_se=settings.target_se,
        on_batch=tables.append,
    )
    return _result(spec, settings, seed, played, run, tables, perf_counter() - started)


def _settings(replications, seed, protocol, workers, trace, target_se, batch_blocks):
    return RunSettings.from_config(
        {
            "mc": {
                "replications": replications,
                "batch_blocks": batch_blocks,
                "workers": workers,
                "target_se": target_se,
            },
            "output": {"trace_replications": trace, "progress": False},
            "seed": seed,
            "protocol": {"name": protocol},
        }
    )


def _result(spec, settings, seed, played, run, tables, simulated) -> Result:
    replications = pd.concat(tables, ignore_index=True)
    rounds = rounds_table(spec, run.rounds or {})
    summary = summarise(spec, run, played, rounds, replications)
    summary |= {"target_se": settings.target_se, "target_reached": run.target_reached}
    summary["wall_time_s"] = {"simulation": simulated}
    return Result(
        scenario=spec,
        seed=seed,
        protocol=played,
        summary=summary,
        estimates=estimates_table(summary),
        replications=replications,
        rounds=rounds,
        offers=run.offers,
        sessions=run.sessions,
        settings=settings,
        simulated_s=simulated,
        _run=run,
    )


def _simulate_points(specs, replications, seed, protocol, workers) -> list[Result]:
    """:func:`simulate` of each scenario (trace 0), those that differ only in numbers the
    model reads per replication as tiles of one model (:func:`sim.engine.montecarlo.simulate_points`)."""
    settings = _settings(replications, seed, protocol, workers, 0, None, 16)
    groups: dict = {}
    for p, spec in enumerate(specs):
        check_work(spec, settings)
        played = resolve_protocol(spec, settings.protocol)
        groups.setdefault((played, batch_key(spec)), []).append(p)
    results: list[Result | None] = [None] * len(specs)
    for (played, _), points in groups.items():
        tables: list[list[pd.DataFrame]] = [[] for _ in points]
        started = perf_counter()
        runs = simulate_points(
            [specs[p] for p in points],
            settings.replications,
            seed,
            protocol=played,
            workers=settings.workers,
            on_batch=[t.append for t in tables],
            keep_sample=False,
        )
        share = (perf_counter() - started) / len(points)
        for p, run, parts in zip(points, runs, tables, strict=True):
            results[p] = _result(specs[p], settings, seed, played, run, parts, share)
    return results


def _headline(scenario: Scenario) -> list[str]:
    return [
        "agreement_rate",
        "rounds_to_agreement",
        *(f"agents.{agent}.utility" for agent in scenario.agent_names),
    ]


def sweep(
    scenario: ScenarioLike,
    values: Mapping[str, Sequence[Any]],
    replications: int = 1000,
    seed: int | None = None,
    *,
    metrics: Sequence[str] | None = None,
    protocol: str | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """One run per combination of ``values`` (dotted scenario paths -> values to try), one row
    per point: the swept values, then per metric its estimate and ``<metric>.ci_low``,
    ``<metric>.ci_high``.

    Every point uses the same seed (common random numbers; ``seed=None`` draws one for all), so
    a row holds the numbers of that point run alone with that seed. Points that differ only in
    numbers the model reads per replication run as one vectorised simulation, as ``negsim -m``
    runs them. ``metrics`` are rows of
    :attr:`Result.estimates` (default: agreement rate, rounds to agreement, each agent's
    utility).
    """
    if not values:
        raise ScenarioError("sim.sweep", "values", "name at least one path to sweep")
    seed = fresh_seed() if seed is None else seed
    paths = list(values)
    grid = [
        dict(zip(paths, combination, strict=True))
        for combination in itertools.product(*(values[p] for p in paths))
    ]
    results = _simulate_points(
        [load(scenario, changes) for changes in grid], replications, seed, protocol, workers
    )
    rows = []
    for point, (changes, result) in enumerate(zip(grid, results, strict=True)):
        chosen = list(metrics) if metrics is not None else _headline(result.scenario)
        missing = [m for m in chosen if m not in result.estimates.index]
        if missing:
            raise ScenarioError(
                "sim.sweep",
                "metrics",
                f"no estimate '{missing[0]}'{suggest(missing[0], result.estimates.index)}",
            )
        row: dict[str, Any] = {"point": point, **changes}
        for metric in chosen:
            estimate = result.estimates.loc[metric]
            row[metric] = estimate["estimate"]
            row[f"{metric}.ci_low"] = estimate["ci_low"]
            row[f"{metric}.ci_high"] = estimate["ci_high"]
        rows.append(row | {"replications": result.summary["replications"], "seed": seed})
    return pd.DataFrame(rows)
