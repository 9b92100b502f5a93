"""The settings ``negsim`` composes without Hydra (sim/cli/composition.py) are Hydra's: the same
job config for the command lines it answers, the same one-line error for a setting that does not
exist, and no answer (Hydra's route) for everything it is not sure of."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli import app, composition, overrides
from sim.cli import command as cli

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def registered():
    app.register_resolvers()
    app.register_known_scenarios()


def short_route(*args: str) -> composition.Composed | None:
    return composition.compose(
        cli.CONF_DIR, list(args), cli._paths, cli._sources, cli.protocol_names
    )


def hydras(*args: str) -> dict:
    with initialize_config_dir(config_dir=str(cli.CONF_DIR), version_base=None):
        return OmegaConf.to_container(compose("config", overrides=list(args)), resolve=False)


SAME = [
    (),
    ("seed=3", "mc.replications=10", "scenario=split_the_pie", "protocol=issue_by_issue"),
    ("scenario.agents.us.reservation=0.25", "output.figures=false"),
    ("mc.target_se=1e-3", "seed=-4", "output.progress=TRUE", "scenario.title=hello"),
    ("mc.time_limit_s=2.5", "seed=null", "protocol=from_scenario", "mc=default", "output=default"),
    ("scenario.agents.china.strategy.name=tit_for_tat", "mc.workers=+2", "seed=0"),
    ("scenario.negotiation.rounds=7", "scenario.trust.initial=1", "output.animation=False"),
    *((f"scenario={name}",) for name in SHIPPED),
]


@pytest.mark.parametrize("args", SAME, ids=[" ".join(a) or "(none)" for a in SAME])
def test_the_short_route_composes_what_hydra_does(registered, args):
    composed = short_route(*args)
    assert composed is not None
    expected = hydras(*args)
    assert composed.config == expected
    assert list(composed.config) == list(expected)  # the order --cfg job prints
    assert OmegaConf.to_yaml(composed.config) == OmegaConf.to_yaml(expected)


def test_a_scenario_file_named_on_the_command_line(registered, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talks.yaml").write_text((ROOT / "scenarios" / "split_the_pie.yaml").read_text())
    args = app.register_scenarios(["scenario=talks.yaml", "scenario.agents.a.reservation=0.1"])
    composed = short_route(*args)
    assert composed is not None and composed.choices["scenario"] == "talks"
    assert composed.config == hydras(*args)


NOT_SURE = [
    ("mc.replications=1,2",),  # a sweep
    ("+mc.extra=1",),
    ("++seed=1",),
    ("~seed",),
    ("hydra.job.name=x",),
    ("hydra/launcher=joblib",),
    ("scenario.title='a b'",),  # quoted
    ("scenario.title=a b",),
    ("seed=${mc.workers}",),
    ("mc.replications=1_000",),
    ("seed=inf",),
    ("seed=007",),
    ("scenario.issues=3",),  # a value over a group of settings
    ("protocol=nosuch",),
    ("scenario=us_china_2024", "scenario=split_the_pie"),
    ("tournament=classroom",),
    ("scenario.agents.us.preferences=[1,2]",),
    ("scenario@x=split_the_pie",),
    ("scenario.issues.taiwan.0=1",),
]


@pytest.mark.parametrize("args", NOT_SURE, ids=[" ".join(a) for a in NOT_SURE])
def test_anything_else_goes_to_hydra(registered, args):
    assert short_route(*args) is None


MISSPELT = [
    ("mc.replicationz=3",),
    ("replications=3",),
    ("mcc.replications=3",),
    ("seed=1", "scenario.agents.nosuch.reservation=0.2"),
    ("scenario.agents.china.reservaton=0.4",),
    ("mc.replications.x=1",),
    ("scenario.events.hacking_warning.shifts.agent=x",),
    ("scenario=split_the_pie", "scenario.agents.us.reservation=0.2"),
]


@pytest.mark.parametrize("args", MISSPELT, ids=[" ".join(a) for a in MISSPELT])
def test_a_setting_that_does_not_exist_is_named_as_hydras_route_names_it(registered, args):
    with pytest.raises(overrides.CommandLineError) as hydra_route:
        overrides.check(list(args), cli.CONF_DIR)
    with pytest.raises(overrides.CommandLineError) as short:
        short_route(*args)
    assert str(short.value) == str(hydra_route.value)


def test_a_changed_conf_file_is_read_again(registered, tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    for path in cli.CONF_DIR.rglob("*.yaml"):
        (conf / path.relative_to(cli.CONF_DIR)).parent.mkdir(parents=True, exist_ok=True)
        (conf / path.relative_to(cli.CONF_DIR)).write_text(path.read_text())
    compose_in = lambda: composition.compose(  # noqa: E731
        conf, [], cli._paths, cli._sources, cli.protocol_names
    )
    assert compose_in().config["mc"]["workers"] == 1
    (conf / "mc" / "default.yaml").write_text("workers: 3\nreplications: 1e3\nwhen: 2024-01-01\n")
    assert compose_in().config["mc"] == {"workers": 3, "replications": 1000.0, "when": "2024-01-01"}
    (conf / "mc" / "default.yaml").write_text("# @package _global_\nworkers: 3\n")
    assert compose_in() is None


def run_negsim(code: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [(), ("scenario=split_the_pie", "mc.replications=5", "protocol=issue_by_issue")]
)
def test_cfg_job_prints_what_hydra_prints(tmp_path, args):
    through_hydra = (
        "import sys\nfrom sim.cli import command\nargs = command.register_scenarios(sys.argv[1:])\n"
        "from sim.cli.app import launch\nlaunch(args)\n"
    )
    short = "import sys\nfrom sim.cli import main\nsys.argv[0] = 'negsim'\nmain.main()\n"
    expected = run_negsim(through_hydra, "--cfg", "job", *args, cwd=tmp_path)
    assert run_negsim(short, "--cfg", "job", *args, cwd=tmp_path) == expected
    assert expected.startswith("scenario:\n")
