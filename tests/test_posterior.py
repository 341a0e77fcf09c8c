"""The posterior as data: read and validated on load, summarised, drawn from; the defaults are its median."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alliance_sim.core.errors import PosteriorError
from alliance_sim.core.params import SCHEMA, Params
from alliance_sim.core.posterior import (
    METADATA_KEY,
    POSTERIOR_PATH,
    WEIGHT_COLUMN,
    default_posterior,
    posterior_parameter_sets,
    read_posterior,
    write_posterior,
)
from alliance_sim.core.scales import band_caption, band_sentence

PRIOR = {"device_relief": [0.1, 0.3], "ritual_relief": [0.05, 0.2]}


def particles(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "device_relief": rng.uniform(0.15, 0.25, n),
            "ritual_relief": rng.uniform(0.08, 0.12, n),
        }
    )
    frame[WEIGHT_COLUMN] = rng.uniform(0.5, 1.5, n)
    return frame


def write_raw(path, frame: pd.DataFrame, metadata: dict | None = None) -> None:
    """A Parquet file as a corrupt or hand-made posterior might be (no validation)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata is not None:
        table = table.replace_schema_metadata({METADATA_KEY: json.dumps(metadata).encode()})
    pq.write_table(table, path)


@pytest.fixture
def small(tmp_path):
    return write_posterior(particles(), {"prior": PRIOR, "seed": 1}, tmp_path / "p.parquet")


# --- reading and validating ---------------------------------------------------------------------
def test_a_written_posterior_reads_back_with_normalised_weights(small):
    assert small.names == ("device_relief", "ritual_relief")
    assert small.weights.sum() == pytest.approx(1.0)
    assert small.metadata["seed"] == 1


def test_a_missing_posterior_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "nowhere.parquet"
    with pytest.raises(PosteriorError, match=r"nowhere\.parquet: the posterior file is missing"):
        read_posterior(path)


def test_a_corrupt_posterior_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(PosteriorError, match=r"broken\.parquet: not a readable Parquet file"):
        read_posterior(path)


def test_a_truncated_posterior_file_is_an_error(tmp_path, small):
    path = tmp_path / "cut.parquet"
    path.write_bytes(small.path.read_bytes()[:-100])
    with pytest.raises(PosteriorError, match=r"cut\.parquet"):
        read_posterior(path)


def test_a_posterior_without_provenance_is_refused(tmp_path):
    path = tmp_path / "bare.parquet"
    write_raw(path, particles())
    with pytest.raises(PosteriorError, match="no provenance"):
        read_posterior(path)


def test_a_posterior_with_a_column_that_is_no_parameter_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    frame = particles().rename(columns={"ritual_relief": "ritual"})
    write_raw(path, frame, {"prior": {"device_relief": [0.1, 0.3], "ritual": [0, 1]}})
    with pytest.raises(PosteriorError, match="column 'ritual' is not a parameter of the model"):
        read_posterior(path)


def test_a_posterior_whose_columns_differ_from_its_prior_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    write_raw(path, particles(), {"prior": {"device_relief": [0.1, 0.3]}})
    with pytest.raises(PosteriorError, match="not in the prior: ritual_relief"):
        read_posterior(path)


def test_a_posterior_without_weights_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    write_raw(path, particles().drop(columns=[WEIGHT_COLUMN]), {"prior": PRIOR})
    with pytest.raises(PosteriorError, match="no 'weight' column"):
        read_posterior(path)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_a_weight_that_is_not_a_positive_number_is_refused(tmp_path, bad):
    path = tmp_path / "p.parquet"
    frame = particles()
    frame.loc[3, WEIGHT_COLUMN] = bad
    write_raw(path, frame, {"prior": PRIOR})
    with pytest.raises(PosteriorError, match="every weight must be a number > 0"):
        read_posterior(path)


def test_a_value_outside_its_prior_range_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    frame = particles()
    frame.loc[7, "device_relief"] = 0.9
    write_raw(path, frame, {"prior": PRIOR})
    with pytest.raises(PosteriorError, match=r"device_relief = 0\.9 \(particle 7\) is outside"):
        read_posterior(path)


def test_a_prior_outside_the_schemas_range_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    write_raw(path, particles(), {"prior": {**PRIOR, "device_relief": [0.1, 1.5]}})
    with pytest.raises(PosteriorError, match="outside its allowed range"):
        read_posterior(path)


def test_a_non_numeric_parameter_column_is_refused(tmp_path):
    path = tmp_path / "p.parquet"
    frame = particles()
    frame["device_relief"] = "high"
    write_raw(path, frame, {"prior": PRIOR})
    with pytest.raises(PosteriorError, match="'device_relief' is not numeric"):
        read_posterior(path)


def test_writing_a_bad_posterior_leaves_the_old_file_in_place(small):
    before = small.path.read_bytes()
    frame = particles()
    frame.loc[0, WEIGHT_COLUMN] = -1.0
    with pytest.raises(PosteriorError):
        write_posterior(frame, {"prior": PRIOR}, small.path)
    assert small.path.read_bytes() == before
    assert [p.name for p in small.path.parent.iterdir()] == [small.path.name]


# --- what it offers -------------------------------------------------------------------------------
def test_the_weighted_median_follows_the_weights(tmp_path):
    frame = pd.DataFrame(
        {"device_relief": [0.11, 0.2, 0.29], "ritual_relief": [0.1, 0.1, 0.1], "weight": [1, 1, 8]}
    )
    posterior = write_posterior(frame, {"prior": PRIOR}, tmp_path / "p.parquet")
    assert posterior.median()["device_relief"] == pytest.approx(0.29)


def test_the_credible_interval_holds_the_median_and_lies_inside_the_particles(small):
    for name, (low, high) in small.interval(0.9).items():
        values = small.particles[name]
        assert values.min() <= low <= small.median()[name] <= high <= values.max()


def test_draws_are_reproducible_from_the_generator_seed(small):
    first = small.draw(np.random.default_rng(5), 20)
    assert first == small.draw(np.random.default_rng(5), 20)
    assert first != small.draw(np.random.default_rng(6), 20)


def test_draws_are_particles_chosen_by_weight(tmp_path):
    frame = pd.DataFrame(
        {"device_relief": [0.11, 0.29], "ritual_relief": [0.1, 0.1], "weight": [1, 99]}
    )
    posterior = write_posterior(frame, {"prior": PRIOR}, tmp_path / "p.parquet")
    draws = posterior.draw(np.random.default_rng(0), 2000)
    share = np.mean([d["device_relief"] == 0.29 for d in draws])
    assert 0.97 < share <= 1.0


def test_parameter_sets_keep_the_values_a_user_changed(small):
    params = Params(device_relief=0.123)
    sets, table = posterior_parameter_sets(params, 5, seed=3, posterior=small)
    assert all(member.device_relief == 0.123 for member in sets)
    assert len({member.ritual_relief for member in sets}) > 1
    assert list(table["ritual_relief"]) == [member.ritual_relief for member in sets]


def test_band_captions_name_the_kind_of_band():
    assert band_caption(False) == "patients' sampling"
    assert band_caption(True) == "patients' sampling and parameter uncertainty"
    assert "not uncertainty about the model's parameters" in band_sentence(10)
    assert "uncertainty about the calibrated parameters" in band_sentence(10, uncertainty=True)


# --- the shipped posterior ------------------------------------------------------------------------
def test_the_shipped_posterior_loads_and_names_its_provenance():
    posterior = default_posterior()
    assert posterior.path == POSTERIOR_PATH
    for key in (
        "created",
        "seed",
        "generations",
        "acceptance_rate",
        "effective_sample_size",
        "wall_time_seconds",
        "code_version",
    ):
        assert key in posterior.metadata, key
    assert posterior.metadata["wall_time_seconds"] <= 30 * 60


def test_each_calibrated_default_lies_inside_its_credible_interval_and_says_so():
    posterior = default_posterior()
    intervals = posterior.interval()
    for name in posterior.names:
        spec = SCHEMA[name]
        low, high = intervals[name]
        assert low <= spec.default <= high, (name, spec.default, low, high)
        assert "90% credible interval" in spec.calibrated, name
