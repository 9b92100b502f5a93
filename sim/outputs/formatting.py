"""How estimates are written in words: one place for the "95% CI" text of report.md, the
tactical-pause and theory sections, and the console summary, so they cannot drift apart.

An estimate is a summary.json entry: ``{"estimate": x, "ci95": [lo, hi] or None, ...}``
(see ``sim.engine.stats.Moments.estimate``).
"""

from __future__ import annotations


def percent(share: float) -> str:
    """A share in whole percent: ``0.456`` -> ``46%``."""
    return f"{100 * share:.0f}%"


def ci(
    est: dict,
    digits: int = 2,
    *,
    scale: float = 1,
    unit: str = "",
    unit_each: bool = False,
    gap: str = " ",
) -> str:
    """``' (95% CI 0.41–0.47)'``, or ``''`` when the estimate has no interval.

    Bounds are multiplied by ``scale`` and written with ``digits`` decimals; ``unit`` follows the
    upper bound (``40.0–45.0%``), or each bound with ``unit_each`` (``40%–45%``); ``gap``
    separates the interval from the number before it.
    """
    interval = est.get("ci95")
    if not interval:
        return ""
    lo, hi = (f"{scale * x:.{digits}f}" for x in interval)
    return f"{gap}(95% CI {lo}{unit if unit_each else ''}–{hi}{unit})"


def estimate(est: dict | None, digits: int = 3, *, scale: float = 1, unit: str = "") -> str:
    """The estimate with its interval, ``'0.412 (95% CI 0.400–0.424)'``; ``'n/a'`` without one."""
    if not est or est.get("estimate") is None:
        return "n/a"
    return f"{scale * est['estimate']:.{digits}f}{unit}" + ci(est, digits, scale=scale, unit=unit)
