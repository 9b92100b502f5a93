"""The negotiation model: one ``step()`` is one bargaining round for every replication.

A run is ``sessions`` sessions of up to ``rounds`` rounds. In each round events and pressures
move, the protocol plays (:mod:`sim.core.protocols`), the cooperation index is scored and the
misread observer, if any, updates its belief. At the end of a session agreements are implemented
and trust updated (:mod:`sim.core.implementation`), stalls diagnosed
(:mod:`sim.core.diagnostics`) and the tally kept (:mod:`sim.core.outcomes`); implemented values
become the next session's status quo. Collaborators see the model through
:class:`~sim.core.session.Session`.
"""

from __future__ import annotations

import numpy as np

from sim.core import build, rowwise, views
from sim.core._mesa import Model, release_model
from sim.core.accuracy import Accuracy
from sim.core.agents import StateAgent
from sim.core.beliefs import Misread
from sim.core.catalogue import check_protocol
from sim.core.cooperation import Cooperation
from sim.core.diagnostics import StallDiagnostics
from sim.core.events import Events
from sim.core.implementation import Implementation
from sim.core.outcomes import Tally, outcome_columns
from sim.core.pressures import Pressures
from sim.core.protocols.base import get_protocol, resolve_protocol
from sim.core.ratification import Ratifier
from sim.core.red_lines import OneWay
from sim.core.rng import BlockStreams, TiledStreams, fresh_seed
from sim.core.strategies.base import View
from sim.core.trace import Trace
from sim.scenario.spec import Scenario, Value


class NegotiationModel(Model):
    """A negotiation over a scenario, for replications ``[start, start + replications)``.

    Every agent array has a leading replication axis; a single interactive run is a batch of one.
    ``protocol`` overrides the scenario's (:func:`~sim.core.protocols.base.resolve_protocol`);
    ``trace`` is how many of the first replications keep a round-by-round record of offers;
    ``pressure_effects=False`` keeps the pressure levels but not their effect.

    ``tiles > 1`` (a vectorised sweep) runs that many copies of the replications one after the
    other, each with its own streams seeded alike (:class:`~sim.core.rng.TiledStreams`), so tile
    p's rows are exactly the replications run alone; the scenario's
    :class:`~sim.scenario.distributions.PerTile` values give each tile its own numbers, and each
    tile traces its own first ``trace`` replications.
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
        tiles: int = 1,
    ):
        self.seed = fresh_seed() if seed is None else int(seed)
        super().__init__(seed=self.seed)
        self.scenario = scenario
        if tiles > 1 and scenario.lineup is not None:
            raise ValueError("a tournament's lineup cannot be tiled")
        self.streams = (
            BlockStreams(self.seed, start, start + replications)
            if tiles == 1
            else TiledStreams(self.seed, start, start + replications, tiles)
        )
        self.tiles = tiles
        self.n = replications * tiles
        self.start = start
        replications = self.n
        self.issues = scenario.issue_names
        negotiation = scenario.negotiation
        played = resolve_protocol(scenario, protocol)
        check_protocol(scenario, played)
        self.protocol = get_protocol(played)()
        self.mediator = negotiation.mediator
        self.win_sets = negotiation.win_sets
        self.sessions = negotiation.sessions
        self.rounds = negotiation.rounds
        self.fall_back_on_status_quo = negotiation.disagreement == "status_quo"
        self.one_way = OneWay.from_scenario(scenario)
        self.session = 0
        self.round = 0

        # Parameters are drawn in a fixed order: status quo, agents, trust, then events.
        self.status_quo = build.status_quo(scenario, self.draw)
        self.initial_status_quo = self.status_quo.copy()
        self.session_status_quo = self.status_quo  # where this session started (the audit's)
        self.state_agents = [
            build.state_agent(self, spec, scenario, self.draw) for spec in scenario.agents
        ]
        release_model(self)
        self.ratifier = Ratifier(negotiation.ratification, self.state_agents)
        for agent in self.state_agents:
            agent.turn_gap = len(self.state_agents) - 1
        self.implementation = Implementation(scenario, self.draw)
        self.events = Events(self, scenario.events)
        self.pressures = Pressures(self, scenario.pressures, effects=pressure_effects)
        build.opponent_models(scenario, self.state_agents, self.draw)
        self.misread = Misread(self, scenario.misread) if scenario.misread else None
        self.agents_in_order = build.proposing_order(scenario, self.state_agents)

        n, n_issues = replications, len(self.issues)
        # The session's state: open and agreed issues, at which value and in which round.
        self.open = np.zeros((n, n_issues), dtype=bool)
        self.agreed = np.zeros((n, n_issues), dtype=bool)
        self.agreed_value = np.full((n, n_issues), np.nan)
        self.agreed_round = np.full((n, n_issues), -1)
        self.conflict = np.zeros(n, dtype=bool)
        self.walked_out = np.zeros(n, dtype=bool)

        #: changes whenever an agent's standing position may move other than by its own offer
        #: (agreements, walk-outs, a new session's status quo): the cooperation index's cache key
        self.position_version = 0
        #: (version, rows): the latest change of version, if an agreement made it, and where
        self._settled: tuple[int, np.ndarray] | None = None
        self._cooperation = Cooperation(self)
        #: whether any agent's opponent model learns (the round loop then feeds the models)
        self._learning = any(
            model.learns for agent in self.state_agents for model in agent.beliefs.values()
        )
        self.accuracy = Accuracy(self) if self._learning else None
        #: whether some agent has a ratifier at home or public commitments
        self.two_level = any(
            agent.threshold is not None or agent.commitments is not None
            for agent in self.state_agents
        )
        self.tally = Tally(n, n_issues, self.one_way, len(self.state_agents))
        self.stalls = StallDiagnostics(n, n_issues)
        per_tile = n // tiles
        traced = np.arange(min(trace, per_tile))
        self.trace = Trace(self, len(traced), rows=(traced + per_tile * np.arange(tiles)[:, None]))

    def draw(self, value: Value) -> np.ndarray:
        """(R,) values of a scenario number: constant, or drawn per replication."""
        return build.draw(value, self.streams, self.start, self.n)

    # --- what collaborators read (sim.core.session.Session) --------------------------------------

    @property
    def cooperation(self) -> dict[str, np.ndarray]:
        return self._cooperation.now

    @property
    def cooperation_path(self) -> dict[str, np.ndarray]:
        """Each agent's cooperation index in every round of the run, (R, sessions * rounds)."""
        return self._cooperation.path

    @property
    def accuracy_path(self) -> dict[str, np.ndarray]:
        """Each agent's opponent-model accuracy in every round (empty when no model learns)."""
        return {} if self.accuracy is None else self.accuracy.path

    @property
    def pressure(self) -> dict[str, np.ndarray]:
        return self.pressures.level

    @property
    def belief(self) -> np.ndarray | None:
        """The misread observer's belief that the target's softening is genuine (or None)."""
        return None if self.misread is None else self.misread.belief

    @property
    def first_agreement(self) -> np.ndarray:
        """(R, I) the first session's agreement (NaN where none), for comparison with theory."""
        return self.tally.first_agreement

    def others(self, agent: StateAgent) -> list[StateAgent]:
        return [other for other in self.state_agents if other is not agent]

    def proposer_order(self, round_: int) -> tuple[StateAgent, ...]:
        turn = round_ % len(self.agents_in_order)
        return (*self.agents_in_order[turn:], *self.agents_in_order[:turn])

    def standing_position(self, agent: StateAgent, rows: np.ndarray | None = None) -> np.ndarray:
        """(R, I) where ``agent`` stands (read-only: it may be the agent's offer itself), or in
        the replications ``rows`` (indices) only."""
        latest = self.status_quo if agent.last_offer is None else agent.last_offer
        arrays = (self.agreed, self.agreed_value, self.walked_out, self.status_quo, latest)
        if rows is not None:
            arrays = tuple(array[rows] for array in arrays)
        agreed, value, walked, status_quo, latest = arrays
        position = np.where(agreed, value, latest) if agreed.any() else latest
        return np.where(walked[:, None], status_quo, position) if walked.any() else position

    def settled_since(self, version: int) -> np.ndarray | None:
        """The replications (indices) where agreements moved standing positions since
        ``position_version`` was ``version``, if nothing else moved them since; else None."""
        last = self._settled
        just_after = last is not None and last[0] == version == self.position_version - 1
        return last[1] if just_after else None

    def active_events(self, rep: int) -> str:
        return self.events.active_names(rep)

    def view_for(self, agent: StateAgent) -> View:
        """What ``agent``'s strategy may see (:func:`sim.core.views.view_for`)."""
        return views.view_for(self, agent)

    # --- what collaborators change ---------------------------------------------------------------

    def update_aspirations(self) -> None:
        views = [self.view_for(agent) for agent in self.state_agents]
        for agent, view in zip(self.state_agents, views, strict=True):
            agent.update_aspiration(view)

    def record_offer(self, agent: StateAgent, offer: np.ndarray) -> None:
        self.trace.offer(agent, offer)
        if self._learning:
            rows, time = rowwise.any_(self.open), (self.round + 1) / self.rounds
            for observer in self.others(agent) if agent in self.state_agents else ():
                model = observer.beliefs[agent.name]
                if model.learns:
                    model.observe_offer(offer, rows, time)

    def record_votes(self, proposer: StateAgent, offer: np.ndarray, votes: np.ndarray) -> None:
        if not self._learning:
            return
        rows = rowwise.any_(self.open)
        for index, responder in enumerate(self.state_agents):
            model = proposer.beliefs.get(responder.name)
            if responder is not proposer and model.learns:
                model.observe_answer(offer, votes[..., index], rows)

    def record_response(
        self, responder: StateAgent, accepted: np.ndarray, offered_by: StateAgent | None = None
    ) -> None:
        self.trace.response(responder, accepted, offered_by)

    def close(
        self, accepted: np.ndarray, package: np.ndarray, votes: np.ndarray | None = None
    ) -> None:
        """Settle the still-open issues where ``accepted`` (R, I) holds, at ``package``;
        ``votes`` (R, n), or (R, I, n) issue by issue, who accepted it, in scenario order."""
        new = accepted & self.open
        rows = rowwise.any_(new)
        if not rows.any():  # nothing settled this round: nothing to write
            return
        if votes is not None:
            yes = votes if votes.ndim == 2 else (votes | ~new[..., None]).all(axis=1)
            self.tally.vote(rows, yes, self.session)
        self._settled = (self.position_version, np.flatnonzero(rows))
        self.position_version += 1
        self.agreed |= new
        np.copyto(self.agreed_value, package, where=new)
        np.copyto(self.agreed_round, self.round, where=new)
        self.open &= ~new

    def end_in_conflict(self, rows: np.ndarray) -> None:
        self.conflict |= rows
        self.open[rows] = False

    def walk_out(self, agent: StateAgent, rows: np.ndarray) -> None:
        """``agent`` walks out where ``rows`` holds: the session ends in conflict, and the agent
        suspends what it had implemented on the peripheral issues it implements (they return to
        where they stood before the talks), so its standing cooperation is scored again."""
        self.end_in_conflict(rows)
        self.walked_out |= rows
        self.position_version += 1
        self.trace.walkout(agent, rows)
        if rows.any():
            index = next(i for i, other in enumerate(self.state_agents) if other is agent)
            core = np.broadcast_to(agent.red_lines.core, (len(self.issues),))
            suspended = np.flatnonzero(self.implementation.issues_of(index) & ~core)
            self.status_quo[np.ix_(rows, suspended)] = self.initial_status_quo[
                np.ix_(rows, suspended)
            ]
            self._cooperation.update(self, rows)

    # --- the round loop --------------------------------------------------------------------------

    def step(self) -> None:
        if self.round == 0:
            self._start_session()
        self.events.begin_round(self)
        self.pressures.begin_round(self)
        if self.misread is not None:
            self.misread.before_round(self)
        was_open = rowwise.any_(self.open)
        self.protocol.play_round(self)
        self._cooperation.update(self, was_open)
        if self.accuracy is not None:
            self.accuracy.update(self, was_open)
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
        self.position_version += 1
        self.open[:] = True
        self.agreed[:] = False
        self.agreed_value[:] = np.nan
        self.agreed_round[:] = -1
        self.conflict[:] = False
        self.walked_out[:] = False
        self.session_status_quo = self.status_quo.copy()
        for agent in self.state_agents:
            agent.start_session(self.status_quo, self.fall_back_on_status_quo, self.one_way)
        self.events.start_session(self)
        self.pressures.start_session(self)

    def _end_session(self) -> None:
        # The clocks run over the rounds a settled batch skipped, as if they were played.
        self.events.skip_rounds(self.session, self.round, self.rounds)
        self.pressures.skip_rounds(self.session, self.round, self.rounds)
        if self.two_level:  # win-sets as the clocks left them, whatever the batch skipped
            self.pressures.move_win_sets()
        played = self.session * self.rounds + self.round
        self._cooperation.hold(played, (self.session + 1) * self.rounds)
        if self.accuracy is not None:
            self.accuracy.hold(played, (self.session + 1) * self.rounds)
        if self.misread is not None:
            self.misread.observe(self, rounds=self.rounds - self.round)

        self.stalls.end_session(self.state_agents, self.open, self.conflict, self.protocol.linkage)
        agreed = self.agreed
        if self.two_level:  # the deal must also be ratified at home
            agreed = self._ratify_at_home()
        value = np.where(agreed, self.agreed_value, self.status_quo)
        implemented = self.implementation.end_session(
            self.streams, self.state_agents, agreed, value, self.status_quo
        )
        if self.two_level:
            self._involuntary_defection()
        self.tally.end_session(
            self.session,
            self.rounds,
            agreed,
            self.agreed_round,
            value,
            implemented,
            self.state_agents,
            self.session_status_quo,
        )
        self.trace.end_session(
            agreed, self.agreed_value, implemented, self.agreed_round, self.conflict
        )
        self.status_quo = np.where(agreed & implemented, value, self.status_quo)
        self.session += 1
        self.round = 0
        if self.session >= self.sessions:
            self.running = False

    def _ratify_at_home(self) -> np.ndarray:
        """The session's deal as it stands after the ratifiers at home: a deal any of them
        rejects falls whole (counted as a ratification failure); agents pay the audience costs of
        the commitments the deal at the table broke."""
        table = np.where(self.agreed, self.agreed_value, self.status_quo)
        anything = self.agreed.any(axis=1)
        for agent in self.state_agents:
            if agent.commitments is not None:
                agent.commitments.settle(table, anything)
        self._taken = [agent.ratifies(table) for agent in self.state_agents]
        self._failed = anything & ~np.logical_and.reduce(self._taken)
        self.tally.ratification_failures += self._failed
        self.tally.unvote(self._failed, self.session)  # the first agreement is a ratified one
        return self.agreed & ~self._failed[:, None]

    def _involuntary_defection(self) -> None:
        """A deal that fell at home costs the share ``trust.ratification_penalty`` of their trust
        to the agents whose own ratifier took it (the others' legislature let them down), after
        the session's usual trust update."""
        penalty = self.implementation.ratification_penalty
        for agent, taken in zip(self.state_agents, self._taken, strict=True):
            wronged = self._failed & taken
            agent.trust = np.where(wronged, agent.trust * (1.0 - penalty), agent.trust)

    # --- results ---------------------------------------------------------------------------------

    def outcomes(self) -> dict[str, np.ndarray]:
        """One row per replication: the columns of the per-replication table."""
        return outcome_columns(
            reps=np.tile(np.arange(self.start, self.start + self.n // self.tiles), self.tiles),
            tally=self.tally,
            stalls=self.stalls,
            agents=self.state_agents,
            issues=self.issues,
            initial_status_quo=self.initial_status_quo,
            status_quo=self.status_quo,
            cooperation=self._cooperation.mean(),
            pressure=self.pressure,
            misread=self.misread,
            events=self.events,
            fall_back_on_status_quo=self.fall_back_on_status_quo,
        )
