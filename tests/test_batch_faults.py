"""The runner never stalls: tasks that fail oddly, models the workers cannot load, timeouts.

Each sweep that could hang runs in a subprocess with a timeout, so that a
regression fails the test instead of hanging the suite. The subprocess writes its
run table to a Parquet file, which the test compares with the serial run table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from batch_models import RELEASE, HangingClinic

from alliance_sim.batch import ClinicSweep, Experiment, run_design
from alliance_sim.core.errors import AllianceSimError

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SUBPROCESS_TIMEOUT_S = 180
"""Far above what the sweeps below need; reached only if the runner stalls."""

SPEC = {
    "name": "faults",
    "parameters": {"n_patients": 15, "n_sessions": 3},
    "design": {"method": "lhs", "n": 24},
    "vary": {"empathy_mean": {"low": 0.1, "high": 0.9}},
    "replicates": 1,
    "outputs": ["adherence", "alliance"],
    "seed": 3,
}

PRELUDE = f"""
import sys
import pandas as pd
from alliance_sim.batch import ClinicSweep, Experiment, open_backend, run_design
experiment = Experiment.from_mapping({SPEC!r})
design = experiment.design()
clinic = ClinicSweep(experiment.base, experiment.outputs)
out = sys.argv[1]
"""


def run_script(body: str, out: Path, *, command: tuple[str, ...] = ()) -> str:
    """Run PRELUDE + ``body`` in a fresh Python; its stdout (fails the test on a stall)."""
    code = PRELUDE + textwrap.dedent(body)
    args = [sys.executable, *command] if command else [sys.executable, "-c", code]
    if command:  # a script file, for tools that run one
        script = out.with_suffix(".py")
        script.write_text(code, encoding="utf-8")
        args.append(str(script))
    try:
        done = subprocess.run(
            [*args, str(out)],
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            cwd=out.parent,
            env={**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{ROOT}"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the sweep stalled (no end within {SUBPROCESS_TIMEOUT_S} s)")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def experiment() -> Experiment:
    return Experiment.from_mapping(SPEC)


@pytest.fixture(scope="module")
def serial_runs(experiment) -> pd.DataFrame:
    design = experiment.design()
    return run_design(
        design, ClinicSweep(experiment.base, experiment.outputs), experiment.outputs
    ).runs


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=["wall_s"]).reset_index(drop=True)


def assert_same_runs(runs: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same run tables but for the wall times: every number to the last bit."""
    pd.testing.assert_frame_equal(comparable(runs), comparable(expected), check_exact=True)


def test_a_task_whose_result_cannot_come_back_is_an_error_row_and_the_sweep_goes_on(
    tmp_path, serial_runs
):
    # Before: the runner took the failed task for a dead worker and replaced the pool;
    # the old pool cancelled its queued tasks without telling wait(), and the runner
    # waited on them for ever. The runner keeps more tasks in flight than the one-worker
    # pool can start, so that some are queued in the pool when the task fails.
    out = tmp_path / "runs.parquet"
    run_script(
        """
        from batch_models import UnsendableResultClinic
        model = UnsendableResultClinic(clinic, int(design.loc[0, "seed"]))
        with open_backend("processes", 1) as backend:
            backend.workers = 3
            outcome = run_design(design, model, experiment.outputs, executor=backend)
        assert outcome.complete
        outcome.runs.to_parquet(out)
        """,
        out,
    )
    runs = pd.read_parquet(out)
    assert runs.loc[runs["status"] != "ok", "run_id"].tolist() == [0]
    assert runs.loc[0, "status"] == "error"
    assert "pickle" in runs.loc[0, "error"]
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], serial_runs[ok])


def test_a_model_the_workers_cannot_import_stops_the_sweep_at_once_with_a_message(tmp_path):
    # Before: every task killed its worker as it unpickled the model, and each run cost
    # two pool restarts (about 3 s each here) before it was recorded as failed.
    out = tmp_path / "runs.parquet"
    stdout = run_script(
        """
        from dataclasses import dataclass
        from alliance_sim.core.errors import AllianceSimError

        @dataclass(frozen=True)
        class Wrapped:  # lives in __main__, which `python -c` workers cannot import
            clinic: ClinicSweep
            def __call__(self, values, seeds):
                return self.clinic(values, seeds)

        try:
            with open_backend("processes", 2) as backend:
                run_design(design, Wrapped(clinic), experiment.outputs, executor=backend)
        except AllianceSimError as error:
            print(error)
        """,
        out,
    )
    assert "the workers cannot run the model (a worker died receiving it)" in stdout
    assert "define it in a module" in stdout


def test_a_model_that_does_not_pickle_under_a_profiler_stops_the_sweep_with_a_message(tmp_path):
    # The reported stall: a profiling script run with `python -m cProfile` wrapped the
    # model in a class of its own; under cProfile that class does not pickle, every
    # task failed in the parent, and the runner then waited for ever.
    out = tmp_path / "runs.parquet"
    stdout = run_script(
        """
        from dataclasses import dataclass
        from alliance_sim.core.errors import AllianceSimError

        @dataclass(frozen=True)
        class Timed:
            clinic: ClinicSweep
            def __call__(self, values, seeds):
                return self.clinic(values, seeds)

        try:
            with open_backend("processes", 2) as backend:
                run_design(design, Timed(clinic), experiment.outputs, executor=backend,
                           progress=lambda done, total: print(done, total))
        except AllianceSimError as error:
            print(error)
        """,
        out,
        command=("-m", "cProfile", "-o", str(tmp_path / "profile.out")),
    )
    assert "the workers cannot run the model: PicklingError" in stdout


def test_a_task_past_the_timeout_kills_its_worker_and_only_the_hanging_run_fails(
    tmp_path, serial_runs
):
    out = tmp_path / "runs.parquet"
    run_script(
        """
        from batch_models import HangingClinic
        model = HangingClinic(clinic, int(design.loc[6, "seed"]))
        with open_backend("processes", 2) as backend:
            outcome = run_design(
                design, model, experiment.outputs, executor=backend, task_timeout=5.0
            )
        assert outcome.complete
        outcome.runs.to_parquet(out)
        """,
        out,
    )
    runs = pd.read_parquet(out)
    assert runs.loc[runs["status"] != "ok", "run_id"].tolist() == [6]
    assert runs.loc[6, "status"] == "failed"
    assert runs.loc[6, "error"] == "timed out after 5 s"
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], serial_runs[ok])


def test_a_thread_past_the_timeout_cannot_be_stopped_but_its_runs_are_recorded(
    experiment, serial_runs
):
    design = experiment.design()
    model = HangingClinic(
        ClinicSweep(experiment.base, experiment.outputs), int(design.loc[3, "seed"])
    )
    RELEASE.clear()
    pool = ThreadPoolExecutor(2)
    try:
        outcome = run_design(design, model, experiment.outputs, executor=pool, task_timeout=1.0)
    finally:
        RELEASE.set()  # the abandoned call returns now, and the pool can close
        pool.shutdown()
    runs = outcome.runs
    assert outcome.complete
    assert runs.loc[runs["status"] != "ok", "run_id"].tolist() == [3]
    assert runs.loc[3, "error"] == "timed out after 1 s"
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], serial_runs[ok])


def test_when_every_thread_is_stuck_past_the_timeout_the_sweep_stops_with_an_error(experiment):
    design = experiment.design()
    model = HangingClinic(
        ClinicSweep(experiment.base, experiment.outputs), int(design.loc[3, "seed"])
    )
    RELEASE.clear()
    safety = threading.Timer(SUBPROCESS_TIMEOUT_S, RELEASE.set)  # a regression fails, not hangs
    safety.start()
    pool = ThreadPoolExecutor(1)
    try:
        with pytest.raises(AllianceSimError, match=r"every worker \(1\) is busy with a task"):
            run_design(design, model, experiment.outputs, executor=pool, task_timeout=1.0)
        assert RELEASE.is_set() is False
    finally:
        RELEASE.set()
        safety.cancel()
        pool.shutdown()


class CancellingExecutor(ThreadPoolExecutor):
    """A thread pool that cancels its third task before it starts, telling nobody.

    ``Future.cancel()`` alone does not wake :func:`concurrent.futures.wait` (only the
    executor's ``set_running_or_notify_cancel`` does), as with the futures a process
    pool cancels when it shuts down with ``cancel_futures=True``.
    """

    def __init__(self) -> None:
        super().__init__(1)
        self.count = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.count += 1
        if self.count == 3:
            future: Future[Any] = Future()
            future.cancel()
            return future
        return super().submit(fn, *args, **kwargs)


def test_a_future_cancelled_behind_the_runners_back_is_run_again(tmp_path, serial_runs):
    out = tmp_path / "runs.parquet"
    run_script(
        """
        from test_batch_faults import CancellingExecutor
        with CancellingExecutor() as pool:
            outcome = run_design(design, clinic, experiment.outputs, executor=pool)
        assert outcome.complete
        outcome.runs.to_parquet(out)
        """,
        out,
    )
    runs = pd.read_parquet(out)
    assert_same_runs(runs, serial_runs)


@pytest.mark.parametrize("timeout", [0, -1.0, "5", True])
def test_a_task_timeout_that_is_not_a_positive_number_is_refused(experiment, timeout):
    with pytest.raises(AllianceSimError, match="task_timeout"):
        run_design(
            experiment.design(),
            ClinicSweep(experiment.base, experiment.outputs),
            experiment.outputs,
            task_timeout=timeout,
        )
