"""``negsim-sweep`` and the callback that ends every ``negsim -m``: aggregate a multirun folder
into ``sweep.parquet`` and figures (:mod:`sim.outputs.sweep`), print one line, and exit with
code 2 when a job did not finish (or, for the command, when there was nothing to aggregate)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from hydra.experimental.callback import Callback

from sim.cli.guard import EXIT_BAD_INPUT, ArgumentParser, guarded
from sim.scenario.errors import ScenarioError


class SweepCallback(Callback):
    """Aggregates a multirun when it ends; exit code 2 if a job did not finish. At its start,
    submitit's warnings are routed to negsim's one-line form."""

    def on_multirun_start(self, config, **kwargs) -> None:
        # submitit, on import, hands its logger two handlers of its own (stdout and stderr), so
        # each of its warnings (a cluster without accounting: "Bypassing sacct error") would
        # print three times. Imported first here and stripped of them, its warnings reach the
        # terminal once, as negsim's logging config says: "negsim: warning: submitit: ...".
        # The jobs import submitit afresh, so their own logs keep submitit's lines.
        if "submitit" in str(config.hydra.launcher.get("_target_", "")):
            import submitit  # noqa: F401

            logger = logging.getLogger("submitit")
            for handler in list(logger.handlers):
                logger.removeHandler(handler)

    def on_multirun_end(self, config, **kwargs) -> None:
        # Imported here: Hydra builds this callback for every run, and a single run should not
        # pay for pandas and matplotlib before its input is checked.
        from sim.outputs.sweep import aggregate, report

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            table, unfinished = aggregate(sweep_dir)
        except ScenarioError as exc:
            print(f"negsim: error: {exc}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
        print(report(sweep_dir, table, unfinished))
        if unfinished:
            sys.exit(EXIT_BAD_INPUT)


@guarded("negsim-sweep")
def main(argv: list[str] | None = None) -> None:
    parser = ArgumentParser(
        prog="negsim-sweep",
        description="Aggregate a negsim multirun folder into sweep.parquet and figures.",
    )
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    from sim.outputs.sweep import aggregate, report

    if not args.sweep_dir.is_dir():
        print(f"negsim-sweep: error: {args.sweep_dir}: no such folder", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    try:
        table, unfinished = aggregate(args.sweep_dir)
    except ScenarioError as exc:
        print(f"negsim-sweep: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print(report(args.sweep_dir, table, unfinished))
    if table.empty:
        sys.exit(EXIT_BAD_INPUT)
