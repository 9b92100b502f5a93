"""A lineup plays several strategies for one agent in one batch (tournaments): each replication
plays exactly what it would play in a run of its own strategies alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.catalogue import load_scenario
from sim.core.lineup import seats
from sim.core.model import NegotiationModel
from sim.scenario.spec import Lineup, StrategyChoice

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BOULWARE = StrategyChoice("time_dependent", {"e": 0.4})
LEARNER = StrategyChoice("time_dependent", {"e": 1.5}, "bayesian", {}, "ac_next", {})
RECIPROCAL = StrategyChoice("tit_for_tat", {}, "frequency", {}, "ac_combi", {})


def _alone(scenario, choices, n, seed):
    agents = tuple(
        dataclasses.replace(spec, **dataclasses.asdict(choice))
        for spec, choice in zip(scenario.agents, choices, strict=True)
    )
    model = NegotiationModel(dataclasses.replace(scenario, agents=agents), n, seed=seed).run()
    return pd.DataFrame(model.outcomes())


@pytest.mark.parametrize(
    ("name", "us_second"), [("us_china_2024", LEARNER), ("split_the_pie", RECIPROCAL)]
)
def test_each_replication_of_a_lineup_plays_as_alone(name, us_second):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    first, second = scenario.agent_names
    lineup = Lineup(
        {first: ((0, 60, BOULWARE), (60, 120, us_second)), second: ((0, 120, LEARNER),)}
    )
    mixed = NegotiationModel(dataclasses.replace(scenario, lineup=lineup), 120, seed=3).run()
    table = pd.DataFrame(mixed.outcomes())
    pd.testing.assert_frame_equal(
        table.iloc[:60], _alone(scenario, (BOULWARE, LEARNER), 120, 3).iloc[:60]
    )
    pd.testing.assert_frame_equal(
        table.iloc[60:], _alone(scenario, (us_second, LEARNER), 120, 3).iloc[60:]
    )


def test_a_batch_starting_inside_a_range_takes_its_rows():
    scenario = load_scenario(SCENARIOS / "split_the_pie.yaml")
    lineup = Lineup({"a": ((0, 50, BOULWARE), (50, 100, RECIPROCAL))})
    whole = NegotiationModel(dataclasses.replace(scenario, lineup=lineup), 100, seed=1).run()
    part = NegotiationModel(
        dataclasses.replace(scenario, lineup=lineup), 30, seed=1, start=40
    ).run()
    for column, values in part.outcomes().items():
        pd.testing.assert_series_equal(
            pd.Series(values), pd.Series(whole.outcomes()[column][40:70]), check_names=False
        )


def test_the_ranges_of_one_choice_make_one_part():
    """A tournament seats each strategy in many ranges; each part runs on the whole batch, so
    one part per distinct choice (and the agent's own where no range applies)."""
    own = StrategyChoice("zeuthen")
    lineup = Lineup({"a": ((0, 10, BOULWARE), (10, 20, LEARNER), (20, 30, BOULWARE))})
    parts = seats(lineup, "a", own, 5, 30)
    assert [choice for _, choice in parts] == [BOULWARE, LEARNER, own]
    rows = {choice.strategy_params.get("e", -1): r.nonzero()[0] + 5 for r, choice in parts}
    assert rows[0.4].tolist() == [*range(5, 10), *range(20, 30)]
    assert rows[1.5].tolist() == list(range(10, 20))
    assert rows[-1].tolist() == list(range(30, 35))


def test_a_model_scored_on_some_rows_scores_them_as_on_all():
    scenario = load_scenario(SCENARIOS / "us_china_2024.yaml")
    first, second = scenario.agent_names
    lineup = Lineup({first: ((0, 40, LEARNER),), second: ((0, 40, RECIPROCAL),)})
    model = NegotiationModel(dataclasses.replace(scenario, lineup=lineup), 40, seed=2).run()
    for agent in model.state_agents:
        (mixed,) = agent.beliefs.values()
        (rows, part), *_ = mixed.parts
        some = np.arange(40) % 3 == 0
        scored = part.accuracy(some)
        np.testing.assert_array_equal(scored[some], part.accuracy()[some])
        assert np.isnan(scored[~some]).all()
