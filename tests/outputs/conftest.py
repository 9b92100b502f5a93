"""Tiny seeded runs (50 replications, 3 traced) for the output modules' unit tests, and a way to
look at a figure after it was saved."""

from __future__ import annotations

from pathlib import Path

import matplotlib.figure
import pytest

from sim.analysis.pause import rounds_table
from sim.core.catalogue import load_scenario
from sim.engine.montecarlo import simulate
from sim.outputs.figures import FinishedRun
from sim.outputs.summary import summarise

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def finished_run(name: str, replications: int = 50, seed: int = 1) -> FinishedRun:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    result = simulate(scenario, replications, seed, trace=3)
    rounds = rounds_table(scenario, result.rounds or {})
    summary = summarise(scenario, result, scenario.negotiation.protocol, rounds)
    return FinishedRun(scenario, result, summary, rounds)


@pytest.fixture(scope="session")
def pie_run() -> FinishedRun:
    """split_the_pie: one issue, no pressures; every replication agrees on 0.5."""
    return finished_run("split_the_pie")


@pytest.fixture(scope="session")
def pause_run() -> FinishedRun:
    """tactical_pause: pressures, a misreading observer, red lines, two sessions."""
    return finished_run("tactical_pause")


@pytest.fixture(scope="session")
def us_china_run() -> FinishedRun:
    """us_china_2024: six issues, red lines on both sides, a random and a scheduled event."""
    return finished_run("us_china_2024")


@pytest.fixture
def drawn(monkeypatch) -> list[matplotlib.figure.Figure]:
    """Every figure saved while the test runs, still open for inspection."""
    figures: list[matplotlib.figure.Figure] = []
    savefig = matplotlib.figure.Figure.savefig

    def keep(fig, *args, **kwargs):
        figures.append(fig)
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    return figures


@pytest.fixture(scope="session")
def make_run():
    """``finished_run`` for tests that need a run of their own size or seed."""
    return finished_run


CORE_DATA = Path(__file__).resolve().parents[1] / "core" / "data"


def scenario_run(scenario, replications: int = 50, seed: int = 1) -> FinishedRun:
    result = simulate(scenario, replications, seed, trace=3)
    rounds = rounds_table(scenario, result.rounds or {})
    summary = summarise(scenario, result, scenario.negotiation.protocol, rounds)
    return FinishedRun(scenario, result, summary, rounds, animation=True)


@pytest.fixture(scope="session")
def three_run() -> FinishedRun:
    """three_states: three sides, stacked alternating offers, unanimity."""
    return scenario_run(load_scenario(CORE_DATA / "three_states.yaml"))


@pytest.fixture(scope="session")
def council_run() -> FinishedRun:
    """three_states_council: the mediator's single text, a qualified majority with a veto."""
    return scenario_run(load_scenario(CORE_DATA / "three_states_council.yaml"))
