"""Bargaining protocols: who proposes, who answers, and when a session ends, for one round.

Each protocol plays one round for every replication of a :class:`~sim.core.model.NegotiationModel`.
Agreements are written with ``model.close``; offers and decisions come only from the agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel


class AlternatingOffers:
    """Rubinstein (1982) alternating offers over whole packages (issue linkage).

    In round k the proposer is the first proposer if k is even, the other agent if odd; the
    responder accepts an offer that reaches its own aspiration for that round.
    """

    name = "alternating_offers"
    linkage = True

    def play_round(self, model: NegotiationModel) -> None:
        k = model.round
        proposer, responder = model.proposer_order(k)
        model.update_aspirations()
        offer = proposer.propose(responder.preferences, self.linkage, k)
        model.record_offer(proposer, offer)
        accepted = self.accepted(responder, offer) & model.open
        model.record_response(responder, accepted)
        model.close(accepted, offer)

    def accepted(self, responder, offer) -> np.ndarray:
        return np.broadcast_to(responder.accepts(offer)[:, None], offer.shape)


class IssueByIssue(AlternatingOffers):
    """Alternating offers with no linkage: every issue is settled on its own."""

    name = "issue_by_issue"
    linkage = False

    def accepted(self, responder, offer) -> np.ndarray:
        return responder.accepts_issues(offer)


class MonotonicConcession:
    """Rosenschein & Zlotkin's (1994) monotonic concession protocol.

    Both agents propose at once. If either offer gives the other at least what its own offer
    gives it, they agree (on the offer with the larger product of gains over the floors when both
    do). If neither agent conceded since the last round, the session ends in conflict.
    """

    name = "monotonic_concession"
    linkage = True

    def play_round(self, model: NegotiationModel) -> None:
        k = model.round
        a, b = model.agents_in_order
        before = (a.aspiration.copy(), b.aspiration.copy())
        model.update_aspirations()
        x_a = a.propose(b.preferences, True, k)
        x_b = b.propose(a.preferences, True, k)
        model.record_offer(a, x_a)
        model.record_offer(b, x_b)
        b_takes_a = (b.utility(x_a) >= b.utility(x_b) - 1e-12) & b.red_lines.admits(x_a)
        a_takes_b = (a.utility(x_b) >= a.utility(x_a) - 1e-12) & a.red_lines.admits(x_b)
        product_a = (a.utility(x_a) - a.floor) * (b.utility(x_a) - b.floor)
        product_b = (a.utility(x_b) - a.floor) * (b.utility(x_b) - b.floor)
        pick_a = b_takes_a & (~a_takes_b | (product_a >= product_b))
        agreed = b_takes_a | a_takes_b
        package = np.where(pick_a[:, None], x_a, x_b)
        open_rows = model.open.any(axis=1)
        model.record_response(b, b_takes_a & pick_a & open_rows)
        model.record_response(a, a_takes_b & ~pick_a & open_rows)
        model.close(np.broadcast_to((agreed & open_rows)[:, None], package.shape), package)
        if k > 0:
            stuck = (a.aspiration >= before[0]) & (b.aspiration >= before[1]) & ~agreed
            model.end_in_conflict(stuck & open_rows)


PROTOCOLS = {cls.name: cls for cls in (AlternatingOffers, IssueByIssue, MonotonicConcession)}
