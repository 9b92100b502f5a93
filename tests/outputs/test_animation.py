"""figures/animation.gif: the first traced replication's offers, one frame per round of the run,
1280 px wide (its layout is checked with the figures' in test_figure_layout.py)."""

from __future__ import annotations

import dataclasses

import matplotlib.text
from PIL import Image

from sim.outputs.animation import animate


def test_one_frame_per_round_of_the_first_traced_replication(pie_run, tmp_path, monkeypatch):
    titles = []
    set_text = matplotlib.text.Text.set_text

    def record(text, value):
        if value and value.startswith("Split the pie: session"):
            titles.append(value)
        return set_text(text, value)

    monkeypatch.setattr(matplotlib.text.Text, "set_text", record)
    path = animate(dataclasses.replace(pie_run, animation=True), tmp_path / "animation.gif")
    assert path == tmp_path / "animation.gif"
    assert path.read_bytes()[:6] == b"GIF89a"
    rounds = pie_run.scenario.negotiation.rounds  # 20 rounds, one session; agreed in round 10
    with Image.open(path) as gif:
        assert gif.n_frames == rounds
        assert gif.size[0] == 1280
    assert set(titles) == {f"Split the pie: session 1 of 1, round {r}" for r in range(1, 21)}
    assert titles[-1] == f"Split the pie: session 1 of 1, round {rounds}"
    assert [p.name for p in tmp_path.iterdir()] == ["animation.gif"]  # no temporary left
