"""What a strategy sees of a session (:class:`~sim.core.strategies.base.View`): one opponent,
or with several others all of them as one; the others' concessions, in their offers or, when a
mediator drafts the only text, in their aspirations; and their floors as the domestic win-sets
setting lets them be seen (``negotiation.win_sets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.strategies.base import View

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent


def view_for(model, agent: StateAgent) -> View:
    """What ``agent``'s strategy may see. A :class:`View` shows one opponent: the other agent,
    or with several others all of them as one (:meth:`_view_of_many`)."""
    others = model.others(agent)
    if len(others) > 1:
        return _view_of_many(model, agent, others)
    (other,) = others
    if not model.protocol.agents_offer:
        drop = _aspiration_drop(others)
        concession = lambda: drop  # noqa: E731
    else:
        concession = _offer_concession(model, others, mean=False)
    return View(
        round=model.round,
        rounds=model.rounds,
        floor=agent.floor,
        opp_floor=seen_floor(model, other),
        own_last_offer=agent.last_offer,
        opp_last_offer=other.last_offer,
        own_utility=agent.utility,
        opp_utility=other.utility,
        concession=concession,
    )


def _view_of_many(model, agent: StateAgent, others: list[StateAgent]) -> View:
    """The others as one opponent: its utility and floor are the others' averaged with their
    weights, its last offer the newest offer another agent made (the first in scenario order
    among those made in the same round), its concession the mean of the concessions the
    others made in the previous round, each in its own utility."""
    weights = np.array([other.weight for other in others]) / sum(o.weight for o in others)

    def opp_utility(package: np.ndarray) -> np.ndarray:
        return sum(w * other.utility(package) for w, other in zip(weights, others, strict=True))

    offered = [other for other in others if other.last_offer is not None]
    newest = max(offered, key=lambda other: other.last_offer_round, default=None)
    if not model.protocol.agents_offer:
        drop = _aspiration_drop(others)
        concession = lambda: drop  # noqa: E731
    else:
        concession = _offer_concession(model, offered, mean=True)
    return View(
        round=model.round,
        rounds=model.rounds,
        floor=agent.floor,
        opp_floor=sum(
            w * seen_floor(model, other) for w, other in zip(weights, others, strict=True)
        ),
        own_last_offer=agent.last_offer,
        opp_last_offer=None if newest is None else newest.last_offer,
        own_utility=agent.utility,
        opp_utility=opp_utility,
        concession=concession,
    )


def _offer_concession(model, others: list[StateAgent], mean: bool):
    """How to work out what the other gave up in its own utility with the offer it made in
    the previous round, or with several others (``mean``) the mean of what each gave up (None
    if none offered then): the offers and preferences are taken now, the utilities computed
    only if a strategy asks."""
    moved = [
        (other.preferences, other.previous_offer, other.last_offer)
        for other in others
        if other.last_offer_round == model.round - 1 and other.previous_offer is not None
    ]

    def concession() -> np.ndarray | None:
        conceded = [own.utility(before) - own.utility(after) for own, before, after in moved]
        if not conceded:
            return None
        return np.mean(conceded, axis=0) if mean else conceded[0]

    return concession


def seen_floor(model, other: StateAgent) -> np.ndarray:
    """``other``'s floor as the others see it (``negotiation.win_sets``): with its domestic
    threshold (``known``), with the threshold's typical value (``believed``: its median,
    not its draw), or without it (``unknown``)."""
    if other.threshold is None or model.win_sets == "known":
        return other.floor
    if model.win_sets == "unknown" or not other.own_ratifier:
        return other.floor_abroad
    typical = np.clip(other.believed_threshold + other.threshold_shift, 0.0, 1.0)
    return np.maximum(other.floor_abroad, typical)


def _aspiration_drop(others: list[StateAgent]) -> np.ndarray | None:
    """How far the others' aspirations fell in the previous round, on average: their
    concession when a mediator drafts the only text (None before they have moved)."""
    drops = [
        other.previous_aspiration - other.aspiration
        for other in others
        if other.previous_aspiration is not None
    ]
    return np.mean(drops, axis=0) if drops else None
