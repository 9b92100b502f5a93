"""Red lines: built once from the spec, enforced by clip and admits, counted by the audit."""

from __future__ import annotations

import numpy as np

from sim.core.red_lines import RedLines, count_violations


def test_from_spec_orders_bounds_by_issue_and_leaves_other_issues_open(us_china):
    china = us_china.agent("china")
    lines = RedLines.from_spec(china, us_china.issue_names)
    for i, issue in enumerate(us_china.issue_names):
        expected = china.red_lines.get(issue, (0.0, 1.0))
        assert (lines.low[i], lines.high[i]) == expected
    assert lines.core.tolist() == [issue in china.red_lines for issue in us_china.issue_names]
    assert lines.core.any() and not lines.core.all()


def test_a_spec_without_red_lines_has_no_core_issue(split_the_pie):
    agent = split_the_pie.agents[0]
    lines = RedLines.from_spec(agent, split_the_pie.issue_names)
    assert not lines.core.any()
    assert agent.red_line(split_the_pie.issue_names[0]) == (0.0, 1.0)
    assert not agent.is_core(split_the_pie.issue_names[0])


def test_clip_and_admits_agree_and_the_audit_counts_crossings():
    lines = RedLines(np.array([0.0, 0.2]), np.array([0.5, 1.0]))
    offers = np.array([[0.7, 0.1], [0.5, 0.2], [0.3, 0.9]])
    clipped = lines.clip(offers)
    assert lines.admits(clipped).all()
    assert lines.admits(offers).tolist() == [False, True, True]
    agreed = np.ones_like(offers, dtype=bool)
    assert count_violations(offers, agreed, [lines]).tolist() == [2, 0, 0]
