"""Golden reports: report.md of small seeded runs, word for word, and the console summary's
estimates written exactly as the report writes them.

The numbers come from seeded runs and do not change unless the model does; the words change when
we mean them to. After an intended change of wording, regenerate with
``REGENERATE_GOLDEN=1 pytest tests/outputs/test_golden_reports.py`` and read the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sim.cli.run import console_summary
from sim.outputs.narrative import narrative
from sim.outputs.report import write_report

GOLDEN = Path(__file__).parent / "golden"
CASES = [("split_the_pie", 200, 7), ("tactical_pause", 200, 7)]


@pytest.fixture(scope="module", params=CASES, ids=[name for name, _, _ in CASES])
def case(request, make_run):
    name, replications, seed = request.param
    return name, replications, seed, make_run(name, replications, seed)


def _check(path: Path, text: str) -> None:
    assert "(s)" not in text  # "1 session", "5 sessions"
    if os.environ.get("REGENERATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_golden_report(case):
    name, replications, seed, run = case
    text = write_report(run.scenario, run.summary, run.result.sessions, wall_s=1.0)
    _check(GOLDEN / f"{name}__{replications}reps__seed{seed}.report.md", text)


def test_golden_narrative(case):
    name, replications, seed, run = case
    text = narrative(run.scenario, run.result.offers, run.result.sessions)
    _check(GOLDEN / f"{name}__{replications}reps__seed{seed}.narrative.md", text)


def test_the_console_shows_the_reports_numbers_to_the_same_precision(case):
    _, _, _, run = case
    summary = {**run.summary, "wall_time_s": {"simulation": 1.0, "total": 2.0}}
    report = write_report(run.scenario, summary, run.result.sessions, wall_s=1.0)
    console = console_summary(run.scenario, summary, Path("results/x"))
    estimates = [
        re.sub(r"\s+", " ", line.split(maxsplit=2)[-1])
        for line in console.splitlines()
        if "95% CI" in line
    ]
    ratifiers = any(agent.domestic is not None for agent in run.scenario.agents)
    assert len(estimates) == 2 + len(run.scenario.agents) + ratifiers  # + rejected at home
    for estimate in estimates:
        number = estimate.split(" (95% CI")[0].split()[-1]
        interval = estimate[estimate.index("(95% CI") :]
        assert f"{number} {interval}" in report, estimate
