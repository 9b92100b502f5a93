"""Coalitions in numbers, for qualified-majority scenarios: which minimal winning coalitions the
ratification rule allows, which coalitions actually formed across the replications, and each
agent's voting power beside how often it was outvoted and its share of the gains (the
``coalitions`` section of summary.json). The game and the indices are in ``sim.analysis.voting``
and ``sim.analysis.power``; the words are in ``sim.outputs.coalitions``.

It reads these columns of the per-replication table (replications.parquet): ``agreement``, and
per agent ``accepted_<agent>`` (whether the agent accepted the run's first agreement) and
``gain_<agent>`` (its utility at the end of the run less its utility at the initial status quo).
The coalition of a run is the set of agents who accepted its first agreement.

**Share of the gains.** Over the runs with an agreement, let ``g_i`` be agent i's mean gain.
Agent i's share of the gains is ``g_i / sum_j max(g_j, 0)``: the part of the agents' total mean
gain that went to it, counting only the agents who gained on average in the total. The shares
of those agents sum to 1; an agent that lost on average gets a negative share, its loss measured
on the same scale. It is undefined (None) without agreements or when no agent gained. Gains are
over the whole run (all its sessions), coalitions are those of the first agreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.power import MC_SAMPLES, MC_SEED, power_indices
from sim.analysis.voting import (
    ENUMERATE_MAX,
    VotingGame,
    count_minimal_winning,
    enumeration_note,
    game_of,
    is_minimal_winning,
    minimal_winning,
)
from sim.engine.stats import Moments
from sim.scenario.spec import Scenario

# summary.json lists every minimal winning coalition when there are at most this many, and
# otherwise only those that formed; and the coalitions that formed, most frequent first, up to:
MAX_LISTED = 50


def coalition_masks(game: VotingGame, table: pd.DataFrame) -> np.ndarray:
    """(rows,) The bit mask of the agents who accepted each run's first agreement (0 without
    agreement)."""
    _require(table, ["agreement", *(f"accepted_{name}" for name in game.names)])
    masks = np.zeros(len(table), dtype=np.int64)
    for i, name in enumerate(game.names):
        masks |= table[f"accepted_{name}"].to_numpy(dtype=bool).astype(np.int64) << i
    return np.where(table["agreement"].to_numpy(dtype=bool), masks, 0)


def _require(table: pd.DataFrame, columns: list[str]) -> None:
    missing = [column for column in columns if column not in table]
    if missing:
        raise KeyError(f"the replications table lacks the columns {', '.join(missing)}")


def formed_coalitions(game: VotingGame, table: pd.DataFrame) -> pd.DataFrame:
    """How often each coalition formed among the runs with an agreement: one row per coalition
    (``mask``, ``members``, ``size``, ``count``, ``share`` of the agreements, ``winning``,
    ``minimal``), most frequent first. A coalition that formed but does not win by the rule
    would mean the simulation and this game disagree: ``winning`` shows it."""
    agreed = table["agreement"].to_numpy(dtype=bool)
    masks, counts = np.unique(coalition_masks(game, table)[agreed], return_counts=True)
    rows = pd.DataFrame(
        {
            "mask": masks,
            "members": [game.members(int(m)) for m in masks],
            "size": [bin(int(m)).count("1") for m in masks],
            "count": counts,
            "share": counts / max(int(agreed.sum()), 1),
            "winning": game.winning(masks),
            "minimal": is_minimal_winning(game, masks),
        }
    )
    return rows.sort_values(["count", "size", "mask"], ascending=[False, True, True]).reset_index(
        drop=True
    )


def agent_record(game: VotingGame, table: pd.DataFrame) -> dict[str, dict]:
    """Per agent, over the runs with an agreement: how often it was outvoted (the agreement
    passed without its acceptance), how often it was critical (it accepted, and without it the
    coalition would have lost: the Banzhaf swing, as it happened), its mean gain and its share
    of the gains (see the module docstring). Rates and means come as summary.json estimates."""
    _require(table, [f"gain_{name}" for name in game.names])
    agreed = table["agreement"].to_numpy(dtype=bool)
    masks = coalition_masks(game, table)[agreed]
    record: dict[str, dict] = {}
    for i, name in enumerate(game.names):
        bit = 1 << i
        inside = (masks & bit) != 0
        record[name] = {
            "outvoted": _estimate(~inside, rate=True),
            "critical": _estimate(inside & ~game.winning(masks & ~bit), rate=True),
            "mean_gain": _estimate(table[f"gain_{name}"].to_numpy(dtype=float)[agreed]),
        }
    means = {name: r["mean_gain"]["estimate"] for name, r in record.items()}
    positive = sum(max(g, 0.0) for g in means.values() if g is not None)
    for name, r in record.items():
        g = means[name]
        r["gain_share"] = g / positive if g is not None and positive > 0 else None
    return record


def _estimate(values: np.ndarray, rate: bool = False) -> dict:
    moments = Moments()
    moments.add(np.asarray(values, dtype=float))
    return moments.estimate(rate=rate)


def minimal_winning_section(game: VotingGame, formed: pd.DataFrame) -> dict:
    """The minimal winning coalitions and how often each formed exactly (no agent more)."""
    seen = dict(zip(formed["mask"].tolist(), formed["count"].tolist(), strict=True))
    agreements = int(formed["count"].sum())
    count = count_minimal_winning(game)
    enumerated = game.n <= ENUMERATE_MAX
    if enumerated and count <= MAX_LISTED:
        masks, listed = minimal_winning(game).tolist(), "all"
    else:
        chosen = formed[formed["minimal"]].head(MAX_LISTED)
        masks, listed = chosen["mask"].tolist(), "formed"
    return {
        "enumerated": enumerated,
        "count": count,
        "note": None if enumerated else enumeration_note(game.n),
        "listed": listed,
        "coalitions": [
            {
                "members": list(game.members(mask)),
                "votes": float(game.votes[[i for i in range(game.n) if mask >> i & 1]].sum()),
                "formed": int(seen.get(mask, 0)),
                "share": seen.get(mask, 0) / agreements if agreements else None,
            }
            for mask in masks
        ],
        "formed_in_total": int(formed.loc[formed["minimal"], "count"].sum()),
    }


def coalition_summary(
    scenario: Scenario, table: pd.DataFrame, samples: int = MC_SAMPLES, seed: int = MC_SEED
) -> dict | None:
    """The ``coalitions`` section of summary.json, by agent name; None under unanimity (one
    coalition, equal power: nothing to analyse). ``table`` is the per-replication table;
    ``samples`` and ``seed`` matter only when the power indices are estimated."""
    r = scenario.negotiation.ratification
    if r.unanimous:
        return None
    game = game_of(scenario)
    power = power_indices(game, samples=samples, seed=seed)
    formed = formed_coalitions(game, table)
    agreements = int(formed["count"].sum())
    record = agent_record(game, table)
    indices = power.by_agent()
    listed = formed.head(MAX_LISTED)
    return {
        "rule": r.rule,
        "threshold": r.threshold,
        "by": r.by,
        "veto": list(r.veto),
        "total_votes": game.total,
        "quota": game.quota,
        "replications": len(table),
        "agreements": agreements,
        "power_method": power.method,
        "monte_carlo": (
            {"samples": power.samples, "seed": power.seed} if power.samples is not None else None
        ),
        "agents": {
            agent.name: {
                "weight": agent.weight,
                "votes": float(game.votes[i]),
                "veto": agent.name in r.veto,
                **indices[agent.name],
                **record[agent.name],
            }
            for i, agent in enumerate(scenario.agents)
        },
        "minimal_winning": minimal_winning_section(game, formed),
        "formed": [
            {
                "members": list(row["members"]),
                "count": int(row["count"]),
                "share": float(row["share"]),
                "winning": bool(row["winning"]),
                "minimal": bool(row["minimal"]),
            }
            for row in listed.to_dict("records")
        ],
        "formed_elsewhere": int(formed["count"].iloc[MAX_LISTED:].sum()),
    }
