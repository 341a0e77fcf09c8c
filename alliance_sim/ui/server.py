"""Serve the web app: ``solara run`` on the app module, offline and without telemetry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SESSION_TIMEOUT",
    "serve",
    "server_command",
    "server_environment",
]

DEFAULT_HOST = "127.0.0.1"
"""The app listens only on this machine unless told otherwise."""
DEFAULT_PORT = 8765

APP_MODULE = "alliance_sim.ui.app"

SESSION_TIMEOUT = "10m"
"""How long the server keeps a session whose browser went away without closing it.

A tab that closes tells the server, which frees the session at once. A browser
that crashed, a laptop that went to sleep or a network that dropped says nothing;
Solara's default keeps such a session for 24 hours, and a classroom server
collected them all day. A page that comes back within this time carries on; after
it, the page reloads with a new session. ``SOLARA_KERNEL_CULL_TIMEOUT`` (such as
``1h``) overrides it.
"""


def server_environment() -> dict[str, str]:
    """The environment for the server: no telemetry, front-end assets served locally.

    Sessions whose browser went away are freed after :data:`SESSION_TIMEOUT`.
    """
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_ASSETS_FONTAWESOME_ENABLED"] = "False"  # would come from a CDN
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # "This website runs on Solara" covered the numbers
    env.setdefault("SOLARA_THEME_TITLE", "alliance-sim")
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", SESSION_TIMEOUT)
    # Solara warns on every page load that plain http falls back to SameSite=Lax cookies;
    # on 127.0.0.1 that is expected, so the warning only hides real messages.
    env["PYTHONWARNINGS"] = "ignore::UserWarning:solara.server.starlette"
    return env


def server_command(host: str, port: int) -> list[str]:
    """The command line that starts the server (in production mode, no browser)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def wait_until_ready(url: str, timeout_s: float = 60.0) -> bool:
    """Poll the server's readiness endpoint; True once it answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Run the app until Ctrl-C; opens it in the browser once it is ready (where there is one)."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown_host}:{port}"
    print(f"alliance-sim web app: {url}  (listening on {host}:{port}; Ctrl-C stops it)", flush=True)
    process = subprocess.Popen(server_command(host, port), env=server_environment())

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM / SIGHUP stop the server like Ctrl-C does

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)

    def open_when_ready() -> None:
        if wait_until_ready(url):
            webbrowser.open(url)

    if open_browser:
        threading.Thread(target=open_when_ready, daemon=True).start()
    try:
        return process.wait()
    except KeyboardInterrupt:
        print("alliance-sim web app: stopping", flush=True)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
