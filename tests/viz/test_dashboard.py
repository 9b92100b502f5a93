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
from sim.viz.band import BAND_REPLICATIONS, monte_carlo_band
from sim.viz.knobs import (
    HAWK_EVENT,
    PRESSURE_EVENT,
    SCENARIO_VARIABLE,
    Knobs,
    build_scenario,
    default_scenario,
    roles,
)
from sim.viz.live import Dashboard, LiveRun, snapshot, status_text

ROOT = Path(__file__).resolve().parents[2]
US_CHINA = ROOT / "scenarios" / "us_china_2024.yaml"
TACTICAL_PAUSE = ROOT / "scenarios" / "tactical_pause.yaml"
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
    # It keeps only its shift of the US win-set: tit-for-tat has no e.
    assert [s.field for s in events["election_season"].shifts] == ["threshold"]
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


def test_the_band_has_a_value_in_every_round_of_the_run(us_china_raw):
    """Rounds a settled session skips keep what it settled on, so the band has no gaps."""
    scenario = build(us_china_raw).scenario
    band = monte_carlo_band(scenario, seed=7, replications=64)
    assert band.replications == 64 and 0.0 <= band.agreement_rate <= 1.0
    negotiation = scenario.negotiation
    assert band.steps.tolist() == list(range(negotiation.sessions * negotiation.rounds))
    assert {"cooperation_us", "cooperation_china", "offer_china_taiwan"} <= set(band.low)
    for key, low in band.low.items():
        high = band.high[key]
        assert low.shape == high.shape == band.steps.shape, key
        both = np.isfinite(low) & np.isfinite(high)
        assert np.all(low[both] <= high[both] + 1e-12), key
        if not key.startswith("offer_"):  # an offer only exists once its agent has proposed
            assert both.all(), key
    # China never offers past its red line on Taiwan, in any replication.
    assert np.nanmax(band.high["offer_china_taiwan"]) == 0.0


def test_the_pause_window_is_the_one_negsim_reports_for_the_same_runs():
    """The band's window comes from the same per-round sums as ``negsim``'s summary and
    cooperation.png (sim.analysis.pause.pause_window over sim.engine.montecarlo.simulate)."""
    from sim.analysis.pause import pause_window, rounds_table
    from sim.engine.montecarlo import simulate

    scenario = build_scenario(
        read_scenario_file(TACTICAL_PAUSE), Knobs("tactical_pause"), str(TACTICAL_PAUSE)
    ).scenario
    band = monte_carlo_band(scenario, seed=11, replications=120)
    result = simulate(scenario, 120, seed=11, compare_theory=False)
    window = pause_window(rounds_table(scenario, result.rounds), "china")
    assert window["found"], window
    rounds = scenario.negotiation.rounds
    first = (window["start"]["session"] - 1) * rounds + window["start"]["round"] - 1
    last = (window["end"]["session"] - 1) * rounds + window["end"]["round"] - 1
    assert band.pause == {"china": (first, last)}
    # Without pressures there is no window to shade.
    assert monte_carlo_band(build(read_scenario_file(US_CHINA)).scenario, 1, 32).pause == {}


def test_the_truth_beside_the_belief_is_the_run_without_the_pressure():
    """A round in which the target looks soft is genuine where it would look soft without the
    pressure too (same draws), tactical where only the pressure lifts it above the signal."""
    from sim.core.model import NegotiationModel

    scenario = build_scenario(
        read_scenario_file(TACTICAL_PAUSE), Knobs("tactical_pause"), str(TACTICAL_PAUSE)
    ).scenario
    spec = scenario.misread
    run = LiveRun(scenario, seed=1)  # a seed whose run reads both ways (tactical and genuine)
    texts = []
    while run.step():
        texts.append(status_text(run))
    truth = run.truth()
    negotiation = scenario.negotiation
    assert truth.shape == (negotiation.sessions * negotiation.rounds,)
    looked = run.model.cooperation_path[spec.target][0]  # float32: compare off the signal
    without = NegotiationModel(scenario, 1, 1, pressure_effects=False).run()
    would = without.cooperation_path[spec.target][0]
    expected = np.where(looked > spec.signal, (would > spec.signal).astype(float), np.nan)
    clear = (abs(looked - spec.signal) > 1e-6) & (abs(would - spec.signal) > 1e-6)
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(truth[clear], expected[clear])
    assert {0.0, 1.0} <= set(truth[np.isfinite(truth)])  # this run shows both
    assert any("in truth tactical" in t for t in texts)
    assert any("in truth genuine" in t for t in texts)
    # The live run is untouched by its counterfactual: the same as a run of its own.
    alone = NegotiationModel(scenario, 1, 1).run()
    np.testing.assert_array_equal(looked, alone.cooperation_path[spec.target][0])
    # No misread signal, no truth.
    assert LiveRun(build(read_scenario_file(US_CHINA)).scenario, seed=1).truth() is None


def test_the_live_paths_hold_between_rounds_like_the_band(us_china_raw):
    run = LiveRun(build(us_china_raw).scenario, seed=2024)
    while run.step():
        pass
    path = run.paths()["cooperation_china"]
    np.testing.assert_allclose(path, run.model.cooperation_path["china"][0], rtol=1e-6)
    band = monte_carlo_band(run.scenario, seed=2024, replications=16)
    assert set(run.paths()) <= set(band.low)


# --- figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tactical_pause", "us_china_2024", "split_the_pie"])
def test_figures_are_readable_at_their_natural_size_and_layers_line_up(name):
    """Every text is at least 14 px (a point is a pixel at DPI 72), and the overlay's axes sit
    exactly on the background's, so the live lines land on the band."""
    from matplotlib.colors import to_hex

    from sim.viz.plots import (
        DPI,
        FONT_PX,
        PAUSE_COLOUR,
        WIDTH_PX,
        CooperationPlot,
        OffersPlot,
        smallest_font_px,
    )

    path = ROOT / "scenarios" / f"{name}.yaml"
    scenario = build_scenario(read_scenario_file(path), Knobs(name), str(path)).scenario
    band = monte_carlo_band(scenario, seed=3, replications=16)
    run = LiveRun(scenario, seed=3)
    for _ in range(5):
        run.step()
    view = snapshot(run)
    for kind in (CooperationPlot, OffersPlot):
        plot = kind(scenario, band)
        assert plot.background.dpi == plot.overlay.dpi == DPI
        assert plot.background.get_size_inches()[0] * DPI == WIDTH_PX
        png = plot.background_png()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert smallest_font_px(plot.background) >= FONT_PX, kind.__name__
        for back, front in zip(plot.background.axes, plot.overlay.axes, strict=True):
            assert back.get_position().bounds == front.get_position().bounds
            assert back.get_xlim() == front.get_xlim() and back.get_ylim() == front.get_ylim()
        svg = plot.overlay_svg(view)
        assert svg.lstrip().startswith(b"<?xml") and b"<path" in svg
        assert any(len(line.get_xdata()) for ax in plot.overlay.axes for line in ax.lines)
        assert plot.background_png() is png  # drawn once per run, not per round
    shaded = [
        patch
        for patch in CooperationPlot(scenario, band).background.axes[0].patches
        if to_hex(patch.get_facecolor(), keep_alpha=False) == PAUSE_COLOUR
    ]
    windows = [w for w in band.pause.values() if w is not None]
    assert len(shaded) == len(windows) == (name == "tactical_pause")
    for patch, (first, last) in zip(shaded, windows, strict=True):
        x0, x1 = patch.get_patch_transform().transform([(0, 0), (1, 0)])[:, 0]
        assert (x0, x1) == (first - 0.5, last + 0.5)


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


def test_the_smallest_font_counts_tick_labels_and_legends():
    from matplotlib.figure import Figure

    from sim.viz.plots import smallest_font_px

    fig = Figure(dpi=72)
    ax = fig.subplots()
    ax.set_title("title", fontsize=20)
    ax.tick_params(labelsize=7)  # tick labels exist only once laid out
    assert smallest_font_px(fig) == 7
    ax.tick_params(labelsize=16)
    ax.plot([0, 1], label="line")
    ax.legend(fontsize=6)
    assert smallest_font_px(fig) == 6
    fig.set_dpi(144)  # twice the pixels per point
    assert smallest_font_px(fig) == 12


# --- the page without a browser ------------------------------------------------------------


def test_a_step_sends_only_the_live_layer_and_reset_redraws_the_settings(monkeypatch):
    """The page rendered in process: Step changes the counters, the status and the overlay,
    never the background image; a knob and Reset apply it and clear the warning."""
    solara = pytest.importorskip("solara", reason="the viz extra is not installed")
    import ipyvuetify as v
    import ipywidgets

    from sim.viz.dashboard import Page

    monkeypatch.delenv(SCENARIO_VARIABLE, raising=False)
    _, rc = solara.render(Page(), handle_error=False)

    def images() -> list[bytes]:
        return [bytes(image.value) for image in rc.find(ipywidgets.Image).widgets]

    def text(test_id: str) -> str:
        return rc.find(v.Html, attributes={"data-testid": test_id}).widget.children[0]

    background, overlay = images()
    status = text("status")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert text("rounds-played") == "Rounds played: 1" and text("status") != status
    after = images()
    assert after[0] == background and after[1] != overlay
    assert after[1].lstrip().startswith(b"<?xml")

    warning = "Settings changed: press Reset to apply them."
    rc.find(v.Switch).widgets[0].v_model = True  # hold the pressure constant
    assert len(rc.find(v.Alert, children=[warning]).widgets) == 1
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert len(rc.find(v.Alert, children=[warning]).widgets) == 0
    notes = [w.children[0] for w in rc.find(v.Html, class_="negsim-note").widgets]
    assert notes and "held at 0.5" in notes[0]
    assert text("rounds-played") == "Rounds played: 0"
    assert images()[0] != background  # a new run, a new band


# --- the command ------------------------------------------------------------------------------


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


SCREENSHOTS = ROOT / "results" / "dashboard_screenshots"  # git-ignored, for a human to look at
VIEWPORT = {"width": 1280, "height": 720}  # a lecture hall's projector
STEP_BUDGET_MS = 200
PLAY_MIN_ROUNDS_PER_S = 3.0


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


# Click Step in the page and time it until the counter, the status line and the figure's live
# layer have all changed and the new layer has loaded (checked every frame): what the audience
# sees, without Playwright's own overhead.
TIMED_STEP = """async (expected) => {
  const text = (id) => document.querySelector(`[data-testid=${id}]`)?.innerText;
  const layer = () => document.querySelector('.negsim-overlay');
  const status = text('status'), src = layer().src;
  const step = [...document.querySelectorAll('button')]
    .find((b) => b.innerText.trim().toLowerCase() === 'step');
  const start = performance.now();
  return await new Promise((resolve) => {
    const check = () => {
      const done = text('rounds-played') === `Rounds played: ${expected}`
        && text('status') !== status && layer().src !== src && layer().complete;
      if (done) resolve(performance.now() - start);
      else if (performance.now() - start > 10000) resolve(null);
      else requestAnimationFrame(check);
    };
    step.click();
    requestAnimationFrame(check);
  });
}"""

# The smallest text on the page, in pixels as drawn (font size times any scaling, as Vuetify's
# floating labels have), over every element with text of its own that takes up room.
SMALLEST_TEXT = """() => {
  let smallest = [Infinity, ''];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || !el.offsetHeight || style.visibility === 'hidden' || style.opacity === '0') continue;
    const drawn = parseFloat(style.fontSize) * el.getBoundingClientRect().height / el.offsetHeight;
    if (drawn < smallest[0]) smallest = [drawn, el.innerText.trim().slice(0, 40)];
  }
  return smallest;
}"""


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / shot.name).write_bytes(shot.read_bytes())
    return shot


def _layers_loaded(page) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.negsim-layer')]"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )


def _in_view(page, test_id: str) -> bool:
    box = page.get_by_test_id(test_id).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


@pytest.mark.slow
def test_the_page_renders_offline_and_steps(dashboard_url, tmp_path):
    from playwright.sync_api import sync_playwright

    url, server_output = dashboard_url
    requests: list[str] = []
    failed: list[str] = []
    shots: list[Path] = []
    measured: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
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
            _layers_loaded(page)
            assert "Loading app" not in page.locator("body").inner_text()
            assert "This website runs on" not in page.locator("body").inner_text()
            assert _rounds_played(page) == 0

            # A Step answers within the budget (the median of eight, timed in the page).
            step = page.get_by_role("button", name="Step", exact=True)
            step.click()
            _wait_for_rounds(page, 1)  # the first round also draws the first live layer
            step_ms = [page.evaluate(TIMED_STEP, n) for n in range(2, 10)]
            assert None not in step_ms, step_ms
            measured["step_ms"] = [round(ms) for ms in step_ms]
            assert sorted(step_ms)[len(step_ms) // 2] <= STEP_BUDGET_MS, step_ms
            assert page.get_by_test_id("status").inner_text().startswith("Session ")

            # Five quick clicks are five rounds.
            for _ in range(5):
                step.click(no_wait_after=True)
            _wait_for_rounds(page, 14)
            time.sleep(0.5)
            assert _rounds_played(page) == 14

            _layers_loaded(page)
            shots.append(_screenshot(page, tmp_path, "cooperation_after_14_rounds"))
            # Nothing scrolls: the status line and the whole figure stay on the screen.
            assert _in_view(page, "status")
            assert page.evaluate("document.scrollingElement.scrollHeight") <= VIEWPORT["height"]
            figure = page.locator(".negsim-figure").bounding_box()
            assert figure["y"] + figure["height"] <= VIEWPORT["height"], figure
            # Text of at least 14 px: the page's, and the figures' (14 px at natural size,
            # tested above, shown here at natural size).
            smallest, where = page.evaluate(SMALLEST_TEXT)
            measured["smallest_page_text_px"] = round(smallest, 1)
            assert smallest >= 14, (smallest, where)
            natural, shown = page.eval_on_selector(
                ".negsim-layer", "i => [i.naturalWidth, i.getBoundingClientRect().width]"
            )
            assert natural >= 600 and abs(shown - natural) <= 0.5, (natural, shown)

            # Play shows at least three rounds a second, and Pause stops it.
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_for_rounds(page, 0)
            page.get_by_role("button", name="Play", exact=True).click()
            _wait_for_rounds(page, 1)
            started = time.monotonic()
            _wait_for_rounds(page, 13)
            rate = 12 / (time.monotonic() - started)
            measured["play_rounds_per_s"] = round(rate, 2)
            assert rate >= PLAY_MIN_ROUNDS_PER_S, rate
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).wait_for()
            time.sleep(0.6)
            paused_at = _rounds_played(page)
            time.sleep(1.0)
            assert _rounds_played(page) == paused_at >= 13
            assert _in_view(page, "status")
            _layers_loaded(page)
            shots.append(_screenshot(page, tmp_path, "cooperation_after_play"))

            background = page.eval_on_selector(".negsim-layer", "i => i.src")
            page.get_by_role("tab", name="Offers per issue").click()
            page.wait_for_function(
                "src => document.querySelector('.negsim-layer').src !== src", arg=background
            )
            _layers_loaded(page)
            assert page.evaluate("document.scrollingElement.scrollHeight") <= VIEWPORT["height"]
            shots.append(_screenshot(page, tmp_path, "offers_after_play"))
            step.click()
            _wait_for_rounds(page, paused_at + 1)
            page.get_by_role("tab", name="Cooperation and belief").click()

            # A knob takes effect on Reset, which starts a new run.
            page.get_by_text(re.compile(r"^(Hold|Set) China's economic pressure")).click()
            page.get_by_text("Settings changed: press Reset to apply them.").wait_for()
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_for_rounds(page, 0)
            page.get_by_text(re.compile(r"held at 0\.5|pressure 0\.5 lowers")).wait_for()
            assert page.get_by_text("Settings changed").count() == 0
        finally:
            browser.close()

    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 50_000, f"{shot} looks blank"
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
    (SCREENSHOTS / "measurements.json").write_text(json.dumps(measured, indent=1) + "\n")
    print(json.dumps({**measured, "screenshots": [str(s) for s in shots]}))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: '99999' is not a port (1 to 65535)"),
        (["--scenario", "bad.yaml"], "bad.yaml: a: line 2: defined twice (first on line 1)"),
    ],
)
def test_the_command_refuses_bad_arguments_before_serving(
    tmp_path, monkeypatch, capsys, args, message
):
    dashboard = pytest.importorskip("sim.viz.dashboard", reason="the viz extra is not installed")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("a: 1\na: 2\n")
    with pytest.raises(SystemExit) as stop:
        dashboard.main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("negsim-dashboard: error: ") and message in err
