"""Alternating offers for two agents and stacked alternating offers for any number, with issue
linkage (whole packages) or without (issue by issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.protocols.base import BargainingProtocol, register
from sim.core.session import Session

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent


@register
class StackedAlternatingOffers(BargainingProtocol):
    """The stacked alternating offers protocol (Aydoğan et al. 2017) over whole packages.

    The agents take turns in a fixed order, the scenario's first proposer first: in round k the
    k-th agent of the order (wrapping around) puts its offer on the table, replacing the one
    there, and every other agent answers it, each accepting an offer that reaches its own
    aspiration for that round (``StateAgent.accepts``); the proposer must still stand by it
    (``StateAgent.stands_by``). The offer is agreed when the answers meet the scenario's
    ratification rule (:mod:`sim.core.ratification`); a red line is always a veto. Aydoğan et
    al. let the agents answer one after another, each seeing the round's aspirations change;
    here aspirations move once per round, so the answers of one round are given together.
    With two agents this is Rubinstein's (1982) alternating offers.
    """

    name = "stacked_alternating_offers"
    linkage = True

    def play_round(self, session: Session) -> None:
        k = session.round
        proposer, *responders = session.proposer_order(k)
        session.update_aspirations()
        offer = proposer.propose(session.others(proposer), self.linkage, k)
        session.record_offer(proposer, offer)
        votes = session.ratifier.votes(lambda agent: self.vote(agent, agent is proposer, offer))
        session.record_votes(proposer, offer, votes)
        agreed = session.ratifier.ratifies(votes, offer)
        if agreed.ndim == 1:
            agreed = np.broadcast_to(agreed[:, None], offer.shape)
        accepted = agreed & session.open
        session.record_response(responders[0], accepted)
        session.close(accepted, offer, votes)

    def vote(self, agent: StateAgent, proposed: bool, offer: np.ndarray) -> np.ndarray:
        """(R,) ``agent``'s answer to ``offer``: the proposer stands by it, the others accept it."""
        return agent.stands_by(offer) if proposed else agent.accepts(offer)


@register
class AlternatingOffers(StackedAlternatingOffers):
    """Rubinstein (1982) alternating offers over whole packages (issue linkage), for two agents:
    in round k the proposer is the first proposer if k is even, the other agent if odd, and that
    other agent answers. The two-agent case of ``stacked_alternating_offers``."""

    name = "alternating_offers"
    bilateral = True


@register
class IssueByIssue(StackedAlternatingOffers):
    """Stacked alternating offers with no linkage: every issue is settled on its own. Each
    responder accepts each issue whose offered value reaches its aspiration level on that issue
    and lies in its admissible box; the proposer stands by every value of its own offer; an
    issue is agreed when the answers on it meet the ratification rule."""

    name = "issue_by_issue"
    linkage = False

    def vote(self, agent: StateAgent, proposed: bool, offer: np.ndarray) -> np.ndarray:
        """(R, I) ``agent``'s answer on each issue."""
        return np.ones(offer.shape, dtype=bool) if proposed else agent.accepts_issues(offer)
