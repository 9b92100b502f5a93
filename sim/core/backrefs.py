"""Back references held weakly, so that no reference cycle keeps a finished model alive: an
agent's reference to its model, an opponent model's to the agent it models, the trace's to its
session. A :class:`Weak` attribute reads as the object it refers to; :class:`WeakBackRefs`
pickles and copies such attributes as the objects themselves, so a copy's agents refer to the
copy, never to the original."""

from __future__ import annotations

import weakref


class Weak:
    """An attribute held by a weak reference (kept as ``_<name>`` in the instance): it reads as
    the object, or raises ReferenceError saying that ``what`` is gone."""

    def __init__(self, what: str):
        self.what = what

    def __set_name__(self, owner, name: str) -> None:
        self.key = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        found = obj.__dict__[self.key]()
        if found is None:
            raise ReferenceError(f"{self.what} is gone: keep the model while using its parts")
        return found

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.key] = weakref.ref(value)


class WeakBackRefs:
    """Pickled and copied with each :class:`Weak` attribute as the object it refers to."""

    def _weak_keys(self) -> list[str]:
        return [
            attribute.key
            for owner in type(self).__mro__
            for attribute in vars(owner).values()
            if isinstance(attribute, Weak)
        ]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in self._weak_keys():
            if state.get(key) is not None:
                state[key] = state[key]()
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for key in self._weak_keys():
            if state.get(key) is not None:
                state[key] = weakref.ref(state[key])
        self.__dict__.update(state)
