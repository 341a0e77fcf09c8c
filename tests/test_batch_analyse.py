"""Analysis: known answers through design → run → analyse; summaries match their figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from batch_models import ISHIGAMI_S1, ISHIGAMI_ST, ishigami, linear
from scipy import stats

from alliance_sim.batch import (
    Experiment,
    Factor,
    analyse_runs,
    grid_figure,
    grid_summary,
    make_design,
    morris_indices,
    point_means,
    run_design,
    run_experiment,
    sample_points,
    sobol_indices,
)
from alliance_sim.core.errors import AllianceSimError


@pytest.fixture(scope="module")
def ishigami_runs():
    factors = [Factor(name, low=-math.pi, high=math.pi) for name in ("x1", "x2", "x3")]
    points = sample_points(factors, "sobol", seed=2026, n=1024, second_order=True)
    design = make_design(points, replicates=1, seed=2026)
    return design, run_design(design, ishigami, ["y"]).runs


def test_ishigami_first_order_and_total_indices_are_the_published_ones_within_their_intervals(
    ishigami_runs,
):
    design, runs = ishigami_runs
    indices = sobol_indices(runs, ["x1", "x2", "x3"], ["y"], len(design)).first_total
    for row in indices.itertuples():
        assert abs(row.S1 - ISHIGAMI_S1[row.parameter]) <= row.S1_conf, row
        assert abs(row.ST - ISHIGAMI_ST[row.parameter]) <= row.ST_conf, row
        assert row.S1_conf < 0.1 and row.ST_conf < 0.1  # informative intervals


def test_ishigami_second_order_index_is_the_x1_x3_interaction(ishigami_runs):
    design, runs = ishigami_runs
    second = sobol_indices(runs, ["x1", "x2", "x3"], ["y"], len(design)).second
    by_pair = {(r.parameter_a, r.parameter_b): r for r in second.itertuples()}
    s13 = by_pair[("x1", "x3")]
    assert abs(s13.S2 - (ISHIGAMI_ST["x1"] - ISHIGAMI_S1["x1"])) <= s13.S2_conf
    for pair in (("x1", "x2"), ("x2", "x3")):
        assert abs(by_pair[pair].S2) <= by_pair[pair].S2_conf


def test_the_sweep_report_gives_the_same_sobol_table(ishigami_runs):
    design, runs = ishigami_runs
    analysis = analyse_runs(runs, design, "sobol", ["y"], figures=True)
    direct = sobol_indices(runs, ["x1", "x2", "x3"], ["y"], len(design)).first_total
    pd.testing.assert_frame_equal(analysis.tables["sobol"], direct)
    assert set(analysis.figures) == {"sobol_y"}


def test_morris_mu_star_of_a_linear_model_is_its_slope_over_the_range_and_sigma_zero():
    factors = [Factor(name, low=0.0, high=1.0) for name in ("a", "b", "c")]
    points = sample_points(factors, "morris", seed=1, trajectories=10, levels=4)
    design = make_design(points, 1, 1)
    runs = run_design(design, linear, ["y"]).runs
    table = morris_indices(runs, points, ["a", "b", "c"], ["y"], levels=4).set_index("parameter")
    assert table.loc[["a", "b", "c"], "mu_star"].tolist() == pytest.approx([3.0, 1.0, 0.0])
    assert table["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


def test_sensitivity_analysis_refuses_points_without_a_successful_run(ishigami_runs):
    design, runs = ishigami_runs
    with pytest.raises(AllianceSimError, match="1 of 8192 design points have no successful run"):
        point_means(runs.iloc[1:], ["y"], len(design))


GRID = {
    "parameters": {"n_patients": 20, "n_sessions": 4},
    "design": "grid",
    "replicates": 5,
    "outputs": ["adherence", "dropout"],
    "seed": 3,
}


@pytest.fixture(scope="module")
def one_factor_runs():
    experiment = Experiment.from_mapping({**GRID, "vary": {"empathy_mean": [0.2, 0.5, 0.8]}})
    return run_experiment(experiment).runs


@pytest.fixture(scope="module")
def two_factor_runs():
    experiment = Experiment.from_mapping(
        {**GRID, "vary": {"empathy_mean": [0.2, 0.8], "power_sharing_mean": [0.1, 0.5, 0.9]}}
    )
    return run_experiment(experiment).runs


def test_grid_summary_is_the_mean_and_t_interval_over_replicates(one_factor_runs):
    summary = grid_summary(one_factor_runs, ["empathy_mean"], ["adherence"])
    assert list(summary.columns) == [
        "empathy_mean",
        "output",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
    ]
    for row in summary.itertuples():
        values = one_factor_runs.loc[
            one_factor_runs["empathy_mean"] == row.empathy_mean, "adherence"
        ]
        low, high = stats.t.interval(0.95, len(values) - 1, values.mean(), stats.sem(values))
        assert row.n == 5
        assert row.mean == pytest.approx(values.mean())
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high))


def test_grid_summary_leaves_out_runs_that_failed(one_factor_runs):
    runs = one_factor_runs.copy()
    runs.loc[0, "status"] = "error"
    runs.loc[0, "adherence"] = np.nan
    summary = grid_summary(runs, ["empathy_mean"], ["adherence"])
    assert summary["n"].tolist() == [4, 5, 5]


def test_one_parameter_grid_figure_draws_the_summary_mean_and_band_with_labelled_axes(
    one_factor_runs,
):
    summary = grid_summary(one_factor_runs, ["empathy_mean"], ["adherence"])
    fig = grid_figure(one_factor_runs, "adherence")
    ax = fig.axes[0]
    line = ax.lines[0]
    assert list(line.get_xdata()) == summary["empathy_mean"].tolist()
    assert list(line.get_ydata()) == pytest.approx(summary["mean"].tolist())
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(summary["ci_low"].min())
    assert band[:, 1].max() == pytest.approx(summary["ci_high"].max())
    assert ax.get_xlabel() == "Therapist empathy (mean) (0–1)"
    assert ax.get_ylabel() == "Home-exercise adherence (share)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["mean", "95% CI of the mean (patients' sampling)"]  # which kind of band


def test_two_parameter_grid_figure_is_a_heatmap_of_the_means_with_a_colorbar(two_factor_runs):
    summary = grid_summary(two_factor_runs, ["empathy_mean", "power_sharing_mean"], ["dropout"])
    fig = grid_figure(two_factor_runs, "dropout")
    ax, colorbar = fig.axes
    image = ax.images[0].get_array()
    expected = summary.pivot(index="power_sharing_mean", columns="empathy_mean", values="mean")
    np.testing.assert_allclose(np.asarray(image), expected.to_numpy())
    assert ax.get_xlabel() == "Therapist empathy (mean) (0–1)"
    assert ax.get_ylabel() == "Power-sharing style (mean) (0–1)"
    assert colorbar.get_ylabel().startswith("Dropout (share of patients), mean of 5 runs")


def test_a_grid_figure_of_three_parameters_asks_which_to_plot(two_factor_runs):
    runs = two_factor_runs.assign(caseload=25)
    with pytest.raises(AllianceSimError, match="one or two varied parameters"):
        grid_figure(runs, "dropout", ["empathy_mean", "power_sharing_mean", "caseload"])
