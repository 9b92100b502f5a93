"""Bad scenario input: one message naming file, field path and problem (sim.scenario.validation.validate).

The CLI end of the same errors (exit code 2, no traceback, no results folder) is in test_cli.py.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from sim.core.catalogue import validate
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file

SOURCE = "scenarios/us_china_2024.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    root = Path(__file__).resolve().parents[2]
    return yaml.safe_load((root / SOURCE).read_text())


def _set(data: dict, path: str, value) -> dict:
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return data


_DELETE = object()

CASES = [
    # (field path, new value, expected message)
    (
        "agents.us.preferences.taiwan.salinece",
        0.1,
        "agents.us.preferences.taiwan.salinece: unknown field 'salinece' (did you mean 'salience'?)",
    ),
    (
        "agents.us.reservaton",
        0.1,
        "agents.us.reservaton: unknown field 'reservaton' (did you mean 'reservation'?)",
    ),
    (
        "agents.china.preferences.taiwan.ideal",
        _DELETE,
        "agents.china.preferences.taiwan.ideal: missing required field",
    ),
    ("negotiation.rounds", _DELETE, "negotiation.rounds: missing required field"),
    (
        "agents.us.preferences.taiwan.salience",
        -0.2,
        "agents.us.preferences.taiwan.salience: must be >= 0 (got -0.2)",
    ),
    (
        "agents.china.preferences.taiwan.ideal",
        1.5,
        "agents.china.preferences.taiwan.ideal: must be <= 1 (got 1.5)",
    ),
    (
        "agents.china.preferences.taiwan.ideal",
        -0.1,
        "agents.china.preferences.taiwan.ideal: must be >= 0 (got -0.1)",
    ),
    (
        "agents.china.red_lines.taiwan",
        {"min": 0.6, "max": 0.4},
        "agents.china.red_lines.taiwan: red line [0.6, 0.4] admits no value in [0, 1]",
    ),
    (
        "agents.china.red_lines.taiwan",
        {"min": 1.2},
        "agents.china.red_lines.taiwan: red line [1.2, 1] admits no value in [0, 1]",
    ),
    (
        "agents.china.red_lines.taiwan",
        {"min": 0.5},
        "agents.china.red_lines.taiwan: red line [0.5, 1] excludes the agent's own ideal 0",
    ),
    (
        "agents.china.strategy.name",
        "tit_for_tatt",
        "agents.china.strategy.name: unknown strategy 'tit_for_tatt' (did you mean 'tit_for_tat'?)",
    ),
    (
        "agents.us.strategy.name",
        "boulware",
        "agents.us.strategy.name: unknown strategy 'boulware' (choose from: time_dependent, tit_for_tat, zeuthen)",
    ),
    (
        "agents.us.strategy.params.e",
        0.0,
        "agents.us.strategy.params.e: must be > 0 (got 0)",
    ),
    (
        "issues.taiwan.implementer",
        "chnia",
        "issues.taiwan.implementer: unknown implementer (an agent or 'all') 'chnia' (did you mean 'china'?)",
    ),
    (
        "issues.taiwan.direction",
        "upward",
        "issues.taiwan.direction: unknown direction (up, down or both) 'upward' (did you mean 'up'?)",
    ),
    (
        "issues.taiwan.direction",
        "sideways",
        "issues.taiwan.direction: unknown direction (up, down or both) 'sideways' (choose from: both, down, up)",
    ),
    (
        "issues.taiwan.direction",
        True,
        "issues.taiwan.direction: unknown direction (up, down or both) True (choose from: both, down, up)",
    ),
    (
        "negotiation.first_proposer",
        "usa",
        "negotiation.first_proposer: unknown agent 'usa' (did you mean 'us'?)",
    ),
    (
        "agents.us.preferences.taiwn",
        {"ideal": 0.5, "salience": 0.1},
        "agents.us.preferences.taiwn: unknown issue 'taiwn' (did you mean 'taiwan'?)",
    ),
    (
        "agents.us.red_lines.taiwn",
        {"max": 0.5},
        "agents.us.red_lines.taiwn: unknown field 'taiwn' (did you mean 'taiwan'?)",
    ),
    (
        "agents.us.preferences.taiwan.salience",
        "high",
        "agents.us.preferences.taiwan.salience: expected a number, got 'high'",
    ),
    ("agents.us.reservation", True, "agents.us.reservation: expected a number, got True"),
    ("negotiation.sessions", 2.5, "negotiation.sessions: expected a whole number, got 2.5"),
    (
        "negotiation.protocol",
        "alternating",
        "negotiation.protocol: unknown protocol 'alternating' (did you mean 'alternating_offers'?)",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    CASES,
    ids=[c[0] + ("=<deleted>" if c[1] is _DELETE else f"={c[1]}") for c in CASES],
)
def test_bad_field_is_named_with_its_problem(raw, path, value, message):
    with pytest.raises(ScenarioError) as caught:
        validate(_set(raw, path, value), SOURCE)
    assert str(caught.value) == f"{SOURCE}: {message}"


def test_all_zero_saliences(raw):
    data = copy.deepcopy(raw)
    for entry in data["agents"]["us"]["preferences"].values():
        entry["salience"] = 0
    with pytest.raises(ScenarioError, match=r"agents\.us\.preferences: saliences are all zero"):
        validate(data, SOURCE)


def test_an_issue_without_preferences(raw):
    data = copy.deepcopy(raw)
    del data["agents"]["china"]["preferences"]["party_rule"]
    with pytest.raises(
        ScenarioError, match=r"agents\.china\.preferences\.party_rule: missing required field"
    ):
        validate(data, SOURCE)


def test_a_bilateral_protocol_refuses_a_third_agent(raw):
    data = copy.deepcopy(raw)
    data["agents"]["eu"] = copy.deepcopy(data["agents"]["us"])
    data["negotiation"]["protocol"] = "alternating_offers"
    with pytest.raises(
        ScenarioError,
        match=r"negotiation\.protocol: protocol 'alternating_offers' seats exactly 2 agents,"
        r" this scenario has 3; for more use .*stacked_alternating_offers",
    ):
        validate(data, SOURCE)


@pytest.mark.parametrize("count", [1, 31])
def test_too_few_or_too_many_agents_are_refused(raw, count):
    data = copy.deepcopy(raw)
    us = data["agents"]["us"]
    data["agents"] = {f"state{k}": copy.deepcopy(us) for k in range(count)}
    data["negotiation"]["first_proposer"] = "state0"
    for issue in data["issues"].values():
        issue.pop("implementer", None)
    data.pop("events", None), data.pop("pressures", None), data.pop("misread", None)
    with pytest.raises(ScenarioError, match=rf"agents: give 2 to 30 agents \(got {count}\)"):
        validate(data, SOURCE)


@pytest.mark.parametrize(
    ("ratification", "field", "message"),
    [
        ({"rule": "majority"}, "rule", "unknown ratification rule 'majority'"),
        ({"rule": "qualified_majority"}, "threshold", "missing: a qualified majority needs"),
        ({"rule": "qualified_majority", "threshold": 0}, "threshold", "must be > 0"),
        ({"rule": "qualified_majority", "threshold": 1.2}, "threshold", "must be <= 1"),
        ({"rule": "qualified_majority", "threshold": 0.6, "by": "gdp"}, "by", "unknown share"),
        (
            {"rule": "qualified_majority", "threshold": 0.6, "veto": ["eu"]},
            r"veto\[0\]",
            "unknown agent 'eu'",
        ),
        (
            {"rule": "qualified_majority", "threshold": 0.6, "veto": ["us", "us"]},
            r"veto\[1\]",
            "'us' is listed twice",
        ),
        (
            {"rule": "unanimity", "veto": ["us"]},
            "veto",
            "unanimity needs every agent to accept: it takes no threshold, by or veto",
        ),
    ],
)
def test_bad_ratification_rules_name_their_field(raw, ratification, field, message):
    data = copy.deepcopy(raw)
    data["negotiation"]["ratification"] = ratification
    with pytest.raises(ScenarioError, match=rf"negotiation\.ratification\.{field}: {message}"):
        validate(data, SOURCE)


def test_ratification_and_weight_are_read(raw):
    data = copy.deepcopy(raw)
    data["negotiation"]["ratification"] = {
        "rule": "qualified_majority",
        "threshold": 0.6,
        "by": "count",
        "veto": ["china"],
    }
    data["agents"]["us"]["weight"] = 3
    scenario = validate(data, SOURCE)
    rule = scenario.negotiation.ratification
    assert (rule.rule, rule.threshold, rule.by, rule.veto) == (
        "qualified_majority",
        0.6,
        "count",
        ("china",),
    )
    assert scenario.weights == (3.0, 1.0)
    assert validate(copy.deepcopy(raw), SOURCE).negotiation.ratification.unanimous


@pytest.mark.parametrize("weight", [0, -1, "heavy"])
def test_a_weight_must_be_a_positive_number(raw, weight):
    data = copy.deepcopy(raw)
    data["agents"]["us"]["weight"] = weight
    with pytest.raises(ScenarioError, match=r"agents\.us\.weight: (must be > 0|expected a number)"):
        validate(data, SOURCE)


def test_saliences_are_normalised(raw):
    data = _set(raw, "agents.us.preferences.taiwan.salience", 1.08)  # total 2.0
    scenario = validate(data, SOURCE)
    assert sum(scenario.agent("us").salience.values()) == pytest.approx(1.0)
    assert scenario.agent("us").salience["taiwan"] == pytest.approx(0.54)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "agents:\n  us:\n    _target_: os.system\n",
            "agents.us._target_: '_target_' is not allowed",
        ),
        ("name: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
        ("name: ${oc.env:HOME}\n", "name: interpolations ('${...}') are not allowed"),
        ("issues: [unclosed\n", "not valid YAML: line 2, column 1"),
        ("- a list\n", "a scenario file must be a mapping of fields"),
    ],
)
def test_files_are_data_only(tmp_path, text, message):
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        read_scenario_file(path, "evil.yaml")
    assert str(caught.value).startswith("evil.yaml: ")
    assert message in str(caught.value)


def test_a_one_way_issue_must_leave_room_on_its_side_of_the_status_quo(raw):
    """An ``up`` issue whose status quo lies above a red line's max could never be agreed (an
    agreement may only raise it, the agent never accepts it higher): refused, naming both."""
    data = _set(
        _set(raw, "issues.sanctions_delisting.direction", "up"),
        "issues.sanctions_delisting.status_quo",
        0.8,
    )
    with pytest.raises(ScenarioError) as caught:
        validate(data, SOURCE)
    assert str(caught.value) == (
        f"{SOURCE}: issues.sanctions_delisting.status_quo: direction 'up' lets an agreement only"
        " raise 'sanctions_delisting' from its status quo (0.8), but us's red line allows at"
        " most 0.6: no agreement could settle it"
    )
    drawn = _set(
        data, "issues.sanctions_delisting.status_quo", {"dist": "uniform", "low": 0.5, "high": 0.7}
    )
    with pytest.raises(ScenarioError, match=r"status quo \(drawn in \[0\.5, 0\.7\]\)"):
        validate(drawn, SOURCE)
    down = _set(_set(raw, "issues.taiwan.direction", "down"), "issues.taiwan.status_quo", 0.0)
    validate(down, SOURCE)  # [0, 0] holds China's red line [0, 0]
    china = _set(raw, "agents.china.red_lines.fentanyl_precursors", {"min": 0.1})
    lowered = _set(
        _set(china, "issues.fentanyl_precursors.direction", "down"),
        "issues.fentanyl_precursors.status_quo",
        0.05,
    )
    with pytest.raises(ScenarioError, match="only lower .* china's red line allows at least 0.1"):
        validate(lowered, SOURCE)


def test_direction_defaults_to_both_ways(raw):
    (taiwan,) = (i for i in validate(raw, SOURCE).issues if i.name == "taiwan")
    assert taiwan.direction == "both" and not taiwan.one_way
