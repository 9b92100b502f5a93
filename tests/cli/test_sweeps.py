"""Sweeps through Hydra's launchers, the sweep table, resume (sim/sweep.py, sim/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from sim.cli import app
from sim.outputs.sweep import read_replications

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
GRID = ("scenario.agents.us.reservation=0.2,0.3", "scenario.trust.initial=0.6,1.0")
SMALL = ("mc.replications=300", "output.figures=false", "seed=4")


def run(*args: str, cwd: Path, tool: str = "negsim") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def _sweep_dir(cwd: Path) -> Path:
    (sweep,) = (cwd / "results" / "us_china_2024" / "multirun").iterdir()
    return sweep


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_launcher_sweep_matches_jobs_run_alone(tmp_path, launcher):
    done = run("-m", f"hydra/launcher={launcher}", *GRID, *SMALL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    sweep = _sweep_dir(tmp_path)
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert sorted(table["job"].unique()) == [0, 1, 2, 3]
    assert {
        "scenario.agents.us.reservation",
        "scenario.trust.initial",
        "metric",
        "estimate",
        "ci_low",
        "ci_high",
    } <= set(table.columns)
    agreement = table[table["metric"] == "agreement"]
    assert len(agreement) == 4 and agreement["ci_low"].le(agreement["estimate"]).all()
    # the metrics are the jobs' replications.parquet columns, and estimate their means
    replications = read_replications(sweep)
    assert set(table["metric"]) <= set(replications.columns)
    means = replications.groupby("job")[["agreement", "utility_us", "value_taiwan"]].mean()
    for metric in means.columns:
        rows = table[table["metric"] == metric].set_index("job")["estimate"]
        assert rows.sort_index().tolist() == pytest.approx(means[metric].tolist())
    wide = pd.read_parquet(sweep / "sweep_wide.parquet").set_index("job")
    assert wide["utility_us"].tolist() == pytest.approx(means["utility_us"].tolist())
    assert {"scenario.agents.us.reservation", "scenario.trust.initial"} <= set(replications.columns)
    assert {p.name for p in (sweep / "figures").iterdir()} >= {"heatmap.png"}
    # job 3 is the last combination; alone, with the same overrides and seed, it gives the same rows
    job = json.loads((sweep / "3" / "run.json").read_text())
    alone = run(*job["overrides"], "hydra.run.dir=alone", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(sweep / "3" / "replications.parquet"),
        pd.read_parquet(tmp_path / "alone" / "replications.parquet"),
    )


def test_slurm_launcher_config_composes():
    app.register_resolvers()
    app.register_known_scenarios()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base=None):
        cfg = compose(
            "config",
            overrides=["hydra/launcher=slurm", "hydra.launcher.partition=short"],
            return_hydra_config=True,
        )
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert (
        launcher.partition == "short"
        and launcher.array_parallelism == 64
        and launcher.timeout_min == 60
    )


def test_sweep_without_seed_shares_one_seed(tmp_path):
    done = run(
        "-m",
        "scenario.agents.us.reservation=0.2,0.3",
        "mc.replications=50",
        "output.figures=false",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    sweep = _sweep_dir(tmp_path)
    seeds = {json.loads((sweep / job / "run.json").read_text())["seed"] for job in ("0", "1")}
    assert len(seeds) == 1


def test_interrupted_sweep_resumes_skipping_finished_jobs(tmp_path):
    args = ("-m", "scenario.agents.us.reservation=0.2,0.3,0.4", *SMALL, "hydra.sweep.dir=sweep")
    assert run(*args, cwd=tmp_path).returncode == 0
    job1 = tmp_path / "sweep" / "1"
    (job1 / "summary.json").unlink()  # as if the sweep had been stopped during job 1
    (job1 / "INCOMPLETE").write_text("interrupted\n")
    before = (tmp_path / "sweep" / "0" / "summary.json").read_bytes()
    again = run(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (
        "job 0 is already complete" in again.stdout and "job 2 is already complete" in again.stdout
    )
    assert "job 1 is already complete" not in again.stdout
    assert (job1 / "summary.json").is_file() and not (job1 / "INCOMPLETE").exists()
    assert (tmp_path / "sweep" / "0" / "summary.json").read_bytes() == before
    assert pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")["job"].nunique() == 3


def test_bad_job_is_reported_and_fails_the_sweep(tmp_path):
    done = run(
        "-m",
        "scenario.agents.us.reservation=0.3,1.5",
        *SMALL,
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "agents.us.reservation: must be <= 1 (got 1.5)" in done.stderr
    assert "1 job did not finish (1)" in done.stdout
    assert "Traceback" not in done.stderr


def test_negsim_sweep_reaggregates_any_sweep_folder(tmp_path):
    assert (
        run(
            "-m",
            "scenario.agents.us.reservation=0.2,0.3",
            *SMALL,
            "hydra.sweep.dir=sweep",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    (tmp_path / "sweep" / "sweep.parquet").unlink()
    again = run("sweep", cwd=tmp_path, tool="negsim-sweep")
    assert again.returncode == 0, again.stderr
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert sorted(table["scenario.agents.us.reservation"].unique()) == [0.2, 0.3]
    assert run("nowhere", cwd=tmp_path, tool="negsim-sweep").returncode == 2


def test_sweep_jobs_skip_their_figures_unless_asked_and_the_sweep_draws_its_own(tmp_path):
    """Issue 15: each job of a multirun skips its own figures by default (``output.figures:
    null``); the sweep's figures are still drawn; ``output.figures=true`` draws them per job."""
    grid = ("-m", "scenario.agents.us.reservation=0.2,0.3", "mc.replications=50", "seed=2")
    default = run(*grid, "hydra.sweep.dir=default", cwd=tmp_path)
    assert default.returncode == 0, default.stderr[-2000:]
    for job in ("0", "1"):
        folder = tmp_path / "default" / job
        assert (folder / "summary.json").is_file() and not (folder / "figures").exists()
        assert "figures: false" in (folder / "config.yaml").read_text()  # what was done
        assert "figures/" not in default.stdout
    assert (tmp_path / "default" / "figures" / "sweep_agents.us.reservation.png").is_file()
    asked = run(*grid, "output.figures=true", "hydra.sweep.dir=asked", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert all(any((tmp_path / "asked" / job / "figures").iterdir()) for job in ("0", "1"))
    pd.testing.assert_frame_equal(  # the figures change no number
        pd.read_parquet(tmp_path / "default" / "1" / "replications.parquet"),
        pd.read_parquet(tmp_path / "asked" / "1" / "replications.parquet"),
    )
