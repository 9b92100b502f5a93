"""The caches keyed on which objects an offer plan or the cooperation weights were made for.

Regression: they were keyed by ``id()``; a new admissible box (each session of a scenario with a
one-way issue makes one) could get the id of the freed old box, and the stale plan, with the old
bounds, was reused. A replication then depended on memory reuse, so on its batch (seen once in
the suite: tactical_pause replication 700 alone and in a batch differed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
from sim.core.red_lines import RedLines

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_new_box_gets_a_new_plan_even_at_a_reused_address():
    model = NegotiationModel(load_scenario(SCENARIOS / "split_the_pie.yaml"), 2, seed=1)
    a, b = model.state_agents

    for k in range(1, 40):  # b wants 0 and concedes toward 1: all the way is the box's edge
        low, high = np.zeros((2, 1)), np.full((2, 1), 1.0 - k / 100)
        b.admissible = None  # under id() keys the old box was freed here and its address reused
        b.admissible = RedLines(low, high)
        offer = b._plan([a]).offer(np.zeros(2))
        np.testing.assert_allclose(offer, high, atol=1e-9, err_msg=str(k))
