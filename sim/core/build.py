"""From a scenario to the numbers a run starts from: parameter draws, state agents and who
proposes first.

Parameters are drawn in a fixed order (the model's constructor keeps it: status quo, agents,
trust, then events), each scenario number from the batch's block streams, so a replication's
numbers do not depend on the batch it runs in (see :mod:`sim.core.rng`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.core import rowwise
from sim.core.acceptance.base import get_acceptance
from sim.core.agents import StateAgent
from sim.core.domestic import Commitments
from sim.core.lineup import MixedAcceptance, MixedModel, MixedStrategy, seats
from sim.core.opponents.base import get_opponent_model
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.core.rng import Streams
from sim.core.strategies.base import get_strategy
from sim.scenario.distributions import Distribution, PerReplication, PerTile
from sim.scenario.spec import AgentSpec, Scenario, StrategyChoice, Value

Draw = Callable[[Value], np.ndarray]


def draw(value: Value | PerTile, streams: Streams, start: int, n: int) -> np.ndarray:
    """(R,) values of a scenario number for replications ``[start, start + n / tiles)`` in each
    tile of the batch (one tile but in a vectorised sweep): constant, drawn per replication,
    given per replication (a sensitivity sample), or given per tile (a sweep's points), each
    tile's drawn from its own streams."""
    if isinstance(value, PerTile):
        return np.concatenate(
            [
                draw(v, tile, start, tile.size)
                for v, tile in zip(value.values, streams.tiles, strict=True)
            ]
        )
    if isinstance(value, Distribution):
        return streams.draw(value.sample).astype(float)
    if isinstance(value, PerReplication):
        return np.concatenate([value.take(start, tile.size) for tile in streams.tiles])
    return np.full(n, float(value))


def status_quo(scenario: Scenario, draw: Draw) -> np.ndarray:
    """(R, I) the status quo before the talks."""
    return np.stack([draw(issue.status_quo) for issue in scenario.issues], axis=1)


def state_agent(model, spec: AgentSpec, scenario: Scenario, draw: Draw) -> StateAgent:
    """One agent, its parameters drawn in a fixed order: ideals, saliences, risk, reservation,
    discount, compliance, strategy parameters, initial trust."""
    issues = scenario.issue_names

    def vector(values: dict[str, Value]) -> np.ndarray:
        row = [values[issue] for issue in issues]
        if all(isinstance(value, int | float) for value in row):  # fixed: nothing is drawn
            return np.full((model.n, len(row)), row, dtype=float)
        return np.stack([draw(value) for value in row], axis=1)

    ideal = vector(spec.ideal)
    weight = vector(spec.salience)
    total = rowwise.sum_(weight)[:, None]
    # A replication that drew all-zero saliences weighs its issues equally.
    salience = np.divide(
        weight, total, out=np.full_like(weight, 1 / weight.shape[1]), where=total > 0
    )
    risk = draw(spec.risk)
    reservation = draw(spec.reservation)
    discount = draw(spec.discount)
    compliance = draw(spec.compliance)
    n = len(ideal)  # the batch's replications
    parts = seats(scenario.lineup, spec.name, spec.choice, model.start, n)
    if parts:  # a tournament: several strategies, each in its own replications
        strategy = MixedStrategy(n, [(rows, _strategy(c, n, draw)) for rows, c in parts])
        acceptance = MixedAcceptance(n, [(rows, _acceptance(c, n, draw)) for rows, c in parts])
    else:
        strategy = _strategy(spec.choice, n, draw)
        acceptance = _acceptance(spec.choice, n, draw)
    initial_trust = draw(scenario.trust.initial)
    agent = StateAgent(
        model,
        name=spec.name,
        preferences=Preferences(ideal=ideal, salience=salience, shape=spec.utility, risk=risk),
        red_lines=RedLines.from_spec(spec, issues),
        strategy=strategy,
        reservation=reservation,
        discount=discount,
        compliance=compliance,
        initial_trust=initial_trust,
        weight=spec.weight,
        acceptance=acceptance,
    )
    if spec.domestic is not None:  # drawn last, so the numbers before it match a run without
        home = spec.domestic
        threshold = draw(home.threshold)
        ratifier = None
        if not home.own_preferences:
            weights = vector(home.salience)
            total = weights.sum(axis=1, keepdims=True)
            ratifier = Preferences(
                ideal=vector(home.ideal),
                salience=np.divide(
                    weights, total, out=np.full_like(weights, 1 / weights.shape[1]), where=total > 0
                ),
                shape=spec.utility,
                risk=np.ones(n),
            )
        agent.set_domestic(ratifier, threshold)
        agent.believed_threshold = _typical_rows(home.threshold, model.streams)
    if spec.commitments:
        agent.commitments = Commitments(spec.commitments, issues, ideal, n)
    return agent


def _strategy(choice: StrategyChoice, n: int, draw: Draw):
    """The concession curve of ``choice`` for ``n`` replications, its parameters drawn."""
    params = {key: draw(value) for key, value in choice.strategy_params.items()}
    return get_strategy(choice.strategy)(n, **params)


def _acceptance(choice: StrategyChoice, n: int, draw: Draw):
    params = {key: draw(value) for key, value in choice.acceptance_params.items()}
    return get_acceptance(choice.acceptance)(n, **params)


def _model(choice: StrategyChoice, n: int, other, declared, draw: Draw):
    params = {key: draw(value) for key, value in choice.opponent_params.items()}
    return get_opponent_model(choice.opponent_model)(n, other, declared, **params)


def _typical_rows(value: Value | PerTile, streams: Streams) -> float | np.ndarray:
    """:func:`typical`, or per row when the tiles of a batch differ in ``value``."""
    if not isinstance(value, PerTile):
        return typical(value)
    return np.concatenate(
        [
            np.full(tile.size, typical(v))
            for v, tile in zip(value.values, streams.tiles, strict=True)
        ]
    )


def typical(value: Value) -> float:
    """A scenario number's typical value: itself, or its distribution's median (what others
    believe of a domestic threshold they do not see drawn)."""
    if isinstance(value, Distribution):
        choices = getattr(value, "values", None)
        return float(np.median(choices)) if choices else float(value.scipy().median())
    if isinstance(value, PerReplication):
        return float(np.median(value.values))
    return float(value)


def declared_red_lines(spec: AgentSpec, issues: Sequence[str]) -> RedLines | None:
    """The red lines ``spec`` has made public, as (I,) bounds ([0, 1] elsewhere); None if none."""
    if not spec.declared:
        return None
    low, high = np.zeros(len(issues)), np.ones(len(issues))
    for issue in spec.declared:
        k = issues.index(issue)
        low[k], high[k] = spec.declared_line(issue)
    return RedLines(low, high)


def opponent_models(scenario: Scenario, agents: Sequence[StateAgent], draw: Draw) -> None:
    """Give every agent its model of every other (its ``beliefs``), in scenario order, the
    model's parameters drawn after everything else the agents need."""
    issues = scenario.issue_names
    for spec, agent in zip(scenario.agents, agents, strict=True):
        n = len(agent.floor)
        parts = seats(scenario.lineup, spec.name, spec.choice, agent.model.start, n)
        for other_spec, other in zip(scenario.agents, agents, strict=True):
            if other is agent:
                continue
            declared = declared_red_lines(other_spec, issues)
            if parts:
                agent.beliefs[other.name] = MixedModel(
                    n, other, [(rows, _model(c, n, other, declared, draw)) for rows, c in parts]
                )
            else:
                agent.beliefs[other.name] = _model(spec.choice, n, other, declared, draw)


def proposing_order(scenario: Scenario, agents: Sequence[StateAgent]) -> tuple[StateAgent, ...]:
    """The agents from the scenario's first proposer on, in scenario order, wrapping around."""
    first = scenario.agent_names.index(scenario.negotiation.first_proposer)
    return (*agents[first:], *agents[:first])
