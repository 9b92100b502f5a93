"""Utilities over packages (sim.core.preferences), pinned to values worked out by hand.

U(x) = (sum_i w_i u_i(x_i)) ** rho with u_i = 1 - |x_i - ideal_i| (linear) or
1 - (x_i - ideal_i) ** 2 (quadratic); Keeney & Raiffa (1976, ch. 4) for the risk exponent.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.catalogue import validate
from sim.core.model import NegotiationModel
from sim.core.preferences import Preferences, additive_utility, issue_loss, issue_utility


def preferences(ideal, salience, shape="linear", risk=1.0) -> Preferences:
    """Preferences for a batch of one replication."""
    ideal = np.atleast_2d(np.asarray(ideal, dtype=float))
    salience = np.atleast_2d(np.asarray(salience, dtype=float))
    return Preferences(ideal, salience, shape, np.full(ideal.shape[0], float(risk)))


def package(*values: float) -> np.ndarray:
    return np.array([values], dtype=float)


class TestIssueUtility:
    def test_linear(self):
        # ideal 0.5: |0 - .5| = .5, |.25 - .5| = .25, |.9 - .5| = .4
        x = np.array([0.0, 0.25, 0.9])
        np.testing.assert_allclose(issue_loss(x, 0.5, "linear"), [0.5, 0.25, 0.4])
        np.testing.assert_allclose(issue_utility(x, 0.5, "linear"), [0.5, 0.75, 0.6])

    def test_quadratic(self):
        # squared distances .25, .0625, .16
        x = np.array([0.0, 0.25, 0.9])
        np.testing.assert_allclose(issue_loss(x, 0.5, "quadratic"), [0.25, 0.0625, 0.16])
        np.testing.assert_allclose(issue_utility(x, 0.5, "quadratic"), [0.75, 0.9375, 0.84])

    @pytest.mark.parametrize("shape", ["linear", "quadratic"])
    def test_ends_of_the_scale(self, shape):
        # At the ideal the issue is worth 1; at the far end of [0, 1] it is worth 0.
        np.testing.assert_array_equal(issue_utility(np.array([0.3, 1.0]), 0.3, shape)[0], 1.0)
        np.testing.assert_array_equal(issue_utility(np.array([1.0]), 0.0, shape), [0.0])
        np.testing.assert_array_equal(issue_utility(np.array([0.0]), 1.0, shape), [0.0])

    def test_quadratic_is_never_below_linear(self):
        # 1 - d**2 >= 1 - d on [0, 1], equal only at d = 0 and d = 1.
        d = np.linspace(0.0, 1.0, 11)
        lin = issue_utility(d, 0.0, "linear")
        quad = issue_utility(d, 0.0, "quadratic")
        assert np.all(quad[1:-1] > lin[1:-1])
        np.testing.assert_array_equal(quad[[0, -1]], lin[[0, -1]])


class TestAdditiveUtility:
    def test_linear_hand_values(self):
        p = preferences([0.2, 0.8], [0.25, 0.75])
        # x = (.5, .5): .25 * (1 - .3) + .75 * (1 - .3) = .7
        np.testing.assert_allclose(p.utility(package(0.5, 0.5)), [0.7])
        # x = (.2, 0): .25 * 1 + .75 * (1 - .8) = .25 + .15 = .4
        np.testing.assert_allclose(p.utility(package(0.2, 0.0)), [0.4])

    def test_quadratic_hand_values(self):
        p = preferences([0.2, 0.8], [0.25, 0.75], "quadratic")
        # x = (.5, .5): .25 * (1 - .09) + .75 * (1 - .09) = .91
        np.testing.assert_allclose(p.utility(package(0.5, 0.5)), [0.91])
        # x = (.2, 0): .25 * 1 + .75 * (1 - .64) = .25 + .27 = .52
        np.testing.assert_allclose(p.utility(package(0.2, 0.0)), [0.52])

    def test_function_and_method_agree(self):
        p = preferences([0.2, 0.8], [0.25, 0.75], "quadratic")
        x = package(0.2, 0.0)
        np.testing.assert_array_equal(
            p.additive(x), additive_utility(x, p.ideal, p.salience, "quadratic")
        )

    @pytest.mark.parametrize("shape", ["linear", "quadratic"])
    @pytest.mark.parametrize("risk", [0.3, 1.0, 4.0])
    def test_ideal_package_is_worth_one(self, shape, risk):
        p = preferences([0.1, 0.6, 1.0], [0.2, 0.3, 0.5], shape, risk)
        np.testing.assert_allclose(p.utility(p.ideal), [1.0])

    def test_salience_weights_the_cost_of_moving(self):
        # Moving issue 2 (salience .75) by .1 costs .075; issue 1 (salience .25) costs .025.
        p = preferences([0.2, 0.8], [0.25, 0.75])
        base = p.utility(package(0.2, 0.8))
        np.testing.assert_allclose(base - p.utility(package(0.2, 0.7)), [0.075])
        np.testing.assert_allclose(base - p.utility(package(0.3, 0.8)), [0.025])

    def test_issue_without_salience_does_not_matter(self):
        p = preferences([0.2, 0.8], [1.0, 0.0])
        # only issue 1 counts: 1 - |.5 - .2| = .7 whatever issue 2 is
        np.testing.assert_allclose(p.utility(np.array([[0.5, 0.0], [0.5, 1.0]])), [0.7, 0.7])

    def test_replications_are_independent_rows(self):
        p = Preferences(
            ideal=np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]]),
            salience=np.array([[0.5, 0.5], [0.9, 0.1], [0.25, 0.75]]),
            shape="linear",
            risk=np.array([1.0, 1.0, 2.0]),
        )
        x = np.array([[0.4, 0.2], [0.4, 0.2], [0.4, 0.2]])
        # row 0: .5 * .6 + .5 * .8 = .7
        # row 1: .9 * .4 + .1 * .2 = .38
        # row 2: (.25 * .9 + .75 * .7) ** 2 = .75 ** 2 = .5625
        np.testing.assert_allclose(p.utility(x), [0.7, 0.38, 0.5625])


class TestRiskExponent:
    def test_hand_values(self):
        x = package(0.2, 0.0)  # additive utility .4, as in TestAdditiveUtility
        # .4 ** .5 = .632455532..., .4 ** 1 = .4, .4 ** 2 = .16
        averse = preferences([0.2, 0.8], [0.25, 0.75], risk=0.5)
        neutral = preferences([0.2, 0.8], [0.25, 0.75], risk=1.0)
        seeking = preferences([0.2, 0.8], [0.25, 0.75], risk=2.0)
        np.testing.assert_allclose(averse.utility(x), [0.6324555320336759])
        np.testing.assert_allclose(neutral.utility(x), [0.4])
        np.testing.assert_allclose(seeking.utility(x), [0.16])
        np.testing.assert_allclose(averse.additive(x), neutral.additive(x))

    def test_additive_level_inverts_the_exponent(self):
        # rho = .5: level for .7 is .7 ** 2 = .49; rho = 2: .7 ** .5 = .8366600265...
        averse = preferences([0.0], [1.0], risk=0.5)
        seeking = preferences([0.0], [1.0], risk=2.0)
        np.testing.assert_allclose(averse.additive_level(np.array([0.7])), [0.49])
        np.testing.assert_allclose(seeking.additive_level(np.array([0.7])), [0.8366600265340756])
        # A package at that additive level is worth exactly the aspiration: 1 - .51 = .49.
        np.testing.assert_allclose(averse.utility(package(0.51)), [0.7])

    def test_additive_level_clips_the_aspiration(self):
        p = preferences([0.0], [1.0], risk=0.5)
        np.testing.assert_array_equal(p.additive_level(np.array([1.2, -0.1])), [1.0, 0.0])


class TestScenarioSaliences:
    def test_saliences_are_normalised_and_used_by_the_agents(self):
        data = {
            "negotiation": {"rounds": 1},
            "issues": {"a": {"status_quo": 0.5}, "b": {"status_quo": 0.5}},
            "agents": {
                "x": {
                    "reservation": 0.0,
                    "strategy": "time_dependent",
                    "preferences": {
                        "a": {"ideal": 0.2, "salience": 2},
                        "b": {"ideal": 0.8, "salience": 6},
                    },
                },
                "y": {
                    "reservation": 0.0,
                    "strategy": "time_dependent",
                    "risk": 2.0,
                    "preferences": {
                        "a": {"ideal": 1.0, "salience": 0},
                        "b": {"ideal": 0.0, "salience": 3},
                    },
                },
            },
        }
        scenario = validate(data, "test.yaml")
        # 2 : 6 -> .25 : .75, and 0 : 3 -> 0 : 1
        assert scenario.agent("x").salience == pytest.approx({"a": 0.25, "b": 0.75})
        assert scenario.agent("y").salience == pytest.approx({"a": 0.0, "b": 1.0})
        x, y = NegotiationModel(scenario, replications=2, seed=0).state_agents
        sq = np.full((2, 2), 0.5)
        # x: .25 * .7 + .75 * .7 = .7; y: (1 * .5) ** 2 = .25
        np.testing.assert_allclose(x.utility(sq), [0.7, 0.7])
        np.testing.assert_allclose(y.utility(sq), [0.25, 0.25])
