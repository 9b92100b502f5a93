"""A domestic ratification threshold on the command line (issue 14): swept with ``-m`` where the
scenario has a ratifier, added with ``+`` where it has none, and a one-line hint when the ``+``
is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

NEGSIM = str(Path(sys.executable).with_name("negsim"))
PATH = "scenario.agents.us.domestic.threshold"


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_sweep_over_the_threshold_raises_the_share_then_closes_the_zone(tmp_path):
    done = negsim(
        "-m",
        "scenario=two_level_game",
        f"{PATH}=0.3,0.6,0.85",
        "mc.replications=200",
        "seed=4",
        "output.figures=false",
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("  rejected at home      ") == 3  # one line per job
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert {"ratification_failures", "commitments_made_china"} <= set(table["metric"])
    by = table.pivot(index=PATH, columns="metric", values="estimate")
    assert by.loc[0.3, "utility_us"] < by.loc[0.6, "utility_us"]
    assert by.loc[0.6, "agreement"] > 0.95 and by.loc[0.85, "agreement"] == 0.0


def test_a_ratifier_is_added_with_a_plus_and_the_error_says_so(tmp_path):
    done = negsim(
        "scenario=split_the_pie", "scenario.agents.a.domestic.threshold=0.6", cwd=tmp_path
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "to add it write +scenario.agents.a.domestic.threshold=..." in done.stderr
    done = negsim(
        "scenario=split_the_pie",
        "+scenario.agents.a.domestic.threshold=0.6",
        "mc.replications=50",
        "output.figures=false",
        "hydra.run.dir=out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (
        "## At home: ratification and commitments" in (tmp_path / "out" / "report.md").read_text()
    )
