"""The ``negsim-sensitivity`` command: global sensitivity analysis (SALib's Sobol' or Morris) over
parameter ranges declared in a config file, with scenario discovery (PRIM) over the same runs.

The numbers come from :mod:`sim.sensitivity.evaluation` (the whole sample in one vectorised run)
and :mod:`sim.sensitivity.gsa` (the same code that is checked on the Ishigami function); the words
and figures from :mod:`sim.outputs.sensitivity_report`. This module writes them into a fresh
results folder, ``summary.json`` last.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd
import yaml

from sim.cli.guard import EXIT_BAD_INPUT, EXIT_INTERRUPTED, ArgumentParser, guarded
from sim.core.protocols.base import resolve_protocol
from sim.engine.settings import RunSettings, check_work
from sim.outputs import sensitivity_report as report
from sim.outputs.folder import RunFolder, RunFolderExists
from sim.outputs.provenance import versions
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import Scenario
from sim.sensitivity.config import SensitivityConfig, load_config
from sim.sensitivity.evaluation import ModelEvaluation, discover, metric_status, noise_share
from sim.sensitivity.gsa import MORRIS_LEVELS, analyse

PROG = "negsim-sensitivity"
PACKAGES = ("negsim", "numpy", "scipy", "pandas", "SALib")


class Interrupted(RuntimeError):
    """Ctrl-C during a run: the folder keeps its INCOMPLETE marker and gets no summary.json."""


def _finite(value):
    """JSON has no NaN: None instead."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    return value


# Replications of a whole sample in one run: each costs a few bytes of per-replication state.
MAX_TOTAL_REPLICATIONS = 10**8


def check_size(config: SensitivityConfig) -> None:
    """Refuse, before anything is written, a sample too large to run or to hold in memory."""
    points, reps = config.design.points, config.replications
    total = points * reps
    if total > MAX_TOTAL_REPLICATIONS:
        raise ScenarioError(
            config.source,
            "replications",
            f"{points:,} points x {reps:,} replications = {total:,}, more than "
            f"{PROG} runs at once ({MAX_TOTAL_REPLICATIONS:,}); lower samples or replications",
        )
    check_work(config.scenario, RunSettings(replications=total, workers=config.workers))


def run_sensitivity(config: SensitivityConfig, out: Path, started: float | None = None) -> dict:
    """Simulate the sample, analyse it and write every output into a fresh folder ``out``."""
    started = perf_counter() if started is None else started
    check_size(config)
    folder = None
    try:
        folder = RunFolder(out)
        folder.write_text("sensitivity.yaml", yaml.safe_dump(config.record(), sort_keys=False))
        evaluation = ModelEvaluation(config, jobs=folder.path / "jobs")
        analysing = perf_counter()
        table = analyse(config.design, evaluation, config.metrics)
        analysed = perf_counter() - analysing
        metrics = _metric_sections(config, evaluation, table)
        folder.write_parquet("indices.parquet", table)
        folder.write_parquet("points.parquet", evaluation.points())
        discovery = discover(config, evaluation)
        figures = folder.path / "figures"
        figures.mkdir(exist_ok=True)
        method = config.design.method
        for metric, info in metrics.items():
            if info["status"] == "varied":
                report.index_figure(table, metric, method, figures / f"{method}_{metric}.png")
        summary = _finite(_summary(config, metrics, discovery, analysed))
        folder.write_json("discovery.json", _finite(discovery))
        folder.write_text(
            "discovery.md", report.discovery_markdown(summary | {"discovery": discovery})
        )
        folder.write_text("sensitivity.md", report.sensitivity_markdown(summary, table))
        summary["wall_time_s"]["total"] = perf_counter() - started
        folder.finish(summary)
        return summary
    except KeyboardInterrupt:
        where = "before anything was written" if folder is None else f"{out} is marked INCOMPLETE"
        raise Interrupted(f"interrupted; {where}") from None


def _metric_sections(
    config: SensitivityConfig, evaluation: ModelEvaluation, table: pd.DataFrame
) -> dict[str, dict]:
    """Per metric: whether it varied, its Monte Carlo noise, a sentence and its indices."""
    design = config.design
    metrics = {}
    for m, metric in enumerate(config.metrics):
        status = metric_status(evaluation.means[:, m])
        data = report.wide(table, metric)
        metrics[metric] = {
            **status,
            "noise_share": noise_share(evaluation.means[:, m], evaluation.noise[:, m]),
            "sentence": report.metric_sentence(design.method, metric, data, status),
            "indices": {
                name: {key: row[key] for key in data.columns} for name, row in data.iterrows()
            },
        }
        if design.second_order:
            pairs = table[(table["metric"] == metric) & table["parameter_2"].notna()]
            metrics[metric]["S2"] = [
                {"parameters": [r.parameter, r.parameter_2], "S2": r.value, "S2_conf": r.conf}
                for r in pairs.itertuples()
            ]
    return metrics


def _summary(config: SensitivityConfig, metrics: dict, discovery: dict, analysed: float) -> dict:
    """summary.json (before NaN becomes None and the total wall time is added)."""
    design = config.design
    return {
        "scenario": config.scenario.name,
        "scenario_file": config.scenario.source,
        "config": config.source,
        "method": design.method,
        "samples": design.samples,
        "second_order": design.second_order,
        "levels": MORRIS_LEVELS if design.method == "morris" else None,
        "points": design.points,
        "replications": config.replications,
        "total_replications": design.points * config.replications,
        "seed": config.seed,
        "protocol": resolve_protocol(config.scenario, config.protocol),
        "parameters": config.ranges,
        "metrics": metrics,
        "discovery": {
            name: {k: info[k] for k in ("sentence", "found", "coverage", "density")}
            for name, info in discovery.items()
        },
        "command": sys.argv,
        "versions": versions(PACKAGES),
        "wall_time_s": {"simulation_and_indices": analysed},
    }


# ---------------------------------------------------------------------------------------------
# The command


def default_folder(scenario: Scenario) -> Path:
    """``results/<scenario>/sensitivity/<timestamp>``, or ``-2``, ``-3``... if taken."""
    base = Path("results") / scenario.name / "sensitivity" / f"{datetime.now():%Y-%m-%d_%H-%M-%S}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = Path(f"{base}-{n}")
    return candidate


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Global sensitivity analysis (Sobol' or Morris) and scenario discovery "
        "(PRIM) over parameter ranges declared in a config file.",
    )
    parser.add_argument("config", type=Path, help="a sensitivity config (YAML)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder (default results/<scenario>/sensitivity/<timestamp>)",
    )
    return parser


@guarded(PROG)
def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    started = perf_counter()
    try:
        config = load_config(args.config)
        out = args.out or default_folder(config.scenario)
        points = config.design.points
        print(
            f"{PROG}: {config.scenario.name}: {points:,} points x {config.replications:,} "
            f"replications = {points * config.replications:,} replications, seed {config.seed}",
            flush=True,
        )
        summary = run_sensitivity(config, out, started)
    except (ScenarioError, RunFolderExists) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except Interrupted as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    print(report.console_summary(summary, out))


if __name__ == "__main__":
    main()
