"""A run's folder: atomic writes, the INCOMPLETE marker until summary.json, never overwritten."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from sim.outputs import folder as folder_module
from sim.outputs.folder import (
    INCOMPLETE,
    SUMMARY,
    ParquetStream,
    RunFolder,
    RunFolderExists,
    discard_unstarted,
    write_parquet,
)


def leftovers(path):
    return sorted(p.name for p in path.iterdir() if p.name.startswith("."))


def test_a_new_folder_is_marked_incomplete_until_it_finishes(tmp_path):
    run = RunFolder(tmp_path / "run")
    assert "not finished" in (run.path / INCOMPLETE).read_text()
    assert not (run.path / SUMMARY).exists()
    run.finish({"replications": 3})
    assert not (run.path / INCOMPLETE).exists()
    assert (run.path / SUMMARY).read_text() == '{\n  "replications": 3\n}\n'


def test_a_finished_folder_is_never_written_into_again(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.write_text("report.md", "first")
    run.finish({"ok": True})
    with pytest.raises(RunFolderExists, match="already holds a finished run; choose another"):
        RunFolder(tmp_path / "run")
    assert (tmp_path / "run" / "report.md").read_text() == "first"
    assert not (tmp_path / "run" / INCOMPLETE).exists()


def test_a_failed_marker_is_cleared_and_the_log_kept(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "FAILED").write_text("bad input")
    (tmp_path / "run" / "negsim.log").write_text("earlier attempt\n")
    run = RunFolder(tmp_path / "run", keep=("negsim.log",))
    assert not (run.path / "FAILED").exists()
    assert (run.path / INCOMPLETE).exists()
    assert (run.path / "negsim.log").read_text() == "earlier attempt\n"


def unfinished(path):
    path.mkdir()
    (path / INCOMPLETE).write_text("")
    (path / "run.json").write_text("{}")
    (path / ".replications.parquet.123.tmp").write_bytes(b"half")
    (path / "figures").mkdir()
    (path / "negsim.log").write_text("killed\n")


def test_an_unfinished_run_is_never_reused_silently(tmp_path):
    unfinished(tmp_path / "run")
    with pytest.raises(RunFolderExists, match="holds an unfinished run \\(marked INCOMPLETE\\)"):
        RunFolder(tmp_path / "run", keep=("negsim.log",))
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        ".replications.parquet.123.tmp",
        INCOMPLETE,
        "figures",
        "negsim.log",
        "run.json",
    ]


def test_an_unfinished_run_can_be_discarded_and_says_what_went(tmp_path):
    unfinished(tmp_path / "run")
    run = RunFolder(tmp_path / "run", keep=("negsim.log",), discard_unfinished=True)
    assert run.discarded == [".replications.parquet.123.tmp", INCOMPLETE, "figures", "run.json"]
    assert sorted(p.name for p in run.path.iterdir()) == [INCOMPLETE, "negsim.log"]


def test_a_run_starts_only_in_a_new_or_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderExists, match=r"is not empty \(notes.txt\)"):
        RunFolder(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert RunFolder(tmp_path / "new").discarded == []


def test_writes_replace_files_whole_with_the_usual_permissions(tmp_path):
    run = RunFolder(tmp_path / "run")
    path = run.write_text("report.md", "old")
    run.write_text("report.md", "new — ünïcode")
    assert path.read_text(encoding="utf-8") == "new — ünïcode"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(run.path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    run = RunFolder(tmp_path / "run")
    run.write_text("report.md", "old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(folder_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        run.write_text("report.md", "new")
    assert (run.path / "report.md").read_text() == "old"
    assert leftovers(run.path) == []


def test_json_without_nan(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.write_json("a.json", {"x": [1, 2.5, None]})
    assert json.loads((run.path / "a.json").read_text()) == {"x": [1, 2.5, None]}
    with pytest.raises(ValueError):
        run.write_json("b.json", {"x": float("nan")})
    assert not (run.path / "b.json").exists()


def test_a_parquet_stream_appears_only_when_closed(tmp_path):
    path = tmp_path / "table.parquet"
    stream = ParquetStream(path)
    stream.write(pd.DataFrame({"rep": [0, 1], "x": [0.5, 1.5]}))
    stream.write(pd.DataFrame({"rep": [2], "x": [2.5]}))
    assert not path.exists()
    stream.close()
    pd.testing.assert_frame_equal(
        pd.read_parquet(path), pd.DataFrame({"rep": [0, 1, 2], "x": [0.5, 1.5, 2.5]})
    )
    assert leftovers(tmp_path) == []


def test_an_aborted_stream_leaves_nothing(tmp_path):
    stream = ParquetStream(tmp_path / "table.parquet")
    stream.write(pd.DataFrame({"x": [1.0]}))
    stream.abort()
    assert list(tmp_path.iterdir()) == []


def test_write_parquet_round_trips(tmp_path):
    table = pd.DataFrame({"metric": ["a", "b"], "estimate": [0.25, float("nan")]})
    pd.testing.assert_frame_equal(
        pd.read_parquet(write_parquet(tmp_path / "t.parquet", table)), table
    )


def test_discard_unstarted_removes_only_what_hydra_made_for_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    unstarted = tmp_path / "results" / "pie" / "2024-01-01"
    unstarted.mkdir(parents=True)
    (unstarted / "negsim.log").write_text("")
    (tmp_path / "results" / "keep.txt").write_text("other results")
    discard_unstarted(unstarted, "negsim.log")
    assert not (tmp_path / "results" / "pie").exists()
    assert (tmp_path / "results" / "keep.txt").exists()


def test_discard_unstarted_keeps_a_folder_with_anything_in_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = tmp_path / "run"
    started.mkdir()
    (started / "negsim.log").write_text("something was logged\n")
    discard_unstarted(started, "negsim.log")
    assert (started / "negsim.log").exists()
