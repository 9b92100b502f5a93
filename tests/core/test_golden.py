"""Golden traces: small seeded runs whose every number is pinned.

A change that moves any of these numbers changes the model's behaviour; if that is intended,
regenerate with ``REGENERATE_GOLDEN=1 pytest tests/test_golden.py`` and explain why in the commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DATA = Path(__file__).parent / "data"
CASES = [
    ("us_china_2024", None),
    ("us_china_2024", "issue_by_issue"),
    ("us_china_2024", "monotonic_concession"),
    ("split_the_pie", None),
    # Three states, every multilateral protocol (the scenario's own is stacked alternating offers).
    ("three_states", None),
    ("three_states", "issue_by_issue"),
    ("three_states", "monotonic_concession"),
    ("three_states", "mediated_single_text"),
    ("three_states_council", None),
]


def _snapshot(scenario, protocol) -> dict:
    model = NegotiationModel(scenario, 40, seed=2024, protocol=protocol, trace=2).run()
    outcomes = {k: np.asarray(v).tolist() for k, v in model.outcomes().items()}
    offers = model.trace.offers_frame()
    return {
        "outcomes": outcomes,
        "offers_rep0": offers[offers["rep"] == 0].drop(columns=["rep"]).to_dict(orient="list"),
    }


@pytest.mark.parametrize(("name", "protocol"), CASES)
def test_golden_run(name, protocol):
    folder = DATA if name.startswith("three_states") else SCENARIOS
    scenario = load_scenario(folder / f"{name}.yaml")
    path = GOLDEN / f"{name}__{protocol or 'default'}__seed2024.json"
    got = json.loads(json.dumps(_snapshot(scenario, protocol)))
    if os.environ.get("REGENERATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=1) + "\n")
    expected = json.loads(path.read_text())
    assert got.keys() == expected.keys()
    # Bit for bit: JSON keeps every float exactly, so any change in any number fails here.
    assert got == expected
