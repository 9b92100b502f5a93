"""The tactical pause in words and a figure: "The tactical pause" section of report.md and
``figures/cooperation.png``, from the ``tactical_pause`` section of summary.json and the per-round
table that ``sim.analysis.pause`` computes."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.analysis.pause import targets  # noqa: E402
from sim.outputs.figures import (  # noqa: E402
    FinishedRun,
    agent_styles,
    many,
    register,
    save_figure,
)
from sim.outputs.formatting import change, estimate, possessive  # noqa: E402
from sim.outputs.style import figure, suptitle  # noqa: E402
from sim.scenario.spec import Scenario  # noqa: E402


def pause_lines(scenario: Scenario, summary: dict) -> list[str]:
    """Plain words for report.md; none when the scenario has no pressures and no misreading."""
    section = summary.get("tactical_pause")
    if not section:
        return []
    labels = {a.name: a.label for a in scenario.agents}
    return [
        "## The tactical pause",
        "",
        *_pressure_lines(scenario, labels),
        *_window_lines(section, labels),
        *_core_lines(scenario, section, labels),
        *_effect_lines(scenario, section, labels),
        *_misread_lines(scenario, section, labels),
        "",
    ]


def _pressure_lines(scenario: Scenario, labels: dict[str, str]) -> list[str]:
    lines = []
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
    return lines


def _window_lines(section: dict, labels: dict[str, str]) -> list[str]:
    lines = []
    for agent, window in (section.get("pause_window") or {}).items():
        if window and window.get("found"):
            lines.append(
                f"- {possessive(labels[agent])} cooperation rose above what it would have been without "
                f"pressure from session {window['start']['session']}, round {window['start']['round']} "
                f"to session {window['end']['session']}, round {window['end']['round']} (at most "
                f"+{window['peak_lift']:.2f} on the 0–1 cooperation index), and fell back afterwards: "
                "a pause, not a change of course."
            )
        elif window is not None:
            lines.append(
                f"- No round showed a clear pressure-driven rise in {possessive(labels[agent])} cooperation."
            )
    return lines


def _core_lines(scenario: Scenario, section: dict, labels: dict[str, str]) -> list[str]:
    lines = []
    for agent in scenario.agents:
        if agent.red_lines:
            move = section["core_movement"][agent.name]
            verdict = (
                "they never moved"
                if move["estimate"] == 0
                else "they moved only inside its red lines"
            )
            lines.append(
                f"- {possessive(labels[agent.name])} core interests ({', '.join(agent.red_lines)}) moved "
                f"by {move['estimate']:.3f} on average on their 0–1 scales: {verdict}."
            )
    return lines


def _effect_lines(scenario: Scenario, section: dict, labels: dict[str, str]) -> list[str]:
    """Paired differences from the run without pressures (with minus without): cooperation,
    then final utilities."""
    effects = section.get("effect_of_pressure") or {}
    lines = []
    for agent in targets(scenario):
        e = effects.get(f"cooperation_{agent}")
        if e and e["difference"].get("estimate") is not None:
            lines.append(
                f"- {possessive(labels[agent])} average cooperation index (0 to 1) is "
                f"{estimate(e['with'])} with pressure and {estimate(e['without'])} without: pressure "
                f"{change(e['difference'], 3, 'on the index')}, comparing paired runs with the same "
                "random numbers."
            )
    for agent in scenario.agents:
        e = effects.get(f"utility_{agent.name}")
        if e and e["difference"].get("estimate") is not None:
            lines.append(
                f"- {possessive(labels[agent.name])} final utility: pressure "
                f"{change(e['difference'], 3, 'on the 0–1 utility scale')}."
            )
    return lines


def _misread_lines(scenario: Scenario, section: dict, labels: dict[str, str]) -> list[str]:
    if scenario.misread is None:
        return []
    m = scenario.misread
    effects = section.get("effect_of_pressure") or {}
    lines = [
        f"- {labels[m.observer]} misread {possessive(labels[m.target])} softening as genuine and tested "
        f"{m.probe_issue} in {_share(section['misread_share'])} of runs; each test made "
        f"{labels[m.target]} walk out."
    ]
    if effects.get("misread", {}).get("difference", {}).get("estimate") is not None:
        verb = change(
            effects["misread"]["difference"],
            1,
            "percentage points",
            scale=100,
            up="raises the share of runs with a misreading",
            down="lowers the share of runs with a misreading",
            none="leaves the share of runs with a misreading unchanged",
        )
        lines.append(f"- Pressure {verb}, compared with the same runs without it.")
    return lines


def _share(est: dict) -> str:
    return estimate(est, 1, scale=100, unit="%")


def _has_pause(run: FinishedRun) -> bool:
    return bool(run.summary["tactical_pause"]) and not run.rounds.empty


@register("cooperation.png", applies=_has_pause)
def cooperation_figure(run: FinishedRun, path: Path) -> Path:
    """The targets' cooperation index round by round with and without pressure (mean, 95% CI),
    with the detected pause window shaded."""
    scenario, table = run.scenario, run.rounds
    drawn = targets(scenario) or [a.name for a in scenario.agents]
    coloured = many(scenario) and len(drawn) > 1  # a colour per side, dashed without pressure
    ncol = 3 if coloured else 2
    fig, ax = figure(6.0 + (0.3 * max(0, math.ceil(2 * len(drawn) / ncol) - 2) if coloured else 0))
    colours = {"cooperation_": "#1f5fa8", "counterfactual_cooperation_": "#7f8c8d"}
    labels = {a.name: a.label for a in scenario.agents}
    T = scenario.negotiation.rounds
    styles = agent_styles(scenario)
    for agent in drawn:
        for prefix, colour in colours.items():
            rows = table[table["metric"] == f"{prefix}{agent}"].sort_values("step")
            if rows.empty:
                continue
            without = prefix.startswith("counter")
            what = "without pressure" if without else "with pressure"
            style = "-"
            if coloured:
                colour, style = styles[agent][0], "--" if without else "-"
            ax.plot(
                rows["step"],
                rows["mean"],
                color=colour,
                ls=style,
                label=f"{possessive(labels[agent])} cooperation, {what}",
            )
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2)
        window = ((run.summary.get("tactical_pause") or {}).get("pause_window") or {}).get(agent)
        if window and window.get("found"):
            lo = (window["start"]["session"] - 1) * T + window["start"]["round"] - 1
            hi = (window["end"]["session"] - 1) * T + window["end"]["round"] - 1
            ax.axvspan(
                lo - 0.5,
                hi + 0.5,
                color=styles[agent][0] if coloured else "#f1c40f",
                alpha=0.12 if coloured else 0.2,
                label=f"{possessive(labels[agent])} detected pause window"
                if coloured
                else "detected pause window",
            )
    for s in range(1, scenario.negotiation.sessions):
        ax.axvline(s * T - 0.5, color="grey", lw=0.8, ls="--", label="a new session begins")
    ax.set_ylim(0, 1)
    ax.set_xlabel("round of the run")
    ax.set_ylabel("cooperation index (0 to 1)")
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=ncol)
    suptitle(
        fig,
        f"{scenario.title or scenario.name}: cooperation on peripheral issues (mean, 95% CI)",
    )
    return save_figure(fig, path)
