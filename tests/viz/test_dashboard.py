"""The instructor dashboard: its logic without a browser, then the page end to end in headless
Chromium (Playwright), served by the ``negsim-dashboard`` command with no internet."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from sim.core.strategies.base import STRATEGIES
from sim.scenario.errors import ScenarioError
from sim.scenario.reading import read_scenario_file
from sim.viz import assets
from sim.viz.knobs import (
    HAWK_EVENT,
    PRESSURE_EVENT,
    SCENARIO_VARIABLE,
    Knobs,
    build_scenario,
    default_scenario,
    roles,
)
from sim.viz.live import BAND_REPLICATIONS, Dashboard, LiveRun, monte_carlo_band, status_text

ROOT = Path(__file__).resolve().parents[2]
US_CHINA = ROOT / "scenarios" / "us_china_2024.yaml"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def us_china_raw():
    return read_scenario_file(US_CHINA)


def build(raw, **knobs):
    return build_scenario(raw, Knobs("us_china_2024", **knobs), str(US_CHINA))


# --- knobs to scenario ------------------------------------------------------------------------


def test_untouched_knobs_leave_the_scenario_as_written(us_china_raw):
    built = build(us_china_raw)
    assert built.notes == []
    assert built.roles.pressured == "china" and built.roles.hawk == "us"
    assert [e.name for e in built.scenario.events] == ["hacking_warning", "election_season"]
    assert built.scenario.agent("china").red_lines == {
        "taiwan": (0.0, 0.0),
        "party_rule": (0.0, 0.0),
    }


def test_knobs_change_the_raw_scenario_and_it_is_validated(us_china_raw):
    built = build(us_china_raw, pressure=0.5, hawkishness=0.5, red_line_give=0.2)
    scenario = built.scenario
    events = {e.name: e for e in scenario.events}
    (pressure,) = events[PRESSURE_EVENT].shifts
    assert (pressure.agent, pressure.field, pressure.add) == ("china", "reservation", -0.1)
    (hawk,) = events[HAWK_EVENT].shifts
    assert (hawk.agent, hawk.field, hawk.multiply) == ("us", "e", pytest.approx(0.6))
    assert events[PRESSURE_EVENT].duration == 4 * 12  # the whole run
    assert scenario.agent("china").red_lines == {"taiwan": (0.0, 0.2), "party_rule": (0.0, 0.2)}
    assert scenario.agent("us").red_lines == {"sanctions_delisting": (0.0, 0.6)}  # not the hawk's
    assert len(built.notes) == 3
    assert read_scenario_file(US_CHINA) == us_china_raw  # the caller's mapping is not changed


def test_a_new_strategy_drops_event_shifts_it_has_no_parameter_for(us_china_raw):
    built = build(us_china_raw, strategies={"us": "tit_for_tat"}, hawkishness=1.0)
    us = built.scenario.agent("us")
    assert (us.strategy, us.strategy_params) == ("tit_for_tat", {})
    events = {e.name: e for e in built.scenario.events}
    assert "election_season" not in events  # it only shifted the US's e
    assert [s.field for s in events["hacking_warning"].shifts] == ["reservation"]
    (hawk,) = events[HAWK_EVENT].shifts
    assert (hawk.field, hawk.multiply) == ("factor", pytest.approx(0.2))


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_hawkishness_slows_the_parameter_the_strategy_declares(us_china_raw, strategy, monkeypatch):
    """The knob scales ``Strategy.concession_param``; a strategy without one gets a higher
    reservation instead."""
    cls = STRATEGIES[strategy]
    events = {
        e.name: e
        for e in build(us_china_raw, strategies={"us": strategy}, hawkishness=0.5).scenario.events
    }
    (hawk,) = events[HAWK_EVENT].shifts
    assert (hawk.agent, hawk.field, hawk.multiply) == (
        "us",
        cls.concession_param,
        pytest.approx(0.6),
    )
    monkeypatch.setattr(cls, "concession_param", None)
    events = {
        e.name: e
        for e in build(us_china_raw, strategies={"us": strategy}, hawkishness=0.5).scenario.events
    }
    (hawk,) = events[HAWK_EVENT].shifts
    assert (hawk.field, hawk.add, hawk.multiply) == ("reservation", pytest.approx(0.1), 1.0)


def test_bad_settings_get_the_usual_scenario_error(us_china_raw):
    with pytest.raises(
        ScenarioError, match=r"agents\.us\.strategy\.name: .*did you mean 'tit_for_tat'"
    ):
        build(us_china_raw, strategies={"us": "titfortat"})
    with pytest.raises(ScenarioError, match=r"by_session\[0\]: must be <= 1"):
        raw = {**us_china_raw, "pressures": {"economic": {"agent": "china", "by_session": [0.2]}}}
        build(raw, pressure=1.5)
    broken = {**us_china_raw, "events": ["election"], "pressures": 3}
    with pytest.raises(ScenarioError, match=r"events: expected a non-empty mapping"):
        build(broken, pressure=0.5, hawkishness=0.5, red_line_give=0.1)


def test_a_pressure_path_is_held_constant(us_china_raw):
    raw = {
        **us_china_raw,
        "pressures": {
            "economic": {
                "agent": "china",
                "concession": 1.5,
                "reservation": -0.1,
                "ar1": {"start": 0.2, "mean": 0.5, "phi": 0.8, "sigma": 0.1},
            }
        },
    }
    assert roles(raw).pressured == "china"
    built = build(raw, pressure=0.7)
    (spec,) = built.scenario.pressures
    assert spec.by_session == (0.7,) * 4
    assert PRESSURE_EVENT not in {e.name for e in built.scenario.events}
    run = LiveRun(built.scenario, seed=1)
    for _ in range(15):
        run.step()
    assert run.history_frame()["pressure_economic"].tolist() == [0.7] * 15


def test_the_tactical_pause_opens_by_default(monkeypatch):
    monkeypatch.delenv(SCENARIO_VARIABLE, raising=False)
    available = {"us_china_2024": US_CHINA, "tactical_pause": ROOT / "x.yaml"}
    assert default_scenario(available) == "tactical_pause"
    assert default_scenario({"us_china_2024": US_CHINA}) == "us_china_2024"


# --- running ----------------------------------------------------------------------------------


def test_a_live_run_steps_round_by_round_and_says_what_happened(us_china_raw):
    run = LiveRun(build(us_china_raw).scenario, seed=2024)
    assert status_text(run).startswith("Session 1 of 4, round 1 of 12: ready")
    for _ in range(3):
        assert run.step()
    assert run.rounds_played == 3
    assert run.history_frame()["step"].tolist() == [0, 1, 2]
    text = status_text(run)
    assert text.startswith("Session 1, round 3: ")
    assert "proposed" in text
    while run.step():
        pass
    assert run.finished and "press Reset" in status_text(run)
    assert set(run.offers()["session"]) == {0, 1, 2, 3}


def test_the_band_covers_every_round_played_by_any_replication(us_china_raw):
    scenario = build(us_china_raw).scenario
    band = monte_carlo_band(scenario, seed=7, replications=64)
    assert band.replications == 64 and 0.0 <= band.agreement_rate <= 1.0
    assert np.all(np.diff(band.steps) > 0)
    assert {"cooperation_us", "cooperation_china", "offer_china_taiwan"} <= set(band.low)
    for key, low in band.low.items():
        high = band.high[key]
        assert low.shape == high.shape == band.steps.shape, key
        both = np.isfinite(low) & np.isfinite(high)
        assert np.all(low[both] <= high[both] + 1e-12), key
    # China never offers past its red line on Taiwan, in any replication.
    assert np.nanmax(band.high["offer_china_taiwan"]) == 0.0


def test_reset_with_bad_settings_keeps_the_run_and_shows_the_error():
    dashboard = Dashboard(Knobs("us_china_2024"), available={"us_china_2024": US_CHINA})
    assert dashboard.error is None and dashboard.band.replications == BAND_REPLICATIONS
    assert dashboard.step() and dashboard.step()
    run = dashboard.run
    assert not dashboard.reset(Knobs("us_china_2024", strategies={"china": "zeuthn"}))
    assert "did you mean 'zeuthen'" in dashboard.error
    assert dashboard.run is run and run.rounds_played == 2
    assert dashboard.reset(Knobs("us_china_2024", seed=3))
    assert dashboard.error is None and dashboard.run.rounds_played == 0


def test_the_command_refuses_an_unknown_scenario(capsys):
    dashboard = pytest.importorskip("sim.viz.dashboard", reason="the viz extra is not installed")
    with pytest.raises(SystemExit) as stop:
        dashboard.main(["--scenario", "us_china_2042"])
    assert stop.value.code == 2
    assert "unknown scenario 'us_china_2042'" in capsys.readouterr().err


def test_the_command_refuses_a_port_in_use(capsys):
    dashboard = pytest.importorskip("sim.viz.dashboard", reason="the viz extra is not installed")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as stop:
            dashboard.main(["--port", str(port)])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} is in use" in err


def test_the_address_is_not_printed_when_the_page_never_answers(capsys):
    from sim.viz import server

    url = f"http://127.0.0.1:{_free_port()}/"
    started = time.monotonic()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    assert server.serve(url, sleeper, dict(os.environ), timeout=1.0) == 1
    assert time.monotonic() - started < 15  # the silent server was stopped, not waited for
    out, err = capsys.readouterr()
    assert url not in out
    assert err == f"negsim-dashboard: error: {url} did not come up: no answer within 1 s\n"

    failing = [sys.executable, "-c", "print('cannot start'); raise SystemExit(3)"]
    assert server.serve(url, failing, dict(os.environ), timeout=30) == 1
    out, err = capsys.readouterr()
    assert "cannot start" in out and url not in out
    assert "the server stopped (exit status 3" in err and err.count("\n") == 1


# --- offline assets ---------------------------------------------------------------------------


def test_the_asset_list_is_what_the_installed_solara_asks_for():
    solara = pytest.importorskip("solara")
    pattern = re.compile(r"(@widgetti/[\w.-]+|requirejs|font-awesome)@(\d[\w.-]*\w)")
    wanted = set()
    for path in Path(solara.__file__).parent.rglob("*"):
        if path.suffix in {".py", ".vue", ".html", ".js", ".json"} and path.is_file():
            text = path.read_text(encoding="utf-8", errors="ignore")
            wanted |= {f"{name}@{version}" for name, version in pattern.findall(text)}
    assert wanted <= set(assets.PACKAGES)


def _npm_tarball(path: Path, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_a_package_is_unpacked_without_npm_s_top_folder(tmp_path):
    tarball = tmp_path / "pkg.tgz"
    _npm_tarball(tarball, {"package.json": "{}", "dist/main.js": "x"})
    target = tmp_path / "cache" / "@scope" / "pkg@1.0.0"
    target.parent.mkdir(parents=True)
    assets._unpack(tarball, target)
    assert (target / "dist" / "main.js").read_text() == "x"
    assert sorted(p.name for p in target.parent.iterdir()) == ["pkg@1.0.0"]


def test_filling_skips_packages_already_there(tmp_path):
    for spec in assets.PACKAGES[1:]:
        (tmp_path / spec).mkdir(parents=True)
        (tmp_path / spec / "package.json").write_text("{}")
    assert assets.missing(tmp_path) == [assets.PACKAGES[0]]
    with pytest.raises(RuntimeError, match="npm is needed"):
        assets.fill(tmp_path, npm="no-such-npm")
    (tmp_path / assets.PACKAGES[0]).mkdir(parents=True)
    (tmp_path / assets.PACKAGES[0] / "package.json").write_text("{}")
    assert assets.fill(tmp_path, npm="no-such-npm") == []  # nothing to fetch: npm not called


# --- the page in a browser --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_address(server: subprocess.Popen, lines: list[str], timeout: float) -> str:
    """The address the command prints; at that moment the page must already answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        printed = [line for line in lines if line.startswith("negsim-dashboard: http://")]
        if printed:
            url = printed[0].split()[1]
            with urllib.request.urlopen(url, timeout=2) as response:  # once, no retry
                assert response.status == 200
            return url
        if server.poll() is not None:
            pytest.fail(f"the dashboard server exited ({server.returncode}):\n{''.join(lines)}")
        time.sleep(0.02)
    pytest.fail(f"the dashboard printed no address within {timeout:.0f} s:\n{''.join(lines)}")


@pytest.fixture
def dashboard_url(tmp_path):
    """``negsim-dashboard`` on a free local port; always stopped afterwards."""
    if not CHROMIUM.is_file():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's 'chromium' package "
            "(make test does it when run as root)"
        )
    pytest.importorskip("playwright", reason="the viz extra is not installed")
    lacking = assets.missing()
    assert not lacking, (
        f"solara's browser assets are missing ({lacking}): run make or python -m sim.viz.assets"
    )
    port = _free_port()
    command = Path(sys.executable).with_name("negsim-dashboard")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONUNBUFFERED": "1"}
    env.pop(SCENARIO_VARIABLE, None)  # the default scenario
    server = subprocess.Popen(
        [str(command), "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    try:
        url = _wait_for_address(server, lines, timeout=90)
        assert url == f"http://127.0.0.1:{port}/"
        yield url, lines
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        reader.join(timeout=5)
        (tmp_path / "server.log").write_text("".join(lines))


def _rounds_played(page) -> int:
    text = page.get_by_test_id("rounds-played").inner_text()
    return int(text.removeprefix("Rounds played:").strip())


def _wait_for_rounds(page, expected: int) -> None:
    page.wait_for_function(
        "n => document.querySelector('[data-testid=rounds-played]')?.innerText"
        " === `Rounds played: ${n}`",
        arg=expected,
        timeout=20_000,
    )


def test_the_page_renders_offline_and_steps(dashboard_url, tmp_path):
    from playwright.sync_api import sync_playwright

    url, server_output = dashboard_url
    requests: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1200})
            page.set_default_timeout(30_000)
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "response",
                lambda response: (
                    failed.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            page.goto(url)
            page.get_by_test_id("rounds-played").wait_for(timeout=60_000)
            assert "Loading app" not in page.locator("body").inner_text()
            assert _rounds_played(page) == 0

            step = page.get_by_role("button", name="Step", exact=True)
            for expected in (1, 2, 3):
                step.click()
                _wait_for_rounds(page, expected)
            assert page.get_by_test_id("status").inner_text().startswith("Session 1, round 3:")

            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function(
                "() => parseInt(document.querySelector('[data-testid=rounds-played]')"
                ".innerText.split(':')[1]) >= 5",
                timeout=30_000,
            )
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).wait_for()
            time.sleep(1.0)
            paused_at = _rounds_played(page)
            time.sleep(1.5)
            assert _rounds_played(page) == paused_at >= 5

            # The two figures are drawn images, not empty placeholders.
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert sum(w >= 600 for w in widths) >= 2, widths
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)

            # A knob takes effect on Reset, which starts a new run.
            page.get_by_text(re.compile(r"^(Hold|Set) China's economic pressure")).click()
            page.get_by_text("Settings changed: press Reset to apply them.").wait_for()
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_for_rounds(page, 0)
            page.get_by_text(re.compile(r"held at 0\.5|pressure 0\.5 lowers")).wait_for()
            assert page.get_by_text("Settings changed").count() == 0
        finally:
            browser.close()

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000, "the screenshot looks blank"
    hosts = {
        urlparse(u).hostname
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts <= LOCAL_HOSTS, f"requests left the machine: {sorted(hosts - LOCAL_HOSTS)}"
    assert not failed, failed
    output = "".join(server_output)
    assert "Could not load URL" not in output, output  # the CDN proxy found every asset
    assert "Traceback" not in output, output
    assert "Solara server is starting" not in output, output  # only our line, once it answers
    print(json.dumps({"screenshot": str(shot), "requests": len(requests)}))
