"""Validation: every published pattern passes with the default parameters and the CI seed;
the verdicts follow the tolerances; the command line reports them and sets the exit code."""

from __future__ import annotations

import json
import math

import pytest

from alliance_sim.cli import main
from alliance_sim.validation import patterns as validation
from alliance_sim.validation.patterns import CI_SEED, PATTERNS, RESULT_COLUMNS, validate

JSON_KEYS = {"id", "source", "published", "simulated", "low", "high", "passed"}


@pytest.fixture(scope="module")
def result():
    return validate(seed=CI_SEED)


def test_every_published_pattern_passes_with_the_default_parameters(result):
    failed = result.table.loc[~result.table["passed"], ["id", "simulated", "tolerance"]]
    assert failed.empty, failed.to_string()
    assert result.passed


def test_the_table_has_one_row_per_pattern_in_order(result):
    assert list(result.table.columns) == list(RESULT_COLUMNS)
    assert list(result.table["id"]) == [p.id for p in PATTERNS]


def test_a_pattern_passes_exactly_when_its_simulated_value_lies_within_the_tolerance(result):
    for row in result.table.itertuples():
        assert row.passed == (row.low <= row.simulated <= row.high), row.id


def test_each_simulated_value_lies_within_its_reported_interval(result):
    for row in result.table.itertuples():
        if row.id != "patient-vs-therapist":  # pooled ρ vs the spread of per-clinic ρ
            assert row.simulated_low <= row.simulated <= row.simulated_high, row.id


def test_validation_is_reproducible_from_its_seed():
    first = validate(seed=3, replicates=10).table
    again = validate(seed=3, replicates=10).table
    assert first.equals(again)


def test_a_clinic_far_from_the_published_engagement_fails_the_dropout_pattern():
    table = validate(seed=1, replicates=10, overrides={"p_dropout_typical": 0.4}).table
    verdict = dict(zip(table["id"], table["passed"], strict=True))
    assert verdict["dropout"] is False


@pytest.mark.parametrize(("bad", "match"), [(1, "replicates = 1"), (2.5, "replicates = 2.5")])
def test_validate_rejects_a_bad_number_of_replicates(bad, match):
    with pytest.raises(ValueError, match=match):
        validate(replicates=bad)


def test_validate_rejects_an_unknown_override():
    with pytest.raises(ValueError, match="unknown parameter 'empathy'"):
        validate(replicates=2, overrides={"empathy": 0.3})


def test_progress_reaches_its_total():
    calls: list[tuple[int, int]] = []
    validate(seed=1, replicates=2, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1]


# --- command line ---------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_prints_every_pattern_and_exits_0_when_all_pass(capsys):
    code, out, _ = run_cli(capsys, "validate")
    assert code == 0
    for pattern in PATTERNS:
        assert pattern.id in out
    assert f"{len(PATTERNS)} of {len(PATTERNS)} patterns pass" in out


def test_validate_json_is_a_list_of_objects_with_the_documented_keys(capsys):
    code, out, _ = run_cli(capsys, "validate", "--json", "--replicates", "20")
    data = json.loads(out)
    assert code in (0, 1)
    assert [row["id"] for row in data] == [p.id for p in PATTERNS]
    for row in data:
        assert set(row) >= JSON_KEYS
        assert isinstance(row["passed"], bool)
        assert row["high"] is None or math.isfinite(row["high"])
    assert code == (0 if all(row["passed"] for row in data) else 1)


def test_validate_exits_1_when_a_pattern_fails(capsys, monkeypatch):
    real = validation.validate

    def failing(**kwargs):
        return real(**kwargs, overrides={"p_dropout_typical": 0.4})

    monkeypatch.setattr(validation, "validate", failing)
    code, out, _ = run_cli(capsys, "validate", "--replicates", "10")
    assert code == 1
    assert "FAIL" in out


def test_validate_writes_a_markdown_report_with_figures(capsys, tmp_path):
    report = tmp_path / "validation.md"
    code, out, _ = run_cli(capsys, "validate", "--replicates", "10", "--report", str(report))
    text = report.read_text(encoding="utf-8")
    assert code in (0, 1)
    assert "| `fuentes-AE` |" in text
    for figure in ("validation-fuentes-2014.png", "validation-ferreira-2013.png"):
        assert f"]({figure})" in text
        assert (tmp_path / figure).stat().st_size > 1000
    assert f"wrote report: {report}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--replicates", "1"], "replicates 1 is out of range"),
        (["validate", "--seed", "-1"], "seed -1 is out of range"),
        (["validate", "--report", "/nonexistent/folder/v.md"], "does not exist"),
    ],
)
def test_validate_user_mistakes_exit_2_with_one_line(capsys, args, message):
    try:
        code = main(args)
    except SystemExit as stop:
        code = stop.code
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert "Traceback" not in err
