"""What the instructor dashboard runs, without a browser: a live run, a band, what happened.

The live run is the ordinary :class:`~sim.core.model.NegotiationModel` as a batch of one; the Monte
Carlo band is the same model with ``BAND_REPLICATIONS`` replications and the same seed, so the
live run is replication 0 of the band. Readings the model may not have (``pressure``,
``cooperation``, ``belief``, ``misread``) are read with ``getattr`` and left out when absent.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.model import NegotiationModel
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file
from sim.scenario.spec import Scenario
from sim.viz.knobs import Built, Knobs, available_scenarios, build_scenario

BAND_REPLICATIONS = 200
BAND_QUANTILES = (0.1, 0.9)


# --- running ----------------------------------------------------------------------------------


def readings(model: NegotiationModel) -> dict[str, np.ndarray]:
    """(R,) series the plots follow, where the model has them: each agent's aspiration and
    cooperation index, each pressure's level and the observer's belief."""
    out = {f"aspiration_{a.name}": np.asarray(a.aspiration, float) for a in model.state_agents}
    for name, value in (getattr(model, "cooperation", None) or {}).items():
        out[f"cooperation_{name}"] = np.asarray(value, float)
    for name, value in (getattr(model, "pressure", None) or {}).items():
        out[f"pressure_{name}"] = np.asarray(value, float)
    belief = getattr(model, "belief", None)
    if belief is not None:
        out["belief"] = np.asarray(belief, float)
    return out


def _position(model: NegotiationModel) -> int:
    return model.session * model.rounds + model.round


class LiveRun:
    """One replication, stepped by hand; ``history`` has one row per round played."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.model = NegotiationModel(scenario, 1, seed, trace=1)
        self.history: list[dict[str, float]] = []

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
        row: dict[str, float] = {"step": _position(m), "session": m.session, "round": m.round}
        m.step()
        row.update({key: float(value[0]) for key, value in readings(m).items()})
        misread = getattr(m, "misread", None)
        if misread is not None:
            row["tested"], row["walkouts"] = float(misread.tested[0]), float(misread.walkouts[0])
        self.history.append(row)
        return True

    def history_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.history)

    def offers(self) -> pd.DataFrame:
        return self.model.trace.offers_frame()

    def sessions(self) -> pd.DataFrame:
        return self.model.trace.sessions_frame()


@dataclass(eq=False)
class Band:
    """The ``BAND_QUANTILES`` band over replications of each series, per step (round played).

    Series: ``offer_<agent>_<issue>`` (the agent's standing position: what was agreed, else its
    latest offer) and those of :func:`readings`.
    """

    steps: np.ndarray
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    replications: int
    agreement_rate: float  # share of replications that agreed on something in some session


def monte_carlo_band(scenario: Scenario, seed: int, replications: int = BAND_REPLICATIONS) -> Band:
    model = NegotiationModel(scenario, replications, seed)
    steps: list[int] = []
    series: dict[str, list[np.ndarray]] = {}
    while model.running:
        steps.append(_position(model))
        model.step()
        values = readings(model)
        for agent in model.state_agents:
            if agent.last_offer is not None:
                standing = np.where(model.agreed, model.agreed_value, agent.last_offer)
                for i, issue in enumerate(model.issues):
                    values[f"offer_{agent.name}_{issue}"] = standing[:, i]
        gap = np.full(model.n, np.nan)  # a series not there this step (no offer yet)
        for key in values.keys() - series.keys():
            series[key] = [gap] * (len(steps) - 1)
        for key, column in series.items():
            column.append(values[key].copy() if key in values else gap)
    low, high = {}, {}
    for key, columns in series.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps
            low[key], high[key] = np.nanquantile(np.stack(columns), BAND_QUANTILES, axis=1)
    agreement = float(np.mean(model.tally.sessions_agreed > 0))
    return Band(np.array(steps), low, high, replications, agreement)


# --- words ------------------------------------------------------------------------------------


def _label(scenario: Scenario, name: str) -> str:
    return scenario.agent(name).label


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
            parts.append(f"{' and '.join(proposers)} proposed")
        for _, row in played[played["accepted"]].iterrows():
            other = next(a.name for a in m.state_agents if a.name != row["agent"])
            parts.append(
                f"{_label(scenario, other)} accepted {_label(scenario, row['agent'])}'s offer"
            )
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
        parts.append(
            f"{_label(scenario, spec.observer)}'s belief that {_label(scenario, spec.target)}'s"
            f" softening is genuine {last['belief']:.2f}"
        )
    text = f"Session {session + 1}, round {round_ + 1}: " + ("; ".join(parts) or "no offer") + "."
    ended = run.sessions()
    if m.session > session and not ended.empty:
        row = ended.iloc[-1]
        agreed = [i for i in m.issues if row[f"agreed_{i}"]]
        if agreed:
            kept = [i for i in agreed if row[f"implemented_{i}"]]
            text += (
                f" Session {session + 1} ended with agreement on {len(agreed)} of {len(m.issues)}"
                f" issues ({', '.join(agreed)}); {len(kept)} implemented."
            )
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
    history: pd.DataFrame
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
        history=run.history_frame(),
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
