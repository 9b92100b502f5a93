"""How every command ends when something goes wrong: one line on the terminal, a known exit code.

Bad input is ``<prog>: error: ...`` and exit 2, also for argparse's own complaints
(:class:`ArgumentParser` prints no usage block). An exception that escapes a command is a bug:
:func:`guarded` prints one line pointing to the full traceback, saved in the run's log file or a
temporary file, and exits 1. Ctrl-C is one line and exit 130. A reader that stops early
(``negsim --help | head``) ends the command quietly with exit 141, as a shell reports SIGPIPE.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

F = TypeVar("F", bound=Callable[..., object])


class RunInterrupted(RuntimeError):
    """Ctrl-C during a run: the folder keeps its INCOMPLETE marker and gets no summary.json."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``<prog>: error: <problem>`` and exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def save_traceback(prog: str, exc: BaseException, log: Path | None = None) -> Path:
    """Append the full traceback to ``log`` (or a new temporary file) and return its path."""
    text = "".join(traceback.format_exception(exc))
    if log is not None:
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as file:
                file.write(f"\n{prog}: internal error\n{text}")
            return log
        except OSError:
            pass
    with tempfile.NamedTemporaryFile(
        "w", prefix=f"{prog}-crash-", suffix=".log", delete=False, encoding="utf-8"
    ) as file:
        file.write(text)
    return Path(file.name)


def bug_line(prog: str, exc: BaseException, log: Path) -> str:
    problem = str(exc).splitlines()[0] if str(exc) else ""
    what = f"{type(exc).__name__}: {problem}" if problem else type(exc).__name__
    return f"{prog}: internal error: {what} (full traceback in {log}); please report it"


def report_bug(prog: str, exc: BaseException, log: Path | None = None) -> NoReturn:
    print(bug_line(prog, exc, save_traceback(prog, exc, log)), file=sys.stderr)
    sys.exit(EXIT_BUG)


def guarded(prog: str) -> Callable[[F], F]:
    """Decorate a command's ``main``: no traceback ever reaches the terminal."""

    def decorate(main: F) -> F:
        @functools.wraps(main)
        def wrapper(*args, **kwargs):
            try:
                try:
                    return main(*args, **kwargs)
                finally:
                    sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            except KeyboardInterrupt:
                print(f"{prog}: interrupted", file=sys.stderr)
                sys.exit(EXIT_INTERRUPTED)
            except BrokenPipeError:
                # Python's advice: point stdout at devnull so the flush at exit cannot fail again.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(EXIT_BROKEN_PIPE)
            except Exception as exc:  # a bug: the last line of defence
                report_bug(prog, exc)

        return wrapper  # type: ignore[return-value]

    return decorate
