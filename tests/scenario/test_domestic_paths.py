"""Domestic politics by dotted path (issue 14): ``agents.<a>.domestic.threshold`` as a sweep and
sensitivity parameter (giving an agent without a ratifier one that judges by its own
preferences), ``trust.ratification_penalty``, and a commitment's audience cost, one number for
the whole run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.sensitivity import main as sensitivity
from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
from sim.engine.montecarlo import simulate
from sim.scenario.distributions import PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.parameters import field_range, sweepable, with_value
from sim.scenario.spec import DomesticSpec
from sim.sensitivity.config import load_config

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
AUDIENCE_COST = "agents.china.commitments.fentanyl_precursors.audience_cost"


@pytest.fixture(scope="module")
def two_level():
    return load_scenario(SCENARIOS / "two_level_game.yaml")


@pytest.fixture(scope="module")
def pie():
    return load_scenario(SCENARIOS / "split_the_pie.yaml")


def test_every_agent_has_a_threshold_path_and_a_commitment_its_cost(two_level, pie):
    fields = sweepable(two_level)
    assert {"agents.us.domestic.threshold", "agents.china.domestic.threshold"} <= set(fields)
    assert fields[AUDIENCE_COST].fixed
    assert "trust.ratification_penalty" in fields
    assert "agents.a.domestic.threshold" in sweepable(pie)
    assert not any(path.startswith("agents.a.commitments") for path in sweepable(pie))


def test_a_threshold_is_set_where_there_is_a_ratifier_and_a_ratifier_added_where_not(
    two_level, pie
):
    us = with_value(two_level, "agents.us.domestic.threshold", 0.6).agent("us")
    assert us.domestic == DomesticSpec(threshold=0.6)
    assert two_level.agent("us").domestic.threshold == 0.45  # a copy
    a = with_value(pie, "agents.a.domestic.threshold", 0.3).agent("a")
    assert a.domestic == DomesticSpec(threshold=0.3) and a.domestic.own_preferences
    with pytest.raises(ValueError, match=r"outside the allowed \[0, 1\]"):
        with_value(pie, "agents.a.domestic.threshold", 1.2)


@pytest.mark.parametrize("name", ["split_the_pie", "tactical_pause"])
def test_a_ratifier_that_asks_for_nothing_changes_nothing(name):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    agent = scenario.agent_names[0]
    before = NegotiationModel(scenario, 200, seed=4).run().outcomes()
    after = (
        NegotiationModel(
            with_value(scenario, f"agents.{agent}.domestic.threshold", 0.0), 200, seed=4
        )
        .run()
        .outcomes()
    )
    assert before.keys() == after.keys()
    for column, values in before.items():
        np.testing.assert_array_equal(values, after[column], err_msg=column)


def _table(scenario, replications: int, seed: int) -> pd.DataFrame:
    tables: list[pd.DataFrame] = []
    simulate(scenario, replications, seed, on_batch=tables.append)
    return pd.concat(tables, ignore_index=True)


def test_thresholds_given_per_replication_match_each_threshold_run_alone(two_level):
    """What sensitivity analysis relies on: replication k of a run with a threshold per
    replication is replication k of a run with that threshold for every replication."""
    path, values, reps = "agents.us.domestic.threshold", (0.3, 0.65), 40
    together = _table(with_value(two_level, path, PerReplication(np.repeat(values, reps))), 80, 3)
    for k, value in enumerate(values):
        alone = _table(with_value(two_level, path, value), 80, 3).iloc[k * reps : (k + 1) * reps]
        pd.testing.assert_frame_equal(
            together.iloc[k * reps : (k + 1) * reps].reset_index(drop=True),
            alone.reset_index(drop=True),
        )


def test_an_audience_cost_is_one_number_for_the_whole_run(two_level):
    changed = with_value(two_level, AUDIENCE_COST, 0.3)
    (commitment,) = changed.agent("china").commitments
    assert commitment.audience_cost == 0.3 and commitment.value == 0.6
    with pytest.raises(ValueError, match="takes one number for the whole run"):
        with_value(two_level, AUDIENCE_COST, PerReplication(np.array([0.1, 0.2])))
    with pytest.raises(KeyError, match="unknown parameter path"):
        field_range(two_level, "agents.us.commitments.fentanyl_precursors.audience_cost")


def _config(tmp_path, parameters: str):
    path = tmp_path / "two_level.yaml"
    path.write_text(
        "scenario: two_level_game\nmethod: sobol\nsamples: 4\nreplications: 20\nseed: 1\n"
        "metrics: [agreement, utility_us, ratification_failures]\n"
        f"parameters:\n{parameters}"
    )
    return path


def test_a_sensitivity_analysis_varies_the_threshold(tmp_path):
    config = _config(tmp_path, "  agents.us.domestic.threshold: [0.3, 0.9]\n")
    sensitivity([str(config), "--out", str(tmp_path / "out")])
    points = pd.read_parquet(tmp_path / "out" / "points.parquet")
    assert len(points) == 4 * (1 + 2)
    assert {"agents.us.domestic.threshold", "ratification_failures"} <= set(points.columns)
    low = points["agents.us.domestic.threshold"] < 0.6
    high = points["agents.us.domestic.threshold"] > 0.8
    assert points.loc[low, "agreement"].min() > points.loc[high, "agreement"].max()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "agents.us.domestic.threshold" in json.dumps(summary)


def test_a_sensitivity_analysis_refuses_an_audience_cost_with_a_way_out(tmp_path):
    config = _config(tmp_path, f"  {AUDIENCE_COST}: [0.0, 0.3]\n")
    with pytest.raises(ScenarioError, match=rf"negsim -m scenario\.{AUDIENCE_COST}=a,b,c"):
        load_config(config)
