"""The acceptance conditions of Baarslag, Hindriks & Jonker (2014, "Effective acceptance
conditions in bilateral automated negotiation", Decision Support Systems 60), per replication.

``aspiration`` (the default): accept what reaches this round's aspiration, the level of the offer
the agent would make now. ``ac_next``: accept what beats the agent's *next* offer,
``alpha * U(offer) + beta >= U(next offer)``; the next offer's level is this round's aspiration
carried on by the last round's concession for the rounds until the agent proposes again (its
turn comes every ``n - 1`` rounds among ``n`` agents taking turns). ``ac_const``: accept anything
worth at least ``alpha``. ``ac_time``: accept anything once the session's time ``tau`` reaches
``T``. ``ac_combi``: ``ac_next``, or after ``T`` anything at least as good as the best offer
received so far in the session (AC_combi(T, MAX)). No condition accepts below the floor.
"""

from __future__ import annotations

import numpy as np

from sim.core.acceptance.base import REACHES, Acceptance, Judge, Param, register


@register
class AspirationLevel(Acceptance):
    name = "aspiration"

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        return utility >= agent.aspiration - REACHES


def next_offer_level(agent: Judge) -> np.ndarray:
    """The utility of the agent's next offer: its aspiration, carried on by the last round's
    concession for the rounds until its next turn, never below its floor."""
    if agent.previous_aspiration is None:
        return agent.aspiration
    step = np.maximum(agent.previous_aspiration - agent.aspiration, 0.0)
    return np.maximum(agent.aspiration - step * agent.turn_gap, agent.floor)


@register
class AcNext(Acceptance):
    name = "ac_next"
    params = {
        "alpha": Param(1.0, 0.0, 10.0, "scale of the offer's utility", low_open=True),
        "beta": Param(0.0, -1.0, 1.0, "added to the scaled utility"),
    }

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        level = np.maximum(next_offer_level(agent), agent.floor)
        return (self.alpha * utility + self.beta >= level - REACHES) & (
            utility >= agent.floor - REACHES
        )


@register
class AcConst(Acceptance):
    name = "ac_const"
    params = {"alpha": Param(0.8, 0.0, 1.0, "the constant utility accepted")}

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        return utility >= np.maximum(self.alpha, agent.floor) - REACHES


@register
class AcTime(Acceptance):
    name = "ac_time"
    params = {"T": Param(0.9, 0.0, 1.0, "share of the session after which anything is accepted")}

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        return (agent.time >= self.T) & (utility >= agent.floor - REACHES)


@register
class AcCombi(Acceptance):
    name = "ac_combi"
    params = {
        "T": Param(0.9, 0.0, 1.0, "share of the session after which the best so far is accepted"),
        "alpha": AcNext.params["alpha"],
        "beta": AcNext.params["beta"],
    }

    def start_session(self) -> None:
        self.best: np.ndarray | None = None

    def accepts(self, agent: Judge, utility: np.ndarray) -> np.ndarray:
        best = np.full_like(utility, -np.inf) if self.best is None else self.best
        level = np.maximum(next_offer_level(agent), agent.floor)
        nxt = self.alpha * utility + self.beta >= level - REACHES
        late = (agent.time >= self.T) & (utility >= best - REACHES)
        self.best = np.maximum(best, utility)
        return (nxt | late) & (utility >= agent.floor - REACHES)
