"""The cooperation index's cache: every round's score equals the index computed afresh from the
standing positions, whether it was reused, rescored only where agreements settled since
(``Session.settled_since``), or computed in full."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.catalogue import load_scenario
from sim.core.cooperation import cooperation_index
from sim.core.model import NegotiationModel

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("name", ["us_china_2024", "tactical_pause", "bench_bilateral"])
def test_every_round_scores_the_standing_positions_afresh(name):
    model = NegotiationModel(load_scenario(SCENARIOS / f"{name}.yaml"), 400, seed=3)
    partial = 0
    while model.running:
        was_open = model.open.any(axis=1)
        before = model.position_version
        model.step()
        if model.round == 0:  # the session ended: its scores were held, not scored
            continue
        partial += model._settled is not None and model._settled[0] >= before
        for agent in model.state_agents:
            (other,) = model.others(agent)
            fresh = cooperation_index(agent, other, model.standing_position(agent))
            got = model.cooperation[agent.name]
            assert np.array_equal(got[was_open], fresh[was_open], equal_nan=True), agent.name
    assert partial > 0  # agreements settled while sessions went on: the partial path ran


def test_the_index_of_a_round_is_read_only():
    """While every row is open, the round's index is the score the model keeps for the next
    rounds: a caller cannot change a recorded path by writing into what it read."""
    model = NegotiationModel(load_scenario(SCENARIOS / "us_china_2024.yaml"), 20, seed=1)
    model.step()
    for level in model.cooperation.values():
        with pytest.raises(ValueError, match="read-only"):
            level[:] = -1.0
