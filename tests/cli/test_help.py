"""``negsim --help`` is negsim's own page (conf/hydra/help/negsim.yaml); ``--hydra-help`` is
Hydra's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NEGSIM = str(Path(sys.executable).with_name("negsim"))

# The ten most used settings, each shown with an example.
MOST_USED = (
    "scenario=split_the_pie",
    "mc.replications=10000",
    "seed=7",
    "protocol=issue_by_issue",
    "mc.workers=2",
    "output.figures=false",
    "scenario.agents.china.reservation=0.4",
    "-m scenario.agents.us.strategy.params.e=0.5,1,2",
    "-m hydra/launcher=joblib",
    "hydra.run.dir=",
)


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def help_page(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    cwd = tmp_path_factory.mktemp("help")
    (cwd / "scenarios").mkdir()
    (cwd / "scenarios" / "my_talks.yaml").write_text("negotiation: {rounds: 5}\n")
    return cwd, negsim("--help", cwd=cwd)


def test_help_is_our_page(help_page):
    cwd, done = help_page
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.startswith("negsim: an agent-based negotiation simulator.")
    for example in MOST_USED:
        assert f"  {example}" in page, example
    for output in ("report.md", "summary.json", "replications.parquet", "figures/"):
        assert output in page
    assert "docs/api.md" in page and "README.md" in page and "--hydra-help" in page
    assert len(page.splitlines()) < 60
    assert not (cwd / "results").exists()


def test_help_lists_the_groups_a_user_can_choose_and_no_other(help_page):
    _, done = help_page
    groups = dict(
        line.split(": ", 1)
        for line in done.stdout.splitlines()
        if line.split(":")[0] in ("mc", "output", "protocol", "scenario", "sensitivity")
    )
    assert set(groups) == {"mc", "output", "protocol", "scenario"}
    shipped = {"us_china_2024", "split_the_pie", "tactical_pause", "my_talks"}
    assert shipped <= set(groups["scenario"].split(", "))
    assert "issue_by_issue" in groups["protocol"]
    assert "== Config ==" not in done.stdout  # Hydra's dump of the composed configuration


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_flags_reach_the_page_with_overrides(tmp_path, flag):
    done = negsim(flag, "scenario=split_the_pie", cwd=tmp_path)
    assert done.returncode == 0 and "Most used settings" in done.stdout, done.stderr


def test_hydra_help_keeps_hydra_page(tmp_path):
    done = negsim("--hydra-help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Hydra (") and "== Flags ==" in done.stdout
    assert "hydra/launcher: " in done.stdout and "hydra/help: " in done.stdout


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """``negsim --help | head -3``: a closed pipe is a quiet exit 141, not an internal error."""
    process = subprocess.Popen(
        [NEGSIM, "--help"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


def test_the_quick_help_page_is_hydras_page(help_page):
    """negsim draws --help itself (Hydra's takes seconds to list the groups); an override of the
    help config sends it Hydra's way, and the two pages are the same."""
    cwd, quick = help_page
    hydras = negsim("--help", "hydra.help.app_name=negsim", cwd=cwd)
    assert hydras.returncode == 0, hydras.stderr
    assert quick.stdout == hydras.stdout
    assert "my_talks" in quick.stdout  # ./scenarios is listed by both
