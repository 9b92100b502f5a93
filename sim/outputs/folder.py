"""A run's folder: files written atomically, an INCOMPLETE marker until the run finishes.

``summary.json`` is written last, so its presence means the run finished; a folder that holds
one is never written into again.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

INCOMPLETE = "INCOMPLETE"
_UMASK = os.umask(0)
os.umask(_UMASK)
SUMMARY = "summary.json"


class RunFolderExists(RuntimeError):
    pass


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ParquetStream:
    """Append tables to a Parquet file that appears under its name only when closed."""

    def __init__(self, path: Path):
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pd.DataFrame) -> None:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, arrow.schema, compression="zstd")
        self._writer.write_table(arrow)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def write_parquet(path: Path, table: pd.DataFrame) -> Path:
    """Write ``table`` to ``path`` atomically."""
    stream = ParquetStream(path)
    stream.write(table)
    stream.close()
    return path


class RunFolder:
    def __init__(self, path: Path):
        self.path = Path(path)
        if (self.path / SUMMARY).exists():
            raise RunFolderExists(
                f"{self.path} already holds a finished run; choose another folder"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "FAILED").unlink(missing_ok=True)  # left by an earlier attempt in a sweep
        (self.path / INCOMPLETE).write_text(
            "This run has not finished (or was interrupted); its files are not results.\n"
        )

    def file(self, name: str) -> Path:
        return self.path / name

    def write_bytes(self, name: str, data: bytes) -> Path:
        _atomic_write(self.path / name, data)
        return self.path / name

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, data: Any) -> Path:
        return self.write_text(name, json.dumps(data, indent=2, allow_nan=False) + "\n")

    def write_parquet(self, name: str, table: pd.DataFrame) -> Path:
        return write_parquet(self.path / name, table)

    def finish(self, summary: dict) -> None:
        """Drop the INCOMPLETE marker, then write ``summary.json`` last (atomically): a folder is
        finished exactly when it holds ``summary.json``."""
        (self.path / INCOMPLETE).unlink(missing_ok=True)
        self.write_json(SUMMARY, summary)


def discard_unstarted(path: Path, log_name: str | None = None) -> None:
    """Remove what Hydra made for a run that never started (bad input): an empty log file and
    the folders it created. Never removes anything else."""
    path = Path(path)
    log = path / log_name if log_name else None
    if log is not None and log.is_file() and log.stat().st_size == 0:
        log.unlink()
    cwd = Path.cwd().resolve()
    for folder in (path.resolve(), *path.resolve().parents):
        if folder == cwd or cwd.is_relative_to(folder):
            break
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            break
