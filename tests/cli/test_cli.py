"""``negsim`` end to end, in temporary folders, through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli import app
from sim.core.catalogue import validate
from sim.core.protocols.base import PROTOCOLS
from sim.engine.settings import RunSettings

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

NEGSIM = str(Path(sys.executable).with_name("negsim"))
ROOT = Path(__file__).resolve().parents[2]


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_every_shipped_config_composes():
    """Every scenario x protocol option composes and validates."""
    app.register_resolvers()
    app.register_scenarios([])
    scenarios = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    protocols = ["from_scenario", *PROTOCOLS]  # registered protocols need no config file
    assert {"us_china_2024", "split_the_pie"} <= set(scenarios)
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base=None):
        for scenario in scenarios:
            for protocol in protocols:
                cfg = compose("config", overrides=[f"scenario={scenario}", f"protocol={protocol}"])
                config = OmegaConf.to_container(cfg, resolve=False)
                settings = RunSettings.from_config(config)
                assert validate(config["scenario"], scenario).name == scenario
                assert settings.protocol in (None, protocol)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    cwd = tmp_path_factory.mktemp("cli")
    done = negsim("scenario=split_the_pie", "mc.replications=300", "seed=11", cwd=cwd)
    return cwd, done


def test_default_run_lands_in_results_scenario_timestamp(finished_run):
    cwd, done = finished_run
    assert done.returncode == 0, done.stderr
    (run_dir,) = (cwd / "results" / "split_the_pie").iterdir()
    assert run_dir.name[:4].isdigit()  # a timestamp
    names = {p.name for p in run_dir.iterdir()}
    assert {"summary.json", "report.md", "run.json", "config.yaml", "replications.parquet"} <= names
    assert {"trajectories.parquet", "sessions.parquet", "figures"} <= names
    assert "INCOMPLETE" not in names
    assert {p.name for p in (run_dir / "figures").iterdir()} == {
        "offers.png",
        "outcomes.png",
        "utility_space.png",
    }


def test_outputs_describe_the_run(finished_run):
    cwd, done = finished_run
    (run_dir,) = (cwd / "results" / "split_the_pie").iterdir()
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["seed"] == 11
    assert meta["versions"]["mesa"].startswith("3.3")
    assert "seed=11" in meta["overrides"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["replications"] == 300
    assert summary["red_line_violations"] == {"total": 0, "max_per_replication": 0}
    share = summary["issues"]["share"]["final_value"]
    assert share["estimate"] == pytest.approx(0.5)  # symmetric linear time-dependent agents
    theory = summary["theory"]
    assert theory["nash"]["package"]["share"] == pytest.approx(0.5, abs=1e-6)  # Nash (1950)
    assert theory["rubinstein"]["share"]["a"] == pytest.approx((1 - 0.8) / (1 - 0.9 * 0.8))
    assert theory["simulated"]["distance_from_nash"]["estimate"] == pytest.approx(0.0, abs=1e-6)
    assert theory["simulated"]["frontier_gap"]["estimate"] == pytest.approx(0.0, abs=1e-9)
    table = pd.read_parquet(run_dir / "replications.parquet")
    assert len(table) == 300 and table["rep"].tolist() == list(range(300))
    trace = pd.read_parquet(run_dir / "trajectories.parquet")
    assert set(trace["agent"]) == {"a", "b"} and trace["rep"].max() == 19
    report = (run_dir / "report.md").read_text()
    assert "Red lines crossed by any agreement: **0**" in report
    assert "Nash (1950) bargaining solution" in report and "Rubinstein (1982)" in report
    assert "wall time" in done.stdout and "agreement rate" in done.stdout


def test_same_seed_same_numbers(tmp_path):
    args = ("mc.replications=2000", "seed=5", "output.figures=false")
    first = negsim(*args, "hydra.run.dir=one", cwd=tmp_path)
    second = negsim(*args, "hydra.run.dir=two", "mc.batch_blocks=1", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    a = pd.read_parquet(tmp_path / "one" / "replications.parquet")
    b = pd.read_parquet(tmp_path / "two" / "replications.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_own_scenario_file_from_any_folder_with_overrides(tmp_path):
    own = tmp_path / "mine" / "my_talks.yaml"
    own.parent.mkdir()
    own.write_text((ROOT / "scenarios" / "split_the_pie.yaml").read_text())
    done = negsim(
        f"scenario={own}",
        "scenario.agents.a.discount=0.5",
        "scenario.negotiation.rounds=6",
        "protocol=monotonic_concession",
        "mc.replications=10",
        "hydra.run.dir=out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    config = (tmp_path / "out" / "config.yaml").read_text()
    assert "discount: 0.5" in config and "rounds: 6" in config
    assert (
        json.loads((tmp_path / "out" / "summary.json").read_text())["protocol"]
        == "monotonic_concession"
    )


def test_a_finished_run_is_never_overwritten(tmp_path):
    assert negsim("mc.replications=5", "hydra.run.dir=out", cwd=tmp_path).returncode == 0
    before = (tmp_path / "out" / "summary.json").read_bytes()
    again = negsim("mc.replications=7", "hydra.run.dir=out", cwd=tmp_path)
    assert again.returncode == 2
    assert "already holds a finished run" in again.stderr
    assert (tmp_path / "out" / "summary.json").read_bytes() == before


BAD = [
    (
        ("scenario.agents.us.preferences.taiwan.salience=-1",),
        "agents.us.preferences.taiwan.salience: must be >= 0",
    ),
    (("scenario.agents.china.strategy.name=titfortat",), "did you mean 'tit_for_tat'?"),
    (("+scenario.agents.us.red_lines.taiwan={min:0.9}",), "excludes the agent's own ideal"),
    (
        ("scenario.issues.taiwan.status_quo=lots",),
        "issues.taiwan.status_quo: expected a number, got 'lots'",
    ),
    (("mc.replications=0",), "mc.replications: must be >= 1"),
    (
        ("mc.replications=100000000000",),
        "mc.replications: 100,000,000,000 is more than negsim runs at once",
    ),
    (("scenario=us_chna_2024",), "unknown scenario 'us_chna_2024' (did you mean 'us_china_2024'?)"),
    (
        ("mc.replication=5",),
        "command line: mc.replication: unknown setting (did you mean 'replications'?)",
    ),
    (
        ("scenario.agents.china.reservaton=0.4",),
        "scenario.agents.china.reservaton: unknown setting (did you mean 'reservation'?)",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[b[0][0] for b in BAD])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, message):
    done = negsim(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("negsim: error: ")
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # no results folder at all


def test_bad_scenario_file_names_the_file(tmp_path):
    text = (
        (ROOT / "scenarios" / "split_the_pie.yaml")
        .read_text()
        .replace("salience: 1.0", "salinece: 1.0", 1)
    )
    (tmp_path / "typo.yaml").write_text(text)
    done = negsim("scenario=typo.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "negsim: error: typo.yaml: agents.a.preferences.share.salinece: "
        "unknown field 'salinece' (did you mean 'salience'?)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.yaml"]


def test_multirun_writes_one_folder_per_job(tmp_path):
    done = negsim("-m", "seed=1,2", "mc.replications=20", "output.figures=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (sweep,) = (tmp_path / "results" / "us_china_2024" / "multirun").iterdir()
    seeds = sorted(json.loads((sweep / job / "run.json").read_text())["seed"] for job in ("0", "1"))
    assert seeds == [1, 2]


def test_drawn_ideals_and_status_quo_run_to_the_end(tmp_path):
    """Regression: reports and figures once assumed fixed ideals and status quo."""
    (tmp_path / "drawn.yaml").write_text(
        "negotiation: {rounds: 12}\n"
        "issues:\n"
        "  x: {status_quo: {dist: uniform, low: 0.3, high: 0.7}}\n"
        "  y: {status_quo: 0.5}\n"
        "agents:\n"
        "  a: {reservation: 0.2, strategy: time_dependent, preferences:"
        " {x: {ideal: {dist: beta, a: 5, b: 1}, salience: 1}, y: {ideal: 1, salience: 1}}}\n"
        "  b: {reservation: 0.2, strategy: time_dependent, preferences:"
        " {x: {ideal: 0, salience: 1}, y: {ideal: 0, salience: 1}}, red_lines: {x: {max: 0.6}}}\n"
    )
    done = negsim(
        "scenario=drawn.yaml", "mc.replications=200", "seed=1", "hydra.run.dir=out", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert 0.3 < summary["issues"]["x"]["status_quo"] < 0.7  # the median stands in
    assert any("medians" in note for note in summary["theory"]["notes"])


def test_runs_started_together_get_their_own_folders(tmp_path):
    """Regression: runs resolving the same timestamp shared (and mixed) one folder."""
    args = [NEGSIM, "scenario=split_the_pie", "mc.replications=50", "output.figures=false"]
    procs = [
        subprocess.Popen(
            [*args, f"seed={i}"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for i in range(4)
    ]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    folders = list((tmp_path / "results" / "split_the_pie").iterdir())
    assert len(folders) == 4
    seeds = sorted(json.loads((f / "summary.json").read_text())["seed"] for f in folders)
    assert seeds == [0, 1, 2, 3]


def test_merge_names_an_unreadable_shard(tmp_path, capsys):
    from sim.cli.merge import main as merge_main

    assert (
        negsim(
            "mc.replications=10", "seed=1", "mc.shards=1", "hydra.run.dir=s0", cwd=tmp_path
        ).returncode
        == 0
    )
    (tmp_path / "s0" / "run.json").write_text("{bad")
    with pytest.raises(SystemExit) as stopped:
        merge_main(["--out", str(tmp_path / "m"), str(tmp_path / "s0")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run.json: not readable as a negsim run" in err
    assert not (tmp_path / "m").exists()
