"""When an offer becomes an agreement: the scenario's ratification rule, for the agents at the
table (``negotiation.ratification``, :class:`~sim.scenario.spec.Ratification`).

Under ``unanimity`` every agent must accept. Under a ``qualified_majority`` the agents who accept
must hold at least the threshold's share of the weights (``by: weight``) or of the agents
(``by: count``), and include every veto player. Whatever the rule, a red line is a veto: a
package outside any agent's admissible box (its red lines, and on a one-way issue the side of the
status quo an agreement may move it to) is never ratified, so the red-line audit stays 0 even
for the agents who are outvoted. Outvoted agents are bound by the result and implement it with
their compliance, as every agent does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.core import rowwise
from sim.scenario.spec import BY_WEIGHT, Ratification

if TYPE_CHECKING:  # only for annotations: importing the agents imports Mesa (slow)
    from sim.core.agents import StateAgent

# A share within this of the threshold meets it (shares are sums of floats).
SHARE_TOLERANCE = 1e-12


class Ratifier:
    """The rule for ``agents`` (in scenario order): :meth:`ratifies` reads their votes."""

    def __init__(self, rule: Ratification, agents: Sequence[StateAgent]):
        self.rule = rule
        self.agents = tuple(agents)
        self.unanimous = rule.unanimous
        counted = [a.weight if rule.by == BY_WEIGHT else 1.0 for a in agents]
        self.share = np.asarray(counted, dtype=float) / float(np.sum(counted))
        self.veto = np.array([a.name in rule.veto for a in agents])

    def votes(self, decide) -> np.ndarray:
        """(..., n) ``decide(agent)`` for every agent, stacked on a last axis in scenario order."""
        return np.stack([decide(agent) for agent in self.agents], axis=-1)

    def ratifies(self, yes: np.ndarray, package: np.ndarray | None = None) -> np.ndarray:
        """(...,) Whether the rule is met: ``yes`` (..., n) each agent's acceptance (which under
        unanimity already includes its red lines), ``package`` (R, I) the package voted on, for
        the red-line veto of a qualified majority (issue by issue when ``yes`` is (R, I, n))."""
        if self.unanimous:
            return rowwise.all_(yes)
        held = yes.astype(float) @ self.share
        passed = held >= self.rule.threshold - SHARE_TOLERANCE
        if self.veto.any():
            passed &= yes[..., self.veto].all(axis=-1)
        if package is not None:
            issue_by_issue = yes.ndim == 3
            for agent in self.agents:
                box = agent.admissible
                passed &= box.admits_issues(package) if issue_by_issue else box.admits(package)
        return passed

    def coalition(self, yes: np.ndarray) -> np.ndarray:
        """(...,) How many agents accepted."""
        return yes.sum(axis=-1)
