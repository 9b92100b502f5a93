"""``negsim-tournament`` end to end through the installed command: the classroom config writes
every file, a student's strategy file joins, bad configs and bad strategy files are one line,
exit 2 and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # through the installed command, in subprocesses

TOURNAMENT = str(Path(sys.executable).with_name("negsim-tournament"))
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "my_strategy.py"
SMALL = """
title: Small
scenarios: [split_the_pie, private_red_lines]
replications: 4
seed: 3
strategies:
  boulware: {name: time_dependent, params: {e: 0.3}}
  conceder: {name: time_dependent, params: {e: 3.0}}
"""
OUTPUTS = {
    "tournament.yaml",
    "tournament.parquet",
    "ranking.csv",
    "ranking_by_scenario.csv",
    "pairwise.csv",
    "agreement.csv",
    "report.md",
    "summary.json",
    "figures",
}


def tournament(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TOURNAMENT, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    cwd = tmp_path_factory.mktemp("classroom")
    return cwd, tournament("classroom", cwd=cwd)


def test_the_classroom_tournament_writes_every_file(classroom):
    cwd, done = classroom
    assert done.returncode == 0, done.stderr
    (run,) = (cwd / "results" / "tournament" / "classroom").iterdir()
    assert run.name[:4].isdigit()  # a timestamp
    assert {p.name for p in run.iterdir()} == OUTPUTS
    assert [p.name for p in (run / "figures").iterdir()] == ["tournament.png"]
    summary = json.loads((run / "summary.json").read_text())
    table = pd.read_parquet(run / "tournament.parquet")
    assert len(table) == summary["games"] == 20 * 30 * 3
    assert set(table["scenario"]) == {"split_the_pie", "us_china_2024", "private_red_lines"}
    ranking = pd.read_csv(run / "ranking.csv")
    assert ranking["strategy"].tolist() == [row["strategy"] for row in summary["ranking"]]
    assert summary["winner"] == ranking["strategy"][0]
    assert ranking["mean"].is_monotonic_decreasing
    assert (ranking["ci_low"] <= ranking["mean"]).all()
    pairwise = pd.read_csv(run / "pairwise.csv")
    assert len(pairwise) == 10 and (pairwise["p_holm"] >= pairwise["p"]).all()
    report = (run / "report.md").read_text()
    assert f"**{summary['winner']}** won" in report
    assert "Holm" in report and "agreement" in report
    assert "bayesian_learner: accuracy" in report
    assert f"1. {summary['winner']}:" in done.stdout


def test_a_student_strategy_joins_and_is_ranked(tmp_path):
    config = tmp_path / "small.yaml"
    config.write_text(SMALL)
    done = tournament(config, "--strategy-file", EXAMPLE, "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ranking = pd.read_csv(tmp_path / "run" / "ranking.csv")
    assert set(ranking["strategy"]) == {"boulware", "conceder", "sprinter"}
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["strategies"]["sprinter"]["file"] == str(EXAMPLE)
    assert summary["pairings"] == 6
    assert "sprinter came from the strategy file" in (tmp_path / "run" / "report.md").read_text()


def test_a_config_may_play_the_file_strategy_with_its_own_settings(tmp_path):
    config = tmp_path / "mine.yaml"
    config.write_text(
        SMALL + "  mine: {name: sprinter, params: {hold: 0.8}, acceptance: ac_next}\n"
    )
    done = tournament(config, "--strategy-file", EXAMPLE, "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ranking = pd.read_csv(tmp_path / "run" / "ranking.csv")
    assert set(ranking["strategy"]) == {"boulware", "conceder", "mine"}


BAD_CONFIGS = {
    "typo.yaml": (
        SMALL.replace("time_dependent, params: {e: 3.0}", "time_dependant"),
        "typo.yaml: strategies.conceder.name: unknown strategy 'time_dependant' "
        "(did you mean 'time_dependent'?)",
    ),
    "council.yaml": (
        SMALL.replace("private_red_lines", "precursor_council"),
        "council.yaml: scenarios[1]: 'precursor_council' has 7 agents",
    ),
    "huge.yaml": (
        SMALL.replace("replications: 4", "replications: 50000000"),
        "huge.yaml: replications:",
    ),
    "notyaml.yaml": ("scenarios: [a\n", "notyaml.yaml: <top level>: not valid YAML"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_a_bad_config_is_one_line_and_writes_nothing(tmp_path, name):
    text, expected = BAD_CONFIGS[name]
    (tmp_path / name).write_text(text)
    done = tournament(name, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("negsim-tournament: error: "), done.stderr
    assert expected in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


FAILING = """
import numpy as np
from sim.core.strategies.base import Strategy, register


@register
class Broken(Strategy):
    name = "broken_student"

    def aspiration(self, view):
        return np.ones(self.n) / view.missing_field
"""


def test_a_strategy_that_fails_while_playing_is_one_line_naming_its_line(tmp_path):
    (tmp_path / "small.yaml").write_text(SMALL)
    (tmp_path / "broken.py").write_text(FAILING)
    done = tournament("small.yaml", "--strategy-file", "broken.py", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("negsim-tournament: error: broken.py:11: failed while playing: ")
    assert "AttributeError" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.py", "small.yaml"]


def test_a_bad_strategy_file_on_the_command_line_is_one_line(tmp_path):
    (tmp_path / "small.yaml").write_text(SMALL)
    (tmp_path / "syntax.py").write_text("def oops(:\n")
    done = tournament("small.yaml", "--strategy-file", "syntax.py", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == "negsim-tournament: error: syntax.py:1: syntax error: invalid syntax"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml", "syntax.py"]


def test_an_existing_run_folder_is_refused(tmp_path):
    (tmp_path / "small.yaml").write_text(SMALL)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    done = tournament("small.yaml", "--out", "run", cwd=tmp_path)
    assert done.returncode == 2
    assert "is not empty" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["notes.txt"]


def test_negsim_points_a_tournament_config_to_negsim_tournament(tmp_path):
    negsim = str(Path(sys.executable).with_name("negsim"))
    done = subprocess.run(
        [negsim, "+tournament=classroom"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "played by negsim-tournament (e.g. negsim-tournament classroom)" in line
    assert list(tmp_path.iterdir()) == []
