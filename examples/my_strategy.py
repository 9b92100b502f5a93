"""A student's strategy for negsim-tournament: ``sprinter`` holds firm, then runs to its floor.

Play it against the classroom strategies:

    negsim-tournament classroom --strategy-file examples/my_strategy.py

It joins under its name with its default parameters; to give it others, or an opponent model and
an acceptance condition, name it in a copy of the config like any strategy:
``mine: {name: sprinter, params: {hold: 0.8}, acceptance: ac_next}``. The interface is in
docs/tournament.md.
"""

import numpy as np

from sim.core.strategies.base import Param, Strategy, View, register


@register
class Sprinter(Strategy):
    name = "sprinter"  # the name configs use; it must not be taken
    concession_param = "speed"  # the parameter that makes it concede faster when raised
    params = {
        "hold": Param(0.5, 0.0, 0.95, "share of the session spent holding firm"),
        "speed": Param(
            1.0, 0.0, 10.0, "how fast it runs to its floor then (1: linear)", low_open=True
        ),
    }

    def aspiration(self, view: View) -> np.ndarray:
        # Parameters are (R,) arrays, one value per replication: compute for all at once.
        running = np.clip((view.time - self.hold) / (1.0 - self.hold), 0.0, 1.0)
        return 1.0 - (1.0 - view.floor) * running ** (1.0 / self.speed)
