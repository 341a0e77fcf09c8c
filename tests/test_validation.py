"""Validation: the patterns are data with a role and a rule; a pattern passes only by its rule;
the command line reports targets and out-of-sample checks apart and exits on the targets."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_sim.cli import main
from alliance_sim.validation import judge
from alliance_sim.validation.defaults import CI_SEED, ROLES, RULES
from alliance_sim.validation.judge import (
    RESULT_COLUMNS,
    ValidationResult,
    judge_interval,
    judge_share,
    validate,
)
from alliance_sim.validation.patterns import PATTERNS, _check_catalogue, checks, pattern, targets
from alliance_sim.validation.report import pattern_table
from alliance_sim.validation.studies import SIMULATIONS, STATISTICS, icc_agreement, studies

ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = {
    "id",
    "role",
    "reason",
    "what",
    "source",
    "published",
    "provenance",
    "judged_by",
    "n",
    "studies",
    "simulated",
    "simulated_low",
    "simulated_high",
    "interval",
    "low",
    "high",
    "tolerance",
    "unit",
    "passed",
}


@pytest.fixture(scope="module")
def result() -> ValidationResult:
    """The validation CI runs: the default replicates and the CI seed."""
    return validate(seed=CI_SEED)


@pytest.fixture(scope="module")
def small() -> ValidationResult:
    """A short run, for the tests of how results are judged and shown."""
    return validate(seed=CI_SEED, replicates=10)


# --- what CI requires -------------------------------------------------------------------------
def test_every_calibration_target_passes_with_the_default_parameters_and_the_ci_seed(result):
    missed = result.targets.loc[
        ~result.targets["passed"], ["id", "simulated", "simulated_low", "simulated_high"]
    ]
    assert missed.empty, missed.to_string()
    assert result.targets_passed


# --- the patterns as data ---------------------------------------------------------------------
def test_there_are_at_least_30_patterns_with_unique_ids():
    ids = [p.id for p in PATTERNS]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)


def test_at_most_half_of_the_patterns_are_calibration_targets():
    assert 2 * len(targets()) <= len(PATTERNS)
    assert len(targets()) + len(checks()) == len(PATTERNS)


@pytest.mark.parametrize("p", PATTERNS, ids=lambda p: p.id)
def test_every_pattern_has_a_source_a_provenance_a_published_figure_and_a_tolerance(p):
    for text in (p.what, p.source, p.published, p.provenance, p.design):
        assert isinstance(text, str) and len(text.strip()) > 3, p.id
    assert p.unit.strip()
    assert p.low < p.high
    assert not (math.isinf(p.low) and math.isinf(p.high))
    assert p.tolerance


@pytest.mark.parametrize("p", PATTERNS, ids=lambda p: p.id)
def test_every_pattern_declares_its_role_with_a_reason_its_rule_and_its_study_size(p):
    assert p.role in ROLES
    assert len(p.reason.strip()) > 10
    assert p.judged_by in RULES
    assert p.n >= 2
    if p.judged_by == "share":
        assert 0.0 < p.low <= 1.0 and p.high == 1.0


@pytest.mark.parametrize("p", PATTERNS, ids=lambda p: p.id)
def test_every_pattern_has_a_statistic_computed_from_a_known_simulation(p):
    assert p.statistic in STATISTICS
    assert set(STATISTICS[p.statistic].needs) <= set(SIMULATIONS)


def test_the_catalogue_refuses_more_targets_than_checks():
    promoted = tuple(dataclasses.replace(p, role="target") for p in PATTERNS)
    with pytest.raises(TypeError, match="more than half"):
        _check_catalogue(promoted)


def test_the_catalogue_refuses_a_share_rule_whose_tolerance_is_not_a_share():
    bad = dataclasses.replace(pattern("ferreira-gpe"), id="bad-share", high=2.0)
    with pytest.raises(TypeError, match="share rule"):
        _check_catalogue((*PATTERNS, bad))


def test_the_calibration_reads_its_targets_from_the_roles():
    from alliance_sim.validation.calibration import Problem

    problem = Problem()
    assert problem.patterns == targets()
    assert not {p.id for p in checks()} & set(problem.observed or {})


def test_the_odd_lists_every_pattern_as_the_data_declares_it():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert pattern_table() in odd, (
        "docs/ODD.md §1.2 differs from the patterns; paste the output of"
        " python -c 'from alliance_sim.validation.report import pattern_table;"
        " print(pattern_table())'"
    )


def test_the_readme_counts_the_targets_and_the_checks_of_the_data():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**target** ({len(targets())} of {len(PATTERNS)}, at most half)" in readme
    assert f"**check** (the other {len(checks())})" in readme


# --- how patterns are judged ------------------------------------------------------------------
def test_a_pattern_whose_mean_is_inside_but_whose_interval_is_not_misses():
    # the old patient-vs-therapist verdict: 0.01 [−0.13, 0.15] against "≥ 0"
    values = np.linspace(-0.13, 0.15, 1001)
    verdict = judge_interval(values, 0.0, math.inf)
    assert values.mean() > 0
    assert verdict.passed is False


def test_an_interval_pattern_passes_when_the_middle_95_percent_of_its_studies_lies_inside():
    values = np.linspace(0.10, 0.20, 1001)
    verdict = judge_interval(values, 0.05, 0.25)
    assert verdict.passed is True
    assert verdict.low == pytest.approx(0.1025) and verdict.high == pytest.approx(0.1975)
    assert verdict.within == 1.0


def test_the_interval_rule_ignores_the_outer_5_percent_of_the_studies():
    values = np.r_[np.full(98, 0.5), -10.0, 10.0]
    assert judge_interval(values, 0.0, 1.0).passed is True


def test_a_share_pattern_passes_only_when_the_stated_share_of_trials_reaches_the_conclusion():
    assert judge_share(np.arange(100) < 79, 0.8).passed is False
    assert judge_share(np.arange(100) < 80, 0.8).passed is True


def test_a_pattern_without_any_study_misses():
    assert judge_interval(np.array([np.nan, np.nan]), 0.0, 1.0).passed is False


def test_the_table_has_one_row_per_pattern_in_order_with_its_role(result):
    assert list(result.table.columns) == list(RESULT_COLUMNS)
    assert list(result.table["id"]) == [p.id for p in PATTERNS]
    assert list(result.table["role"]) == [p.role for p in PATTERNS]


def test_each_interval_row_passes_exactly_when_its_interval_lies_inside_the_tolerance(result):
    rows = result.table[result.table["judged_by"] == "interval"]
    assert len(rows) > 0
    for row in rows.itertuples():
        inside = row.low <= row.simulated_low and row.simulated_high <= row.high
        assert row.passed == inside, row.id
        assert row.simulated_low <= row.simulated <= row.simulated_high, row.id


def test_each_share_row_passes_exactly_when_the_share_reaches_the_stated_share(result):
    rows = result.table[result.table["judged_by"] == "share"]
    assert len(rows) > 0
    for row in rows.itertuples():
        assert row.passed == (row.simulated >= row.low), row.id


def test_every_interval_pattern_is_judged_on_many_simulated_studies(result):
    rows = result.table[result.table["judged_by"] == "interval"]
    assert (rows["studies"] >= 50).all(), rows.loc[rows["studies"] < 50, ["id", "studies"]]


def test_simulated_studies_have_the_published_size_and_only_patients_the_study_measured():
    pool = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0], "y": np.arange(7.0)})
    cut = studies(pool, 2, ["x", "y"])
    assert cut["x"].shape == (3, 2)
    assert cut["x"].tolist() == [[1.0, 3.0], [4.0, 5.0], [6.0, 7.0]]


def test_icc_agreement_reproduces_shrout_and_fleiss_icc_2_1():
    ratings = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    assert icc_agreement(ratings[None])[0] == pytest.approx(0.29, abs=0.005)


def test_icc_agreement_falls_when_one_rater_scores_everyone_higher():
    a = np.linspace(1.0, 5.0, 50)[None]
    same = icc_agreement(np.stack([a, a], axis=-1))[0]
    shifted = icc_agreement(np.stack([a, a + 1.0], axis=-1))[0]
    assert same == pytest.approx(1.0)
    assert shifted < 0.9


# --- running -----------------------------------------------------------------------------------
def test_validation_is_reproducible_from_its_seed():
    first = validate(seed=3, replicates=4).table
    again = validate(seed=3, replicates=4).table
    pd.testing.assert_frame_equal(first, again)


def test_another_seed_gives_other_simulated_values():
    first = validate(seed=3, replicates=4, patterns=targets()).table
    other = validate(seed=4, replicates=4, patterns=targets()).table
    assert not np.allclose(first["simulated"], other["simulated"])


def test_scoring_only_the_targets_gives_them_the_values_of_the_full_run(small):
    alone = validate(seed=CI_SEED, replicates=10, patterns=targets()).table
    full = small.table[small.table["role"] == "target"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, full)


def test_a_clinic_far_from_the_published_engagement_misses_the_dropout_pattern():
    table = validate(
        seed=1, replicates=10, overrides={"p_dropout_typical": 0.4}, patterns=(pattern("dropout"),)
    ).table
    assert table["passed"].tolist() == [False]
    assert table["simulated"].iloc[0] > 0.25


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
    assert all(done <= total for done, total in calls)


# --- command line -----------------------------------------------------------------------------
def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def with_verdicts(
    base: ValidationResult, targets_pass: bool, checks_pass: bool
) -> ValidationResult:
    table = base.table.copy()
    table["passed"] = np.where(table["role"] == "target", targets_pass, checks_pass)
    return dataclasses.replace(base, table=table)


@pytest.fixture
def serve(monkeypatch):
    """Make the command line judge a given result instead of simulating."""

    def use(fixed: ValidationResult) -> None:
        monkeypatch.setattr(judge, "validate", lambda **kwargs: fixed)

    return use


def test_validate_prints_targets_and_checks_apart_with_their_counts(capsys, serve, small):
    serve(small)
    _, out, _ = run_cli(capsys, "validate", "--quiet")
    head, _, tail = out.partition("Checks (out of sample")
    assert "Calibration targets" in head
    for p in PATTERNS:
        assert p.id in (head if p.role == "target" else tail), p.id
    passed = small.counts()
    assert f"targets: {passed['target'][0]} of {passed['target'][1]} within tolerance" in out
    assert (
        f"checks (out of sample): {passed['check'][0]} of {passed['check'][1]} within tolerance"
        in out
    )


def test_validate_exits_0_when_every_target_passes_even_if_checks_miss(capsys, serve, small):
    serve(with_verdicts(small, targets_pass=True, checks_pass=False))
    code, out, _ = run_cli(capsys, "validate", "--quiet")
    assert code == 0
    assert f"targets: {len(targets())} of {len(targets())} within tolerance" in out


def test_validate_exits_1_when_a_calibration_target_misses(capsys, serve, small):
    serve(with_verdicts(small, targets_pass=False, checks_pass=True))
    code, out, _ = run_cli(capsys, "validate", "--quiet")
    assert code == 1
    assert "calibration targets that miss" in out


def test_every_check_that_misses_is_printed(capsys, serve, small):
    serve(with_verdicts(small, targets_pass=True, checks_pass=False))
    _, out, _ = run_cli(capsys, "validate", "--quiet")
    listed = out.partition("checks that miss")[2]
    for p in checks():
        assert f"  {p.id}: simulated" in listed, p.id


def test_validate_json_has_the_role_the_rule_and_the_interval_of_each_pattern(capsys, serve, small):
    serve(with_verdicts(small, targets_pass=True, checks_pass=False))
    code, out, _ = run_cli(capsys, "validate", "--json")
    data = json.loads(out)
    assert [row["id"] for row in data] == [p.id for p in PATTERNS]
    for row in data:
        assert set(row) >= JSON_KEYS
        assert row["role"] in ROLES and row["judged_by"] in RULES
        assert row["interval"] == [row["simulated_low"], row["simulated_high"]]
        assert isinstance(row["passed"], bool)
    assert code == 0


def test_validate_json_exit_code_follows_the_targets(capsys, serve, small):
    serve(with_verdicts(small, targets_pass=False, checks_pass=True))
    code, _, _ = run_cli(capsys, "validate", "--json")
    assert code == 1


def test_validate_runs_the_model_end_to_end_and_exits_on_its_targets(capsys):
    code, out, _ = run_cli(capsys, "validate", "--json", "--replicates", "2")
    data = json.loads(out)
    targets_pass = all(row["passed"] for row in data if row["role"] == "target")
    assert code == (0 if targets_pass else 1)


def test_validate_writes_a_markdown_report_by_role_with_figures(capsys, serve, small, tmp_path):
    serve(with_verdicts(small, targets_pass=True, checks_pass=False))
    report = tmp_path / "validation.md"
    code, out, _ = run_cli(capsys, "validate", "--quiet", "--report", str(report))
    text = report.read_text(encoding="utf-8")
    assert code == 0
    assert f"targets: {len(targets())} of {len(targets())} within tolerance" in text
    assert f"checks (out of sample): 0 of {len(checks())} within tolerance" in text
    assert text.index("## Calibration targets") < text.index("## Checks (out of sample)")
    missed = text.partition("## Checks that miss")[2]
    for p in checks():
        assert f"`{p.id}`" in missed, p.id
    assert "| `fuentes-AE` | target |" in text
    for name in ("fuentes-2014", "ferreira-2013"):
        figure = f"validation-{name}.png"
        assert f"]({figure})" in text
        assert (tmp_path / figure).stat().st_size > 1000
    assert f"wrote report: {report}" in out


def test_validate_help_explains_roles_rules_and_the_exit_code(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["validate", "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    for words in ("target", "check", "out of", "interval", "share", "exit code", "calibrat"):
        assert words in out, words


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
