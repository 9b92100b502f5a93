"""Monte Carlo at scale (sim/montecarlo.py, sim/merge.py, sim/settings.py, sim/run.py): results do
not depend on batch size, workers or shards; target_se stops early; intervals cover at their
nominal rate; Ctrl-C and infeasible runs leave clear traces.

Interval coverage is checked on a case with a known answer: the Wilson (1927) score interval for a
rate and the Student (1908) t interval for a mean should each cover the true value in about 95%
of independent runs.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.cli import merge
from sim.core.catalogue import load_scenario, validate
from sim.core.rng import BLOCK_SIZE
from sim.engine.montecarlo import headline_columns, round_sums, simulate
from sim.engine.stats import TableMoments, t_interval, wilson_interval

ROOT = Path(__file__).resolve().parents[2]
NEGSIM = str(Path(sys.executable).with_name("negsim"))
NEGSIM_MERGE = str(Path(sys.executable).with_name("negsim-merge"))
QUIET = ("scenario=bench_bilateral", "output.figures=false")


def environment(**extra: str) -> dict[str, str]:
    """This environment without CI (which silences the progress bar), plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    return {**env, **extra}


def negsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEGSIM, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environment(),
    )


def one_line_error(done: subprocess.CompletedProcess, program: str = "negsim") -> str:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{program}: error: ")
    assert "Traceback" not in done.stderr + done.stdout
    return done.stderr


def table(scenario, n, seed, **kw) -> tuple[pd.DataFrame, object]:
    frames = []
    result = simulate(scenario, n, seed, on_batch=frames.append, **kw)
    return pd.concat(frames, ignore_index=True), result


@pytest.fixture(scope="module")
def bench():
    return load_scenario(ROOT / "scenarios" / "bench_bilateral.yaml")


# A compliance shock: which rounds a batch plays must not change what a replication sees.
SHOCKED = {
    "negotiation": {"rounds": 12, "sessions": 2, "disagreement": "reservation"},
    "issues": {"x": {"status_quo": 0.5, "implementer": "a"}},
    "agents": {
        name: {
            "reservation": 0.3,
            "compliance": 0.7,
            "strategy": {
                "name": "time_dependent",
                "params": {"e": {"dist": "uniform", "low": 0.2, "high": 5.0}},
            },
            "preferences": {"x": {"ideal": ideal, "salience": 1.0}},
        }
        for name, ideal in (("a", 1.0), ("b", 0.0))
    },
    "events": {
        "shock": {
            "hazard": 0.2,
            "duration": 1,
            "shifts": [{"agent": "a", "field": "compliance", "multiply": 0.0}],
        }
    },
}


# --- batch size and workers -------------------------------------------------------------------


@pytest.mark.parametrize("which", ["bench_bilateral", "compliance_shock"])
def test_batch_size_and_workers_do_not_change_any_replication(bench, which):
    scenario = bench if which == "bench_bilateral" else validate(copy.deepcopy(SHOCKED), "t.yaml")
    n = 3 * BLOCK_SIZE + 100  # several batches of one block, a partial last block
    one, first = table(scenario, n, 42, batch_blocks=1)
    assert first.replications == n and one["rep"].tolist() == list(range(n))
    for kw in ({"batch_blocks": 2, "workers": 2}, {"batch_blocks": 16}):
        other, result = table(scenario, n, 42, **kw)
        pd.testing.assert_frame_equal(other, one, obj=str(kw))
        for name in first.moments.columns:
            assert result.moments.estimate(name) == first.moments.estimate(name), (kw, name)


# --- target standard error --------------------------------------------------------------------

TARGET_SE = 3e-4  # bench_bilateral needs about 14 blocks for this


@pytest.fixture(scope="module")
def stopped_early(bench):
    return {
        cut: table(bench, 30_000, 3, target_se=TARGET_SE, batch_blocks=cut[0], workers=cut[1])
        for cut in ((1, 1), (4, 1), (3, 2))
    }


def test_target_se_stops_at_the_first_block_that_meets_it(bench, stopped_early):
    rows, result = stopped_early[(1, 1)]
    assert result.target_reached is True
    assert 4 * BLOCK_SIZE < result.replications < 30_000
    assert result.replications % BLOCK_SIZE == 0 and len(rows) == result.replications
    headline = headline_columns(bench)
    for name in headline:
        assert result.moments.estimate(name)["se"] <= TARGET_SE, name
    fewer = TableMoments()
    fewer.add(rows.iloc[: result.replications - BLOCK_SIZE])
    assert any(fewer.estimate(name)["se"] > TARGET_SE for name in headline)


def test_target_se_stops_at_the_same_replication_whatever_the_cut(stopped_early):
    rows, result = stopped_early[(1, 1)]
    for cut, (other_rows, other) in stopped_early.items():
        assert other.replications == result.replications, cut
        assert other.target_reached is True
        pd.testing.assert_frame_equal(other_rows, rows, obj=str(cut))
        for name in result.moments.columns:
            assert other.moments.estimate(name) == result.moments.estimate(name), (cut, name)


def test_a_target_se_out_of_reach_runs_every_replication(bench):
    result = simulate(bench, 2 * BLOCK_SIZE, 3, target_se=1e-6)
    assert result.target_reached is False and result.replications == 2 * BLOCK_SIZE


# --- interval coverage -------------------------------------------------------------------------

# One round: a insists on x = 1; b accepts only when its reservation is 0 (probability 0.7), so
# agreement ~ Bernoulli(0.7); a then implements with probability 0.5, so the number of broken
# commitments ~ Bernoulli(0.7 * 0.5).
COIN = {
    "negotiation": {"rounds": 1, "disagreement": "reservation"},
    "issues": {"x": {"status_quo": 0.0, "implementer": "a"}},
    "agents": {
        "a": {
            "reservation": 1.0,
            "compliance": 0.5,
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 1.0, "salience": 1.0}},
        },
        "b": {
            "reservation": {"dist": "choice", "values": [0.0, 0.5], "weights": [0.7, 0.3]},
            "strategy": "time_dependent",
            "preferences": {"x": {"ideal": 0.0, "salience": 1.0}},
        },
    },
}
AGREEMENT, BROKEN = 0.7, 0.35


def test_the_known_answer_is_right():
    scenario = validate(copy.deepcopy(COIN), "coin.yaml")
    rows, _ = table(scenario, 40_000, 1)
    assert rows["agreement"].dtype == bool  # a rate: the Wilson interval
    assert set(rows["broken_commitments"]) == {0, 1}
    assert (rows["broken_commitments"] <= rows["agreement"]).all()
    assert stats.binomtest(int(rows["agreement"].sum()), len(rows), AGREEMENT).pvalue > 0.001
    assert stats.binomtest(int(rows["broken_commitments"].sum()), len(rows), BROKEN).pvalue > 0.001


def test_intervals_match_their_textbook_formulas():
    for successes, n in ((0, 10), (3, 10), (140, 200), (200, 200)):
        reference = stats.binomtest(successes, n).proportion_ci(0.95, method="wilson")
        assert wilson_interval(successes, n) == pytest.approx((reference.low, reference.high))
    assert t_interval(0.35, 0.48, 200) == pytest.approx(
        stats.t.interval(0.95, 199, loc=0.35, scale=0.48 / np.sqrt(200))
    )


@pytest.mark.slow
def test_95_percent_intervals_cover_the_true_value_about_95_percent_of_the_time():
    """300 independent runs (seeds) of 200 replications: each covers with probability ~0.95, so
    the share covered lies in [0.92, 0.98] but for a 1-in-100 chance (Binomial(300, 0.95))."""
    scenario = validate(copy.deepcopy(COIN), "coin.yaml")
    covered = {"agreement": 0, "broken_commitments": 0}
    seeds = range(300)
    for seed in seeds:
        result = simulate(scenario, 200, seed)
        for name, truth in (("agreement", AGREEMENT), ("broken_commitments", BROKEN)):
            low, high = result.moments.estimate(name)["ci95"]
            covered[name] += low <= truth <= high
        rate = result.moments.estimate("agreement")
        assert rate["ci95"] == pytest.approx(list(wilson_interval(rate["estimate"] * 200, 200)))
    for name, count in covered.items():
        assert 0.92 <= count / len(seeds) <= 0.98, (name, count)


# --- the command line: shards, target_se, progress ---------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """Independent negsim runs, started together: a single run, its 3 shards, shard 0 of another
    seed, and a run with a target standard error; then the shards merged."""
    cwd = tmp_path_factory.mktemp("mc")
    sharded = (*QUIET, "mc.replications=2500", "mc.shards=3")
    commands = {
        "single": (*QUIET, "mc.replications=2500", "seed=5"),
        **{f"shard{i}": (*sharded, f"mc.shard={i}", "seed=5") for i in range(3)},
        "other_seed": (*sharded, "mc.shard=0", "seed=6"),
        "target": (*QUIET, "mc.replications=30000", f"mc.target_se={TARGET_SE}", "seed=3"),
    }
    started = {
        name: subprocess.Popen(
            [NEGSIM, *args, f"hydra.run.dir={name}"],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        for name, args in commands.items()
    }
    done = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=300)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        assert process.returncode == 0, (name, err)
    done["merged"] = subprocess.run(
        [NEGSIM_MERGE, "--out", "merged", "shard2", "shard0", "shard1"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return cwd, done


@pytest.mark.slow
def test_merged_shards_equal_the_single_run(runs):
    cwd, done = runs
    assert done["merged"].returncode == 0, done["merged"].stderr
    shards = [pd.read_parquet(cwd / f"shard{i}" / "replications.parquet") for i in range(3)]
    assert [len(s) for s in shards] == [1024, 1024, 452]  # whole blocks
    single = pd.read_parquet(cwd / "single" / "replications.parquet")
    merged = pd.read_parquet(cwd / "merged" / "replications.parquet")
    pd.testing.assert_frame_equal(merged, single)
    for name in ("trajectories.parquet", "sessions.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(cwd / "merged" / name), pd.read_parquet(cwd / "single" / name)
        )
    assert not (cwd / "merged" / "INCOMPLETE").exists()


def test_merged_summary_equals_the_single_runs_but_for_wall_time(runs):
    """``merged_shards`` is the merge's own mark; every other key is the single run's."""
    cwd, _ = runs
    single = json.loads((cwd / "single" / "summary.json").read_text())
    merged = json.loads((cwd / "merged" / "summary.json").read_text())
    assert merged.pop("merged_shards") == 3
    for summary in (single, merged):
        assert set(summary.pop("wall_time_s")) == {"simulation", "total"}
    assert merged == single


def test_merge_refuses_a_missing_shard(runs, tmp_path, capsys):
    cwd, _ = runs
    message = merge_error([cwd / "shard0", cwd / "shard2"], tmp_path / "out", capsys)
    assert "missing [1]" in message
    assert not (tmp_path / "out").exists()


def test_merge_refuses_a_shard_of_another_seed(runs, tmp_path, capsys):
    cwd, _ = runs
    shards = [cwd / "other_seed", cwd / "shard1", cwd / "shard2"]
    message = merge_error(shards, tmp_path / "out", capsys)
    assert ": seed: differs from " in message
    assert "5 vs 6" in message or "6 vs 5" in message
    assert not (tmp_path / "out").exists()


def test_merge_refuses_an_unfinished_shard(runs, tmp_path, capsys):
    cwd, _ = runs
    unfinished = tmp_path / "shard2"
    shutil.copytree(cwd / "shard2", unfinished)
    (unfinished / "summary.json").unlink()
    (unfinished / "INCOMPLETE").write_text("interrupted\n")
    message = merge_error([cwd / "shard0", cwd / "shard1", unfinished], tmp_path / "out", capsys)
    assert f"{unfinished}: <top level>: not a finished run (no summary.json)" in message
    assert not (tmp_path / "out").exists()


def merge_error(shards: list[Path], out: Path, capsys) -> str:
    """Run ``negsim-merge`` in this process (its console script calls ``sim.cli.merge.main``);
    expect exit 2 and one line on stderr."""
    with pytest.raises(SystemExit) as exited:
        merge.main(["--out", str(out), *map(str, shards)])
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.err.count("\n") == 1 and captured.err.startswith("negsim-merge: error: ")
    assert captured.out == ""
    return captured.err


def test_target_se_is_recorded_in_the_summary(runs, stopped_early):
    cwd, _ = runs
    summary = json.loads((cwd / "target" / "summary.json").read_text())
    assert summary["target_reached"] is True and summary["target_se"] == TARGET_SE
    _, result = stopped_early[(1, 1)]
    assert summary["replications"] == result.replications
    assert len(pd.read_parquet(cwd / "target" / "replications.parquet")) == result.replications


def test_no_progress_bar_without_a_terminal(runs):
    _, done = runs
    for name in ("single", "target"):
        assert "%|" not in done[name].stderr + done[name].stdout, name


def on_terminal(args: tuple[str, ...], cwd: Path, **env: str) -> tuple[int, str]:
    """Run negsim with stdout and stderr on a pseudo-terminal; its exit code and output."""
    controller, terminal = pty.openpty()
    # 24 rows of 100 columns: a terminal of size 0 would give a bar of width 0.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [NEGSIM, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=environment(**env),
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return process.wait(timeout=300), b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_progress_bar_on_a_terminal_unless_ci(tmp_path):
    """The control for the test above: on a terminal the bar shows, unless CI is set."""
    args = (*QUIET, "mc.replications=3000", "seed=1")
    with ThreadPoolExecutor(2) as pool:
        shown = pool.submit(on_terminal, (*args, "hydra.run.dir=shown"), tmp_path)
        ci = pool.submit(on_terminal, (*args, "hydra.run.dir=ci"), tmp_path, CI="true")
        (code, output), (ci_code, ci_output) = shown.result(), ci.result()
    assert code == 0 and ci_code == 0, output + ci_output
    assert "100%|" in output and "3000/3000" in output
    assert "%|" not in ci_output and "agreement rate" in ci_output


# --- refused and interrupted runs ---------------------------------------------------------------


@pytest.mark.slow
def test_a_sharded_run_needs_a_seed(tmp_path):
    done = negsim(*QUIET, "mc.shards=3", "mc.shard=1", cwd=tmp_path)
    assert "seed: a sharded run needs an explicit seed" in one_line_error(done)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_shard_with_no_replications_is_not_a_crash(tmp_path):
    """100 replications are one block, so shards 0 and 1 of 3 hold none: refuse them clearly
    (exit 2, one line) or write an empty run, but never end in a traceback."""
    done = negsim(
        *QUIET, "mc.replications=100", "mc.shards=3", "mc.shard=0", "seed=1", cwd=tmp_path
    )
    assert "Traceback" not in done.stderr and "Error executing job" not in done.stderr
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        one_line_error(done)


@pytest.mark.slow
def test_a_time_limit_that_cannot_be_met_is_refused_up_front(tmp_path):
    done = negsim("mc.replications=100000000", "mc.time_limit_s=1", cwd=tmp_path)
    message = one_line_error(done)
    assert "mc.replications: 100,000,000 replications would take about" in message
    assert "more than mc.time_limit_s=1 s allows" in message
    assert list(tmp_path.iterdir()) == []  # no results folder at all


@pytest.mark.slow
def test_ctrl_c_leaves_the_run_marked_incomplete(tmp_path):
    run_dir = tmp_path / "X"
    with (tmp_path / "out.txt").open("w") as out, (tmp_path / "err.txt").open("w") as err:
        process = subprocess.Popen(
            [NEGSIM, "mc.replications=3000000", "seed=1", f"hydra.run.dir={run_dir.name}"],
            cwd=tmp_path,
            stdout=out,
            stderr=err,
            env=environment(),
        )
        try:
            deadline = time.monotonic() + 60
            # config.yaml is written after run.json, just before the simulation starts.
            while not (run_dir / "config.yaml").exists():
                assert process.poll() is None, (tmp_path / "err.txt").read_text()
                assert time.monotonic() < deadline, "the run never started"
                time.sleep(0.05)
            assert (run_dir / "run.json").exists()
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    stderr = (tmp_path / "err.txt").read_text()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "negsim: interrupted; X is marked INCOMPLETE"
    names = {p.name for p in run_dir.iterdir()}
    assert "INCOMPLETE" in names
    assert "summary.json" not in names and "replications.parquet" not in names
    assert not [name for name in names if name.endswith(".tmp")]  # no half-written table left


def test_target_se_does_not_stop_on_a_certain_first_block():
    """Regression: a rate of exactly 1 has standard error 0, which stopped runs after one block;
    the Wilson half-width counts too."""
    from sim.core.catalogue import load_scenario

    scenario = load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "split_the_pie.yaml"
    )
    result = simulate(scenario, 50_000, 1, target_se=0.0005)
    assert result.moments.estimate("agreement")["estimate"] == 1.0
    assert result.replications > 1024


def test_a_finished_batch_frees_its_model_without_garbage_collection():
    """No reference cycle holds a batch's model (``sim.core._mesa``), so memory does not pile
    up between the rare full garbage collections of a long run (it grew with replications:
    460 MiB at 10^6)."""
    import gc

    from sim.core.agents import StateAgent
    from sim.core.model import NegotiationModel

    scenario = load_scenario(ROOT / "scenarios" / "tactical_pause.yaml")  # pressures: two models

    def models() -> set[int]:
        kinds = (NegotiationModel, StateAgent)
        return {id(o) for o in gc.get_objects() if isinstance(o, kinds)}

    gc.collect()
    before = models()  # held by other tests' fixtures in this process, if any
    gc.disable()
    try:
        simulate(scenario, 3 * 1024, 1, batch_blocks=1)
        alive = models() - before
    finally:
        gc.enable()
    assert alive == set()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3 * BLOCK_SIZE + 7),
    st.integers(1, 400),
    st.floats(0.0, 0.3),
    st.integers(0, 2**32 - 1),
)
def test_round_sums_of_a_float32_path_are_those_of_its_float64_copy(n, steps, nan_share, seed):
    """The paths are kept in float32 and summed in float64 without a float64 copy: the same
    numbers as summing the copy, NaN or none, whatever the shape."""
    rng = np.random.default_rng(seed)
    path = rng.random((n, steps)) * np.exp2(rng.integers(-30, 3, (n, steps)))
    path[rng.random((n, steps)) < nan_share] = np.nan
    path = path.astype(np.float32)
    ours = round_sums({"p": path})["p"]
    theirs = round_sums({"p": path.astype(float)})["p"]
    assert len(ours) == len(theirs)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(ours, theirs, strict=True))
