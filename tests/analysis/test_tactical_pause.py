"""The tactical pause: pressures, the cooperation index, the misread signal (sim/dynamics.py)."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.core.catalogue import load_scenario, validate
from sim.core.model import NegotiationModel
from sim.engine.montecarlo import simulate
from sim.scenario.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
PAUSE = ROOT / "scenarios" / "tactical_pause.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(PAUSE.read_text())


@pytest.fixture(scope="module")
def pause():
    return load_scenario(PAUSE)


@pytest.fixture(scope="module")
def runs(pause):
    with_pressure = NegotiationModel(pause, 3000, seed=11).run()
    without = NegotiationModel(pause, 3000, seed=11, pressure_effects=False).run()
    return with_pressure, without


def _by_session(model, agent="china"):
    path = model.cooperation_path[agent]
    return path.reshape(len(path), model.sessions, model.rounds).mean(axis=2)


def test_cooperation_rises_under_pressure_and_reverts(runs):
    with_pressure, without = runs
    coop = _by_session(with_pressure).mean(axis=0)
    # pressure by session: 0.1, 0.9, 0.9, 0.2, 0.1
    assert min(coop[1], coop[2]) > max(coop[0], coop[3], coop[4]) + 0.1
    lift = _by_session(with_pressure) - _by_session(without)  # paired: same random numbers
    mean, se = lift.mean(axis=0), lift.std(axis=0, ddof=1) / math.sqrt(len(lift))
    assert (mean[1:3] - 1.96 * se[1:3] > 0.15).all()  # a clear lift in the pressure sessions
    assert (mean[3:] < mean[1:3].min() / 2).all()  # and much less after the pressure eases


def test_core_interests_never_move(runs):
    for model in runs:
        outcomes = model.outcomes()
        assert np.all(outcomes["core_movement_china"] == 0)
        assert np.all(outcomes["red_line_violations"] == 0)
        taiwan = model.issues.index("taiwan")
        assert np.all(model.status_quo[:, taiwan] == 0)


def test_misread_happens_only_under_pressure_and_ends_in_a_walkout(runs):
    with_pressure, without = runs
    o, cf = with_pressure.outcomes(), without.outcomes()
    share = o["misread"].mean()
    assert 0.2 < share < 0.95  # the US sometimes, not always, misreads the pause
    assert cf["misread"].sum() == 0  # without pressure China never looks soft enough
    assert np.array_equal(o["walkouts"] > 0, o["misread"])  # every test of Taiwan is a walk-out
    assert o["conflicts"][o["misread"]].min() >= 1  # the walk-out ends that session in conflict


def test_belief_follows_bayes_rule(pause):
    """Posterior odds = prior odds x (g/t)^soft x ((1-g)/(1-t))^firm (Bayes 1763)."""
    model = NegotiationModel(pause, 1, seed=3)
    m = pause.misread
    soft = firm = 0
    while model.running and model.misread.tested.sum() == 0:
        model.step()
        looked_soft = model.cooperation_path["china"][
            0, : model.session * model.rounds + model.round
        ]
        soft = int((looked_soft > m.signal).sum())
        firm = len(looked_soft) - soft
        if model.round == 0:
            break
    odds = m.prior / (1 - m.prior)
    odds *= (m.soft_if_genuine / m.soft_if_tactical) ** soft
    odds *= ((1 - m.soft_if_genuine) / (1 - m.soft_if_tactical)) ** firm
    assert model.belief[0] == pytest.approx(odds / (1 + odds), rel=1e-9)


def test_scheduled_pressure_levels_follow_the_sessions(pause):
    model = NegotiationModel(pause, 2, seed=1)
    seen = {}
    while model.running:
        session = model.session
        model.step()
        seen.setdefault(session, set()).add(float(model.pressure["economic"][0]))
    assert {s: sorted(v) for s, v in seen.items()} == {
        0: [0.1],
        1: [0.9],
        2: [0.9],
        3: [0.2],
        4: [0.1],
    }


def test_ar1_pressure_has_its_stationary_moments(raw):
    """x_t = m + phi (x_{t-1} - m) + sigma e_t: mean m, variance sigma^2 / (1 - phi^2)."""
    data = copy.deepcopy(raw)
    data["pressures"] = {
        "drift": {"agent": "us", "ar1": {"start": 0.5, "mean": 0.5, "phi": 0.6, "sigma": 0.05}}
    }
    data.pop("misread")
    data["negotiation"]["rounds"] = 40
    model = NegotiationModel(validate(data, "t.yaml"), 4000, seed=2)
    levels = []
    while model.running:
        model.step()
        if model.session == 0 and model.round > 10:
            levels.append(model.pressure["drift"].copy())
    levels = np.concatenate(levels)
    assert levels.mean() == pytest.approx(0.5, abs=0.005)
    assert levels.var() == pytest.approx(0.05**2 / (1 - 0.6**2), rel=0.05)


def test_results_do_not_depend_on_the_batch(pause):
    frames = []
    simulate(pause, 1500, 9, batch_blocks=1, on_batch=frames.append)
    batch = pd.concat(frames, ignore_index=True)
    for rep in (0, 700, 1499):
        alone = NegotiationModel(pause, 1, seed=9, start=rep).run().outcomes()
        for column in (
            "misread",
            "walkouts",
            "cooperation_china",
            "utility_us",
            "pressure_hawkishness",
            "belief",
        ):
            assert np.asarray(alone[column])[0] == batch.loc[rep, column], (rep, column)  # exactly


def test_per_round_sums_do_not_depend_on_the_batch(pause):
    """Regression: per-round totals were summed per batch, so the last digits moved."""
    one = simulate(pause, 2500, 4, batch_blocks=1).rounds
    three = simulate(pause, 2500, 4, batch_blocks=3).rounds
    assert one.keys() == three.keys()
    for name in one:
        assert np.array_equal(one[name], three[name]), name


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "pressures.economic.agent",
            "chnia",
            "pressures.economic.agent: unknown agent 'chnia' (did you mean 'china'?)",
        ),
        (
            "pressures.economic.by_session",
            [0.1, 1.5],
            "pressures.economic.by_session[1]: must be <= 1 (got 1.5)",
        ),
        (
            "pressures.economic.ar1",
            {"mean": 0.5, "phi": 0.5, "sigma": 0.1},
            "a pressure needs either 'by_session' (scheduled) or 'ar1'",
        ),
        (
            "misread.probe",
            {"issue": "fentanyl_precursors", "value": 0.3},
            "'fentanyl_precursors' is not a core interest of china",
        ),
        ("misread.target", "us", "misread.target: must be the other agent, not the observer"),
        ("misread.soft_if_genuine", 1.0, "signal probabilities must be below 1"),
    ],
)
def test_bad_dynamics_are_named(raw, path, value, message):
    data = copy.deepcopy(raw)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    with pytest.raises(ScenarioError) as caught:
        validate(data, "tactical_pause.yaml")
    assert message in str(caught.value)


@pytest.mark.slow
def test_run_reports_the_pause(tmp_path):
    negsim = Path(sys.executable).with_name("negsim")
    done = subprocess.run(
        [
            str(negsim),
            "scenario=tactical_pause",
            "mc.replications=1500",
            "seed=5",
            "output.animation=true",
            "hydra.run.dir=out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())["tactical_pause"]
    window = summary["pause_window"]["china"]
    assert window["found"] and window["start"]["session"] == 2 and window["end"]["session"] == 3
    assert summary["core_movement"]["china"]["estimate"] == 0
    assert 0 < summary["misread_share"]["estimate"] < 1
    assert summary["effect_of_pressure"]["cooperation_china"]["difference"]["ci95"][0] > 0
    assert summary["effect_of_pressure"]["misread"]["without"]["estimate"] == 0
    rounds = pd.read_parquet(out / "rounds.parquet")
    assert {
        "cooperation_china",
        "counterfactual_cooperation_china",
        "effect_cooperation_china",
    } <= set(rounds["metric"])
    assert (rounds.groupby("metric")["step"].nunique() == 50).all()
    report = (out / "report.md").read_text()
    assert "## The tactical pause" in report and "walk out" in report
    assert "walks out" in (out / "narrative.md").read_text()
    assert {"cooperation.png", "animation.gif"} <= {p.name for p in (out / "figures").iterdir()}
    assert (out / "figures" / "animation.gif").read_bytes()[:6] == b"GIF89a"
