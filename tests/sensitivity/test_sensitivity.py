"""Global sensitivity analysis: the SALib machinery on Ishigami, the config file, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.sensitivity import main
from sim.engine.montecarlo import simulate
from sim.scenario.distributions import PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.parameters import field_range, with_value
from sim.sensitivity.config import load_config
from sim.sensitivity.gsa import Design, analyse, indices, sample
from sim.theory.problem import disagreement_point

ROOT = Path(__file__).resolve().parents[2]
PI = np.pi
ISHIGAMI = ("x1", "x2", "x3")


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami & Homma (1990) on [-pi, pi]^3."""
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_design(method: str = "sobol", samples: int = 2048, **kw) -> Design:
    return Design(method, ISHIGAMI, ((-PI, PI),) * 3, samples, seed=3, **kw)


def by_index(table: pd.DataFrame, index: str) -> pd.Series:
    rows = table[(table["index"] == index) & table["parameter_2"].isna()]
    return rows.set_index("parameter")["value"].reindex(list(ISHIGAMI))


# --- the SALib part, on a function with known indices ---------------------------------------


def test_sobol_recovers_the_analytic_ishigami_indices():
    # Analytic values for a = 7, b = 0.1 (Saltelli et al. 2008, Global Sensitivity Analysis:
    # The Primer, section 4.9): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244).
    table = analyse(ishigami_design(second_order=True), ishigami)
    for index, truth in (("S1", (0.3139, 0.4424, 0.0)), ("ST", (0.5576, 0.4424, 0.2437))):
        rows = table[(table["index"] == index)].set_index("parameter").reindex(list(ISHIGAMI))
        error = np.abs(rows["value"].to_numpy() - truth)
        assert (error <= 0.05).all(), (index, rows["value"].tolist())
        assert (error <= rows["conf"].to_numpy()).all(), (index, rows["conf"].tolist())
    s2 = table[table["index"] == "S2"].set_index(["parameter", "parameter_2"])["value"]
    assert s2[("x1", "x3")] == pytest.approx(0.2437, abs=0.05)  # the only interaction
    assert abs(s2[("x1", "x2")]) < 0.05 and abs(s2[("x2", "x3")]) < 0.05


def test_morris_on_ishigami_ranks_x3_last_and_flags_it_as_pure_interaction():
    # On a 4-level grid x2's elementary effect is always 7 * 0.75 / (2/3): mu* = 7.875 exactly.
    # x3 acts only through its interaction with x1: a smaller mu*, a sigma above it, mu near 0.
    table = analyse(ishigami_design("morris", 100), ishigami)
    mu_star, sigma, mu = (by_index(table, key) for key in ("mu_star", "sigma", "mu"))
    assert mu_star["x2"] == pytest.approx(7 * 0.75 / (2 / 3))
    assert mu_star["x3"] < min(mu_star["x1"], mu_star["x2"])
    assert sigma["x3"] > mu_star["x3"]
    assert abs(mu["x3"]) < 0.5 * mu_star["x3"]


def test_sample_size_follows_the_one_second_order_flag():
    for second_order, per_n in ((False, 3 + 2), (True, 2 * 3 + 2)):
        design = ishigami_design(samples=256, second_order=second_order)
        assert design.points == 256 * per_n == len(sample(design))
    assert ishigami_design("morris", 10).points == len(sample(ishigami_design("morris", 10)))


def test_outputs_from_a_design_with_the_other_second_order_flag_are_refused():
    # With D = 3 and N = 256, SALib alone cannot tell the two layouts apart (2048 rows is a
    # multiple of both 5 and 8) and returns wrong indices without a word.
    with_second = ishigami_design(samples=256, second_order=True)
    X = sample(with_second)
    with pytest.raises(ValueError, match="design has 1280 points"):
        indices(replace(with_second, second_order=False), X, ishigami(X), ["y"])


def test_a_metric_that_does_not_vary_gets_no_indices():
    table = analyse(ishigami_design(samples=64), lambda X: np.ones(len(X)))
    assert table["value"].isna().all()


def test_analysis_is_reproducible_from_its_seed():
    first = analyse(ishigami_design(samples=256), ishigami)
    pd.testing.assert_frame_equal(first, analyse(ishigami_design(samples=256), ishigami))
    other = analyse(replace(ishigami_design(samples=256), seed=4), ishigami)
    assert not first["value"].equals(other["value"])


# --- scenario fields by dotted path ---------------------------------------------------------


def test_with_value_sets_each_kind_of_field(us_china):
    s = with_value(us_china, "agents.china.reservation", 0.7)
    assert s.agent("china").reservation == 0.7 and us_china.agent("china").reservation == 0.3
    s = with_value(us_china, "agents.china.strategy.params.factor", 2.0)
    assert s.agent("china").strategy_params == {"opening": 0.03, "factor": 2.0}
    s = with_value(us_china, "agents.us.preferences.taiwan.salience", 0.5)
    assert s.agent("us").salience["taiwan"] == 0.5
    assert s.agent("us").ideal == us_china.agent("us").ideal
    s = with_value(us_china, "issues.military_channels.status_quo", 0.3)
    assert s.issues[2].status_quo == 0.3 and s.issues[0] == us_china.issues[0]
    assert with_value(us_china, "trust.recovery", 0.2).trust.recovery == 0.2


def test_with_value_refuses_values_outside_the_field_and_unknown_paths(us_china):
    with pytest.raises(ValueError, match=r"outside the allowed \[0, 1\]"):
        with_value(us_china, "agents.china.reservation", PerReplication(np.array([0.5, 1.2])))
    with pytest.raises(ValueError, match="china's red line on taiwan"):
        with_value(us_china, "agents.china.preferences.taiwan.ideal", 0.3)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        with_value(us_china, "agents.us.discount", 0.0)
    with pytest.raises(KeyError, match="did you mean 'agents.china.reservation'"):
        field_range(us_china, "agents.china.reservaton")


def test_points_in_one_run_match_each_point_run_alone(us_china):
    """Replication k of the sample run draws what replication k of any run with that seed draws."""
    path, values, reps = "agents.china.reservation", (0.85, 0.95), 40
    together = pd.concat(
        _tables(with_value(us_china, path, PerReplication(np.repeat(values, reps))), 2 * reps)
    ).reset_index(drop=True)
    for p, value in enumerate(values):
        alone = pd.concat(_tables(with_value(us_china, path, value), 2 * reps))
        rows = slice(p * reps, (p + 1) * reps)
        # The theory columns measure against the scenario's own problem (with medians for
        # numbers given per replication), so only the simulated columns must agree.
        simulated = [c for c in alone.columns if not c.startswith(("distance_", "frontier_gap"))]
        pd.testing.assert_frame_equal(
            together.iloc[rows].reset_index(drop=True)[simulated],
            alone.iloc[rows].reset_index(drop=True)[simulated],
        )


def _tables(scenario, n, seed=11):
    tables = []
    simulate(scenario, n, seed, on_batch=tables.append)
    return tables


# --- the config file and the command --------------------------------------------------------

TINY = """\
scenario: us_china_2024
method: {method}
samples: {samples}
replications: 20
seed: 1
metrics: [agreement, utility_china]
parameters:
  agents.china.reservation: [{low}, 0.95]
  trust.initial: [0.5, 1.0]
  agents.us.compliance: [0.5, 1.0]
"""


def write_config(tmp_path, name="tiny.yaml", method="sobol", samples=8, low=0.6, text=None):
    path = tmp_path / name
    path.write_text(text or TINY.format(method=method, samples=samples, low=low))
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sensitivity")
    config = write_config(tmp)
    main([str(config), "--out", str(tmp / "out")])
    return tmp / "out"


def test_the_command_writes_every_file(tiny_run):
    names = {p.relative_to(tiny_run).as_posix() for p in tiny_run.rglob("*") if p.is_file()}
    assert names == {
        "indices.parquet",
        "points.parquet",
        "sensitivity.md",
        "sensitivity.yaml",
        "discovery.md",
        "discovery.json",
        "summary.json",
        "figures/sobol_agreement.png",
        "figures/sobol_utility_china.png",
    }
    summary = json.loads((tiny_run / "summary.json").read_text())
    assert summary["points"] == 8 * (3 + 2) and summary["total_replications"] == 40 * 20
    points = pd.read_parquet(tiny_run / "points.parquet")
    assert list(points.columns) == [
        "point",
        "agents.china.reservation",
        "trust.initial",
        "agents.us.compliance",
        "agreement",
        "utility_china",
    ]
    assert len(points) == 40
    table = pd.read_parquet(tiny_run / "indices.parquet")
    assert list(table.columns) == ["metric", "parameter", "parameter_2", "index", "value", "conf"]
    assert set(table["index"]) == {"S1", "ST"}
    assert "## agreement" in (tiny_run / "sensitivity.md").read_text()
    discovery = json.loads((tiny_run / "discovery.json").read_text())
    assert set(discovery) == {"breakdown", "red_line_block"}


def test_same_config_and_seed_give_identical_indices(tiny_run, tmp_path):
    main([str(write_config(tmp_path)), "--out", str(tmp_path / "again")])
    pd.testing.assert_frame_equal(
        pd.read_parquet(tiny_run / "indices.parquet"),
        pd.read_parquet(tmp_path / "again" / "indices.parquet"),
    )
    first = json.loads((tiny_run / "discovery.json").read_text())
    assert first == json.loads((tmp_path / "again" / "discovery.json").read_text())


def test_china_reservation_decides_whether_talks_break_down(tiny_run, us_china):
    """Above China's status-quo utility (0.777) its reservation makes talks fail; below it, the
    status quo is China's floor and the reservation does not bind. (Since China can no longer
    be paid with less pressure on North Korea, its best deal is worth a little less and the
    sampled boundary lies between the points at reservation .78 and .80.)"""
    summary = json.loads((tiny_run / "summary.json").read_text())
    agreement = summary["metrics"]["agreement"]["indices"]
    assert agreement["agents.china.reservation"]["ST"] > 0.3
    assert agreement["agents.china.reservation"]["ST"] > agreement["agents.us.compliance"]["ST"]
    breakdown = json.loads((tiny_run / "discovery.json").read_text())["breakdown"]
    assert breakdown["found"]
    low, _ = breakdown["bounds"]["agents.china.reservation"]
    _, (_, china_at_status_quo) = disagreement_point(us_china, "status_quo")
    assert china_at_status_quo == pytest.approx(0.777)
    assert low > china_at_status_quo
    assert breakdown["sentence"].startswith("Talks break down in ")


def test_below_its_status_quo_utility_china_reservation_changes_nothing(in_tmp):
    text = """\
scenario: us_china_2024
method: morris
samples: 4
replications: 20
parameters:
  agents.china.reservation: [0.2, 0.6]
  agents.us.compliance: [0.5, 1.0]
"""
    main([str(write_config(in_tmp, text=text))])
    out = next((in_tmp / "results" / "us_china_2024" / "sensitivity").iterdir())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["agreement"]["status"] == "constant"
    assert summary["discovery"]["breakdown"]["sentence"].startswith("No region found")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


BAD = [
    ("sampels: 8\n", "sampels: unknown field 'sampels' (did you mean 'samples'?)"),
    ("method: fast\n", "method: unknown method 'fast'"),
    ("evaluate: launcher\nlauncher: ray\n", "launcher.name: unknown launcher 'ray'"),
    ("second_order: yes please\n", "second_order: expected true or false"),
    ("metrics: [agreemnt]\n", "metrics[0]: unknown column 'agreemnt' (did you mean 'agreement'?)"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_config_fields_stop_with_one_line(in_tmp, capsys, extra, message):
    text = TINY.format(method="sobol", samples=8, low=0.6)
    text = "\n".join(
        line for line in text.splitlines() if line.split(":")[0] not in extra.split(":")[0]
    )
    _refused(in_tmp, capsys, text + "\n" + extra, message)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "agents.china.reservation: [0.6",
            "agents.china.reservaton: [0.6",
            "parameters.agents.china.reservaton: unknown parameter path "
            "'agents.china.reservaton' (did you mean 'agents.china.reservation'?)",
        ),
        ("[0.6, 0.95]", "[0.95, 0.6]", "needs low < high (got [0.95, 0.6])"),
        ("[0.6, 0.95]", "[0.6, 1.5]", "[0.6, 1.5] reaches outside the allowed [0, 1]"),
        ("[0.6, 0.95]", "[0.6]", "expected a range [low, high], got [0.6]"),
        ("samples: 8", "samples: 100", "power of 2 (got 100; try 64 or 128)"),
        ("us_china_2024", "us_chna_2024", "did you mean 'us_china_2024'?"),
        ("method: sobol", "method: morris\nsecond_order: true", "from the sobol method only"),
        ("metrics: [", "metrics: [[", "not valid YAML"),
    ],
)
def test_bad_config_values_stop_with_one_line(in_tmp, capsys, old, new, message):
    _refused(
        in_tmp, capsys, TINY.format(method="sobol", samples=8, low=0.6).replace(old, new), message
    )


def _refused(folder: Path, capsys, text: str, message: str) -> None:
    config = write_config(folder, text=text)
    with pytest.raises(SystemExit) as stop:
        main([str(config)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"negsim-sensitivity: error: {config}: ") and message in err, err
    assert not (folder / "results").exists()


def test_a_finished_folder_is_never_written_into(tiny_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([str(write_config(tmp_path)), "--out", str(tiny_run)])
    assert stop.value.code == 2
    assert "already holds a finished run" in capsys.readouterr().err


def test_second_order_indices_reach_the_outputs(tmp_path):
    text = TINY.format(method="sobol", samples=4, low=0.6) + "second_order: true\n"
    main([str(write_config(tmp_path, text=text)), "--out", str(tmp_path / "out")])
    table = pd.read_parquet(tmp_path / "out" / "indices.parquet")
    pairs = table[table["index"] == "S2"]
    assert len(pairs) == 2 * 3  # two metrics, three pairs of parameters
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["points"] == 4 * (2 * 3 + 2)
    assert len(summary["metrics"]["agreement"]["S2"]) == 3


def test_a_scenario_path_may_be_relative_to_the_config(tmp_path, in_tmp):
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "talks.yaml").write_text((ROOT / "scenarios" / "split_the_pie.yaml").read_text())
    text = "scenario: talks.yaml\nsamples: 4\nparameters:\n  trust.initial: [0.5, 1.0]\n"
    config = load_config(write_config(folder, text=text))
    assert Path(config.scenario.source) == folder / "talks.yaml"


def test_shipped_configs_are_valid():
    shipped = sorted((ROOT / "sensitivity").glob("*.yaml"))
    assert shipped
    for path in shipped:
        config = load_config(path)
        assert config.design.parameters
        assert load_config(path.stem).source == str(path)  # a shipped config by name


def test_a_file_wins_over_a_shipped_config_of_the_same_name(in_tmp):
    (in_tmp / "us_china_pressure").write_text(
        "scenario: split_the_pie\nsamples: 4\nparameters:\n  trust.initial: [0.5, 1.0]\n"
    )
    assert load_config("us_china_pressure").scenario.name == "split_the_pie"


@pytest.mark.slow
def test_launcher_evaluation_runs_each_point_as_a_job(tmp_path):
    """evaluate: launcher sends point p to job p of a Hydra multirun; each job equals that point
    run alone with the run's seed (common random numbers across points)."""
    config_file = tmp_path / "launch.yaml"
    config_file.write_text(
        "scenario: us_china_2024\nmethod: morris\nsamples: 2\nreplications: 20\nseed: 3\n"
        "metrics: [agreement, utility_us]\n"
        "parameters:\n  agents.china.reservation: [0.6, 0.95]\n  trust.initial: [0.5, 1.0]\n"
        "evaluate: launcher\nlauncher: joblib\n"
    )
    command = [
        str(Path(sys.executable).with_name("negsim-sensitivity")),
        str(config_file),
        "--out",
        "out",
    ]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "out"
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 6  # morris: samples * (D + 1)
    config = load_config(config_file)
    for p in (0, 5):
        row = points.iloc[p]
        scenario = with_value(
            config.scenario, "agents.china.reservation", float(row["agents.china.reservation"])
        )
        scenario = with_value(scenario, "trust.initial", float(row["trust.initial"]))
        alone = pd.concat(_tables(scenario, 20, seed=3))
        job = pd.read_parquet(out / "jobs" / str(p) / "replications.parquet")
        assert job["utility_us"].tolist() == alone["utility_us"].tolist()
        assert row["utility_us"] == pytest.approx(alone["utility_us"].mean())
    assert (out / "indices.parquet").is_file() and (out / "summary.json").is_file()


def test_launcher_settings_need_launcher_evaluation(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenario: us_china_2024\nsamples: 4\nparameters: {trust.initial: [0.5, 1.0]}\nlauncher: joblib\n"
    )
    with pytest.raises(ScenarioError, match="launcher: only used with evaluate: launcher"):
        load_config(bad)


def test_a_one_way_status_quo_may_only_vary_where_validation_allows_it(us_china):
    """Up-only delisting under the US's red line max .6: a status quo above .6 would leave no
    agreement possible, so a sweep may not set one (the rule scenario validation applies)."""
    issues = tuple(
        replace(issue, direction="up") if issue.name == "sanctions_delisting" else issue
        for issue in us_china.issues
    )
    scenario = replace(us_china, issues=issues)
    assert str(field_range(scenario, "issues.sanctions_delisting.status_quo")) == (
        "[0, 0.6] (direction 'up' and us's red line on sanctions_delisting)"
    )
    assert with_value(scenario, "issues.sanctions_delisting.status_quo", 0.6)
    with pytest.raises(ValueError, match=r"outside the allowed \[0, 0.6\]"):
        with_value(scenario, "issues.sanctions_delisting.status_quo", 0.7)
    assert str(field_range(scenario, "issues.taiwan.status_quo")) == "[0, 1]"
