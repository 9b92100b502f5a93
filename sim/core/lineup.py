"""Several strategies for one agent in one batch: each replication plays the one its range of a
:class:`~sim.scenario.spec.Lineup` gives it (a tournament plays every pairing in one run, through
the same vectorised engine). Each component runs on every replication of the batch and its
answers are kept where it plays: the cost grows with the number of components, the code path
stays one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.acceptance.base import Acceptance
from sim.core.opponents.base import OpponentModel
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.core.strategies.base import Strategy, View
from sim.scenario.spec import Lineup, StrategyChoice


def seats(
    lineup: Lineup | None, agent: str, own: StrategyChoice, start: int, n: int
) -> list[tuple[np.ndarray, StrategyChoice]]:
    """(rows (R,), choice) for the batch ``[start, start + n)``, one per distinct choice: the
    lineup's ranges, and the agent's own choice where none applies. Empty when the lineup gives
    the agent nothing."""
    entries = () if lineup is None else lineup.seats.get(agent, ())
    if not entries:
        return []
    reps = np.arange(start, start + n)
    taken = np.zeros(n, dtype=bool)
    out: list[tuple[np.ndarray, StrategyChoice]] = []
    for first, stop, choice in entries:
        rows = (reps >= first) & (reps < stop) & ~taken
        taken |= rows
        _join(out, rows, choice)
    if not taken.all():
        _join(out, ~taken, own)
    return out


def _join(out: list[tuple[np.ndarray, StrategyChoice]], rows: np.ndarray, choice) -> None:
    """Add ``rows`` to the part that plays ``choice`` already, or a new part: a tournament seats
    each strategy in many ranges, and every part runs on the whole batch."""
    for k, (taken, chosen) in enumerate(out):
        if chosen == choice:
            out[k] = (taken | rows, chosen)
            return
    out.append((rows, choice))


def _pick(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Each row from the part it belongs to: ``parts`` of (rows (R,), values (R, ...))."""
    out = np.array(parts[0][1], dtype=float if np.asarray(parts[0][1]).dtype != bool else bool)
    for rows, values in parts[1:]:
        mask = rows.reshape(rows.shape + (1,) * (out.ndim - 1))
        out = np.where(mask, values, out)
    return out


class MixedStrategy(Strategy):
    """The parts' aspirations, each where it plays. A parameter an event shifts (``e``, say) is
    read and written on the parts that have it; the others keep theirs."""

    name = "lineup"

    def __init__(self, n: int, parts: list[tuple[np.ndarray, Strategy]]):
        super().__init__(n)
        self.parts = parts
        merged: dict = {}
        for _, part in parts:
            merged = {**part.params, **merged}
        self.params = merged

    def __getattr__(self, name: str):  # only for names not found the usual way
        parts = self.__dict__.get("parts", ())
        having = [(rows, getattr(part, name)) for rows, part in parts if name in part.params]
        if not having:
            raise AttributeError(name)
        values = np.full(len(having[0][1]), np.nan)
        for rows, value in having:
            values = np.where(rows, value, values)
        return values

    def __setattr__(self, name: str, value) -> None:
        parts = self.__dict__.get("parts", ())
        if any(name in part.params for _, part in parts):
            for _, part in parts:
                if name in part.params:
                    setattr(part, name, value)
        else:
            object.__setattr__(self, name, value)

    def start_session(self) -> None:
        for _, part in self.parts:
            part.start_session()

    def aspiration(self, view: View) -> np.ndarray:
        return _pick([(rows, part.aspiration(view)) for rows, part in self.parts])


class MixedAcceptance(Acceptance):
    name = "lineup"

    def __init__(self, n: int, parts: list[tuple[np.ndarray, Acceptance]]):
        super().__init__(n)
        self.parts = parts

    def start_session(self) -> None:
        for _, part in self.parts:
            part.start_session()

    def accepts(self, agent, utility: np.ndarray) -> np.ndarray:
        return _pick([(rows, part.accepts(agent, utility)) for rows, part in self.parts])


class MixedModel(OpponentModel):
    """Per replication, the beliefs of the model that plays there; every model observes all."""

    name = "lineup"

    def __init__(self, n: int, other, parts: list[tuple[np.ndarray, OpponentModel]]):
        super().__init__(n, other, None)
        self.parts = parts
        self.learns = any(part.learns for _, part in parts)
        self._made_for: tuple | None = None

    def _mixed(self):
        made_for = tuple(obj for _, part in self.parts for obj in (part.preferences, part.region))
        if self._made_for is None or any(
            a is not b for a, b in zip(made_for, self._made_for, strict=True)
        ):
            prefs = [(rows, part.preferences) for rows, part in self.parts]
            self._prefs = Preferences(
                _pick([(rows, p.ideal) for rows, p in prefs]),
                _pick([(rows, p.salience) for rows, p in prefs]),
                _shape(prefs),
                _pick([(rows, p.risk) for rows, p in prefs]),
            )
            bounds = [(rows, *part._bounds()) for rows, part in self.parts]
            if all(part.region is None for _, part in self.parts):
                self._region = None
            else:
                self._region = RedLines(
                    _pick([(rows, low) for rows, low, _ in bounds]),
                    _pick([(rows, high) for rows, _, high in bounds]),
                )
            self._made_for = made_for
        return self._prefs, self._region

    @property
    def preferences(self) -> Preferences:
        return self._mixed()[0]

    @property
    def region(self) -> RedLines | None:
        return self._mixed()[1]

    @region.setter
    def region(self, value) -> None:  # the base class sets it; the parts hold the regions
        pass

    def start_session(self) -> None:
        for _, part in self.parts:
            part.start_session()

    def observe_offer(self, offer, rows, time) -> None:
        for _, part in self.parts:
            if part.learns:
                part.observe_offer(offer, rows, time)

    def observe_answer(self, offer, accepted, rows) -> None:
        for _, part in self.parts:
            if part.learns:
                part.observe_answer(offer, accepted, rows)

    def red_line_learned(self, issue, value, rows) -> None:
        for _, part in self.parts:
            if part.learns:
                part.red_line_learned(issue, value, rows)

    def accuracy(self) -> np.ndarray:
        """Each part scored only where it plays: a learner's score costs a sample of utilities
        per replication, which the rows it does not play need not pay."""
        out = np.full(self.n, np.nan)
        for rows, part in self.parts:
            out = np.where(rows, part.accuracy(rows), out)
        return out

    def red_lines_found(self) -> np.ndarray:
        return _pick([(rows, part.red_lines_found()) for rows, part in self.parts])


def _shape(prefs) -> str:
    """The believed utility shape: every model takes the other's shape as known."""
    return prefs[0][1].shape
