"""The SLURM launcher for real (conf/hydra/launcher/slurm.yaml, issue 15 point 5).

A two-point sweep goes through submitit to the single-node SLURM cluster that
scripts/slurm-up.sh starts (`make test` runs it as root): its jobs must show in `squeue`, the
sweep must finish, and every replication of every point must equal the same sweep on the joblib
launcher, bit for bit (one seed per run, replications in fixed blocks: DESIGN.md, Randomness).

Without that cluster the test is skipped and says why, except in CI as root, where `make test`
has started it: there a missing cluster is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # a real scheduler, two sweeps in subprocesses (~25 s)

BIN = Path(sys.executable).parent
PARTITION = "debug"  # scripts/slurm-up.sh
CLUSTER = "negsim"  # its ClusterName: the test submits to no other cluster
SWEEP = (
    "scenario.agents.us.reservation=0.3,0.5",  # 100% and 94% agreement at seed 1
    "mc.replications=200",
    "seed=1",
    "output.figures=false",
)
SLURM = (
    "hydra/launcher=slurm",
    f"hydra.launcher.partition={PARTITION}",
    "hydra.launcher.cpus_per_task=1",  # two array tasks at once on a 2-core node
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=5",
)
LIMIT_S = 150


def _why_no_cluster() -> str | None:
    """None when negsim's test cluster is up with a node that can take jobs; else the reason."""
    if shutil.which("sinfo") is None:
        return "no SLURM client here (`sinfo` is not on PATH)"
    config = subprocess.run(
        ["scontrol", "show", "config"], capture_output=True, text=True, timeout=30, check=False
    )
    if config.returncode != 0:
        return f"SLURM is not up (`scontrol show config`: {config.stderr.strip()[:300]})"
    name = next(
        (
            line.split("=", 1)[1].strip()
            for line in config.stdout.splitlines()
            if line.startswith("ClusterName")
        ),
        "?",
    )
    if name != CLUSTER:
        return (
            f"this SLURM is cluster {name!r}, not the test cluster {CLUSTER!r} that "
            "scripts/slurm-up.sh starts; the test submits to no other"
        )
    nodes = subprocess.run(
        ["sinfo", "-h", "-p", PARTITION, "-o", "%n %t"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    states = nodes.stdout.split()[1::2]
    if not {"idle", "mix"} & set(states):
        return f"no node of partition {PARTITION} can take jobs (`sinfo`: {nodes.stdout.strip()!r})"
    return None


@pytest.fixture
def cluster() -> None:
    reason = _why_no_cluster()
    if reason is None:
        return
    if os.environ.get("CI") == "true" and os.geteuid() == 0:
        pytest.fail(
            f"CI runs as root, where `make test` starts a single-node SLURM "
            f"(scripts/slurm-up.sh), yet {reason}"
        )
    pytest.skip(f"{reason}; as root, scripts/slurm-up.sh starts one (`make test` does)")


def _negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "negsim"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )


def _squeue(name: str) -> list[str]:
    done = subprocess.run(
        ["squeue", "-h", f"--name={name}", "-o", "%i %j %P %T %C %m %N"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout.splitlines()


def _run_watching_queue(args: list[str], cwd: Path, name: str):
    """Runs negsim while polling squeue for its jobs: (process, exit code, queue snapshots)."""
    proc = subprocess.Popen(
        [str(BIN / "negsim"), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    snapshots: list[tuple[float, list[str]]] = []
    start = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - start < LIMIT_S:
            rows = _squeue(name)
            if rows and (not snapshots or snapshots[-1][1] != rows):
                snapshots.append((time.monotonic() - start, rows))
            time.sleep(0.25)
        if proc.poll() is None:
            proc.kill()
            subprocess.run(["scancel", f"--name={name}"], check=False, timeout=30)
    finally:
        out, err = proc.communicate()
    return proc.returncode, out, err, snapshots


def test_slurm_sweep_runs_on_the_cluster_and_equals_joblib(tmp_path, cluster):
    name = f"negsim-test-{uuid.uuid4().hex[:8]}"  # this test's jobs in squeue, and no others
    code, out, err, snapshots = _run_watching_queue(
        ["-m", *SLURM, f"hydra.launcher.name={name}", *SWEEP, "hydra.sweep.dir=slurm"],
        tmp_path,
        name,
    )
    queue = "\n".join(f"t={t:5.2f}s\n  " + "\n  ".join(rows) for t, rows in snapshots)
    print(f"squeue while the sweep ran (JOBID NAME PARTITION STATE CPUS MEMORY NODE):\n{queue}")
    assert code == 0, f"exit {code}\n{err[-3000:]}\nqueue:\n{queue}"
    assert "2 jobs in sweep.parquet" in out, out
    # submitit's own warnings (this cluster keeps no accounting for sacct) come once each, as
    # negsim's "negsim: warning: submitit: ..." lines, not three times through its handlers.
    assert "submitit WARNING" not in out + err, err

    # One job array, in the partition; both its tasks were seen running (a pending array shows
    # as one row, `<id>_[0-1%2]`, until its tasks start).
    rows = [row.split() for _, rows in snapshots for row in rows]
    arrays = {row[0].split("_")[0] for row in rows}
    assert len(arrays) == 1 and all(row[2] == PARTITION for row in rows), queue
    (array,) = arrays
    assert {row[0] for row in rows if row[3] == "RUNNING"} == {f"{array}_0", f"{array}_1"}, queue
    # The sweep returns once the jobs' results are written; SLURM then lets the tasks go.
    left = _squeue(name)
    for _ in range(120):
        if not left:
            break
        time.sleep(0.25)
        left = _squeue(name)
    assert not left, f"jobs still in the queue 30 s after the sweep returned: {left}"
    for task in ("0", "1"):
        log = tmp_path / "slurm" / ".submitit" / f"{array}_{task}" / f"{array}_{task}_0_log.out"
        assert "Job completed successfully" in log.read_text(), log

    joblib = _negsim(
        "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SWEEP, "hydra.sweep.dir=joblib",
        cwd=tmp_path,
    )  # fmt: skip
    assert joblib.returncode == 0, joblib.stderr[-3000:]

    # Each point, replication by replication; the points differ, so a job given the other's
    # overrides or folder would show.
    tables = {
        (where, job): pd.read_parquet(tmp_path / where / job / "replications.parquet")
        for where in ("slurm", "joblib")
        for job in ("0", "1")
    }
    for job in ("0", "1"):
        pd.testing.assert_frame_equal(tables["slurm", job], tables["joblib", job], check_exact=True)
    assert tables["slurm", "0"]["agreement"].mean() != tables["slurm", "1"]["agreement"].mean()
    for table in ("sweep.parquet", "sweep_wide.parquet"):
        on_slurm, on_joblib = (
            pd.read_parquet(tmp_path / where / table).drop(columns="folder")
            for where in ("slurm", "joblib")
        )
        assert len(on_slurm) and on_slurm.columns.tolist() == on_joblib.columns.tolist()
        pd.testing.assert_frame_equal(on_slurm, on_joblib, check_exact=True)
