"""Drawing stays in the output layer: simulating and computing the numbers never imports
matplotlib, so a worker process or a sensitivity run does not pay for it (and the engine cannot
start drawing by accident)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "sim.engine.montecarlo",
        "sim.theory.comparison",
        "sim.analysis.pause",
        "sim.sensitivity.evaluation",
        "sim.outputs.report",  # the words: a run without figures never loads matplotlib
        "sim.cli.run",
    ],
)
@pytest.mark.slow
def test_numbers_do_not_import_matplotlib(module):
    code = (
        f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('matplotlib')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
