"""Shared fixtures. Also: a run that collects no tests fails instead of exiting 5."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.core.catalogue import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def us_china():
    return load_scenario(SCENARIOS / "us_china_2024.yaml")


@pytest.fixture(scope="session")
def split_the_pie():
    return load_scenario(SCENARIOS / "split_the_pie.yaml")
