"""The tactical pause in the outputs: cooperation over rounds with and without pressure, the
detected pause window, core-issue movement, how often the signal was misread, and the paired
differences from the run without pressures."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.engine.stats import TableMoments, t95  # noqa: E402
from sim.outputs.figures import save_figure  # noqa: E402
from sim.scenario.spec import Scenario  # noqa: E402

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


def _ci(est: dict, digits: int = 3, pct: bool = False) -> str:
    if not est or est.get("estimate") is None:
        return "n/a"
    scale, unit = (100, "%") if pct else (1, "")
    text = f"{scale * est['estimate']:.{digits}f}{unit}"
    if est.get("ci95"):
        lo, hi = (scale * x for x in est["ci95"])
        text += f" (95% CI {lo:.{digits}f}–{hi:.{digits}f}{unit})"
    return text


def pause_lines(scenario: Scenario, summary: dict) -> list[str]:
    section = summary.get("tactical_pause")
    if not section:
        return []
    labels = {a.name: a.label for a in scenario.agents}
    lines = ["## The tactical pause", ""]
    for pressure in scenario.pressures:
        how = (
            "levels " + ", ".join(f"{v:g}" for v in pressure.by_session) + " by session"
            if not pressure.stochastic
            else f"a random AR(1) path around {pressure.ar1_mean:g}"
        )
        effect = "faster" if pressure.concession > 0 else "slower"
        lines.append(
            f"- Pressure **{pressure.name}** on {labels[pressure.agent]} ({how}) makes its concessions {effect}."
        )
    for agent, window in (section.get("pause_window") or {}).items():
        if window and window.get("found"):
            lines.append(
                f"- {labels[agent]}'s cooperation rose above what it would have been without pressure from "
                f"session {window['start']['session']}, round {window['start']['round']} to session "
                f"{window['end']['session']}, round {window['end']['round']} (at most +{window['peak_lift']:.2f} on the "
                "cooperation index), and fell back afterwards: a pause, not a change of course."
            )
        elif window is not None:
            lines.append(
                f"- No round showed a clear pressure-driven rise in {labels[agent]}'s cooperation."
            )
    for agent in scenario.agents:
        move = section["core_movement"][agent.name]
        if agent.red_lines:
            most = section["core_movement"][agent.name]
            verdict = (
                "they never moved"
                if most["estimate"] == 0
                else "they moved only inside its red lines"
            )
            lines.append(
                f"- {labels[agent.name]}'s core interests ({', '.join(agent.red_lines)}) moved by "
                f"{move['estimate']:.3f} on average: {verdict}."
            )
    effects = section.get("effect_of_pressure") or {}
    for key in ("cooperation_" + t for t in targets(scenario)):
        if key in effects:
            e = effects[key]
            lines.append(
                f"- Average cooperation index with pressure {_ci(e['with'])}, without {_ci(e['without'])}; "
                f"difference {_ci(e['difference'])} (paired runs with the same random numbers)."
            )
    for agent in scenario.agents:
        key = f"utility_{agent.name}"
        if key in effects:
            lines.append(
                f"- {labels[agent.name]}'s final utility: pressure changes it by {_ci(effects[key]['difference'])}."
            )
    if scenario.misread is not None:
        m = scenario.misread
        lines.append(
            f"- {labels[m.observer]} misread {labels[m.target]}'s softening as genuine and tested {m.probe_issue} in "
            f"{_ci(section['misread_share'], 1, pct=True)} of runs; each test made {labels[m.target]} walk out."
        )
        if "misread" in effects:
            lines.append(
                f"- Without the pressure, the share of misreadings changes by {_ci(effects['misread']['difference'], 1, pct=True)}."
            )
    return [*lines, ""]


def cooperation_figure(
    scenario: Scenario, table: pd.DataFrame, summary: dict, path: Path
) -> Path | None:
    if table.empty:
        return None
    fig, ax = plt.subplots(figsize=(9, 3.8))
    colours = {"cooperation_": "#1f5fa8", "counterfactual_cooperation_": "#7f8c8d"}
    labels = {a.name: a.label for a in scenario.agents}
    for agent in targets(scenario) or [a.name for a in scenario.agents]:
        for prefix, colour in colours.items():
            rows = table[table["metric"] == f"{prefix}{agent}"].sort_values("step")
            if rows.empty:
                continue
            what = "without pressure" if prefix.startswith("counter") else "with pressure"
            ax.plot(
                rows["step"],
                rows["mean"],
                color=colour,
                label=f"{labels[agent]} cooperation, {what}",
            )
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2)
        window = ((summary.get("tactical_pause") or {}).get("pause_window") or {}).get(agent)
        if window and window.get("found"):
            T = scenario.negotiation.rounds
            lo = (window["start"]["session"] - 1) * T + window["start"]["round"] - 1
            hi = (window["end"]["session"] - 1) * T + window["end"]["round"] - 1
            ax.axvspan(
                lo - 0.5, hi + 0.5, color="#f1c40f", alpha=0.2, label="detected pause window"
            )
    T = scenario.negotiation.rounds
    for s in range(1, scenario.negotiation.sessions):
        ax.axvline(s * T - 0.5, color="grey", lw=0.6, ls="--")
    ax.set_ylim(0, 1)
    ax.set_xlabel("round of the run (dashed: new session)")
    ax.set_ylabel("cooperation index")
    ax.set_title(f"{scenario.name}: cooperation on peripheral issues (mean, 95% CI)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)
