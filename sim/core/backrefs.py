"""Back references held weakly, so that no reference cycle keeps a finished model alive: an
agent's reference to its model, an opponent model's to the agent it models, the trace's to its
session. :class:`WeakBackRefs` keeps them as the objects they refer to when pickled or copied,
so a copy's agents refer to the copy, never to the original."""

from __future__ import annotations

import weakref
from typing import ClassVar


class WeakBackRefs:
    """Holds weak references in the attributes named in ``_weak``; :meth:`referent` reads one."""

    _weak: ClassVar[tuple[str, ...]] = ()

    def referent(self, name: str, what: str):
        """The object the weak reference ``name`` refers to; ReferenceError, saying ``what``
        is gone, if it is."""
        found = getattr(self, name)()
        if found is None:
            raise ReferenceError(f"{what} is gone: keep the model while using its parts")
        return found

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for name in self._weak:
            if state.get(name) is not None:
                state[name] = state[name]()
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in self._weak:
            if state.get(name) is not None:
                state[name] = weakref.ref(state[name])
        self.__dict__.update(state)
