"""Pressures, the cooperation index and a misread signal: the tactical pause, at run time.

See :mod:`sim.scenario.dynamics` for the scenario sections. Random draws (the AR(1) shocks) are
taken per session for every round, and skipped rounds still advance the state, so results do not
depend on how replications are batched.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.core.preferences import issue_utility
from sim.scenario.dynamics import MisreadSpec, PressureSpec

if TYPE_CHECKING:
    from sim.core.agents import StateAgent
    from sim.core.model import NegotiationModel


class Pressures:
    """Levels in [0, 1] per replication; ``effects=False`` keeps the levels but not their
    effect (the counterfactual run: same random draws, no pressure on anyone)."""

    def __init__(
        self, model: NegotiationModel, specs: tuple[PressureSpec, ...], effects: bool = True
    ):
        self.specs = specs
        self.effects = effects
        self.level = {
            spec.name: np.full(model.n, spec.ar1_start if spec.stochastic else spec.by_session[0])
            for spec in specs
        }
        self._agents = {agent.name: agent for agent in model.state_agents}
        self._shocks: dict[str, np.ndarray] = {}

    def start_session(self, model: NegotiationModel) -> None:
        self._shocks = {
            spec.name: model.streams.normal(model.rounds) for spec in self.specs if spec.stochastic
        }

    def _advance(self, session: int, round_: int) -> None:
        for spec in self.specs:
            if not spec.stochastic:
                self.level[spec.name][:] = spec.by_session[min(session, len(spec.by_session) - 1)]
            elif session > 0 or round_ > 0:
                shock = self._shocks[spec.name][:, round_]
                level = spec.ar1_mean + spec.ar1_phi * (self.level[spec.name] - spec.ar1_mean)
                self.level[spec.name] = np.clip(level + spec.ar1_sigma * shock, 0.0, 1.0)

    def begin_round(self, model: NegotiationModel) -> None:
        if not self.specs:
            return
        self._advance(model.session, model.round)
        if not self.effects:
            return
        for agent in self._agents.values():
            scale = np.ones(model.n)
            shift = np.zeros(model.n)
            for spec in self.specs:
                if spec.agent == agent.name:
                    scale = scale * (1.0 + spec.concession * self.level[spec.name])
                    shift = shift + spec.reservation * self.level[spec.name]
            agent.concession_scale = np.maximum(scale, 0.0)
            agent.reservation_shift = shift
            agent.refresh_floor()

    def skip_rounds(self, session: int, first: int, rounds: int) -> None:
        for round_ in range(first, rounds):
            self._advance(session, round_)


def peripheral_weights(agent: StateAgent, other: StateAgent) -> np.ndarray:
    """The other side's saliences on the issues where ``agent`` has no red line, normalised."""
    core = agent.red_lines.core
    weights = np.where(core, 0.0, other.preferences.salience)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.full_like(weights, np.nan), where=total > 0)


def cooperation_index(
    agent: StateAgent, other: StateAgent, position: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """How much ``agent``'s position gives ``other`` on the agent's peripheral issues, in [0, 1]:
    the other side's utility restricted to those issues (its core interests are left out).
    ``weights``: :func:`peripheral_weights`, if already known."""
    prefs = other.preferences
    if weights is None:
        weights = peripheral_weights(agent, other)
    return np.sum(weights * issue_utility(position, prefs.ideal, prefs.shape), axis=-1)


class Misread:
    """The observer's belief that the target's softening is genuine.

    In every round of the run, the observer sees whether the target's standing cooperation index
    (its latest offer, or what it agreed) is above ``signal`` and updates by Bayes' rule with the likelihoods
    ``soft_if_genuine`` and ``soft_if_tactical``. It does not know about the pressure behind the
    softening: that is the misreading. Past ``threshold`` it tests the target's core interest
    once (its next offer asks for ``probe.value`` there), and the target walks out: the session
    ends in conflict, its trust falls, and it suspends what it had implemented on the peripheral
    issues it implements (they return to their pre-talks values).
    """

    def __init__(self, model: NegotiationModel, spec: MisreadSpec):
        self.spec = spec
        agents = {agent.name: agent for agent in model.state_agents}
        self.observer, self.target = agents[spec.observer], agents[spec.target]
        self.issue = model.issues.index(spec.probe_issue)
        self.prior_log_odds = math.log(spec.prior / (1 - spec.prior)) if spec.prior < 1 else 30.0
        self.log_odds = np.full(model.n, self.prior_log_odds)
        self.tested = np.zeros(model.n, dtype=bool)
        self.walkouts = np.zeros(model.n, dtype=int)
        self.crossed = np.zeros(model.n, dtype=bool)
        g, t = spec.soft_if_genuine, spec.soft_if_tactical
        self._if_soft = math.log(g / t)
        self._if_firm = math.log((1 - g) / (1 - t))
        self._open = np.zeros(model.n, dtype=bool)
        target_index = model.scenario.agent_names.index(spec.target)
        core = self.target.red_lines.core
        self.suspendable = np.flatnonzero(
            (model.implementer == target_index) & ~np.broadcast_to(core, model.implementer.shape)
        )

    @property
    def belief(self) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds))

    def before_round(self, model: NegotiationModel) -> None:
        self._open = model.open.any(axis=1)
        ready = (self.belief >= self.spec.threshold) & ~self.tested & self._open
        self.observer.probe = (self.issue, self.spec.probe_value, ready) if ready.any() else None

    def observe(self, model: NegotiationModel, rounds: int = 1) -> None:
        """Update on ``rounds`` rounds of the target's current standing (skipped rounds of a
        settled session are observed at the end of the session, as if played)."""
        soft = model.cooperation[self.target.name] > self.spec.signal
        step = np.where(soft, self._if_soft, self._if_firm)
        for _ in range(rounds):  # one addition per round, as when the rounds are played
            self.log_odds = self.log_odds + step

    def after_round(self, model: NegotiationModel) -> None:
        target = self.target
        open_rows = self._open
        self.observe(model)
        probe = self.observer.probe
        self.observer.probe = None
        if probe is None or self.observer.last_offer_round != model.round:
            return
        _, _, asked = probe
        self.crossed |= asked
        self.tested |= asked
        offer = self.observer.last_offer
        provoked = asked & ~target.red_lines.admits_issues(offer)[:, self.issue] & open_rows
        model.end_in_conflict(provoked)
        target.trust = np.where(
            provoked, target.trust * (1 - self.spec.walkout_trust_penalty), target.trust
        )
        self.walkouts += provoked
        model.walked_out |= provoked
        model.trace.walkout(target, provoked)
        if provoked.any():
            # Walking out, the target also suspends what it had implemented on its peripheral
            # issues: they return to where they stood before the talks.
            suspended = np.asarray(self.suspendable)
            model.status_quo[np.ix_(provoked, suspended)] = model.initial_status_quo[
                np.ix_(provoked, suspended)
            ]
            model._update_cooperation(provoked)
        # Having seen the reaction, the observer falls back to its prior.
        self.log_odds = np.where(asked, self.prior_log_odds, self.log_odds)
