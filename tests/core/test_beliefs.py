"""The misread observer's belief: a logistic of the log-odds, quiet at the extremes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_belief_is_the_logistic_of_the_log_odds_without_overflow_warnings():
    model = NegotiationModel(load_scenario(SCENARIOS / "tactical_pause.yaml"), 4, seed=1)
    model.misread.log_odds = np.array([-1000.0, -2.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # found by the fuzz test: an overflow warning on stderr
        belief = model.belief
    np.testing.assert_allclose(belief, [0.0, 1 / (1 + np.e**2), 0.5, 1.0], rtol=1e-15)
