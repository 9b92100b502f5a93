"""The ``negsim-tournament`` command: every pair of a list of strategies, in both seats, over a
list of two-agent scenarios, ranked by mean utility.

The play is :mod:`sim.engine.tournament` (one lineup run per scenario), the numbers
:mod:`sim.analysis.tournament`, the words and the figure :mod:`sim.outputs.tournament`. This
module imports the strategy files named with ``--strategy-file``, checks them in a trial game of
every pairing before anything is written, and writes the run folder, ``summary.json`` last.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from time import perf_counter

import pandas as pd
import yaml

from sim.analysis.tournament import analyse
from sim.cli.guard import EXIT_BAD_INPUT, EXIT_INTERRUPTED, ArgumentParser, guarded
from sim.cli.strategy_files import StrategyFileError, load_strategy_file, where_in
from sim.engine.tournament import TournamentConfig, load_tournament, play
from sim.outputs import tournament as words
from sim.outputs.folder import RunFolder, RunFolderExists, shown
from sim.outputs.formatting import fixed
from sim.outputs.provenance import versions
from sim.scenario.errors import ScenarioError

PROG = "negsim-tournament"
PACKAGES = ("negsim", "python", "numpy", "scipy", "pandas", "mesa")


class Interrupted(RuntimeError):
    """Ctrl-C during a tournament: the folder keeps its INCOMPLETE marker."""


def run_tournament(
    config: TournamentConfig, out: Path, joined: dict[str, str] | None = None, started=None
) -> dict:
    """Play ``config`` and write every output into the fresh folder ``out``."""
    started = perf_counter() if started is None else started
    joined = joined or {}
    folder = None
    try:
        folder = RunFolder(out)
        folder.write_text("tournament.yaml", yaml.safe_dump(config.record(), sort_keys=False))
        tables: list[pd.DataFrame] = []
        play(config, tables.append, progress=_announce)
        table = pd.concat(tables, ignore_index=True)
        folder.write_parquet("tournament.parquet", table)
        learners = [e.label for e in config.entrants if e.learns]
        analysis = analyse(table, config.labels, learners)
        folder.write_text("ranking.csv", analysis.ranking.to_csv(index=False))
        folder.write_text("ranking_by_scenario.csv", analysis.by_scenario.to_csv(index=False))
        folder.write_text("pairwise.csv", analysis.pairwise.to_csv(index=False))
        folder.write_text("agreement.csv", analysis.agreement.to_csv(index=False))
        (folder.path / "figures").mkdir(exist_ok=True)
        words.tournament_figure(config, analysis, folder.path / "figures" / "tournament.png")
        folder.write_text("report.md", words.report_markdown(config, analysis, joined))
        summary = words.summary(config, analysis, joined) | {
            "command": sys.argv,
            "versions": versions(PACKAGES),
            "wall_time_s": perf_counter() - started,
        }
        folder.finish(summary)
        return summary
    except KeyboardInterrupt:
        where = "before anything was written" if folder is None else f"{out} is marked INCOMPLETE"
        raise Interrupted(f"interrupted; {where}") from None


def _announce(scenario) -> None:
    print(f"{PROG}: playing {scenario.name}", flush=True)


def trial(config: TournamentConfig, files: Sequence[Path]) -> None:
    """One game of every pairing in every scenario, nothing kept: a strategy file whose code
    fails while playing is one line naming it, before any folder is made."""
    try:
        play(dataclasses.replace(config, replications=1, workers=1), lambda table: None)
    except Exception as exc:
        for file in files:
            where = where_in(Path(file), exc)
            if where != str(file):
                problem = str(exc).splitlines()[0] if str(exc) else ""
                raise StrategyFileError(
                    f"{where}: failed while playing: {type(exc).__name__}: {problem}"
                ) from None
        raise


def fork_workers() -> bool:
    """Whether worker processes start as copies of this one (and so know the file's strategies)."""
    method = multiprocessing.get_start_method(allow_none=True)
    return (method or multiprocessing.get_all_start_methods()[0]) == "fork"


def default_folder(config: TournamentConfig) -> Path:
    """``results/tournament/<config name>/<timestamp>``, or ``-2``, ``-3``... if taken."""
    stem = Path(config.source).stem
    base = Path("results") / "tournament" / stem / f"{datetime.now():%Y-%m-%d_%H-%M-%S}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = Path(f"{base}-{n}")
    return candidate


def console_summary(summary: dict, out: Path) -> str:
    lines = [f"{PROG}: {summary['title']}: ranking by mean utility (95% CI)"]
    for row in summary["ranking"]:
        ci = row["ci95"]
        interval = f" ({fixed(ci[0], 3)}–{fixed(ci[1], 3)})" if ci else ""
        lines.append(
            f"  {row['rank']:>2}. {row['strategy']}: {fixed(row['mean_utility'], 3)}{interval}"
        )
    real = sum(pair["real"] for pair in summary["pairwise"])
    lines.append(
        f"{real} of {len(summary['pairwise'])} pairwise differences are real after the Holm "
        f"correction; report: {shown(out / 'report.md')}"
    )
    return "\n".join(lines)


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Play every pair of a list of strategies, in both seats, over a list of "
        "two-agent scenarios, and rank them by mean utility.",
    )
    parser.add_argument(
        "config",
        type=Path,
        help="a tournament config (YAML), or a shipped one by name (conf/tournament/<name>.yaml)",
    )
    parser.add_argument(
        "--strategy-file",
        type=Path,
        action="append",
        default=[],
        metavar="FILE.py",
        help="a Python file whose @register-ed strategy joins the tournament (repeatable); "
        "see docs/tournament.md",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder, new or empty (default results/tournament/<config>/<timestamp>)",
    )
    return parser


@guarded(PROG)
def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    started = perf_counter()
    try:
        joined: dict[str, str] = {}
        for file in args.strategy_file:
            for name in load_strategy_file(file)["strategy"]:
                joined[name] = str(file)
        config = load_tournament(args.config, join=tuple(joined))
        joined = {
            e.label: joined[e.choice.strategy]
            for e in config.entrants
            if e.choice.strategy in joined
        }
        if args.strategy_file:
            if config.workers > 1 and not fork_workers():
                print(f"{PROG}: strategy files play in this process (workers: 1)", flush=True)
                config = dataclasses.replace(config, workers=1)
            trial(config, args.strategy_file)
        out = args.out or default_folder(config)
        print(
            f"{PROG}: {config.title}: {len(config.entrants)} strategies, "
            f"{len(config.pairings):,} pairings x {config.replications:,} replications x "
            f"{len(config.scenarios)} scenarios = {config.total_replications:,} games, "
            f"seed {config.seed}",
            flush=True,
        )
        summary = run_tournament(config, out, joined, started)
    except (ScenarioError, RunFolderExists, StrategyFileError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except Interrupted as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    print(console_summary(summary, out))


if __name__ == "__main__":
    main()
