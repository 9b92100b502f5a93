"""What a bargaining protocol is, the registry that finds one by name, and which one a run plays.

A protocol decides who proposes, who answers and when a session ends, for one round of every
replication. It sees the model only through the :class:`~sim.core.session.Session` interface:
offers come from the agents, acceptance is the agents' decision (``StateAgent.accepts`` and
``accepts_issues``), agreements are written with ``session.close``.
"""

from __future__ import annotations

from typing import ClassVar

from sim.core.registry import Registry
from sim.core.session import Session
from sim.scenario.spec import Scenario


class BargainingProtocol:
    """Base class; subclasses set ``name`` and ``linkage`` and define ``play_round``.

    ``linkage``: whether offers are whole packages (issues traded against each other) or each
    issue is settled on its own. ``bilateral``: the protocol seats exactly two agents (a
    scenario with more is refused when it is validated, and a run that names it).
    ``agents_offer``: the agents make offers (False: a mediator drafts the only text, and a
    strategy sees the others' concessions in their aspirations instead of their offers).
    """

    name: ClassVar[str]
    linkage: ClassVar[bool]
    bilateral: ClassVar[bool] = False
    agents_offer: ClassVar[bool] = True

    def play_round(self, session: Session) -> None:
        raise NotImplementedError


PROTOCOLS: Registry[type[BargainingProtocol]] = Registry("protocol", "sim.core.protocols")
register = PROTOCOLS.register
get_protocol = PROTOCOLS.lookup


def resolve_protocol(scenario: Scenario, override: str | None = None) -> str:
    """The protocol a run of ``scenario`` plays: ``override`` (the run setting ``protocol.name``)
    when given, else the scenario's ``negotiation.protocol``. The run setting
    ``protocol=from_scenario`` is ``override=None``."""
    return scenario.negotiation.protocol if override is None else override
