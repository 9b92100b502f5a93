"""``negsim -m`` as a vectorised sweep (sim/cli/sweeper.py, sim/cli/points.py): the points of a
grid that differ only in scenario numbers run as one simulation, and each point's folder holds
exactly what that point run alone with the same seed holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli.sweeper import Point, plan_line, splitting, spread

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
# A distribution's parameter, an event's parameter and a strategy's parameter.
GRID = (
    "scenario.agents.china.reservation.high=0.4,0.5",
    "scenario.events.hacking_warning.hazard=0.02,0.2",
    "scenario.agents.us.strategy.params.e=0.5,0.9",
)
SMALL = ("mc.replications=300", "output.figures=false", "output.progress=false", "seed=9")
TABLES = ("replications", "trajectories", "sessions", "rounds")


def run(*args: str, cwd: Path, tool: str = "negsim") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def drawn_reservation(folder: Path) -> str:
    """us_china_2024 with China's reservation drawn from a uniform distribution, as the
    scenario ``drawn`` of ``folder/scenarios``."""
    data = yaml.safe_load((ROOT / "scenarios" / "us_china_2024.yaml").read_text())
    data["agents"]["china"]["reservation"] = {"dist": "uniform", "low": 0.2, "high": 0.4}
    (folder / "scenarios").mkdir()
    (folder / "scenarios" / "drawn.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return "drawn"


def without_times(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key != "wall_time_s"}


def assert_same_run(a: Path, b: Path, both_in_sweeps: bool = False) -> None:
    """Two run folders hold the same numbers: every table exactly, the summary but its times;
    two sweeps' points, the same overrides too (a sweep writes them as Hydra's sweeper does)."""
    for table in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / f"{table}.parquet"),
            pd.read_parquet(b / f"{table}.parquet"),
            check_exact=True,
        )
    summary = [json.loads((f / "summary.json").read_text()) for f in (a, b)]
    assert without_times(summary[0]) == without_times(summary[1])
    assert (a / "narrative.md").read_text() == (b / "narrative.md").read_text()
    assert (a / "config.yaml").read_text() == (b / "config.yaml").read_text()
    runs = [json.loads((f / "run.json").read_text()) for f in (a, b)]
    assert runs[0]["seed"] == runs[1]["seed"]
    assert runs[0]["overrides"] == runs[1]["overrides"] or not both_in_sweeps


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """The grid as a vectorised sweep, and as one job per point (Hydra's basic way)."""
    cwd = tmp_path_factory.mktemp("grid")
    scenario = f"scenario={drawn_reservation(cwd)}"
    together = run("-m", scenario, *GRID, *SMALL, "hydra.sweep.dir=together", cwd=cwd)
    apart = run(
        "-m", scenario, *GRID, *SMALL, "hydra.sweep.dir=apart", "hydra.sweeper.vectorise=false",
        cwd=cwd,
    )  # fmt: skip
    return cwd, together, apart


@pytest.mark.slow
def test_the_grid_runs_as_one_simulation(sweeps):
    cwd, together, _ = sweeps
    assert together.returncode == 0, together.stderr[-3000:]
    assert "negsim: sweep: 8 points as one vectorised simulation in 1 launcher job" in (
        together.stdout
    )
    run_json = json.loads((cwd / "together" / "5" / "run.json").read_text())
    assert run_json["vectorised"] == {"batch": 0, "points": list(range(8))}
    assert not [p for p in (cwd / "together").iterdir() if p.name.isdigit() and int(p.name) > 7]


@pytest.mark.slow
def test_each_point_equals_the_point_run_alone(sweeps):
    cwd, together, apart = sweeps
    assert together.returncode == 0 and apart.returncode == 0, apart.stderr[-3000:]
    for point in range(8):
        assert_same_run(cwd / "together" / str(point), cwd / "apart" / str(point), True)
    for point in (0, 7):  # and literally alone, with the point's overrides and the seed
        overrides = json.loads((cwd / "together" / str(point) / "run.json").read_text())
        done = run(*overrides["overrides"], f"hydra.run.dir=alone{point}", cwd=cwd)
        assert done.returncode == 0, done.stderr[-3000:]
        assert_same_run(cwd / "together" / str(point), cwd / f"alone{point}")


@pytest.mark.slow
def test_the_sweep_tables_are_unchanged(sweeps):
    cwd, _, _ = sweeps
    for table in ("sweep.parquet", "sweep_wide.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(cwd / "together" / table),
            pd.read_parquet(cwd / "apart" / table),
            check_exact=True,
        )
    names = {p.name for p in (cwd / "together" / "figures").iterdir()}
    assert names == {p.name for p in (cwd / "apart" / "figures").iterdir()}


@pytest.mark.slow
def test_what_cannot_vary_within_a_simulation_splits_the_sweep_in_one_line(tmp_path):
    done = run(
        "-m",
        "protocol=alternating_offers,stacked_alternating_offers",
        "scenario.negotiation.rounds=20,30",
        "scenario.agents.us.reservation=0.2,0.3",
        *SMALL,
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("negsim: sweep: ")]
    assert lines == [
        "negsim: sweep: 8 points as 4 simulations in 4 launcher jobs: protocol,"
        " scenario.negotiation.rounds cannot vary within one simulation (one per distinct value)"
    ]
    batches = [
        json.loads((tmp_path / "sweep" / str(p) / "run.json").read_text())["vectorised"]["points"]
        for p in range(0, 8, 2)
    ]
    assert batches == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")["job"].nunique() == 8


@pytest.mark.slow
def test_a_resumed_sweep_runs_only_the_unfinished_points(tmp_path):
    args = ("-m", "scenario.agents.us.reservation=0.2,0.25,0.3,0.35", *SMALL, "hydra.sweep.dir=s")
    assert run(*args, cwd=tmp_path).returncode == 0
    sweep = tmp_path / "s"
    rows = {p: pd.read_parquet(sweep / str(p) / "replications.parquet") for p in (1, 2)}
    finished = (sweep / "0" / "summary.json").read_bytes()
    (sweep / "1" / "summary.json").unlink()  # as if stopped while writing point 1
    (sweep / "1" / "INCOMPLETE").write_text("interrupted\n")
    for path in (sweep / "2").iterdir():  # and before point 2 began
        path.unlink()
    (sweep / "2").rmdir()
    again = run(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    for p in (0, 3):
        assert f"negsim: job {p} is already complete" in again.stdout
    assert "negsim: sweep: 2 points as one vectorised simulation in 1 launcher job" in again.stdout
    assert (sweep / "0" / "summary.json").read_bytes() == finished
    for p, table in rows.items():
        pd.testing.assert_frame_equal(
            pd.read_parquet(sweep / str(p) / "replications.parquet"), table
        )
        assert not (sweep / str(p) / "INCOMPLETE").exists()
    assert pd.read_parquet(sweep / "sweep.parquet")["job"].nunique() == 4


@pytest.mark.slow
def test_a_bad_point_fails_alone_and_the_others_run_together(tmp_path):
    done = run(
        "-m", "scenario.agents.us.reservation=0.3,1.5,0.4", *SMALL, "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        "negsim: sweep: 2 points as one vectorised simulation, and 1 point alone (failing a check)"
        " in 2 launcher jobs" in done.stdout
    )
    assert "negsim: job 1: error:" in done.stderr and "must be <= 1 (got 1.5)" in done.stderr
    assert (tmp_path / "sweep" / "1" / "FAILED").is_file()
    assert "1 job did not finish (1)" in done.stdout and "Traceback" not in done.stderr
    for p in (0, 2):
        assert (tmp_path / "sweep" / str(p) / "summary.json").is_file()


@pytest.mark.slow
def test_joblib_spreads_the_points_over_its_workers(tmp_path):
    done = run(
        "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
        "scenario.agents.us.reservation=0.2,0.25,0.3", *SMALL, "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "negsim: sweep: 3 points as one vectorised simulation in 2 launcher jobs" in done.stdout
    alone = run("scenario.agents.us.reservation=0.3", *SMALL, "hydra.run.dir=alone", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert_same_run(tmp_path / "sweep" / "2", tmp_path / "alone")


def point(num: int, *overrides: str) -> Point:
    return Point(num, list(overrides), str(num), "us_china_2024", {})


def test_groups_are_cut_in_halves_until_every_launcher_slot_has_a_job():
    group = [point(k) for k in range(5)]
    assert [[p.num for p in part] for part in spread([group], 2)] == [[0, 1, 2], [3, 4]]
    assert [len(part) for part in spread([group], 8)] == [1] * 5
    two = [group[:1], group[1:]]
    assert [[p.num for p in part] for part in spread(two, 2)] == [[0], [1, 2, 3, 4]]


def test_the_line_names_what_splits_the_sweep():
    groups = [
        [point(0, "protocol=a", "x=1"), point(1, "protocol=a", "x=2")],
        [point(2, "protocol=b", "x=1"), point(3, "protocol=b", "x=2")],
    ]
    assert splitting([p for g in groups for p in g], groups) == ["protocol"]
    assert plan_line(groups, 0, 2) == (
        "negsim: sweep: 4 points as 2 simulations in 2 launcher jobs: protocol cannot vary"
        " within one simulation (one per distinct value)"
    )
    assert plan_line(groups[:1], 1, 2) == (
        "negsim: sweep: 2 points as one vectorised simulation, and 1 point alone (failing a"
        " check) in 2 launcher jobs"
    )


def test_a_point_differing_only_in_plain_values_is_derived_as_hydra_would_override_it():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.sweeper import derive

    parser = OverridesParser.create()
    config = {"scenario": {"events": {"e": {"shifts": [{"add": 0.1}]}}, "name": "x"}, "seed": 1}
    base = Point(0, ["scenario.name=x", "scenario.events.e.shifts.0.add=0.1"], "/s/0", "x", config)
    point = derive(base, ["scenario.name=y", "scenario.events.e.shifts.0.add=2"], 3, parser)
    assert point.folder == "/s/3" and point.overrides[0] == "scenario.name=y"
    assert point.config["scenario"]["name"] == "y"
    assert point.config["scenario"]["events"]["e"]["shifts"][0]["add"] == 2
    assert config["scenario"]["name"] == "x"  # the base is untouched
    for others in (
        ["scenario.name={a: 1}", "scenario.events.e.shifts.0.add=0.1"],  # Hydra merges mappings
        ["scenario.name=x", "scenario.events.e.shifts.1.add=0.1"],  # no such value: Hydra says
        ["scenario.name='${seed}'", "scenario.events.e.shifts.0.add=0.1"],  # an interpolation
        ["scenario.name=x"],  # other keys
    ):
        assert derive(base, others, 1, parser) is None
