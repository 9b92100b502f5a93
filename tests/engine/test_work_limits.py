"""The work a scenario implies is checked against limits and memory before anything is allocated."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim.core.rng import BLOCK_SIZE
from sim.engine.settings import MAX_RUN_ROUNDS, RunSettings, batch_bytes, check_work
from sim.scenario.errors import ScenarioError

GB = 10**9


def with_rounds(scenario, sessions, rounds):
    negotiation = replace(scenario.negotiation, sessions=sessions, rounds=rounds)
    return replace(scenario, negotiation=negotiation)


def test_a_run_of_more_rounds_than_negsim_plays_is_refused_with_the_numbers(split_the_pie):
    scenario = with_rounds(split_the_pie, 1000, 99)
    with pytest.raises(ScenarioError) as info:
        check_work(scenario, RunSettings(replications=10), free=100 * GB)
    assert info.value.path == "negotiation.rounds"
    assert info.value.problem == (
        f"1,000 sessions x 99 rounds = 99,000 rounds per replication, more than negsim plays "
        f"({MAX_RUN_ROUNDS:,})"
    )
    check_work(
        with_rounds(split_the_pie, 1, MAX_RUN_ROUNDS), RunSettings(replications=10), 100 * GB
    )


def test_a_batch_too_large_for_memory_blames_the_batch_setting(split_the_pie):
    scenario = with_rounds(split_the_pie, 1, 5000)
    settings = RunSettings(replications=10**6, batch_blocks=1000)
    need = batch_bytes(scenario, 10**6, settings.trace_replications)
    with pytest.raises(ScenarioError) as info:
        check_work(scenario, settings, free=int(need))  # only half of it may be used
    assert info.value.path == "mc.batch_blocks"
    assert "1 worker x 1,000,000 replications of 2 agents x 1 issue x 5,000 rounds" in str(
        info.value
    )
    assert "lower mc.batch_blocks or mc.workers" in str(info.value)
    check_work(scenario, settings, free=int(2 * need) + 1)


def test_a_scenario_too_large_for_one_block_blames_the_scenario(split_the_pie):
    settings = RunSettings(replications=BLOCK_SIZE)
    with pytest.raises(ScenarioError) as info:
        check_work(split_the_pie, settings, free=1000)
    assert info.value.source == split_the_pie.source
    assert "needs about" in info.value.problem and "for one block of 1,024 replications" in (
        info.value.problem
    )


def test_memory_grows_with_every_dimension(us_china):
    base = batch_bytes(us_china, 100)
    assert batch_bytes(us_china, 200) == pytest.approx(2 * base)
    assert batch_bytes(with_rounds(us_china, 8, 12), 100) > base
    assert batch_bytes(us_china, 100, traced=20) > base


def test_only_replications_that_exist_count_toward_memory(split_the_pie):
    """Regression: a huge trace_replications or more workers than batches was blamed on
    mc.batch_blocks, though only the first batch is traced and idle workers hold nothing."""
    settings = RunSettings(replications=1000, trace_replications=10**8, workers=1000)
    check_work(split_the_pie, settings, free=10 * GB)


def test_events_times_rounds_are_limited(us_china):
    """Regression: 5,000 random events over 1,000 rounds hung for minutes (each event's clock is
    advanced every round)."""
    many = replace(us_china, events=us_china.events * 20_000)
    with pytest.raises(ScenarioError) as info:
        check_work(many, RunSettings(replications=10), free=100 * GB)
    assert info.value.path == "events"
    assert "event-rounds, more than negsim plays (200,000)" in info.value.problem
    check_work(us_china, RunSettings(replications=10), free=100 * GB)
