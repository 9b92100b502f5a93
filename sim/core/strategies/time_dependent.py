"""Time-dependent tactics (Faratin, Sierra & Jennings 1998, section 4.2.1).

Aspiration a(tau) = 1 - (1 - r) * tau ** (1 / e) with tau = (round + 1) / rounds and r the
session's floor (reservation utility, or the status quo's utility if higher). e < 1 is Boulware
(holds firm, concedes at the deadline), e = 1 linear, e > 1 Conceder.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.strategies.base import Param, Strategy, View, register


@register
class TimeDependent(Strategy):
    name = "time_dependent"
    concession_param = "e"
    params = {
        "e": Param(
            1.0,
            0.0,
            math.inf,
            "concession exponent: <1 Boulware, 1 linear, >1 Conceder",
            low_open=True,
        )
    }

    def aspiration(self, view: View) -> np.ndarray:
        conceded = np.power(view.time, self._inverse())  # a new array, worked on in place
        conceded *= 1.0 - view.floor
        return np.subtract(1.0, conceded, out=conceded)

    def _inverse(self) -> np.ndarray:
        """``1 / e``, worked out once for the ``e`` the strategy has."""
        cached = getattr(self, "_inverse_e", None)
        if cached is None or cached[0] is not self.e:
            cached = (self.e, 1.0 / self.e)
            self._inverse_e = cached
        return cached[1]
