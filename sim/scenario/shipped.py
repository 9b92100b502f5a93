"""Where the shipped data folders are: ``conf/`` (Hydra settings), ``scenarios/`` and
``sensitivity/`` (example sensitivity configs).

In the repository they sit at the top level, beside ``sim/``. A wheel carries copies inside the
package, as ``sim/_data/<folder>`` (``setup.py`` copies them at build time). A checkout or an
editable install has no ``sim/_data`` and reads the repository's folders directly, so a file
dropped into ``scenarios/`` is found without reinstalling. This module is the one place that
knows both layouts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Folder = Literal["conf", "scenarios", "sensitivity"]

PACKAGE = Path(__file__).resolve().parents[1]
INSTALLED = PACKAGE / "_data"  # in a wheel
REPOSITORY = PACKAGE.parent  # a checkout or an editable install


def shipped_folder(name: Folder) -> Path:
    """The folder holding the shipped ``name``: the wheel's copy if there is one, otherwise the
    repository's own (which may be missing, e.g. in a source tree without data)."""
    installed = INSTALLED / name
    return installed if installed.is_dir() else REPOSITORY / name
