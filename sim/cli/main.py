"""The ``negsim`` console command: a help page, an answer that needs no Hydra
(:func:`sim.cli.command.answer_directly`), or the run through Hydra (:func:`sim.cli.app.launch`).
It imports no Hydra itself (benchmarks/bench_startup.py)."""

from __future__ import annotations

import sys

from sim.cli.command import (
    CONF_DIR,
    Route,
    _sources,
    answer_directly,
    protocol_names,
    register_scenarios,
)
from sim.cli.guard import guarded
from sim.cli.help_page import help_page


@guarded("negsim")
def main() -> None:
    args = register_scenarios(sys.argv[1:])
    page = help_page(
        args, CONF_DIR, lambda: {"scenario": list(_sources), "protocol": protocol_names()}
    )
    if page is not None:
        print(page)
        return
    route = answer_directly(args)
    if route is Route.ANSWERED:
        return
    from sim.cli.app import launch

    launch(args, checked=route is Route.CHECKED)
