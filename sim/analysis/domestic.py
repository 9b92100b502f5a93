"""Domestic politics in numbers (two-level games): the ``domestic`` section of summary.json for a
scenario where some agent has a ratifier at home or public commitments (Putnam 1988; Schelling
1960; Fearon 1994). Words are in ``sim.outputs.domestic``.

From the running moments of the per-replication table: ``ratification_failures`` (sessions per
run whose deal, reached at the table, fell at home) per run, as a share of all sessions and as a
share of the deals reached at the table (``sessions_agreed`` counts the ratified ones). From the
table itself (the columns :func:`table_columns` names), when given: the share of runs in which
some deal fell at home, and each agent's trust at the end of the runs with and without such a
failure (the trust effect). From the scenario: what each agent's ratifier asks (a drawn
threshold as its median and the range of 95% of its draws, from a fixed-seed sample so the
numbers repeat), who sees it (``negotiation.win_sets``), the events and pressures that move it,
and each agent's commitments. The estimates of ``commitments_made_<a>``,
``commitments_kept_<a>``, ``commitments_abandoned_<a>`` and ``audience_costs_<a>`` sit with the
agent's other estimates in ``agents.<a>`` (``sim.outputs.summary``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.stats import Moments, TableMoments, rate_estimate
from sim.scenario.distributions import Distribution, PerReplication
from sim.scenario.spec import AgentSpec, Scenario, Value

# Draws of a distributed threshold used to describe it (fixed seed: summary.json repeats).
DESCRIBE_DRAWS = 20001


def two_level(scenario: Scenario) -> bool:
    """Whether some agent has a ratifier at home or public commitments (bluffs included)."""
    return any(a.domestic is not None or a.commitments for a in scenario.agents)


def table_columns(scenario: Scenario) -> list[str] | None:
    """The per-replication columns :func:`domestic_summary` reads from the table; None for a
    scenario without domestic politics."""
    if not two_level(scenario):
        return None
    return ["ratification_failures", *(f"trust_{a}" for a in scenario.agent_names)]


def described(value: Value) -> dict:
    """A scenario number as summary.json shows an input: ``{"value": 0.45, "drawn": false}``, or
    for a drawn one its distribution, median, mean and the range of 95% of its draws."""
    if isinstance(value, Distribution):
        draws = value.sample(np.random.default_rng(0), DESCRIBE_DRAWS)
    elif isinstance(value, PerReplication):
        draws = np.asarray(value.values, dtype=float)
    else:
        return {"value": float(value), "drawn": False}
    low, high = np.quantile(draws, [0.025, 0.975])
    return {
        "drawn": True,
        "distribution": value.name if isinstance(value, Distribution) else "per_replication",
        "median": float(np.median(draws)),
        "mean": float(draws.mean()),
        "range95": [float(low), float(high)],
    }


def threshold_moves(scenario: Scenario, agent: str) -> list[dict]:
    """The events and pressures that move ``agent``'s threshold, as the scenario has them."""
    moves = []
    for event in scenario.events:
        for shift in event.shifts:
            if shift.agent != agent or shift.field != "threshold":
                continue
            # when, 1-based as the report counts: scheduled, or random with a hazard per round
            when = (
                {"session": event.session + 1, "round": event.round + 1}
                if event.hazard is None
                else {"hazard": event.hazard}
            )
            moves.append(
                {
                    "kind": "event",
                    "name": event.name,
                    "description": event.description,
                    "add": _number(shift.add),
                    "multiply": _number(shift.multiply),
                    "duration": event.duration,
                    **when,
                }
            )
    for pressure in scenario.pressures:
        if pressure.agent == agent and pressure.threshold:
            moves.append(
                {
                    "kind": "pressure",
                    "name": pressure.name,
                    "per_level": pressure.threshold,  # the threshold moves by this x the level
                    "by_session": None
                    if pressure.by_session is None
                    else [pressure.threshold * level for level in pressure.by_session],
                    "mean_level": pressure.ar1_mean if pressure.stochastic else None,
                }
            )
    return moves


def _number(value: Value) -> float | dict:
    """A fixed number as itself, a drawn one :func:`described`."""
    return float(value) if isinstance(value, int | float) else described(value)


def _commitment_record(agent: AgentSpec) -> list[dict]:
    return [
        {
            "issue": c.issue,
            "value": c.value,
            "audience_cost": c.audience_cost,
            "when_trust_below": c.trust_below,
            "bluff": c.bluff,
            "true_line": list(agent.red_line(c.issue)) if c.bluff else None,
        }
        for c in agent.commitments
    ]


def _trust_effect(scenario: Scenario, table: pd.DataFrame) -> dict:
    """Each agent's trust at the end of the runs with a deal that fell at home, and of the
    others (mean, Student t interval)."""
    failed = table["ratification_failures"].to_numpy() > 0
    effect = {}
    for name in scenario.agent_names:
        trust = table[f"trust_{name}"].to_numpy(dtype=float)
        split = {}
        for key, rows in (("after_a_failure", failed), ("without_failure", ~failed)):
            m = Moments()
            m.add(trust[rows])
            split[key] = m.estimate()
        effect[name] = split
    return effect


def domestic_summary(
    scenario: Scenario, m: TableMoments, table: pd.DataFrame | None = None
) -> dict | None:
    """The ``domestic`` section of summary.json; None without domestic politics. ``table``
    (at least :func:`table_columns`) adds the share of runs with a failure and the trust
    effect; without it they are None."""
    if not two_level(scenario):
        return None
    runs = m.columns["ratification_failures"].n
    sessions = scenario.negotiation.sessions
    failed = m.total("ratification_failures")
    ratified = m.total("sessions_agreed")
    at_table = int(round(failed + ratified))
    failures = {
        "per_run": m.estimate("ratification_failures"),
        "share_of_sessions": rate_estimate(failed, runs * sessions),
        "share_of_deals_at_the_table": rate_estimate(failed, at_table),
        "share_of_runs": None,
    }
    trust = None
    if table is not None and "ratification_failures" in table:
        hit = int((table["ratification_failures"].to_numpy() > 0).sum())
        failures["share_of_runs"] = rate_estimate(hit, len(table))
        trust = _trust_effect(scenario, table)
    agents = {}
    for agent in scenario.agents:
        entry: dict = {}
        if agent.domestic is not None:
            home = agent.domestic
            entry["threshold"] = described(home.threshold)
            entry["ratifier"] = "own" if home.own_preferences else "distinct"
            if not home.own_preferences:
                entry["ratifier_preferences"] = {
                    issue: {"ideal": _number(home.ideal[issue]), "salience": _number(weight)}
                    for issue, weight in home.salience.items()
                }
            entry["threshold_moves"] = threshold_moves(scenario, agent.name)
        if agent.commitments:
            entry["commitments"] = _commitment_record(agent)
        if entry:
            agents[agent.name] = entry
    return {
        "win_sets": scenario.negotiation.win_sets,
        "ratification_penalty": described(scenario.trust.ratification_penalty),
        "ratification_failures": failures,
        "trust_after_failure": trust,
        "agents": agents,
    }
