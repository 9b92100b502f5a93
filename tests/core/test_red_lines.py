"""Red lines: built once from the spec, enforced by clip and admits, counted by the audit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.core.red_lines import OneWay, RedLines, count_violations


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


def test_one_way_bounds_cut_each_agents_red_lines_per_replication():
    """Issue 0 may only rise, issue 1 only fall, issue 2 either way; two replications whose
    status quos differ (as they do after different agreements)."""
    one_way = OneWay(up=np.array([True, False, False]), down=np.array([False, True, False]))
    status_quo = np.array([[0.3, 0.6, 0.5], [0.7, 0.2, 0.5]])
    low, high = one_way.bounds(status_quo)
    np.testing.assert_array_equal(low, [[0.3, 0, 0], [0.7, 0, 0]])
    np.testing.assert_array_equal(high, [[1, 0.6, 1], [1, 0.2, 1]])
    lines = RedLines(np.array([0.0, 0.1, 0.2]), np.array([0.8, 1.0, 1.0]))
    box = lines.within(low, high)
    np.testing.assert_array_equal(box.low, [[0.3, 0.1, 0.2], [0.7, 0.1, 0.2]])
    np.testing.assert_array_equal(box.high, [[0.8, 0.6, 1.0], [0.8, 0.2, 1.0]])

    backwards = np.array([[0.1, 0.9, 0.0], [0.69, 0.21, 1.0]])
    clipped = box.clip(backwards)
    np.testing.assert_array_equal(clipped, [[0.3, 0.6, 0.2], [0.7, 0.2, 1.0]])
    assert box.admits(clipped).all() and not box.admits(backwards).any()
    assert one_way.wrong_way(backwards, status_quo).tolist() == [
        [True, True, False],
        [True, True, False],
    ]
    assert not one_way.wrong_way(clipped, status_quo).any()
    assert not one_way.wrong_way(status_quo + 1e-10 * np.array([-1, 1, 0]), status_quo).any()


def test_only_scenarios_with_a_one_way_issue_have_one_way_bounds(split_the_pie, us_china):
    assert OneWay.from_scenario(split_the_pie) is None
    issues = tuple(
        replace(issue, direction="up" if issue.name == "north_korea_pressure" else "both")
        for issue in us_china.issues
    )
    one_way = OneWay.from_scenario(replace(us_china, issues=issues))
    assert one_way.up.tolist() == [i.name == "north_korea_pressure" for i in issues]
    assert not one_way.down.any()


def test_a_clip_has_the_shape_of_offer_and_bounds_together():
    """Bounds the same on every issue clip as two numbers, to the shape broadcasting gives."""
    lines = RedLines(np.zeros((3, 2)), np.ones((3, 2)))
    clipped = lines.clip(np.array([0.5, 2.0]))
    assert clipped.shape == (3, 2) and (clipped == [0.5, 1.0]).all()
