"""A run's folder: files written atomically, an INCOMPLETE marker until the run finishes.

``summary.json`` is written last, so its presence means the run finished; a folder that holds
one is never written into again. A run starts only in a new or empty folder (the command's own
log may be there already): a folder holding an unfinished run (its INCOMPLETE marker) is refused,
unless the caller asks to discard it (a sweep job run again on resume), and then says so.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and pyarrow load when a table is written, not when a command starts
    import pandas as pd
    import pyarrow.parquet as pq


INCOMPLETE = "INCOMPLETE"
_UMASK = os.umask(0)
os.umask(_UMASK)
SUMMARY = "summary.json"


class RunFolderExists(RuntimeError):
    pass


def shown(path: Path) -> str:
    """``path`` as people see it in messages: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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
        import pyarrow as pa
        import pyarrow.parquet as pq

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
    """``keep``: names that may already be in the folder (the command's log, a FAILED marker an
    earlier attempt in a sweep left); ``discard_unfinished``: remove an unfinished run's files
    instead of refusing the folder (``discarded`` then lists them)."""

    def __init__(self, path: Path, keep: tuple[str, ...] = (), discard_unfinished: bool = False):
        self.path = Path(path)
        self.discarded: list[str] = []
        found = sorted(p.name for p in self.path.iterdir()) if self.path.is_dir() else []
        if SUMMARY in found:
            raise RunFolderExists(
                f"{shown(self.path)} already holds a finished run; choose another folder"
            )
        leftovers = [name for name in found if name not in (*keep, "FAILED")]
        if INCOMPLETE in found and discard_unfinished:
            for name in leftovers:
                _remove(self.path / name)
            self.discarded = leftovers
        elif INCOMPLETE in found:
            raise RunFolderExists(
                f"{shown(self.path)} holds an unfinished run (marked INCOMPLETE); delete it or choose "
                "another folder"
            )
        elif leftovers:
            raise RunFolderExists(
                f"{shown(self.path)} is not empty ({', '.join(leftovers[:3])}"
                f"{', ...' if len(leftovers) > 3 else ''}); a run starts only in a new or empty "
                "folder"
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


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            _remove(child)
        path.rmdir()
    else:
        path.unlink()


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
