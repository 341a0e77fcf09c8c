"""Ctrl-C and unreachable schedulers: one line, exit 130 or 2, no worker or Dask tracebacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from test_batch_cli import GRID_SPEC

from alliance_sim.cli import main


def _interrupt_a_sweep(tmp_path, executor: str, start_seconds: float, stop_seconds: float):
    """Start a sweep of 240 runs, send the terminal's SIGINT once a part is written."""
    spec = tmp_path / "spec.toml"
    spec.write_text(
        GRID_SPEC.replace("n_patients = 20", "n_patients = 100")
        .replace("n_sessions = 4", "n_sessions = 10")
        .replace("replicates = 4", "replicates = 40")
    )
    folder = tmp_path / "out"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "alliance_sim", "sweep", str(spec), "--results", str(folder)),
            *("--executor", executor, "--workers", "2", "--quiet"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A shell without job control starts background jobs with SIGINT ignored, and an
        # ignored signal stays ignored across exec: give the sweep the terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + start_seconds
        while not list((folder / "runs").glob("part-*.parquet")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to the whole group
        _, err = process.communicate(timeout=stop_seconds)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, err, spec, folder


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_ctrl_c_stops_the_sweep_in_one_line_and_the_same_command_resumes(
    capsys, tmp_path, executor
):
    # Before (Dask): the local cluster's workers got the terminal's SIGINT too and printed
    # KeyboardInterrupt tracebacks, and Dask logged each task cut short by the close.
    if executor == "dask":
        pytest.importorskip("distributed")
    code, err, spec, folder = _interrupt_a_sweep(tmp_path, executor, 180, 120)
    assert code == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "interrupted" in lines[0] and "run the same command again to resume" in lines[0]
    code = main(["sweep", str(spec), "--results", str(folder), "--executor", "serial", "--quiet"])
    assert code == 0 and "resuming" in capsys.readouterr().out
    assert pd.read_parquet(folder / "runs")["run_id"].tolist() == list(range(240))


@pytest.mark.parametrize("address", ["foo://nowhere", "tls://127.0.0.1:9"])
def test_a_scheduler_that_cannot_be_reached_is_one_line_with_no_noise_after_it(tmp_path, address):
    # Before: Dask's Client.__del__ printed a TimeoutError traceback 10 s after the
    # message (and a TLS address without certificates was a TypeError traceback).
    pytest.importorskip("distributed")
    spec = tmp_path / "spec.toml"
    spec.write_text(GRID_SPEC)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "alliance_sim", "sweep", str(spec)),
            *("--results", str(tmp_path / "out"), "--executor", "dask", "--scheduler", address),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        line
        for line in done.stderr.strip().splitlines()
        if "cannot reach the Dask scheduler" in line
    ]
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # a sweep that could not start leaves no folder
