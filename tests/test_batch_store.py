"""The results folder: killed sweeps resume to the same table; readers see only whole files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alliance_sim.batch import Experiment, ResultStore, load_experiment, run_experiment
from alliance_sim.cli import main

CRASH_SPEC = """\
name = "crash"
replicates = 8
seed = 9
outputs = ["adherence", "dropout", "pain_mm"]

[parameters]
n_patients = 100
n_sessions = 10

[design]
method = "grid"

[vary]
empathy_mean = { low = 0.1, high = 0.9, levels = 10 }
power_sharing_mean = { low = 0.1, high = 0.9, levels = 10 }
"""

SMALL = {
    "name": "small",
    "parameters": {"n_patients": 20, "n_sessions": 4},
    "design": "grid",
    "vary": {"empathy_mean": [0.3, 0.6, 0.9], "power_sharing_mean": [0.2, 0.8]},
    "replicates": 3,
    "outputs": ["adherence", "dropout"],
    "seed": 7,
}


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=["wall_s"]).reset_index(drop=True)


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_sweep_killed_with_sigkill_resumes_to_the_uninterrupted_run_table(
    tmp_path, capsys, executor
):
    spec = tmp_path / "crash.toml"
    spec.write_text(CRASH_SPEC)
    folder = tmp_path / "results"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "alliance_sim", "sweep", str(spec)),
            *("--executor", executor, "--workers", "2", "--results", str(folder), "--quiet"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches everything it started
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((folder / "runs").glob("part-*.parquet"))) < 3:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "no part files appeared"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # what a reader sees after the crash: whole part files only, each run once
    store = ResultStore.open(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["finished"] is None
    partial = pd.read_parquet(folder / "runs")
    assert 0 < len(partial) < 800
    assert partial["run_id"].is_unique
    for part in store.parts():
        pq.read_table(part)  # every file a reader globs is a complete Parquet file

    reference = run_experiment(load_experiment(spec)).runs
    expected = reference[reference["run_id"].isin(partial["run_id"])]
    pd.testing.assert_frame_equal(
        comparable(partial.sort_values("run_id")), comparable(expected), check_dtype=False
    )

    code = main(["sweep", str(spec), "--executor", "serial", "--results", str(folder), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"resuming: {len(partial)} of 800 runs already stored" in out
    resumed = pd.read_parquet(folder / "runs").sort_values("run_id")
    pd.testing.assert_frame_equal(comparable(resumed), comparable(reference))
    assert not list(folder.rglob("*.tmp")) and not list(folder.rglob("*.staged"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["finished"] is not None and len(manifest["sessions"]) == 2


def test_temporary_files_are_never_read_as_results_and_resume_removes_them(tmp_path):
    experiment = Experiment.from_mapping(SMALL)
    folder = tmp_path / "results"
    full = run_experiment(experiment, results=folder).runs
    torn = folder / "runs" / ".part-torn.parquet.tmp"
    torn.write_bytes(b"PAR1 half a file")
    assert len(pd.read_parquet(folder / "runs")) == len(full)
    duckdb = pytest.importorskip("duckdb")
    count = duckdb.sql(f"select count(*) from read_parquet('{folder}/runs/*.parquet')").fetchall()
    assert count == [(len(full),)]
    run_experiment(experiment, results=folder)
    assert not torn.exists()


def test_resume_runs_only_the_missing_runs(tmp_path):
    experiment = Experiment.from_mapping(SMALL)
    folder = tmp_path / "results"
    stop_after = {"n": 0}

    def stop() -> bool:
        stop_after["n"] += 1
        return stop_after["n"] > 3

    first = run_experiment(experiment, results=folder, should_stop=stop)
    assert not first.complete and 0 < len(first.runs) < 18
    second = run_experiment(experiment, results=folder)
    assert second.complete and second.stored_before == len(first.runs)
    assert second.runs["run_id"].tolist() == list(range(18))
    kept = second.runs.set_index("run_id").loc[first.runs["run_id"], "wall_s"]
    assert kept.tolist() == first.runs["wall_s"].tolist()  # finished runs were not run again


def test_a_folder_of_another_experiment_is_refused(tmp_path):
    folder = tmp_path / "results"
    run_experiment(Experiment.from_mapping(SMALL), results=folder)
    other = Experiment.from_mapping({**SMALL, "seed": 8})
    with pytest.raises(Exception, match="holds the results of a different experiment"):
        run_experiment(other, results=folder)


def test_the_folder_has_design_manifest_and_runs_readable_by_pandas_and_duckdb(tmp_path):
    experiment = Experiment.from_mapping(SMALL)
    folder = tmp_path / "results"
    result = run_experiment(experiment, results=folder)
    design = pd.read_parquet(folder / "design.parquet")
    assert design.equals(experiment.design())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["experiment"]["seed"] == 7 and manifest["n_runs"] == 18
    assert {"python", "alliance-sim", "numpy", "pandas", "SALib", "pyarrow"} <= set(
        manifest["versions"]
    )
    assert manifest["created"] and manifest["finished"] and manifest["sessions"][0]["started"]
    runs = pd.read_parquet(folder / "runs")
    assert len(runs) == 18 and set(runs.columns) >= {"run_id", "seed", "empathy_mean", "status"}
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        f"select point, avg(adherence) as adherence, count(*) as n"
        f" from read_parquet('{folder}/runs/*.parquet') group by point order by point"
    ).fetchall()
    assert [n for _, _, n in rows] == [3] * 6
    means = result.runs.groupby("point")["adherence"].mean().tolist()
    assert [a for _, a, _ in rows] == pytest.approx(means)


def test_compaction_merges_parts_and_an_interrupted_one_is_finished_on_open(tmp_path):
    experiment = Experiment.from_mapping(SMALL)
    folder = tmp_path / "results"
    run_experiment(experiment, results=folder, compact=False)
    store = ResultStore.open(folder)
    before = store.read()
    parts = store.parts()
    assert len(parts) > 1
    # a crash after the marker was written, before the parts were deleted
    # the merged file as the compactor stages it: the parts' rows and metadata (fingerprint)
    merged = pa.concat_tables([pq.read_table(p) for p in parts])
    staged = folder / "runs" / ".part-compacted-x.parquet.staged"
    pq.write_table(merged, staged)
    (folder / "compacting.json").write_text(
        json.dumps(
            {
                "table": "runs",
                "staged": staged.name,
                "final": "part-compacted-x.parquet",
                "parts": [p.name for p in parts],
            }
        )
    )
    reopened = ResultStore.open(folder)
    assert [p.name for p in reopened.parts()] == ["part-compacted-x.parquet"]
    pd.testing.assert_frame_equal(reopened.read(), before)
    assert not (folder / "compacting.json").exists()


def test_a_staged_compaction_without_its_marker_is_dropped(tmp_path):
    folder = tmp_path / "results"
    run_experiment(Experiment.from_mapping(SMALL), results=folder, compact=False)
    staged = folder / "runs" / ".part-compacted-y.parquet.staged"
    staged.write_bytes(b"torn")
    store = ResultStore.open(folder)
    assert not staged.exists() and len(store.read()) == 18


def test_a_folder_that_is_not_a_results_folder_is_an_error(tmp_path):
    with pytest.raises(Exception, match="not a results folder"):
        ResultStore.open(tmp_path)
