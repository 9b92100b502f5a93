"""The negotiation model: one ``step()`` is one bargaining round for every replication.

A run is ``sessions`` sessions of up to ``rounds`` rounds. At the end of a session each agreed
issue is implemented by its implementer with that agent's compliance probability; implemented
values become the next session's status quo, and a broken commitment lowers the victim's trust,
which slows its concessions in the sessions that follow (see ``StateAgent.update_aspiration``).
"""

from __future__ import annotations

import numpy as np

from sim.core._mesa import Model, release_model
from sim.core.agents import StateAgent
from sim.core.dynamics import Misread, Pressures, cooperation_index, peripheral_weights
from sim.core.events import Events
from sim.core.preferences import Preferences, issue_utility
from sim.core.protocols import PROTOCOLS
from sim.core.red_lines import RedLines, count_violations
from sim.core.rng import BlockStreams, fresh_seed
from sim.core.strategies.base import View, get_strategy
from sim.core.trace import Trace
from sim.scenario.distributions import Distribution, PerReplication
from sim.scenario.spec import ALL_PARTIES, Scenario, Value


class NegotiationModel(Model):
    """Bilateral negotiation over a scenario, for replications ``[start, start + replications)``.

    Every agent array has a leading replication axis; a single interactive run is a batch of one.
    ``trace`` is how many of the first replications keep a round-by-round record of offers.
    """

    def __init__(
        self,
        scenario: Scenario,
        replications: int = 1,
        seed: int | None = None,
        *,
        start: int = 0,
        protocol: str | None = None,
        trace: int = 0,
        pressure_effects: bool = True,
    ):
        self.seed = fresh_seed() if seed is None else int(seed)
        super().__init__(seed=self.seed)
        self.scenario = scenario
        self.streams = BlockStreams(self.seed, start, start + replications)
        self.n = replications
        self.start = start
        self.issues = scenario.issue_names
        negotiation = scenario.negotiation
        self.protocol = PROTOCOLS[protocol or negotiation.protocol]()
        self.sessions = negotiation.sessions
        self.rounds = negotiation.rounds
        self.fall_back_on_status_quo = negotiation.disagreement == "status_quo"
        self.session = 0
        self.round = 0

        n, n_issues = replications, len(self.issues)
        # Parameters are drawn in a fixed order: status quo, agents, trust, then events.
        self.status_quo = np.stack(
            [self.draw(issue.status_quo) for issue in scenario.issues], axis=1
        )
        self.initial_status_quo = self.status_quo.copy()
        self.state_agents = [self._make_agent(spec) for spec in scenario.agents]
        release_model(self)
        trust = scenario.trust
        self.trust_penalty, self.trust_recovery = (
            self.draw(trust.penalty),
            self.draw(trust.recovery),
        )
        self.events = Events(self, scenario.events)
        self.pressures = Pressures(self, scenario.pressures, effects=pressure_effects)
        # Cooperation index of each agent, now and for every round of the run (see sim.core.dynamics).
        self.cooperation = {agent.name: np.full(n, np.nan) for agent in self.state_agents}
        self.cooperation_path = {
            agent.name: np.full((n, self.sessions * self.rounds), np.nan, dtype=np.float32)
            for agent in self.state_agents
        }
        self.walked_out = np.zeros(n, dtype=bool)
        self._peripheral: dict[tuple[str, int], np.ndarray] = {}
        first = scenario.agent_names.index(negotiation.first_proposer)
        self.agents_in_order = (self.state_agents[first], self.state_agents[1 - first])
        self.implementer = np.array(
            [
                -1
                if issue.implementer == ALL_PARTIES
                else scenario.agent_names.index(issue.implementer)
                for issue in scenario.issues
            ]
        )
        self.misread = Misread(self, scenario.misread) if scenario.misread else None

        self.open = np.zeros((n, n_issues), dtype=bool)
        self.agreed = np.zeros((n, n_issues), dtype=bool)
        self.agreed_value = np.full((n, n_issues), np.nan)
        self.agreed_round = np.full((n, n_issues), -1)
        self.conflict = np.zeros(n, dtype=bool)
        self.ever_agreed = np.zeros((n, n_issues), dtype=bool)
        self.sessions_agreed = np.zeros(n, dtype=int)
        self.rounds_to_agreement = np.full(n, np.nan)
        self.violations = np.zeros(n, dtype=int)
        self.broken = np.zeros(n, dtype=int)
        self.stalled = np.zeros(n, dtype=int)
        self.red_line_blocks = np.zeros(n, dtype=int)
        self.exhausted = np.zeros(n, dtype=int)
        self.conflicts = np.zeros(n, dtype=int)
        self.widest_gap = np.zeros((n, n_issues), dtype=int)
        self.trace = Trace(self, min(trace, n))
        # The first session's bargaining problem and outcome, for comparison with theory.
        self.first_floor = np.full((n, 2), np.nan)
        self.first_agreement = np.full((n, n_issues), np.nan)

    def draw(self, value: Value) -> np.ndarray:
        """(R,) values of a scenario number: constant, or drawn per replication."""
        if isinstance(value, Distribution):
            return self.streams.draw(value.sample).astype(float)
        if isinstance(value, PerReplication):
            return value.take(self.start, self.n)
        return np.full(self.n, float(value))

    def _make_agent(self, spec) -> StateAgent:
        n = self.n

        def vector(values: dict[str, Value]) -> np.ndarray:
            return np.stack([self.draw(values[issue]) for issue in self.issues], axis=1)

        ideal = vector(spec.ideal)
        weight = vector(spec.salience)
        total = weight.sum(axis=1, keepdims=True)
        # A replication that drew all-zero saliences weighs its issues equally.
        salience = np.divide(
            weight, total, out=np.full_like(weight, 1 / weight.shape[1]), where=total > 0
        )
        risk = self.draw(spec.risk)
        reservation, discount, compliance = (
            self.draw(spec.reservation),
            self.draw(spec.discount),
            self.draw(spec.compliance),
        )
        strategy_params = {key: self.draw(value) for key, value in spec.strategy_params.items()}
        initial_trust = self.draw(self.scenario.trust.initial)

        return StateAgent(
            self,
            name=spec.name,
            preferences=Preferences(ideal=ideal, salience=salience, shape=spec.utility, risk=risk),
            red_lines=RedLines.from_spec(spec, self.issues),
            strategy=get_strategy(spec.strategy)(n, **strategy_params),
            reservation=reservation,
            discount=discount,
            compliance=compliance,
            initial_trust=initial_trust,
        )

    # --- what protocols use ---------------------------------------------------------------

    def proposer_order(self, round_: int) -> tuple[StateAgent, StateAgent]:
        first, second = self.agents_in_order
        return (first, second) if round_ % 2 == 0 else (second, first)

    def opponent(self, agent: StateAgent) -> StateAgent:
        a, b = self.state_agents
        return b if agent is a else a

    def view_for(self, agent: StateAgent) -> View:
        other = self.opponent(agent)
        concession = None
        if other.last_offer_round == self.round - 1 and other.previous_offer is not None:
            concession = other.utility(other.previous_offer) - other.utility(other.last_offer)
        return View(
            round=self.round,
            rounds=self.rounds,
            floor=agent.floor,
            opp_floor=other.floor,
            own_last_offer=agent.last_offer,
            opp_last_offer=other.last_offer,
            opp_concession=concession,
            own_utility=agent.utility,
            opp_utility=other.utility,
        )

    def update_aspirations(self) -> None:
        views = [self.view_for(agent) for agent in self.state_agents]
        for agent, view in zip(self.state_agents, views, strict=True):
            agent.update_aspiration(view)

    def record_offer(self, agent: StateAgent, offer: np.ndarray) -> None:
        self.trace.offer(agent, offer)

    def record_response(self, responder: StateAgent, accepted: np.ndarray) -> None:
        self.trace.response(responder, accepted)

    def close(self, accepted: np.ndarray, package: np.ndarray) -> None:
        """Settle the still-open issues where ``accepted`` (R, I) holds, at ``package``."""
        new = accepted & self.open
        self.agreed |= new
        self.agreed_value = np.where(new, package, self.agreed_value)
        self.agreed_round = np.where(new, self.round, self.agreed_round)
        self.open &= ~new

    def end_in_conflict(self, rows: np.ndarray) -> None:
        self.conflict |= rows
        self.open[rows] = False

    # --- the round loop ---------------------------------------------------------------------

    def step(self) -> None:
        if self.round == 0:
            self._start_session()
        self.events.begin_round(self)
        self.pressures.begin_round(self)
        if self.misread is not None:
            self.misread.before_round(self)
        was_open = self.open.any(axis=1)
        self.protocol.play_round(self)
        self._update_cooperation(was_open)
        if self.misread is not None:
            self.misread.after_round(self)
        self.events.end_round()
        self.round += 1
        if self.round >= self.rounds or not self.open.any():
            self._end_session()

    def run(self) -> NegotiationModel:
        while self.running:
            self.step()
        return self

    def _start_session(self) -> None:
        self.open[:] = True
        self.agreed[:] = False
        self.agreed_value[:] = np.nan
        self.agreed_round[:] = -1
        self.conflict[:] = False
        self.walked_out[:] = False
        for agent in self.state_agents:
            agent.start_session(self.status_quo, self.fall_back_on_status_quo)
        if self.session == 0:
            self.first_floor = np.column_stack([agent.floor for agent in self.state_agents])
        self.events.start_session(self)
        self.pressures.start_session(self)

    @property
    def belief(self) -> np.ndarray | None:
        """The misread observer's belief that the target's softening is genuine (or None)."""
        return None if self.misread is None else self.misread.belief

    @property
    def pressure(self) -> dict[str, np.ndarray]:
        return self.pressures.level

    def _update_cooperation(self, was_open: np.ndarray) -> None:
        """Each agent's standing position (agreed values, else its latest offer, else the status
        quo) scored by the cooperation index, for this round of the run. Replications whose
        session was already settled keep their score, as in the rounds a batch skips."""
        column = self.session * self.rounds + self.round
        for agent in self.state_agents:
            latest = self.status_quo if agent.last_offer is None else agent.last_offer
            position = np.where(self.agreed, self.agreed_value, latest)
            position = np.where(self.walked_out[:, None], self.status_quo, position)
            other = self.opponent(agent)
            key = (agent.name, id(other.preferences))
            if key not in self._peripheral:  # preferences change only through events
                self._peripheral = {k: v for k, v in self._peripheral.items() if k[0] != agent.name}
                self._peripheral[key] = peripheral_weights(agent, other)
            score = cooperation_index(agent, other, position, self._peripheral[key])
            self.cooperation[agent.name] = np.where(was_open, score, self.cooperation[agent.name])
            self.cooperation_path[agent.name][:, column] = self.cooperation[agent.name]

    def _end_session(self) -> None:
        self.events.skip_rounds(self.session, self.round, self.rounds)
        self.pressures.skip_rounds(self.session, self.round, self.rounds)
        first_skipped = self.session * self.rounds + self.round
        last = (self.session + 1) * self.rounds
        for agent in self.state_agents:  # skipped rounds keep the settled positions
            self.cooperation_path[agent.name][:, first_skipped:last] = self.cooperation[agent.name][
                :, None
            ]
        if self.misread is not None:
            self.misread.observe(self, rounds=self.rounds - self.round)
        self._diagnose_stalls()
        agreed = self.agreed
        sq = self.status_quo
        value = np.where(agreed, self.agreed_value, sq)
        complies = [
            self.streams.uniform(len(self.issues)) < agent.compliance[:, None]
            for agent in self.state_agents
        ]
        fails = [~c for c in complies]
        everyone = np.logical_and.reduce(complies)
        done = np.where(
            self.implementer == -1, everyone, np.choose(np.maximum(self.implementer, 0), complies)
        )
        # An agreement that leaves an issue where it was needs nobody to act.
        needs_action = np.abs(value - sq) > 1e-9
        implemented = done | ~needs_action
        kept = agreed & implemented
        outcome = np.where(kept, value, sq)

        for victim_index, victim in enumerate(self.state_agents):
            breaker_index = 1 - victim_index
            by_breaker = np.where(
                self.implementer == -1, fails[breaker_index], self.implementer == breaker_index
            )
            broken = agreed & ~implemented & by_breaker
            prefs = victim.preferences
            gain = prefs.salience * np.maximum(
                issue_utility(value, prefs.ideal, prefs.shape)
                - issue_utility(sq, prefs.ideal, prefs.shape),
                0.0,
            )
            promised = np.where(agreed, gain, 0.0).sum(axis=1)
            lost = np.where(broken, gain, 0.0).sum(axis=1)
            share = np.divide(lost, promised, out=np.zeros_like(lost), where=promised > 0)
            trust = victim.trust * (1.0 - self.trust_penalty * share)
            recovered = trust + self.trust_recovery * (1.0 - trust)
            victim.trust = np.where(lost > 0, trust, recovered)

        any_agreed = agreed.any(axis=1)
        if self.session == 0:
            self.first_agreement = np.where(any_agreed[:, None], value, np.nan)
        first_round = np.where(agreed, self.agreed_round, self.rounds).min(axis=1)
        elapsed = self.session * self.rounds + first_round + 1
        self.rounds_to_agreement = np.where(
            any_agreed & np.isnan(self.rounds_to_agreement), elapsed, self.rounds_to_agreement
        )
        self.sessions_agreed += any_agreed
        self.ever_agreed |= agreed
        self.violations += count_violations(
            self.agreed_value, agreed, [agent.red_lines for agent in self.state_agents]
        )
        self.broken += (agreed & ~implemented).sum(axis=1)
        self.trace.end_session(agreed, self.agreed_value, implemented)
        self.status_quo = outcome
        self.session += 1
        self.round = 0
        if self.session >= self.sessions:
            self.running = False

    def _diagnose_stalls(self) -> None:
        """Why sessions left open stalled.

        ``red_line_blocks``: an offer on the table was good enough for the other side but crossed
        its red line (judged issue by issue when there is no linkage). ``exhausted``: both sides
        had conceded as far as they could (their floor, or less far when trust or pressure holds
        them back) and the offers still did not meet. ``widest_gap``: the issue furthest apart
        (salience-weighted). Sessions that ended in conflict count as stalled and as conflicts
        only: their offers went on changing after the conflict in a batch that kept playing.
        """
        reached_deadline = self.open.any(axis=1)
        self.stalled += reached_deadline | self.conflict
        self.conflicts += self.conflict
        stalled = reached_deadline
        a, b = self.state_agents
        at_limit = [agent.aspiration <= agent.lowest_aspiration() + 1e-9 for agent in (a, b)]
        self.exhausted += stalled & at_limit[0] & at_limit[1]
        if a.last_offer is None or b.last_offer is None:
            return
        blocked = np.zeros_like(stalled)
        for proposer, responder in ((a, b), (b, a)):
            offer = proposer.last_offer
            if self.protocol.linkage:
                good_enough = responder.utility(offer) >= responder.aspiration - 1e-12
                blocked |= good_enough & ~responder.red_lines.admits(offer)
            else:
                crossing = responder.accepts_issues_on_utility(
                    offer
                ) & ~responder.red_lines.admits_issues(offer)
                blocked |= (crossing & self.open).any(axis=1)
        self.red_line_blocks += stalled & blocked
        weight = a.preferences.salience + b.preferences.salience
        gap = np.where(self.open, np.abs(a.last_offer - b.last_offer) * weight, -1.0)
        widest = np.argmax(gap, axis=1)
        self.widest_gap[np.flatnonzero(stalled), widest[stalled]] += 1

    # --- results ----------------------------------------------------------------------------

    def outcomes(self) -> dict[str, np.ndarray]:
        """One row per replication: the columns of the per-replication table."""
        columns: dict[str, np.ndarray] = {
            "rep": np.arange(self.start, self.start + self.n),
            "agreement": self.sessions_agreed > 0,
            "sessions_agreed": self.sessions_agreed,
            "rounds_to_agreement": self.rounds_to_agreement,
            "red_line_violations": self.violations,
            "broken_commitments": self.broken,
            "stalled_sessions": self.stalled,
            "red_line_blocks": self.red_line_blocks,
            "exhausted_sessions": self.exhausted,
            "conflicts": self.conflicts,
        }
        initial = self.initial_status_quo
        for agent in self.state_agents:
            core = np.broadcast_to(agent.red_lines.core, (len(self.issues),))
            moved = np.abs(self.status_quo - initial)[:, core]
            columns[f"core_movement_{agent.name}"] = (
                moved.max(axis=1) if moved.shape[1] else np.zeros(self.n)
            )
            columns[f"cooperation_{agent.name}"] = self.cooperation_path[agent.name].mean(
                axis=1, dtype=float
            )
        for name, level in self.pressure.items():
            columns[f"pressure_{name}"] = level
        if self.misread is not None:
            columns["misread"] = self.misread.crossed
            columns["walkouts"] = self.misread.walkouts
            columns["belief"] = self.misread.belief
        for e, event in enumerate(self.scenario.events):
            columns[f"event_{event.name}"] = self.events.fired[:, e]
        for i, issue in enumerate(self.issues):
            columns[f"agreed_{issue}"] = self.ever_agreed[:, i]
            columns[f"value_{issue}"] = self.status_quo[:, i]
            columns[f"widest_gap_{issue}"] = self.widest_gap[:, i]
        anything_agreed = self.sessions_agreed > 0
        delay = np.where(anything_agreed, self.rounds_to_agreement - 1, 0)
        for agent in self.state_agents:
            final = agent.utility(self.status_quo)
            if not self.fall_back_on_status_quo:  # failing to agree leaves the reservation utility
                final = np.where(anything_agreed, final, agent.reservation)
            columns[f"utility_{agent.name}"] = final
            columns[f"discounted_{agent.name}"] = final * agent.discount**delay
            columns[f"gain_{agent.name}"] = final - agent.utility(self.initial_status_quo)
            columns[f"trust_{agent.name}"] = agent.trust
        return columns
