"""A hand-vectorised numpy version of the benchmark workload (scenarios/bench_bilateral.yaml),
written from its definition, as the yardstick of the Mesa model's round loop (issue 15).

Two agents, three issues, linear utilities, one session of 24 rounds, alternating package offers
with a proposing in rounds 0, 2, 4, ...; time-dependent aspiration
``a(tau) = 1 - (1 - 0.3) * tau ** (1 / e)``, ``tau = (k + 1) / 24``, ``e`` lognormal per
replication (a: median 0.5, b: median 2, sigma 0.2); efficient offers by the fractional knapsack
(Dantzig 1957: concede whole issues in decreasing order of the other's salience over one's own);
the responder accepts an offer worth its aspiration, the proposer one worth its floor; no
agreement by round 23 leaves both their reservation utility 0.3.
"""

from __future__ import annotations

import numpy as np

ROUNDS, FLOOR = 24, 0.3
IDEAL = {"a": np.ones(3), "b": np.zeros(3)}
SALIENCE = {"a": np.array([0.5, 0.3, 0.2]), "b": np.array([0.2, 0.3, 0.5])}


def _knapsack(own: str, other: str):
    """The concession order, each issue's full cost, the cost spent before it, and the
    direction toward the other's ideal."""
    w, v = SALIENCE[own], SALIENCE[other]
    order = np.argsort(-(v / w), kind="stable")
    spent_before = np.empty(3)
    spent_before[order] = np.cumsum(w[order]) - w[order]
    return w, spent_before, np.sign(IDEAL[other] - IDEAL[own])


def simulate(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inverse_e = {
        "a": 1.0 / rng.lognormal(np.log(0.5), 0.2, n),
        "b": 1.0 / rng.lognormal(np.log(2.0), 0.2, n),
    }
    plans = {"a": _knapsack("a", "b"), "b": _knapsack("b", "a")}
    open_ = np.ones(n, dtype=bool)
    deal = np.full((n, 3), np.nan)
    for k in range(ROUNDS):
        tau = (k + 1) / ROUNDS
        proposer, responder = ("a", "b") if k % 2 == 0 else ("b", "a")
        aspiration = {x: 1.0 - (1.0 - FLOOR) * tau ** inverse_e[x] for x in ("a", "b")}
        w, spent_before, direction = plans[proposer]
        budget = 1.0 - aspiration[proposer]
        moved = np.clip((budget[:, None] - spent_before) / w, 0.0, 1.0)
        offer = IDEAL[proposer] + direction * moved
        gain = SALIENCE[responder] @ (1.0 - np.abs(offer - IDEAL[responder])).T
        own = SALIENCE[proposer] @ (1.0 - np.abs(offer - IDEAL[proposer])).T
        agreed = open_ & (gain >= aspiration[responder] - 1e-12) & (own >= FLOOR - 1e-12)
        deal[agreed] = offer[agreed]
        open_ &= ~agreed
        if not open_.any():
            break
    done = ~np.isnan(deal[:, 0])
    utility = {
        x: np.where(done, SALIENCE[x] @ (1.0 - np.abs(np.nan_to_num(deal) - IDEAL[x])).T, FLOOR)
        for x in ("a", "b")
    }
    return {"agreement": done, "utility_a": utility["a"], "utility_b": utility["b"]}
