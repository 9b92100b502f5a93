"""Which protocol a run plays, decided in one place (sim.core.protocols.base.resolve_protocol),
and the protocols' turn order."""

from __future__ import annotations

import dataclasses

import pytest

from sim.core.model import NegotiationModel
from sim.core.protocols.alternating import IssueByIssue
from sim.core.protocols.base import PROTOCOLS, resolve_protocol
from sim.core.protocols.monotonic import MonotonicConcession


def with_protocol(scenario, name):
    return dataclasses.replace(
        scenario, negotiation=dataclasses.replace(scenario.negotiation, protocol=name)
    )


def test_the_scenario_decides_unless_the_run_setting_names_one(split_the_pie):
    scenario = with_protocol(split_the_pie, "issue_by_issue")
    assert resolve_protocol(scenario) == "issue_by_issue"
    assert resolve_protocol(scenario, None) == "issue_by_issue"  # protocol=from_scenario
    assert resolve_protocol(scenario, "monotonic_concession") == "monotonic_concession"


@pytest.mark.parametrize(
    ("override", "played"), [(None, IssueByIssue), ("monotonic_concession", MonotonicConcession)]
)
def test_the_model_plays_the_resolved_protocol(split_the_pie, override, played):
    scenario = with_protocol(split_the_pie, "issue_by_issue")
    model = NegotiationModel(scenario, 1, seed=0, protocol=override)
    assert type(model.protocol) is played
    assert type(model.protocol) is PROTOCOLS[resolve_protocol(scenario, override)]


def test_proposers_alternate_from_the_first_proposer(split_the_pie):
    model = NegotiationModel(split_the_pie, 1, seed=0)
    first = split_the_pie.negotiation.first_proposer
    order = [tuple(agent.name for agent in model.proposer_order(k)) for k in range(4)]
    other = next(name for name in split_the_pie.agent_names if name != first)
    assert order == [(first, other), (other, first)] * 2
    assert [agent.name for agent in model.agents_in_order] == [first, other]
