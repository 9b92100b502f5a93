"""Two-level games in theory: the ratifiable bargaining set and the Schelling curve in closed
form, checked against the restricted solutions found numerically on the frontier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.core.catalogue import validate
from sim.theory.ratifiable import schelling_curve, two_level

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def pie(threshold: float | None = None, **agent_a) -> dict:
    data = yaml.safe_load((SCENARIOS / "split_the_pie.yaml").read_text())
    data["agents"]["b"]["reservation"] = 0.2
    data["agents"]["a"].update(agent_a)
    if threshold is not None:
        data["agents"]["a"]["domestic"] = {"threshold": threshold}
    return data


def test_without_ratifiers_the_restricted_solutions_are_the_free_ones():
    from sim.theory.results import analyse_scenario

    scenario = validate(pie(), "pie.yaml")
    free = analyse_scenario(scenario)
    restricted = two_level(scenario)
    np.testing.assert_allclose(restricted.nash.package, free.nash.package, atol=1e-12)
    np.testing.assert_allclose(
        restricted.kalai_smorodinsky.package, free.kalai_smorodinsky.package, atol=1e-12
    )


@pytest.mark.parametrize("shape", ["linear", "quadratic"])
@pytest.mark.parametrize("risk", [1.0, 0.5])
def test_the_closed_form_curve_equals_the_restricted_nash_solution(shape, risk):
    grid = np.linspace(0.0, 0.95, 20)
    curve = schelling_curve(validate(pie(utility=shape, risk=risk), "pie.yaml"), "a", grid)
    for theta, deal in zip(grid, curve["deal"], strict=True):
        restricted = two_level(validate(pie(theta, utility=shape, risk=risk), "pie.yaml"))
        if restricted.nash is None:
            assert np.isnan(deal), theta
        else:
            assert deal == pytest.approx(restricted.nash.package[0], abs=1e-6), theta


def test_a_narrower_win_set_raises_the_share_until_the_zone_closes():
    grid = np.linspace(0.0, 1.0, 101)
    curve = schelling_curve(validate(pie(), "pie.yaml"), "a", grid)
    share = curve["deal"]
    open_ = ~np.isnan(share)
    # Nash splits evenly (d = (0, 0.2)... a's gain over 0, b's over 0.2: x* = 0.4 + ...).
    assert open_[:80].all() and not open_[81:].any()  # b's floor 0.2: the zone closes at 0.8
    assert (np.diff(share[open_]) >= -1e-12).all()
    rising = grid[open_] > share[0]
    np.testing.assert_allclose(curve["utility"][open_][rising], grid[open_][rising], atol=1e-9)


def test_the_simulation_follows_the_theory_qualitatively():
    from sim.core.model import NegotiationModel

    grid = [0.0, 0.7, 0.75, 0.85]
    curve = schelling_curve(validate(pie(), "pie.yaml"), "a", grid)
    for theta, deal in zip(grid, curve["deal"], strict=True):
        out = NegotiationModel(validate(pie(theta), "pie.yaml"), 200, seed=1).run().outcomes()
        if np.isnan(deal):
            assert not out["agreement"].any()
        else:
            assert out["agreement"].all() and out["utility_a"].mean() >= min(theta, deal) - 1e-9


def test_the_two_level_theory_is_shown_beside_the_simulation():
    """summary.json's theory section, report.md and negsim-theory --json carry the restricted
    solutions and the Schelling curve of a one-issue scenario with a ratifier."""
    import json
    import subprocess
    import sys

    import sim
    from sim.outputs.report import write_report

    result = sim.simulate("two_level_game", 200, seed=1)
    section = result.summary["theory"]["two_level"]
    assert section["thresholds"]["us"] == pytest.approx(0.45)
    curve = section["schelling"]["us"]
    deals = [u for u in curve["utility"] if u is not None]
    assert deals == sorted(deals) and None in curve["utility"]  # rises, then the zone closes
    report = write_report(result.scenario, result.summary, result.sessions, 1.0)
    assert (
        "The Schelling effect (Schelling 1960): the narrower the United States' win-set" in report
    )
    theory = Path(sys.executable).with_name("negsim-theory")
    done = subprocess.run(
        [str(theory), "two_level_game", "--json"], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout)["two_level"]["schelling"]["us"]["threshold"][-1] == 1.0
    assert sim.simulate("split_the_pie", 50, seed=1).summary["theory"]["two_level"] is None
