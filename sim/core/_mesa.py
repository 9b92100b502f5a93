"""Mesa, imported without its side effects.

Mesa 3.3.1 has traps that we keep away from users:

* ``import mesa`` runs ``multiprocessing.set_start_method("spawn", force=True)`` in its
  batchrunner module, changing how every process pool in the user's program starts. We remember
  the start method before the import and put it back afterwards.
* ``mesa.Agent._ids`` is a class-level ``defaultdict`` keyed by model, so every Model ever built
  stays alive (a leak that grows with replications). :func:`release_model` drops the entry once
  a model has created its agents.
* Its module loggers call ``inspect.stack()`` while Mesa is imported, which finds and reads the
  source of every frame on the stack: 0.12 s when the import is deep in a program's stack, as in
  negsim's command. Mesa is imported with frame lookups that read no source.

Another keeps a finished model's memory: Mesa's model refers to itself (its ``step`` is wrapped
in bound methods kept in its own ``__dict__``) and every agent refers to its model
(``agent.model``), so a model no longer used is freed only by a full garbage collection, which a
program that builds model after model (a Monte Carlo run, a notebook) reaches rarely: dead models
piled up, over a hundred megabytes each at 131,072 replications, and fresh memory made the next
ones slower. :class:`Model` wraps ``step`` in the class instead and :class:`Agent` holds its model
by a weak reference, so a model is freed as soon as the last reference to it goes.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import multiprocessing
import sys
import types

from sim.core.backrefs import Weak, WeakBackRefs


def _import_mesa():
    previous = multiprocessing.get_start_method(allow_none=True)
    with _frames_without_source():
        import mesa
    # ``set_start_method(None, force=True)`` restores "not chosen yet", the platform default.
    multiprocessing.set_start_method(previous, force=True)
    return mesa


@contextlib.contextmanager
def _frames_without_source():
    """``inspect.stack()`` and ``inspect.getouterframes()`` that look up no source: Mesa's
    module loggers read a frame and a function name from them, and an import deep in a
    program's stack (negsim's command) spent 0.12 s finding and reading the source of every
    frame, searching every loaded module for the import machinery's frozen ones. A frame's
    module is the one its globals name."""
    stack, outer, module = inspect.stack, inspect.getouterframes, inspect.getmodule
    inspect.stack = lambda context=1: _outer(sys._getframe(1))
    inspect.getouterframes = lambda frame, context=1: _outer(frame)
    inspect.getmodule = lambda obj, _filename=None: (
        sys.modules.get(obj.f_globals.get("__name__"))
        if isinstance(obj, types.FrameType)
        else module(obj, _filename)
    )
    try:
        yield
    finally:
        inspect.stack, inspect.getouterframes, inspect.getmodule = stack, outer, module


def _outer(frame) -> list[inspect.FrameInfo]:
    frames = []
    while frame is not None:
        code = frame.f_code
        frames.append(
            inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        )
        frame = frame.f_back
    return frames


mesa = _import_mesa()
# Mesa logs every model step at INFO; Hydra shows INFO, so keep Mesa to warnings.
logging.getLogger("MESA").setLevel(logging.WARNING)


class Model(mesa.Model):
    """``mesa.Model`` whose ``step`` counts ``steps`` as Mesa's does (first the count, then the
    subclass's step), wrapped once in the class rather than in each model's ``__dict__``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.step, self._user_step  # Mesa's wrapper: bound methods, the model held by itself

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _counted(cls.__dict__["step"])


def _counted(step):
    @functools.wraps(step)
    def counted(self, *args, **kwargs):
        if type(self).step is counted:  # once a call: not again in a super().step() below
            self.steps += 1
        step(self, *args, **kwargs)

    return counted


class Agent(WeakBackRefs, mesa.Agent):
    """``mesa.Agent`` holding its model by a weak reference: the model holds its agents."""

    model = Weak("the agent's model")


def release_model(model: Model) -> None:
    """Forget ``model`` in Mesa's class-level id registry so it can be garbage collected."""
    Agent._ids.pop(model, None)
