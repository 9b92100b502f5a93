"""The SALib part of sensitivity analysis: a design, its seeded sample, and tidy indices of the
outputs of any vectorised function (a model run over the sample, or the Ishigami function).

Sobol' indices follow Saltelli (2002) and, for total effects, Jansen (1999), as SALib computes
them; Morris elementary effects follow Morris (1991) with the mu* of Campolongo, Cariboni &
Saltelli (2007). Sobol' sampling and analysis must agree on whether second-order indices are
computed, or the indices are silently wrong: a :class:`Design` carries one ``second_order`` flag
for both, and :func:`indices` refuses outputs whose count does not match the design.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sampling
from SALib.sample import sobol as sobol_sampling

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
RESAMPLES = 100  # bootstrap resamples for the confidence intervals (95%)
# Streams for sampling and bootstrap: spawn keys of length 2 never meet the model's block streams.
SAMPLING_STREAM, ANALYSIS_STREAM = 1, 2


def generator(seed: int, stream: int, k: int = 0) -> np.random.Generator:
    """A Generator object, never a bare int: SALib's Sobol' analysis treats seed 0 as no seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, k)))


@dataclass(frozen=True)
class Design:
    """What SALib needs to sample and to analyse, in one place so the two cannot disagree."""

    method: str
    parameters: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    samples: int  # sobol: N of Saltelli's scheme; morris: trajectories
    seed: int
    second_order: bool = False

    @property
    def problem(self) -> dict:
        return {
            "num_vars": len(self.parameters),
            "names": list(self.parameters),
            "bounds": [list(b) for b in self.bounds],
        }

    @property
    def points(self) -> int:
        d = len(self.parameters)
        if self.method == "morris":
            return self.samples * (d + 1)
        return self.samples * (2 * d + 2 if self.second_order else d + 2)


def sample(design: Design) -> np.ndarray:
    """The (points, parameters) sample, seeded."""
    rng = generator(design.seed, SAMPLING_STREAM)
    if design.method == "morris":
        return morris_sampling.sample(
            design.problem, design.samples, num_levels=MORRIS_LEVELS, seed=rng
        )
    return sobol_sampling.sample(
        design.problem, design.samples, calc_second_order=design.second_order, seed=rng
    )


def indices(design: Design, X: np.ndarray, Y: np.ndarray, metrics: Sequence[str]) -> pd.DataFrame:
    """Tidy indices (metric, parameter, parameter_2, index, value, conf) of outputs ``Y``
    (points, metrics). A metric that does not vary, or is undefined at some point, gets NaN."""
    Y = np.asarray(Y, dtype=float).reshape(len(X), -1)
    if len(X) != design.points or Y.shape[1] != len(metrics):
        raise ValueError(
            f"outputs for {len(X)} points and {Y.shape[1]} metrics; the {design.method} design "
            f"has {design.points} points and there are {len(metrics)} metrics"
        )
    rows: list[dict] = []
    for m, metric in enumerate(metrics):
        y = Y[:, m]
        defined = bool(np.isfinite(y).all() and np.ptp(y) > 0)
        rng = generator(design.seed, ANALYSIS_STREAM, m)
        for parameter, parameter_2, index, value, conf in _indices(design, X, y, rng, defined):
            rows.append(
                {
                    "metric": metric,
                    "parameter": parameter,
                    "parameter_2": parameter_2,
                    "index": index,
                    "value": float(value),
                    "conf": float(conf),
                }
            )
    return pd.DataFrame(
        rows, columns=["metric", "parameter", "parameter_2", "index", "value", "conf"]
    )


def _indices(design: Design, X, y, rng, defined: bool):
    names = design.parameters
    nan = np.full(len(names), np.nan)
    if design.method == "morris":
        res = (
            morris_analysis.analyze(
                design.problem, X, y, num_resamples=RESAMPLES, num_levels=MORRIS_LEVELS, seed=rng
            )
            if defined
            else {"mu_star": nan, "mu_star_conf": nan, "sigma": nan, "mu": nan}
        )
        for j, name in enumerate(names):
            yield name, None, "mu_star", res["mu_star"][j], res["mu_star_conf"][j]
            yield name, None, "sigma", res["sigma"][j], np.nan
            yield name, None, "mu", res["mu"][j], np.nan
        return
    second = design.second_order
    if defined:
        res = sobol_analysis.analyze(
            design.problem, y, calc_second_order=second, num_resamples=RESAMPLES, seed=rng
        )
    else:
        res = {key: nan for key in ("S1", "S1_conf", "ST", "ST_conf")}
        res |= {key: np.full((len(names),) * 2, np.nan) for key in ("S2", "S2_conf")}
    for j, name in enumerate(names):
        yield name, None, "S1", res["S1"][j], res["S1_conf"][j]
        yield name, None, "ST", res["ST"][j], res["ST_conf"][j]
    if second:
        for j in range(len(names)):
            for k in range(j + 1, len(names)):
                yield names[j], names[k], "S2", res["S2"][j, k], res["S2_conf"][j, k]


def analyse(
    design: Design,
    evaluate: Callable[[np.ndarray], np.ndarray],
    metrics: Sequence[str] = ("y",),
) -> pd.DataFrame:
    """Sample ``design``, evaluate every point at once, and return the tidy indices."""
    X = sample(design)
    return indices(design, X, evaluate(X), metrics)
