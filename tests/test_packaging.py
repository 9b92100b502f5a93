"""negsim as an installed package: the wheel carries conf/, scenarios/ and sensitivity/, and every
command works from a folder outside the repository; a missing extra is one line.

The wheel test builds from a copy of the source tree (no build isolation: setuptools comes from
the test extra, so it runs offline), installs the wheel with ``--no-deps`` into a fresh virtual
environment that sees this environment's packages through a ``.pth`` file (the dependencies,
not this checkout: ``.pth`` files of an added folder are not processed, so the editable install
of ``sim`` stays out), and runs the console scripts there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import setuptools

from sim.scenario import shipped
from sim.scenario.library import known_scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ("conf", "scenarios", "sensitivity")
# Left out of the copied source tree: at the top, what git ignores; anywhere, caches.
TOP_IGNORE = {"results", "build", "dist", "outputs", "multirun"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {
        n
        for n in names
        if n.startswith(".")
        or n == "__pycache__"
        or n.endswith(".egg-info")
        or top
        and n in TOP_IGNORE
    }


def _run(*command, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Without PYTHONPATH, which could bring a source tree into the installed environment."""
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_every_folder_of_modules_is_a_package_the_wheel_carries():
    """A folder without ``__init__.py`` is left out of the wheel (``packages.find``)."""
    found = set(setuptools.find_packages(str(ROOT), include=["sim*"]))
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "sim").rglob("*.py")
    }
    assert folders - found == set()


def test_a_checkout_reads_the_repository_folders():
    """Editable install: new files in scenarios/ are found without reinstalling."""
    for name in DATA:
        assert shipped.shipped_folder(name) == ROOT / name
    assert known_scenarios()["split_the_pie"] == ROOT / "scenarios" / "split_the_pie.yaml"


def test_an_installed_copy_wins_over_the_repository(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    monkeypatch.setattr(shipped, "INSTALLED", tmp_path)
    assert shipped.shipped_folder("scenarios") == tmp_path / "scenarios"
    assert shipped.shipped_folder("conf") == ROOT / "conf"  # no copy: the repository's


def test_the_dashboard_without_the_viz_extra_says_what_to_install(tmp_path):
    done = _run(
        sys.executable,
        "-c",
        "import sys; sys.modules['solara'] = None; sys.argv = ['negsim-dashboard']\n"
        "from sim.viz.command import main; main()",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "negsim-dashboard: error: the dashboard needs the viz extra (solara is not installed): "
        "pip install 'negsim[viz]'\n"
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh environment holding only the wheel of this source tree."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist, env = tmp / "source", tmp / "dist", tmp / "env"
    shutil.copytree(ROOT, source, ignore=_ignore)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", dist, source,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("negsim-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        carried = {name for name in archive.namelist() if name.startswith("sim/_data/")}
    assert carried == {
        f"sim/_data/{path.relative_to(ROOT).as_posix()}"
        for name in DATA
        for path in (ROOT / name).rglob("*.yaml")
    }
    assert _run(sys.executable, "-m", "venv", "--without-pip", env).returncode == 0
    python = env / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    Path(purelib.stdout.strip(), "negsim_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    done = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel
    )
    assert done.returncode == 0, done.stderr
    return env / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working folder with no scenarios/ or conf/ of its own."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_the_package_comes_from_the_wheel(installed, elsewhere):
    done = _run(
        installed / "python", "-c", "import sim, sim.api.runs; print(sim.__file__)", cwd=elsewhere
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed.parent)


@pytest.mark.slow
def test_negsim_runs_every_shipped_scenario_from_the_wheel(installed, elsewhere):
    done = _run(installed / "negsim", "mc.replications=40", "seed=1", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "negsim: us_china_2024: 40 replications, seed 1" in done.stdout
    names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    done = _run(
        installed / "negsim", "-m", f"scenario={','.join(names)}", "mc.replications=20",
        "seed=1", "output.figures=false", "hydra.sweep.dir=sweep", cwd=elsewhere,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for job in range(len(names)):
        summary = json.loads((elsewhere / "sweep" / str(job) / "summary.json").read_text())
        assert summary["scenario"] == names[job] and summary["replications"] == 20
    assert (elsewhere / "sweep" / "sweep.parquet").is_file()


@pytest.mark.slow
def test_negsim_theory_and_its_json_from_the_wheel(installed, elsewhere):
    done = _run(installed / "negsim-theory", "us_china_2024", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("us_china_2024: ") and "Nash" in done.stdout
    done = _run(installed / "negsim-theory", "--json", "split_the_pie", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    theory = json.loads(done.stdout)
    assert theory["scenario"] == "split_the_pie"
    assert theory["nash"]["package"]["share"] == pytest.approx(0.5)


@pytest.mark.slow
def test_every_other_command_starts_from_the_wheel(installed, elsewhere):
    done = _run(installed / "negsim", "--help", cwd=elsewhere)
    assert done.returncode == 0 and "Most used settings" in done.stdout, done.stderr
    assert "us_china_2024" in done.stdout
    commands = ("negsim-merge", "negsim-sweep", "negsim-sensitivity", "negsim-tournament")
    for command in (*commands, "negsim-dashboard"):
        done = _run(installed / command, "--help", cwd=elsewhere)
        assert done.returncode == 0 and done.stdout.startswith("usage:"), (command, done.stderr)
    done = _run(installed / "negsim-tournament", "classroom", "--out", "classroom", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "classroom" / "summary.json").is_file()
    done = _run(
        installed / "python",
        "-c",
        "from sim.sensitivity.config import load_config\n"
        "for name in ('us_china_pressure', 'us_china_screening'):\n"
        "    print(load_config(name).source)",
        cwd=elsewhere,
    )
    assert done.returncode == 0, done.stderr
    assert all(Path(line).is_relative_to(installed.parent) for line in done.stdout.split())
    done = _run(
        installed / "python",
        "-c",
        "import sim; print(sim.simulate('tactical_pause', 30, seed=2).summary['replications'])",
        cwd=elsewhere,
    )
    assert done.returncode == 0 and done.stdout.strip() == "30", done.stderr
