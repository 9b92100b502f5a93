"""The oracle: the other's true preferences, and of its red lines only the declared ones."""

from __future__ import annotations

from sim.core.opponents.base import OpponentModel, register


@register
class Oracle(OpponentModel):
    """negsim's agents before opponent models (the default): an offer is computed with the
    other side's true utility function, and the other's red lines are unknown unless declared.
    Learns nothing."""

    name = "oracle"
