"""State agents: preferences, red lines and a concession strategy, for a batch of replications."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from sim.core import offers
from sim.core._mesa import Agent
from sim.core.acceptance.base import REACHES, Acceptance
from sim.core.acceptance.conditions import AspirationLevel
from sim.core.audience import many_plan, stand_in
from sim.core.opponents.base import OpponentModel
from sim.core.preferences import Preferences, issue_utility, one_row
from sim.core.red_lines import OneWay, RedLines
from sim.core.strategies.base import Strategy, View


class StateAgent(Agent):
    """A state at the table. Every array attribute has a leading replication axis.

    The strategy only chooses an aspiration; this class turns it into offers and decisions,
    and :class:`~sim.core.red_lines.RedLines` keeps both inside the session's ``admissible``
    box: the agent's core interests (``red_lines``), cut on one-way issues to the side of the
    session's status quo an agreement may move them to.
    """

    def __init__(
        self,
        model,
        name: str,
        preferences: Preferences,
        red_lines: RedLines,
        strategy: Strategy,
        reservation: np.ndarray,
        discount: np.ndarray,
        compliance: np.ndarray,
        initial_trust: np.ndarray,
        weight: float = 1.0,
        acceptance: Acceptance | None = None,
    ):
        super().__init__(model)
        self.name = name
        self.weight = float(weight)
        #: when to accept an offer (``sim.core.acceptance``; today's rule by default)
        self.acceptance = (
            acceptance if acceptance is not None else AspirationLevel(len(reservation))
        )
        #: one opponent model per other agent, by name (``sim.core.opponents``; set by the model)
        self.beliefs: dict[str, OpponentModel] = {}
        #: domestic politics (sim.core.domestic): a ratifier at home, set by ``set_domestic``
        self.threshold: np.ndarray | None = None
        self.threshold_shift = np.zeros(len(reservation))
        self.ratifier: Preferences | None = None
        self.own_ratifier = True
        self.commitments = None
        #: the session's time at the latest aspiration update, and the rounds between its turns
        self.time = 0.0
        self.turn_gap = 1
        self.preferences = preferences
        self.red_lines = red_lines
        self.admissible = red_lines
        self.strategy = strategy
        self.reservation = reservation
        self.discount = discount
        self.compliance = compliance
        self.trust = np.array(initial_trust, dtype=float)
        self.floor = np.array(reservation, dtype=float)
        self.floor_abroad = self.floor
        self.aspiration = np.ones_like(self.floor)
        #: the aspiration before the latest update of this session (None before the second)
        self.previous_aspiration: np.ndarray | None = None
        self._aspired = False
        self.last_offer: np.ndarray | None = None
        self.previous_offer: np.ndarray | None = None
        self.last_offer_round = -1
        # Set by pressures each round: concessions scale, reservation shifts.
        self.concession_scale = np.ones_like(self.floor)
        self.reservation_shift = np.zeros_like(self.floor)
        # Set by a misread signal: (issue, value, rows) to ask for in this round's offer.
        self.probe: tuple[int, float, np.ndarray] | None = None
        # Offer plans and boxes, keyed by whether the others' commitments are honoured.
        self._offer_plans: dict[bool, tuple] = {}
        self._offer_boxes: dict[bool, tuple] = {}

    def utility(self, package: np.ndarray) -> np.ndarray:
        return self.preferences.utility(package)

    def start_session(
        self,
        status_quo: np.ndarray,
        fall_back_on_status_quo: bool,
        one_way: OneWay | None = None,
    ) -> None:
        """Reset for a new session from ``status_quo`` (R, I); ``one_way`` cuts the admissible
        box to the side of it that one-way issues may move to."""
        if one_way is not None:
            self.admissible = self.red_lines.within(*one_way.bounds(status_quo))
        self._status_quo_utility = self.utility(status_quo) if fall_back_on_status_quo else None
        self.refresh_floor()
        self.aspiration = np.ones_like(self.floor)
        self.previous_aspiration, self._aspired = None, False
        self.last_offer = self.previous_offer = None
        self.last_offer_round = -1
        self.strategy.start_session()
        self.acceptance.start_session()
        if self.commitments is not None:
            self.commitments.start_session(self.trust)
        for model in self.beliefs.values():
            model.start_session()

    def refresh_floor(self) -> None:
        """The session's floor: the reservation utility, raised to the status quo's utility
        when failing to agree leaves the status quo in place, and to the domestic threshold when
        the ratifier has the agent's own preferences (it knows its win-set)."""
        self.floor = np.clip(self.reservation + self.reservation_shift, 0.0, 1.0)
        if getattr(self, "_status_quo_utility", None) is not None:
            self.floor = np.maximum(self.floor, self._status_quo_utility)
        self.floor_abroad = self.floor  # the floor without the win-set (what others may see)
        if self.threshold is not None and self.own_ratifier:
            self.floor = np.maximum(self.floor, self.win_set_edge)

    # --- domestic politics (sim.core.domestic) ---------------------------------------------

    def set_domestic(self, ratifier: Preferences | None, threshold: np.ndarray) -> None:
        """A ratifier at home (None: the agent's own preferences) and its threshold (R,)."""
        self.ratifier = ratifier
        self.own_ratifier = ratifier is None
        self.threshold = np.asarray(threshold, dtype=float)
        self.refresh_floor()

    @property
    def win_set_edge(self) -> np.ndarray:
        """(R,) the utility a deal must reach at home now (the threshold, as shifted)."""
        return np.clip(self.threshold + self.threshold_shift, 0.0, 1.0)

    def ratifies(self, package: np.ndarray) -> np.ndarray:
        """(R,) whether the ratifier at home takes ``package``."""
        if self.threshold is None:
            return np.ones(len(package), dtype=bool)
        judge = self.preferences if self.own_ratifier else self.ratifier
        return judge.utility(package) >= self.win_set_edge - REACHES

    def _at_home(self, package: np.ndarray, taken: np.ndarray) -> np.ndarray:
        """``taken`` cut to what the ratifier takes (when it is not the agent itself: the
        agent's floor already keeps to its own threshold)."""
        if self.threshold is not None and not self.own_ratifier:
            taken = taken & self.ratifies(package)
        return taken

    def update_aspiration(self, view: View) -> np.ndarray:
        """Ask the strategy, then let low trust in the other side slow the concession.

        Effective aspiration = 1 - (1 - strategy's aspiration) * trust * pressure scale, never
        below the floor (pressures scale concessions; see ``sim.core.pressures``).
        """
        self.time = view.time
        wanted = self.strategy.aspiration(view)
        conceded = np.subtract(1.0, wanted)  # a new array, worked on in place
        conceded *= self.trust
        conceded *= self.concession_scale
        self.previous_aspiration = self.aspiration if self._aspired else None
        self._aspired = True
        aspiration = np.subtract(1.0, conceded, out=conceded)
        self.aspiration = np.clip(aspiration, self.floor, 1.0, out=aspiration)
        return self.aspiration

    def lowest_aspiration(self) -> np.ndarray:
        """How far this agent can concede in this session, given its trust in the other side."""
        reach = np.minimum(self.trust * self.concession_scale, 1.0)
        return np.maximum(1.0 - (1.0 - self.floor) * reach, self.floor)

    def believed(self, other: StateAgent) -> Preferences:
        """``other``'s preferences as this agent believes them (its opponent model; the true
        ones without a model)."""
        model = self.beliefs.get(other.name)
        return other.preferences if model is None else model.preferences

    def _offer_box(self, others: Sequence[StateAgent], honour: bool = True) -> RedLines:
        """Where offers stay: the admissible box, cut to the values this agent believes every
        other accepts (red lines declared or learned), to its own public commitments and, if
        ``honour``, to the others' credible ones; on an issue where they do not meet, the
        admissible box alone."""
        regions = [
            model.region
            for other in others
            if (model := self.beliefs.get(other.name)) is not None and model.region is not None
        ]
        # Its own public commitments, and the others' that would cost them to break.
        for agent in (self, *others) if honour else (self,):
            commitments = agent.commitments
            if commitments is not None:
                kept = commitments.region(credible=agent is not self)
                if kept is not None:
                    regions.append(kept)
        if not regions:
            return self.admissible
        made_for = (self.admissible, *regions)
        cached = self._offer_boxes.get(honour)
        if (
            cached is None
            or len(cached[0]) != len(made_for)
            or any(a is not b for a, b in zip(made_for, cached[0], strict=True))
        ):
            box = self.admissible
            low = functools.reduce(np.maximum, (r.low for r in regions), box.low)
            high = functools.reduce(np.minimum, (r.high for r in regions), box.high)
            apart = low > high
            low = np.where(apart, box.low, low)
            high = np.where(apart, box.high, high)
            cached = (made_for, RedLines(low, high))
            self._offer_boxes[honour] = cached
        return cached[1]

    def _plan(self, others: Sequence[StateAgent], honour: bool = True):
        """The offer plan toward ``others``, rebuilt only when a side's (believed) preferences
        change (an event may replace them, an opponent model learns) or the box does (a new
        session's one-way bounds, a red line learned)."""
        # The objects themselves, compared by identity: an id() alone can be reused by a new
        # object once the old one is freed, and a stale plan would then be taken for current.
        box = self._offer_box(others, honour)
        believed = [self.believed(other) for other in others]
        made_for = (self.preferences, box, *believed)
        cached = self._offer_plans.get(honour, (None, None))[0]
        if (
            cached is None
            or len(cached) != len(made_for)
            or any(a is not b for a, b in zip(made_for, cached, strict=True))
        ):
            if len(others) == 1:  # on one row where every replication has the same numbers
                row = one_row(self.preferences, believed, box.low, box.high)
                own, (toward,), low, high = row or (self.preferences, believed, box.low, box.high)
                plan = offers.OfferPlan(own, toward, low, high)
            else:
                weights = [other.weight for other in others]
                plan = many_plan(self.preferences, believed, weights, box.low, box.high)
            self._offer_plans[honour] = (made_for, plan)
        return self._offer_plans[honour][1]

    def propose(self, others: Sequence[StateAgent], linkage: bool, round_: int) -> np.ndarray:
        """This round's offer to ``others`` (everyone else at the table): the efficient package
        at the agent's aspiration for the others' believed preferences, whole (``linkage``) or
        issue by issue, inside its admissible box and the red lines it believes they hold
        (:mod:`sim.core.offers` for one other agent, :mod:`sim.core.audience` for many)."""
        if linkage:
            raw = self._plan(others).offer(self.aspiration)
            if any(other.commitments is not None for other in others):
                # Keeping to the others' commitments may leave nothing worth the floor: then
                # the agent offers as if they had made none, and they may pay to back down.
                short = self.utility(raw) < self.floor - REACHES
                if short.any():
                    free = self._plan(others, honour=False).offer(self.aspiration)
                    raw = np.where(short[:, None], free, raw)
        else:
            box = self._offer_box(others)
            believed = [self.believed(other) for other in others]
            if len(others) == 1:
                toward = believed[0]
            else:
                weights = [other.weight for other in others]
                toward = stand_in(self.preferences, believed, weights, box.low, box.high)
            raw = offers.issue_offers(self.preferences, toward, self.aspiration, box.low, box.high)
        if self.probe is not None:  # a deliberate test of the other side's core interest
            issue, value, rows = self.probe
            raw = raw.copy()
            raw[rows, issue] = value
        offer = self.admissible.clip(raw, in_place=True)  # ``raw`` is a new array here
        self.previous_offer, self.last_offer = self.last_offer, offer
        self.last_offer_round = round_
        return offer

    def accepts_on_utility(
        self, package: np.ndarray, threshold: np.ndarray | None = None
    ) -> np.ndarray:
        """(R,) Which packages reach ``threshold``: the aspiration unless a protocol sets another
        level (the monotonic concession protocol asks for the utility of the agent's own offer)."""
        level = self.aspiration if threshold is None else threshold
        return self.utility(package) >= level - 1e-12

    def accepts(self, package: np.ndarray, threshold: np.ndarray | None = None) -> np.ndarray:
        """(R,) Accept a whole package that the agent's acceptance condition takes (by default:
        it reaches the aspiration), or that reaches ``threshold`` when a protocol sets one
        (never less than the floor), and that lies in the admissible box (no red line
        crossed, no one-way issue moved back): no condition waives a red line."""
        utility = self.utility(package)
        if self.commitments is not None:  # backing down from a public position costs utility
            utility = utility - self.commitments.penalty(package)
        if threshold is None:
            taken = self.acceptance.accepts(self, utility)
        else:
            taken = utility >= np.maximum(threshold, self.floor) - REACHES
        return self._in_box(package, self._at_home(package, taken))

    def _in_box(self, package: np.ndarray, taken: np.ndarray) -> np.ndarray:
        """``taken`` where ``package`` lies in the admissible box (always, in a box without
        bounds)."""
        return taken if self.admissible.unbounded else taken & self.admissible.admits(package)

    def stands_by(self, offer: np.ndarray) -> np.ndarray:
        """(R,) Whether the agent still agrees to its own package ``offer``: worth at least its
        floor. An offer keeps the aspiration wherever the admissible box allows; where a one-way
        issue cuts off the agent's ideal, the box may hold nothing worth the floor, and then
        the agent's best offer binds nobody."""
        stands = self._in_box(offer, self.accepts_on_utility(offer, self.floor))
        return self._at_home(offer, stands)

    def accepts_issues_on_utility(self, offer: np.ndarray) -> np.ndarray:
        """(R, I) Which issue values reach the aspiration level on that issue alone."""
        level = self.preferences.additive_level(self.aspiration)[..., None]
        own = self.preferences
        return issue_utility(offer, own.ideal, own.shape) >= level - 1e-12

    def accepts_issues(self, offer: np.ndarray) -> np.ndarray:
        """(R, I) Issue by issue: each value must reach the aspiration level on that issue and
        lie in the admissible box."""
        return self.accepts_issues_on_utility(offer) & self.admissible.admits_issues(offer)
