"""What the instructor dashboard runs, without a browser: a live run, what happened, the page's
state.

The live run is the ordinary :class:`~sim.core.model.NegotiationModel` as a batch of one, and
replication 0 of the Monte Carlo band (:mod:`sim.viz.band`). The misread signal (``misread``)
is read with ``getattr`` and left out when absent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.model import NegotiationModel
from sim.core.protocols.mediated import MediatorSeat
from sim.outputs.domestic import fell_at_home, fell_at_home_text
from sim.outputs.formatting import listed
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file
from sim.scenario.spec import Scenario
from sim.viz.band import Band, HeldPaths, monte_carlo_band, position, readings
from sim.viz.knobs import Built, Knobs, available_scenarios, build_scenario

MEDIATOR = MediatorSeat.name  # the mediator's text in the trace (mediated_single_text)

# --- running ----------------------------------------------------------------------------------


class LiveRun:
    """One replication, stepped by hand; ``history`` has one row per round played.

    With a misread signal, the same replication also runs without the pressures' effect (same
    draws, as ``negsim``'s counterfactual), so the page can show the truth beside the observer's
    belief: the target's softening in a round is genuine where its cooperation index would be
    above the signal without the pressure too, and tactical where only the pressure lifts it
    there (:meth:`truth`).
    """

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.model = NegotiationModel(scenario, 1, seed, trace=1)
        self.history: list[dict[str, float]] = []
        self.held = HeldPaths(self.model)
        self.without = (
            NegotiationModel(scenario, 1, seed, pressure_effects=False)
            if scenario.misread is not None and scenario.pressures
            else None
        )
        self.held_without = HeldPaths(self.without) if self.without is not None else None

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def rounds_played(self) -> int:
        return len(self.history)

    def step(self) -> bool:
        """Play one round; False when the run is already over."""
        if self.finished:
            return False
        m = self.model
        played = position(m)
        row: dict[str, float] = {"step": played, "session": m.session, "round": m.round}
        m.step()
        values = readings(m)
        self.held.record(played, position(m), values)
        row.update({key: float(value[0]) for key, value in values.items()})
        misread = getattr(m, "misread", None)
        if misread is not None:
            row["tested"], row["walkouts"] = float(misread.tested[0]), float(misread.walkouts[0])
        without = self.without
        while without is not None and without.running and position(without) < position(m):
            before = position(without)  # to where the run is now, so truth() reads every round
            without.step()
            self.held_without.record(before, position(without), readings(without))
        self.history.append(row)
        return True

    def paths(self) -> dict[str, np.ndarray]:
        """Each series of :func:`readings` in every round of the run so far (NaN after)."""
        return {key: path[:, 0].copy() for key, path in self.held.paths.items()}

    def truth(self) -> np.ndarray | None:
        """Per round of the run so far, whether the target's softening was genuine (1), tactical
        (0), or not there (NaN: its cooperation index was not above the signal); None without a
        misread signal."""
        spec = self.scenario.misread
        if spec is None:
            return None
        key, now = f"cooperation_{spec.target}", position(self.model)
        looked = self.held.paths[key][:now, 0] if self.history else np.empty(0)
        held = self.held if self.held_without is None else self.held_without
        would = held.paths[key][:now, 0] if self.history else np.empty(0)
        return np.where(looked > spec.signal, (would > spec.signal).astype(float), np.nan)

    def history_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.history)

    def offers(self) -> pd.DataFrame:
        return self.model.trace.offers_frame()

    def sessions(self) -> pd.DataFrame:
        return self.model.trace.sessions_frame()


# --- words ------------------------------------------------------------------------------------


def _label(scenario: Scenario, name: str) -> str:
    return "the mediator" if name == MEDIATOR else scenario.agent(name).label


def status_text(run: LiveRun) -> str:
    """What just happened, in a sentence or two ("Session 2, round 3: ...")."""
    m, scenario = run.model, run.scenario
    if not run.history:
        return (
            f"Session 1 of {m.sessions}, round 1 of {m.rounds}: ready. "
            "Press Step to play one round, or Play."
        )
    last = run.history[-1]
    session, round_ = int(last["session"]), int(last["round"])
    parts = []
    offers = run.offers()
    if not offers.empty:
        played = offers[(offers["session"] == session) & (offers["round"] == round_)]
        proposers = [_label(scenario, a) for a in dict.fromkeys(played["agent"])]
        if proposers:
            parts.append(f"{listed(proposers)} proposed")
        for _, row in played[played["accepted"]].iterrows():
            if len(m.state_agents) == 2:
                other = next(a.name for a in m.state_agents if a.name != row["agent"])
                parts.append(
                    f"{_label(scenario, other)} accepted {_label(scenario, row['agent'])}'s offer"
                )
            else:
                what = "text" if row["agent"] == MEDIATOR else "offer"
                parts.append(f"{_label(scenario, row['agent'])}'s {what} was agreed")
    before = run.history[-2] if len(run.history) > 1 else {}
    misread = getattr(m, "misread", None)
    if misread is not None and last["tested"] > before.get("tested", 0.0):
        spec = misread.spec
        probe = f"{_label(scenario, spec.observer)} tested {spec.probe_issue}"
        if last["walkouts"] > before.get("walkouts", 0.0):
            probe += f" and {_label(scenario, spec.target)} walked out"
        parts.append(probe)
    events = m.events.active_names(0)
    if events:
        parts.append(f"events: {events.replace(',', ', ')}")
    levels = [
        f"{k.removeprefix('pressure_')} {v:.2f}"
        for k, v in last.items()
        if k.startswith("pressure_")
    ]
    if levels:
        parts.append(f"pressures: {', '.join(levels)}")
    if "belief" in last and misread is not None:
        spec = misread.spec
        belief = (
            f"{_label(scenario, spec.observer)}'s belief that {_label(scenario, spec.target)}'s"
            f" softening is genuine {last['belief']:.2f}"
        )
        truth = run.truth()
        genuine = truth[int(last["step"])] if truth is not None else np.nan
        if genuine == 1:
            belief += " (in truth genuine: it would be as soft without the pressure)"
        elif genuine == 0:
            belief += " (in truth tactical: only the pressure makes it look soft)"
        parts.append(belief)
    text = f"Session {session + 1}, round {round_ + 1}: " + ("; ".join(parts) or "no offer") + "."
    ended = run.sessions()
    if m.session > session and not ended.empty:
        row = ended.iloc[-1]
        agreed = [i for i in m.issues if row[f"agreed_{i}"]]
        if agreed:
            kept = [i for i in agreed if row[f"implemented_{i}"]]
            which = (
                f"all {len(agreed)} issues"
                if len(agreed) == len(m.issues)
                else f"{len(agreed)} of {len(m.issues)} issues ({', '.join(agreed)})"
            )
            done = "all implemented" if len(kept) == len(agreed) else f"{len(kept)} implemented"
            text += f" Session {session + 1} ended with agreement on {which}; {done}."
        elif fell_at_home(scenario, row):
            text += f" Session {session + 1} ended with {fell_at_home_text(scenario, row)}."
        else:
            text += f" Session {session + 1} ended without agreement."
    if run.finished:
        text += " The run is over: press Reset to start again."
    return text


# --- the page's state ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: the page redraws on a new one
class Snapshot:
    """What the page shows of the live run at one moment (taken under the dashboard's lock, so
    a round played by Play meanwhile cannot tear it)."""

    scenario: Scenario
    seed: int
    offers: pd.DataFrame
    paths: dict[str, np.ndarray]  # LiveRun.paths
    truth: np.ndarray | None  # LiveRun.truth
    status: str
    session: int  # 1-based; the last one once the run is over
    sessions: int
    next_round: int  # 1-based
    rounds: int
    rounds_played: int
    finished: bool


def snapshot(run: LiveRun) -> Snapshot:
    m = run.model
    return Snapshot(
        scenario=run.scenario,
        seed=run.seed,
        offers=run.offers(),
        paths=run.paths(),
        truth=run.truth(),
        status=status_text(run),
        session=min(m.session + 1, m.sessions),
        sessions=m.sessions,
        next_round=m.round + 1,
        rounds=m.rounds,
        rounds_played=run.rounds_played,
        finished=run.finished,
    )


class Dashboard:
    """One browser tab's state: the knobs last applied, the scenario, the live run and the band.

    A lock keeps Step, Play and Reset from running over each other.
    """

    def __init__(self, knobs: Knobs, available: dict[str, Path] | None = None):
        self.available = available_scenarios() if available is None else available
        self.lock = threading.Lock()
        self.error: str | None = None
        self.knobs = knobs
        self.built: Built | None = None
        self.run: LiveRun | None = None
        self.band: Band | None = None
        self.generation = 0  # bumped on every reset, so the page knows to redraw everything
        self.reset(knobs)

    def raw(self, name: str) -> tuple[dict[str, Any], str]:
        path = self.available[name]
        return read_scenario_file(path), str(path)

    def reset(self, knobs: Knobs) -> bool:
        """Apply ``knobs`` and start again; on bad settings keep the old run and set ``error``."""
        with self.lock:
            try:
                if knobs.scenario not in self.available:
                    raise ScenarioError(
                        "dashboard", "scenario", f"unknown scenario '{knobs.scenario}'"
                    )
                raw, source = self.raw(knobs.scenario)
                built = build_scenario(raw, knobs, source)
                run = LiveRun(built.scenario, knobs.seed)
                band = monte_carlo_band(built.scenario, knobs.seed)
            except ScenarioError as exc:
                self.error = str(exc)
                return False
            self.knobs, self.built, self.run, self.band = knobs, built, run, band
            self.error = None
            self.generation += 1
            return True

    def step(self) -> bool:
        with self.lock:
            return self.run is not None and self.run.step()

    def snapshot(self) -> Snapshot | None:
        with self.lock:
            return None if self.run is None else snapshot(self.run)
