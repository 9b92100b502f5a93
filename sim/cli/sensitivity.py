"""Global sensitivity analysis over parameter ranges declared in a config file (SALib), with
scenario discovery (PRIM) over the same runs: the ``negsim-sensitivity`` command.

The sample of parameter points is simulated in one vectorised run: every swept field becomes a
:class:`~sim.scenario.distributions.PerReplication` array in which point p fills replications
``[p * R, (p + 1) * R)``, so replication k gets the same random numbers as replication k of any
other run with the same seed. Each metric is averaged per point and analysed by :mod:`sim.sensitivity.gsa`,
the same code that is checked on the Ishigami function.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd
import yaml

from sim.core.protocols.base import resolve_protocol
from sim.engine.montecarlo import simulate
from sim.outputs import sensitivity_report as report
from sim.outputs.folder import RunFolder, RunFolderExists
from sim.scenario.distributions import PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.parameters import with_value
from sim.scenario.spec import Scenario
from sim.sensitivity.config import SensitivityConfig, load_config
from sim.sensitivity.discovery import describe, prim
from sim.sensitivity.gsa import MORRIS_LEVELS, analyse

PROG = "negsim-sensitivity"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


# ---------------------------------------------------------------------------------------------
# The model as a vectorised function of the sample


class ModelEvaluation:
    """Callable on a sample (points, parameters): per-point metric means (points, metrics).

    Keeps what the outputs need besides the means: the Monte Carlo variance of each mean, and the
    per-replication outcomes scenario discovery looks at.
    """

    def __init__(self, config: SensitivityConfig, jobs: Path | None = None):
        self.config = config
        self.jobs = jobs  # where launcher jobs write their run folders
        self.X: np.ndarray | None = None
        self.means = self.noise = None
        self.outcomes: dict[str, np.ndarray] = {}

    def scenario_for(self, X: np.ndarray) -> Scenario:
        """The scenario with every swept field given per replication: point p, R times."""
        scenario = self.config.scenario
        for j, path in enumerate(self.config.design.parameters):
            values = np.repeat(X[:, j], self.config.replications)
            scenario = with_value(scenario, path, PerReplication(values))
        return scenario

    def __call__(self, X: np.ndarray) -> np.ndarray:
        config = self.config
        points, reps, metrics = len(X), config.replications, config.metrics
        total = points * reps
        sums = np.zeros((3, points, len(metrics)))  # count, sum, sum of squares
        breakdown = np.zeros(total, dtype=bool)
        blocked = np.zeros(total, dtype=bool)

        def collect(table: pd.DataFrame, offset: int = 0) -> None:
            rep = table["rep"].to_numpy() + offset
            point = rep // reps
            for m, name in enumerate(metrics):
                v = table[name].to_numpy(dtype=float)
                ok = np.isfinite(v)
                for s, w in enumerate((ok, np.where(ok, v, 0.0), np.where(ok, v * v, 0.0))):
                    sums[s, :, m] += np.bincount(point, weights=w, minlength=points)
            breakdown[rep] = ~table["agreement"].to_numpy(dtype=bool)
            blocked[rep] = table["red_line_blocks"].to_numpy() > 0

        if config.evaluate == "launcher":
            for p, table in enumerate(self.launch(X)):
                collect(table, offset=p * reps)
        else:
            self.simulate(X, total, collect)
        count, total_sum, squares = sums
        with np.errstate(invalid="ignore", divide="ignore"):
            means = total_sum / count
            within = (squares - count * means**2) / (count - 1)
            self.noise = np.where(count > 1, np.maximum(within, 0.0) / count, np.nan)
        self.X, self.means = X, means
        self.outcomes = {"breakdown": breakdown, "red_line_block": blocked}
        return means

    def simulate(self, X: np.ndarray, total: int, collect) -> None:
        """All points in one vectorised run in this process (point p: replications p*R...)."""
        config = self.config
        simulate(
            self.scenario_for(X),
            total,
            config.seed,
            protocol=config.protocol,
            workers=config.workers,
            on_batch=collect,
            # The theory comparison costs most of the time; only compute it when a metric uses it.
            compare_theory=any(
                m.startswith(("distance_", "frontier_gap", "agreement_utility_"))
                for m in config.metrics
            ),
        )

    def launch(self, X: np.ndarray):
        """Each point as a job of a Hydra multirun through the configured launcher (for models
        too slow for one process); yields each job's per-replication table in point order.
        Every job uses the same seed: common random numbers across points."""
        config = self.config
        if self.jobs is None:
            raise RuntimeError("launcher evaluation needs a folder for its jobs")
        points_file = self.jobs.parent / "sample.parquet"
        pd.DataFrame(X, columns=list(config.design.parameters)).to_parquet(points_file)
        name, *overrides = config.launcher
        command = [
            str(Path(sys.executable).with_name("negsim")),
            "-m",
            f"scenario={Path(config.scenario.source).resolve()}",
            f"+sensitivity_points={points_file.resolve()}",
            f"+sensitivity_point=range(0,{len(X)})",
            f"mc.replications={config.replications}",
            f"seed={config.seed}",
            "output.figures=false",
            "output.progress=false",
            "output.trace_replications=0",
            f"hydra.sweep.dir={self.jobs.resolve()}",
            f"hydra/launcher={name}",
            *overrides,
            *([f"protocol={config.protocol}"] if config.protocol else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise ScenarioError(config.source, "evaluate", f"the launcher's jobs failed: {last}")
        for p in range(len(X)):
            yield pd.read_parquet(self.jobs / str(p) / "replications.parquet")


def noise_share(means: np.ndarray, noise: np.ndarray) -> float | None:
    """Share of the variance of the point means that is Monte Carlo noise (None if undefined)."""
    spread = np.nanvar(means)
    if not np.isfinite(spread) or spread <= 0:
        return None
    return float(min(1.0, np.nanmean(noise) / spread))


# ---------------------------------------------------------------------------------------------
# A run: simulate, analyse, discover, write


class Interrupted(RuntimeError):
    """Ctrl-C during a run: the folder keeps its INCOMPLETE marker and gets no summary.json."""


# Outcomes scenario discovery looks for: definition, sentence subject, plural noun.
OUTCOMES = {
    "breakdown": (
        "no agreement in any session (agreement is false)",
        "Talks break down",
        "breakdowns",
    ),
    "red_line_block": (
        "a red line blocked an otherwise acceptable offer in some session (red_line_blocks > 0)",
        "A red line blocks a deal",
        "red-line blocks",
    ),
}


def _status(means: np.ndarray) -> dict:
    if not np.isfinite(means).all():
        return {"status": "undefined"}
    if np.ptp(means) == 0:
        return {"status": "constant", "value": float(means[0])}
    return {"status": "varied"}


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


def discover(config: SensitivityConfig, evaluation: ModelEvaluation) -> dict[str, dict]:
    """PRIM boxes for each outcome over every replication, with its point's parameters."""
    X = pd.DataFrame(
        np.repeat(evaluation.X, config.replications, axis=0), columns=list(config.design.parameters)
    )
    found = {}
    for name, (definition, event, cases) in OUTCOMES.items():
        box = prim(X, evaluation.outcomes[name])
        found[name] = {
            "title": cases[0].upper() + cases[1:],
            "definition": definition,
            "sentence": describe(box, event, cases),
            **box.to_dict(),
        }
    return found


def run_sensitivity(config: SensitivityConfig, out: Path, started: float | None = None) -> dict:
    """Simulate the sample, analyse it and write every output into a fresh folder ``out``."""
    started = perf_counter() if started is None else started
    folder = None
    try:
        folder = RunFolder(out)
        folder.write_text("sensitivity.yaml", yaml.safe_dump(config.record(), sort_keys=False))
        evaluation = ModelEvaluation(config, jobs=folder.path / "jobs")
        analysing = perf_counter()
        table = analyse(config.design, evaluation, config.metrics)
        analysed = perf_counter() - analysing
        design = config.design
        points = pd.DataFrame(evaluation.X, columns=list(design.parameters))
        points.insert(0, "point", np.arange(len(points)))
        metrics = {}
        for m, metric in enumerate(config.metrics):
            points[metric] = evaluation.means[:, m]
            status = _status(evaluation.means[:, m])
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
        folder.write_parquet("indices.parquet", table)
        folder.write_parquet("points.parquet", points)
        discovery = discover(config, evaluation)
        figures = folder.path / "figures"
        figures.mkdir(exist_ok=True)
        for metric, info in metrics.items():
            if info["status"] == "varied":
                report.index_figure(
                    table, metric, design.method, figures / f"{design.method}_{metric}.png"
                )
        summary = _finite(
            {
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
                "versions": _versions(),
                "wall_time_s": {"simulation_and_indices": analysed},
            }
        )
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


def _versions() -> dict[str, str]:
    found = {}
    for name in ("negsim", "numpy", "scipy", "pandas", "SALib"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
