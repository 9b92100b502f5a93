"""The sweep table and figures, from job folders written by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from PIL import Image
from slide_checks import problems

from sim.outputs.sweep import TABLE, WIDE, aggregate, collect, read_replications, report, wide
from sim.scenario.errors import ScenarioError


def legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def estimate(value, ci=None):
    return {"estimate": value, "ci95": ci, "se": None if value is None else 0.01, "n": 100}


def job(sweep, number, overrides, agreement=0.5, finished=True):
    folder = sweep / str(number)
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"overrides": overrides}))
    if not finished:
        (folder / "INCOMPLETE").write_text("")
        return
    summary = {
        "replications": 100,
        "seed": 3,
        "agreement_rate": estimate(agreement, [agreement - 0.1, agreement + 0.1]),
        "rounds_to_agreement": estimate(5.0),
        "sessions_agreed": estimate(1.0),
        "broken_commitments": estimate(None),
        "agents": {name: {"utility": estimate(0.5), "gain": estimate(0.0)} for name in "ab"},
        "issues": {"share": {"agreement_rate": estimate(1.0), "final_value": estimate(0.5)}},
    }
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def sweep(tmp_path):
    """A 2 x 2 grid over two reservations; job 4 did not finish."""
    root = tmp_path / "sweep"
    common = ["scenario=split_the_pie", "seed=3", "output.figures=false", "mc.workers=2"]
    grid = [(a, b) for a in ("0.1", "0.3") for b in ("0.2", "0.4")]
    for number, (a, b) in enumerate(grid):
        overrides = [*common, f"scenario.agents.a.reservation={a}", f"+scenario.x={b}"]
        job(root, number, overrides, agreement=float(a) + float(b))
    job(root, 4, common, finished=False)
    (root / "multirun.yaml").write_text("")
    return root


def test_one_row_per_job_and_metric_with_only_the_swept_parameters(sweep):
    table, swept, unfinished = collect(sweep)
    assert swept == ["scenario.agents.a.reservation", "scenario.x"]
    assert [p.name for p in unfinished] == ["4"]
    assert sorted(table["job"].unique()) == [0, 1, 2, 3]
    assert list(table.columns) == [
        "job",
        *swept,
        "metric",
        "estimate",
        "ci_low",
        "ci_high",
        "se",
        "n",
        "replications",
        "seed",
        "folder",
    ]
    metrics = list(table.loc[table["job"] == 0, "metric"])
    assert metrics == [
        "agreement",
        "rounds_to_agreement",
        "sessions_agreed",
        "broken_commitments",
        "utility_a",
        "gain_a",
        "utility_b",
        "gain_b",
        "agreed_share",
        "value_share",
    ]
    row = table[(table["job"] == 3) & (table["metric"] == "agreement")].iloc[0]
    assert (row["scenario.agents.a.reservation"], row["scenario.x"]) == (0.3, 0.4)
    assert row["estimate"] == pytest.approx(0.7)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.6, 0.8))
    broken = table[table["metric"] == "broken_commitments"]
    assert broken["estimate"].isna().all() and broken["ci_low"].isna().all()


def test_override_values_keep_their_type(tmp_path):
    for number, value in enumerate(("2", "2.0", "boulware")):
        job(tmp_path, number, [f"scenario.agents.a.strategy.params.e={value}"])
    table, swept, _ = collect(tmp_path)
    values = list(table.drop_duplicates("job")[swept[0]])
    assert values == [2, 2.0, "boulware"]
    assert [type(v) for v in values] == [int, float, str]


def test_aggregate_writes_the_table_a_line_figure_per_numeric_parameter_and_a_heatmap(sweep, drawn):
    table, unfinished = aggregate(sweep)
    assert [p.name for p in unfinished] == ["4"]
    pd.testing.assert_frame_equal(pd.read_parquet(sweep / TABLE), table)
    assert sorted(p.name for p in (sweep / "figures").iterdir()) == [
        "heatmap.png",
        "sweep_agents.a.reservation.png",
        "sweep_x.png",
    ]
    line, _, heatmap = drawn
    assert line.get_suptitle() == "Sweep: each headline metric, estimate with 95% CI band"
    assert heatmap.get_suptitle() == "Sweep: each headline metric's estimate over the grid"
    for fig, name in zip(drawn, ("sweep_agents.a.reservation", "sweep_x", "heatmap"), strict=True):
        with Image.open(sweep / "figures" / f"{name}.png") as image:
            assert image.size[0] == 1280
        assert problems(fig, 1280) == [], name  # slide_checks.py
    assert [ax.get_title() for ax in line.axes] == [
        "agreement",
        "rounds_to_agreement",
        "utility_a",
        "utility_b",
    ]
    assert line.axes[0].get_xlabel() == "agents.a.reservation"
    assert legend_texts(line) == ["scenario.x=0.2", "scenario.x=0.4"]


def test_nothing_finished_nothing_written(tmp_path):
    job(tmp_path, 0, ["seed=1"], finished=False)
    table, unfinished = aggregate(tmp_path)
    assert table.empty and len(unfinished) == 1
    assert not (tmp_path / TABLE).exists() and not (tmp_path / "figures").exists()
    assert not (tmp_path / WIDE).exists()


def test_the_report_line_says_how_to_finish_a_sweep(sweep):
    table, _, unfinished = collect(sweep)
    assert report(sweep, table, unfinished) == (
        f"negsim: sweep {sweep}: 4 jobs in sweep.parquet and sweep_wide.parquet; 1 job did not "
        f"finish (4): rerun the same command with hydra.sweep.dir={sweep} seed=3 to complete it"
    )
    assert report(sweep, table, []) == (
        f"negsim: sweep {sweep}: 4 jobs in sweep.parquet and sweep_wide.parquet"
    )
    assert report(sweep, table.iloc[:0], unfinished[:1] * 2).startswith(
        f"negsim: sweep {sweep}: no finished job, no table written; 2 jobs did not finish (4, 4)"
    )


def test_the_wide_table_has_a_row_per_job_and_a_column_per_metric_and_bound(sweep):
    table, unfinished = aggregate(sweep)
    written = pd.read_parquet(sweep / WIDE)
    swept = ["scenario.agents.a.reservation", "scenario.x"]
    pd.testing.assert_frame_equal(written, wide(table, swept))
    assert list(written["job"]) == [0, 1, 2, 3]
    assert list(written.columns[:6]) == ["job", *swept, "replications", "seed", "folder"]
    assert list(written.columns[6:12]) == [
        "agreement",
        "agreement_ci_low",
        "agreement_ci_high",
        "rounds_to_agreement",
        "rounds_to_agreement_ci_low",
        "rounds_to_agreement_ci_high",
    ]
    assert len(written.columns) == 6 + 3 * table["metric"].nunique()
    job3 = written.set_index("job").loc[3]
    assert (job3["scenario.agents.a.reservation"], job3["scenario.x"]) == (0.3, 0.4)
    assert (job3["agreement"], job3["agreement_ci_low"], job3["agreement_ci_high"]) == (
        pytest.approx((0.7, 0.6, 0.8))
    )
    long = table.set_index(["job", "metric"])
    for metric in table["metric"].unique():  # the same numbers as the long table, no more
        assert written[metric].tolist() == pytest.approx(
            long.xs(metric, level="metric")["estimate"].tolist(), nan_ok=True
        )


def test_the_jobs_replications_read_as_one_table_with_the_job_and_its_swept_values(sweep):
    for number, a in enumerate((0.1, 0.1, 0.3, 0.3)):
        rows = pd.DataFrame({"rep": [0, 1, 2], "agreement": [True, False, a > 0.2]})
        rows.to_parquet(sweep / str(number) / "replications.parquet")
    table = read_replications(sweep)
    assert list(table.columns) == [
        "job",
        "scenario.agents.a.reservation",
        "scenario.x",
        "rep",
        "agreement",
    ]
    assert len(table) == 12 and table["job"].tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert table.groupby("scenario.agents.a.reservation")["agreement"].sum().to_dict() == {
        0.1: 2,
        0.3: 4,
    }
    assert list(read_replications(sweep, columns=["agreement"]).columns)[-1] == "agreement"
    with pytest.raises(ScenarioError, match="no such folder"):
        read_replications(sweep / "nowhere")
