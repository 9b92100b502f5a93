"""Scenarios with many sides for the tests of the outputs and the dashboard (issue 12)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from sim.core.catalogue import validate

CORE_DATA = Path(__file__).resolve().parent / "core" / "data"
# Labels long enough to test legends: every side named once, in its colour.
SIDES = (
    "United States",
    "China",
    "Mexico",
    "Canada",
    "European Union",
    "India",
    "Japan",
    "Brazil",
    "South Korea",
    "United Kingdom",
    "Indonesia",
    "Nigeria",
)


def many_sides(n: int, sections: dict | None = None, **negotiation):
    """tests/core/data/three_states.yaml with ``n`` sides: the three states' preferences and red
    lines taken in turn, ideals shifted a little per side, named ``s1 .. sn`` and labelled as
    states; ``negotiation`` replaces fields of its negotiation section, ``sections`` adds
    sections (pressures, misread)."""
    data = yaml.safe_load((CORE_DATA / "three_states.yaml").read_text())
    base = list(data["agents"].values())
    agents = {}
    for k in range(n):
        agent = copy.deepcopy(base[k % 3])
        agent["label"] = SIDES[k % len(SIDES)] + ("" if k < len(SIDES) else f" {k}")
        for issue in agent["preferences"].values():
            issue["ideal"] = round(min(1.0, max(0.0, issue["ideal"] + 0.03 * (k // 3))), 2)
        agents[f"s{k + 1}"] = agent
    data["agents"] = agents
    data["name"] = f"{n}_sides"
    data["issues"]["standards"]["implementer"] = "s3"
    data["negotiation"] |= {"first_proposer": "s1", **negotiation}
    data |= sections or {}
    return validate(data, f"{n} sides")
