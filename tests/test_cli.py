"""The command line: each subcommand's output, files, JSON and errors (exit code 2, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from alliance_sim.cli import main
from alliance_sim.core.params import SCHEMA
from alliance_sim.scenarios import builtin_scenarios

SMALL = ["--set", "n_patients=30"]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_params_lists_every_parameter_with_default_range_and_reference(capsys):
    code, out, _ = run_cli(capsys, "params")
    assert code == 0
    for name, spec in SCHEMA.items():
        assert f"  {name}  (default {spec.default}" in out
    assert "Reference: Mead & Bower 2000" in out


def test_params_json_has_one_object_per_parameter(capsys):
    code, out, _ = run_cli(capsys, "params", "--json")
    data = json.loads(out)
    assert code == 0
    assert [row["name"] for row in data] == list(SCHEMA)
    empathy = next(row for row in data if row["name"] == "empathy_mean")
    assert (empathy["low"], empathy["high"], empathy["default"]) == (
        0.0,
        1.0,
        SCHEMA["empathy_mean"].default,
    )


def test_params_group_filter_shows_only_that_group(capsys):
    _, out, _ = run_cli(capsys, "params", "--group", "clinic")
    assert "n_sessions" in out
    assert "empathy_mean" not in out


def test_scenarios_lists_each_builtin_with_its_description(capsys):
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0
    for scenario in builtin_scenarios().values():
        assert scenario.name in out
        assert scenario.description in out


def test_run_writes_tidy_parquet_tables_that_open_in_pandas(capsys, tmp_path):
    out_path = tmp_path / "run.parquet"
    code, out, _ = run_cli(
        capsys,
        "run",
        "shared-power",
        "--set",
        "empathy_mean=0.3",
        "--seed",
        "7",
        *SMALL,
        "--out",
        str(out_path),
    )
    assert code == 0
    sessions = pd.read_parquet(out_path)
    patients = pd.read_parquet(tmp_path / "run_patients.parquet")
    summary = pd.read_parquet(tmp_path / "run_summary.parquet")
    questionnaires = pd.read_parquet(tmp_path / "run_questionnaires.parquet")
    assert len(sessions) == 30 * SCHEMA["n_sessions"].default
    assert len(patients) == 30
    assert (
        len(summary) == 1
        and summary.loc[0, "scenario"] == "shared-power"
        and summary.loc[0, "seed"] == 7
    )
    assert set(questionnaires["answer"]) <= {1, 2, 3, 4, 5, 6, 7}
    assert "wrote sessions" in out


def test_run_csv_has_the_same_sessions_table_as_parquet(capsys, tmp_path):
    run_cli(capsys, "run", "default", *SMALL, "--out", str(tmp_path / "a.parquet"), "--quiet")
    run_cli(capsys, "run", "default", *SMALL, "--out", str(tmp_path / "a.csv"), "--quiet")
    parquet = pd.read_parquet(tmp_path / "a.parquet")
    csv = pd.read_csv(tmp_path / "a.csv")
    pd.testing.assert_frame_equal(parquet, csv, check_dtype=False)


def test_run_json_reports_summary_and_changed_parameters(capsys):
    code, out, _ = run_cli(capsys, "run", "low-empathy", "--seed", "3", *SMALL, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["scenario"] == "low-empathy" and data["seed"] == 3
    assert data["parameters"] == {"empathy_mean": 0.3, "n_patients": 30}
    assert 0.0 <= data["summary"]["adherence"] <= 1.0


def test_run_same_seed_gives_the_same_json_and_other_seed_differs(capsys):
    _, first, _ = run_cli(capsys, "run", "default", "--seed", "5", *SMALL, "--json")
    _, again, _ = run_cli(capsys, "run", "default", "--seed", "5", *SMALL, "--json")
    _, other, _ = run_cli(capsys, "run", "default", "--seed", "6", *SMALL, "--json")
    assert first == again
    assert json.loads(first)["summary"] != json.loads(other)["summary"]


def test_run_saves_a_figure(capsys, tmp_path):
    code, _, _ = run_cli(
        capsys, "run", "default", *SMALL, "--figure", str(tmp_path / "run.png"), "--quiet"
    )
    assert code == 0
    assert (tmp_path / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_json_has_outcomes_with_paired_differences(capsys, tmp_path):
    code, out, _ = run_cli(
        capsys,
        "compare",
        "paternalistic",
        "shared-power",
        "--replicates",
        "4",
        *SMALL,
        "--json",
        "--figure",
        str(tmp_path / "c.png"),
    )
    data = json.loads(out)
    assert code == 0
    metrics = {row["metric"]: row for row in data["outcomes"]}
    for name in (
        "goal_agreement",
        "task_agreement",
        "bond",
        "alliance",
        "adherence",
        "attendance",
        "dropout",
        "pain_mm",
        "disability",
        "gpe",
        "wai_patient",
        "wai_therapist",
    ):
        row = metrics[name]
        assert set(row) >= {"metric", "mean_a", "mean_b", "diff", "ci_low", "ci_high"}
        assert row["diff"] == pytest.approx(row["mean_b"] - row["mean_a"])
        assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    assert metrics["goal_agreement"]["diff"] > 0
    assert (tmp_path / "c.png").exists()


def test_compare_prints_a_table_and_saves_the_figure(capsys, tmp_path):
    figure = tmp_path / "compare.png"
    code, out, _ = run_cli(
        capsys,
        "compare",
        "paternalistic",
        "shared-power",
        "--replicates",
        "3",
        *SMALL,
        "--figure",
        str(figure),
        "--quiet",
    )
    assert code == 0
    assert "Goal agreement" in out and "95% CI" in out and "B − A" in out
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_compare_set_a_changes_only_clinic_a(capsys):
    _, out, _ = run_cli(
        capsys,
        "compare",
        "default",
        "default",
        "--replicates",
        "2",
        *SMALL,
        "--set-a",
        "empathy_mean=0.2",
        "--json",
        "--no-figure",
    )
    data = json.loads(out)
    assert data["a"]["parameters"]["empathy_mean"] == 0.2
    assert "empathy_mean" not in data["b"]["parameters"]
    bond = next(row for row in data["outcomes"] if row["metric"] == "bond")
    assert bond["diff"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "default", "--set", "empathy=0.3"], "unknown parameter 'empathy'"),
        (
            ["run", "default", "--set", "empathy_mean=1.5"],
            "empathy_mean = 1.5 is out of range: allowed is a number from 0 to 1",
        ),
        (["run", "default", "--set", "empathy_mean=nan"], "empathy_mean = nan is not a number"),
        (["run", "default", "--set", "n_patients=abc"], "n_patients = 'abc' is not a number"),
        (["run", "default", "--set", "n_patients=2.5"], "n_patients = 2.5 is not a whole number"),
        (
            ["run", "default", "--set", "assignment=best"],
            "assignment = 'best' is not allowed: allowed is one of 'random', 'match'",
        ),
        (["run", "default", "--set", "empathy_mean"], "expected NAME=VALUE"),
        (["run", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
        (["run", "missing.toml"], "missing.toml: no such scenario file"),
        (["run", "default", "--out", "run.xlsx"], "unsupported file type '.xlsx'"),
        (["run", "default", "--out", "no/such/folder/run.parquet"], "does not exist"),
        (
            ["compare", "default", "shared-power", "--metrics", "happiness"],
            "unknown metric 'happiness'",
        ),
        (["compare", "default", "shared-power", "--figure", "out.gif"], "unsupported file type"),
    ],
)
def test_user_mistakes_exit_2_with_a_one_line_message(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    "args",
    [
        ["run", "default", "--seed", "-1"],
        ["run", "default", "--seed", "x"],
        ["compare", "a"],
        ["compare", "default", "shared-power", "--replicates", "1"],
        ["frobnicate"],
    ],
)
def test_bad_options_exit_2_with_usage_hint(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert "error:" in err and "--help" in err


def test_bad_scenario_file_is_reported_with_file_key_and_reason(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[parameters]\nn_sessions = 80\n')
    code, _, err = run_cli(capsys, "run", str(path))
    assert code == 2
    assert (
        f"{path}: parameters.n_sessions: n_sessions = 80 is out of range: allowed is an integer from 1 to 52"
        in err
    )


def test_every_subcommand_help_shows_examples():
    for command in ("run", "compare"):
        result = subprocess.run(
            [sys.executable, "-m", "alliance_sim", command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "examples:" in result.stdout
        assert f"alliance-sim {command}" in result.stdout


HEAVY_LIBRARIES = ("pandas", "mesa", "matplotlib", "scipy", "statsmodels")

# Run in a fresh interpreter: the test process has imported the whole library.
EVERY_HELP = """
import argparse, contextlib, io, json, sys

from alliance_sim.cli import build_parser, main

parser = build_parser()
commands = next(
    list(action.choices)
    for action in parser._actions
    if isinstance(action, argparse._SubParsersAction)
)
codes = {}
for command in ["", *commands]:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main([command, "--help"] if command else ["--help"])
        except SystemExit as stop:
            codes[command] = stop.code
loaded = sorted({name.partition(".")[0] for name in sys.modules})
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


def test_help_of_every_command_loads_no_heavy_library():
    result = subprocess.run([sys.executable, "-c", EVERY_HELP], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["codes"]) >= {"", "run", "compare", "validate", "lesson", "params"}
    assert all(code == 0 for code in report["codes"].values()), report["codes"]
    assert [name for name in HEAVY_LIBRARIES if name in report["loaded"]] == []


LAZY_PACKAGE = """
import sys

import alliance_sim

assert [name for name in sys.modules if name.partition(".")[0] == "pandas"] == []
import alliance_sim.comparison

from alliance_sim import __all__, compare

assert compare is sys.modules["alliance_sim.comparison"].compare
assert callable(compare) and alliance_sim.comparison.__name__ == "alliance_sim.comparison"
assert set(__all__) <= set(dir(alliance_sim))
for name in __all__:
    getattr(alliance_sim, name)
"""


def test_the_package_imports_its_public_names_on_first_use():
    result = subprocess.run([sys.executable, "-c", LAZY_PACKAGE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_console_script_runs_outside_python(tmp_path):
    result = subprocess.run(
        ["alliance-sim", "scenarios"], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert "shared-power" in result.stdout


def test_run_summary_file_records_every_parameter_so_the_run_can_be_repeated(capsys, tmp_path):
    run_cli(
        capsys,
        "run",
        "shared-power",
        "--set",
        "n_patients=20",
        "--seed",
        "4",
        "--out",
        str(tmp_path / "r.parquet"),
        "--quiet",
    )
    summary = pd.read_parquet(tmp_path / "r_summary.parquet").iloc[0]
    assert summary["power_sharing_mean"] == 0.85 and summary["n_patients"] == 20
    assert summary["seed"] == 4
    for name in SCHEMA:
        assert name in summary.index


# --- every path ends in a line: exit 0, 1, 2, 3 (internal) or 130 -----------------------------

TINY = ["--set", "n_patients=3", "--set", "n_sessions=2", "--quiet"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "default", "--out", "", *TINY], "--out '': an empty file name"),
        (["run", "default", "--figure", "", *TINY], "--figure '': an empty file name"),
        (["compare", "", "default"], "scenario = '' is empty: give a built-in name"),
        (["run", "x" * 5000 + ".toml"], "cannot read the scenario file: File name too long"),
        (["run", "default", "--out", "y" * 300 + ".csv", *TINY], "File name too long"),
        (["run", "default", "--set", "n_patients=" + "9" * 5000], "n_patients = '999"),
        (["run", "default", "--set", "measurement_sessions=12"], "with n_sessions = 10"),
        (["run", "default", "--seed", "9" * 5000], "seed '999"),
        (["lesson", "no-such-lesson"], "unknown lesson 'no-such-lesson'"),
        (["validate", "--report", ""], "--report '': an empty file name"),
    ],
)
def test_odd_arguments_exit_2_with_one_short_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's own errors: a line and a hint
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.splitlines()[0]) < 400
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_error_is_one_line_asking_for_a_report_with_exit_3(capsys, monkeypatch):
    import alliance_sim.cli.catalog as catalog

    def broken(args):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(catalog, "cmd_params", broken)
    code = main(["params"])
    err = capsys.readouterr().err
    assert code == 3
    assert err == (
        "alliance-sim: internal error (RuntimeError: a bug over two lines); please report it"
        " — rerun with --debug for the traceback\n"
    )


def test_debug_anywhere_on_the_line_shows_the_traceback_of_an_internal_error(capsys, monkeypatch):
    import alliance_sim.cli.catalog as catalog

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalog, "cmd_params", broken)
    code = main(["params", "--debug"])
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert err.endswith("alliance-sim: internal error (RuntimeError: a bug); please report it\n")


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    import alliance_sim.cli.catalog as catalog

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog, "cmd_scenarios", interrupted)
    assert main(["scenarios"]) == 130
    assert capsys.readouterr().err == "alliance-sim: interrupted\n"


def test_an_os_error_the_library_did_not_name_is_one_line_naming_the_file(capsys, monkeypatch):
    import alliance_sim.cli.catalog as catalog

    def unreadable(args):
        raise PermissionError(13, "Permission denied", "/some/file")

    monkeypatch.setattr(catalog, "cmd_scenarios", unreadable)
    assert main(["scenarios"]) == 2
    assert capsys.readouterr().err == "alliance-sim: error: /some/file: Permission denied\n"


# --- all-or-nothing outputs -------------------------------------------------------------------


def test_run_out_does_not_replace_the_file_when_a_sibling_cannot_be_written(
    capsys, tmp_path, monkeypatch
):
    (tmp_path / "x.parquet").write_text("old", encoding="utf-8")
    (tmp_path / "x_patients.parquet").mkdir()
    # A relative path: messages cut paths longer than 80 characters in the middle, and the
    # length of tmp_path depends on how many pytest runs came before.
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "run", "default", "--out", "x.parquet", *TINY)
    assert code == 2
    assert "x_patients.parquet" in err
    assert "': cannot write it: it is a folder" in err
    assert (tmp_path / "x.parquet").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet", "x_patients.parquet"]


def test_run_writes_the_tables_and_the_figure_together(capsys, tmp_path):
    out, figure = tmp_path / "r.csv", tmp_path / "r.png"
    code, _, _ = run_cli(
        capsys, "run", "default", "--out", str(out), "--figure", str(figure), *TINY
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "r.csv",
        "r.png",
        "r_clinic.csv",
        "r_patients.csv",
        "r_questionnaires.csv",
        "r_summary.csv",
    ]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_figure_aimed_at_a_folder_is_refused_and_leaves_no_temporary_file(
    capsys, tmp_path, monkeypatch, command
):
    (tmp_path / "fig.png").mkdir()
    scenarios = (
        ["default"] if command == "run" else ["default", "shared-power", "--replicates", "2"]
    )
    monkeypatch.chdir(tmp_path)  # a short path: long ones are cut in the middle in messages
    code, _, err = run_cli(capsys, command, *scenarios, "--figure", "fig.png", *TINY)
    assert code == 2
    assert "fig.png': cannot write it: it is a folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]
    assert list((tmp_path / "fig.png").iterdir()) == []


def test_a_full_disk_leaves_the_old_results_and_no_temporary_file(capsys, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (disk / "x.csv").write_text("old", encoding="utf-8")
        code, _, err = run_cli(
            capsys,
            "run",
            "default",
            "--out",
            str(disk / "x.csv"),
            "--set",
            "n_patients=60",
            "--quiet",
        )
        assert code == 2
        assert "No space left on device (nothing was written)" in err
        assert len(err.splitlines()) == 1
        assert sorted(p.name for p in disk.iterdir()) == ["x.csv"]
        assert (disk / "x.csv").read_text(encoding="utf-8") == "old"
    finally:
        subprocess.run(["umount", str(disk)], check=False)
