"""Hostile and broken input through the real commands: one line, exit 2, nothing written, quickly.

Each case is a class of input that once crashed, hung or leaked a traceback (issue 10)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

ROOT = Path(__file__).resolve().parents[2]
NEGSIM = str(Path(sys.executable).with_name("negsim"))
THEORY = str(Path(sys.executable).with_name("negsim-theory"))
BASE = (ROOT / "scenarios" / "split_the_pie.yaml").read_text()


def _bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n" + BASE


FILES = {
    "alias_bomb": (_bomb(), "bad.yaml: a4: holds more than 20,000 values"),
    "deep_list": ("x: " + "[" * 5000 + "]" * 5000 + "\n" + BASE, "nested more than 32 levels"),
    "not_utf8": (
        BASE.encode()[:40] + b"\xff" + BASE.encode()[40:],
        "bad.yaml: <top level>: not UTF-8",
    ),
    "duplicate_key": (BASE + "\nnegotiation:\n  rounds: 3\n", "bad.yaml: negotiation: line "),
    "interpolation": (
        BASE.replace("title:", "title: ${oc.env:HOME}\nold_title:", 1),
        "bad.yaml: title: interpolations ('${...}') are not allowed in scenario files",
    ),
    "too_large": (BASE + "\ndescription: '" + "x" * 1_000_000 + "'\n", "larger than 1,000,000"),
}


@pytest.mark.parametrize("case", sorted(FILES))
@pytest.mark.parametrize("command", [NEGSIM, THEORY], ids=["negsim", "negsim-theory"])
def test_a_hostile_scenario_file_is_one_line_and_exit_2(tmp_path, case, command):
    content, message = FILES[case]
    path = tmp_path / "bad.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    argument = "scenario=bad.yaml" if command == NEGSIM else "bad.yaml"
    done = subprocess.run(
        [command, argument], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{Path(command).name}: error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


COMMAND_LINES = [
    (
        ("mcc.replications=5",),
        "mcc.replications: 'mcc' is not a setting of negsim (did you mean 'mc'?)",
    ),
    (("replications=5",), "replications: unknown setting (did you mean 'mc.replications'?)"),
    (
        ("scenario.agents.chna.reservation=0.3",),
        "'chna' is not a setting of scenario.agents (did you mean 'china'?)",
    ),
    (("protocol=nosuch",), "protocol: unknown option 'nosuch' (choose from: alternating_offers"),
    (("-m", "protocol=issue_by_issue,isue_by_issue"), "did you mean 'issue_by_issue'?"),
    (
        ("-m", "mc.replicatons=5,6"),
        "mc.replicatons: unknown setting (did you mean 'replications'?)",
    ),
    (
        ("hydra/launcher=jobllib",),
        "hydra/launcher: unknown option 'jobllib' (did you mean 'joblib'?)",
    ),
    (("x=[1,2",), "x=[1,2: not a valid override"),
    (("=5",), "=5: a setting needs a name before '='"),
    (
        ("+mc.replications=3",),
        "mc.replications: already set; write mc.replications=... to change it",
    ),
    (("~mc.nosuch",), "mc.nosuch: there is no such setting to delete"),
    (("--cfgg", "job"), "--cfgg: unknown option (did you mean '--cfg'?)"),
    (("mc.replications.x=1",), "mc.replications is a single value, not a group of settings"),
]


@pytest.mark.parametrize(
    ("args", "message"), COMMAND_LINES, ids=[" ".join(a) for a, _ in COMMAND_LINES]
)
def test_a_command_line_mistake_is_one_line_and_exit_2(tmp_path, args, message):
    done = subprocess.run(
        [NEGSIM, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("negsim: error: command line: ")
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def _start_and_kill(folder: Path, args: list[str], marker: Path) -> None:
    """Start negsim, wait until ``marker`` exists (the run has begun writing), SIGKILL it."""
    process = subprocess.Popen(
        [NEGSIM, *args], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_killed_run_is_not_silently_reused_by_a_rerun(tmp_path):
    args = ["scenario=split_the_pie", "mc.replications=3000000", "seed=1", "hydra.run.dir=X"]
    _start_and_kill(tmp_path, args, tmp_path / "X" / "config.yaml")
    before = sorted(p.name for p in (tmp_path / "X").iterdir())
    assert "INCOMPLETE" in before and "summary.json" not in before
    done = subprocess.run(
        [NEGSIM, *args[:2], "seed=1", "hydra.run.dir=X"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "negsim: error: X holds an unfinished run (marked INCOMPLETE); delete it or choose "
        "another folder\n"
    )
    assert sorted(p.name for p in (tmp_path / "X").iterdir()) == before


def test_a_resumed_sweep_runs_a_killed_job_again_and_says_so(tmp_path):
    args = ["-m", "scenario=split_the_pie", "seed=2", "output.figures=false", "hydra.sweep.dir=S"]
    sizes = "mc.replications=500,3000000"
    _start_and_kill(tmp_path, [*args, sizes], tmp_path / "S" / "1" / "config.yaml")
    assert (tmp_path / "S" / "0" / "summary.json").is_file()
    assert (tmp_path / "S" / "1" / "INCOMPLETE").is_file()
    done = subprocess.run(
        [NEGSIM, *args, "mc.replications=500,2000"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "job 0 is already complete" in done.stdout
    assert "negsim: discarded the unfinished run in S/1; running it again" in done.stdout
    names = sorted(p.name for p in (tmp_path / "S" / "1").iterdir())
    assert "summary.json" in names and "INCOMPLETE" not in names
    assert not [name for name in names if name.endswith(".tmp")]


@pytest.mark.parametrize(
    "args", [("mc.shards=2", "mc.shard=1", "seed=4"), ("output.trace_replications=0",)]
)
def test_a_run_without_a_trace_draws_its_figures(tmp_path, args):
    """Regression: a later shard, or no traced replication, crashed drawing offers.png."""
    done = subprocess.run(
        [NEGSIM, "scenario=split_the_pie", "mc.replications=3000", *args, "hydra.run.dir=X"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "X" / "figures").iterdir()) == [
        "outcomes.png",
        "utility_space.png",
    ]
    assert "No replication of this run was traced" in (tmp_path / "X" / "narrative.md").read_text()


MERGE = str(Path(sys.executable).with_name("negsim-merge"))


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    """Two finished shards of one run, to be damaged by copies."""
    folder = tmp_path_factory.mktemp("shards")
    for i in (0, 1):
        done = subprocess.run(
            [NEGSIM, "scenario=split_the_pie", "mc.replications=2500", "mc.shards=2",
             f"mc.shard={i}", "seed=3", "output.figures=false", f"hydra.run.dir=s{i}"],
            cwd=folder, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return folder


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-12:-8] = b"\xff\xff\xff\x7f"  # the footer's length: points outside the file
    path.write_bytes(bytes(data))


def _corrupt_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 64] = bytes(range(64))  # inside the data pages, the footer intact
    path.write_bytes(bytes(data))


DAMAGE = {
    "corrupt_page": (lambda s: _corrupt_page(s / "replications.parquet"), "not a readable Parquet"),
    "truncated_table": (lambda s: _truncate(s / "replications.parquet"), "not a readable Parquet"),
    "corrupt_footer": (lambda s: _garble(s / "rounds.parquet"), "not a readable Parquet table"),
    "missing_table": (lambda s: (s / "sessions.parquet").unlink(), "not a readable Parquet"),
    "foreign_json": (lambda s: (s / "run.json").write_text("[1, 2]"), "not readable as a negsim"),
    "config_bomb": (
        lambda s: (s / "config.yaml").write_text(_bomb()),
        "holds more than 20,000 values",
    ),
    "rows_missing": (
        lambda s: __import__("shutil").copy(s.parent / "s0" / "replications.parquet", s),
        "holds 1,024 replications, but run.json gives the shard 1,476",
    ),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_merge_refuses_a_damaged_shard_in_one_line_and_writes_nothing(tmp_path, shards, case):
    import shutil

    for name in ("s0", "s1"):
        shutil.copytree(shards / name, tmp_path / name)
    damage, message = DAMAGE[case]
    damage(tmp_path / "s1")
    done = subprocess.run(
        [MERGE, "--out", "merged", "s0", "s1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("negsim-merge: error: s1")
    assert message in done.stderr
    assert not (tmp_path / "merged").exists()


def test_merge_argument_mistakes_are_one_line(tmp_path):
    done = subprocess.run([MERGE, "s0"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == (
        "negsim-merge: error: the following arguments are required: --out "
        "(see negsim-merge --help)\n"
    )


SWEEP = str(Path(sys.executable).with_name("negsim-sweep"))
SENSITIVITY = str(Path(sys.executable).with_name("negsim-sensitivity"))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A finished two-job sweep, to be damaged by copies."""
    folder = tmp_path_factory.mktemp("sweep")
    done = subprocess.run(
        [NEGSIM, "-m", "scenario=split_the_pie", "seed=1", "mc.replications=50,60",
         "output.figures=false", "hydra.sweep.dir=S"],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return folder / "S"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda job: (job / "summary.json").write_text('{"replications": 5'),
            "1: <top level>: not readable as a negsim run",
        ),
        (
            lambda job: (job / "run.json").write_bytes(b"\xff\xfe"),
            "run.json: <top level>: not UTF-8 text",
        ),
        (lambda job: (job / "summary.json").write_text("[]"), "not readable as a negsim run"),
    ],
    ids=["truncated_summary", "binary_run_json", "foreign_summary"],
)
def test_sweep_refuses_a_damaged_job_in_one_line_and_writes_nothing(
    tmp_path, sweep, damage, message
):
    import shutil

    shutil.copytree(sweep, tmp_path / "S")
    (tmp_path / "S" / "sweep.parquet").unlink()
    damage(tmp_path / "S" / "1")
    done = subprocess.run(
        [SWEEP, "S"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("negsim-sweep: error: S/1")
    assert message in done.stderr
    assert not (tmp_path / "S" / "sweep.parquet").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "scenario: split_the_pie\nmethod: sobol\nmethod: morris\n",
            "method: line 3: defined twice",
        ),
        (
            "scenario: split_the_pie\nmethod: sobol\nsamples: 4096\nreplications: 100000\n"
            "metrics: [agreement]\nparameters:\n  agents.a.reservation: [0.0, 0.5]\n",
            "more than negsim-sensitivity runs at once",
        ),
    ],
    ids=["duplicate_key", "too_large"],
)
def test_sensitivity_refuses_bad_configs_in_one_line_and_writes_nothing(tmp_path, text, message):
    (tmp_path / "config.yaml").write_text(text)
    done = subprocess.run(
        [SENSITIVITY, "config.yaml", "--out", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("negsim-sensitivity: error: config.yaml")
    assert message in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


@pytest.mark.parametrize("command", [THEORY, SWEEP, SENSITIVITY, MERGE])
def test_every_command_answers_a_wrong_flag_in_one_line(tmp_path, command):
    done = subprocess.run(
        [command, "--no-such-flag"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    name = Path(command).name
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{name}: error: ")
    assert f"(see {name} --help)" in done.stderr


def test_flags_may_come_after_the_overrides(tmp_path):
    """Regression: Hydra's parser took ``seed=1,2 -m`` for unrecognised arguments and printed its
    usage block."""
    done = subprocess.run(
        [NEGSIM, "scenario=split_the_pie", "seed=1,2", "mc.replications=20", "-m",
         "output.figures=false", "hydra.sweep.dir=S"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = (p.name for p in (tmp_path / "S").iterdir() if p.is_dir() and p.name[0] != ".")
    assert sorted(found) == ["0", "1", "figures"]  # and the sweeper's own .negsim/


def test_a_bilateral_protocol_setting_for_three_agents_is_one_line_and_writes_nothing(tmp_path):
    scenario = ROOT / "tests" / "core" / "data" / "three_states.yaml"
    done = subprocess.run(
        [NEGSIM, f"scenario={scenario}", "protocol=alternating_offers"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        f"negsim: error: {scenario}: negotiation.protocol: the run setting"
    )
    assert "'alternating_offers' seats exactly 2 agents, this scenario has 3" in done.stderr
    assert list(tmp_path.iterdir()) == []
