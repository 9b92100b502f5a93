"""Run figures: the registry, and each registered figure drawn for a tiny run (a PNG with the
expected title, labels and legend)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.core.registry import Registry
from sim.outputs import figures
from sim.outputs.figures import draw_run_figures, register, run_figures

PNG = b"\x89PNG\r\n\x1a\n"


def legend(fig) -> list[str]:
    boxes = fig.legends or [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [text.get_text() for box in boxes for text in box.get_texts()]


def is_png(path) -> bool:
    return path.read_bytes()[:8] == PNG and path.stat().st_size > 5_000


def test_every_run_figure_is_registered():
    assert set(run_figures()) == {
        "offers.png",
        "outcomes.png",
        "utility_space.png",
        "cooperation.png",
        "animation.gif",
    }
    assert all(name == figure.name for name, figure in run_figures().items())


def test_register_refuses_two_figures_for_one_file(monkeypatch):
    monkeypatch.setattr(figures, "RUN_FIGURES", Registry("run figure", "sim.outputs"))

    @register("mine.png")
    def mine(run, path):
        return path

    assert figures.RUN_FIGURES["mine.png"].draw is mine
    with pytest.raises(ValueError, match="run figure name 'mine.png' is registered twice"):
        register("mine.png")(mine)


def test_a_registered_figure_is_drawn_where_it_applies(monkeypatch, pie_run, tmp_path):
    monkeypatch.setattr(figures, "RUN_FIGURES", Registry("run figure", "sim.outputs"))
    register("always.png")(lambda run, path: path)
    register("never.png", applies=lambda run: False)(lambda run, path: pytest.fail("drawn"))
    folder = tmp_path / "figures"
    assert draw_run_figures(pie_run, folder) == [folder / "always.png"]
    assert folder.is_dir()


def test_a_plain_run_gets_offers_outcomes_and_utility_space(pie_run, tmp_path):
    folder = tmp_path / "figures"
    drawn = draw_run_figures(pie_run, folder)
    assert sorted(p.name for p in drawn) == ["offers.png", "outcomes.png", "utility_space.png"]
    assert all(is_png(p) for p in drawn)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in drawn)  # no temps


def test_which_figures_apply(pie_run, pause_run):
    applies = {name: figure.applies for name, figure in run_figures().items()}
    assert not applies["cooperation.png"](pie_run)
    assert applies["cooperation.png"](pause_run)
    assert not applies["animation.gif"](pause_run)
    assert applies["animation.gif"](dataclasses.replace(pause_run, animation=True))
    untraced = dataclasses.replace(pause_run.result, offers=pd.DataFrame(), sessions=pd.DataFrame())
    assert applies["offers.png"](pause_run)
    assert not applies["offers.png"](
        dataclasses.replace(pause_run, result=untraced)
    )  # a later shard
    assert not applies["animation.gif"](
        dataclasses.replace(pause_run, result=untraced, animation=True)
    )
    no_theory = dataclasses.replace(pie_run, summary={**pie_run.summary, "theory": {"error": "x"}})
    assert not applies["utility_space.png"](no_theory)


def test_offers(us_china_run, tmp_path, drawn):
    path = figures.offers_figure(us_china_run, tmp_path / "offers.png")
    assert is_png(path)
    (fig,) = drawn
    scenario = us_china_run.scenario
    title = fig.get_suptitle().replace("\n", " ")
    assert title == (
        f"{scenario.title}: offers per issue (bold: replication 0; faint: 2 other traced "
        "replications)"
    )
    titles = [ax.get_title().replace("_\n", "_") for ax in fig.axes]
    assert titles == list(scenario.issue_names)
    assert fig.axes[-1].get_xlabel() == "round of the run"
    labels = legend(fig)
    assert {
        "United States' offers",
        "China's offers",
        "United States' ideal",
        "beyond China's red line",
        "agreed (hollow: not implemented)",
        "a new session begins",
    } <= set(labels)
    taiwan = fig.axes[scenario.issue_names.index("taiwan")]
    ends = [t.get_text().replace("\n", " ") for t in taiwan.get_yticklabels()]
    assert ends == [  # what 0 and 1 mean, wrapped, never cut
        "0: China's position unchanged",
        "1: China gives the US the assurances it asks for (e.g. renounces coercion)",
    ]


def test_outcomes(pie_run, tmp_path, drawn):
    assert is_png(figures.outcome_figure(pie_run, tmp_path / "outcomes.png"))
    (fig,) = drawn
    left, right = fig.axes
    assert fig.get_suptitle() == "Split the pie: where each issue ended"
    assert left.get_title() == "final value (mean, 95% CI)"
    assert right.get_title() == "agreement rate (95% CI)"
    assert [t.get_text() for t in left.get_yticklabels()] == ["share"]
    assert legend(fig) == ["a's ideal", "b's ideal", "starting status quo", "simulated (95% CI)"]


def test_utility_space(pie_run, tmp_path, drawn):
    from sim.outputs.theory_figure import utility_space_figure

    assert is_png(utility_space_figure(pie_run, tmp_path / "utility_space.png"))
    (fig,) = drawn
    (ax,) = fig.axes
    assert fig.get_suptitle() == "Split the pie: utility space, first session"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("utility of a", "utility of b")
    assert legend(fig) == [
        "Pareto frontier",
        "simulated agreements, session 1 (50 runs)",
        "disagreement point (reservation)",
        "Nash",
        "Kalai–Smorodinsky",
        "Utilitarian",
    ]


def test_cooperation(pause_run, tmp_path, drawn):
    from sim.outputs.pause_figure import cooperation_figure

    assert is_png(cooperation_figure(pause_run, tmp_path / "cooperation.png"))
    (fig,) = drawn
    (ax,) = fig.axes
    assert fig.get_suptitle().replace("\n", " ") == (
        "The tactical pause: pressure-driven cooperation and a misread signal: cooperation on "
        "peripheral issues (mean, 95% CI)"
    )
    assert ax.get_ylabel() == "cooperation index (0 to 1)"
    assert legend(fig) == [
        "China's cooperation, with pressure",
        "China's cooperation, without pressure",
        "detected pause window",
        "a new session begins",
    ]
