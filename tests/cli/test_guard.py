"""The last line of defence: a bug is one line pointing to a saved traceback, exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.guard import ArgumentParser, guarded

CRASHING_RUN = """
import sys
import sim.cli.run

def broken(*args, **kwargs):
    raise RuntimeError("boom\\nsecond line")

sim.cli.run.run = broken
sys.argv = ["negsim", "scenario=split_the_pie", "mc.replications=5", "hydra.run.dir=X"]
from sim.cli.main import main
main()
"""


@pytest.mark.slow
def test_a_bug_in_a_run_is_one_line_and_the_traceback_is_in_the_run_log(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    log = tmp_path / "X" / "negsim.log"
    assert done.stderr == (
        f"negsim: internal error: RuntimeError: boom (full traceback in {Path('X') / 'negsim.log'});"
        " please report it\n"
    )
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text


def test_guarded_saves_the_traceback_to_a_temporary_file(capsys):
    @guarded("negsim-test")
    def main():
        raise KeyError("missing")

    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("negsim-test: internal error: KeyError: 'missing' (full traceback in ")
    path = Path(err.split("full traceback in ")[1].split(")")[0])
    assert "KeyError: 'missing'" in path.read_text()
    path.unlink()


def test_guarded_turns_ctrl_c_into_one_line(capsys):
    @guarded("negsim-test")
    def main():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 130
    assert capsys.readouterr().err == "negsim-test: interrupted\n"


def test_argument_errors_are_one_line(capsys):
    parser = ArgumentParser(prog="negsim-test")
    parser.add_argument("scenario")
    with pytest.raises(SystemExit) as info:
        parser.parse_args([])
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "negsim-test: error: the following arguments are required: scenario"
        " (see negsim-test --help)\n"
    )
