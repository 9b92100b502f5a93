"""Tournament configs (validated like scenarios) and play: all pairings of a scenario in one
lineup run, each replication playing exactly as its pairing would alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.model import NegotiationModel
from sim.engine.tournament import load_tournament, play, seat_table
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import StrategyChoice

ROOT = Path(__file__).resolve().parents[2]
FIXED = """
title: Fixed strategies
scenarios: [split_the_pie, private_red_lines]
replications: 7
seed: 5
self_play: true
strategies:
  boulware: {name: time_dependent, params: {e: 0.3}}
  reciprocal: {name: tit_for_tat, opponent_model: frequency, acceptance: ac_combi}
  learner: {name: time_dependent, params: {e: 1.5}, opponent_model: bayesian, acceptance: ac_next}
"""


def _write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_classroom_config_loads_by_name():
    config = load_tournament("classroom")
    assert config.source == str(ROOT / "conf" / "tournament" / "classroom.yaml")
    assert 4 <= len(config.entrants) <= 6
    assert [s.name for s in config.scenarios] == [
        "split_the_pie",
        "us_china_2024",
        "private_red_lines",
    ]
    assert len(config.pairings) == len(config.entrants) * (len(config.entrants) - 1)
    assert {e.label for e in config.entrants if e.learns} == {
        "bayesian_learner",
        "frequency_learner",
    }


def test_pairings_are_every_ordered_pair_and_self_play_on_request(tmp_path):
    config = load_tournament(_write(tmp_path, FIXED))
    assert len(config.pairings) == 9
    assert ("boulware", "boulware") in config.pairings
    assert ("learner", "boulware") in config.pairings and ("boulware", "learner") in config.pairings
    config = load_tournament(_write(tmp_path, FIXED.replace("self_play: true", "self_play: false")))
    assert len(config.pairings) == 6 and ("boulware", "boulware") not in config.pairings
    assert config.total_replications == 6 * 7 * 2


def _alone(scenario, first: StrategyChoice, second: StrategyChoice, n: int, seed: int):
    agents = tuple(
        dataclasses.replace(spec, **dataclasses.asdict(choice))
        for spec, choice in zip(scenario.agents, (first, second), strict=True)
    )
    model = NegotiationModel(dataclasses.replace(scenario, agents=agents), n, seed=seed).run()
    return pd.DataFrame(model.outcomes())


def test_each_pairing_plays_as_it_would_alone(tmp_path):
    config = load_tournament(_write(tmp_path, FIXED))
    tables: list[pd.DataFrame] = []
    play(config, tables.append)
    table = pd.concat(tables, ignore_index=True)
    assert len(table) == config.total_replications
    choices = {e.label: e.choice for e in config.entrants}
    runs = len(config.pairings) * config.replications
    for scenario in config.scenarios:
        mine = table[table["scenario"] == scenario.name]
        first, second = scenario.agent_names
        for p in (0, 4, 7):  # boulware v boulware, reciprocal v reciprocal, learner v reciprocal
            a, b = config.pairings[p]
            alone = _alone(scenario, choices[a], choices[b], runs, config.seed)
            rows = slice(p * config.replications, (p + 1) * config.replications)
            played = mine[mine["pairing"] == p]
            assert (played["strategy_1"] == a).all() and (played["strategy_2"] == b).all()
            for column in ("utility", "accuracy", "discounted"):
                np.testing.assert_array_equal(
                    played[f"{column}_1"].to_numpy(), alone[f"{column}_{first}"].to_numpy()[rows]
                )
                np.testing.assert_array_equal(
                    played[f"{column}_2"].to_numpy(), alone[f"{column}_{second}"].to_numpy()[rows]
                )
            np.testing.assert_array_equal(
                played["agreement"].to_numpy(), alone["agreement"].to_numpy()[rows]
            )


def test_seat_table_names_the_seats(tmp_path, split_the_pie):
    config = load_tournament(_write(tmp_path, FIXED))
    table = pd.DataFrame(
        {
            "rep": [0, 7, 20],
            "agreement": [True, False, True],
            "rounds_to_agreement": [3.0, np.nan, 4.0],
            **{f"{c}_{a}": [0.1, 0.2, 0.3] for c in ("utility", "discounted") for a in "ab"},
            **{f"{c}_{a}": [1.0, 1.0, 1.0] for c in ("accuracy", "red_lines_found") for a in "ab"},
        }
    )
    seats = seat_table(config, split_the_pie, table)
    assert seats["pairing"].tolist() == [0, 1, 2]
    assert seats["strategy_1"].tolist() == ["boulware", "boulware", "boulware"]
    assert seats["strategy_2"].tolist() == ["boulware", "reciprocal", "learner"]
    assert (seats["agent_1"] == "a").all() and (seats["agent_2"] == "b").all()


BAD = [
    ("strategies: {a: {name: time_dependent}}\n", "scenarios", "missing required field"),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: {name: time_dependant}, b: tit_for_tat}\n",
        "strategies.a.name",
        "did you mean 'time_dependent'",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: {name: time_dependent, params: {e: -1}},"
        " b: tit_for_tat}\n",
        "strategies.a.params.e",
        "must be > 0",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: {name: tit_for_tat, opponent_model: "
        "bayes}, b: tit_for_tat}\n",
        "strategies.a.opponent_model.name",
        "did you mean 'bayesian'",
    ),
    (
        "scenarios: [precursor_council]\nstrategies: {a: tit_for_tat, b: zeuthen}\n",
        "scenarios[0]",
        "two-agent scenarios only",
    ),
    (
        "scenarios: [split_the_pie, split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\n",
        "scenarios[1]",
        "listed twice",
    ),
    (
        "scenarios: [nowhere]\nstrategies: {a: tit_for_tat, b: zeuthen}\n",
        "scenarios[0]",
        "unknown scenario",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat}\n",
        "strategies",
        "at least two",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\nself_play: yes please\n",
        "self_play",
        "expected true or false",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\nreplications: 0\n",
        "replications",
        ">= 1",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\n"
        "replications: 100000000\n",
        "replications",
        "more than a tournament plays at once",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\nrounds: 3\n",
        "rounds",
        "unknown field",
    ),
    (
        "scenarios: [split_the_pie]\nstrategies: {a: tit_for_tat, b: zeuthen}\n_target_: os.system\n",
        "_target_",
        "unknown field",
    ),
]


@pytest.mark.parametrize(("text", "field", "problem"), BAD)
def test_a_bad_config_is_one_error_naming_file_and_field(tmp_path, text, field, problem):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_tournament(path)
    error = caught.value
    assert error.source == str(path)
    assert error.path == field
    assert problem in error.problem
    assert "\n" not in str(error)
