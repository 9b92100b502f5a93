"""The Python API (``import sim``): the same numbers and files as the commands, pandas objects
back, one-line errors; and every example in docs/api.md runs."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.outputs.folder import RunFolderExists

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_the_api_is_exported_lazily_from_sim_and_shadowed_by_no_subpackage():
    for info in pkgutil.walk_packages(sim.__path__, "sim."):  # every layer imported first
        if not info.name.startswith("sim.viz"):
            importlib.import_module(info.name)
    for name in sim.__all__:
        module = importlib.import_module(sim._EXPORTS[name])
        assert getattr(sim, name) is getattr(module, name), name
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sim.nope


def test_load_takes_a_name_a_path_or_a_mapping_with_changes(tmp_path):
    by_name = sim.load("split_the_pie")
    by_path = sim.load(ROOT / "scenarios" / "split_the_pie.yaml")
    assert by_name == by_path
    changed = sim.load("split_the_pie", {"agents.a.reservation": 0.3, "negotiation.rounds": 7})
    assert (changed.agent("a").reservation, changed.negotiation.rounds) == (0.3, 7)
    assert sim.load(by_name, {"agents.a.reservation": 0.3}).agent("a") == changed.agent("a")
    data = {
        "negotiation": {"rounds": 5},
        "issues": {"x": {"status_quo": 0.5}},
        "agents": {
            name: {
                "reservation": 0.1,
                "strategy": {"name": "time_dependent"},
                "preferences": {"x": {"ideal": ideal, "salience": 1}},
            }
            for name, ideal in (("a", 1.0), ("b", 0.0))
        },
    }
    from_mapping = sim.load(data, {"agents.a.strategy.params": {"e": 0.5}})
    assert from_mapping.agent("a").strategy_params["e"] == 0.5
    assert "params" not in data["agents"]["a"]["strategy"]  # the caller's dict is not changed


@pytest.mark.parametrize(
    ("scenario", "changes", "message"),
    [
        ("us_chna_2024", {}, "sim.load: scenario: unknown scenario 'us_chna_2024' (did you mean"),
        ("split_the_pie", {"agents.a.reservaton": 0.3}, "(did you mean 'reservation'?)"),
        ("split_the_pie", {"agents.c.reservation": 0.3}, "agents.c: no such field"),
        ("split_the_pie", {"agents.a.reservation.low": 0.3}, "a single value, not a group"),
        ("split_the_pie", {"agents.a.reservation": 1.5}, "agents.a.reservation"),
    ],
)
def test_bad_input_is_one_scenario_error(scenario, changes, message):
    with pytest.raises(sim.ScenarioError) as error:
        sim.load(scenario, changes)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_loaded_scenario_changes_numbers_only():
    loaded = sim.load("split_the_pie")
    with pytest.raises(sim.ScenarioError, match="changes numbers only"):
        sim.load(loaded, {"negotiation.rounds": 5})
    with pytest.raises(sim.ScenarioError, match="outside the allowed"):
        sim.load(loaded, {"agents.a.reservation": 2.0})


@pytest.fixture(scope="module")
def pie_result():
    return sim.simulate("split_the_pie", replications=300, seed=11)


def test_simulate_returns_pandas_objects(pie_result):
    assert isinstance(pie_result.replications, pd.DataFrame)
    assert len(pie_result.replications) == 300
    assert pie_result.replications["rep"].tolist() == list(range(300))
    assert {"mean", "ci_low", "ci_high"} <= set(pie_result.rounds.columns)
    assert len(pie_result.offers) > 0 and len(pie_result.sessions) > 0
    agreement = pie_result.estimates.loc["agreement_rate"]
    assert agreement["estimate"] == pie_result.summary["agreement_rate"]["estimate"]
    assert pie_result.estimates.loc["agents.a.utility", "n"] == 300
    assert repr(pie_result).startswith("Result(split_the_pie: 300 replications, seed 11")


def test_simulate_and_save_match_the_command_line(pie_result, tmp_path):
    """``Result.save`` writes what ``negsim`` writes for the same scenario, size and seed."""
    done = subprocess.run(
        [BIN / "negsim", "scenario=split_the_pie", "mc.replications=300", "seed=11"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (cli_run,) = (tmp_path / "results" / "split_the_pie").iterdir()
    api_run = pie_result.save(tmp_path / "api")
    assert {p.relative_to(api_run) for p in api_run.rglob("*")} == {
        p.relative_to(cli_run) for p in cli_run.rglob("*") if p.name != "negsim.log"
    }
    for table in ("replications", "rounds", "trajectories", "sessions"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(api_run / f"{table}.parquet"),
            pd.read_parquet(cli_run / f"{table}.parquet"),
        )
    pd.testing.assert_frame_equal(
        pd.read_parquet(api_run / "replications.parquet"), pie_result.replications
    )
    api_summary, cli_summary = (
        json.loads((run / "summary.json").read_text()) for run in (api_run, cli_run)
    )
    for summary in (api_summary, cli_summary):
        summary.pop("wall_time_s")
    assert api_summary == cli_summary
    config = (api_run / "config.yaml").read_text()
    assert "scenario:" in config and "seed: 11" in config
    with pytest.raises(RunFolderExists):
        pie_result.save(api_run)


def test_sweep_rows_equal_each_point_run_alone():
    values = {"agents.a.reservation": [0.1, 0.4], "negotiation.rounds": np.array([4, 9])}
    table = sim.sweep("split_the_pie", values, replications=150, seed=5)
    assert len(table) == 4 and list(table.columns[:3]) == ["point", *values]
    for row in table.to_dict("records"):
        changes = {path: row[path] for path in values}
        alone = sim.simulate(sim.load("split_the_pie", changes), replications=150, seed=5)
        for metric in ("agreement_rate", "rounds_to_agreement", "agents.b.utility"):
            estimate = alone.estimates.loc[metric]
            assert row[metric] == estimate["estimate"]
            assert row[f"{metric}.ci_low"] == estimate["ci_low"]
    with pytest.raises(sim.ScenarioError, match="did you mean 'agreement_rate'"):
        sim.sweep("split_the_pie", values, 10, 1, metrics=["agreement_rat"])


def test_solve_is_negsim_theory_json():
    done = subprocess.run(
        [BIN / "negsim-theory", "--json", "us_china_2024"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    theory = sim.solve("us_china_2024")
    assert json.loads(done.stdout) == json.loads(json.dumps(theory.to_dict()))
    assert list(theory.packages.index) == ["nash", "kalai_smorodinsky", "utilitarian"]
    assert list(theory.packages.columns) == list(sim.load("us_china_2024").issue_names)
    assert theory.utilities.loc["nash", "us"] == pytest.approx(theory.result.nash.utility[0])
    pie = sim.solve("split_the_pie").to_dict()["rubinstein"]
    assert pie["share"]["a"] + pie["share"]["b"] == pytest.approx(1.0)
    with pytest.raises(sim.ScenarioError, match="did you mean 'reservation'"):
        sim.solve("split_the_pie", disagreement="reservaton")


def _examples(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", ["docs/api.md", "README.md"])
def test_the_documented_examples_run(page, tmp_path, monkeypatch):
    blocks = _examples(ROOT / page)
    assert blocks, f"{page} has no python examples"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(blocks):
        exec(compile(block, f"{page} example {number + 1}", "exec"), namespace)
