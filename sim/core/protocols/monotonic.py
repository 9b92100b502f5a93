"""The monotonic concession protocol, for Zeuthen agents."""

from __future__ import annotations

import numpy as np

from sim.core.protocols.base import BargainingProtocol, register
from sim.core.session import Session


@register
class MonotonicConcession(BargainingProtocol):
    """Rosenschein & Zlotkin's (1994) monotonic concession protocol.

    Bilateral by nature. Both agents propose at once. If either offer gives the other at least
    what its own offer gives it (and its floor), and its proposer stands by it, they agree (on the offer with the larger product of gains over
    the floors when both do). If neither agent conceded since the last round, the session ends
    in conflict.
    """

    name = "monotonic_concession"
    linkage = True

    def play_round(self, session: Session) -> None:
        k = session.round
        a, b = session.agents_in_order
        before = (a.aspiration.copy(), b.aspiration.copy())
        session.update_aspirations()
        x_a = a.propose(b.preferences, True, k)
        x_b = b.propose(a.preferences, True, k)
        session.record_offer(a, x_a)
        session.record_offer(b, x_b)
        b_takes_a = b.accepts(x_a, threshold=b.utility(x_b)) & a.stands_by(x_a)
        a_takes_b = a.accepts(x_b, threshold=a.utility(x_a)) & b.stands_by(x_b)
        product_a = (a.utility(x_a) - a.floor) * (b.utility(x_a) - b.floor)
        product_b = (a.utility(x_b) - a.floor) * (b.utility(x_b) - b.floor)
        pick_a = b_takes_a & (~a_takes_b | (product_a >= product_b))
        agreed = b_takes_a | a_takes_b
        package = np.where(pick_a[:, None], x_a, x_b)
        open_rows = session.open.any(axis=1)
        session.record_response(b, b_takes_a & pick_a & open_rows)
        session.record_response(a, a_takes_b & ~pick_a & open_rows)
        session.close(np.broadcast_to((agreed & open_rows)[:, None], package.shape), package)
        if k > 0:
            stuck = (a.aspiration >= before[0]) & (b.aspiration >= before[1]) & ~agreed
            session.end_in_conflict(stuck & open_rows)
