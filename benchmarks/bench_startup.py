"""Start-up of ``negsim`` against the import of the frameworks it stands on (issue 15).

Usage: python benchmarks/bench_startup.py [--quick] [--runs N]

Every command runs N times (default 9, ``--quick`` 3) in a temporary folder, the commands
interleaved round by round so that a change of load on the machine hits them alike; printed:
the median wall time of each and its ratio against its reference, with the goal.

- ``negsim --help``, ``negsim --cfg job`` and four error paths (an unknown scenario name, a file
  that is not YAML, a misspelt setting, a bilateral protocol for three agents) against
  ``python -c 'import hydra'``: goal at most 1.5x.
- ``negsim mc.replications=100 output.figures=false`` (us_china_2024) against
  ``python -c 'import mesa, hydra'``: goal at most 1.5x.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import ROOT, machine

BIN = Path(sys.executable).parent
NEGSIM = str(BIN / "negsim")
THREE_STATES = ROOT / "tests" / "core" / "data" / "three_states.yaml"

REFERENCE_HYDRA = "python -c 'import hydra'"
REFERENCE_MESA = "python -c 'import mesa, hydra'"
# label -> (command, reference label, expected exit code)
COMMANDS: dict[str, tuple[list[str], str | None, int]] = {
    REFERENCE_HYDRA: ([sys.executable, "-c", "import hydra"], None, 0),
    "negsim --help": ([NEGSIM, "--help"], REFERENCE_HYDRA, 0),
    "negsim --cfg job": ([NEGSIM, "--cfg", "job"], REFERENCE_HYDRA, 0),
    "negsim scenario=nosuch": ([NEGSIM, "scenario=nosuch"], REFERENCE_HYDRA, 2),
    "negsim scenario=broken.yaml": ([NEGSIM, "scenario=broken.yaml"], REFERENCE_HYDRA, 2),
    "negsim mc.replicationz=3": ([NEGSIM, "mc.replicationz=3"], REFERENCE_HYDRA, 2),
    "negsim scenario=three_states.yaml protocol=alternating_offers": (
        [NEGSIM, f"scenario={THREE_STATES}", "protocol=alternating_offers"],
        REFERENCE_HYDRA,
        2,
    ),
    REFERENCE_MESA: ([sys.executable, "-c", "import mesa, hydra"], None, 0),
    "negsim mc.replications=100 output.figures=false": (
        [NEGSIM, "mc.replications=100", "output.figures=false", "seed=1"],
        REFERENCE_MESA,
        0,
    ),
}
GOAL = 1.5


def timed(args: list[str], cwd: Path, code: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != code:
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return wall


def main(runs: int) -> None:
    load = os.getloadavg()
    print(f"# negsim start-up, median of {runs} runs each, on {machine()}")
    times: dict[str, list[float]] = {label: [] for label in COMMANDS}
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "broken.yaml").write_text("agents: [\n")
        for args, _, code in COMMANDS.values():  # warm the file cache, unmeasured
            timed(args, cwd, code)
        for _ in range(runs):
            for label, (args, _, code) in COMMANDS.items():
                times[label].append(timed(args, cwd, code))
    after = os.getloadavg()
    median = {label: statistics.median(values) for label, values in times.items()}
    width = max(map(len, COMMANDS))
    for label, (_, reference, _) in COMMANDS.items():
        line = f"{label:<{width}}  {median[label]:6.3f} s"
        if reference is not None:
            ratio = median[label] / median[reference]
            verdict = "met" if ratio <= GOAL else "NOT met"
            line += f"  {ratio:4.2f}x {reference} (goal {GOAL}x: {verdict})"
        print(line)
    print(
        "load average (1 min) before and after: "
        f"{load[0]:.2f}, {after[0]:.2f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    runs = 3 if "--quick" in sys.argv else 9
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    main(runs)
