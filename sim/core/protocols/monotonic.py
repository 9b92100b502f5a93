"""The monotonic concession protocol, for Zeuthen agents, for two agents or more."""

from __future__ import annotations

import functools
import operator

import numpy as np

from sim.core import rowwise
from sim.core.protocols.base import BargainingProtocol, register
from sim.core.session import Session


@register
class MonotonicConcession(BargainingProtocol):
    """Rosenschein & Zlotkin's (1994) monotonic concession protocol, for n agents as Endriss
    (2006) extends it.

    Every agent proposes at once. Agent i accepts agent j's offer if it gives i at least what
    i's own offer gives it (and its floor); j must still stand by it. An offer whose answers
    meet the ratification rule is agreed (with two agents and unanimity: either offer the other
    accepts); when several are, the one with the largest product of gains over the floors, the
    earliest proposer's on a tie. If no agent conceded since the last round, the session ends in
    conflict.
    """

    name = "monotonic_concession"
    linkage = True

    def play_round(self, session: Session) -> None:
        k = session.round
        agents = tuple(session.agents_in_order)
        before = [agent.aspiration.copy() for agent in agents]
        session.update_aspirations()
        offers = [agent.propose(session.others(agent), True, k) for agent in agents]
        for agent, offer in zip(agents, offers, strict=True):
            session.record_offer(agent, offer)
        own = {
            agent.name: agent.utility(offer) for agent, offer in zip(agents, offers, strict=True)
        }
        ratifier = session.ratifier
        votes, ratified, product = [], [], []
        for proposer, offer in zip(agents, offers, strict=True):
            yes = ratifier.votes(
                lambda agent, proposer=proposer, offer=offer: (
                    agent.stands_by(offer)
                    if agent is proposer
                    else agent.accepts(offer, threshold=own[agent.name])
                )
            )
            session.record_votes(proposer, offer, yes)
            votes.append(yes)
            ratified.append(ratifier.ratifies(yes, offer))
            gains = [agent.utility(offer) - agent.floor for agent in agents]
            product.append(functools.reduce(operator.mul, gains))
        score = np.where(np.stack(ratified), np.stack(product), -np.inf)
        pick = np.argmax(score, axis=0)  # the first of equal products: the earliest proposer
        agreed = np.logical_or.reduce(ratified)
        rows = np.arange(len(pick))
        package = np.stack(offers)[pick, rows]
        open_rows = rowwise.any_(session.open)
        if len(agents) == 2:
            a, b = agents
            session.record_response(b, ratified[0] & (pick == 0) & open_rows)
            session.record_response(a, ratified[1] & (pick == 1) & open_rows)
        else:
            for j, proposer in enumerate(agents):
                responder = agents[(j + 1) % len(agents)]
                taken = ratified[j] & (pick == j) & open_rows
                session.record_response(responder, taken, offered_by=proposer)
        chosen_votes = np.stack(votes)[pick, rows]
        session.close(
            np.broadcast_to((agreed & open_rows)[:, None], package.shape), package, chosen_votes
        )
        if k > 0:
            stuck = np.logical_and.reduce(
                [agent.aspiration >= was for agent, was in zip(agents, before, strict=True)]
            )
            session.end_in_conflict(stuck & ~agreed & open_rows)
