"""Experiment files: validation names the file and the key; the shipped experiments load."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from alliance_sim.batch import Experiment, ExperimentError, load_experiment
from alliance_sim.batch.design import Factor, make_design, sample_points, sobol_runs
from alliance_sim.core.params import SCHEMA
from alliance_sim.simulation import replicate_seeds

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

SMALL = {
    "parameters": {"n_patients": 20, "n_sessions": 4},
    "design": "grid",
    "vary": {"empathy_mean": [0.3, 0.6, 0.9], "power_sharing_mean": [0.2, 0.8]},
    "replicates": 3,
    "outputs": ["adherence", "dropout"],
    "seed": 11,
}


def test_the_shipped_experiments_load_and_vary_real_parameters():
    names = {p.stem for p in EXPERIMENTS}
    assert {"style_by_empathy", "alliance_drivers_sobol", "alliance_drivers_morris"} <= names
    for path in EXPERIMENTS:
        experiment = load_experiment(path)
        assert all(name in SCHEMA for name in experiment.factor_names)
        assert experiment.n_runs() > 0


def test_style_by_empathy_is_a_grid_of_style_by_empathy_with_20_replicates():
    experiment = load_experiment(ROOT / "experiments" / "style_by_empathy.toml")
    assert experiment.method == "grid"
    assert experiment.factor_names == ["power_sharing_mean", "empathy_mean"]
    assert experiment.replicates == 20


def test_the_sobol_experiment_has_22528_runs_of_ten_parameters():
    experiment = load_experiment(ROOT / "experiments" / "alliance_drivers_sobol.toml")
    assert len(experiment.factors) == 10
    assert experiment.n_runs() == 22_528 == sobol_runs(1024, 10)
    assert {"adherence", "dropout", "disability_change"} <= set(experiment.outputs)


def test_a_mapping_is_validated_like_a_file_and_gives_the_design():
    experiment = Experiment.from_mapping(SMALL)
    design = experiment.design()
    assert list(design.columns) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "empathy_mean",
        "power_sharing_mean",
    ]
    assert len(design) == 6 * 3
    assert design["run_id"].tolist() == list(range(18))
    assert design.groupby("point")["replicate"].apply(list).tolist() == [[0, 1, 2]] * 6
    # the first factor varies slowest
    assert design.drop_duplicates("point")["empathy_mean"].tolist() == [
        0.3,
        0.3,
        0.6,
        0.6,
        0.9,
        0.9,
    ]


def test_every_run_has_its_own_seed_from_the_experiment_seed_sequence():
    design = Experiment.from_mapping(SMALL).design()
    assert design["seed"].tolist() == replicate_seeds(11, len(design))
    assert design["seed"].is_unique


def test_the_same_experiment_gives_the_same_design_and_another_seed_another():
    a = Experiment.from_mapping(
        {**SMALL, "design": {"method": "lhs", "n": 8}, "vary": {"empathy_mean": {}}}
    )
    b = Experiment.from_mapping(
        {**SMALL, "design": {"method": "lhs", "n": 8}, "vary": {"empathy_mean": {}}}
    )
    c = Experiment.from_mapping(
        {**SMALL, "seed": 12, "design": {"method": "lhs", "n": 8}, "vary": {"empathy_mean": {}}}
    )
    assert a.design().equals(b.design())
    assert not a.design()["empathy_mean"].equals(c.design()["empathy_mean"])


def test_grid_levels_from_low_high_and_integer_parameters_are_whole():
    experiment = Experiment.from_mapping(
        {**SMALL, "vary": {"caseload": {"low": 10, "high": 50, "levels": 5}}}
    )
    assert experiment.factors[0].values == (10, 20, 30, 40, 50)
    assert experiment.design()["caseload"].dtype == np.int64


def test_sampled_designs_stay_within_bounds_and_round_integer_parameters():
    experiment = Experiment.from_mapping(
        {
            **SMALL,
            "design": {"method": "sobol", "n": 16},
            "vary": {
                "empathy_mean": {"low": 0.2, "high": 0.4},
                "caseload": {},
                "warmth_mean": {"distribution": "normal", "mean": 0.6, "sd": 0.05},
                "expectation_mean": {
                    "distribution": "triangular",
                    "low": 0.2,
                    "high": 0.8,
                    "peak": 0.7,
                },
            },
        }
    )
    points = experiment.points()
    assert len(points) == sobol_runs(16, 4) == experiment.n_points()
    assert points["empathy_mean"].between(0.2, 0.4).all()
    assert points["caseload"].between(5, 60).all() and points["caseload"].dtype == np.int64
    assert abs(points["warmth_mean"].mean() - 0.6) < 0.02
    assert points["expectation_mean"].between(0.2, 0.8).all()


def test_a_csv_design_takes_its_points_from_the_file(tmp_path):
    (tmp_path / "points.csv").write_text("empathy_mean,caseload\n0.3,10\n0.9,40\n")
    spec = tmp_path / "exp.toml"
    spec.write_text('design = { method = "csv", file = "points.csv" }\nreplicates = 2\n')
    experiment = load_experiment(spec)
    design = experiment.design()
    assert design["empathy_mean"].tolist() == [0.3, 0.3, 0.9, 0.9]
    assert design["caseload"].tolist() == [10, 10, 40, 40]


def test_designs_work_for_factors_outside_the_schema():
    factors = [Factor("x1", low=-math.pi, high=math.pi), Factor("x2", low=0, high=1)]
    points = sample_points(factors, "morris", 3, trajectories=4, levels=4)
    assert len(points) == 4 * 3
    assert len(make_design(points, 2, 0)) == 24


BAD_SPECS = [
    ('design = "grid"\n[vary]\nempathy = [0.5]\n', "vary.empathy", "unknown parameter 'empathy'"),
    (
        'design = { method = "lhs", n = 8 }\n[vary]\nempathy_mean = { low = 0.2, high = 1.5 }\n',
        "vary.empathy_mean.high",
        "out of range",
    ),
    (
        'design = "factorial"\n[vary]\nempathy_mean = [0.5]\n',
        "design",
        "unknown design 'factorial'",
    ),
    (
        '[design]\nmethod = "sobol"\nn = 1000\n[vary]\nempathy_mean = {}\n',
        "design.n",
        "not a power of two",
    ),
    ('design = "grid"\nreplicates = 0\n[vary]\nempathy_mean = [0.5]\n', "replicates", "from 1 to"),
    (
        'design = "grid"\nreplicates = 2.5\n[vary]\nempathy_mean = [0.5]\n',
        "replicates",
        "whole number",
    ),
    (
        'design = "grid"\n[vary]\nempathy_mean = [0.5, 2.0]\n',
        "vary.empathy_mean.values",
        "out of range",
    ),
    (
        'design = "grid"\noutputs = ["happiness"]\n[vary]\nempathy_mean = [0.5]\n',
        "outputs",
        "unknown metric",
    ),
    (
        'design = "grid"\n[parameters]\nn_sessions = 80\n[vary]\nempathy_mean = [0.5]\n',
        "parameters.n_sessions",
        "out of range",
    ),
    ('design = "sobol"\n[vary]\nempathy_mean = {}\n', "design.n", "missing"),
    ('design = { method = "lhs", n = 8 }\n[vary]\ndevice = {}\n', "vary.device", "not numeric"),
    ('design = "grid"\nrepeats = 3\n[vary]\nempathy_mean = [0.5]\n', "unknown key 'repeats'", ""),
    ('design = "grid"\n', "vary", "missing"),
    (
        'design = "grid"\nscenario = "nowhere"\n[vary]\nempathy_mean = [0.5]\n',
        "scenario",
        "unknown scenario",
    ),
    (
        '[design]\nmethod = "morris"\nlevels = 3\n[vary]\nempathy_mean = {}\n',
        "design.levels",
        "even",
    ),
    ('design = "grid"\n[vary\n', "not valid TOML", ""),
]


@pytest.mark.parametrize(("text", "key", "why"), BAD_SPECS)
def test_a_bad_experiment_file_names_the_file_and_the_key(tmp_path, text, key, why):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert key in message and why in message


def test_sobol_n_is_refused_not_rounded_and_the_message_names_the_nearest_powers(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[design]\nmethod = "sobol"\nn = 1000\n[vary]\nempathy_mean = {}\n')
    with pytest.raises(ExperimentError, match="use 512 or 1024"):
        load_experiment(path)


def test_a_missing_experiment_file_is_an_error():
    with pytest.raises(ExperimentError, match="no such experiment file"):
        load_experiment("nowhere.toml")


# --- bounded work: counted before anything is allocated ---------------------------------------

GRID_LEVELS = {"empathy_mean": {"low": 0.1, "high": 0.9, "levels": 30_000_000}}


@pytest.mark.parametrize(
    ("change", "key", "why"),
    [
        ({"vary": GRID_LEVELS}, "vary.empathy_mean.levels", "levels = 30000000 gives 90,000,000"),
        (
            {"vary": {"empathy_mean": {"low": 0.1, "high": 0.9, "levels": 10**12}}},
            "vary.empathy_mean.levels",
            "more than the 1,000,000",
        ),
        (
            {"vary": {"empathy_mean": {"low": 0.1, "high": 0.9, "levels": 3_000_000}}},
            "vary.empathy_mean.levels",
            "gives 9,000,000 runs",
        ),
        (
            {
                "vary": {
                    "empathy_mean": {"low": 0.1, "high": 0.9, "levels": 1000},
                    "power_sharing_mean": {"low": 0.1, "high": 0.9, "levels": 1000},
                }
            },
            "vary.empathy_mean.levels",
            "1,000 × 1,000 = 1,000,000 points × 3 replicates = 3,000,000 runs",
        ),
        ({"replicates": 10**400}, "replicates", "a number of about 401 digits"),
        (
            {"design": {"method": "lhs", "n": 400_000}, "vary": {"empathy_mean": {}}},
            "design.n",
            "n = 400000 gives 400,000 points × 3 replicates",
        ),
        (
            {"design": {"method": "sobol", "n": 2**17}, "vary": {"empathy_mean": {}}},
            "design.n",
            "more than the 1,000,000",
        ),
        (
            {"design": {"method": "morris", "trajectories": 10**9}, "vary": {"empathy_mean": {}}},
            "design.trajectories",
            "from 2 to 1,000,000",
        ),
        (
            {"design": {"method": "morris", "levels": 10**8}, "vary": {"empathy_mean": {}}},
            "design.levels",
            "from 2 to 1,000",
        ),
    ],
)
def test_a_design_over_the_cap_is_refused_before_any_allocation_naming_its_key(change, key, why):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ExperimentError) as caught:
            Experiment.from_mapping({**SMALL, **change})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert f"<mapping>: {key}: " in message and why in message
    assert peak < 2_000_000  # bytes: nothing the size of the design was made


def test_a_csv_design_with_more_rows_than_the_cap_is_refused(tmp_path):
    (tmp_path / "points.csv").write_text("empathy_mean\n" + "0.5\n" * 400_000)
    spec = {**SMALL, "design": {"method": "csv", "file": "points.csv"}}
    del spec["vary"]
    with pytest.raises(ExperimentError, match=r"design.file: .* has 400,000 points × 3 replicates"):
        Experiment.from_mapping(spec, base_dir=tmp_path)


def test_a_csv_design_file_that_is_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "points.csv")  # reading it would block for ever
    spec = {**SMALL, "design": {"method": "csv", "file": "points.csv"}}
    del spec["vary"]
    with pytest.raises(ExperimentError, match=r"design.file: .* is not a regular file"):
        Experiment.from_mapping(spec, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("outputs", "shown"),
    [([["adherence"]], "['adherence']"), ([{"name": "adherence"}], "{'name': 'adherence'}")],
)
def test_outputs_given_as_lists_or_tables_name_the_key(outputs, shown):
    with pytest.raises(ExperimentError, match="outputs: ") as caught:
        Experiment.from_mapping({**SMALL, "outputs": outputs})
    assert f"{shown} is not a metric name" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"seed": 10**400}, "seed"),
        ({"parameters": {"n_patients": 10**400}}, "parameters.n_patients"),
        ({"vary": {"empathy_mean": [10**400]}}, "vary.empathy_mean.values"),
        (
            {"design": {"method": "lhs", "n": 4}, "vary": {"empathy_mean": {"low": -(10**400)}}},
            "vary.empathy_mean.low",
        ),
        (
            {
                "design": {"method": "lhs", "n": 4},
                "vary": {"empathy_mean": {"distribution": "normal", "mean": 10**400, "sd": 1}},
            },
            "vary.empathy_mean.mean",
        ),
        ({"design": {"method": "lhs", "n": 10**5000}, "vary": {"empathy_mean": {}}}, "design.n"),
    ],
)
def test_huge_integers_are_refused_with_a_message_not_an_overflow(change, key):
    with pytest.raises(ExperimentError, match=f"<mapping>: {key}: ") as caught:
        Experiment.from_mapping({**SMALL, **change})
    assert len(str(caught.value)) < 300  # the number is not printed in full


def test_an_integer_too_long_for_python_to_read_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(f'replicates = {"1" * 5000}\ndesign = "grid"\n[vary]\nempathy_mean = [0.5]\n')
    with pytest.raises(ExperimentError, match=f"{path}: not valid TOML: Exceeds the limit"):
        load_experiment(path)
