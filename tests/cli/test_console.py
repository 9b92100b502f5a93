"""A quiet console: the commands print only negsim's own lines on stdout and stderr, line for line.
Hydra's and the libraries' INFO lines go to the run's ``negsim.log``."""

from __future__ import annotations

import logging
import logging.config
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
PIE = ("scenario=split_the_pie", "mc.replications=200", "seed=1")


def run(*args: str, cwd: Path, tool: str = "negsim") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def summary_lines(folder: str, written: str = "report.md, summary.json, figures/") -> list[str]:
    """The console summary of the split_the_pie run above, wall times as patterns."""
    return [
        "negsim: split_the_pie: 200 replications, seed 1, protocol alternating_offers",
        "  agreement rate        100.0%  (95% CI 98.1–100.0%)",
        "  rounds to agreement   10.00  (95% CI 10.00–10.00)",
        "  utility a             0.500  (95% CI 0.500–0.500)",
        "  utility b             0.500  (95% CI 0.500–0.500)",
        "  red-line violations   0",
        r"  wall time             \d+\.\d\d s simulation, \d+\.\d\d s in all",
        f"  results               {folder}/  ({written})",
    ]


def matches(lines: list[str], expected: list[str]) -> bool:
    return len(lines) == len(expected) and all(
        line == want or re.fullmatch(want, line) for line, want in zip(lines, expected, strict=True)
    )


def test_a_run_prints_its_summary_and_nothing_else(tmp_path):
    done = run(*PIE, "output.animation=true", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no "[matplotlib.animation][INFO] ..." line
    assert matches(done.stdout.splitlines(), summary_lines("out")), done.stdout
    assert (tmp_path / "out" / "figures" / "animation.gif").is_file()
    assert (tmp_path / "out" / "negsim.log").is_file()


@pytest.mark.parametrize("config", ["job_logging", "hydra_logging"])
def test_info_lines_go_to_the_log_file_and_warnings_are_one_line_of_ours(config, tmp_path, capsys):
    """The logging Hydra sets up for a run (conf/hydra/job_logging/negsim.yaml) and for itself
    (hydra_logging): INFO lines such as matplotlib's 'Animation.save using ...' or Hydra's
    'Launching 2 jobs locally' reach no terminal."""
    text = (ROOT / "conf" / "hydra" / config / "negsim.yaml").read_text()
    text = text.replace(
        "${hydra.runtime.output_dir}/${hydra.job.name}.log", str(tmp_path / "x.log")
    )
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logging.config.dictConfig(yaml.safe_load(text))
        logging.getLogger("matplotlib.animation").info("Animation.save using PillowWriter")
        logging.getLogger("somelib").warning("something odd")
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
    out, err = capsys.readouterr()
    assert out == "" and err == "negsim: warning: somelib: something odd\n"
    if config == "job_logging":
        log = (tmp_path / "x.log").read_text()
        assert "[matplotlib.animation][INFO] - Animation.save using PillowWriter" in log
        assert "[somelib][WARNING] - something odd" in log


def test_without_figures_no_figures_folder_is_advertised(tmp_path):
    done = run(*PIE, "output.figures=false", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert matches(done.stdout.splitlines(), summary_lines("out", "report.md, summary.json"))
    assert not (tmp_path / "out" / "figures").exists()


def test_a_sweep_names_each_job_itself_and_hydra_says_nothing(tmp_path):
    done = run(
        "-m",
        *PIE,
        "scenario.negotiation.rounds=10,20",
        "output.figures=false",
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no "[HYDRA] Launching 2 jobs locally"
    job = "negsim: job {}: scenario=split_the_pie mc.replications=200 seed=1 "  # as Hydra has them
    expected = [  # first, how the sweep runs (sim.cli.sweeper)
        r"negsim: sweep: 2 points as 2 simulations in 2 launcher jobs: scenario\.negotiation\."
        r"rounds cannot vary within one simulation \(one per distinct value\)",
        job.format(0) + r"scenario\.negotiation\.rounds=10 output\.figures=False",
        *summary_lines("sweep/0", "report.md, summary.json"),
        job.format(1) + r"scenario\.negotiation\.rounds=20 output\.figures=False",
        *summary_lines("sweep/1", "report.md, summary.json"),
        "negsim: sweep sweep: 2 jobs in sweep.parquet and sweep_wide.parquet",
    ]
    expected[4] = "  rounds to agreement   5.00  (95% CI 5.00–5.00)"  # 10 rounds a session
    assert matches(done.stdout.splitlines(), expected), done.stdout


def test_merge_errors_have_one_prefix(tmp_path):
    shard = ("scenario=split_the_pie", "mc.replications=2048", "seed=1", "output.figures=false")
    done = run(*shard, "mc.shards=2", "mc.shard=0", "hydra.run.dir=s0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    merged = run("--out", "m", "s0", cwd=tmp_path, tool="negsim-merge")
    assert merged.returncode == 2 and merged.stdout == ""
    assert merged.stderr.splitlines() == [
        "negsim-merge: error: command line: shards: need each of the 2 shards once; missing [1], "
        "given [0]"
    ]
