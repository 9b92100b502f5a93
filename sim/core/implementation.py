"""Implementation and trust at the end of a session.

An agreement is implemented, issue by issue, by the party that must act on it (or by everyone)
with that agent's compliance probability; what was implemented becomes the next session's status
quo. A broken commitment lowers the trust of the agents it wronged, in proportion to the share
of their promised gain it took away; a session without one lets trust recover toward 1. Trust
then slows concessions in the sessions that follow (``StateAgent.update_aspiration``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.agents import StateAgent
from sim.core.build import Draw
from sim.core.preferences import issue_utility
from sim.core.rng import Streams
from sim.scenario.spec import ALL_PARTIES, Scenario

# ``Implementation.implementer`` code for an issue that every party implements.
EVERYONE = -1
# An agreement within this of the status quo needs nobody to act.
NO_CHANGE = 1e-9


def implementers(scenario: Scenario) -> np.ndarray:
    """(I,) per issue, the index of the agent that must act on an agreement, or ``EVERYONE``."""
    return np.array(
        [
            EVERYONE
            if issue.implementer == ALL_PARTIES
            else scenario.agent_names.index(issue.implementer)
            for issue in scenario.issues
        ]
    )


class Implementation:
    """Who implements each issue (``implementer``), and the trust parameters drawn per
    replication: ``trust_penalty`` (share of trust lost when all of a promised gain is broken)
    and ``trust_recovery`` (share of the distance to full trust regained after a session
    without a broken commitment)."""

    def __init__(self, scenario: Scenario, draw: Draw):
        self.implementer = implementers(scenario)
        self.trust_penalty = draw(scenario.trust.penalty)
        self.trust_recovery = draw(scenario.trust.recovery)
        self.ratification_penalty = draw(scenario.trust.ratification_penalty)

    def issues_of(self, index: int) -> np.ndarray:
        """(I,) mask of the issues agent ``index`` implements alone."""
        return self.implementer == index

    def end_session(
        self,
        streams: Streams,
        agents: Sequence[StateAgent],
        agreed: np.ndarray,
        value: np.ndarray,
        status_quo: np.ndarray,
    ) -> np.ndarray:
        """(R, I) which issue values are in place after the session (``value`` where agreed,
        else the status quo), and every agent's trust updated.

        Every agent's compliance is drawn for every issue, whatever was agreed, so the random
        streams advance alike in every replication.
        """
        complies = [streams.uniform(len(self.implementer)) < a.compliance[:, None] for a in agents]
        everyone = np.logical_and.reduce(complies)
        done = complies[0].copy()  # issue by issue, whoever must act on it
        for index, agent_complies in enumerate(complies[1:], start=1):
            alone = self.implementer == index
            done[:, alone] = agent_complies[:, alone]
        by_all = self.implementer == EVERYONE
        if by_all.any():
            done[:, by_all] = everyone[:, by_all]
        implemented = done | ~(np.abs(value - status_quo) > NO_CHANGE)
        for index, victim in enumerate(agents):
            broken = agreed & ~implemented & self._by_others(index, complies)
            self._update_trust(victim, agreed, broken, value, status_quo)
        return implemented

    def _by_others(self, index: int, complies: list[np.ndarray]) -> np.ndarray:
        """(R, I) issues on which another agent than ``index`` failed to do its part."""
        others_fail = np.logical_or.reduce([~c for i, c in enumerate(complies) if i != index])
        return np.where(self.implementer == EVERYONE, others_fail, self.implementer != index)

    def _update_trust(self, victim, agreed, broken, value, status_quo) -> None:
        if not broken.any():  # nothing broken anywhere: trust only recovers
            trust = victim.trust
            victim.trust = trust + self.trust_recovery * (1.0 - trust)
            return
        prefs = victim.preferences
        gain = prefs.salience * np.maximum(
            issue_utility(value, prefs.ideal, prefs.shape)
            - issue_utility(status_quo, prefs.ideal, prefs.shape),
            0.0,
        )
        promised = np.where(agreed, gain, 0.0).sum(axis=1)
        lost = np.where(broken, gain, 0.0).sum(axis=1)
        share = np.divide(lost, promised, out=np.zeros_like(lost), where=promised > 0)
        trust = victim.trust * (1.0 - self.trust_penalty * share)
        recovered = trust + self.trust_recovery * (1.0 - trust)
        victim.trust = np.where(lost > 0, trust, recovered)
