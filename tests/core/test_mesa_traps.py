"""Mesa 3.3.1's side effects stay away from users (see sim/_mesa.py)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from sim.core._mesa import Agent
from sim.core.model import NegotiationModel


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
