"""The single negotiating text: a mediator drafts one package and the agents answer it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core import rowwise
from sim.core.protocols.base import BargainingProtocol, register
from sim.core.session import Session

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent

# A gain over the floor counts as at least this, so a text below an agent's floor pulls hard.
_LEAST_GAIN = 1e-6


@dataclass
class MediatorSeat:
    """How the mediator's text appears in the round-by-round trace: an offer by ``mediator``."""

    aspiration: np.ndarray
    name: str = "mediator"
    probe: None = None


@register
class MediatedSingleText(BargainingProtocol):
    """Fisher's single negotiating text (Fisher & Ury 1981; Raiffa 1982, ch. 14), as automated
    by Klein et al. (2003).

    A mediator drafts one text: at the start of each session, on each issue, the agents' ideals
    averaged with their weights times saliences, inside every agent's admissible box. In every
    round each agent says yes to the text if it reaches its aspiration and crosses none of its
    red lines (``StateAgent.accepts``); the text is agreed when the answers meet the ratification
    rule. Otherwise the mediator moves it by the scenario's ``negotiation.mediator`` rule, never
    outside any agent's admissible box (so a red line is always a veto):

    * ``nash_step`` (the default): one step of size ``step / sqrt(round + 1)`` (the largest
      issue move) in the direction that raises fastest the Nash product of the additive gains,
      over their floors, of the agents who said no (the gradient of the sum of their log-gains,
      weighted by ``weight``): toward the Nash point of those who said no.
    * ``anneal``: a random perturbation of every issue, uniform within ``spread``, kept when it
      lowers the agents' total weighted shortfall from their aspirations, or else with the
      probability ``exp(-increase / T)``, the temperature ``T = temperature * cooling ** round``
      (simulated annealing; Klein et al. 2003). The draws for a session are made at its start, so
      a replication's numbers do not depend on when the rest of its batch settles.

    The agents make no offers of their own: a strategy that answers the others' concessions
    (tit-for-tat, Zeuthen) sees how far their aspirations fell in the previous round, as a
    mediator reports how far each party has moved, and the misread observer's probe has nothing
    to ride on under this protocol.
    """

    name = "mediated_single_text"
    linkage = True
    agents_offer = False

    def __init__(self) -> None:
        self.text: np.ndarray | None = None

    def play_round(self, session: Session) -> None:
        k = session.round
        agents = tuple(session.state_agents)
        if k == 0:
            self._start_session(session, agents)
        session.update_aspirations()
        text = self.text
        self.seat.aspiration = np.full(session.n, np.nan)
        session.record_offer(self.seat, text)
        votes = session.ratifier.votes(lambda agent: agent.accepts(text))
        agreed = session.ratifier.ratifies(votes, text)
        accepted = np.broadcast_to(agreed[:, None], text.shape) & session.open
        session.record_response(agents[0], accepted)
        session.close(accepted, text, votes)
        moving = rowwise.any_(session.open)
        if self.rule.rule == "anneal":
            moved = self._anneal(agents, text, k)
        else:
            moved = self._nash_step(agents, text, votes, k)
        self.text = np.where(moving[:, None], moved, text)

    def _start_session(self, session: Session, agents: tuple[StateAgent, ...]) -> None:
        self.rule = session.mediator
        self.seat = MediatorSeat(np.full(session.n, np.nan))
        shape = (session.n, len(session.issues))
        self.low = np.max([np.broadcast_to(a.admissible.low, shape) for a in agents], axis=0)
        self.high = np.min([np.broadcast_to(a.admissible.high, shape) for a in agents], axis=0)
        pull = [a.weight * a.preferences.salience for a in agents]
        total = np.sum(pull, axis=0)
        mean = np.sum([p * a.preferences.ideal for p, a in zip(pull, agents, strict=True)], axis=0)
        draft = np.divide(mean, total, out=np.full_like(total, 0.5), where=total > 0)
        self.text = self._inside(draft)
        if self.rule.rule == "anneal":
            issues = len(session.issues)
            self.perturbation = session.streams.uniform(session.rounds, issues)
            self.chance = session.streams.uniform(session.rounds)

    def _inside(self, package: np.ndarray) -> np.ndarray:
        """Inside every agent's admissible box (at the upper bound where the boxes do not meet:
        nothing there can be agreed, since a red line is a veto)."""
        return np.clip(package, self.low, self.high)

    def _nash_step(self, agents, text, votes, k: int) -> np.ndarray:
        direction = np.zeros_like(text)
        for index, agent in enumerate(agents):
            prefs = agent.preferences
            gap = prefs.ideal - text
            slope = prefs.salience * (np.sign(gap) if prefs.shape == "linear" else 2.0 * gap)
            gain = prefs.additive(text) - prefs.additive_level(agent.floor)
            said_no = ~votes[:, index]
            weight = np.where(said_no, agent.weight / np.maximum(gain, _LEAST_GAIN), 0.0)
            direction += weight[:, None] * slope
        largest = np.abs(direction).max(axis=1, keepdims=True)
        unit = np.divide(direction, largest, out=np.zeros_like(direction), where=largest > 0)
        return self._inside(text + self.rule.step / np.sqrt(k + 1.0) * unit)

    def _anneal(self, agents, text, k: int) -> np.ndarray:
        candidate = self._inside(text + self.rule.spread * (2.0 * self.perturbation[:, k] - 1.0))
        increase = self._shortfall(agents, candidate) - self._shortfall(agents, text)
        temperature = self.rule.temperature * self.rule.cooling**k
        with np.errstate(over="ignore"):
            keep = (increase <= 0) | (self.chance[:, k] < np.exp(-increase / temperature))
        return np.where(keep[:, None], candidate, text)

    @staticmethod
    def _shortfall(agents, package: np.ndarray) -> np.ndarray:
        """(R,) How far the agents are from accepting ``package``, weighted."""
        return np.sum(
            [a.weight * np.maximum(a.aspiration - a.utility(package), 0.0) for a in agents], axis=0
        )
