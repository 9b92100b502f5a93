"""The numbers of a sensitivity run besides the indices: Monte Carlo noise and metric status."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sensitivity.evaluation import metric_status, noise_share


def test_noise_share_is_noise_over_the_spread_of_point_means():
    means = np.array([0.0, 1.0])  # variance 0.25
    assert noise_share(means, np.array([0.025, 0.025])) == pytest.approx(0.1)
    assert noise_share(means, np.array([1.0, 1.0])) == 1.0  # capped
    assert noise_share(np.array([0.5, 0.5]), np.array([0.1, 0.1])) is None
    with pytest.warns(RuntimeWarning):  # numpy on a metric with no value anywhere
        assert noise_share(np.array([np.nan, np.nan]), np.array([0.1, 0.1])) is None


def test_metric_status():
    assert metric_status(np.array([0.1, 0.2])) == {"status": "varied"}
    assert metric_status(np.array([0.5, 0.5])) == {"status": "constant", "value": 0.5}
    assert metric_status(np.array([0.5, np.nan])) == {"status": "undefined"}
