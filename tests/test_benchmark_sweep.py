"""benchmarks/sweep.py runs and reports every figure it promises (its numbers are not tested)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

SWEEP_KEYS = (
    "sobol_wall_s",
    "runs_per_s",
    "vs_agent_engine",
    "peak_mem_mb_2k",
    "peak_mem_mb_22k",
    "dask_vs_default",
)


def test_the_sweep_benchmark_prints_one_json_object_with_every_promised_figure():
    completed = subprocess.run(
        [
            *(sys.executable, str(BENCHMARKS / "sweep.py"), "--json"),
            *("--n", "4", "--patients", "10", "--sessions", "3"),
            *("--agent-runs", "2", "--dask-runs", "16", "--memory-runs", "20,40", "--workers", "1"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(completed.stdout)
    for key in SWEEP_KEYS:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert math.isfinite(value) and value > 0, key
    assert result["runs"] == 4 * 22
    assert result["vs_agent_engine"] == result["runs_per_s"] / result["agent_runs_per_s"]
    assert result["memory_runs"] == [20, 40]
    assert set(result["targets"]) and all(isinstance(v, bool) for v in result["targets"].values())


def test_the_sweep_benchmark_refuses_an_n_that_is_not_a_power_of_two():
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "sweep.py"), "--n", "1000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "--n" in completed.stderr and "power of two" in completed.stderr
    assert "Traceback" not in completed.stderr
