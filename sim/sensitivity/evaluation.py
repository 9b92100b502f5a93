"""The numbers of a sensitivity run: the model as a vectorised function of a sample of parameter
points, the Monte Carlo noise in its point means, and scenario discovery (PRIM) over its
replications. ``sim.cli.sensitivity`` writes them down.

The sample is simulated in one vectorised run: every swept field becomes a
:class:`~sim.scenario.distributions.PerReplication` array in which point p fills replications
``[p * R, (p + 1) * R)``, so replication k gets the same random numbers as replication k of any
other run with the same seed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.montecarlo import simulate
from sim.scenario.distributions import PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.parameters import with_value
from sim.scenario.spec import Scenario
from sim.sensitivity.config import SensitivityConfig
from sim.sensitivity.discovery import describe, prim


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

    def points(self) -> pd.DataFrame:
        """The sample with each metric's mean per point (points.parquet)."""
        points = pd.DataFrame(self.X, columns=list(self.config.design.parameters))
        points.insert(0, "point", np.arange(len(points)))
        for m, metric in enumerate(self.config.metrics):
            points[metric] = self.means[:, m]
        return points


def noise_share(means: np.ndarray, noise: np.ndarray) -> float | None:
    """Share of the variance of the point means that is Monte Carlo noise (None if undefined)."""
    spread = np.nanvar(means)
    if not np.isfinite(spread) or spread <= 0:
        return None
    return float(min(1.0, np.nanmean(noise) / spread))


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


def metric_status(means: np.ndarray) -> dict:
    """Whether a metric varied over the sample: "varied", "constant" (with its value) or
    "undefined" (no value at some point)."""
    if not np.isfinite(means).all():
        return {"status": "undefined"}
    if np.ptp(means) == 0:
        return {"status": "constant", "value": float(means[0])}
    return {"status": "varied"}


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
