"""Mesa, imported without its side effects.

Mesa 3.3.1 has two traps that we keep away from users:

* ``import mesa`` runs ``multiprocessing.set_start_method("spawn", force=True)`` in its
  batchrunner module, changing how every process pool in the user's program starts. We remember
  the start method before the import and put it back afterwards.
* ``mesa.Agent._ids`` is a class-level ``defaultdict`` keyed by model, so every Model ever built
  stays alive (a leak that grows with replications). :func:`release_model` drops the entry once
  a model has created its agents.

A model and its agents refer to one another (``agent.model``), so a finished model is freed only
by a full garbage collection, which a long Monte Carlo run reaches rarely: :func:`dismantle`
breaks the cycles once its results are read, and its arrays are freed at once.
"""

from __future__ import annotations

import logging
import multiprocessing


def _import_mesa():
    previous = multiprocessing.get_start_method(allow_none=True)
    import mesa

    # ``set_start_method(None, force=True)`` restores "not chosen yet", the platform default.
    multiprocessing.set_start_method(previous, force=True)
    return mesa


mesa = _import_mesa()
# Mesa logs every model step at INFO; Hydra shows INFO, so keep Mesa to warnings.
logging.getLogger("MESA").setLevel(logging.WARNING)
Agent = mesa.Agent
Model = mesa.Model


def release_model(model: Model) -> None:
    """Forget ``model`` in Mesa's class-level id registry so it can be garbage collected."""
    Agent._ids.pop(model, None)


def dismantle(model: Model) -> None:
    """Break a finished model's reference cycles (its agents and collaborators refer to it), so
    its memory is returned at once. The model cannot be used afterwards; arrays already taken
    from it (its table's columns) stay valid."""
    for agent in list(getattr(model, "state_agents", ())):
        agent.__dict__.clear()
    model.__dict__.clear()
