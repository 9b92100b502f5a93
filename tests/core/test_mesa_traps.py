"""Mesa 3.3.1's side effects stay away from users (see sim/_mesa.py)."""

from __future__ import annotations

import dataclasses
import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest
import yaml

from sim.core._mesa import Agent
from sim.core.catalogue import load_scenario, validate
from sim.core.model import NegotiationModel
from sim.scenario.library import scenario_path
from sim.scenario.spec import Lineup, StrategyChoice

#: every shipped scenario under every protocol it can play, and a learning agent
PLAYS = [
    (name, protocol)
    for name in ("split_the_pie", "us_china_2024", "tactical_pause", "private_red_lines")
    + ("two_level_game", "bench_bilateral")
    for protocol in (None, "issue_by_issue", "monotonic_concession")
] + [
    (name, protocol)
    for name in ("fentanyl_trilateral", "precursor_council")
    for protocol in (None, "issue_by_issue", "monotonic_concession", "mediated_single_text")
]


@pytest.mark.slow
def test_import_leaves_multiprocessing_start_method_alone():
    code = (
        "import multiprocessing as mp; import sim.core.model; import mesa; "
        "print(mp.get_start_method(allow_none=True))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"  # plain `import mesa` alone would print "spawn"


@pytest.mark.slow
def test_import_keeps_a_chosen_start_method():
    code = (
        "import multiprocessing as mp; mp.set_start_method('forkserver'); import sim.core.model; "
        "print(mp.get_start_method())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "forkserver"


def test_models_are_not_kept_alive_by_mesa(split_the_pie):
    before = len(Agent._ids)
    refs = []
    for seed in range(200):
        model = NegotiationModel(split_the_pie, 1, seed=seed).run()
        refs.append(weakref.ref(model))
        del model
    gc.collect()
    assert len(Agent._ids) == before
    assert all(ref() is None for ref in refs)


def test_agents_get_distinct_ids(us_china):
    model = NegotiationModel(us_china, 3, seed=1)
    ids = [agent.unique_id for agent in model.state_agents]
    assert len(set(ids)) == 2
    assert len(model.agents) == 2


def _garbage_left_by(build) -> list:
    """What of sim's or Mesa's a model built by ``build()``, run, read and dropped leaves to the
    garbage collector (nothing, when no reference cycle holds it)."""
    gc.collect()
    gc.disable()
    try:
        model = build().run()
        model.outcomes(), model.cooperation_path, model.accuracy_path
        model.trace.offers_frame(), model.trace.sessions_frame()
        ref = weakref.ref(model)
        del model
        assert ref() is None
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return [
            type(o).__qualname__
            for o in gc.garbage
            if str(getattr(type(o), "__module__", "")).startswith(("sim.", "mesa"))
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize(("name", "protocol"), PLAYS)
def test_a_dropped_model_is_freed_without_the_garbage_collector(name, protocol):
    """No reference cycle holds a model or its agents (Mesa's step wrapper, ``agent.model``,
    the trace and the agents' models of one another would): its memory comes back as soon as
    the last reference goes, not at a full garbage collection, which a program building model
    after model reaches rarely (memory grew batch after batch)."""
    scenario = load_scenario(scenario_path(name))
    agents = []

    def build():
        model = NegotiationModel(scenario, 20, seed=1, protocol=protocol, trace=2)
        agents.append(model.state_agents[0])  # only the first: the others go with the model
        return model

    assert _garbage_left_by(build) == []
    with pytest.raises(ReferenceError, match="model is gone: keep the model"):
        _ = agents[0].model
    with pytest.raises(ReferenceError, match="believes in is gone"):
        _ = next(iter(agents[0].beliefs.values())).other


@pytest.mark.parametrize("opponent_model", ["bayesian", "frequency"])
def test_a_learning_agents_model_is_freed_without_the_garbage_collector(opponent_model):
    data = yaml.safe_load(scenario_path("private_red_lines").read_text())
    for agent in data["agents"].values():
        strategy = agent["strategy"]
        strategy = {"name": strategy} if isinstance(strategy, str) else strategy
        agent["strategy"] = strategy | {"opponent_model": {"name": opponent_model}}
    scenario = validate(data, "learning.yaml")
    assert _garbage_left_by(lambda: NegotiationModel(scenario, 20, seed=1, trace=2)) == []


def test_a_tournaments_lineup_is_freed_without_the_garbage_collector():
    scenario = load_scenario(scenario_path("us_china_2024"))
    learner = StrategyChoice("time_dependent", {"e": 1.5}, "bayesian", {}, "ac_next", {})
    first = scenario.agents[0].name
    lineup = Lineup({first: ((0, 10, learner), (10, 20, StrategyChoice("tit_for_tat", {})))})
    played = dataclasses.replace(scenario, lineup=lineup)
    assert _garbage_left_by(lambda: NegotiationModel(played, 20, seed=1, trace=2)) == []


def test_steps_are_counted_as_mesa_counts_them(split_the_pie):
    """Mesa counts ``model.steps`` before each step; the wrapper now lives in the class."""
    model = NegotiationModel(split_the_pie, 5, seed=1)
    seen = []
    while model.running:
        model.step()
        seen.append(model.steps)
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 2
    assert "step" not in vars(model) and "_user_step" not in vars(model)


@pytest.mark.slow
def test_mesa_imported_deep_in_a_stack_reads_no_source_and_keeps_its_logger_names():
    """Mesa's module loggers call ``inspect.stack()``, which found and read the source of every
    frame on the stack (0.12 s under negsim's command); ``_mesa`` imports Mesa with frame
    lookups that read none, and puts ``inspect`` back afterwards."""
    code = """
import inspect, linecache, sys
real = (inspect.stack, inspect.getouterframes, inspect.getmodule)
def deep(n):
    if n:
        return deep(n - 1)
    import sim.core._mesa
read = []
getlines = linecache.getlines
linecache.getlines = lambda *a, **k: read.append(a[0]) or getlines(*a, **k)
deep(40)
import mesa.model, mesa.mesa_logging
assert (inspect.stack, inspect.getouterframes, inspect.getmodule) == real
assert mesa.model._mesa_logger.name == "MESA.mesa.model", mesa.model._mesa_logger.name
print(len(read))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_a_subclass_calling_the_models_step_counts_each_step_once(split_the_pie):
    class Louder(NegotiationModel):
        def step(self):
            super().step()

    model = Louder(split_the_pie, 2, seed=1)
    model.step()
    model.step()
    assert model.steps == 2


def _wiring(model) -> tuple:
    """Whether everything that refers back, weakly, refers to ``model`` and its own agents."""
    agents = set(map(id, model.state_agents))
    return (
        all(agent.model is model for agent in model.state_agents),
        all(id(b.other) in agents for a in model.state_agents for b in a.beliefs.values()),
        model.trace.session is model,
    )


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_model_refers_to_itself_and_plays_on_as_the_original(us_china, how):
    """Weak back references are copied as what they refer to: a copy's agents, their models of
    one another and its trace refer to the copy, and the copy plays on exactly as the original."""
    import copy
    import pickle

    model = NegotiationModel(us_china, 30, seed=4, trace=2)
    for _ in range(5):
        model.step()
    twin = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    assert _wiring(twin) == (True, True, True)
    assert not any(a.model is model for a in twin.state_agents)
    model.run(), twin.run()
    ours, theirs = model.outcomes(), twin.outcomes()
    assert all(np.array_equal(ours[k], theirs[k], equal_nan=True) for k in ours)
    assert twin.trace.offers_frame().equals(model.trace.offers_frame())
