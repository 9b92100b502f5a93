"""Reading input files is bounded before anything is walked, and every decode or parse failure is
one ScenarioError naming the file, the line where known, and the field."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.scenario import reading
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file, read_yaml_mapping

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = (SCENARIOS / "split_the_pie.yaml").read_text()


def refused(tmp_path, content: str | bytes, name: str = "bad.yaml") -> ScenarioError:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        read_scenario_file(path, name)
    assert time.perf_counter() - start < 1.0  # refused before any expensive walk
    assert info.value.source == name
    assert "\n" not in str(info.value)
    return info.value


def test_a_shipped_scenario_reads_as_before():
    data = read_scenario_file(SCENARIOS / "split_the_pie.yaml")
    assert set(data) >= {"negotiation", "issues", "agents"}


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    error = refused(tmp_path, BASE + "\ndescription: '" + "x" * reading.MAX_FILE_BYTES + "'\n")
    assert "larger than 1,000,000 bytes" in error.problem


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    error = refused(tmp_path, b"negotiation:\n  rounds: 5\nname: caf\xe9\n")
    assert error.problem == "not UTF-8 text: byte 0xe9 at line 3, column 10"


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    error = refused(tmp_path, "\n".join(lines) + "\n" + BASE)
    assert error.path == "a4"  # the first value too large once expanded (9**4 * 10 > 20,000)
    assert "more than 20,000 values once its aliases are expanded" in error.problem


def test_nesting_is_limited_directly_and_through_aliases(tmp_path):
    error = refused(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n" + BASE)
    assert "nested more than 32 levels deep" in error.problem
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n"
    error = refused(tmp_path, block)
    assert error.problem == "line 33: nested more than 32 levels deep"
    chain = "c0: &c0 1\n" + "".join(f"c{i}: &c{i} [*c{i - 1}]\n" for i in range(1, 60))
    error = refused(tmp_path, chain + BASE)
    assert (error.path, error.problem) == ("c32", "nested more than 32 levels deep through aliases")


def test_a_value_that_holds_itself_is_refused(tmp_path):
    error = refused(tmp_path, "x: &r [*r]\n" + BASE)
    assert error.problem == "line 1: an alias refers to a value that holds it"


@pytest.mark.parametrize(
    ("extra", "path", "lines"),
    [
        ("negotiation:\n  rounds: 3\n", "negotiation", "defined twice (first on line"),
        ("", "issues.share.status_quo", "defined twice (first on line"),
    ],
)
def test_duplicate_keys_at_any_level_name_the_field_and_both_lines(tmp_path, extra, path, lines):
    text = BASE + "\n" + extra
    if not extra:
        text = BASE.replace("status_quo: 0.5", "status_quo: 0.5\n    status_quo: 0.6", 1)
        assert text != BASE
    error = refused(tmp_path, text)
    assert error.path == path
    assert lines in error.problem and error.problem.startswith("line ")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("title: ${oc.env:HOME}\n", "title"),
        (
            "issues:\n  share:\n    status_quo: 0.5\n    description: '${x}'\n",
            "issues.share.description",
        ),
        ("'${a}': 1\n", "${a}"),
    ],
)
def test_an_interpolation_anywhere_is_refused(tmp_path, text, path):
    error = refused(tmp_path, text)
    assert error.path == path
    assert error.problem == "interpolations ('${...}') are not allowed in scenario files"


def test_a_refusal_survives_omegaconf_as_a_stand_in():
    """The stand-in for an unreadable scenario goes through Hydra's ConfigStore; a '${' in its
    message must not be taken for an interpolation there."""
    from omegaconf import OmegaConf

    error = ScenarioError("f.yaml", "title", "interpolations ('${...}') are not allowed")
    node = OmegaConf.to_container(OmegaConf.create(reading.invalid(error)), resolve=True)
    with pytest.raises(ScenarioError) as info:
        reading.raise_invalid(node, "f.yaml")
    assert (info.value.path, info.value.problem) == (error.path, error.problem)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("agents: [1, 2\n", "not valid YAML: line 2, column 1"),
        ("- a\n- b\n", "a scenario file must be a mapping of fields"),
        ("", "a scenario file must be a mapping of fields"),
        ("a: !!python/object:os.system x\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ],
)
def test_parse_failures_are_one_line(tmp_path, content, problem):
    assert refused(tmp_path, content).problem.startswith(problem)


def test_config_files_get_the_same_protection(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("method: sobol\nmethod: morris\n")
    with pytest.raises(ScenarioError, match="method: line 2: defined twice"):
        read_yaml_mapping(path, "config.yaml", "a sensitivity config")


def test_a_name_with_line_breaks_cannot_break_the_one_line_message(tmp_path):
    error = refused(tmp_path, "? 'bad\n\n  ${name}'\n: 1\n" + BASE)
    assert error.path == "bad\\n${name}" and "\n" not in str(error)
    assert ScenarioError("f.yaml", "a\nb", "x\ty\x00").problem == "x\\ty\\x00"
