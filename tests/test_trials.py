"""Virtual trials: protocol files validated like scenarios, the statistics checked on data with
known effects, trials reproducible from a seed, the figures and the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from alliance_sim.cli import main
from alliance_sim.trials import (
    ProtocolError,
    builtin_protocols,
    load_protocol,
    parse_protocol,
    power_curve,
    run_trial,
    trial_figure,
)
from alliance_sim.trials.analysis import analyse

BUILT_IN = ("burns-evon-2007", "ferreira-2013", "fuentes-2014")

FACTORIAL = """\
name = "mini"
title = "A small 2×2"
source = "Nobody 2020"
analysis = "factorial"
n_per_arm = 10
sessions = 1
outcome = "first_session_relief_mm"

[factors]
device = ["active", "sham"]
alliance = ["enhanced", "limited"]

[[arms]]
name = "AE"
levels = { device = "active", alliance = "enhanced" }
parameters = { device = "active", empathy_mean = 0.9 }

[[arms]]
name = "SE"
levels = { device = "sham", alliance = "enhanced" }
parameters = { device = "sham", empathy_mean = 0.9 }

[[arms]]
name = "AL"
levels = { device = "active", alliance = "limited" }
parameters = { device = "active", empathy_mean = 0.1 }

[[arms]]
name = "SL"
levels = { device = "sham", alliance = "limited" }
parameters = { device = "sham", empathy_mean = 0.1 }

[[contrasts]]
arms = ["SE", "AL"]

[[published]]
estimate = "effect:alliance"
text = "12.5 mm"
value = 12.5
low = 8.0
high = 17.0
"""

REGRESSION = """\
name = "cohort"
analysis = "regression"
n_per_arm = 40
sessions = 4
measurement_sessions = "2"

[[arms]]
name = "A"

[[arms]]
name = "B"
parameters = { caseload = 45 }

[[models]]
name = "gpe"
formula = "gpe ~ wai_patient + C(arm)"
term = "wai_patient"
moderation = "wai_patient:C(arm)"

[[published]]
estimate = "coef:gpe"
text = "positive"
expect = "positive"
"""


def write(tmp_path: Path, text: str, name: str = "trial.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    return path, str(caught.value)


# --- built-in protocols -------------------------------------------------------------------------


def test_the_built_in_protocols_are_the_three_published_studies():
    assert tuple(builtin_protocols()) == BUILT_IN


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_protocol_has_a_title_description_source_and_published_values(name):
    protocol = load_protocol(name)
    assert protocol.name == name
    assert protocol.title and protocol.description and protocol.source
    assert protocol.published
    assert {p.estimate for p in protocol.published} <= set(protocol.estimates())
    assert protocol.primary in protocol.estimates()


def test_the_fuentes_protocol_carries_the_published_arm_means_and_tolerances():
    published = {p.estimate: p for p in load_protocol("fuentes-2014").published}
    assert (published["mean:AE"].value, published["mean:AE"].low, published["mean:AE"].high) == (
        31.4,
        26.0,
        36.0,
    )
    assert published["mean:SL"].value == 10.3
    assert published["contrast:SE-AL"].expect == "not-significant"


def test_the_fuentes_arms_differ_only_in_the_device_and_the_therapist_behaviour():
    protocol = load_protocol("fuentes-2014")
    enhanced = protocol.params(protocol.arm("SE"))
    limited = protocol.params(protocol.arm("AL"))
    differing = {name for name in enhanced if enhanced[name] != limited[name]}
    assert differing <= {
        "device",
        "empathy_mean",
        "communication_mean",
        "warmth_mean",
        "patient_as_person_mean",
        "biopsychosocial_mean",
        "n_patients",
    }
    assert enhanced.empathy_mean > limited.empathy_mean
    assert (enhanced.device, limited.device) == ("sham", "active")


# --- protocol files: one mistake per test --------------------------------------------------------


def test_a_user_protocol_file_loads_by_path_and_runs(tmp_path):
    protocol = load_protocol(write(tmp_path, FACTORIAL))
    assert protocol.name == "mini"
    result = run_trial(protocol, seed=1)
    assert result.n_per_arm == {"AE": 10, "SE": 10, "AL": 10, "SL": 10}
    assert len(result.data) == 40


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    path, message = error_for(tmp_path, 'name = "x"\n[factors\n')
    assert message.startswith(f"{path}: not valid TOML")
    assert "line 2" in message


def test_an_unknown_top_level_key_names_the_file_the_key_and_the_allowed_keys(tmp_path):
    path, message = error_for(tmp_path, FACTORIAL.replace('name = "mini"', 'nmae = "mini"'))
    assert message.startswith(str(path))
    assert "unknown key 'nmae'" in message
    assert "allowed keys are name, title" in message


def test_a_parameter_at_the_top_level_is_pointed_to_the_parameters_table(tmp_path):
    _, message = error_for(tmp_path, "empathy_mean = 0.3\n" + FACTORIAL)
    assert "unknown key 'empathy_mean' (parameters go under [parameters])" in message


def test_an_unknown_analysis_names_the_allowed_kinds(tmp_path):
    path, message = error_for(tmp_path, FACTORIAL.replace('"factorial"', '"anova"'))
    assert message == (
        f"{path}: analysis = 'anova' is not allowed: one of 'factorial', 'regression'"
    )


def test_an_unknown_parameter_in_an_arm_names_the_arm_the_key_and_a_suggestion(tmp_path):
    path, message = error_for(
        tmp_path, FACTORIAL.replace("empathy_mean = 0.1 }", "empathy = 0.1 }", 1)
    )
    assert message.startswith(f"{path}: arms[2].parameters.empathy:")
    assert "'empathy_mean'" in message


def test_an_out_of_range_arm_parameter_names_the_value_and_the_range(tmp_path):
    path, message = error_for(
        tmp_path, FACTORIAL.replace("empathy_mean = 0.9", "empathy_mean = 1.9", 1)
    )
    assert message.startswith(f"{path}: arms[0].parameters.empathy_mean:")
    assert "empathy_mean = 1.9 is out of range: allowed is a number from 0 to 1" in message


def test_n_patients_in_a_protocol_is_rejected_because_the_allocation_sets_it(tmp_path):
    _, message = error_for(tmp_path, FACTORIAL + "\n[parameters]\nn_patients = 30\n")
    assert "parameters.n_patients is not allowed: the allocation sets it" in message


def test_a_bad_n_per_arm_names_the_value_and_the_range(tmp_path):
    path, message = error_for(tmp_path, FACTORIAL.replace("n_per_arm = 10", "n_per_arm = 1"))
    assert message == f"{path}: n_per_arm = 1 is not allowed: a whole number from 2 to 100000"


def test_a_bad_number_of_sessions_names_the_key_and_the_range(tmp_path):
    path, message = error_for(tmp_path, FACTORIAL.replace("sessions = 1", "sessions = 0"))
    assert message.startswith(f"{path}: sessions: n_sessions = 0 is out of range")


def test_a_factorial_protocol_needs_four_arms(tmp_path):
    text = FACTORIAL[: FACTORIAL.index('[[arms]]\nname = "SL"')]
    text = text.replace('[[contrasts]]\narms = ["SE", "AL"]\n', "")
    _, message = error_for(tmp_path, text)
    assert "a factorial protocol needs 4 arms (2×2), not 3" in message


def test_an_arm_level_that_is_not_a_level_of_its_factor_names_the_allowed_levels(tmp_path):
    path, message = error_for(
        tmp_path, FACTORIAL.replace('alliance = "limited" }', 'alliance = "low" }', 1)
    )
    assert message == (
        f"{path}: arms[2].levels.alliance = 'low' is not allowed: one of 'enhanced', 'limited'"
    )


def test_a_contrast_of_an_unknown_arm_names_the_arms(tmp_path):
    _, message = error_for(
        tmp_path, FACTORIAL.replace('arms = ["SE", "AL"]', 'arms = ["SE", "XX"]')
    )
    assert "contrasts[0].arms = ['SE', 'XX'] is not allowed" in message
    assert "AE, SE, AL, SL" in message


def test_a_published_row_for_an_unknown_estimate_lists_the_estimates(tmp_path):
    _, message = error_for(
        tmp_path, FACTORIAL.replace('estimate = "effect:alliance"', 'estimate = "effect:empathy"')
    )
    assert "published[0].estimate = 'effect:empathy' is not allowed: one of mean:AE" in message


def test_a_published_tolerance_needs_both_bounds_in_order(tmp_path):
    _, message = error_for(tmp_path, FACTORIAL.replace("high = 17.0", "high = 7.0"))
    assert (
        "published[0].low/high = (8.0, 7.0) is not allowed: both given, with low ≤ high" in message
    )


def test_the_fuentes_protocol_gives_the_papers_own_95_percent_intervals_beside_the_tolerance():
    published = {p.estimate: p for p in load_protocol("fuentes-2014").published}
    assert (published["mean:AE"].ci_low, published["mean:AE"].ci_high) == (27.2, 33.3)
    assert (published["mean:SL"].ci_low, published["mean:SL"].ci_high) == (6.6, 12.7)
    assert published["effect:alliance"].ci_low is None  # the paper gives none for it


def test_a_published_interval_needs_both_ends_in_order(tmp_path):
    _, message = error_for(tmp_path, FACTORIAL.replace("high = 17.0", "high = 17.0\nci_low = 9.0"))
    assert "published[0].ci_low/ci_high = (9.0, None) is not allowed: both given" in message


def test_a_published_expectation_must_be_one_of_the_kinds(tmp_path):
    _, message = error_for(tmp_path, REGRESSION.replace('expect = "positive"', 'expect = "big"'))
    assert "published[0].expect = 'big' is not allowed: one of positive, negative" in message


def test_a_formula_with_an_unknown_column_names_the_model_and_the_columns(tmp_path):
    path, message = error_for(tmp_path, REGRESSION.replace("gpe ~ wai_patient", "gpe ~ wai"))
    assert message.startswith(
        f"{path}: models[0].formula = 'gpe ~ wai + C(arm)' is not allowed: unknown column 'wai';"
        " the columns are C(arm), patient_id"
    )
    assert "wai_patient" in message


def test_a_term_that_is_not_a_coefficient_of_the_formula_lists_the_coefficients(tmp_path):
    _, message = error_for(
        tmp_path, REGRESSION.replace('term = "wai_patient"', 'term = "wai_therapist"')
    )
    assert "models[0].term = 'wai_therapist' is not allowed: a coefficient of the model" in message
    assert "'Intercept', 'C(arm)[T.B]', 'wai_patient'" in message


def test_factorial_keys_in_a_regression_protocol_are_rejected(tmp_path):
    _, message = error_for(tmp_path, 'outcome = "gpe"\n' + REGRESSION)
    assert "outcome is for analysis = 'factorial', not 'regression'" in message


def test_a_missing_protocol_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ProtocolError, match=re.escape(f"{path}: no such protocol file")):
        load_protocol(path)


def test_an_unknown_protocol_name_lists_the_built_in_names():
    with pytest.raises(ProtocolError) as caught:
        load_protocol("fuentes")
    for name in BUILT_IN:
        assert name in str(caught.value)


def test_parse_protocol_names_the_source_it_was_given():
    with pytest.raises(ProtocolError, match=r"^from a notebook: analysis = None"):
        parse_protocol('name = "x"\n', "from a notebook")


# --- the statistics, on synthetic data with a known answer ----------------------------------------

TRUE_MEANS = {"AE": 31.4, "SE": 22.2, "AL": 18.3, "SL": 10.3}
DATASETS = 500


def coverage_band(n: int = DATASETS, level: float = 0.95) -> tuple[float, float]:
    """The range of covering intervals that a 95% interval gives 99.9% of the time."""
    low, high = stats.binom.interval(0.999, n, level)
    return low, high


def synthetic_factorial(rng: np.random.Generator, n: int = 30, sd: float = 12.0) -> pd.DataFrame:
    rows = []
    for r in range(DATASETS):
        for arm, mean in TRUE_MEANS.items():
            for value in rng.normal(mean, sd, n):
                rows.append((r, arm, value))
    return pd.DataFrame(rows, columns=["replicate", "arm", "first_session_relief_mm"])


@pytest.fixture(scope="module")
def factorial_estimates():
    protocol = load_protocol("fuentes-2014")
    return analyse(protocol, synthetic_factorial(np.random.default_rng(11)))


@pytest.mark.parametrize(
    ("estimate", "truth"),
    [
        ("mean:SE", 22.2),
        ("effect:alliance", (31.4 + 22.2 - 18.3 - 10.3) / 2),
        ("effect:device", (31.4 - 22.2 + 18.3 - 10.3) / 2),
        ("interaction", (31.4 - 22.2) - (18.3 - 10.3)),
        ("contrast:SE-AL", 22.2 - 18.3),
    ],
)
def test_factorial_95_percent_intervals_cover_the_true_difference_at_the_stated_rate(
    factorial_estimates, estimate, truth
):
    rows = factorial_estimates[factorial_estimates["estimate"] == estimate]
    assert len(rows) == DATASETS
    covered = int(((rows["ci_low"] <= truth) & (truth <= rows["ci_high"])).sum())
    low, high = coverage_band()
    assert low <= covered <= high
    assert rows["value"].mean() == pytest.approx(truth, abs=0.5)


def test_the_factorial_test_of_a_null_contrast_rejects_at_about_five_percent():
    protocol = load_protocol("fuentes-2014")
    rng = np.random.default_rng(12)
    data = synthetic_factorial(rng)
    data["first_session_relief_mm"] = rng.normal(20.0, 12.0, len(data))  # no effects at all
    rows = analyse(protocol, data)
    rows = rows[rows["estimate"] == "effect:alliance"]
    rejected = int((rows["p_value"] < 0.05).sum())
    low, high = stats.binom.interval(0.999, DATASETS, 0.05)
    assert low <= rejected <= high


def synthetic_cohort(
    rng: np.random.Generator, slope: float, moderated: float = 0.0
) -> pd.DataFrame:
    n = 120
    frames = []
    for r in range(DATASETS):
        arm = np.repeat(["A", "B", "C"], n // 3)
        wai = rng.normal(4.0, 0.5, n)
        baseline = rng.normal(5.0, 2.0, n)
        shift = np.select([arm == "B", arm == "C"], [0.5, -0.3], 0.0)
        extra = np.where(arm == "B", moderated * wai, 0.0)
        function = 1.0 + slope * wai + 0.6 * baseline + shift + extra + rng.normal(0, 1.5, n)
        frames.append(
            pd.DataFrame(
                {
                    "replicate": r,
                    "arm": arm,
                    "wai_patient": wai,
                    "function_baseline": baseline,
                    "function": function,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def regression_protocol(moderation: bool):
    text = REGRESSION.replace(
        'formula = "gpe ~ wai_patient + C(arm)"',
        'formula = "function ~ wai_patient + function_baseline + C(arm)"',
    ).replace('name = "B"\n', 'name = "B"\n', 1)
    text = text.replace('[[models]]\nname = "gpe"', '[[models]]\nname = "function"')
    text = text.replace('estimate = "coef:gpe"', 'estimate = "coef:function"')
    text = text.replace(
        "parameters = { caseload = 45 }", 'parameters = { caseload = 45 }\n\n[[arms]]\nname = "C"'
    )
    if not moderation:
        text = text.replace('moderation = "wai_patient:C(arm)"\n', "")
    return parse_protocol(text, "synthetic")


def test_regression_95_percent_intervals_cover_the_true_coefficient_at_the_stated_rate():
    rows = analyse(regression_protocol(False), synthetic_cohort(np.random.default_rng(13), 0.8))
    rows = rows[rows["estimate"] == "coef:function"]
    covered = int(((rows["ci_low"] <= 0.8) & (rows["ci_high"] >= 0.8)).sum())
    low, high = coverage_band()
    assert low <= covered <= high
    assert rows["value"].mean() == pytest.approx(0.8, abs=0.05)


def test_the_effect_modification_test_rejects_at_about_five_percent_without_modification():
    rows = analyse(regression_protocol(True), synthetic_cohort(np.random.default_rng(14), 0.8))
    rows = rows[rows["estimate"] == "moderation:function"]
    rejected = int((rows["p_value"] < 0.05).sum())
    low, high = stats.binom.interval(0.999, DATASETS, 0.05)
    assert low <= rejected <= high


def test_the_effect_modification_test_finds_a_strong_modification():
    rows = analyse(regression_protocol(True), synthetic_cohort(np.random.default_rng(15), 0.8, 4.0))
    rows = rows[rows["estimate"] == "moderation:function"]
    assert (rows["p_value"] < 0.05).mean() > 0.9


# --- running trials -------------------------------------------------------------------------------


def test_a_trial_is_reproducible_from_its_seed():
    first = run_trial("fuentes-2014", replicates=3, seed=5).estimates
    again = run_trial("fuentes-2014", replicates=3, seed=5).estimates
    pd.testing.assert_frame_equal(first, again)


def test_different_seeds_give_different_trials():
    first = run_trial("fuentes-2014", seed=5).table["simulated"]
    other = run_trial("fuentes-2014", seed=6).table["simulated"]
    assert not np.allclose(first, other)


def test_the_arms_of_a_trial_are_independent_groups_of_patients():
    data = run_trial("fuentes-2014", seed=5).data
    baselines = data.groupby("arm")["pain_baseline_mm"].apply(lambda s: tuple(s.round(6)))
    assert baselines.nunique() == 4


def test_n_per_arm_overrides_the_protocols_allocation():
    result = run_trial("fuentes-2014", n_per_arm=12, seed=1)
    assert result.n_per_arm == {"AE": 12, "SE": 12, "AL": 12, "SL": 12}
    assert result.data.groupby("arm").size().tolist() == [12, 12, 12, 12]


def test_the_result_table_sets_each_estimate_beside_the_published_value():
    table = run_trial("fuentes-2014", replicates=20, seed=2).table
    row = table.set_index("estimate").loc["mean:AE"]
    assert row["published"] == "31.4 mm"
    assert (row["low"], row["high"]) == (26.0, 36.0)
    assert row["simulated_low"] <= row["simulated"] <= row["simulated_high"]
    assert row["interval"] == "95% of trials"
    assert row["agrees"] == float(26.0 <= row["simulated"] <= 36.0)


def test_progress_is_reported_as_done_and_total_and_reaches_the_total():
    calls: list[tuple[int, int]] = []
    run_trial(
        "fuentes-2014", replicates=2, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (8, 8)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_power_grows_with_the_number_of_patients_per_arm():
    curve = power_curve(load_protocol("fuentes-2014"), [4, 40], replicates=60, seed=3)
    assert list(curve["n_per_arm"]) == [4, 40]
    assert curve["power"].iloc[0] < curve["power"].iloc[1]
    assert (curve["power_low"] <= curve["power"]).all() and (
        curve["power"] <= curve["power_high"]
    ).all()


@pytest.mark.parametrize(("bad", "match"), [(1, "n_per_arm = 1"), (True, "n_per_arm = True")])
def test_run_trial_rejects_a_bad_size(bad, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        run_trial("fuentes-2014", n_per_arm=bad)


def test_run_trial_rejects_zero_replicates():
    with pytest.raises(ValueError, match="replicates = 0 is not allowed"):
        run_trial("fuentes-2014", replicates=0)


@pytest.mark.parametrize("name", ["fuentes-2014", "ferreira-2013"])
def test_the_trial_figure_has_labelled_axes_and_a_title(name):
    fig = trial_figure(run_trial(name, replicates=3, seed=1))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title()
    assert ax.get_xlabel() or ax.get_ylabel()


@pytest.mark.parametrize("name", ["fuentes-2014", "ferreira-2013", "burns-evon-2007"])
def test_everything_drawn_in_the_trial_figure_lies_inside_it(name):
    # Long labels and published findings used to run off the edges (Burns & Evon).
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = trial_figure(run_trial(name, replicates=3, seed=1))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    drawn = fig.get_tightbbox(canvas.get_renderer())  # inches, every drawn artist
    page = fig.bbox_inches
    tolerance = 0.02
    assert drawn.x0 >= page.x0 - tolerance and drawn.y0 >= page.y0 - tolerance, drawn
    assert drawn.x1 <= page.x1 + tolerance and drawn.y1 <= page.y1 + tolerance, drawn


def test_a_trial_too_small_for_its_models_leaves_their_estimates_out_and_says_so():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # statsmodels' rank and divide warnings included
        result = run_trial("ferreira-2013", n_per_arm=2, replicates=10, seed=1)
    table = result.table.set_index("estimate")
    # Two patients per arm leave no error for the moderation model of function.
    moderation = table.loc["moderation:function"]
    assert moderation["estimated"] == 0
    assert np.isnan(moderation["simulated"]) and np.isnan(moderation["agrees"])
    short = table[table["estimated"] < 10]
    note = result.estimation_note()
    assert note is not None
    for row in short.itertuples():
        assert f"{row.label}: {row.estimated} of 10" in note
    # What is reported comes from real fits, never from one that passes through every
    # patient (that gave F = 6e23 before).
    values = result.estimates["value"].dropna()
    assert len(values) > 0 and (values.abs() < 1e6).all(), values.abs().max()


def test_a_trial_large_enough_estimates_everything_in_every_trial():
    result = run_trial("ferreira-2013", replicates=3, seed=1)
    assert (result.table["estimated"] == 3).all()
    assert result.estimation_note() is None


# --- command line ---------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_trial_too_small_for_its_models_prints_a_note_and_no_nan(capsys):
    code, out, _ = run_cli(
        capsys, "trial", "ferreira-2013", "--n-per-arm", "2", "--replicates", "3", "--seed", "1"
    )
    assert code == 0
    assert "nan" not in out.lower()
    assert "note: too few patients with data" in out and "use more patients per arm" in out


def test_trial_prints_the_published_and_the_simulated_table(capsys):
    code, out, _ = run_cli(capsys, "trial", "fuentes-2014", "--seed", "1")
    assert code == 0
    assert "Fuentes" in out and "Phys Ther 94(4)" in out
    for label in ("Active IFC + enhanced alliance", "31.4 mm", "device × alliance interaction"):
        assert label in out
    assert "95% CI" in out


def test_trial_json_has_one_row_per_estimate_with_published_and_simulated(capsys):
    code, out, _ = run_cli(capsys, "trial", "ferreira-2013", "--replicates", "3", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["protocol"] == "ferreira-2013"
    assert data["n_per_arm"] == {"GE": 61, "MCE": 61, "SMT": 61}
    assert [row["estimate"] for row in data["rows"]] == load_protocol("ferreira-2013").estimates()
    for key in ("label", "published", "simulated", "simulated_low", "simulated_high", "agrees"):
        assert key in data["rows"][0]


def test_trial_power_prints_the_power_at_each_size(capsys):
    code, out, _ = run_cli(
        capsys, "trial", "fuentes-2014", "--power", "5,30", "--power-replicates", "20"
    )
    assert code == 0
    assert "power to detect effect:alliance" in out
    assert re.search(r"\n\s+5 per arm: .*%", out) and re.search(r"\n\s+30 per arm: .*%", out)


def test_trial_figure_is_written(capsys, tmp_path):
    target = tmp_path / "fuentes.png"
    code, _, _ = run_cli(capsys, "trial", "fuentes-2014", "--figure", str(target))
    assert code == 0
    assert target.stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trial", "nonesuch"], "unknown protocol 'nonesuch'"),
        (["trial", "fuentes-2014", "--n-per-arm", "1"], "--n-per-arm 1 is out of range"),
        (["trial", "fuentes-2014", "--power", "10,x"], "expected whole numbers"),
        (["trial", "fuentes-2014", "--figure", "out.gif"], "unsupported file type"),
    ],
)
def test_trial_user_mistakes_exit_2_with_one_line(capsys, args, message):
    with pytest.raises(SystemExit) as caught:
        code = main(args)
        raise SystemExit(code)
    _, err = capsys.readouterr()
    assert caught.value.code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_bad_protocol_file_exits_2_naming_the_file(capsys, tmp_path):
    path = write(tmp_path, FACTORIAL.replace("n_per_arm = 10", "n_per_arm = 1"))
    code, _, err = run_cli(capsys, "trial", str(path))
    assert code == 2
    assert f"{path}: n_per_arm = 1 is not allowed" in err
