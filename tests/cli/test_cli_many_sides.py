"""``negsim`` end to end with three sides (issue 12): a run of each multilateral test scenario
writes every file and figure; a sweep over the third side's reservation and the qualified
majority's threshold, a sensitivity run with a path on the third side, and a misread between two
of the three sides all work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.sensitivity import main as sensitivity

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

NEGSIM = str(Path(sys.executable).with_name("negsim"))
DATA = Path(__file__).resolve().parents[1] / "core" / "data"
FILES = {
    "summary.json",
    "report.md",
    "narrative.md",
    "run.json",
    "config.yaml",
    "replications.parquet",
    "trajectories.parquet",
    "sessions.parquet",
    "rounds.parquet",
    "figures",
}


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("name", ["three_states", "three_states_council"])
def test_a_three_sided_run_writes_every_file(tmp_path, name):
    done = negsim(
        f"scenario={DATA / f'{name}.yaml'}",
        "mc.replications=300",
        "seed=1",
        "output.animation=true",
        "hydra.run.dir=out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} >= FILES and not (out / "INCOMPLETE").exists()
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"offers.png", "outcomes.png", "animation.gif"} <= figures
    for agent in ("a", "b", "c"):
        assert f"utility {agent}" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["agents"]) == {"a", "b", "c"}
    assert summary["red_line_violations"]["total"] == 0
    assert summary["ratification"]["agents"] == 3
    report = (out / "report.md").read_text()
    assert "## Who accepted" in report and "## Theory beside the simulation" in report
    trace = pd.read_parquet(out / "trajectories.parquet")
    if name == "three_states_council":
        assert set(trace["agent"]) == {"mediator"}
        assert "a qualified majority of 60% of the weights, with c holding a veto" in report
    else:
        assert set(trace["agent"]) == {"a", "b", "c"}
        assert "unanimity: all 3 sides must accept" in report


def test_a_sweep_over_the_third_side_and_the_threshold(tmp_path):
    done = negsim(
        "-m",
        f"scenario={DATA / 'three_states_council.yaml'}",
        "scenario.agents.c.reservation=0.2,0.3",
        "scenario.negotiation.ratification.threshold=0.5,0.9",
        "mc.replications=200",
        "seed=4",
        "output.figures=false",
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert sorted(table["job"].unique()) == [0, 1, 2, 3]
    assert {"utility_c", "accepted_a", "accepted_b", "accepted_c"} <= set(table["metric"])
    names = {p.name for p in (tmp_path / "sweep" / "figures").iterdir()}
    assert names == {
        "heatmap.png",
        "sweep_agents.c.reservation.png",
        "sweep_negotiation.ratification.threshold.png",
    }
    accepted = table[table["metric"] == "accepted_b"].set_index(
        "scenario.negotiation.ratification.threshold"
    )["estimate"]
    # a (weight 2) and the veto player c carry 75% of the weights: at 0.5 they need nobody else;
    # 90% needs b too.
    assert accepted.loc[0.9].min() > accepted.loc[0.5].max()


def test_a_sensitivity_analysis_with_a_path_on_the_third_side(tmp_path):
    config = tmp_path / "three.yaml"
    config.write_text(
        f"scenario: {DATA / 'three_states_council.yaml'}\n"
        "method: sobol\nsamples: 8\nreplications: 20\nseed: 1\n"
        "metrics: [agreement, utility_c, accepted_b, coalition_size]\n"
        "parameters:\n"
        "  agents.c.reservation: [0.2, 0.9]\n"
        "  agents.b.reservation: [0.2, 0.6]\n"
    )
    sensitivity([str(config), "--out", str(tmp_path / "out")])
    points = pd.read_parquet(tmp_path / "out" / "points.parquet")
    assert len(points) == 8 * (2 + 2)
    assert {"agents.c.reservation", "accepted_b", "coalition_size"} <= set(points.columns)
    assert "## accepted_b" in (tmp_path / "out" / "sensitivity.md").read_text()


def test_a_misread_between_two_of_three_sides(tmp_path):
    done = negsim(
        f"scenario={DATA / 'three_states_pause.yaml'}",
        "mc.replications=300",
        "seed=1",
        "hydra.run.dir=out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    assert "cooperation.png" in {p.name for p in (out / "figures").iterdir()}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tactical_pause"]["misread_share"]["estimate"] > 0
    report = (out / "report.md").read_text()
    assert "- a misread c's softening as genuine and tested standards in " in report
    assert "Pressure **economic** on c" in report and "**summit_row**" in report
    narrative = (out / "narrative.md").read_text()
    assert "a test of a core interest — c walks out" in narrative
