"""figures/animation.gif: the first traced replication's offers, one frame per round."""

from __future__ import annotations

import dataclasses

import matplotlib.text
from PIL import Image

from sim.outputs.animation import animate


def test_one_frame_per_round_of_the_first_traced_replication(pie_run, tmp_path, monkeypatch):
    titles = []
    set_text = matplotlib.text.Text.set_text

    def record(text, value):
        if value and value.startswith("split_the_pie: session"):
            titles.append(value)
        return set_text(text, value)

    monkeypatch.setattr(matplotlib.text.Text, "set_text", record)
    path = animate(dataclasses.replace(pie_run, animation=True), tmp_path / "animation.gif")
    assert path == tmp_path / "animation.gif"
    assert path.read_bytes()[:6] == b"GIF89a"
    offers = pie_run.result.offers
    rounds = offers.loc[offers["rep"] == offers["rep"].min(), "step"].nunique()
    with Image.open(path) as gif:
        assert gif.n_frames == rounds
    assert titles[0] == "split_the_pie: session 1, round 1"
    assert titles[-1] == f"split_the_pie: session 1, round {rounds}"
    assert [p.name for p in tmp_path.iterdir()] == ["animation.gif"]  # no temporary left
