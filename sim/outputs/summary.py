"""``summary.json``: the headline numbers of a run, each with its 95% CI."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.coalitions import coalition_summary
from sim.analysis.domestic import domestic_summary, two_level
from sim.analysis.domestic import table_columns as domestic_columns
from sim.analysis.pause import pause_summary
from sim.engine.montecarlo import MonteCarloResult
from sim.engine.stats import TableMoments, rate_estimate, t_interval
from sim.outputs.learning import learning_summary
from sim.scenario.distributions import typical
from sim.scenario.spec import BY_WEIGHT, Scenario
from sim.theory.comparison import theory_summary

# The per-replication column that each estimate of summary.json (as :func:`summarise` writes
# it) is the mean of: run-level entries, then per agent (``<column>_<agent>``) and per issue
# (``<column>_<issue>``). Sweep tables name their metrics by these columns (:func:`run_metrics`).
RUN_COLUMNS = {
    "agreement_rate": "agreement",
    "rounds_to_agreement": "rounds_to_agreement",
    "sessions_agreed": "sessions_agreed",
    "broken_commitments": "broken_commitments",
    "ratification_failures": "ratification_failures",  # scenarios with domestic politics
}
AGENT_COLUMNS = {
    "utility": "utility",
    "discounted_utility": "discounted",
    "gain": "gain",
    "trust": "trust",
    "accepted": "accepted",
    # agents with public commitments
    "commitments_made": "commitments_made",
    "commitments_kept": "commitments_kept",
    "commitments_abandoned": "commitments_abandoned",
    "audience_costs": "audience_costs",
}
# The per-replication columns of an agent's public commitments (summary.json: agents.<name>).
COMMITMENT_KEYS = (
    "commitments_made",
    "commitments_kept",
    "commitments_abandoned",
    "audience_costs",
)
ISSUE_COLUMNS = {"agreement_rate": "agreed", "final_value": "value"}


def summarise(
    scenario: Scenario,
    result: MonteCarloResult,
    protocol: str,
    rounds: pd.DataFrame,
    replications: pd.DataFrame | None = None,
) -> dict:
    """The summary of a finished run; ``rounds`` is its per-round table (rounds.parquet),
    ``replications`` its per-replication table (at least the columns :func:`table_columns`
    names), for the coalitions of a qualified majority and the domestic politics section.

    A scenario without domestic politics (no ratifier at home, no public commitment) gets no
    ``ratification_failures``, ``domestic`` or per-agent commitment entries at all, so its
    summary.json is what it was before they existed."""
    m = result.moments
    stalled = m.total("stalled_sessions")
    summary = {
        "scenario": scenario.name,
        "title": scenario.title,
        "protocol": protocol,
        "replications": result.replications,
        "first_replication": int(result.first),
        "seed": result.seed,
        "sessions": scenario.negotiation.sessions,
        "rounds_per_session": scenario.negotiation.rounds,
        "agreement_rate": m.estimate("agreement"),
        "sessions_agreed": m.estimate("sessions_agreed"),
        "rounds_to_agreement": m.estimate("rounds_to_agreement"),
        "issues": {
            issue.name: {
                "agreement_rate": m.estimate(f"agreed_{issue.name}"),
                "final_value": m.estimate(f"value_{issue.name}"),
                "status_quo": typical(issue.status_quo),
                "widest_gap_in_stalled_sessions": int(m.total(f"widest_gap_{issue.name}")),
            }
            for issue in scenario.issues
        },
        "agents": {
            agent.name: {
                "utility": m.estimate(f"utility_{agent.name}"),
                "discounted_utility": m.estimate(f"discounted_{agent.name}"),
                "gain": m.estimate(f"gain_{agent.name}"),
                "trust": m.estimate(f"trust_{agent.name}"),
                **_votes(m, agent.name),
                **(
                    {key: m.estimate(f"{key}_{agent.name}") for key in COMMITMENT_KEYS}
                    if agent.commitments
                    else {}
                ),
            }
            for agent in scenario.agents
        },
        "ratification": ratification_summary(scenario, m),
        "learning": learning_summary(scenario, m),
        "coalitions": None if replications is None else coalition_summary(scenario, replications),
        "events": {
            event.name: {
                "description": event.description,
                "starts_per_replication": m.estimate(f"event_{event.name}"),
            }
            for event in scenario.events
        },
        "red_line_violations": {
            "total": int(m.total("red_line_violations")),
            "max_per_replication": int(m.maximum("red_line_violations")),
        },
        "broken_commitments": m.estimate("broken_commitments"),
        "theory": theory_summary(scenario, m),
        "tactical_pause": pause_summary(scenario, m, rounds),
        "stalls": {
            "stalled_sessions": int(stalled),
            "blocked_by_red_line": int(m.total("red_line_blocks")),
            "ended_in_conflict": int(m.total("conflicts")),
            "both_at_floor": int(m.total("exhausted_sessions")),
        },
    }
    if two_level(scenario):
        summary = _with_domestic(summary, scenario, m, replications)
    return summary


def _with_domestic(
    summary: dict, scenario: Scenario, m: TableMoments, replications: pd.DataFrame | None
) -> dict:
    """``summary`` with ``ratification_failures`` beside ``broken_commitments`` and the
    ``domestic`` section after ``coalitions``."""
    ordered = {}
    for key, value in summary.items():
        ordered[key] = value
        if key == "coalitions":
            ordered["domestic"] = domestic_summary(scenario, m, replications)
        if key == "broken_commitments":
            ordered["ratification_failures"] = m.estimate("ratification_failures")
    return ordered


def table_columns(scenario: Scenario) -> list[str] | None:
    """The per-replication columns :func:`summarise` reads from the table (the coalitions of a
    qualified majority, domestic politics); None when it reads none."""
    wanted = [*(coalition_columns(scenario) or ()), *(domestic_columns(scenario) or ())]
    return list(dict.fromkeys(wanted)) or None


def coalition_columns(scenario: Scenario) -> list[str] | None:
    """The per-replication columns the coalitions section reads; None when there is none to
    write (unanimity: one coalition, equal power)."""
    if scenario.negotiation.ratification.unanimous:
        return None
    names = scenario.agent_names
    return ["agreement", *(f"accepted_{a}" for a in names), *(f"gain_{a}" for a in names)]


def _votes(m: TableMoments, agent: str) -> dict:
    """How ``agent`` voted on the run's first agreement: ``accepted`` (share of runs in which it
    accepted it, the mean of ``accepted_<agent>``), ``accepted_when_agreed`` (share of the runs
    with an agreement) and ``outvoted`` (share of runs whose first agreement was ratified
    without it). Empty for a table without the column (a run from before it existed)."""
    column = f"accepted_{agent}"
    if column not in m.columns:
        return {}
    runs, agreed, accepted = m.columns[column].n, m.total("agreement"), m.total(column)
    # The core records the vote on the run's first deal at the table; where that deal fell at
    # home and none was ratified after it, the agent accepted in a run without an agreement.
    accepted = min(accepted, agreed)
    return {
        "accepted": m.estimate(column),
        "accepted_when_agreed": rate_estimate(accepted, int(round(agreed))),
        "outvoted": rate_estimate(agreed - accepted, runs),
    }


def ratification_summary(scenario: Scenario, m: TableMoments) -> dict:
    """The rule that turns an offer into an agreement, and how many agents accepted the run's
    first agreement on average, over the runs that reached one (mean, Student t interval from
    the column's running moments: ``coalition_size`` is 0 in the other runs)."""
    rule = scenario.negotiation.ratification
    section: dict = {"rule": rule.rule, "agents": len(scenario.agents)}
    if not rule.unanimous:
        section |= {"threshold": rule.threshold, "by": rule.by, "veto": list(rule.veto)}
        if rule.by == BY_WEIGHT:
            section["weights"] = {a.name: a.weight for a in scenario.agents}
    if "coalition_size" in m.columns:
        size = m.columns["coalition_size"]
        k = int(round(m.total("agreement")))
        total = m.total("coalition_size")
        squares = size.m2 + size.n * size.mean**2
        mean = total / k if k else math.nan
        sd = math.sqrt(max(squares - k * mean * mean, 0.0) / (k - 1)) if k > 1 else math.nan
        ci = t_interval(mean, sd, k)
        section["coalition_size"] = {
            "estimate": None if not k else mean,
            "ci95": None if math.isnan(ci[0]) else [ci[0], ci[1]],
            "se": None if k < 2 else sd / math.sqrt(k),
            "n": k,
        }
    return section


def run_metrics(summary: dict) -> dict[str, dict]:
    """The estimates of a summary by the replications.parquet column each is the mean of
    (``agreement``, ``utility_us``, ``value_taiwan``, ...), in summary order."""
    found = {column: summary[key] for key, column in RUN_COLUMNS.items() if key in summary}
    for agent, stats in summary["agents"].items():
        for key, column in AGENT_COLUMNS.items():
            if key in stats:
                found[f"{column}_{agent}"] = stats[key]
    for issue, stats in summary["issues"].items():
        for key, column in ISSUE_COLUMNS.items():
            if key in stats:
                found[f"{column}_{issue}"] = stats[key]
    return found
