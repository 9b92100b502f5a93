"""Scenario discovery: the region of parameter space where a case of interest concentrates.

PRIM, the Patient Rule Induction Method of Friedman & Fisher (1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9:123-143), peeling only. Starting from a box
holding every case, each step tries to peel ``alpha`` of the cases in the box off one boundary
(the low or the high end of one parameter) and keeps the peel that leaves the box with the
highest density (share of the box's cases that are of interest). Peeling stops before the box's
support (share of all cases inside it) would fall below ``min_support``. The steps form the
peeling trajectory, along which density rises and coverage (share of all cases of interest that
lie inside the box) falls. The box reported is chosen on that trade-off, as Bryant & Lempert
(2010, "Thinking inside the box", Technological Forecasting & Social Change 77:34-49) do by
hand: among the boxes with coverage at least ``min_coverage``, the largest whose density is
within ``tolerance`` of the best; then its edges are dropped one at a time while the density
stays within ``tolerance`` of the best, so that parameters peeled only to chase noise are not
reported as restricted. Pasting (re-growing the box edge by edge) is not done.

A region is *found* when the chosen box restricts at least one parameter and its density
exceeds the share of cases of interest among all cases (the base rate) by ``min_lift``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ALPHA = 0.05
MIN_SUPPORT = 0.05
MIN_COVERAGE = 0.5
MIN_LIFT = 0.05
TOLERANCE = 0.02


@dataclass(frozen=True)
class Step:
    """One box of the peeling trajectory."""

    support: float
    coverage: float
    density: float
    bounds: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Box:
    """The chosen box: bounds of the restricted parameters only (-inf/inf: not restricted at that
    end), and how well it captures the cases of interest."""

    bounds: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float
    base_rate: float
    cases: int
    n: int
    found: bool
    min_coverage: float = MIN_COVERAGE
    trajectory: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict:
        def bound(x: float) -> float | None:
            return None if not np.isfinite(x) else float(x)

        return {
            "found": self.found,
            "bounds": {k: [bound(lo), bound(hi)] for k, (lo, hi) in self.bounds.items()},
            "coverage": self.coverage,
            "density": self.density,
            "support": self.support,
            "base_rate": self.base_rate,
            "cases": self.cases,
            "n": self.n,
            "trajectory": [
                {"support": s.support, "coverage": s.coverage, "density": s.density}
                for s in self.trajectory
            ],
        }


def _peel_low(x: np.ndarray, alpha: float) -> tuple[float, np.ndarray] | None:
    """Cut point and keep-mask for peeling about ``alpha`` of ``x`` off its low end (at least
    one distinct value, so ties at the minimum are peeled together)."""
    k = min(max(1, int(alpha * len(x))), len(x) - 1)
    lowest = x.min()
    cut = np.partition(x, k)[k]
    if cut == lowest:
        above = x[x > lowest]
        if not len(above):
            return None
        cut = above.min()
    keep = x >= cut
    return (x[~keep].max() + cut) / 2, keep


def _best_peel(box_x, box_y, alpha: float, smallest: float):
    """The peel that leaves the densest box: (density, column, sign, cut, keep) or None. Each
    column is peeled at its low end, then at the low end of its negative (its high end)."""
    best = None
    for j in range(box_x.shape[1]):
        for sign in (1.0, -1.0):
            peeled = _peel_low(sign * box_x[:, j], alpha)
            if peeled is None:
                continue
            cut, keep = peeled
            kept = keep.sum()
            if kept < smallest:
                continue
            density = box_y[keep].sum() / kept
            if best is None or density > best[0]:
                best = (density, j, sign, sign * cut, keep)
    return best


def _peeling(X: pd.DataFrame, y: np.ndarray, alpha: float, min_support: float) -> list[Step]:
    """Friedman & Fisher's (1999) top-down peeling: the trajectory of ever smaller boxes."""
    names = [str(name) for name in X.columns]
    n, cases = len(y), int(y.sum())
    low = np.full(len(names), -np.inf)
    high = np.full(len(names), np.inf)
    box_x, box_y = X.to_numpy(dtype=float), y

    def step() -> Step:
        held = int(box_y.sum())
        return Step(
            support=len(box_y) / n,
            coverage=held / cases if cases else 0.0,
            density=held / len(box_y) if len(box_y) else 0.0,
            bounds=_restricted(names, low, high),
        )

    trajectory = [step()]
    while 0 < cases < n:
        best = _best_peel(box_x, box_y, alpha, min_support * n)
        if best is None:
            break
        _, j, sign, cut, keep = best
        if sign > 0:
            low[j] = cut
        else:
            high[j] = cut
        box_x, box_y = box_x[keep], box_y[keep]
        trajectory.append(step())
    return trajectory


def prim(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    min_coverage: float = MIN_COVERAGE,
    min_lift: float = MIN_LIFT,
    tolerance: float = TOLERANCE,
) -> Box:
    """The PRIM box for cases ``y`` (bool, one per row of ``X``, whose columns are numeric)."""
    y = np.asarray(y, dtype=bool)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} values")
    n, cases = len(y), int(y.sum())
    base = cases / n if n else 0.0
    trajectory = _peeling(X, y, alpha, min_support)
    eligible = [s for s in trajectory if s.coverage >= min_coverage] or trajectory[:1]
    best = max(s.density for s in eligible)
    chosen = next(s for s in eligible if s.density >= best - tolerance)
    bounds = _simplify(X, y, chosen.bounds, best - tolerance)
    inside = _inside(X, bounds)
    held = int(y[inside].sum())
    density = held / inside.sum()
    return Box(
        bounds=bounds,
        coverage=held / cases if cases else 0.0,
        density=density,
        support=inside.sum() / n,
        base_rate=base,
        cases=cases,
        n=n,
        found=bool(bounds) and density >= base + min_lift,
        min_coverage=min_coverage,
        trajectory=trajectory,
    )


def _inside(X: pd.DataFrame, bounds: dict[str, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(X), dtype=bool)
    for name, (lo, hi) in bounds.items():
        x = X[name].to_numpy(dtype=float)
        inside &= (x >= lo) & (x <= hi)
    return inside


def _simplify(X, y, bounds: dict[str, tuple[float, float]], floor: float) -> dict:
    """Drop box edges, one at a time, while the box's density stays at least ``floor``."""
    bounds = dict(bounds)
    while True:
        options = []
        for name, (lo, hi) in bounds.items():
            for wider in ((-np.inf, hi), (lo, np.inf)):
                if wider == (lo, hi):
                    continue
                trial = {**bounds, name: wider}
                if wider == (-np.inf, np.inf):
                    del trial[name]
                inside = _inside(X, trial)
                density = y[inside].mean()
                if density >= floor:
                    options.append((inside.sum(), density, trial))
        if not options:
            return bounds
        bounds = max(options, key=lambda option: option[:2])[2]


def _restricted(names, low, high) -> dict[str, tuple[float, float]]:
    return {
        name: (float(lo), float(hi))
        for name, lo, hi in zip(names, low, high, strict=True)
        if np.isfinite(lo) or np.isfinite(hi)
    }


def _number(x: float) -> str:
    return f"{x:.3g}"


def conditions(bounds: dict[str, tuple[float, float]]) -> str:
    """``a > 0.41 and b < 0.62`` (or ``0.2 < a < 0.5``)."""
    parts = []
    for name, (lo, hi) in bounds.items():
        if np.isfinite(lo) and np.isfinite(hi):
            parts.append(f"{_number(lo)} < {name} < {_number(hi)}")
        elif np.isfinite(lo):
            parts.append(f"{name} > {_number(lo)}")
        else:
            parts.append(f"{name} < {_number(hi)}")
    return " and ".join(parts)


def describe(box: Box, event: str = "The outcome occurs", cases: str = "cases") -> str:
    """The box in one plain sentence, e.g. ``describe(box, "Talks break down", "breakdowns")``."""
    if box.cases == 0:
        return f"No region found: no run had {cases} ({box.n:,} runs)."
    if box.cases == box.n:
        return f"No region found: every run had {cases} ({box.n:,} runs)."
    if not box.found:
        return (
            f"No region found: {event[0].lower()}{event[1:]} in {box.base_rate:.0%} of runs, and "
            f"no box of the swept parameters holding at least {box.min_coverage:.0%} of the {cases} "
            f"concentrates them much more than that."
        )
    return (
        f"{event} in {box.density:.0%} of runs (density) when {conditions(box.bounds)}; "
        f"that region holds {box.coverage:.0%} of all {cases} (coverage), "
        f"against {box.base_rate:.0%} of runs overall."
    )
