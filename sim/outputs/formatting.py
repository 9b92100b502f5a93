"""How numbers are written in words: one place for the estimates and "95% CI" texts of
report.md, its tactical-pause and theory sections, the console summary and the sweep line, so
that they round alike and cannot drift apart.

An estimate is a summary.json entry: ``{"estimate": x, "ci95": [lo, hi] or None, ...}``
(see ``sim.engine.stats.Moments.estimate``). The headline estimates that both the console and
report.md show are written by :func:`rate`, :func:`rounds` and :func:`utility` in both.
"""

from __future__ import annotations

# Digits of the headline estimates, in the console and in report.md alike.
RATE_DIGITS = 1  # in percent
ROUNDS_DIGITS = 2
UTILITY_DIGITS = 3


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``'1 session'``, ``'5 sessions'``, ``'1,024 jobs'``."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def listed(names: list[str] | tuple[str, ...], conjunction: str = "and") -> str:
    """``'China'``, ``'China and Mexico'``, ``'Canada, China and Mexico'``."""
    names = list(names)
    if len(names) <= 2:
        return f" {conjunction} ".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def possessive(name: str) -> str:
    """``"China's"``, ``"United States'"``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def fixed(x: float, digits: int, *, sign: bool = False) -> str:
    """``x`` with ``digits`` decimals, never ``-0.00``; ``sign`` writes ``+`` before a positive
    number."""
    text = f"{x:{'+' if sign else ''}.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text


def percent(share: float) -> str:
    """A share in whole percent, ``0.456`` -> ``46%``; one that is not exactly 0 or 1 is never
    written as ``0%`` or ``100%`` (``0.996`` -> ``99.6%``, ``0.9999`` -> ``over 99.9%``)."""
    text = f"{100 * share:.0f}"
    if text in ("0", "100") and 0 < share < 1:
        text = f"{100 * share:.1f}"
        if text == "100.0":
            return "over 99.9%"
        if text == "0.0":
            return "under 0.1%"
    return f"{text}%"


def ci(
    est: dict,
    digits: int = 2,
    *,
    scale: float = 1,
    unit: str = "",
    gap: str = " ",
    sign: bool = False,
) -> str:
    """``' (95% CI 0.41–0.47)'``, or ``''`` when the estimate has no interval.

    Bounds are multiplied by ``scale`` and written with ``digits`` decimals (``+`` before a
    positive bound with ``sign``), ``unit`` after the upper bound (``40.0–45.0%``); ``gap``
    separates the interval from the number before it. Bounds with a sign are joined by "to"
    (``-0.02 to +0.01``), which a dash between them would make hard to read.
    """
    interval = est.get("ci95")
    if not interval:
        return ""
    lo, hi = (fixed(scale * x, digits, sign=sign) for x in interval)
    joint = " to " if sign or lo.startswith("-") or hi.startswith("-") else "–"
    return f"{gap}(95% CI {lo}{joint}{hi}{unit})"


def estimate(
    est: dict | None, digits: int = 3, *, scale: float = 1, unit: str = "", gap: str = " "
) -> str:
    """The estimate with its interval, ``'0.412 (95% CI 0.400–0.424)'``; ``'n/a'`` without one."""
    if not est or est.get("estimate") is None:
        return "n/a"
    return (
        fixed(scale * est["estimate"], digits)
        + unit
        + ci(est, digits, scale=scale, unit=unit, gap=gap)
    )


def rate(est: dict | None, *, gap: str = " ") -> str:
    """A rate in percent with one decimal: ``'99.9% (95% CI 99.6–100.0%)'``."""
    return estimate(est, RATE_DIGITS, scale=100, unit="%", gap=gap)


def rounds(est: dict | None, *, gap: str = " ") -> str:
    """A number of rounds: ``'5.70 (95% CI 5.65–5.72)'``."""
    return estimate(est, ROUNDS_DIGITS, gap=gap)


def utility(est: dict | None, *, gap: str = " ") -> str:
    """A utility on its 0–1 scale: ``'0.713 (95% CI 0.702–0.724)'``."""
    return estimate(est, UTILITY_DIGITS, gap=gap)


def change(
    est: dict | None,
    digits: int,
    unit: str,
    *,
    scale: float = 1,
    up: str = "raises it",
    down: str = "lowers it",
    none: str = "leaves it unchanged",
) -> str:
    """A difference in words, with its direction and unit: ``'raises it by 0.101 on the 0–1
    cooperation index (95% CI +0.097 to +0.104)'``; an interval that holds both signs says so.
    ``up``/``down``/``none`` are the verbs for a positive, negative and (at the shown
    precision) zero estimate."""
    if not est or est.get("estimate") is None:
        return "n/a"
    value = scale * est["estimate"]
    size = fixed(abs(value), digits)
    verb = up if value > 0 else down
    text = none if float(size) == 0 else f"{verb} by {size}{unit_space(unit)}"
    notes = []
    if est.get("ci95"):
        notes.append(ci(est, digits, scale=scale, sign=True, gap="")[1:-1])
        lo, hi = (scale * x for x in est["ci95"])
        if float(size) != 0 and lo <= 0 <= hi:
            notes.append("the interval includes no change")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def unit_space(unit: str) -> str:
    """``unit`` after a number: ``%`` directly, a word after a space."""
    return unit if not unit or unit.startswith("%") else f" {unit}"
