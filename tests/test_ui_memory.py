"""Memory in the web app: a browser session that ends lets its clinics go and gives memory back.

The server-wide figure (resident memory over ten rounds of ten sessions) is measured by
``python benchmarks/ui.py --memory``; these tests check the behaviour behind it.
"""

from __future__ import annotations

import gc
import threading
import weakref

import ipyvuetify as v
from ui_helpers import wait_for

from alliance_sim.engines.agent.model import ClinicModel
from alliance_sim.ui.explore_page import Explore


def test_closing_a_browser_session_frees_its_clinics(monkeypatch):
    import solara.comm

    made: list[weakref.ref] = []
    real_init = ClinicModel.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(ClinicModel, "__init__", recording_init)
    rc = solara.render(Explore(), handle_error=False)[1]  # no reference to its widgets kept
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()  # a second clinic replaces the first
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert len(made) == 2
    rc.close()  # the browser session ends, as when the server closes a tab's session
    del rc
    # Outside a server, Solara keeps every widget's stand-in connection in a debugging
    # registry (a server's widgets talk to the browser instead): let those go.
    solara.comm.orphan_comm_stacks.clear()
    gc.collect()
    assert [ref() for ref in made] == [None, None]


def test_a_session_that_ends_asks_for_its_memory_back_once_for_a_burst(monkeypatch):
    import alliance_sim.ui.memory as memory

    trims = []
    done = threading.Event()
    monkeypatch.setattr(memory, "RELEASE_DELAY_S", 0.2)

    def recording_trim() -> bool:
        trims.append(True)
        done.set()
        return True

    monkeypatch.setattr(memory, "trim_heap", recording_trim)
    for _ in range(5):  # five tabs closing at once
        memory.release_memory_soon()
    assert done.wait(10)
    assert wait_for(lambda: memory._pending.acquire(blocking=False), 10)
    memory._pending.release()
    assert trims == [True]


def test_trimming_the_heap_works_here_or_says_it_cannot():
    from alliance_sim.ui.memory import trim_heap

    assert trim_heap() in (True, False)


def test_the_server_frees_sessions_whose_browser_went_away_after_ten_minutes(monkeypatch):
    from alliance_sim.ui.server import SESSION_TIMEOUT, server_environment

    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    assert SESSION_TIMEOUT == "10m"
    assert server_environment()["SOLARA_KERNEL_CULL_TIMEOUT"] == "10m"
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "1h")  # the user's choice stands
    assert server_environment()["SOLARA_KERNEL_CULL_TIMEOUT"] == "1h"


def test_the_memory_benchmark_reports_the_server_memory_after_every_round():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    from alliance_sim.ui.browser import INSTALL_HINT, find_chromium

    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "ui.py"
    options = ["--memory", "--json", "--memory-rounds", "2", "--sessions", "2"]
    options += ["--memory-steps", "1", "--settle", "1"]
    completed = subprocess.run(
        [sys.executable, str(script), *options],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(completed.stdout)
    assert len(result["rss_mb_after_round"]) == 2
    assert all(rss > 50 for rss in result["rss_mb_after_round"])
    assert result["sessions_left_after_round"] == [0, 0]  # closed tabs leave nothing behind
    assert result["errors"] == 0
    assert (
        result["last_over_first"]
        == result["rss_mb_after_round"][1] / result["rss_mb_after_round"][0]
    )


def test_the_server_leaves_its_libraries_out_of_collection_and_collects_in_full_rarely():
    from alliance_sim.ui import app

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # Python's defaults, as a fresh server starts
        gc.unfreeze()  # as before the first import (importing the app froze them already)
        assert gc.get_freeze_count() == 0
        app.settle_imports()
        assert gc.get_freeze_count() > 100_000  # Solara, pandas, matplotlib, Mesa …
        assert gc.get_threshold() == (700, 10, app.FULL_COLLECTION_AFTER)
        assert app.FULL_COLLECTION_AFTER > 10
    finally:
        gc.set_threshold(*before)
