"""The tactical pause in words: "The tactical pause" section of report.md, from the
``tactical_pause`` section of summary.json (its figure is :mod:`sim.outputs.pause_figure`, kept
apart so that the report does not import matplotlib)."""

from __future__ import annotations

from sim.analysis.pause import targets
from sim.outputs.formatting import change, estimate, possessive
from sim.scenario.spec import Scenario


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
