"""The dashboard's Monte Carlo band and the pause window, from a quick run with its settings.

The band is the same model as the live run with ``BAND_REPLICATIONS`` replications and the same
seed, so the live run is replication 0 of it. Every series has a value in every round of the run:
a round that a replication (or the whole batch) skipped after settling its session keeps the
value it settled on, as the model's cooperation path does (``Cooperation.hold``), so the band has
no gaps and is drawn as a continuous area.

The pause window is the one ``negsim`` reports and ``cooperation.png`` shades
(:func:`sim.analysis.pause.pause_window`): the band's replications are run again without the
effect of the pressures (same draws) and the window is where the pressure lifts the target's
cooperation index, computed by the same functions on the same per-round sums.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from sim.analysis.pause import pause_window, rounds_table, targets
from sim.core.model import NegotiationModel
from sim.engine.montecarlo import exact_total, round_sums
from sim.scenario.spec import Scenario

BAND_REPLICATIONS = 200
BAND_QUANTILES = (0.1, 0.9)


def position(model: NegotiationModel) -> int:
    """The round of the run the model plays next (``sessions * rounds`` once it is over)."""
    return (
        model.session * model.rounds + model.round
        if model.running
        else model.sessions * model.rounds
    )


def readings(model: NegotiationModel) -> dict[str, np.ndarray]:
    """(R,) series the plots follow, where the model has them: each agent's aspiration and
    cooperation index, each pressure's level and the observer's belief. Readings the model may
    not have (``pressure``, ``cooperation``, ``belief``) are read with ``getattr``."""
    out = {f"aspiration_{a.name}": np.asarray(a.aspiration, float) for a in model.state_agents}
    for name, value in (getattr(model, "cooperation", None) or {}).items():
        out[f"cooperation_{name}"] = np.asarray(value, float)
    for name, value in (getattr(model, "pressure", None) or {}).items():
        out[f"pressure_{name}"] = np.asarray(value, float)
    belief = getattr(model, "belief", None)
    if belief is not None:
        out["belief"] = np.asarray(belief, float)
    return out


def standing_offers(model: NegotiationModel) -> dict[str, np.ndarray]:
    """``offer_<agent>_<issue>``: what was agreed on the issue, else the agent's latest offer."""
    out = {}
    for agent in model.state_agents:
        if agent.last_offer is not None:
            standing = np.where(model.agreed, model.agreed_value, agent.last_offer)
            for i, issue in enumerate(model.issues):
                out[f"offer_{agent.name}_{issue}"] = standing[:, i]
    return out


class HeldPaths:
    """Series over every round of the run, (rounds of the run, R): the values read after a round
    is played hold until the model plays its next round, so the rounds a settled session skips
    keep what it settled on. NaN before a series first has a value."""

    def __init__(self, model: NegotiationModel):
        self.length = model.sessions * model.rounds
        self.n = model.n
        self.paths: dict[str, np.ndarray] = {}

    def record(self, played: int, now: int, values: dict[str, np.ndarray]) -> None:
        """``values`` read after playing round ``played``; the model plays ``now`` next."""
        for key, value in values.items():
            if key not in self.paths:
                self.paths[key] = np.full((self.length, self.n), np.nan)
            self.paths[key][played : max(now, played + 1)] = value


@dataclass(eq=False)
class Band:
    """The ``BAND_QUANTILES`` band over replications of each series in every round of the run
    (``steps``), and the pause window of each agent that pressure makes concede faster.

    Series: ``offer_<agent>_<issue>`` (the agent's standing position: what was agreed, else its
    latest offer) and those of :func:`readings`. ``pause``: agent -> (first, last) round of the
    run inside the window, or None where no round qualifies.
    """

    steps: np.ndarray
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    replications: int
    agreement_rate: float  # share of replications that agreed on something in some session
    pause: dict[str, tuple[int, int] | None] = field(default_factory=dict)


def pause_rounds(scenario: Scenario, with_pressure: NegotiationModel, seed: int) -> dict:
    """Each pressure target's pause window as (first, last) round of the run, or None, from the
    finished run ``with_pressure`` and the same replications without the pressures' effect."""
    agents = targets(scenario)
    if not agents:
        return {}
    without = NegotiationModel(scenario, with_pressure.n, seed, pressure_effects=False).run()
    paths = {
        f"effect_cooperation_{name}": with_pressure.cooperation_path[name].astype(float)
        - without.cooperation_path[name].astype(float)
        for name in agents
    }
    totals = {name: exact_total(blocks) for name, blocks in round_sums(paths).items()}
    table = rounds_table(scenario, totals)
    rounds = scenario.negotiation.rounds
    out: dict[str, tuple[int, int] | None] = {}
    for agent in agents:
        window = pause_window(table, agent)
        if window and window.get("found"):
            start, end = window["start"], window["end"]
            out[agent] = (
                (start["session"] - 1) * rounds + start["round"] - 1,
                (end["session"] - 1) * rounds + end["round"] - 1,
            )
        else:
            out[agent] = None
    return out


def monte_carlo_band(scenario: Scenario, seed: int, replications: int = BAND_REPLICATIONS) -> Band:
    model = NegotiationModel(scenario, replications, seed)
    held = HeldPaths(model)
    while model.running:
        played = position(model)
        model.step()
        held.record(played, position(model), readings(model) | standing_offers(model))
    low, high = {}, {}
    for key, path in held.paths.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rounds before a first offer
            low[key], high[key] = np.nanquantile(path, BAND_QUANTILES, axis=1)
    agreement = float(np.mean(model.tally.sessions_agreed > 0))
    pause = pause_rounds(scenario, model, seed)
    return Band(np.arange(held.length), low, high, replications, agreement, pause)
