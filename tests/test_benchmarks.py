"""The benchmark scripts run and report every figure they promise (their numbers are not tested)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

ENGINE_KEYS = (
    "agent_sessions_per_s",
    "batch_run_sessions_per_s",
    "cohort_sessions_per_s",
    "cohort_vs_agent",
    "cohort_vs_rng_floor",
    "peak_mem_mb_1k",
    "peak_mem_mb_10k",
    "agent_run_s",
)


def test_the_engines_benchmark_prints_one_json_object_with_every_promised_figure():
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "engines.py"),
            "--json",
            "--replicates",
            "12",
            "--agent-runs",
            "1",
            "--batch-runs",
            "1",
            "--memory-replicates",
            "4,8",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result = json.loads(completed.stdout)
    for key in ENGINE_KEYS:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert math.isfinite(value) and value > 0, key
    ratio = result["cohort_sessions_per_s"] / result["agent_sessions_per_s"]
    assert result["cohort_vs_agent"] == ratio
    assert result["replicates"] == 12
    assert set(result["targets"]) and all(isinstance(v, bool) for v in result["targets"].values())


def test_the_engines_benchmark_rejects_a_bad_option_with_a_message():
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "engines.py"), "--replicates", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "--replicates" in completed.stderr
    assert "Traceback" not in completed.stderr


UI_KEYS = (
    "start_to_first_paint_s",
    "page_load_s",
    "step_500_median_ms",
    "step_500_worst_ms",
    "concurrent_median_ms",
    "concurrent_worst_ms",
    "memory_per_session_mb",
    "server_rss_mb",
)


def test_the_ui_benchmark_prints_one_json_object_with_every_promised_figure():
    import os

    import pytest

    from alliance_sim.ui.browser import INSTALL_HINT, find_chromium

    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "ui.py"),
            "--json",
            "--steps",
            "2",
            "--sessions",
            "2",
            "--rounds",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(completed.stdout)
    for key in UI_KEYS:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert math.isfinite(value), key
    assert result["sessions"] == 2
    assert result["step_500_errors"] == 0 and result["concurrent_errors"] == 0
    assert result["blocked_requests"] == 0
    assert set(result["targets"]) and all(isinstance(v, bool) for v in result["targets"].values())
