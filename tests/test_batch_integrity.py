"""The results folder never mixes, repeats or loses runs: locks, fingerprints, checks on resume.

Each test damages a folder the way a user, a crash or a second sweep could, resumes
it, and compares the result with the run table of an uninterrupted sweep, number for
number (wall times aside).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alliance_sim.batch import Experiment, ResultStore, load_experiment, run_experiment
from alliance_sim.batch.report import analyse_folder
from alliance_sim.batch.store import FolderInUseError
from alliance_sim.batch.sweep import open_results
from alliance_sim.cli import main
from alliance_sim.core.errors import AllianceSimError

ROOT = Path(__file__).resolve().parent.parent
SUBPROCESS_TIMEOUT_S = 240

SMALL = {
    "name": "small",
    "parameters": {"n_patients": 20, "n_sessions": 4},
    "design": "grid",
    "vary": {"empathy_mean": [0.3, 0.6, 0.9], "power_sharing_mean": [0.2, 0.8]},
    "replicates": 3,
    "outputs": ["adherence", "dropout"],
    "seed": 7,
    "sessions": True,
}

SLOW_SPEC = """\
name = "slow"
replicates = 40
seed = 1
outputs = ["adherence", "dropout"]

[parameters]
n_patients = 100
n_sessions = 10

[design]
method = "grid"

[vary]
power_sharing_mean = [0.1, 0.5, 0.9]
empathy_mean = [0.3, 0.9]
"""


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=["wall_s"]).sort_values("run_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def experiment() -> Experiment:
    return Experiment.from_mapping(SMALL)


@pytest.fixture(scope="module")
def reference(experiment, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run table and session table of an uninterrupted sweep."""
    folder = tmp_path_factory.mktemp("reference") / "results"
    runs = run_experiment(experiment, results=folder).runs
    return comparable(runs), ResultStore.open(folder).read("sessions")


@pytest.fixture
def parted(experiment, tmp_path) -> Path:
    """A finished folder whose parts were not merged."""
    folder = tmp_path / "results"
    run_experiment(experiment, results=folder, compact=False)
    assert len(ResultStore.open(folder).parts()) >= 4  # tasks are sized by time
    return folder


def assert_like_reference(folder: Path, reference) -> None:
    runs, sessions = reference
    pd.testing.assert_frame_equal(
        comparable(pd.read_parquet(folder / "runs")), runs, check_exact=True
    )
    stored = ResultStore.open(folder).read("sessions")
    assert not stored.duplicated(["run_id", "session"]).any()
    pd.testing.assert_frame_equal(stored, sessions, check_exact=True)


def quarantined(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "quarantine").iterdir())


# --- one sweep at a time -------------------------------------------------------------------------


def start_sweep(spec: Path, folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "alliance_sim", "sweep", str(spec), "--results", str(folder)),
            *("--workers", "2", "--quiet", *extra),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def wait_for_parts(process: subprocess.Popen, folder: Path, n: int = 1) -> None:
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
    while len(list((folder / "runs").glob("part-*.parquet"))) < n:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "no part files appeared"
        time.sleep(0.02)


def test_a_second_sweep_on_a_folder_in_use_is_refused_naming_the_first_and_adds_nothing(
    tmp_path, capsys
):
    spec = tmp_path / "slow.toml"
    spec.write_text(SLOW_SPEC)
    folder = tmp_path / "results"
    first = start_sweep(spec, folder)
    try:
        wait_for_parts(first, folder)
        code = main(["sweep", str(spec), "--results", str(folder), "--executor", "serial"])
        err = capsys.readouterr().err
        assert code == 2
        assert f"in use by sweep pid {first.pid}" in err and "one sweep at a time" in err
        assert len(err.strip().splitlines()) == 1
        _, first_err = first.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 0, first_err
    runs = pd.read_parquet(folder / "runs")
    assert sorted(runs["run_id"]) == list(range(240))


def test_a_sweep_killed_with_sigkill_leaves_no_lock_that_blocks_the_resume(tmp_path, capsys):
    spec = tmp_path / "slow.toml"
    spec.write_text(SLOW_SPEC)
    folder = tmp_path / "results"
    first = start_sweep(spec, folder)
    try:
        wait_for_parts(first, folder)
        holder = json.loads((folder / "sweep.lock").read_text())
        assert holder["pid"] == first.pid
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    with open(folder / "sweep.lock") as lock:  # the OS released the dead sweep's lock
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
    code = main(["sweep", str(spec), "--results", str(folder), "--executor", "serial", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert "resuming" in capsys.readouterr().out
    assert sorted(pd.read_parquet(folder / "runs")["run_id"]) == list(range(240))


def test_a_folder_held_by_a_sweep_is_refused_to_another_sweep_and_to_analyse(experiment, parted):
    with open_results(parted, experiment) as held:
        assert held.locked
        with pytest.raises(FolderInUseError, match=f"in use by sweep pid {os.getpid()}"):
            run_experiment(experiment, results=parted)
        with pytest.raises(FolderInUseError, match="a sweep is writing it"):
            analyse_folder(parted, figures=False)
    assert analyse_folder(parted, figures=False).n_runs == 18  # released


# --- one experiment ------------------------------------------------------------------------------


def test_a_folder_without_its_manifest_is_refused_to_another_seed_and_left_as_it_was(parted):
    (parted / "manifest.json").unlink()
    before = sorted(p.name for p in parted.rglob("*"))
    other = Experiment.from_mapping({**SMALL, "seed": 8})
    with pytest.raises(AllianceSimError, match=r"has no manifest.json but holds \d+ part files"):
        run_experiment(other, results=parted)
    assert sorted(p.name for p in parted.rglob("*")) == before


def test_a_folder_without_its_manifest_is_resumed_when_every_part_is_of_this_experiment(
    experiment, parted, reference
):
    (parted / "manifest.json").unlink()
    result = run_experiment(experiment, results=parted)
    assert any("manifest.json was missing; rebuilt it" in note for note in result.notes)
    assert_like_reference(parted, reference)


@pytest.mark.parametrize(
    ("key", "value"),
    [("outputs", [["adherence"]]), ("experiment", 5), ("format", "x"), ("n_runs", -1)],
)
def test_a_manifest_of_the_wrong_shape_is_one_line_to_a_reader_and_rebuilt_by_a_resume(
    experiment, parted, reference, key, value
):
    manifest = json.loads((parted / "manifest.json").read_text())
    manifest[key] = value
    (parted / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(AllianceSimError, match=f"manifest.json: {key} = .* is not allowed"):
        analyse_folder(parted, figures=False)
    result = run_experiment(experiment, results=parted)
    assert quarantined(parted) == ["manifest.json"]
    assert any("rebuilt it" in note for note in result.notes)
    assert_like_reference(parted, reference)


def test_another_seed_in_a_folder_is_refused_naming_what_differs(parted):
    other = Experiment.from_mapping({**SMALL, "seed": 8})
    with pytest.raises(AllianceSimError, match=r"different experiment \('small', 18 runs; seed"):
        run_experiment(other, results=parted)


def test_an_edited_scenario_file_is_another_experiment(tmp_path):
    scenario = tmp_path / "clinic.toml"
    scenario.write_text('name = "clinic"\n[parameters]\nempathy_mean = 0.5\n')
    spec = {**SMALL, "scenario": "clinic.toml", "vary": {"power_sharing_mean": [0.2, 0.8]}}
    folder = tmp_path / "results"
    run_experiment(Experiment.from_mapping(spec, base_dir=tmp_path), results=folder)
    scenario.write_text('name = "clinic"\n[parameters]\nempathy_mean = 0.9\n')
    edited = Experiment.from_mapping(spec, base_dir=tmp_path)
    with pytest.raises(AllianceSimError, match="its parameters differ"):
        run_experiment(edited, results=folder)


def test_a_folder_written_before_fingerprints_is_resumed(experiment, parted, reference):
    manifest = json.loads((parted / "manifest.json").read_text())
    for key in ("fingerprint", "design_digest", "parameters", "tables"):
        manifest.pop(key)
    manifest["format"] = 1
    (parted / "manifest.json").write_text(json.dumps(manifest))
    parts = ResultStore.open(parted).parts()
    for part in parts[:2]:  # as the old code wrote them: no metadata of ours
        table = pq.read_table(part)
        meta = {k: v for k, v in table.schema.metadata.items() if not k.startswith(b"alliance")}
        pq.write_table(table.replace_schema_metadata(meta), part)
    parts[2].unlink()  # and one run's worth missing
    run_experiment(experiment, results=parted)
    assert_like_reference(parted, reference)


# --- checked on resume ---------------------------------------------------------------------------


def test_a_truncated_part_is_quarantined_and_its_runs_run_again(experiment, parted, reference):
    part = ResultStore.open(parted).parts()[1]
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])
    result = run_experiment(experiment, results=parted)
    assert f"runs-{part.name}" in quarantined(parted)
    note = next(n for n in result.notes if part.name in n and n.startswith("runs/"))
    assert "unreadable" in note and "its runs run again" in note and "\n" not in note
    assert_like_reference(parted, reference)


def test_a_part_with_one_changed_byte_is_caught_by_its_checksum(experiment, parted, reference):
    part = ResultStore.open(parted).parts()[1]
    group = pq.ParquetFile(part).metadata.row_group(0)
    column = next(
        group.column(i)
        for i in range(group.num_columns)
        if group.column(i).path_in_schema == "adherence"
    )
    data = bytearray(part.read_bytes())
    end = column.data_page_offset + column.total_compressed_size
    data[end - 3] ^= 0x40  # inside the values of its data page
    part.write_bytes(bytes(data))
    run_experiment(experiment, results=parted)
    assert f"runs-{part.name}" in quarantined(parted)
    assert_like_reference(parted, reference)


def test_a_copied_part_is_set_aside_and_no_run_is_stored_twice(experiment, parted, reference):
    part = ResultStore.open(parted).parts()[2]
    shutil.copy(part, part.with_name("part-zz-copy.parquet"))
    with pytest.raises(AllianceSimError, match="is stored twice"):
        ResultStore.open(parted).read()  # a reader is told, not given duplicates
    result = run_experiment(experiment, results=parted)
    assert quarantined(parted) == ["runs-part-zz-copy.parquet"]
    assert any("a copy of runs already stored" in note for note in result.notes)
    assert_like_reference(parted, reference)


def test_a_copied_sessions_part_is_set_aside(experiment, parted, reference):
    part = ResultStore.open(parted).parts("sessions")[2]
    shutil.copy(part, part.with_name("part-zz-copy.parquet"))
    run_experiment(experiment, results=parted)
    assert quarantined(parted) == ["sessions-part-zz-copy.parquet"]
    assert_like_reference(parted, reference)


def test_a_corrupt_sessions_part_makes_its_runs_run_again(experiment, parted, reference):
    part = ResultStore.open(parted).parts("sessions")[3]
    part.write_bytes(b"not parquet")
    run_experiment(experiment, results=parted)
    assert f"sessions-{part.name}" in quarantined(parted)
    assert_like_reference(parted, reference)


def test_a_runs_part_set_aside_takes_its_rows_out_of_a_merged_sessions_file(
    experiment, parted, reference
):
    with open_results(parted, experiment) as store:
        store.compact("sessions")  # one sessions file holding the rows of every run
    part = ResultStore.open(parted).parts()[1]
    part.write_bytes(b"junk")
    result = run_experiment(experiment, results=parted)
    split = next(n for n in result.notes if n.startswith("sessions/part-compacted-"))
    assert "of its 72 rows set aside" in split and "never committed" in split
    assert_like_reference(parted, reference)


def test_garbage_compacting_json_is_set_aside_and_the_sweep_resumes(experiment, parted, reference):
    (parted / "compacting.json").write_text("{ not json")
    result = run_experiment(experiment, results=parted)
    assert quarantined(parted) == ["compacting.json"]
    assert any(n.startswith("compacting.json set aside") for n in result.notes)
    assert_like_reference(parted, reference)


def test_a_compacting_json_naming_files_outside_the_folder_deletes_nothing(
    experiment, parted, reference, tmp_path
):
    victim = tmp_path / "victim.parquet"
    victim.write_text("keep me")
    staged = parted / "runs" / ".part-x.parquet.staged"
    staged.write_text("x")
    plan = {"table": "runs", "staged": staged.name, "final": "part-x.parquet"}
    (parted / "compacting.json").write_text(json.dumps({**plan, "parts": ["../../victim.parquet"]}))
    run_experiment(experiment, results=parted)
    assert victim.read_text() == "keep me"
    assert_like_reference(parted, reference)


def test_a_garbage_design_parquet_is_rebuilt_from_the_experiment(experiment, parted, reference):
    (parted / "design.parquet").write_bytes(b"garbage")
    assert analyse_folder(parted, figures=False).n_design == 18  # a reader rebuilds it too
    result = run_experiment(experiment, results=parted)
    assert quarantined(parted) == ["design.parquet"]
    assert any("rewritten from the experiment" in note for note in result.notes)
    pd.testing.assert_frame_equal(pd.read_parquet(parted / "design.parquet"), experiment.design())
    assert_like_reference(parted, reference)


def test_a_kill_between_the_sessions_part_and_the_runs_part_repeats_no_session_rows(
    experiment, tmp_path, reference
):
    folder = tmp_path / "results"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from alliance_sim.batch import Experiment, run_experiment
        from alliance_sim.batch.store import ResultStore
        real = ResultStore._write_part
        count = {{"runs": 0}}

        def write_part(self, table, name, unit, cost=None):
            if name == "runs":
                count["runs"] += 1
                if count["runs"] == 3:  # its sessions part is written, its runs part is not
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(self, table, name, unit, cost)

        ResultStore._write_part = write_part
        run_experiment(Experiment.from_mapping({SMALL!r}), results=sys.argv[1])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    store = ResultStore.open(folder)
    assert len(store.parts("sessions")) == 3 and len(store.parts()) == 2  # the crash's state
    result = run_experiment(experiment, results=folder)
    assert any("never committed" in note for note in result.notes)
    assert_like_reference(folder, reference)


def test_a_reader_is_told_of_an_unreadable_part_in_one_line(parted):
    ResultStore.open(parted).parts()[0].write_bytes(b"junk")
    with pytest.raises(AllianceSimError, match="running the sweep again sets it aside"):
        analyse_folder(parted, figures=False)


# --- full disks ----------------------------------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs of a given size (in kB) at a fresh folder; unmounted afterwards."""
    mounted: list[Path] = []

    def mount(kb: int, options: str = "") -> Path:
        where = tmp_path / f"tmpfs{len(mounted)}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kb}k{options}", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", str(where)], check=False)


def folder_bytes(folder: Path) -> int:
    """What the folder's files take on a tmpfs (whole 4 kB pages)."""
    return sum(-(-p.stat().st_size // 4096) * 4096 for p in folder.rglob("*") if p.is_file())


def sweep_in(spec: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            *(sys.executable, "-m", "alliance_sim", "sweep", str(spec)),
            *("--results", str(folder), "--executor", "serial", "--quiet"),
        ],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


DISK_SPEC = SLOW_SPEC.replace("n_patients = 100", "n_patients = 20").replace(
    'outputs = ["adherence", "dropout"]', 'outputs = ["adherence", "dropout"]\nsessions = true'
)


def test_a_full_disk_during_the_runs_is_one_line_and_leaves_only_whole_files(tmpfs, tmp_path):
    spec = tmp_path / "disk.toml"
    spec.write_text(DISK_SPEC)
    sweep_in(spec, tmp_path / "measure")
    whole = folder_bytes(tmp_path / "measure")
    disk = tmpfs(whole // 2 // 1024)
    done = sweep_in(spec, disk / "results")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "the disk is full" in lines[0] and "runs are stored and kept" in lines[0]
    assert " free" in lines[0] and "run the same command again" in lines[0]
    assert not [p for p in disk.rglob(".*") if p.name != "sweep.lock"]  # no temporary file
    store = ResultStore.open(disk / "results")
    stored = store.read()
    assert 0 < len(stored) < 240 and stored["run_id"].is_unique
    for table in ("runs", "sessions"):
        for part in store.parts(table):
            pq.read_table(part)
    # the same folder, given room, resumes to the uninterrupted result
    shutil.copytree(disk / "results", tmp_path / "roomy")
    assert sweep_in(spec, tmp_path / "roomy").returncode == 0
    pd.testing.assert_frame_equal(
        comparable(pd.read_parquet(tmp_path / "roomy" / "runs")),
        comparable(pd.read_parquet(tmp_path / "measure" / "runs")),
        check_exact=True,
    )


def test_compaction_without_room_for_a_second_copy_leaves_a_complete_folder_that_reruns(
    tmpfs, tmp_path
):
    spec = tmp_path / "disk.toml"
    spec.write_text(DISK_SPEC)
    measure = tmp_path / "measure"
    assert sweep_in(spec, measure).returncode == 0
    merged = folder_bytes(measure)
    unmerged = tmp_path / "unmerged"
    run_experiment(load_experiment(spec), results=unmerged, compact=False)
    # room for the parts and half a merged copy: not for a second copy of everything
    disk = tmpfs((folder_bytes(unmerged) + merged // 2) // 1024)
    first = sweep_in(spec, disk / "results")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    # the sessions could not be merged into one file; they were merged as far as room allowed
    assert len(ResultStore.open(disk / "results").parts("sessions")) > 1
    again = sweep_in(spec, disk / "results")
    assert again.returncode == 0, again.stderr
    assert "nothing to run" in again.stdout
    assert not list(disk.rglob("*.staged")) and not list(disk.rglob("*.tmp"))
    pd.testing.assert_frame_equal(
        comparable(pd.read_parquet(disk / "results" / "runs")),
        comparable(pd.read_parquet(measure / "runs")),
        check_exact=True,
    )
    sessions = ResultStore.open(disk / "results").read("sessions")
    pd.testing.assert_frame_equal(sessions, ResultStore.open(measure).read("sessions"))


def test_a_new_folder_on_a_full_disk_is_refused_and_nothing_is_left(tmpfs, tmp_path, capsys):
    spec = tmp_path / "disk.toml"
    spec.write_text(DISK_SPEC)
    disk = tmpfs(8)
    code = main(["sweep", str(spec), "--results", str(disk / "results"), "--executor", "serial"])
    err = capsys.readouterr().err
    assert code == 2 and "the disk is full" in err and len(err.strip().splitlines()) == 1
    assert not (disk / "results").exists()


def test_a_reader_is_told_of_a_part_that_is_not_of_these_results(parted):
    part = ResultStore.open(parted).parts()[0]
    table = pq.read_table(part)  # the same experiment's file, with runs the design lacks
    moved = table.set_column(0, "run_id", pa.array([i + 1000 for i in table["run_id"].to_pylist()]))
    pq.write_table(moved, part.with_name("part-zz-foreign.parquet"))
    with pytest.raises(AllianceSimError, match=r"part-zz-foreign\.parquet is not part of these"):
        analyse_folder(parted, figures=False)
