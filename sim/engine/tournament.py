"""Tournaments: every pairing of a list of strategies, in both seats, over two-agent scenarios.

All pairings of one scenario are one lineup (:mod:`sim.core.lineup`) played in one run of the
vectorised engine: pairing ``p`` takes replications ``[p * R, (p + 1) * R)``, its first strategy
in the scenario's first seat and its second in the other. Each replication plays exactly as the
pairing would alone with the same replication numbers.

The config file is data, like a scenario: strategies are registered names with parameters (a
scenario's ``strategy:`` node). Student code joins the registries only from a file named on
``negsim-tournament``'s command line, never from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.catalogue import catalogue, load_scenario
from sim.core.opponents.base import OPPONENT_MODELS
from sim.core.rng import fresh_seed
from sim.engine.montecarlo import simulate
from sim.engine.settings import RunSettings, check_work
from sim.scenario.checker import Checker
from sim.scenario.errors import ScenarioError
from sim.scenario.library import scenario_path
from sim.scenario.reading import read_yaml_mapping
from sim.scenario.shipped import shipped_folder
from sim.scenario.spec import Lineup, Scenario, StrategyChoice
from sim.scenario.validation import strategy_choice

FIELDS = ("title", "scenarios", "strategies", "replications", "seed", "self_play", "workers")
MAX_STRATEGIES = 40
# Replications times the strategies each one carries along (every strategy of a lineup runs on
# the whole batch): the work of the whole tournament.
MAX_WORK = 10**8
# The columns a tournament keeps of each replication, seat 1 being the scenario's first agent.
SEAT_COLUMNS = ("utility", "discounted", "accuracy", "red_lines_found")


@dataclass(frozen=True)
class Entrant:
    """A strategy in the tournament: its label, its whole strategy, and whether it learns (its
    opponent model changes its beliefs, so its accuracy is worth reporting)."""

    label: str
    choice: StrategyChoice
    learns: bool
    node: Any  # as written in the config, for the record


@dataclass(frozen=True)
class TournamentConfig:
    source: str
    title: str
    scenarios: tuple[Scenario, ...]
    entrants: tuple[Entrant, ...]
    replications: int  # per pairing and scenario
    seed: int
    self_play: bool = False
    workers: int = 1

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.entrants)

    @property
    def pairings(self) -> tuple[tuple[str, str], ...]:
        """Ordered (first seat, second seat) pairs: every pair in both seats, and each strategy
        against itself with ``self_play``."""
        return tuple((a, b) for a in self.labels for b in self.labels if a != b or self.self_play)

    @property
    def total_replications(self) -> int:
        return len(self.pairings) * self.replications * len(self.scenarios)

    def record(self) -> dict:
        """The config as played (with the seed actually used)."""
        return {
            "title": self.title,
            "scenarios": [s.source for s in self.scenarios],
            "strategies": {e.label: e.node for e in self.entrants},
            "replications": self.replications,
            "seed": self.seed,
            "self_play": self.self_play,
            "workers": self.workers,
        }


def config_path(name_or_path: Path | str) -> Path:
    """A path as given, or a shipped config (``conf/tournament/<name>.yaml``) named without
    suffix."""
    path = Path(name_or_path)
    shipped = shipped_folder("conf") / "tournament" / f"{path.name}.yaml"
    if not path.suffix and not path.is_file() and path.name == str(path) and shipped.is_file():
        return shipped
    return path


def load_tournament(path: Path | str, join: tuple[str, ...] = ()) -> TournamentConfig:
    """Read and validate a tournament config: one ScenarioError naming file and field.
    ``join``: registered strategies (a student's, from a strategy file) that enter under their
    own name with their default parameters unless an entry of the config plays them already."""
    path = config_path(path)
    source = str(path)
    data = read_yaml_mapping(path, source, "a tournament config")
    c = Checker(source)
    c.mapping(data, "", required=("scenarios", "strategies"), optional=FIELDS)
    scenarios = _scenarios(c, data["scenarios"], path)
    entrants = _entrants(c, data["strategies"], source)
    for name in join:
        if any(e.choice.strategy == name for e in entrants):
            continue
        if any(e.label == name for e in entrants):
            c.fail(
                f"strategies.{name}",
                f"the strategy file's '{name}' joins under that name, which this entry takes;"
                " rename the entry, or play the file's strategy in it",
            )
        entrants += (Entrant(name, StrategyChoice(name), False, {"name": name}),)
    if len(entrants) > MAX_STRATEGIES:
        c.fail(
            "strategies",
            f"{len(entrants)} strategies, more than a tournament plays ({MAX_STRATEGIES})",
        )
    self_play = data.get("self_play", False)
    if not isinstance(self_play, bool):
        c.fail("self_play", f"expected true or false, got {self_play!r}")
    if len(entrants) < 2 and not self_play:
        c.fail("strategies", "give at least two strategies (or one with self_play: true)")
    seed = data.get("seed")
    config = TournamentConfig(
        source=source,
        title=c.text(data.get("title", path.stem), "title"),
        scenarios=scenarios,
        entrants=entrants,
        replications=c.integer(data.get("replications", 100), "replications", 1),
        seed=fresh_seed() if seed is None else c.integer(seed, "seed", 0),
        self_play=self_play,
        workers=c.integer(data.get("workers", 1), "workers", 1),
    )
    check_size(config)
    return config


def _scenarios(c: Checker, node, config: Path) -> tuple[Scenario, ...]:
    if not isinstance(node, list) or not node:
        c.fail("scenarios", "expected a list of scenario names or .yaml paths")
    scenarios: list[Scenario] = []
    for i, entry in enumerate(node):
        where = f"scenarios[{i}]"
        name = c.text(entry, where)
        try:
            path = scenario_path(name)
        except LookupError as exc:
            c.fail(where, str(exc.args[0]).removeprefix("scenario: "))
        if not path.is_absolute() and not path.is_file() and (config.parent / path).is_file():
            path = config.parent / path
        if not path.is_file():
            c.fail(where, f"no scenario file {path}")
        scenario = load_scenario(path)
        if len(scenario.agents) != 2:
            c.fail(
                where,
                f"'{scenario.name}' has {len(scenario.agents)} agents; a tournament seats two "
                "strategies, so it plays two-agent scenarios only",
            )
        if any(s.name == scenario.name for s in scenarios):
            c.fail(where, f"scenario '{scenario.name}' is listed twice")
        scenarios.append(scenario)
    return tuple(scenarios)


def _entrants(c: Checker, node, source: str) -> tuple[Entrant, ...]:
    c.names(node, "strategies")
    known = catalogue()
    entrants = []
    for label, entry in node.items():
        choice = strategy_choice(entry, source, f"strategies.{label}", known)
        learns = OPPONENT_MODELS[choice.opponent_model].learns
        entrants.append(Entrant(label, choice, learns, entry))
    return tuple(entrants)


def check_size(config: TournamentConfig) -> None:
    """Refuse, before anything is written, a tournament too large to play at once."""
    work = config.total_replications * len(config.entrants)
    if work > MAX_WORK:
        raise ScenarioError(
            config.source,
            "replications",
            f"{len(config.pairings):,} pairings x {config.replications:,} replications x "
            f"{len(config.scenarios):,} scenarios, each carrying {len(config.entrants)} "
            f"strategies, is {work:,} strategy-replications, more than a tournament plays at once"
            f" ({MAX_WORK:,}); lower replications or strategies",
        )
    for scenario in config.scenarios:
        runs = len(config.pairings) * config.replications
        check_work(lineup(config, scenario), RunSettings(replications=runs, workers=config.workers))


def lineup(config: TournamentConfig, scenario: Scenario) -> Scenario:
    """``scenario`` with every pairing in its own range of replications."""
    choices = {e.label: e.choice for e in config.entrants}
    first, second = scenario.agent_names
    r = config.replications
    ranges = list(enumerate(config.pairings))
    seats = {
        first: tuple((p * r, (p + 1) * r, choices[a]) for p, (a, _) in ranges),
        second: tuple((p * r, (p + 1) * r, choices[b]) for p, (_, b) in ranges),
    }
    return dataclasses.replace(scenario, lineup=Lineup(seats))


def seat_table(config: TournamentConfig, scenario: Scenario, table: pd.DataFrame) -> pd.DataFrame:
    """A batch's per-replication table as the tournament keeps it: scenario, pairing, the
    strategy and agent in each seat, and each seat's utility, discounted utility, opponent-model
    accuracy and red lines found, with the agreement and when it came."""
    first, second = scenario.agent_names
    rep = table["rep"].to_numpy()
    pairing = rep // config.replications
    labels = np.array([list(pair) for pair in config.pairings], dtype=object)
    out = {
        "scenario": scenario.name,
        "pairing": pairing,
        "rep": rep,
        "strategy_1": labels[pairing, 0],
        "strategy_2": labels[pairing, 1],
        "agent_1": first,
        "agent_2": second,
        "agreement": table["agreement"].to_numpy(),
        "rounds_to_agreement": table["rounds_to_agreement"].to_numpy(),
    }
    for seat, agent in ((1, first), (2, second)):
        for column in SEAT_COLUMNS:
            out[f"{column}_{seat}"] = table[f"{column}_{agent}"].to_numpy(dtype=float)
    return pd.DataFrame(out)


def play(
    config: TournamentConfig,
    on_table: Callable[[pd.DataFrame], None],
    progress: Callable[[Scenario], None] | None = None,
) -> None:
    """Play every scenario's pairings, one run per scenario; each batch's :func:`seat_table`
    goes to ``on_table`` as it comes."""
    runs = len(config.pairings) * config.replications
    for scenario in config.scenarios:
        if progress is not None:
            progress(scenario)
        simulate(
            lineup(config, scenario),
            runs,
            config.seed,
            workers=config.workers,
            compare_theory=False,
            on_batch=lambda table, s=scenario: on_table(seat_table(config, s, table)),
        )
