"""A vectorised sweep's engine: points side by side as tiles of one model give each point exactly
what ``simulate`` gives it alone with the same seed (table, trace, estimates, per-round sums)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
from sim.engine.montecarlo import simulate, simulate_points, tile_groups
from sim.scenario.distributions import Beta, PerTile, Uniform
from sim.scenario.parameters import with_value
from sim.scenario.shipped import shipped_folder
from sim.scenario.stacking import NotStackable, batch_key, stack

SCENARIOS = shipped_folder("scenarios")


def scenario(name: str):
    return load_scenario(SCENARIOS / f"{name}.yaml")


def with_event(s, event: int, shift: int, **change):
    ev = s.events[event]
    shifts = tuple(replace(x, **change) if i == shift else x for i, x in enumerate(ev.shifts))
    events = tuple(replace(ev, shifts=shifts) if i == event else e for i, e in enumerate(s.events))
    return replace(s, events=events)


def with_pressure(s, name: str, **change):
    return replace(
        s, pressures=tuple(replace(p, **change) if p.name == name else p for p in s.pressures)
    )


def us_china_grid():
    """A distribution parameter, an event parameter and a strategy parameter."""
    base = scenario("us_china_2024")
    points = []
    for reservation in (Uniform(0.25, 0.35), Uniform(0.25, 0.45), 0.3):
        for e in (0.5, 0.9):
            for add in (0.05, 0.2):
                s = with_value(base, "agents.china.reservation", reservation)
                s = with_value(s, "agents.us.strategy.params.e", e)
                points.append(with_event(s, 0, 0, add=add))
    return points


def tactical_pause_grid():
    """Pressure numbers, an event hazard and a drawn salience."""
    base = scenario("tactical_pause")
    points = []
    for concession in (1.0, 2.0):
        for sigma in (0.05, 0.15):
            s = with_pressure(base, "economic", concession=concession)
            points.append(with_pressure(s, "hawkishness", ar1_sigma=sigma))
    points.append(with_value(base, "agents.us.preferences.taiwan.salience", Beta(2, 5)))
    return points


def trilateral_grid():
    """Many sides and the single-text mediator, annealing (its random streams too)."""
    base = scenario("fentanyl_trilateral")
    negotiation = base.negotiation
    mediator = replace(negotiation.mediator, rule="anneal")
    base = replace(base, negotiation=replace(negotiation, mediator=mediator))
    name = base.agents[0].name
    issue = base.issue_names[0]
    low, high = base.agents[0].red_line(issue)
    return [
        with_value(base, f"agents.{name}.reservation", r) for r in (0.1, 0.2, Uniform(0.1, 0.3))
    ] + [with_value(base, f"agents.{name}.preferences.{issue}.ideal", min(high, low + 0.3))]


def run_alone(s, replications, seed, **kwargs):
    parts = []
    result = simulate(s, replications, seed, on_batch=parts.append, **kwargs)
    return result, pd.concat(parts, ignore_index=True)


def assert_same(alone, table, together, together_table):
    pd.testing.assert_frame_equal(table, together_table, check_exact=True)
    pd.testing.assert_frame_equal(alone.offers, together.offers, check_exact=True)
    pd.testing.assert_frame_equal(alone.sessions, together.sessions, check_exact=True)
    assert alone.replications == together.replications
    assert alone.target_reached == together.target_reached
    for name in ("agreement", "rounds_to_agreement"):
        assert alone.moments.estimate(name) == together.moments.estimate(name)
    assert alone.rounds.keys() == together.rounds.keys()
    for name, sums in alone.rounds.items():
        np.testing.assert_array_equal(sums, together.rounds[name])


@pytest.mark.parametrize(
    ("grid", "replications", "batch_blocks"),
    [(us_china_grid, 300, 2), (tactical_pause_grid, 1500, 2), (trilateral_grid, 200, 1)],
)
def test_each_point_equals_its_run_alone(grid, replications, batch_blocks):
    points = grid()
    parts = [[] for _ in points]
    together = simulate_points(
        points,
        replications,
        11,
        trace=4,
        batch_blocks=batch_blocks,
        on_batch=[p.append for p in parts],
    )
    for p, s in enumerate(points):
        alone, table = run_alone(s, replications, 11, trace=4, batch_blocks=batch_blocks)
        assert_same(alone, table, together[p], pd.concat(parts[p], ignore_index=True))


def test_target_se_stops_each_point_where_it_stops_alone():
    points = us_china_grid()[:4]
    together = simulate_points(points, 6000, 3, batch_blocks=2, target_se=0.012)
    for p, s in enumerate(points):
        alone, _ = run_alone(s, 6000, 3, batch_blocks=2, target_se=0.012)
        assert together[p].replications == alone.replications
        assert together[p].moments.estimate("agreement") == alone.moments.estimate("agreement")


def test_workers_change_nothing():
    points = us_china_grid()[:3]
    one = simulate_points(points, 600, 5, batch_blocks=1)
    two = simulate_points(points, 600, 5, batch_blocks=1, workers=2)
    for a, b in zip(one, two, strict=True):
        assert a.moments.estimate("agreement") == b.moments.estimate("agreement")


def test_tiles_fill_a_batch_as_evenly_as_possible():
    assert tile_groups(list(range(50)), 8) == [
        list(range(0, 8)),
        *[list(range(8 + 7 * k, 15 + 7 * k)) for k in range(6)],
    ]
    assert tile_groups([3, 4], 1) == [[3], [4]]
    assert tile_groups([], 4) == []


def test_stack_gives_differing_numbers_per_tile_and_refuses_the_rest():
    base = scenario("us_china_2024")
    a = with_value(base, "agents.china.reservation", 0.3)
    b = with_value(base, "agents.china.reservation", Uniform(0.2, 0.4))
    stacked = stack([a, b])
    assert stacked.agent("china").reservation == PerTile((0.3, Uniform(0.2, 0.4)))
    assert stacked.agent("us") == base.agent("us")
    assert batch_key(a) == batch_key(b)
    rounds = replace(
        base, negotiation=replace(base.negotiation, rounds=base.negotiation.rounds + 1)
    )
    assert batch_key(rounds) != batch_key(base)
    with pytest.raises(NotStackable, match="negotiation.rounds"):
        stack([base, rounds])


def test_a_tiled_model_is_its_tiles_side_by_side():
    base = scenario("split_the_pie")
    name = base.agents[0].name
    points = [with_value(base, f"agents.{name}.reservation", r) for r in (0.1, 0.2, 0.3)]
    tiled = NegotiationModel(stack(points), 50, 2, tiles=3).run().outcomes()
    for p, s in enumerate(points):
        alone = NegotiationModel(s, 50, 2).run().outcomes()
        for column, values in alone.items():
            np.testing.assert_array_equal(values, tiled[column][p * 50 : (p + 1) * 50])
