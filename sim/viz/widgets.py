"""Small components of the dashboard's settings panel (``sim.viz.dashboard`` lays them out): a
slider under its label, a level knob that is off or set, and the pickers of the pressured side
and the hawk for scenarios with more than two sides."""

from __future__ import annotations

import solara

from sim.viz.knobs import ScenarioInfo


@solara.component
def Slider(label: str, value: float, on_value, maximum: float = 1.0, disabled: bool = False):
    """A slider under its label (beside it, the label leaves the slider no room)."""
    solara.Text(label, style={"display": "block", "font-size": "15px", "margin-top": "0.6em"})
    solara.SliderFloat(
        "", value=value, min=0.0, max=maximum, step=0.05, on_value=on_value, disabled=disabled
    )


@solara.component
def LevelKnob(label: str, paths: list[str], value: float | None, on_value):
    """A level in [0, 1] that is either off (the scenario as written) or set by the slider."""
    solara.Switch(
        label=f"Hold {label} constant" if paths else f"Set {label}",
        value=value is not None,
        on_value=lambda on: on_value(0.5 if on else None),
    )
    Slider(
        f"{label}: {value:.2f}" if value is not None else f"{label}: as in the scenario",
        0.0 if value is None else value,
        on_value,
        disabled=value is None,
    )


@solara.component
def SidePickers(info: ScenarioInfo, change):
    """With more than two sides: which one the pressure knobs press, and which one is the hawk
    (every side listed, by its label)."""
    names: dict[str, str] = {}
    for name, label in info.labels.items():
        names.setdefault(label, name)  # two sides with one label: the first
    solara.Select(
        "Pressured side",
        values=list(names),
        value=info.labels.get(info.roles.pressured, info.roles.pressured),
        on_value=lambda label: change(pressured=names[label]),
    )
    solara.Select(
        "Hawkish side",
        values=[label for label, name in names.items() if name != info.roles.pressured],
        value=info.labels.get(info.roles.hawk, info.roles.hawk),
        on_value=lambda label: change(hawk=names[label]),
    )
