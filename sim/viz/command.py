"""The ``negsim-dashboard`` entry point: without the ``viz`` extra it says, in one line, what to
install, instead of ending in a ``ModuleNotFoundError`` (the dashboard imports solara at the top).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli.guard import EXIT_BAD_INPUT

PROG = "negsim-dashboard"


def main(argv: Sequence[str] | None = None) -> None:
    try:
        from sim.viz.dashboard import main as dashboard
    except ModuleNotFoundError as exc:
        if (exc.name or "sim").partition(".")[0] == "sim":
            raise
        print(
            f"{PROG}: error: the dashboard needs the viz extra ({exc.name} is not installed): "
            "pip install 'negsim[viz]'",
            file=sys.stderr,
        )
        sys.exit(EXIT_BAD_INPUT)
    dashboard(None if argv is None else list(argv))


if __name__ == "__main__":
    main()
