"""Scenario discovery: PRIM finds a known box, and says so in plain words (or says it found none)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.sensitivity.discovery import conditions, describe, prim


def uniform_cases(n: int = 20_000, noise: float = 0.02, seed: int = 0):
    """x1..x4 uniform on [0, 1]; the cases are the box x1 > 0.6 and x2 < 0.3, with a share
    ``noise`` of labels flipped."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.random((n, 4)), columns=["x1", "x2", "x3", "x4"])
    y = (X["x1"] > 0.6).to_numpy() & (X["x2"] < 0.3).to_numpy()
    return X, y ^ (rng.random(n) < noise)


def test_prim_recovers_a_known_box():
    X, y = uniform_cases()
    box = prim(X, y)
    assert box.found
    assert set(box.bounds) == {"x1", "x2"}  # x3 and x4 do not matter and are not restricted
    low, high = box.bounds["x1"]
    assert low == pytest.approx(0.6, abs=0.05) and high == np.inf
    low, high = box.bounds["x2"]
    assert low == -np.inf and high == pytest.approx(0.3, abs=0.05)
    # The true box holds 0.12 * 0.98 of the runs as cases, against 0.88 * 0.02 outside it.
    assert box.density >= 0.9
    assert box.coverage >= 0.75
    assert box.base_rate == pytest.approx(y.mean())


def test_coverage_and_density_are_what_the_bounds_select():
    X, y = uniform_cases(seed=1)
    box = prim(X, y)
    inside = np.ones(len(X), dtype=bool)
    for name, (low, high) in box.bounds.items():
        inside &= (X[name] >= low).to_numpy() & (X[name] <= high).to_numpy()
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert box.support == pytest.approx(inside.mean())


def test_the_peeling_trajectory_starts_with_everything_and_stops_at_minimum_support():
    X, y = uniform_cases(seed=2)
    box = prim(X, y, min_support=0.05)
    first = box.trajectory[0]
    assert (first.support, first.coverage, first.bounds) == (1.0, 1.0, {})
    assert min(step.support for step in box.trajectory) >= 0.05
    assert box.trajectory[-1].support < 0.05 / (1 - 0.05) + 1e-9


def test_the_sentence_says_where_how_often_and_how_much():
    X, y = uniform_cases()
    sentence = describe(prim(X, y), "Talks break down", "breakdowns")
    assert sentence.startswith("Talks break down in 9")
    found = re.search(r"\(density\) when x1 > (0\.\d+) and x2 < (0\.\d+); ", sentence)
    assert found, sentence
    assert float(found[1]) == pytest.approx(0.6, abs=0.05)
    assert float(found[2]) == pytest.approx(0.3, abs=0.05)
    assert "of all breakdowns (coverage)" in sentence


def test_conditions_read_as_inequalities():
    assert conditions({"a": (0.41, np.inf), "b": (-np.inf, 0.62)}) == "a > 0.41 and b < 0.62"
    assert conditions({"a": (0.2, 0.5)}) == "0.2 < a < 0.5"


@pytest.mark.parametrize(
    ("cases", "start"),
    [
        (np.zeros(1000, dtype=bool), "No region found: no run had breakdowns"),
        (np.ones(1000, dtype=bool), "No region found: every run had breakdowns"),
    ],
)
def test_nothing_to_find_when_no_run_or_every_run_is_a_case(cases, start):
    X = pd.DataFrame({"a": np.linspace(0, 1, 1000)})
    box = prim(X, cases)
    assert not box.found and box.bounds == {}
    assert describe(box, "Talks break down", "breakdowns").startswith(start)


def test_no_region_when_cases_do_not_depend_on_the_parameters():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.random((5000, 3)), columns=["a", "b", "c"])
    box = prim(X, rng.random(5000) < 0.3)
    assert not box.found
    sentence = describe(box, "Talks break down", "breakdowns")
    assert sentence.startswith("No region found: talks break down in 31% of runs, and no box")


def test_repeated_values_are_peeled_together():
    # A sensitivity sample repeats each point's parameters for all its replications.
    rng = np.random.default_rng(3)
    points = rng.integers(0, 10, size=(400, 2)).astype(float)
    X = pd.DataFrame(np.repeat(points, 25, axis=0), columns=["a", "b"])
    y = (X["a"] >= 7).to_numpy() & (rng.random(len(X)) < 0.9)
    box = prim(X, y)
    assert set(box.bounds) == {"a"}
    assert 6 < box.bounds["a"][0] < 7  # between the levels 6 and 7
    assert box.density == pytest.approx(0.9, abs=0.03)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="3 rows but y has 2 values"):
        prim(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), np.array([True, False]))
