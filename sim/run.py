"""One run from validated inputs to a finished results folder."""

from __future__ import annotations

import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from time import perf_counter

import yaml

from sim import figures
from sim.montecarlo import simulate
from sim.outputs import ParquetStream, RunFolder
from sim.protocols import PROTOCOLS
from sim.report import write_report
from sim.rng import fresh_seed
from sim.scenario import Checker, Scenario
from sim.summary import summarise

SETTINGS_SOURCE = "run settings (conf/ or the command line)"
MAX_REPLICATIONS = 10**9
PACKAGES = (
    "negsim",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "mesa",
    "hydra-core",
    "omegaconf",
)


@dataclass(frozen=True)
class RunSettings:
    replications: int = 1000
    batch_blocks: int = 16
    trace_replications: int = 20
    figures: bool = True
    seed: int | None = None
    protocol: str | None = None

    @classmethod
    def from_config(cls, cfg: dict) -> RunSettings:
        """Check the run settings of a composed config (``mc``, ``output``, ``protocol``, ``seed``)."""
        c = Checker(SETTINGS_SOURCE)
        mc, output = cfg.get("mc", {}), cfg.get("output", {})
        seed = cfg.get("seed")
        protocol = (cfg.get("protocol") or {}).get("name")
        if protocol is not None:
            c.choice(protocol, "protocol.name", tuple(PROTOCOLS), "protocol")
        figures_on = output.get("figures", True)
        if not isinstance(figures_on, bool):
            c.fail("output.figures", f"expected true or false, got {figures_on!r}")
        return cls(
            replications=c.integer(mc.get("replications", 1000), "mc.replications", 1),
            batch_blocks=c.integer(mc.get("batch_blocks", 16), "mc.batch_blocks", 1),
            trace_replications=c.integer(
                output.get("trace_replications", 20), "output.trace_replications", 0
            ),
            figures=figures_on,
            seed=None if seed is None else c.integer(seed, "seed", 0),
            protocol=protocol,
        )

    def check_limits(self) -> None:
        if self.replications > MAX_REPLICATIONS:
            Checker(SETTINGS_SOURCE).fail(
                "mc.replications",
                f"{self.replications:,} is more than negsim runs at once ({MAX_REPLICATIONS:,})",
            )


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def run(
    scenario: Scenario,
    settings: RunSettings,
    run_dir: Path,
    config: dict | None = None,
    overrides: list[str] | None = None,
) -> dict:
    """Simulate and write every output; returns the summary (also in ``summary.json``)."""
    settings.check_limits()
    started = perf_counter()
    folder = RunFolder(run_dir)
    seed = settings.seed if settings.seed is not None else fresh_seed()
    protocol = settings.protocol or scenario.negotiation.protocol
    folder.write_json(
        "run.json",
        {
            "scenario": scenario.name,
            "scenario_file": scenario.source,
            "seed": seed,
            "replications": settings.replications,
            "protocol": protocol,
            "command": sys.argv,
            "overrides": overrides or [],
            "versions": _versions(),
            "git_commit": _git_commit(),
            "platform": platform.platform(),
        },
    )
    if config is not None:
        folder.write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
    stream = ParquetStream(folder.file("replications.parquet"))
    try:
        result = simulate(
            scenario,
            settings.replications,
            seed,
            batch_blocks=settings.batch_blocks,
            trace=settings.trace_replications,
            protocol=protocol,
            on_batch=stream.write,
        )
    except BaseException:
        stream.abort()
        raise
    stream.close()
    simulated = perf_counter() - started
    folder.write_parquet("trajectories.parquet", result.offers)
    folder.write_parquet("sessions.parquet", result.sessions)
    summary = summarise(scenario, result, protocol)
    summary["wall_time_s"] = {"simulation": simulated}
    if settings.figures:
        (folder.path / "figures").mkdir(exist_ok=True)
        figures.offers_figure(
            scenario, result.offers, result.sessions, folder.file("figures/offers.png")
        )
        figures.outcome_figure(scenario, summary, folder.file("figures/outcomes.png"))
    folder.write_text("report.md", write_report(scenario, summary, result.sessions, simulated))
    summary["wall_time_s"]["total"] = perf_counter() - started
    folder.finish(summary)
    return summary


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def console_summary(scenario: Scenario, summary: dict, run_dir: Path) -> str:
    def ci(est: dict, fmt: str, scale: float = 1.0) -> str:
        if not est["ci95"]:
            return ""
        lo, hi = (scale * x for x in est["ci95"])
        return f"  (95% CI {lo:{fmt}}–{hi:{fmt}})"

    agree = summary["agreement_rate"]
    rta = summary["rounds_to_agreement"]
    lines = [
        f"negsim: {scenario.name}: {summary['replications']:,} replications, seed {summary['seed']}, "
        f"protocol {summary['protocol']}",
        f"  agreement rate        {100 * agree['estimate']:.1f}%{ci(agree, '.1f', 100)}",
    ]
    if rta["estimate"] is not None:
        lines.append(f"  rounds to agreement   {rta['estimate']:.2f}{ci(rta, '.2f')}")
    for agent in scenario.agents:
        est = summary["agents"][agent.name]["utility"]
        lines.append(f"  utility {agent.name:<13} {est['estimate']:.3f}{ci(est, '.3f')}")
    wall = summary["wall_time_s"]
    lines += [
        f"  red-line violations   {summary['red_line_violations']['total']}",
        f"  wall time             {wall['simulation']:.2f} s simulation, {wall['total']:.2f} s in all",
        f"  results               {_relative(run_dir)}/  (report.md, summary.json, figures/)",
    ]
    return "\n".join(lines)
