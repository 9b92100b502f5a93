"""``negsim-merge``: join the shards of a run (``mc.shard=i mc.shards=n``) into one run folder.

The merged folder is what the unsharded run would have written: the same per-replication table
row for row, and the same estimates (moments are fed block by block in replication order, as in
a single run).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.cli.guard import EXIT_BAD_INPUT, ArgumentParser, guarded
from sim.cli.run import finish_run, metadata_record
from sim.core.catalogue import validate
from sim.core.rng import BLOCK_SIZE
from sim.engine.montecarlo import SAMPLE_ROWS, MonteCarloResult, exact_total
from sim.engine.settings import RunSettings
from sim.engine.stats import TableMoments
from sim.outputs.folder import SUMMARY, ParquetStream, RunFolder, RunFolderExists, shown
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.reading import load_yaml, read_text

SAME = ("scenario", "seed", "replications", "protocol")


TABLES = ("replications.parquet", "rounds.parquet", "trajectories.parquet", "sessions.parquet")


def _read_shard(folder: Path) -> dict:
    if not (folder / SUMMARY).is_file():
        raise ScenarioError(shown(folder), "", "not a finished run (no summary.json)")
    try:
        record = json.loads(read_text(folder / "run.json", shown(folder / "run.json")))
        config = folder / "config.yaml"
        record["config"] = load_yaml(read_text(config, shown(config)), shown(config))
        low, high = record["shard"]["range"]
        record["shard"]["index"], record["shard"]["count"]  # noqa: B018  (must be there)
        record["rows"] = int(high) - int(low)
        for key in (*SAME, "scenario_file"):
            record[key]  # noqa: B018
    except ScenarioError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(
            shown(folder), "run.json", f"not readable as a negsim run ({type(exc).__name__})"
        ) from None
    record["folder"] = folder
    _check_tables(record)
    return record


def _unreadable(path: Path, exc: Exception) -> ScenarioError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ScenarioError(
        shown(path), "", f"not a readable Parquet table (truncated or corrupt? {reason})"
    )


def _check_tables(record: dict) -> None:
    """Every table of a shard readable, and as many replications as its range says, before
    anything is written."""
    for name in TABLES:
        path = record["folder"] / name
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException) as exc:
            raise _unreadable(path, exc) from None
        if name == "replications.parquet" and rows != record["rows"]:
            raise ScenarioError(
                shown(path),
                "",
                f"holds {rows:,} replications, but run.json gives the shard {record['rows']:,}",
            )


def merge(shard_folders: list[Path], out: Path) -> dict:
    """Merge finished shards into the fresh run folder ``out``; returns its summary."""
    started = perf_counter()
    shards = sorted(
        (_read_shard(Path(f)) for f in shard_folders), key=lambda r: r["shard"]["index"]
    )
    _check_shards(shards)
    first = shards[0]
    config = first["config"]
    scenario = validate(config["scenario"], first["scenario_file"])
    config["mc"] = {**config["mc"], "shard": 0, "shards": 1}
    settings = RunSettings.from_config(config)
    created = not Path(out).exists()
    folder = RunFolder(out)
    try:
        return _write_merged(shards, folder, scenario, settings, config, started)
    except BaseException:  # nothing half-written: remove what this merge made
        _remove_contents(folder.path, created)
        raise


def _remove_contents(path: Path, created: bool) -> None:
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    if created:
        path.rmdir()


def _write_merged(shards, folder: RunFolder, scenario, settings, config, started) -> dict:
    first = shards[0]
    folder.write_json(
        "run.json",
        metadata_record(
            scenario, settings, first["seed"], merged_from=[str(r["folder"]) for r in shards]
        ),
    )
    folder.write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
    moments, total = _merge_tables(shards, folder)
    result = MonteCarloResult(
        total,
        first["seed"],
        moments,
        pd.read_parquet(first["folder"] / "trajectories.parquet"),
        pd.read_parquet(first["folder"] / "sessions.parquet"),
        rounds=_merge_rounds(shards),
        sample=_first_rows(shards),
    )
    return finish_run(
        folder,
        scenario,
        result,
        first["protocol"],
        settings.figures,
        started,
        {"target_se": None, "target_reached": None, "merged_shards": first["shard"]["count"]},
    )


def _check_shards(shards: list[dict]) -> None:
    """Shards of one run: the same scenario, seed, replications, protocol and config (but for
    ``mc.shard``), each of the ``n`` indices once."""
    first = shards[0]
    count = first["shard"]["count"]
    for record in shards:
        for key in SAME:
            if record[key] != first[key]:
                raise ScenarioError(
                    str(record["folder"]),
                    key,
                    f"differs from {first['folder']}: {record[key]!r} vs {first[key]!r}",
                )
        config = {**record["config"], "mc": {**record["config"]["mc"], "shard": 0}}
        if config != {**first["config"], "mc": {**first["config"]["mc"], "shard": 0}}:
            raise ScenarioError(
                str(record["folder"]), "config.yaml", f"differs from {first['folder']}"
            )
    indices = [record["shard"]["index"] for record in shards]
    if indices != list(range(count)):
        missing = sorted(set(range(count)) - set(indices))
        raise ScenarioError(
            "command line",
            "shards",
            f"need each of the {count} shards once; missing {missing or 'none'}, given {indices}",
        )


def _merge_tables(shards: list[dict], folder: RunFolder) -> tuple[TableMoments, int]:
    """Stream the shards' tables in order into one replications.parquet and the moments,
    block by block as a single run feeds them."""
    moments = TableMoments()
    stream = ParquetStream(folder.file("replications.parquet"))
    total = 0
    try:
        for record in shards:
            for frame in _frames(record["folder"] / "replications.parquet"):
                moments.add(frame)
                stream.write(frame)
                total += len(frame)
    except BaseException:
        stream.abort()
        raise
    stream.close()
    return moments, total


def _frames(path: Path) -> Iterator[pd.DataFrame]:
    """A shard's table block by block; a block that cannot be read names the file."""
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BLOCK_SIZE):
            yield batch.to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def _merge_rounds(shards: list[dict]) -> dict[str, np.ndarray]:
    """The per-round sums of every shard's rounds.parquet, added exactly."""
    rounds: dict[str, list[np.ndarray]] = {}
    for record in shards:
        table = pd.read_parquet(record["folder"] / "rounds.parquet")
        for name, group in table.groupby("metric"):
            group = group.sort_values("step")
            rounds.setdefault(name, []).append(
                group[["sum", "sum_sq", "n"]].to_numpy(dtype=float).T
            )
    return {name: exact_total(blocks) for name, blocks in rounds.items()}


def _first_rows(shards: list[dict]) -> pd.DataFrame:
    """The figures' sample: the first rows of the merged table, as a single run keeps them."""
    parts, need = [], SAMPLE_ROWS
    for record in shards:
        if need <= 0:
            break
        batches = pq.ParquetFile(record["folder"] / "replications.parquet").iter_batches(
            batch_size=need
        )
        part = next(batches).to_pandas()
        parts.append(part)
        need -= len(part)
    return pd.concat(parts, ignore_index=True)


@guarded("negsim-merge")
def main(argv: list[str] | None = None) -> None:
    parser = ArgumentParser(
        prog="negsim-merge",
        description="Merge the run folders of a sharded negsim run (mc.shard=i mc.shards=n) into one.",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder for the merged run (must not hold a finished run)",
    )
    parser.add_argument(
        "shards", nargs="+", type=Path, help="the shards' run folders, in any order"
    )
    args = parser.parse_args(argv)
    try:
        summary = merge(args.shards, args.out)
    except (ScenarioError, RunFolderExists, OSError, pa.ArrowException) as exc:
        print(f"negsim-merge: error: {one_line(str(exc))}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print(
        f"negsim-merge: {summary['replications']:,} replications from {len(args.shards)} shards -> {args.out}/"
    )
