"""The tactical pause in numbers: cooperation over rounds with and without pressure (the
``rounds.parquet`` table), the detected pause window, core-issue movement, how often the signal
was misread, and the paired differences from the run without pressures (the ``tactical_pause``
section of summary.json). The words and the figure are in ``sim.outputs.pause``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.stats import TableMoments, t95
from sim.scenario.spec import Scenario

# A round belongs to the pause when pressure lifts the target's cooperation index by at least
# this much and the 95% interval of the lift excludes zero.
PAUSE_LIFT = 0.05


def rounds_table(scenario: Scenario, rounds: dict[str, np.ndarray]) -> pd.DataFrame:
    """Tidy per-round means with 95% t intervals, plus the raw sums (so shards can be merged)."""
    T = scenario.negotiation.rounds
    rows = []
    for name, (total, squares, count) in sorted(rounds.items()):
        for step in range(len(total)):
            n = count[step]
            mean = total[step] / n if n else np.nan
            var = (squares[step] - n * mean * mean) / (n - 1) if n > 1 else np.nan
            half = t95(n - 1) * np.sqrt(max(var, 0.0) / n) if n > 1 else np.nan
            rows.append(
                {
                    "metric": name,
                    "step": step,
                    "session": step // T,
                    "round": step % T,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "sum": total[step],
                    "sum_sq": squares[step],
                    "n": int(n),
                }
            )
    return pd.DataFrame(rows)


def targets(scenario: Scenario) -> list[str]:
    """Agents whose concessions pressure speeds up."""
    return list(dict.fromkeys(p.agent for p in scenario.pressures if p.concession > 0))


def pause_window(table: pd.DataFrame, agent: str) -> dict | None:
    lift = table[table["metric"] == f"effect_cooperation_{agent}"].sort_values("step")
    if lift.empty:
        return None
    inside = ((lift["mean"] >= PAUSE_LIFT) & (lift["ci_low"] > 0)).to_numpy()
    best, start = (0, None), None
    for i, flag in enumerate([*inside, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            best = max(best, (i - start, start))
            start = None
    length, first = best
    if not length:
        return {"found": False}
    first_row, last_row = lift.iloc[first], lift.iloc[first + length - 1]
    peak = lift.iloc[first : first + length]["mean"].max()
    return {
        "found": True,
        "start": {"session": int(first_row["session"]) + 1, "round": int(first_row["round"]) + 1},
        "end": {"session": int(last_row["session"]) + 1, "round": int(last_row["round"]) + 1},
        "rounds": int(length),
        "peak_lift": float(peak),
    }


def pause_summary(scenario: Scenario, moments: TableMoments, table: pd.DataFrame) -> dict | None:
    if not scenario.pressures and scenario.misread is None:
        return None
    section: dict = {
        "core_movement": {
            a.name: moments.estimate(f"core_movement_{a.name}") for a in scenario.agents
        },
        "cooperation": {a.name: moments.estimate(f"cooperation_{a.name}") for a in scenario.agents},
    }
    if scenario.misread is not None:
        section["misread_share"] = moments.estimate("misread")
        section["walkouts"] = moments.estimate("walkouts")
    if scenario.pressures:
        section["pause_window"] = {agent: pause_window(table, agent) for agent in targets(scenario)}
        section["effect_of_pressure"] = {
            name.removeprefix("effect_"): {
                "with": moments.estimate(name.removeprefix("effect_")),
                "without": moments.estimate(name.replace("effect_", "counterfactual_", 1)),
                "difference": moments.estimate(name),
            }
            for name in moments.columns
            if name.startswith("effect_")
        }
    return section
