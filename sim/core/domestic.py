"""Domestic politics (two-level games): ratification at home and public commitments.

Putnam (1988): a deal must be acceptable at the table *and* ratified at home. An agent with a
``domestic`` section has a ratifier whose utility (the agent's own preferences by default) must
reach a threshold; a deal that any ratifier rejects is not implemented: an involuntary defection,
counted in ``ratification_failures`` and not in ``agreement``, which costs the other agents the
share ``trust.ratification_penalty`` of their trust (everyone saw the legislature say no, so less
than a broken commitment's penalty by default). An agent knows its own win-set: with its own
preferences as the ratifier's, its floor rises to the threshold, so it never proposes or accepts
a deal its ratifier would reject; with other preferences, it accepts and stands by only what its
ratifier takes.

Fearon (1994): a public commitment on an issue costs its audience cost in utility when the agent
agrees to a deal further from its ideal than the committed value; while it stands, the agent's
offers keep to it. A bluff (a declared red line tighter than the true one) is such a commitment
at the declared bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.red_lines import RedLines
from sim.scenario.spec import Commitment

# A value within this of a commitment keeps it.
KEEPS = 1e-9


class Commitments:
    """One agent's commitments for a batch: which are made (``made`` (R, C)), abandoned, and the
    audience costs paid (``paid`` (R,))."""

    def __init__(
        self, specs: Sequence[Commitment], issues: Sequence[str], ideal: np.ndarray, n: int
    ):
        self.specs = tuple(specs)
        self.issue = np.array([issues.index(c.issue) for c in specs])
        self.value = np.array([c.value for c in specs])
        self.cost = np.array([c.audience_cost for c in specs])
        ideal_at = np.broadcast_to(ideal, (n, len(issues)))[:, self.issue]  # (R, C)
        self.reach = np.abs(self.value - ideal_at)  # how far from the ideal a deal may lie
        self.ideal = ideal_at
        conditional = np.array([c.trust_below is not None for c in specs])
        self.trust_below = np.array(
            [c.trust_below if c.trust_below is not None else 0.0 for c in specs]
        )
        self.made = np.broadcast_to(~conditional, (n, len(specs))).copy()
        self.abandoned = np.zeros((n, len(specs)), dtype=bool)
        self.paid = np.zeros(n)
        self.n_issues = len(issues)
        self._region: RedLines | None = None
        self._region_for: tuple | None = None
        self._credible: RedLines | None = None
        self._credible_for: tuple | None = None

    @property
    def standing(self) -> np.ndarray:
        """(R, C) commitments made and not abandoned."""
        return self.made & ~self.abandoned

    def start_session(self, trust: np.ndarray) -> None:
        """Conditional commitments are made when trust has fallen below their level."""
        due = (self.trust_below > 0) & (trust[:, None] < self.trust_below)
        self.made |= due

    def broken_by(self, package: np.ndarray) -> np.ndarray:
        """(R, C) standing commitments that ``package`` (R, I) breaks."""
        distance = np.abs(package[:, self.issue] - self.ideal)
        return self.standing & (distance > self.reach + KEEPS)

    def penalty(self, package: np.ndarray) -> np.ndarray:
        """(R,) the audience costs that agreeing to ``package`` would cost."""
        return (self.broken_by(package) * self.cost).sum(axis=1)

    def settle(self, package: np.ndarray, rows: np.ndarray) -> None:
        """The agent agreed to ``package`` where ``rows`` holds: commitments it breaks are
        abandoned and their costs paid."""
        broken = self.broken_by(package) & rows[:, None]
        self.paid += (broken * self.cost).sum(axis=1)
        self.abandoned |= broken

    def region(self, credible: bool = False) -> RedLines | None:
        """The values the standing commitments allow (the agent's offers keep to them), or
        None; ``credible``: only those with an audience cost (the others believe them: a
        commitment that costs nothing to break is cheap talk, Fearon 1994)."""
        standing = self.standing & (self.cost > 0) if credible else self.standing
        if not standing.any():
            return None
        key = standing.tobytes()
        cache = "_credible" if credible else "_region"
        if getattr(self, f"{cache}_for") != key:
            low = np.zeros((len(standing), self.n_issues))
            high = np.ones((len(standing), self.n_issues))
            for c, issue in enumerate(self.issue):
                above = self.value[c] >= self.ideal[:, c]
                on = standing[:, c]
                high[:, issue] = np.where(
                    on & above, np.minimum(high[:, issue], self.value[c]), high[:, issue]
                )
                low[:, issue] = np.where(
                    on & ~above, np.maximum(low[:, issue], self.value[c]), low[:, issue]
                )
            setattr(self, cache, RedLines(low, high))
            setattr(self, f"{cache}_for", key)
        return getattr(self, cache)


def ratified(agents, agreed: np.ndarray, value: np.ndarray) -> np.ndarray:
    """(R,) whether every ratifier at home takes the session's deal ``value`` (R, I); True where
    nothing was agreed or nobody has a ratifier."""
    ok = np.ones(len(value), dtype=bool)
    for agent in agents:
        if agent.threshold is not None:
            ok &= agent.ratifies(value)
    return ok | ~agreed.any(axis=1)
