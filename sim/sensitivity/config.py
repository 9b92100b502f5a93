"""The sensitivity config file: which scenario, which parameter ranges, which method.

Validated like a scenario file: every problem is one :class:`~sim.scenario.errors.ScenarioError` naming
the config file and the field (``parameters.agents.china.reservation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.catalogue import load_scenario
from sim.core.protocols.base import PROTOCOLS
from sim.core.rng import fresh_seed
from sim.engine.montecarlo import headline_columns, simulate
from sim.scenario.checker import Checker
from sim.scenario.errors import suggest
from sim.scenario.library import scenario_path
from sim.scenario.parameters import field_range
from sim.scenario.reading import read_yaml_mapping
from sim.scenario.shipped import shipped_folder
from sim.scenario.spec import Scenario
from sim.sensitivity.gsa import METHODS, Design

EVALUATE = ("in_process", "launcher")
FIELDS = (
    "scenario",
    "method",
    "samples",
    "second_order",
    "replications",
    "seed",
    "metrics",
    "parameters",
    "evaluate",
    "protocol",
    "workers",
    "launcher",
)
# Hydra launchers for evaluate: launcher (options of the hydra/launcher group).
LAUNCHERS = ("basic", "joblib", "submitit_local", "slurm")


@dataclass(frozen=True)
class SensitivityConfig:
    source: str
    scenario: Scenario
    design: Design
    replications: int
    metrics: tuple[str, ...]
    protocol: str | None = None
    workers: int = 1
    evaluate: str = "in_process"
    launcher: tuple[str, ...] = ("basic",)  # hydra/launcher option, then its overrides

    @property
    def seed(self) -> int:
        return self.design.seed

    def record(self) -> dict:
        """The config as run (with the seed actually used)."""
        return {
            "scenario": self.scenario.source,
            "method": self.design.method,
            "samples": self.design.samples,
            "second_order": self.design.second_order,
            "replications": self.replications,
            "seed": self.seed,
            "metrics": list(self.metrics),
            "parameters": self.ranges,
            "evaluate": self.evaluate,
            "launcher": list(self.launcher),
            "protocol": self.protocol,
            "workers": self.workers,
        }

    @property
    def ranges(self) -> dict[str, list[float]]:
        return {p: list(b) for p, b in zip(self.design.parameters, self.design.bounds, strict=True)}


def _read(path: Path) -> dict:
    return read_yaml_mapping(path, str(path), "a sensitivity config")


def _scenario(c: Checker, node, config_path: Path) -> Scenario:
    name = c.text(node, "scenario")
    try:
        path = scenario_path(name)
    except LookupError as exc:
        c.fail("scenario", str(exc.args[0]).removeprefix("scenario: "))
    if not path.is_absolute() and not path.is_file() and (config_path.parent / path).is_file():
        path = config_path.parent / path
    if not path.is_file():
        c.fail("scenario", f"no scenario file {path}")
    return load_scenario(path)


def config_path(name_or_path: Path | str) -> Path:
    """A path as given, or a shipped config (``sensitivity/<name>.yaml``) named without suffix."""
    path = Path(name_or_path)
    shipped = shipped_folder("sensitivity") / f"{path.name}.yaml"
    if not path.suffix and not path.is_file() and path.name == str(path) and shipped.is_file():
        return shipped
    return path


def load_config(path: Path | str) -> SensitivityConfig:
    """Read and validate a sensitivity config (a file, or a shipped one by name): one
    ScenarioError naming file and field."""
    path = config_path(path)
    data = _read(path)
    c = Checker(str(path))
    c.mapping(data, "", required=("scenario", "samples", "parameters"), optional=FIELDS)
    evaluate = c.choice(data.get("evaluate", "in_process"), "evaluate", EVALUATE, "evaluation")
    launcher = _launcher(c, data.get("launcher", "basic"), evaluate)
    scenario = _scenario(c, data["scenario"], path)
    method = c.choice(data.get("method", "sobol"), "method", METHODS, "method")
    samples = c.integer(data["samples"], "samples", 2)
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        c.fail(
            "samples",
            f"Sobol' sampling needs a power of 2 (got {samples}; try {lower} or {2 * lower})",
        )
    second_order = data.get("second_order", False)
    if not isinstance(second_order, bool):
        c.fail("second_order", f"expected true or false, got {second_order!r}")
    if second_order and method != "sobol":
        c.fail("second_order", "second-order indices come from the sobol method only")
    seed = data.get("seed")
    seed = fresh_seed() if seed is None else c.integer(seed, "seed", 0)
    protocol = data.get("protocol")
    if protocol is not None:
        protocol = c.choice(protocol, "protocol", tuple(PROTOCOLS), "protocol")
    parameters, bounds = _parameters(c, data["parameters"], scenario)
    return SensitivityConfig(
        source=str(path),
        scenario=scenario,
        design=Design(method, parameters, bounds, samples, seed, second_order),
        replications=c.integer(data.get("replications", 100), "replications", 1),
        metrics=_metrics(c, data.get("metrics"), scenario, protocol),
        protocol=protocol,
        workers=c.integer(data.get("workers", 1), "workers", 1),
        evaluate=evaluate,
        launcher=launcher,
    )


def _launcher(c: Checker, node, evaluate: str) -> tuple[str, ...]:
    """``launcher: joblib`` or ``launcher: {name: slurm, overrides: [hydra.launcher.x=y, ...]}``."""
    if evaluate != "launcher":
        if node != "basic":
            c.fail("launcher", "only used with evaluate: launcher")
        return ("basic",)
    if isinstance(node, str):
        node = {"name": node}
    c.mapping(node, "launcher", required=("name",), optional=("overrides",))
    name = c.choice(node["name"], "launcher.name", LAUNCHERS, "launcher")
    overrides = node.get("overrides") or []
    if not isinstance(overrides, list) or not all(
        isinstance(o, str) and o.startswith("hydra.launcher.") and "=" in o for o in overrides
    ):
        c.fail("launcher.overrides", "expected a list of 'hydra.launcher.<name>=<value>' strings")
    return (name, *overrides)


def _parameters(c: Checker, node, scenario: Scenario):
    if not isinstance(node, dict) or not node:
        c.fail("parameters", "give at least one parameter path with its [low, high] range")
    names, bounds = [], []
    for name, value in node.items():
        where = f"parameters.{name}"
        try:
            allowed = field_range(scenario, str(name))
        except KeyError as exc:
            c.fail(where, f"{exc.args[0]} in scenario '{scenario.name}'")
        if allowed.fixed:
            c.fail(
                where,
                "one number for the whole run (the model does not vary it per replication); "
                f"sweep it on a grid instead: negsim -m scenario.{name}=a,b,c",
            )
        if not isinstance(value, list) or len(value) != 2:
            c.fail(where, f"expected a range [low, high], got {value!r}")
        low, high = (c.number(v, f"{where}[{i}]") for i, v in enumerate(value))
        if low >= high:
            c.fail(where, f"needs low < high (got [{low:g}, {high:g}])")
        problem = allowed.problem(low, high)
        if problem:
            c.fail(where, problem)
        names.append(str(name))
        bounds.append((low, high))
    return tuple(names), tuple(bounds)


def table_columns(scenario: Scenario, protocol: str | None) -> dict[str, np.dtype]:
    """Columns of the per-replication table, from one replication of the scenario."""
    tables: list[pd.DataFrame] = []
    simulate(scenario, 1, 0, protocol=protocol, on_batch=tables.append)
    return {name: dtype for name, dtype in tables[0].dtypes.items() if name != "rep"}


def _metrics(c: Checker, node, scenario: Scenario, protocol) -> tuple[str, ...]:
    if node is None:
        return tuple(headline_columns(scenario))
    if not isinstance(node, list) or not node:
        c.fail("metrics", "expected a list of per-replication columns")
    columns = table_columns(scenario, protocol)
    for i, name in enumerate(node):
        if name not in columns:
            c.fail(f"metrics[{i}]", f"unknown column {name!r}{suggest(str(name), columns)}")
    if len(set(node)) != len(node):
        c.fail("metrics", "a metric is listed twice")
    return tuple(node)
