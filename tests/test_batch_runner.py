"""The runner: the same run table on every executor; errors, dead workers and stops handled."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from batch_models import (
    DyingClinic,
    PointByPoint,
    RaisingClinic,
    StackFailingClinic,
    StackOnlyClinic,
)

from alliance_sim.batch import ClinicSweep, Experiment, open_backend, run_design, run_experiment
from alliance_sim.core.params import Params
from alliance_sim.simulation import simulate

SMALL = {
    "name": "small",
    "parameters": {"n_patients": 20, "n_sessions": 4},
    "design": "grid",
    "vary": {"empathy_mean": [0.3, 0.6, 0.9], "power_sharing_mean": [0.2, 0.8]},
    "replicates": 4,
    "outputs": ["adherence", "dropout", "alliance"],
    "seed": 5,
}


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The run table without the wall time (the only column allowed to differ)."""
    return runs.drop(columns=["wall_s"]).reset_index(drop=True)


def assert_same_runs(runs: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same run tables but for the wall times: every number to the last bit."""
    pd.testing.assert_frame_equal(comparable(runs), comparable(expected), check_exact=True)


@pytest.fixture(scope="module")
def experiment() -> Experiment:
    return Experiment.from_mapping(SMALL)


@pytest.fixture(scope="module")
def serial_runs(experiment) -> pd.DataFrame:
    return run_experiment(experiment).runs


def test_the_run_table_has_one_row_per_run_with_design_outputs_status_error_and_wall_time(
    experiment, serial_runs
):
    assert list(serial_runs.columns) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "empathy_mean",
        "power_sharing_mean",
        "adherence",
        "dropout",
        "alliance",
        "status",
        "error",
        "wall_s",
    ]
    assert serial_runs["run_id"].tolist() == list(range(experiment.n_runs()))
    assert (serial_runs["status"] == "ok").all() and (serial_runs["error"] == "").all()
    assert (serial_runs["wall_s"] > 0).all()


def test_each_run_is_the_clinic_simulated_alone_with_its_seed(experiment, serial_runs):
    for row in serial_runs.sample(3, random_state=1).itertuples():
        params = Params(
            experiment.base,
            empathy_mean=row.empathy_mean,
            power_sharing_mean=row.power_sharing_mean,
        )
        alone = simulate(params, [row.seed]).summary.iloc[0]
        assert alone["adherence"] == row.adherence
        assert alone["alliance"] == row.alliance


@pytest.mark.parametrize("workers", [1, 2])
def test_a_process_pool_gives_the_serial_run_table(experiment, serial_runs, workers):
    runs = run_experiment(experiment, executor="processes", workers=workers).runs
    assert_same_runs(runs, serial_runs)


def test_a_dask_local_cluster_gives_the_serial_run_table(experiment, serial_runs):
    pytest.importorskip("distributed")
    runs = run_experiment(experiment, executor="dask", workers=2).runs
    assert_same_runs(runs, serial_runs)


def test_the_local_dask_workers_start_without_dasks_malloc_trim_threshold():
    # Dask sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which made every run 2.5x
    # slower there; the rest of Dask's worker environment stays.
    pytest.importorskip("distributed")
    import os

    with open_backend("dask", 1) as backend:
        trim = backend.executor.submit(os.environ.get, "MALLOC_TRIM_THRESHOLD_").result()
        omp = backend.executor.submit(os.environ.get, "OMP_NUM_THREADS").result()
    assert trim is None
    assert omp == "1"


def test_any_concurrent_futures_executor_gives_the_serial_run_table(experiment, serial_runs):
    with ThreadPoolExecutor(2) as pool:
        runs = run_experiment(experiment, executor=pool).runs
    assert_same_runs(runs, serial_runs)


def test_task_size_does_not_change_results(experiment, serial_runs):
    design = experiment.design()
    model = ClinicSweep(experiment.base, experiment.outputs)
    for seconds in (0.0, 10.0):
        runs = run_design(design, model, experiment.outputs, task_seconds=seconds).runs
        assert_same_runs(runs, serial_runs)


def test_a_run_that_raises_is_an_error_row_and_the_others_finish(experiment, serial_runs):
    design = experiment.design()
    bad = design.loc[9, ["run_id", "seed"]].astype("int64")  # one dtype: the seed stays exact
    model = RaisingClinic(ClinicSweep(experiment.base, experiment.outputs), int(bad["seed"]))
    result = run_experiment(experiment, model=model)
    runs = result.runs
    failed = runs[runs["status"] != "ok"]
    assert failed["run_id"].tolist() == [int(bad["run_id"])]
    assert failed["status"].iloc[0] == "error"
    assert "ZeroDivisionError: no output for seed" in failed["error"].iloc[0]
    assert failed[list(experiment.outputs)].isna().all(axis=None)
    assert result.complete and result.n_errors == 1
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], serial_runs[ok])


def test_a_point_whose_values_are_not_allowed_is_recorded_with_the_parameter_error(experiment):
    design = experiment.design().head(4).copy()
    design.loc[2, "empathy_mean"] = 1.7  # a design table built by hand, past the file checks
    design.loc[2, "point"] = 99
    runs = run_design(
        design, ClinicSweep(experiment.base, experiment.outputs), experiment.outputs
    ).runs
    assert runs["status"].tolist() == ["ok", "ok", "error", "ok"]
    assert "empathy_mean = 1.7 is out of range" in runs.loc[2, "error"]


def test_a_worker_that_dies_marks_its_run_failed_and_the_sweep_finishes(experiment, serial_runs):
    design = experiment.design()
    bad = design.loc[13, ["run_id", "seed"]].astype("int64")
    model = DyingClinic(ClinicSweep(experiment.base, experiment.outputs), int(bad["seed"]))
    with open_backend("processes", 2) as backend:
        outcome = run_design(design, model, experiment.outputs, executor=backend)
    runs = outcome.runs
    assert outcome.complete and len(runs) == len(design)
    failed = runs[runs["status"] != "ok"]
    assert failed["run_id"].tolist() == [int(bad["run_id"])]
    assert failed["status"].iloc[0] == "failed"
    assert "worker died" in failed["error"].iloc[0]
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], serial_runs[ok])


def test_progress_reports_runs_done_out_of_the_total(experiment):
    calls: list[tuple[int, int]] = []
    run_experiment(experiment, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 24) and calls[-1] == (24, 24)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_a_stop_request_ends_the_sweep_between_tasks_and_keeps_finished_runs(
    experiment, serial_runs
):
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 8:
            stop.set()

    result = run_experiment(experiment, progress=progress, should_stop=stop)
    assert not result.complete
    assert 8 <= len(result.runs) < 24
    expected = serial_runs[serial_runs["run_id"].isin(result.runs["run_id"])]
    assert_same_runs(result.runs, expected)


def test_a_stop_callable_works_too(experiment):
    result = run_experiment(experiment, should_stop=lambda: True)
    assert not result.complete and result.runs.empty


def test_per_session_clinic_means_are_kept_when_asked_for(experiment):
    with_sessions = Experiment.from_mapping({**SMALL, "sessions": True, "replicates": 2})
    result = run_experiment(with_sessions)
    sessions = result.tables["sessions"]
    assert len(sessions) == with_sessions.n_runs() * 4
    assert set(sessions["run_id"]) == set(result.runs["run_id"])
    assert {"session", "alliance", "adherence"} <= set(sessions.columns)


# --- one run per point: the points of a task run as one stack -------------------------------

LHS = {
    "name": "lhs",
    "parameters": {"n_patients": 15, "n_sessions": 3},
    "design": {"method": "lhs", "n": 24},
    "vary": {
        "empathy_mean": {"low": 0.1, "high": 0.9},
        "p_dropout_typical": {"low": 0.0, "high": 0.3},
        "caseload": {"low": 10, "high": 60},
    },
    "replicates": 1,
    "outputs": ["adherence", "dropout", "alliance"],
    "seed": 8,
}


@pytest.fixture(scope="module")
def lhs() -> Experiment:
    return Experiment.from_mapping(LHS)


@pytest.fixture(scope="module")
def lhs_point_by_point(lhs) -> pd.DataFrame:
    """Each point in its own model call (the model has no run_points)."""
    model = PointByPoint(ClinicSweep(lhs.base, lhs.outputs))
    return run_experiment(lhs, model=model).runs


def test_stacked_points_give_exactly_the_runs_of_points_run_one_by_one(lhs, lhs_point_by_point):
    design = lhs.design()
    runs = run_design(
        design, ClinicSweep(lhs.base, lhs.outputs), lhs.outputs, task_seconds=10.0
    ).runs
    assert_same_runs(runs, lhs_point_by_point)
    assert (runs["status"] == "ok").all()


@pytest.mark.parametrize(("executor", "workers"), [("processes", 1), ("processes", 2), ("dask", 2)])
def test_every_executor_gives_the_stacked_run_table(lhs, lhs_point_by_point, executor, workers):
    if executor == "dask":
        pytest.importorskip("distributed")
    runs = run_experiment(lhs, executor=executor, workers=workers).runs
    assert_same_runs(runs, lhs_point_by_point)


def test_a_model_with_run_points_gets_every_point_through_it(lhs, lhs_point_by_point):
    model = StackOnlyClinic(ClinicSweep(lhs.base, lhs.outputs))
    runs = run_design(lhs.design(), model, lhs.outputs).runs
    assert_same_runs(runs, lhs_point_by_point)


def test_a_run_points_call_that_raises_is_retried_point_by_point(lhs, lhs_point_by_point):
    model = StackFailingClinic(ClinicSweep(lhs.base, lhs.outputs))
    runs = run_design(lhs.design(), model, lhs.outputs, task_seconds=10.0).runs
    assert_same_runs(runs, lhs_point_by_point)


def test_a_point_not_allowed_is_an_error_row_and_its_stack_mates_finish(lhs, lhs_point_by_point):
    design = lhs.design()
    design.loc[5, "empathy_mean"] = 1.7  # past the file checks, as in a hand-built design
    model = StackOnlyClinic(ClinicSweep(lhs.base, lhs.outputs))  # so the point is in a stack
    runs = run_design(design, model, lhs.outputs, task_seconds=10.0).runs
    assert runs.loc[runs["status"] != "ok", "run_id"].tolist() == [5]
    assert runs.loc[5, "status"] == "error"
    assert runs.loc[5, "error"].startswith("ParameterError: empathy_mean = 1.7 is out of range")
    assert runs.loc[5, list(lhs.outputs)].isna().all()
    ok = runs["status"] == "ok"
    assert_same_runs(runs[ok], lhs_point_by_point[ok])


def test_run_points_gives_each_points_outputs_and_sessions_as_the_point_alone(lhs):
    clinic = ClinicSweep(lhs.base, lhs.outputs, sessions=True)
    design = lhs.design().head(4)
    points = [
        ({"empathy_mean": v, "caseload": 20}, [int(s)])
        for v, s in zip(design["empathy_mean"], design["seed"], strict=True)
    ]
    points.insert(2, ({"empathy_mean": -1.0}, [7, 8]))  # not allowed: two error runs
    points.append(({"empathy_mean": 0.5}, [1, 2, 3]))  # a point with replicates
    out = clinic.run_points(points)
    summary, sessions = out["summary"], out["sessions"]
    assert len(summary) == 4 + 2 + 3
    assert summary["error"].tolist()[2:4] == [summary["error"].iloc[2]] * 2
    assert summary["error"].iloc[2].startswith("ParameterError: empathy_mean = -1.0")
    assert set(sessions["replicate"]) == set(range(9)) - {2, 3}
    position = 0
    for values, seeds in points:
        rows = slice(position, position + len(seeds))
        if values["empathy_mean"] >= 0:
            one = clinic(values, seeds)
            pd.testing.assert_frame_equal(
                summary.iloc[rows][list(lhs.outputs)].reset_index(drop=True),
                one["summary"],
                check_exact=True,
            )
            mine = sessions[sessions["replicate"].between(rows.start, rows.stop - 1)]
            expected = one["sessions"].assign(replicate=one["sessions"]["replicate"] + position)
            pd.testing.assert_frame_equal(mine.reset_index(drop=True), expected, check_exact=True)
        position += len(seeds)
