"""Mesa, imported without its side effects.

Mesa 3.3.1 has two traps that we keep away from users:

* ``import mesa`` runs ``multiprocessing.set_start_method("spawn", force=True)`` in its
  batchrunner module, changing how every process pool in the user's program starts. We remember
  the start method before the import and put it back afterwards.
* ``mesa.Agent._ids`` is a class-level ``defaultdict`` keyed by model, so every Model ever built
  stays alive (a leak that grows with replications). :func:`release_model` drops the entry once
  a model has created its agents.
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
