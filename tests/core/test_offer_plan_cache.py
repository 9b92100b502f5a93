"""The caches keyed on which objects an offer plan or the cooperation weights were made for.

Regression: they were keyed by ``id()``; a new admissible box (each session of a scenario with a
one-way issue makes one) could get the id of the freed old box, and the stale plan, with the old
bounds, was reused. A replication then depended on memory reuse, so on its batch (seen once in
the suite: tactical_pause replication 700 alone and in a batch differed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core import audience, offers
from sim.core.audience import many_plan
from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel
from sim.core.offers import OfferPlan
from sim.core.preferences import Preferences, one_row
from sim.core.red_lines import RedLines

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_new_box_gets_a_new_plan_even_at_a_reused_address():
    model = NegotiationModel(load_scenario(SCENARIOS / "split_the_pie.yaml"), 2, seed=1)
    a, b = model.state_agents

    for k in range(1, 40):  # b wants 0 and concedes toward 1: all the way is the box's edge
        low, high = np.zeros((2, 1)), np.full((2, 1), 1.0 - k / 100)
        b.admissible = None  # under id() keys the old box was freed here and its address reused
        b.admissible = RedLines(low, high)
        offer = b._plan([a]).offer(np.zeros(2))
        np.testing.assert_allclose(offer, high, atol=1e-9, err_msg=str(k))


def _plans_on_all_rows(own, others, low, high):
    """The plan made on every replication's row, as before plans were made on one row."""
    if len(others) == 1:
        return offers.OfferPlan(own, others[0], low, high)
    start = np.clip(own.ideal, low, high)
    stretches = audience.Stretches(
        start,
        audience._ideals(others),
        audience._coefficients(others, [1.0] * len(others)),
        low,
        high,
    )
    return audience.ManyLinearPlan(own, stretches, start)


@pytest.mark.parametrize(("shape", "n_others"), [("linear", 1), ("quadratic", 1), ("linear", 3)])
def test_a_plan_on_one_row_gives_every_replication_its_own_numbers(shape, n_others):
    """Fixed ideals and saliences: the plan is made on one row and broadcast. Every replication
    gets exactly (bit for bit) the offer of a plan made on all rows, also when each replication
    has its own risk exponent (a one-row plan once took the first replication's for all)."""
    rng = np.random.default_rng(11)
    n, issues = 64, 3

    def fixed(ideal, salience, risk):
        return Preferences(
            np.tile(ideal, (n, 1)), np.tile(salience, (n, 1)), shape, np.asarray(risk, float)
        )

    own = fixed([1.0, 0.8, 0.9], [0.5, 0.3, 0.2], rng.uniform(0.5, 1.5, n))
    others = [
        fixed(rng.random(issues) * 0.3, rng.dirichlet(np.ones(issues)), np.ones(n))
        for _ in range(n_others)
    ]
    low, high = np.zeros(issues), np.ones(issues)
    aspiration = rng.uniform(0.3, 1.0, n)
    row = one_row(own, others, low, high)
    assert row is not None and row[0].ideal.shape == (1, issues) and len(row[0].risk) == n
    full = _plans_on_all_rows(own, others, low, high).offer(aspiration)
    if n_others == 1:
        compact = OfferPlan(row[0], row[1][0], row[2], row[3]).offer(aspiration)
    else:
        compact = many_plan(own, others, [1.0] * n_others, low, high).offer(aspiration)
    assert compact.shape == (n, issues)
    assert compact.tobytes() == full.tobytes()


def test_drawn_ideals_keep_a_plan_on_every_row():
    ideal = np.array([[0.1, 0.2], [0.3, 0.2]])
    prefs = Preferences(ideal, np.full((2, 2), 0.5), "linear", np.ones(2))
    assert one_row(prefs, [prefs], np.zeros(2), np.ones(2)) is None
