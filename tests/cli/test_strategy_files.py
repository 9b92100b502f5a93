"""Strategy files (``negsim-tournament --strategy-file``) in this process: only files that register
nothing, so the registries stay as they were (the ones that join run in subprocesses:
tests/cli/test_tournament.py); and the docs quote the example file as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.strategy_files import StrategyFileError, load_strategy_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "my_strategy.py"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 1\n", "registers nothing; decorate a Strategy subclass with @register"),
        ("def f(:\n", ":1: syntax error"),
        ("import no_such_module_here\n", ":1: importing it failed: ModuleNotFoundError"),
        (
            "from sim.core.strategies.base import Strategy, register\n\n\n"
            "@register\nclass Clash(Strategy):\n    name = 'time_dependent'\n",
            ":4: importing it failed: ValueError: strategy name 'time_dependent' is registered "
            "twice: a built-in or another file has that name; choose another",
        ),
    ],
)
def test_strategy_file_errors_are_one_line(tmp_path, text, expected):
    path = tmp_path / "student.py"
    path.write_text(text)
    with pytest.raises(StrategyFileError) as caught:
        load_strategy_file(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_a_strategy_file_must_exist_and_be_python(tmp_path):
    with pytest.raises(StrategyFileError, match="no such file"):
        load_strategy_file(tmp_path / "missing.py")
    (tmp_path / "agent.txt").write_text("x = 1\n")
    with pytest.raises(StrategyFileError, match="ending in .py"):
        load_strategy_file(tmp_path / "agent.txt")


def test_the_docs_quote_the_example_strategy_file():
    docs = (ROOT / "docs" / "tournament.md").read_text()
    code = EXAMPLE.read_text().split('"""\n\n', 1)[1]
    assert f"```python\n{code}```" in docs
