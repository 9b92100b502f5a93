"""The Bayesian model (Hindriks & Tykhonov 2008), with red lines learned from rejections."""

from __future__ import annotations

import numpy as np

from sim.core.opponents.base import Param, register
from sim.core.opponents.frequency import Learner
from sim.core.red_lines import RedLines

#: The hypotheses about the other's ideal on each issue.
GRID = np.linspace(0.0, 1.0, 21)


@register
class Bayesian(Learner):
    """A belief over the other's ideals, saliences and red lines, updated from its offers and
    its rejections.

    * **Ideals**: per issue a posterior over 21 hypotheses in [0, 1]. An offer made at session
      time ``tau`` is likelier the closer it lies to the ideal, with a spread that grows as the
      other concedes (``spread + drift * tau``; Hindriks & Tykhonov 2008 model the opponent's
      concession as a function of time in the same way). The believed ideal is the posterior mean.
    * **Saliences**: the frequency heuristic (:class:`~sim.core.opponents.frequency.Frequency`).
    * **Red lines**: the values believed acceptable start as the declared red lines (or the
      whole box) and always include what the other has offered. When the other rejects an offer
      that the agent believes it should have taken (worth at least what its own last offer is
      worth to it), the rejection is put down to a red line on the issue where the offer lies
      furthest, by believed weight, from the believed ideal, outside the values the other
      offered itself; the believed red line moves from the rejected value toward the ideal by
      the share ``narrowing``. Issue by issue, a rejected issue value outside what the other
      offered narrows that issue. So rejected offers narrow the believed acceptable region,
      and offers move inside the other side's red lines over time.
    """

    name = "bayesian"
    params = {
        **Learner.params,
        "spread": Param(
            0.15, 0.0, 1.0, "spread of an offer around the ideal at the start", low_open=True
        ),
        "drift": Param(0.5, 0.0, 5.0, "how much the spread grows by the end of a session"),
        "narrowing": Param(
            0.5,
            0.0,
            1.0,
            "share of the way from a rejected value to the believed ideal",
            low_open=True,
        ),
    }

    def __init__(self, n, other, declared, **values):
        super().__init__(n, other, declared, **values)
        issues = self.weights.shape[1]
        self.log_posterior = np.zeros((n, issues, len(GRID)))
        self.low, self.high = self._bounds()
        self.offered_low = np.full((n, issues), np.inf)
        self.offered_high = np.full((n, issues), -np.inf)
        self._set_region()

    def _set_region(self) -> None:
        self.region = RedLines(self.low, self.high)

    def learn_ideal(self, offer, rows, time) -> None:
        sigma = (self.spread + self.drift * time)[:, None, None]
        loglik = -((offer[..., None] - GRID) ** 2) / (2.0 * sigma * sigma)
        post = self.log_posterior + np.where(rows[:, None, None], loglik, 0.0)
        self.log_posterior = post - post.max(axis=-1, keepdims=True)
        p = np.exp(self.log_posterior)
        self.ideal = (p * GRID).sum(axis=-1) / p.sum(axis=-1)
        inside = rows[:, None]
        self.offered_low = np.where(inside, np.minimum(self.offered_low, offer), self.offered_low)
        self.offered_high = np.where(
            inside, np.maximum(self.offered_high, offer), self.offered_high
        )
        self.low = np.minimum(self.low, self.offered_low)
        self.high = np.maximum(self.high, self.offered_high)
        self._set_region()

    def observe_answer(self, offer, accepted, rows) -> None:
        outside = (offer < self.offered_low) | (offer > self.offered_high)
        if accepted.ndim == 2:  # issue by issue: each rejected value outside the other's own
            narrow = rows[:, None] & ~accepted & outside
        else:
            believed = self.preferences.utility
            should = believed(offer) >= believed(np.nan_to_num(self.last, nan=0.5)) - 1e-12
            should &= ~np.isnan(self.last[:, 0])
            rejected = rows & ~accepted & should
            pull = np.where(outside, self.weights * np.abs(offer - self.ideal), -1.0)
            pick = np.argmax(pull, axis=1)
            narrow = np.zeros_like(outside)
            narrow[np.arange(len(pick)), pick] = rejected & (pull.max(axis=1) > 0)
        if not narrow.any():
            return
        toward = offer - self.narrowing[:, None] * (offer - self.ideal)
        above = offer > self.ideal
        self.high = np.where(
            narrow & above, np.maximum(np.minimum(self.high, toward), self.offered_high), self.high
        )
        self.low = np.where(
            narrow & ~above, np.minimum(np.maximum(self.low, toward), self.offered_low), self.low
        )
        self._set_region()

    def red_line_learned(self, issue, value, rows) -> None:
        super().red_line_learned(issue, value, rows)
        self.low, self.high = self.region.low, self.region.high
