"""Start-up costs of the commands: the heavy modules imported once, late, and without the
cyclic garbage collector.

Importing Mesa, pandas, scipy and pyarrow creates hundreds of thousands of objects, and the
collector walks all of them in every full collection it runs meanwhile and afterwards: about
0.3 s of a 100-replication run's 1.3 s went to collections (timed with ``gc.callbacks`` on the
development machine), 0.1 s with this. Next to nothing of an import is garbage, so the import
runs with the collector paused, and what it made is frozen (``gc.freeze``): later collections
skip it. Only the first import in a process does this, so a launcher worker that runs many jobs
does not freeze each job's leftovers.
"""

from __future__ import annotations

import gc
import importlib
import sys
from types import ModuleType


def load_heavy(name: str) -> ModuleType:
    """Import module ``name`` (and what it imports) with the collector paused, then freeze."""
    if name in sys.modules:
        return sys.modules[name]
    enabled = gc.isenabled()
    gc.disable()
    try:
        module = importlib.import_module(name)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return module
