"""Scenario files in Hydra's ConfigStore (sim/cli/stored.py): read when a composition picks
them, once per process while unchanged, never shared with what Hydra changes; and the sweep
default for figures (sim/cli/main.py)."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore

from sim.cli import app, composition, stored
from sim.cli import command as cli
from sim.engine.settings import RunSettings
from sim.scenario.reading import raise_invalid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files the store reads, in order."""
    seen: list[str] = []
    read = composition.read_scenario_file

    def counted(path, source=None):
        seen.append(Path(path).name)
        return read(path, source)

    monkeypatch.setattr(composition, "read_scenario_file", counted)
    composition._read.cache_clear()
    stored._node.cache_clear()
    return seen


@pytest.fixture
def talks(tmp_path) -> Path:
    path = tmp_path / "talks_for_store.yaml"
    path.write_text((ROOT / "scenarios" / "split_the_pie.yaml").read_text())
    return path


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(cli.CONF_DIR), version_base=None):
        return compose("config", overrides=list(overrides))


def test_a_stored_scenario_is_read_only_when_picked_and_then_once(reads, talks):
    app.register_resolvers()
    app.register_known_scenarios()
    stored.store("talks_for_store", talks, "talks_for_store.yaml")
    composed("scenario=split_the_pie")
    assert "talks_for_store.yaml" not in reads and reads.count("split_the_pie.yaml") == 1
    first = composed("scenario=talks_for_store", "scenario.agents.a.reservation=0.3")
    again = composed("scenario=talks_for_store")
    assert reads.count("talks_for_store.yaml") == 1  # the second job in a process reuses it
    assert first.scenario.agents.a.reservation == 0.3  # an override changes a copy...
    assert again.scenario.agents.a.reservation != 0.3  # ...never the stored node


def test_a_changed_file_is_read_again(reads, talks):
    stored.store("talks_for_store", talks, "talks_for_store.yaml")
    node = ConfigStore.instance().load("scenario/talks_for_store.yaml").node
    talks.write_text(talks.read_text().replace("rounds:", "rounds: 7 #", 1) + "\n")
    changed = ConfigStore.instance().load("scenario/talks_for_store.yaml").node
    assert reads.count("talks_for_store.yaml") == 2
    assert changed.negotiation.rounds == 7 and node.negotiation.rounds != 7


def test_an_unreadable_file_is_stored_as_its_error(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("agents: [\n")
    stored.store("broken_for_store", broken, "broken.yaml")
    node = ConfigStore.instance().load("scenario/broken_for_store.yaml").node
    with pytest.raises(Exception, match="broken.yaml: <top level>: not valid YAML"):
        raise_invalid(dict(node), "broken.yaml")


def test_copies_of_the_store_share_entries_and_pickles_carry_the_path(talks, reads):
    """Hydra deep-copies the whole store per composition and pickles it to launcher workers:
    neither reads the file."""
    stored.store("talks_for_store", talks, "talks_for_store.yaml")
    entry = ConfigStore.instance().repo["scenario"]["talks_for_store.yaml"]
    assert copy.deepcopy(entry) is entry
    moved = pickle.loads(pickle.dumps(entry))
    assert reads == [] and moved.path == talks
    assert moved.node.negotiation == entry.node.negotiation


@pytest.mark.parametrize(
    "given, in_sweep, drawn",
    [(None, False, True), (None, True, False), (True, True, True), (False, False, False)],
)
def test_figures_default_to_off_only_in_a_sweep_job(given, in_sweep, drawn):
    config = {"output": {"figures": given}}
    cli.with_figures_default(config, in_sweep)
    assert config["output"]["figures"] is drawn
    assert RunSettings.from_config(config).figures is drawn


def test_run_settings_read_a_null_figures_as_drawn():
    assert RunSettings.from_config({"output": {"figures": None}}).figures is True
    with pytest.raises(Exception, match="output.figures: expected true or false"):
        RunSettings.from_config({"output": {"figures": "sometimes"}})
