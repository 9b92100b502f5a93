"""The case's numbers and their sources: every field tagged ``[case]`` in a shipped scenario built
on the US–China case has a row in docs/sources.md (the fact it rests on and where the article
reports it), every row names a ``[case]`` field, the scenarios agree where they share a status
quo, and in the newer scenarios every number says where it comes from."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from sim.core.catalogue import load_scenario
from sim.core.model import NegotiationModel

ROOT = Path(__file__).resolve().parents[2]
# The scenarios built on the case, each with the fewest ``[case]`` fields it may have (so tags do
# not silently vanish).
CASE_SCENARIOS = {
    "us_china_2024": 10,
    "tactical_pause": 10,
    "fentanyl_trilateral": 10,
    "precursor_council": 5,
}
# The scenarios in which every number carries a tag, and every ``[assumption]`` its reason, each
# with the fewest numbers it may have (so a file cannot pass by losing them).
FULLY_TAGGED = {"fentanyl_trilateral": 50, "precursor_council": 50, "two_level_game": 20}
NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
KEY = re.compile(r"^(\s*)([A-Za-z_]\w*):")


def case_fields(path: Path) -> dict[str, int]:
    """Dotted path -> line number of every key whose line carries a ``[case]`` comment."""
    fields, stack = {}, []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = KEY.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match.group(2)))
        comment = line.partition(" #")[2]
        if "[case]" in comment:
            fields[".".join(key for _, key in stack)] = number
    return fields


def source_rows(scenario: str) -> list[tuple[str, str]]:
    """(field, article location) of each row in the scenario's section of docs/sources.md."""
    text = (ROOT / "docs" / "sources.md").read_text()
    section = text.split(f"## {scenario}.yaml\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w.]+)` \|.*\| ([^|]*) \|$", section, flags=re.MULTILINE)
    assert rows, f"no table for {scenario} in docs/sources.md"
    return rows


def covers(row: str, field: str) -> bool:
    """A row names the field itself or one number inside it (``...fentanyl_precursors.ideal``
    for the flow mapping ``fentanyl_precursors: {ideal: ..., salience: ...}``)."""
    return row == field or row.startswith(field + ".")


@pytest.mark.parametrize("scenario", CASE_SCENARIOS)
def test_every_case_number_has_its_source(scenario):
    fields = case_fields(ROOT / "scenarios" / f"{scenario}.yaml")
    rows = source_rows(scenario)
    assert len(fields) >= CASE_SCENARIOS[scenario]
    for field, line in fields.items():
        assert any(covers(row, field) for row, _ in rows), f"{scenario}.yaml:{line} {field}"
    for row, where in rows:
        assert any(covers(row, field) for field in fields), f"docs/sources.md row {row}"
        assert re.fullmatch(r"¶\d+(, ¶\d+)*", where.strip()), (row, where)


def numbers(node: yaml.Node):
    """Every number scalar under ``node``."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag in NUMBER_TAGS:
            yield node
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from numbers(key)
            yield from numbers(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from numbers(item)


@pytest.mark.parametrize("scenario", FULLY_TAGGED)
def test_every_number_says_where_it_comes_from(scenario):
    """A number's line carries ``[case]`` or ``[assumption]``, and an ``[assumption]`` tag is
    followed by its reason (in ``[case] fact; [assumption] 0.2`` the case's fact is the reason)."""
    text = (ROOT / "scenarios" / f"{scenario}.yaml").read_text()
    lines = text.splitlines()
    found = list(numbers(yaml.compose(text, Loader=yaml.SafeLoader)))
    assert len(found) >= FULLY_TAGGED[scenario]
    for node in found:
        line = node.start_mark.line
        comment = lines[line].partition(" #")[2]
        assert "[case]" in comment or "[assumption]" in comment, f"{scenario}.yaml:{line + 1}"
    for number, line in enumerate(lines, 1):
        comment = line.partition(" #")[2]
        if "[case]" in comment:
            continue
        for reason in re.findall(r"\[assumption\]([^\[]*)", comment):
            assert re.search(r"[a-z]{3}", reason), f"{scenario}.yaml:{number} gives no reason"


def test_the_scenarios_agree_where_they_share_an_issue():
    """The US–China scenarios and the trilateral built on them start just after the November
    2023 summit: an issue two of them share has the same status quo, direction and implementer."""
    loaded = [load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in CASE_SCENARIOS]
    for one, other in combinations(loaded, 2):
        shared = set(one.issue_names) & set(other.issue_names)
        if {one.name, other.name} == {"us_china_2024", "tactical_pause"}:
            assert len(shared) >= 5
        if {one.name, other.name} == {"us_china_2024", "fentanyl_trilateral"}:
            assert shared == {"fentanyl_precursors", "sanctions_delisting"}
        for name in shared:
            (a,) = (i for i in one.issues if i.name == name)
            (b,) = (i for i in other.issues if i.name == name)
            same = (a.status_quo, a.direction, a.implementer)
            assert same == (b.status_quo, b.direction, b.implementer), (one.name, other.name, name)


def test_china_cannot_roll_back_pressure_it_already_applies(us_china):
    """The case's third parties: an agreement may only add pressure on North Korea and over the
    Red Sea, so China's pressure never ends below the status quo (it fell in about 80% of runs
    when nothing stopped it: China's ideal 0.1 lies below the status quo 0.2)."""
    directions = {issue.name: issue.direction for issue in us_china.issues}
    assert directions["north_korea_pressure"] == directions["red_sea_pressure"] == "up"
    for protocol in (None, "issue_by_issue", "monotonic_concession"):
        model = NegotiationModel(us_china, 500, seed=3, protocol=protocol).run()
        outcomes = model.outcomes()
        assert (outcomes["wrong_way_moves"] == 0).all()
        for issue in ("north_korea_pressure", "red_sea_pressure", "fentanyl_precursors"):
            i = us_china.issue_names.index(issue)
            assert (model.status_quo[:, i] >= model.initial_status_quo[:, i] - 1e-9).all()
