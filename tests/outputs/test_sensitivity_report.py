"""What a sensitivity run writes besides its tables: the sentences, sensitivity.md, discovery.md,
the console summary and the index bar charts, for index tables written by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from slide_checks import problems

from sim.outputs.sensitivity_report import (
    console_summary,
    discovery_markdown,
    index_figure,
    metric_sentence,
    sensitivity_markdown,
    wide,
)

NAN = float("nan")


def tidy(metric: str, values: dict[str, dict[str, tuple[float, float]]]) -> pd.DataFrame:
    """Index rows as sim.sensitivity.gsa writes them: {parameter: {index: (value, conf)}}."""
    rows = [
        {
            "metric": metric,
            "parameter": parameter,
            "parameter_2": None,
            "index": index,
            "value": value,
            "conf": conf,
        }
        for parameter, indices in values.items()
        for index, (value, conf) in indices.items()
    ]
    return pd.DataFrame(rows)


SOBOL = tidy(
    "agreement",
    {
        "trust.initial": {"S1": (0.5, 0.1), "ST": (0.8, 0.1)},
        "agents.us.compliance": {"S1": (0.05, 0.02), "ST": (0.05, 0.02)},
        "agents.china.reservation": {"S1": (-0.01, 0.01), "ST": (0.001, NAN)},
    },
)
MORRIS = tidy(
    "utility_china",
    {
        "trust.initial": {"mu_star": (0.5, 0.05), "sigma": (0.1, NAN), "mu": (0.45, NAN)},
        "agents.us.compliance": {"mu_star": (0.04, 0.01), "sigma": (0.01, NAN), "mu": (0.04, NAN)},
        "agents.china.reservation": {"mu_star": (0.3, 0.1), "sigma": (0.4, NAN), "mu": (0.0, NAN)},
    },
)
VARIED = {"status": "varied"}


def test_wide_keeps_the_parameters_in_the_config_order():
    data = wide(SOBOL, "agreement")
    assert list(data.index) == ["trust.initial", "agents.us.compliance", "agents.china.reservation"]
    assert list(data.columns) == ["S1", "ST", "S1_conf", "ST_conf"]
    assert data.loc["trust.initial", "ST_conf"] == 0.1


def test_sobol_sentence_sorts_parameters_into_major_minor_and_negligible():
    assert metric_sentence("sobol", "agreement", wide(SOBOL, "agreement"), VARIED) == (
        "What moves `agreement` most: `trust.initial` (total effect 0.80, 0.50 alone). "
        "Minor: `agents.us.compliance`. "
        "Hardly any effect (total under 0.02): `agents.china.reservation`. "
        "The parameters alone explain about 55% of the variance; the rest comes from their "
        "interactions."
    )


def test_sobol_sentence_without_a_major_parameter():
    data = wide(SOBOL, "agreement").drop(index="trust.initial")
    assert metric_sentence("sobol", "agreement", data, VARIED).startswith(
        "No parameter has a total effect of 0.1 or more on `agreement`. Minor: "
    )


def test_morris_sentence_ranks_screens_and_flags_interactions():
    data = wide(MORRIS, "utility_china")
    assert metric_sentence("morris", "utility_china", data, VARIED) == (
        "Ranked by mean absolute effect (mu*) on `utility_china`: `trust.initial` (0.5), "
        "`agents.china.reservation` (0.3), `agents.us.compliance` (0.04). "
        "Could be fixed (mu* under 10% of the largest): `agents.us.compliance`. "
        "Non-monotonic or interacting (sigma above mu*): `agents.china.reservation`; "
        "a Sobol' analysis would say how much."
    )


def test_constant_and_undefined_metrics():
    empty = pd.DataFrame()
    assert metric_sentence("sobol", "agreement", empty, {"status": "constant", "value": 1.0}) == (
        "`agreement` did not change over the sample (always 1): no parameter moves it within "
        "these ranges."
    )
    assert metric_sentence("morris", "distance_nash", empty, {"status": "undefined"}) == (
        "`distance_nash` is undefined at some points (no replication there had a value), so it "
        "has no indices."
    )


def summary(method: str, metrics: dict) -> dict:
    return {
        "scenario": "us_china_2024",
        "method": method,
        "samples": 8,
        "second_order": False,
        "levels": 4 if method == "morris" else None,
        "points": 40,
        "replications": 20,
        "total_replications": 800,
        "seed": 1,
        "parameters": {"trust.initial": [0.5, 1.0], "agents.us.compliance": [0.5, 1.0]},
        "metrics": metrics,
        "discovery": {
            "breakdown": {
                "title": "Breakdowns",
                "definition": "no agreement in any session (agreement is false)",
                "sentence": "Talks break down in 80% of runs (density) when trust.initial < 0.7.",
                "found": True,
                "bounds": {"trust.initial": [None, 0.70123], "agents.us.compliance": [0.55, None]},
                "density": 0.805,
                "coverage": 0.6053,
                "support": 0.25,
            },
            "red_line_block": {
                "title": "Red-line blocks",
                "definition": "a red line blocked an otherwise acceptable offer",
                "sentence": "No region found.",
                "found": False,
            },
        },
        "wall_time_s": {"simulation_and_indices": 0.041, "total": 0.266},
    }


def test_sensitivity_markdown_for_sobol():
    metrics = {
        "agreement": {"status": "varied", "sentence": "Trust matters.", "noise_share": 0.0123},
        "utility_us": {"status": "constant", "value": 0.5, "sentence": "Never moves."},
    }
    text = sensitivity_markdown(summary("sobol", metrics), SOBOL)
    lines = text.splitlines()
    assert lines[0] == "# Sensitivity of us_china_2024: Sobol'"
    assert lines[2] == (
        "40 parameter points (Saltelli's scheme with N = 8), 20 replications each (800 in all), "
        "seed 1. Each metric is the mean over a point's replications."
    )
    assert "| `trust.initial` | 0.5 | 1 |" in lines
    section = lines[lines.index("## agreement") :]
    assert section[:10] == [
        "## agreement",
        "",
        "Trust matters.",
        "",
        "| parameter | S1 (alone) | ST (with interactions) |",
        "| --- | --- | --- |",
        "| `trust.initial` | 0.500 ± 0.100 | 0.800 ± 0.100 |",
        "| `agents.us.compliance` | 0.050 ± 0.020 | 0.050 ± 0.020 |",
        "| `agents.china.reservation` | -0.010 ± 0.010 | 0.001 |",
        "",
    ]
    assert section[10] == (
        "Monte Carlo noise (from 20 replications per point) makes up about 1.2% of the variance "
        "of the point means; indices smaller than that cannot be told from noise."
    )
    assert section[12:17] == ["## utility_us", "", "Never moves.", "", "## How to read this"]
    assert text.endswith("\n\nWhere the swept parameters make talks fail: see discovery.md.\n")


def test_sensitivity_markdown_for_morris():
    metrics = {"utility_china": {"status": "varied", "sentence": "s", "noise_share": 0.0001}}
    text = sensitivity_markdown(summary("morris", metrics), MORRIS)
    assert "(8 Morris trajectories on a 4-level grid)" in text
    assert "| `trust.initial` | 0.500 ± 0.050 | 0.100 | 0.450 |" in text
    assert "makes up under 0.1% of the variance" in text
    assert "mu* is the mean absolute elementary effect" in text


def test_discovery_markdown():
    text = discovery_markdown(summary("sobol", {}))
    lines = text.splitlines()
    found = lines[lines.index("## Breakdowns") :]
    assert found[:12] == [
        "## Breakdowns",
        "",
        "Outcome: no agreement in any session (agreement is false).",
        "",
        "Talks break down in 80% of runs (density) when trust.initial < 0.7.",
        "",
        "| parameter | low | high |",
        "| --- | --- | --- |",
        "| `trust.initial` | – | 0.7012 |",
        "| `agents.us.compliance` | 0.55 | – |",
        "",
        "Box: density 80.5%, coverage 60.5%, support 25.0% of runs.",
    ]
    assert lines[-3:] == [
        "Outcome: a red line blocked an otherwise acceptable offer.",
        "",
        "No region found.",
    ]
    assert text.endswith("No region found.\n")


def test_console_summary():
    metrics = {"agreement": {"sentence": "Trust matters."}}
    assert console_summary(summary("morris", metrics), Path("results/x")).splitlines() == [
        "negsim-sensitivity: us_china_2024: Morris, 40 points x 20 replications, seed 1",
        "  Trust matters.",
        "  Talks break down in 80% of runs (density) when trust.initial < 0.7.",
        "  No region found.",
        "  wall time  0.04 s simulation and indices, 0.27 s in all",
        "  results    results/x/  (sensitivity.md, discovery.md, indices.parquet, figures/)",
    ]


@pytest.mark.parametrize(
    ("method", "table", "metric", "xlabel", "labels"),
    [
        (
            "sobol",
            SOBOL,
            "agreement",
            "share of variance",
            ["first order (alone)", "total (with interactions)"],
        ),
        (
            "morris",
            MORRIS,
            "utility_china",
            "effect on utility_china",
            ["mu* (mean |elementary effect|)", "sigma (spread)"],
        ),
    ],
)
def test_index_figure(tmp_path, drawn, method, table, metric, xlabel, labels):
    path = index_figure(table, metric, method, tmp_path / f"{method}_{metric}.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (fig,) = drawn
    (ax,) = fig.axes
    title = {"sobol": "Sobol'", "morris": "Morris"}[method]
    assert fig.get_suptitle() == f"{title} indices for {metric} (95% CI)"
    assert ax.get_xlabel() == xlabel
    assert [t.get_text() for t in ax.get_yticklabels()] == list(wide(table, metric).index)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == labels
    with Image.open(path) as image:
        assert image.size[0] == 1280
    assert problems(fig, 1280) == []  # slide_checks.py
