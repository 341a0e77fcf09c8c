"""What-ifs with parameter uncertainty: run, compare and trial with --uncertainty; validate --posterior."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alliance_sim.cli import main
from alliance_sim.comparison import compare
from alliance_sim.core.params import Params
from alliance_sim.core.posterior import default_posterior
from alliance_sim.trials import run_trial
from alliance_sim.validation.judge import validate_posterior
from alliance_sim.validation.patterns import PATTERNS, targets

SMALL = Params(n_patients=40)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- compare ---------------------------------------------------------------------------------------
def test_compare_with_uncertainty_is_reproducible_from_its_seed():
    one = compare(SMALL, SMALL.replace(empathy_mean=0.3), 6, seed=4, uncertainty=True)
    two = compare(SMALL, SMALL.replace(empathy_mean=0.3), 6, seed=4, uncertainty=True)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.a.runs, two.a.runs)


def test_compare_with_uncertainty_differs_from_the_run_without():
    plain = compare(SMALL, SMALL.replace(empathy_mean=0.3), 6, seed=4)
    uncertain = compare(SMALL, SMALL.replace(empathy_mean=0.3), 6, seed=4, uncertainty=True)
    assert uncertain.seeds == plain.seeds  # the same patients
    assert not uncertain.table["mean_a"].equals(plain.table["mean_a"])


def test_each_replicate_records_the_parameter_values_it_drew():
    result = compare(SMALL, SMALL, 5, seed=2, uncertainty=True)
    names = default_posterior().names
    assert result.parameters_a is not None
    assert list(result.parameters_a.columns) == ["replicate", *names]
    for name in names:
        assert list(result.a.runs[name]) == list(result.parameters_a[name]), name
    assert result.parameters_a[list(names)].nunique().min() > 1


def test_a_and_b_share_each_replicates_draw_but_keep_their_own_settings():
    b = SMALL.replace(contextual_relief=0.5)
    result = compare(SMALL, b, 5, seed=2, uncertainty=True)
    assert result.parameters_a is not None and result.parameters_b is not None
    assert (result.parameters_b["contextual_relief"] == 0.5).all()
    same = [n for n in default_posterior().names if n != "contextual_relief"]
    pd.testing.assert_frame_equal(result.parameters_a[same], result.parameters_b[same])


def test_compare_figure_legend_says_which_band_it_shows():
    from alliance_sim.plotting import comparison_figure

    def legend_title(result):
        return comparison_figure(result).axes[0].get_legend().get_title().get_text()

    assert "(patients' sampling)" in legend_title(compare(SMALL, SMALL, 3, seed=1))
    assert "parameter uncertainty" in legend_title(
        compare(SMALL, SMALL, 3, seed=1, uncertainty=True)
    )


def test_compare_cli_uncertainty_lists_each_replicates_values(capsys):
    code, out, _ = run_cli(
        capsys,
        "compare",
        "default",
        "low-empathy",
        "--set",
        "n_patients=30",
        "--replicates",
        "4",
        "--uncertainty",
        "--no-figure",
        "--json",
        "--quiet",
    )
    data = json.loads(out)
    assert code == 0 and data["uncertainty"] is True
    assert data["band"] == "patients' sampling and parameter uncertainty"
    assert len(data["replicate_parameters"]["a"]) == 4


# --- trial -----------------------------------------------------------------------------------------
def test_trial_with_uncertainty_is_reproducible_and_differs_from_the_trial_without():
    one = run_trial("fuentes-2014", replicates=4, seed=3, uncertainty=True)
    two = run_trial("fuentes-2014", replicates=4, seed=3, uncertainty=True)
    plain = run_trial("fuentes-2014", replicates=4, seed=3)
    pd.testing.assert_frame_equal(one.estimates, two.estimates)
    assert not one.estimates["value"].equals(plain.estimates["value"])
    assert one.parameters is not None and len(one.parameters) == 4
    assert one.band == "patients' sampling and parameter uncertainty"
    assert plain.band == "patients' sampling"


def test_trial_figure_legend_says_which_band_it_shows():
    from alliance_sim.trials import trial_figure

    result = run_trial("fuentes-2014", replicates=3, seed=3, uncertainty=True)
    labels = trial_figure(result).axes[0].get_legend_handles_labels()[1]
    assert any("parameter uncertainty" in label for label in labels)


def test_trial_cli_json_records_each_replicates_parameter_values(capsys):
    code, out, _ = run_cli(
        capsys, "trial", "fuentes-2014", "--replicates", "3", "--uncertainty", "--json", "--quiet"
    )
    data = json.loads(out)
    assert code in (0, 1)
    assert data["uncertainty"] is True and len(data["replicate_parameters"]) == 3


# --- run -------------------------------------------------------------------------------------------
def test_run_with_uncertainty_draws_its_parameters_from_its_seed(capsys, tmp_path):
    def summary(seed: str, *extra: str) -> pd.Series:
        out = tmp_path / f"r{seed}{len(extra)}.parquet"
        run_cli(capsys, "run", "default", "--set", "n_patients=20", "--seed", seed,
                "--out", str(out), "--quiet", *extra)  # fmt: skip
        return pd.read_parquet(out.with_name(out.stem + "_summary.parquet")).iloc[0]

    drawn, again, other = (summary("3", "--uncertainty"), summary("3", "--uncertainty"),
                           summary("4", "--uncertainty"))  # fmt: skip
    plain = summary("3")
    pd.testing.assert_series_equal(drawn, again)
    assert drawn["contextual_relief"] != plain["contextual_relief"]
    assert drawn["contextual_relief"] != other["contextual_relief"]


def test_run_with_uncertainty_keeps_a_value_set_on_the_command_line(capsys):
    code, out, _ = run_cli(
        capsys, "run", "default", "--set", "n_patients=20", "--set", "contextual_relief=0.5",
        "--uncertainty", "--json", "--quiet",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0
    assert "contextual_relief" not in data["drawn_parameters"]
    assert data["parameters"]["contextual_relief"] == 0.5


# --- the posterior predictive check ----------------------------------------------------------------
def test_the_posterior_predictive_check_judges_every_pattern_from_the_draws():
    result = validate_posterior(seed=1, replicates=10, patterns=targets())
    assert result.draws == 2
    assert list(result.table["id"]) == [p.id for p in targets()]
    assert result.table["studies"].min() > 0


def test_validate_posterior_cli_says_it_is_a_posterior_predictive_check(capsys):
    code, out, _ = run_cli(capsys, "validate", "--posterior", "--replicates", "10", "--quiet")
    assert code in (0, 1)
    assert out.startswith("posterior predictive check: seed 20141114; 2 parameter sets drawn")
    for p in PATTERNS:
        assert p.id in out, p.id


def test_params_shows_each_calibrated_parameters_credible_interval(capsys):
    code, out, _ = run_cli(capsys, "params", "--group", "treatment")
    posterior = default_posterior()
    low, high = posterior.interval()["contextual_relief"]
    assert code == 0
    assert f"Posterior: 90% credible interval {low:.4g} – {high:.4g}" in out


def test_params_json_gives_the_interval_or_none(capsys):
    _code, out, _ = run_cli(capsys, "params", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    names = set(default_posterior().names)
    assert all(
        (row["credible_interval"] is not None) == (name in names) for name, row in rows.items()
    )


def test_a_broken_posterior_file_stops_params_with_a_line_naming_it(capsys, monkeypatch, tmp_path):
    from alliance_sim.core import posterior as module

    broken = tmp_path / "posterior.parquet"
    broken.write_bytes(b"not parquet")
    monkeypatch.setattr(module, "POSTERIOR_PATH", broken)
    module.default_posterior.cache_clear()
    monkeypatch.setattr(
        module, "default_posterior", lambda: module.read_posterior(module.POSTERIOR_PATH)
    )
    code, _, err = run_cli(capsys, "params")
    assert code == 2
    assert "posterior.parquet: not a readable Parquet file" in err


@pytest.mark.parametrize("command", ["run", "compare", "trial"])
def test_uncertainty_is_in_the_help_of(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--uncertainty" in capsys.readouterr().out


# --- the web app's switch ------------------------------------------------------------------------
def _uncertainty_box(rc):
    import ipyvuetify as v

    boxes = [
        w for w in rc.find(v.Checkbox).widgets if str(w.label).startswith("Parameter uncertainty")
    ]
    assert len(boxes) == 1
    return boxes[0]


def test_the_compare_pages_switch_runs_the_comparison_with_parameter_uncertainty():
    import solara
    from ui_helpers import figures, markdown_text, shown_text, wait_for

    from alliance_sim.ui.compare_page import Compare

    def text() -> str:
        return shown_text(rc) + "\n" + markdown_text(rc)

    _, rc = solara.render(Compare(), handle_error=False)
    assert wait_for(lambda: figures(rc), 120), "no comparison figure"
    assert "sampling and parameter uncertainty" not in text()
    _uncertainty_box(rc).v_model = True
    assert wait_for(lambda: "sampling and parameter uncertainty" in text(), 120)


def test_the_trials_pages_switch_runs_the_trials_with_parameter_uncertainty():
    import ipyvuetify as v
    import solara
    from ui_helpers import figures, markdown_text, shown_text, wait_for

    from alliance_sim.ui.trials_page import Trials

    _, rc = solara.render(Trials(), handle_error=False)
    rc.find(v.Slider, label="Replicate trials (each with new patients)").widget.v_model = 3
    _uncertainty_box(rc).v_model = True
    rc.find(v.Btn, children=["Run trial"]).widget.click()
    assert wait_for(lambda: figures(rc), 120), "no trial figure"
    assert "patients' sampling and parameter uncertainty" in (
        shown_text(rc) + "\n" + markdown_text(rc)
    )


def test_the_apps_parameter_help_shows_a_calibrated_parameters_credible_interval():
    import ipyvuetify as v
    import solara

    from alliance_sim.core.params import SCHEMA
    from alliance_sim.core.posterior import credible_text
    from alliance_sim.ui.controls import ParameterControl

    spec = SCHEMA["contextual_relief"]
    _, rc = solara.render(ParameterControl(spec, spec.default, lambda *_: None))
    texts = [str(c) for w in rc.find(v.Html).widgets for c in w.children if isinstance(c, str)]
    expected = credible_text("contextual_relief")
    assert expected and any(expected in text for text in texts), texts
