"""Monte Carlo over replications: batches of blocks through the one vectorised model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim.model import NegotiationModel
from sim.rng import BLOCK_SIZE
from sim.scenario import Scenario
from sim.stats import TableMoments


@dataclass
class MonteCarloResult:
    replications: int
    seed: int
    moments: TableMoments
    offers: pd.DataFrame  # round-by-round offers of the traced replications
    sessions: pd.DataFrame  # session outcomes of the traced replications


def simulate(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    batch_blocks: int = 16,
    trace: int = 0,
    protocol: str | None = None,
    on_batch: Callable[[pd.DataFrame], None] | None = None,
) -> MonteCarloResult:
    """Run ``replications`` replications, ``batch_blocks * BLOCK_SIZE`` at a time.

    Each batch's per-replication table goes to ``on_batch`` (e.g. a Parquet stream) and into
    running moments, so memory does not grow with the replication count.
    """
    batch = batch_blocks * BLOCK_SIZE
    moments = TableMoments()
    offers = sessions = pd.DataFrame()
    for start in range(0, replications, batch):
        n = min(batch, replications - start)
        model = NegotiationModel(
            scenario, n, seed, start=start, protocol=protocol, trace=trace if start == 0 else 0
        ).run()
        table = pd.DataFrame(model.outcomes())
        moments.add(table)
        if on_batch is not None:
            on_batch(table)
        if start == 0:
            offers, sessions = model.trace.offers_frame(), model.trace.sessions_frame()
    return MonteCarloResult(replications, seed, moments, offers, sessions)
