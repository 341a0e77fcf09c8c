"""Drive the app as a user would: a real ``alliance-sim ui`` server and headless Chromium.

Shared by the browser tests and ``benchmarks/ui.py``. Chromium is Debian's
(``apt-get install -y chromium``), driven by Playwright's Python package; no
browser is ever downloaded (never run ``playwright install``). Every request
that does not go to the app's own server is refused and recorded, so a page
that works here works offline.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_sim.ui.server import wait_until_ready

__all__ = [
    "CHROMIUM_ARGS",
    "INSTALL_HINT",
    "AppServer",
    "find_chromium",
    "free_port",
    "launch_chromium",
    "offline_context",
    "running_app",
]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = (
    "--no-sandbox",  # needed as root (CI containers)
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
INSTALL_HINT = (
    "Chromium is not installed: browser tests need Debian's chromium "
    "(sudo apt-get update && sudo apt-get install -y chromium) or ALLIANCE_SIM_CHROMIUM="
    "/path/to/chromium; never run `playwright install`"
)


def find_chromium() -> str | None:
    """The Chromium executable: ``$ALLIANCE_SIM_CHROMIUM`` or Debian's; None when absent."""
    configured = os.environ.get("ALLIANCE_SIM_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).with_name("alliance-sim")
    if script.exists():
        return [str(script)]
    found = shutil.which("alliance-sim")
    return [found] if found else [sys.executable, "-m", "alliance_sim.cli"]


@dataclass
class AppServer:
    """A running ``alliance-sim ui`` server."""

    process: subprocess.Popen[str]
    url: str
    announcement: str
    """The first line the command printed (where it listens)."""
    started_s: float
    """``time.perf_counter()`` when the command was started."""
    ready_s: float
    """Seconds from start until ``/readyz`` answered."""
    output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES_KEPT))
    """The server's latest output lines (read all along, so the server never blocks writing)."""

    def rss_mb(self) -> float:
        """Resident memory of the server (the solara process), in MB (Linux)."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total


OUTPUT_LINES_KEPT = 200


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


@contextmanager
def running_app(port: int | None = None, timeout_s: float = 90.0) -> Iterator[AppServer]:
    """Start ``alliance-sim ui --no-browser`` on a free port; stop it afterwards."""
    port = port or free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*_command(), "ui", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: deque[str] = deque(maxlen=OUTPUT_LINES_KEPT)

    def keep_reading() -> None:  # an unread pipe fills up and then stops the server
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip("\n"))

    try:
        assert process.stdout is not None
        announcement = process.stdout.readline().strip()
        threading.Thread(target=keep_reading, daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        if not wait_until_ready(url, timeout_s):
            raise RuntimeError(
                f"the app did not start within {timeout_s} s: {announcement}\n" + "\n".join(output)
            )
        ready = time.perf_counter() - started
        yield AppServer(process, url, announcement, started, ready, output)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright (raises if it is not installed)."""
    executable = find_chromium()
    if executable is None:
        raise RuntimeError(INSTALL_HINT)
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


@dataclass
class Offline:
    """What a browser context tried to fetch from anywhere but the app, and page errors."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def offline_context(browser: Any, app_url: str, **options: Any) -> tuple[Any, Offline]:
    """A new browser context that can reach only ``app_url``; the rest is refused, recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **options)
    record = Offline()

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(app_url):
            request_route.continue_()
        else:
            record.blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)

    def on_page(page: Any) -> None:
        page.on("pageerror", lambda error: record.errors.append(str(error)))

    context.on("page", on_page)
    return context, record
