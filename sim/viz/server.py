"""Serving the dashboard: solara in a child process, its address printed once the page answers.

``solara run`` prints its address before it accepts connections (6 to 10 s before, on a busy
machine), so a user who clicks it at once gets an error page. Here the address is printed only
after an HTTP GET to it succeeds; if the page never answers, one line says so and the command
exits with status 1. Solara's own "starting at" line is left out, and its version check (a
request to pypi.org at every start) is off: the dashboard works without internet.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
import threading
import time
import urllib.request

READY_TIMEOUT_S = 90.0
SOLARA_STARTING = "Solara server is starting at"
# Solara warns on every first page load over plain http that its cookie falls back to samesite=lax.
QUIET_WARNINGS = "ignore:Cookies with samesite=none:UserWarning"


def solara_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.viz.dashboard:Page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def port_in_use(host: str, port: int) -> bool:
    """True if something else already listens on ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _forward(stream, out) -> None:
    """Copy the child's output, without solara's premature "starting at" line."""
    for line in stream:
        if not line.startswith(SOLARA_STARTING):
            out.write(line)
            out.flush()


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serve(
    url: str, command: list[str], env: dict[str, str], timeout: float = READY_TIMEOUT_S
) -> int:
    """Run ``command`` (the server), print ``url`` once it answers, and wait for the server to
    stop (Ctrl-C stops it). Returns the exit status for the command line."""
    env = {
        **env,
        "PYTHONWARNINGS": ",".join(filter(None, (env.get("PYTHONWARNINGS"), QUIET_WARNINGS))),
    }
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    forward = threading.Thread(target=_forward, args=(child.stdout, sys.stdout), daemon=True)
    forward.start()
    try:
        deadline = time.monotonic() + timeout
        while not answers(url):
            stopped = child.poll() is not None
            if stopped or time.monotonic() > deadline:
                why = (
                    f"the server stopped (exit status {child.returncode}; its output is above)"
                    if stopped
                    else f"no answer within {timeout:.0f} s"
                )
                _stop(child)
                forward.join(timeout=5)
                print(f"negsim-dashboard: error: {url} did not come up: {why}", file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"negsim-dashboard: {url}  (Ctrl-C stops it)", flush=True)
        return child.wait()
    except KeyboardInterrupt:
        _stop(child)  # a terminal's Ctrl-C reaches the child too; this covers the rest
        return 130
    finally:
        _stop(child)
        forward.join(timeout=5)
