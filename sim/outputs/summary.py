"""``summary.json``: the headline numbers of a run, each with its 95% CI."""

from __future__ import annotations

from sim.analysis.comparison import theory_summary
from sim.analysis.pause import pause_summary, rounds_table
from sim.engine.montecarlo import MonteCarloResult
from sim.scenario.distributions import typical
from sim.scenario.spec import Scenario


def summarise(scenario: Scenario, result: MonteCarloResult, protocol: str) -> dict:
    m = result.moments
    stalled = m.total("stalled_sessions")
    return {
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
            }
            for agent in scenario.agents
        },
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
        "tactical_pause": pause_summary(scenario, m, rounds_table(scenario, result.rounds or {})),
        "stalls": {
            "stalled_sessions": int(stalled),
            "blocked_by_red_line": int(m.total("red_line_blocks")),
            "ended_in_conflict": int(m.total("conflicts")),
            "both_at_floor": int(m.total("exhausted_sessions")),
        },
    }
