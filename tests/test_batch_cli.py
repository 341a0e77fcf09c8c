"""alliance-sim sweep and analyse: runs, resumes, exports, analyses; mistakes exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from alliance_sim.cli import main

GRID_SPEC = """\
name = "tiny"
replicates = 4
seed = 1
outputs = ["adherence", "dropout"]

[parameters]
n_patients = 20
n_sessions = 4

[design]
method = "grid"

[vary]
power_sharing_mean = [0.1, 0.5, 0.9]
empathy_mean = [0.3, 0.9]
"""

SOBOL_SPEC = """\
name = "tiny_sobol"
seed = 2
outputs = ["adherence"]

[parameters]
n_patients = 20
n_sessions = 4

[design]
method = "sobol"
n = 8

[vary]
empathy_mean = {}
power_sharing_mean = { low = 0.1, high = 0.9 }
self_efficacy_mean = { distribution = "normal", mean = 0.5, sd = 0.1 }
"""

MORRIS_SPEC = """\
name = "tiny_morris"
seed = 3
replicates = 2
outputs = ["adherence", "dropout"]

[parameters]
n_patients = 20
n_sessions = 4

[design]
method = "morris"
trajectories = 4

[vary]
empathy_mean = {}
caseload = { low = 10, high = 50 }
"""


def sweep(capsys, tmp_path, text: str, *args: str) -> tuple[int, str, str]:
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    code = main(["sweep", str(spec), "--executor", "serial", "--quiet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sweep_runs_the_experiment_into_its_results_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = sweep(capsys, tmp_path, GRID_SPEC)
    assert code == 0
    assert "grid design, 6 points × 4 replicates = 24 runs" in out
    assert "finished 24 runs" in out
    assert "alliance-sim analyse results/tiny" in out
    runs = pd.read_parquet(tmp_path / "results" / "tiny" / "runs")
    assert len(runs) == 24 and (runs["status"] == "ok").all()


def test_running_the_same_sweep_again_says_it_resumes_and_runs_nothing(capsys, tmp_path):
    folder = tmp_path / "out"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    code, out, _ = sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    assert code == 0
    assert "resuming: 24 of 24 runs already stored" in out
    assert "nothing to run" in out


def test_sweep_csv_exports_the_run_table(capsys, tmp_path):
    folder, csv = tmp_path / "out", tmp_path / "runs.csv"
    code, out, _ = sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder), "--csv", str(csv))
    assert code == 0 and f"wrote {csv}" in out
    exported = pd.read_csv(csv, keep_default_na=False)
    stored = pd.read_parquet(folder / "runs")
    assert exported["run_id"].tolist() == stored["run_id"].tolist()
    assert exported["adherence"].tolist() == pytest.approx(stored["adherence"].tolist())
    assert exported["seed"].tolist() == stored["seed"].tolist()


def test_analyse_prints_the_grid_summary_and_saves_tables_and_figures(capsys, tmp_path):
    folder = tmp_path / "out"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    code = main(["analyse", str(folder)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Home-exercise adherence (share)" in out and "95% CI" in out
    assert len([line for line in out.splitlines() if line.strip().startswith("0.5 ")]) == 4
    files = {p.name for p in (folder / "analysis").iterdir()}
    assert files == {"grid.csv", "grid_adherence.png", "grid_dropout.png"}
    table = pd.read_csv(folder / "analysis" / "grid.csv")
    assert len(table) == 12 and set(table.columns) >= {"mean", "ci_low", "ci_high", "n"}


def test_analyse_json_and_csv_give_the_same_table(capsys, tmp_path):
    folder, csv = tmp_path / "out", tmp_path / "summary.csv"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    code = main(
        [
            "analyse",
            str(folder),
            "--json",
            "--no-figures",
            "--csv",
            str(csv),
            "--outputs",
            "dropout",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["design"] == "grid" and data["outputs"] == ["dropout"]
    rows = data["tables"]["grid"]
    assert [r["mean"] for r in rows] == pytest.approx(pd.read_csv(csv)["mean"].tolist())
    assert not (folder / "analysis").exists()


def test_a_sobol_sweep_prints_indices_with_intervals_and_saves_plots(capsys, tmp_path):
    folder = tmp_path / "out"
    code, out, _ = sweep(capsys, tmp_path, SOBOL_SPEC, "--results", str(folder))
    assert code == 0
    assert "sobol design, 64 points × 1 replicates = 64 runs" in out
    assert "Sobol indices" in out and "S1" in out and "ST" in out and "second-order" in out
    assert (folder / "analysis" / "sobol_adherence.png").exists()
    assert len(pd.read_csv(folder / "analysis" / "sobol.csv")) == 3


def test_a_morris_sweep_prints_mu_star_and_sigma(capsys, tmp_path):
    folder = tmp_path / "out"
    code, out, _ = sweep(capsys, tmp_path, MORRIS_SPEC, "--results", str(folder))
    assert code == 0
    assert "Morris screening" in out and "μ*" in out and "σ" in out
    assert (folder / "analysis" / "morris_dropout.png").exists()
    code = main(["analyse", str(folder), "--no-figures"])
    assert code == 0 and "caseload" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "key", "why"),
    [
        (
            ("empathy_mean = [0.3, 0.9]", "empathy = [0.3, 0.9]"),
            "vary.empathy",
            "unknown parameter",
        ),
        (
            ("empathy_mean = [0.3, 0.9]", "empathy_mean = { low = 0.3, high = 1.2, levels = 3 }"),
            "vary.empathy_mean.high",
            "out of range",
        ),
        (('method = "grid"', 'method = "fractional"'), "design.method", "unknown design"),
        (("replicates = 4", "replicates = 0"), "replicates", "a whole number from 1 to"),
    ],
)
def test_a_bad_experiment_file_exits_2_naming_the_file_and_key(capsys, tmp_path, change, key, why):
    code, _, err = sweep(capsys, tmp_path, GRID_SPEC.replace(*change))
    assert code == 2
    assert f"{tmp_path / 'spec.toml'}: {key}: " in err and why in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_sobol_n_that_is_not_a_power_of_two_exits_2(capsys, tmp_path):
    code, _, err = sweep(capsys, tmp_path, SOBOL_SPEC.replace("n = 8", "n = 10"))
    assert code == 2
    assert "spec.toml: design.n: n = 10 is not a power of two" in err and "use 8 or 16" in err


def test_an_unreachable_scheduler_exits_2_naming_the_option(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(GRID_SPEC)
    code = main(["sweep", str(spec), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert not (tmp_path / "results").exists()


def test_an_unreachable_scheduler_in_the_file_exits_2_naming_the_file_and_key(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('executor = "dask"\nscheduler = "tcp://127.0.0.1:9"\n' + GRID_SPEC)
    code = main(["sweep", str(spec)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{spec}: scheduler: cannot reach the Dask scheduler" in err


def test_a_scheduler_without_the_dask_executor_exits_2(capsys, tmp_path):
    code, _, err = sweep(capsys, tmp_path, GRID_SPEC, "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "needs --executor dask" in err


def test_analyse_of_a_folder_that_is_not_a_results_folder_exits_2(capsys, tmp_path):
    assert main(["analyse", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_analyse_of_an_unknown_output_exits_2(capsys, tmp_path):
    folder = tmp_path / "out"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    assert main(["analyse", str(folder), "--outputs", "pain_mm"]) == 2
    assert "no output 'pain_mm'" in capsys.readouterr().err


def test_a_sweep_into_a_folder_of_another_experiment_exits_2(capsys, tmp_path):
    folder = tmp_path / "out"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    code, _, err = sweep(
        capsys, tmp_path, GRID_SPEC.replace("seed = 1", "seed = 2"), "--results", str(folder)
    )
    assert code == 2 and "holds the results of a different experiment" in err


@pytest.mark.parametrize("command", ["sweep", "analyse"])
def test_help_shows_examples(command):
    result = subprocess.run(
        [sys.executable, "-m", "alliance_sim", command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "examples:" in result.stdout
    assert f"alliance-sim {command} " in result.stdout
    if command == "sweep":
        assert "power of two" in result.stdout and "resume" in result.stdout


def test_ctrl_c_stops_the_sweep_with_a_message_saying_how_to_resume(capsys, tmp_path):
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
            *("--workers", "2", "--quiet"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list((folder / "runs").glob("part-*.parquet")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to the whole group
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert "interrupted" in err and "run the same command again to resume" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code = main(["sweep", str(spec), "--results", str(folder), "--executor", "serial", "--quiet"])
    assert code == 0 and "resuming" in capsys.readouterr().out
    assert pd.read_parquet(folder / "runs")["run_id"].tolist() == list(range(240))


def test_a_task_timeout_reaches_the_sweep_and_a_quick_sweep_is_unaffected(
    capsys, tmp_path, monkeypatch
):
    import alliance_sim.batch.sweep as sweep_module

    seen = []
    real = sweep_module.run_experiment

    def spy(*args, **kwargs):
        seen.append(kwargs.get("task_timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "run_experiment", spy)
    folder = str(tmp_path / "out")
    code, out, _ = sweep(capsys, tmp_path, GRID_SPEC, "--task-timeout", "30", "--results", folder)
    assert code == 0 and "finished 24 runs" in out
    assert seen == [30.0]


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_a_task_timeout_that_is_not_a_positive_number_exits_2(capsys, tmp_path, value):
    with pytest.raises(SystemExit) as stopped:
        sweep(capsys, tmp_path, GRID_SPEC, f"--task-timeout={value}")
    code = stopped.value.code
    assert code == 2
    assert "--task-timeout" in capsys.readouterr().err


def test_sweep_csv_into_a_folder_that_cannot_be_written_is_refused_before_any_run(capsys, tmp_path):
    target = tmp_path / "readonly"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(target)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.strip()}")
    try:
        folder = tmp_path / "out"
        code, out, err = sweep(
            capsys, tmp_path, GRID_SPEC, "--results", str(folder), "--csv", str(target / "x.csv")
        )
    finally:
        subprocess.run(["umount", str(target)], check=False)
    assert code == 2
    assert f"--csv '{target / 'x.csv'}': cannot write in the folder" in err
    assert "Read-only file system" in err and len(err.strip().splitlines()) == 1
    assert not folder.exists() and "finished" not in out  # refused before the sweep


def test_sweep_csv_that_is_a_folder_is_refused_before_any_run(capsys, tmp_path):
    (tmp_path / "runs.csv").mkdir()
    folder = tmp_path / "out"
    code, _, err = sweep(
        capsys, tmp_path, GRID_SPEC, "--results", str(folder), "--csv", str(tmp_path / "runs.csv")
    )
    assert code == 2 and "is a folder" in err
    assert not folder.exists()


def test_a_csv_export_that_fails_leaves_neither_the_file_nor_a_temporary(tmp_path):
    from alliance_sim.cli.analyse import write_csv
    from alliance_sim.core.errors import AllianceSimError

    target = tmp_path / "small"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(target)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        frame = pd.DataFrame({"x": range(100_000)})
        with pytest.raises(AllianceSimError, match=r"No space left on device.*nothing was written"):
            write_csv(frame, target / "runs.csv")
        assert list(target.iterdir()) == []
    finally:
        subprocess.run(["umount", str(target)], check=False)


def test_analyse_of_a_folder_a_sweep_is_writing_exits_2_naming_the_sweep(capsys, tmp_path):
    from alliance_sim.batch import load_experiment
    from alliance_sim.batch.sweep import open_results

    spec = tmp_path / "spec.toml"
    spec.write_text(GRID_SPEC)
    folder = tmp_path / "out"
    with open_results(folder, load_experiment(spec)):
        code = main(["analyse", str(folder), "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2 and "a sweep is writing it" in err and f"pid {os.getpid()}" in err


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("afile/results", "cannot make the results folder (Not a directory)"),
        ("afile", "cannot be a results folder: it is a file"),
        ("n" * 300, "File name too long"),
    ],
)
def test_a_results_folder_that_cannot_be_made_exits_2_in_one_line(capsys, tmp_path, where, why):
    (tmp_path / "afile").write_text("")
    code, _, err = sweep(capsys, tmp_path, GRID_SPEC, "--results", str(tmp_path / where))
    assert code == 2 and why in err and len(err.strip().splitlines()) == 1


def test_a_csv_name_too_long_exits_2_before_the_sweep(capsys, tmp_path):
    folder = tmp_path / "out"
    code, _, err = sweep(
        capsys,
        tmp_path,
        GRID_SPEC,
        "--results",
        str(folder),
        "--csv",
        str(tmp_path / f"{'n' * 300}.csv"),
    )
    assert code == 2 and "File name too long" in err and not folder.exists()


def test_analyse_of_a_name_too_long_exits_2_in_one_line(capsys, tmp_path):
    assert main(["analyse", str(tmp_path / ("n" * 300))]) == 2
    err = capsys.readouterr().err
    assert "File name too long" in err and len(err.strip().splitlines()) == 1


def test_analyse_figures_into_a_folder_that_cannot_be_made_exits_2_before_analysing(
    capsys, tmp_path, monkeypatch
):
    import alliance_sim.batch.report as report_module

    (tmp_path / "afile").write_text("")
    folder = tmp_path / "out"
    sweep(capsys, tmp_path, GRID_SPEC, "--results", str(folder))
    monkeypatch.setattr(report_module, "analyse_folder", lambda *a, **k: pytest.fail("analysed"))
    code = main(["analyse", str(folder), "--figures", str(tmp_path / "afile" / "figs")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot make the folder (Not a directory)" in err
