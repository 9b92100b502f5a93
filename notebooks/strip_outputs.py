"""Strip outputs from the notebooks before they are committed.

Notebooks are kept in git without outputs, execution counts or widget state, so diffs show only
what was written. ``pytest --nbmake notebooks/`` runs them without writing anything back.

    .venv/bin/python notebooks/strip_outputs.py            # strip every notebook in notebooks/
    .venv/bin/python notebooks/strip_outputs.py --check    # exit 1 if any notebook has outputs
    .venv/bin/python notebooks/strip_outputs.py path/to/one.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
# Cell metadata that Jupyter front ends add while running a notebook.
RUN_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def strip(notebook: nbformat.NotebookNode) -> bool:
    """Remove outputs, execution counts, run metadata and widget state; True if anything changed."""
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                changed = True
            cell.outputs = []
            cell.execution_count = None
        for key in RUN_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    if "widgets" in notebook.metadata:
        del notebook.metadata["widgets"]
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Strip outputs from Jupyter notebooks.")
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)"
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook has outputs"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted(HERE.glob("*.ipynb"))
    dirty = []
    for path in paths:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if strip(notebook):
            dirty.append(path)
            if not args.check:
                nbformat.write(notebook, path)
    verb = "has outputs" if args.check else "stripped"
    for path in dirty:
        print(f"{path}: {verb}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
