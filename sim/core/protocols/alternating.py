"""Alternating offers, with issue linkage (whole packages) or without (issue by issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.protocols.base import BargainingProtocol, register
from sim.core.session import Session

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent


@register
class AlternatingOffers(BargainingProtocol):
    """Rubinstein (1982) alternating offers over whole packages (issue linkage).

    Bilateral by nature: in round k the proposer is the first proposer if k is even, the other
    agent if odd, and that other agent answers. The responder accepts an offer that reaches its
    own aspiration for that round; the proposer must still stand by it
    (``StateAgent.stands_by``).
    """

    name = "alternating_offers"
    linkage = True

    def play_round(self, session: Session) -> None:
        k = session.round
        proposer, responder = session.proposer_order(k)
        session.update_aspirations()
        offer = proposer.propose(responder.preferences, self.linkage, k)
        session.record_offer(proposer, offer)
        accepted = self.accepted(proposer, responder, offer) & session.open
        session.record_response(responder, accepted)
        session.close(accepted, offer)

    def accepted(
        self, proposer: StateAgent, responder: StateAgent, offer: np.ndarray
    ) -> np.ndarray:
        """(R, I) the issues agreed: all of them or none."""
        agreed = responder.accepts(offer) & proposer.stands_by(offer)
        return np.broadcast_to(agreed[:, None], offer.shape)


@register
class IssueByIssue(AlternatingOffers):
    """Alternating offers with no linkage: every issue is settled on its own."""

    name = "issue_by_issue"
    linkage = False

    def accepted(
        self, proposer: StateAgent, responder: StateAgent, offer: np.ndarray
    ) -> np.ndarray:
        """Each issue on its own: its offered value is never below the proposer's level on that
        issue except where the admissible box leaves it at the status quo (no change)."""
        return responder.accepts_issues(offer)
