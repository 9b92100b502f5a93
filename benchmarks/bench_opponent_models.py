"""Opponent models measured: agreement, frontier gap, accuracy and cost, per model.

Usage: python benchmarks/bench_opponent_models.py [--quick]

For every shipped scenario and for seeded random two-agent scenarios with private red lines and
a zone of agreement (three or four issues, one red line per side, the Nash solution existing
inside both), each agent's opponent model is set to ``oracle``, ``frequency`` and ``bayesian``
in turn (concession curves and acceptance as the scenario has them). Printed per scenario set
and model: the agreement rate, the mean frontier gap of the first agreement (two-agent
scenarios; ``frontier_gap`` of the per-replication table), the mean final accuracy (correlation
of believed and true utility, Baarslag et al. 2013) and share of the other's red-line region
found, and replications per second.
"""

from __future__ import annotations

import copy
import sys
import time

import numpy as np
import pandas as pd
import yaml
from _measure import SCENARIOS, machine

from sim.core.catalogue import validate
from sim.engine.montecarlo import simulate
from sim.scenario.errors import ScenarioError
from sim.theory.results import analyse_scenario

MODELS = ("oracle", "frequency", "bayesian")
SHIPPED = (
    "split_the_pie",
    "us_china_2024",
    "tactical_pause",
    "fentanyl_trilateral",
    "precursor_council",
)


def with_model(data: dict, model: str) -> dict:
    data = copy.deepcopy(data)
    for agent in data["agents"].values():
        strategy = agent["strategy"]
        strategy = {"name": strategy} if isinstance(strategy, str) else strategy
        agent["strategy"] = {**strategy, "opponent_model": {"name": model}}
    return data


def random_private(rng: np.random.Generator) -> dict:
    issues = [f"x{k}" for k in range(int(rng.integers(3, 5)))]
    agents = {}
    for name, side in (("a", 1.0), ("b", 0.0)):
        weights = rng.dirichlet(np.ones(len(issues)))
        agents[name] = {
            "reservation": float(rng.uniform(0.3, 0.55)),
            "strategy": {"name": "time_dependent", "params": {"e": float(rng.choice([0.5, 1, 2]))}},
            "preferences": {
                i: {
                    "ideal": side if rng.random() < 0.8 else float(rng.random()),
                    "salience": float(w) + 0.01,
                }
                for i, w in zip(issues, weights, strict=True)
            },
        }
    mine, theirs = rng.permutation(issues)[:2]
    ideal = agents["a"]["preferences"][mine]["ideal"]
    agents["a"]["red_lines"] = {mine: {"min": min(ideal, 0.5)} if ideal >= 0.5 else {"max": 0.5}}
    ideal = agents["b"]["preferences"][theirs]["ideal"]
    agents["b"]["red_lines"] = {theirs: {"max": max(ideal, 0.5)} if ideal <= 0.5 else {"min": 0.5}}
    return {
        "negotiation": {
            "protocol": "alternating_offers",
            "sessions": 2,
            "rounds": 12,
            "disagreement": "reservation",
        },
        "issues": {i: {"status_quo": 0.5} for i in issues},
        "agents": agents,
    }


def random_set(count: int, deadlocked: bool = False, tries: int = 3000) -> list[dict]:
    """``count`` seeded random scenarios with a zone of agreement; with ``deadlocked``, only
    those where oracle agents never agree (40 replications tried)."""
    rng, found = np.random.default_rng(2026), []
    for _ in range(tries):
        if len(found) == count:
            break
        data = random_private(rng)
        try:
            if analyse_scenario(validate(data, "random.yaml")).nash is None:
                continue
        except ScenarioError:
            continue
        if deadlocked:
            frames = []
            simulate(validate(data, "random.yaml"), 40, 1, on_batch=frames.append)
            if pd.concat(frames)["agreement"].any():
                continue
        found.append(data)
    return found


def _mean_of_defined(values: list[float]) -> float:
    defined = [v for v in values if not np.isnan(v)]
    return float(np.mean(defined)) if defined else np.nan


def measure(datasets: list[dict], model: str, replications: int) -> dict:
    tables, wall = [], 0.0
    for data in datasets:
        scenario = validate(with_model(data, model), "bench.yaml")
        frames = []
        start = time.perf_counter()
        simulate(scenario, replications, 1, on_batch=frames.append)
        wall += time.perf_counter() - start
        table = pd.concat(frames, ignore_index=True)
        names = scenario.agent_names
        tables.append(
            {
                "agreement": table["agreement"].mean(),
                "frontier_gap": table["frontier_gap"].mean() if len(names) == 2 else np.nan,
                "accuracy": np.mean([table[f"accuracy_{n}"].mean() for n in names]),
                "found": _mean_of_defined([table[f"red_lines_found_{n}"].mean() for n in names]),
            }
        )
    means = pd.DataFrame(tables).mean()
    return means.to_dict() | {"reps_per_s": replications * len(datasets) / wall}


def main(quick: bool) -> None:
    replications = 1000 if quick else 4000
    random_count = 10 if quick else 40
    sets = {name: [yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())] for name in SHIPPED}
    sets[f"random private ({random_count})"] = random_set(random_count)
    stuck = random_set(random_count // 2, deadlocked=True)
    sets[f"oracle deadlocks ({len(stuck)})"] = stuck
    print(f"# bench_opponent_models on {machine()}; {replications:,} replications per scenario")
    print(
        f"{'scenarios':>26} {'model':>9} {'agreement':>9} {'frontier_gap':>12} {'accuracy':>8} {'found':>6} {'reps_per_s':>10}"
    )
    for label, datasets in sets.items():
        for model in MODELS:
            r = measure(datasets, model, replications)
            print(
                f"{label:>26} {model:>9} {r['agreement']:>9.3f} {r['frontier_gap']:>12.4f}"
                f" {r['accuracy']:>8.3f} {r['found']:>6.2f} {r['reps_per_s']:>10,.0f}"
            )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
