"""The misread signal: the other side reads a tactical pause as a genuine softening.

Bilateral by nature: one observer reads one target (the scenario's ``misread`` section, see
:mod:`sim.scenario.dynamics`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core import rowwise
from sim.core.session import Session
from sim.scenario.dynamics import MisreadSpec


class Misread:
    """The observer's belief that the target's softening is genuine.

    In every round of the run, the observer sees whether the target's standing cooperation index
    (its latest offer, or what it agreed) is above ``signal`` and updates by Bayes' rule with the
    likelihoods ``soft_if_genuine`` and ``soft_if_tactical``. It does not know about the pressure
    behind the softening: that is the misreading. Past ``threshold`` it tests the target's core
    interest once (its next offer asks for ``probe.value`` there), and the target walks out
    (``Session.walk_out``): the session ends in conflict, its trust falls, and it suspends what it
    had implemented on the peripheral issues it implements. The belief is kept in the
    observer's opponent model of the target (one belief state, carried across sessions); a
    learning model also takes the walk-out as proof of a red line at the probed value.
    """

    def __init__(self, session: Session, spec: MisreadSpec):
        self.spec = spec
        agents = {agent.name: agent for agent in session.state_agents}
        self.observer, self.target = agents[spec.observer], agents[spec.target]
        self.issue = session.issues.index(spec.probe_issue)
        self.prior_log_odds = math.log(spec.prior / (1 - spec.prior)) if spec.prior < 1 else 30.0
        # One belief state: the log-odds live in the observer's opponent model of the target.
        self.state = self.observer.beliefs[self.target.name]
        self.log_odds = np.full(session.n, self.prior_log_odds)
        self.tested = np.zeros(session.n, dtype=bool)
        self.walkouts = np.zeros(session.n, dtype=int)
        self.crossed = np.zeros(session.n, dtype=bool)
        g, t = spec.soft_if_genuine, spec.soft_if_tactical
        self._if_soft = math.log(g / t)
        self._if_firm = math.log((1 - g) / (1 - t))
        self._open = np.zeros(session.n, dtype=bool)

    @property
    def log_odds(self) -> np.ndarray:
        """The observer's log-odds that the target's softening is genuine, kept in its opponent
        model of the target (``OpponentModel.softening_log_odds``)."""
        return self.state.softening_log_odds

    @log_odds.setter
    def log_odds(self, value: np.ndarray) -> None:
        self.state.softening_log_odds = value

    @property
    def belief(self) -> np.ndarray:
        """The logistic of the log-odds. Very negative log-odds overflow exp to inf, which
        gives the right belief, 0, so the overflow is not worth a warning."""
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-self.log_odds))

    def before_round(self, session: Session) -> None:
        self._open = rowwise.any_(session.open)
        ready = (self.belief >= self.spec.threshold) & ~self.tested & self._open
        self.observer.probe = (self.issue, self.spec.probe_value, ready) if ready.any() else None

    def observe(self, session: Session, rounds: int = 1) -> None:
        """Update on ``rounds`` rounds of the target's current standing (skipped rounds of a
        settled session are observed at the end of the session, as if played)."""
        soft = session.cooperation[self.target.name] > self.spec.signal
        step = np.where(soft, self._if_soft, self._if_firm)
        for _ in range(rounds):  # one addition per round, as when the rounds are played
            self.log_odds = self.log_odds + step

    def after_round(self, session: Session) -> None:
        target = self.target
        self.observe(session)
        probe = self.observer.probe
        self.observer.probe = None
        if probe is None or self.observer.last_offer_round != session.round:
            return
        _, _, asked = probe
        self.crossed |= asked
        self.tested |= asked
        offer = self.observer.last_offer
        provoked = asked & ~target.red_lines.admits_issues(offer)[:, self.issue] & self._open
        target.trust = np.where(
            provoked, target.trust * (1 - self.spec.walkout_trust_penalty), target.trust
        )
        self.walkouts += provoked
        if self.state.learns:  # a learning model takes the lesson: the red line is real
            self.state.red_line_learned(self.issue, self.spec.probe_value, provoked)
        session.walk_out(target, provoked)
        # Having seen the reaction, the observer falls back to its prior.
        self.log_odds = np.where(asked, self.prior_log_odds, self.log_odds)
