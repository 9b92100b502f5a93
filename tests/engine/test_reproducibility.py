"""A replication's result depends on the seed and its index only (sim/rng.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.model import NegotiationModel
from sim.core.rng import BLOCK_SIZE
from sim.engine.montecarlo import simulate


def _table(scenario, n, seed, **kw) -> pd.DataFrame:
    frames = []
    simulate(scenario, n, seed, on_batch=frames.append, **kw)
    return pd.concat(frames, ignore_index=True)


def test_batch_size_does_not_change_any_replication(us_china):
    n = 2 * BLOCK_SIZE + 77  # a partial last block
    one = _table(us_china, n, 42, batch_blocks=1)
    many = _table(us_china, n, 42, batch_blocks=8)
    pd.testing.assert_frame_equal(one, many)


def test_a_replication_run_alone_matches_its_row_in_a_batch(us_china):
    batch = _table(us_china, 1500, 7, batch_blocks=2)
    for rep in (0, 3, 1023, 1024, 1499):
        alone = NegotiationModel(us_china, 1, seed=7, start=rep).run().outcomes()
        row = batch.iloc[rep]
        for column, value in alone.items():
            assert np.array_equal(np.asarray(value)[0], row[column], equal_nan=True), (rep, column)


def test_different_seeds_differ(us_china):
    a = _table(us_china, 500, 1)
    b = _table(us_china, 500, 2)
    assert not a["trust_us"].equals(b["trust_us"])  # compliance draws differ
