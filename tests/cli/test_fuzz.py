"""Fuzzing: valid scenarios mutated in structure, types, ranges, keys, encodings and YAML features.

Every mutant must either run or be refused with one ScenarioError line; anything else (another
exception, a hang) is a hole. In process for many examples (read, validate, check the work, run
20 replications and compare with theory, as ``negsim`` does), and through the real command for a
few, where the refusal must be exactly one ``negsim: error:`` line with nothing written.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.catalogue import validate
from sim.engine.montecarlo import simulate
from sim.engine.settings import RunSettings, check_work
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file

pytestmark = pytest.mark.slow  # through the installed commands, in subprocesses

ROOT = Path(__file__).resolve().parents[2]
NEGSIM = str(Path(sys.executable).with_name("negsim"))
SHIPPED = {
    name: yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())
    for name in ("split_the_pie", "us_china_2024", "tactical_pause")
}

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1, 0, 1, 2, 0.5, 1e300, -0.0, 10**30, math.nan]),
    st.text(max_size=12),
    st.sampled_from(["${oc.env:HOME}", "_target_", "time_dependent", "beta", "all", ""]),
    st.lists(st.integers(-3, 3), max_size=4),
    st.dictionaries(
        st.sampled_from(["dist", "low", "high", "mean", "sd", "a", "b"]),
        st.floats(-5, 5),
        max_size=4,
    ),
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


def at(node, path):
    for step in path:
        node = node[step]
    return node


@st.composite
def mutants(draw) -> bytes:
    data = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in paths(data) if p]))
        parent, key = at(data, path[:-1]), path[-1]
        action = draw(
            st.sampled_from(["nudge", "nudge", "replace", "delete", "rename", "add", "wrap"])
        )
        value = parent[key]
        if action == "nudge" and isinstance(value, int | float) and not isinstance(value, bool):
            edges = [0, 1, 2] if isinstance(value, int) else [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5]
            parent[key] = draw(st.sampled_from(edges))
        elif action == "nudge" and isinstance(value, dict) and "dist" in value:
            parent[key] = draw(st.sampled_from([0.0, 1.0, 0.5]))
        elif action == "replace":
            parent[key] = draw(ODD_VALUES)
        elif action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(key)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(ODD_VALUES)
        elif action == "wrap":
            parent[key] = [parent[key]] if draw(st.booleans()) else {"value": parent[key]}
    text = yaml.safe_dump(data, allow_unicode=True).encode()
    damage = draw(st.sampled_from(["none", "truncate", "bytes", "yaml"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "bytes":
        where = draw(st.integers(0, len(text)))
        text = text[:where] + draw(st.binary(min_size=1, max_size=4)) + text[where:]
    elif damage == "yaml":
        text += draw(
            st.sampled_from(
                [
                    b"\nextra: &x [1, 2]\nmore: *x\n",
                    b"\nnegotiation: !!python/object/apply:os.system ['true']\n",
                    b"\n---\nsecond: document\n",
                    b"\nmerged:\n  <<: {a: 1}\n",
                    b"\n? [complex, key]\n: 1\n",
                    b"\ntitle: 2024-01-01\n",
                ]
            )
        )
    return text


def run_in_process(path: Path) -> None:
    """What ``negsim`` does with a scenario file, on a tiny run."""
    scenario = validate(read_scenario_file(path, "fuzz.yaml"), "fuzz.yaml")
    check_work(scenario, RunSettings(replications=20))
    simulate(scenario, 20, seed=1, batch_blocks=1, trace=2)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutants())
def test_a_mutated_scenario_runs_or_is_refused_in_one_line(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text)
    try:
        run_in_process(path)
    except ScenarioError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith("fuzz.yaml: ")


@settings(max_examples=6, deadline=None, derandomize=True)
@given(mutants())
def test_a_mutated_scenario_through_the_command(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "fuzz.yaml").write_bytes(text)
    done = subprocess.run(
        [
            NEGSIM,
            "scenario=fuzz.yaml",
            "mc.replications=20",
            "output.figures=false",
            "hydra.run.dir=out",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    if done.returncode == 0:
        assert (folder / "out" / "summary.json").is_file()
    else:
        assert done.returncode == 2, done.stderr[-2000:]
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("negsim: error: ")
        assert sorted(p.name for p in folder.iterdir()) == ["fuzz.yaml"]
