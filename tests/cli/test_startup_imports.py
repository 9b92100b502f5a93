"""What ``negsim`` imports before it answers (issue 15, start-up): help, ``--cfg job`` and every
error path answer without Mesa, pandas, scipy, matplotlib or pyarrow, and those that need no
validation without numpy either; help, ``--cfg job``, an unknown or unreadable scenario, a
misspelt setting and a refused scenario or setting without Hydra (sim/cli/composition.py).
Which modules, not how long: the times are in benchmarks/bench_startup.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the real command, in fresh interpreters

ROOT = Path(__file__).resolve().parents[2]
THREE_STATES = ROOT / "tests" / "core" / "data" / "three_states.yaml"
HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "pyarrow", "numpy", "SALib", "PIL")
FRAMEWORKS = ("hydra", "omegaconf", "antlr4")
# negsim's main() as the console script calls it, then the top-level packages it imported.
PROBE = """
import sys
sys.argv = ["negsim", *sys.argv[1:]]
code = 0
try:
    from sim.cli.main import main
    main()
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & {*HEAVY, *FRAMEWORKS})
print(f"\\nEXIT={code} IMPORTED={','.join(heavy)}")
"""


def imported(*args: str, cwd: Path) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\nFRAMEWORKS = {FRAMEWORKS!r}\n{PROBE}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    code, _, modules = last.removeprefix("EXIT=").partition(" IMPORTED=")
    return int(code), set(filter(None, modules.split(","))), done.stderr


@pytest.fixture
def bad_files(tmp_path) -> Path:
    (tmp_path / "broken.yaml").write_text("agents: [\n")
    (tmp_path / "misspelt.yaml").write_text(
        (ROOT / "scenarios" / "split_the_pie.yaml")
        .read_text()
        .replace("time_dependent", "time_dependant", 1)
    )
    return tmp_path


@pytest.mark.parametrize(
    "args, code",
    [
        (("--help",), 0),
        (("-h", "scenario=split_the_pie"), 0),
        (("--cfg", "job"), 0),
        (
            (
                "--cfg",
                "job",
                "scenario=split_the_pie",
                "mc.replications=5",
                "protocol=issue_by_issue",
            ),
            0,
        ),
        (("scenario=nosuch",), 2),
        (("scenario=missing.yaml",), 2),
        (("scenario=broken.yaml",), 2),
        (("mc.replicationz=3",), 2),
        (("protocol=nosuch",), 2),
        (("-m", "scenario.agents.us.reservation=0.2,0.3", "mc.nosuch=1"), 2),
        (("--bogus",), 2),
    ],
)
def test_help_cfg_and_command_line_errors_import_nothing_heavy(bad_files, args, code):
    exit_code, modules, stderr = imported(*args, cwd=bad_files)
    assert exit_code == code, stderr
    assert not modules & set(HEAVY), f"negsim {' '.join(args)} imported {sorted(modules)}"
    assert not (bad_files / "results").exists()


@pytest.mark.parametrize(
    "args, code, frameworks",
    [
        (("--help",), 0, {"omegaconf", "antlr4"}),
        (("--cfg", "job"), 0, {"omegaconf", "antlr4"}),
        (
            ("--cfg", "job", "scenario=split_the_pie", "mc.replications=5"),
            0,
            {"omegaconf", "antlr4"},
        ),
        (("scenario=nosuch",), 2, set()),
        (("scenario=broken.yaml",), 2, set()),
        (("mc.replicationz=3",), 2, set()),
        (("scenario.agents.us.reservaton=0.2", "seed=1"), 2, set()),
        ((f"scenario={THREE_STATES}", "protocol=alternating_offers"), 2, {"numpy"}),
        (("scenario=misspelt.yaml",), 2, {"numpy"}),
        (("mc.replications=0",), 2, {"numpy"}),
    ],
)
def test_the_usual_answers_import_no_hydra(bad_files, args, code, frameworks):
    """Composed from conf/ directly (sim/cli/composition.py): Hydra is not imported, nor
    OmegaConf where nothing is printed as YAML."""
    exit_code, modules, stderr = imported(*args, cwd=bad_files)
    assert exit_code == code, stderr
    assert modules == frameworks, f"negsim {' '.join(args)} imported {sorted(modules)}"


@pytest.mark.parametrize(
    "args",
    [
        (f"scenario={THREE_STATES}", "protocol=alternating_offers"),  # bilateral, 3 agents
        ("scenario=misspelt.yaml",),  # an unknown strategy
        ("mc.replications=0",),
    ],
)
def test_validation_errors_import_numpy_but_not_the_model(bad_files, args):
    """Validation reads the strategy and protocol registries, whose modules use numpy; nothing
    of the model, the tables or the figures is loaded before the input is refused."""
    exit_code, modules, stderr = imported(*args, cwd=bad_files)
    assert exit_code == 2, stderr
    assert stderr.startswith("negsim: error: ") and len(stderr.splitlines()) == 1
    assert modules & set(HEAVY) <= {"numpy"}, f"negsim {' '.join(args)} imported {sorted(modules)}"


def test_a_run_without_figures_never_imports_matplotlib(tmp_path):
    exit_code, modules, stderr = imported(
        "scenario=split_the_pie", "mc.replications=20", "output.figures=false", cwd=tmp_path
    )
    assert exit_code == 0, stderr
    assert {"mesa", "pandas", "numpy", "hydra"} <= modules
    assert not modules & {"matplotlib", "PIL"}


def test_the_scenario_layer_and_every_registry_import_nothing_heavy_but_numpy():
    """What validation stands on: every module of sim.scenario and every module the strategy,
    protocol, opponent-model and acceptance registries discover (distributions import scipy
    where they sample, the agents Mesa only through the model)."""
    code = (
        "import importlib, pkgutil, sys, sim.scenario\n"
        "for m in pkgutil.iter_modules(sim.scenario.__path__):\n"
        "    importlib.import_module('sim.scenario.' + m.name)\n"
        "from sim.core.catalogue import catalogue\n"
        "catalogue()\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["numpy"]
