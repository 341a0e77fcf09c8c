"""The Bayesian calibration: the statistics it fits, reproducibility, resuming, recovery, the CLI."""

from __future__ import annotations

import math
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from alliance_sim.cli import main
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.posterior import read_posterior
from alliance_sim.validation.calibration import (
    PRIOR,
    Problem,
    calibrate,
    from_unbounded,
    job_seeds,
    observed_summaries,
    posterior_from_db,
    summary_weights,
    target_summaries,
    to_unbounded,
)
from alliance_sim.validation.patterns import pattern, targets
from alliance_sim.validation.studies import STATISTICS, Simulations

FUENTES = tuple(pattern(f"fuentes-{arm}") for arm in ("AE", "SE", "AL", "SL"))
"""The four arm means of Fuentes 2014: cheap to simulate (one session, 117 patients a trial)."""

RELIEF = {
    "device_relief": (0.1, 0.3),
    "ritual_relief": (0.05, 0.2),
    "contextual_relief": (0.3, 0.9),
}
"""The immediate-relief parameters, which the four arm means identify."""


def tiny(observed: dict[str, float] | None = None) -> Problem:
    return Problem(prior=RELIEF, patterns=FUENTES, observed=observed, trials=4)


def particles(run) -> pd.DataFrame:
    frame, _ = posterior_from_db(run)
    return frame


# --- what is fitted -----------------------------------------------------------------------------
def test_the_summaries_are_the_means_of_what_validate_judges_for_the_same_seed():
    chosen = targets()
    sims = Simulations(11, 4, {}, chosen)
    expected = {p.id: float(np.nanmean(STATISTICS[p.statistic].compute(sims, p))) for p in chosen}
    fast = target_summaries({}, 11, trials=4, clinics=20)
    assert fast == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_each_target_costs_one_at_the_edge_of_its_tolerance():
    centre, weights = observed_summaries(), summary_weights()
    for p in targets():
        assert abs(p.high - centre[p.id]) * weights[p.id] == pytest.approx(1.0)
        assert abs(p.low - centre[p.id]) * weights[p.id] == pytest.approx(1.0)


def test_the_unbounded_scale_maps_each_prior_range_onto_the_real_line_and_back():
    middle = {name: 0.5 * (low + high) for name, (low, high) in PRIOR.items()}
    assert to_unbounded(middle) == pytest.approx(dict.fromkeys(PRIOR, 0.0), abs=1e-12)
    values = {name: low + 0.1 * (high - low) for name, (low, high) in PRIOR.items()}
    assert from_unbounded(to_unbounded(values)) == pytest.approx(values)


def test_the_prior_lies_inside_each_parameters_allowed_range():
    with pytest.raises(AllianceSimError, match="contextual_relief"):
        Problem(prior={"contextual_relief": (0.3, 1.5)})


def test_job_seeds_depend_on_the_seed_and_the_generation_only():
    assert job_seeds(1, 0, 5) == job_seeds(1, 0, 5)
    assert job_seeds(1, 0, 3) == job_seeds(1, 0, 5)[:3]
    assert job_seeds(1, 0, 5) != job_seeds(1, 1, 5)
    assert job_seeds(1, -1, 5) != job_seeds(2, -1, 5)


# --- reproducible, resumable ----------------------------------------------------------------------
def test_the_same_seed_gives_the_same_posterior_on_one_worker_and_on_two(tmp_path):
    serial = calibrate(tmp_path / "a.db", seed=3, population=12, generations=2, problem=tiny())
    with ProcessPoolExecutor(2) as pool:
        pooled = calibrate(
            tmp_path / "b.db", seed=3, population=12, generations=2, problem=tiny(), executor=pool
        )
    pd.testing.assert_frame_equal(particles(serial), particles(pooled))
    assert [g.epsilon for g in serial.generations] == [g.epsilon for g in pooled.generations]


def test_the_same_seed_gives_the_same_posterior_on_a_dask_worker_with_two_threads(tmp_path):
    from distributed import Client

    serial = calibrate(tmp_path / "a.db", seed=3, population=10, generations=1, problem=tiny())
    # one worker, two threads: two jobs at once in one process, sharing numpy's global generator
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        dask = calibrate(
            tmp_path / "b.db",
            seed=3,
            population=10,
            generations=1,
            problem=tiny(),
            executor=c.get_executor(pure=False),
        )
    pd.testing.assert_frame_equal(particles(serial), particles(dask))


def test_another_seed_gives_another_posterior(tmp_path):
    one = calibrate(tmp_path / "a.db", seed=3, population=12, generations=1, problem=tiny())
    two = calibrate(tmp_path / "b.db", seed=4, population=12, generations=1, problem=tiny())
    assert not particles(one).equals(particles(two))


def test_a_stopped_run_continues_from_its_database_to_the_same_posterior(tmp_path):
    whole = calibrate(tmp_path / "whole.db", seed=5, population=12, generations=3, problem=tiny())
    db = tmp_path / "stopped.db"
    calibrate(db, seed=5, population=12, generations=2, problem=tiny())  # stops after 2
    resumed = calibrate(db, seed=5, population=12, generations=3, problem=tiny())
    assert len(resumed.generations) == 3
    pd.testing.assert_frame_equal(particles(whole), particles(resumed))
    assert [g.epsilon for g in whole.generations] == [g.epsilon for g in resumed.generations]


def test_a_finished_run_is_not_run_again(tmp_path):
    db = tmp_path / "done.db"
    first = calibrate(db, seed=5, population=12, generations=1, problem=tiny())
    calls = []
    again = calibrate(
        db,
        seed=5,
        population=12,
        generations=1,
        problem=tiny(),
        progress=lambda *a: calls.append(a),
    )
    assert calls == []
    pd.testing.assert_frame_equal(particles(first), particles(again))


def test_a_database_of_another_run_is_refused(tmp_path):
    db = tmp_path / "other.db"
    calibrate(db, seed=5, population=12, generations=1, problem=tiny())
    with pytest.raises(AllianceSimError, match=r"other settings \(seed\)"):
        calibrate(db, seed=6, population=12, generations=1, problem=tiny())


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("not sqlite", encoding="utf-8")
    with pytest.raises(AllianceSimError, match="not a calibration database"):
        calibrate(db, seed=5, population=12, generations=1, problem=tiny())


def test_the_minimum_epsilon_stops_the_run_early(tmp_path):
    run = calibrate(
        tmp_path / "e.db", seed=5, population=12, generations=5, min_epsilon=1e6, problem=tiny()
    )
    assert len(run.generations) == 1


def test_each_generations_wall_time_is_kept_in_the_database(tmp_path):
    db = tmp_path / "t.db"
    run = calibrate(db, seed=5, population=12, generations=2, problem=tiny())
    with sqlite3.connect(db) as connection:
        keys = {k for (k,) in connection.execute("SELECT key FROM alliance_sim_calibration")}
    assert {"settings", "seconds:0", "seconds:1"} <= keys
    assert all(g.seconds > 0 for g in run.generations)


# --- it finds what the model was run with ---------------------------------------------------------
def test_the_calibration_recovers_the_relief_parameters_the_data_were_simulated_with(tmp_path):
    truth = {"device_relief": 0.22, "ritual_relief": 0.09, "contextual_relief": 0.55}
    # "published" arm means: the model's own, from many trials at the true values
    observed = target_summaries(truth, seed=99, trials=200, clinics=2, patterns=FUENTES)
    run = calibrate(tmp_path / "r.db", seed=7, population=60, generations=5, problem=tiny(observed))
    frame, metadata = posterior_from_db(run)
    posterior_path = tmp_path / "recovered.parquet"
    from alliance_sim.core.posterior import write_posterior

    posterior = write_posterior(frame, metadata, posterior_path)
    median, interval = posterior.median(), posterior.interval(0.9)
    for name, value in truth.items():
        low, high = RELIEF[name]
        # stated tolerance: the median within a tenth of the prior's range of the truth,
        # and the truth inside the 90% credible interval
        assert abs(median[name] - value) <= 0.1 * (high - low), (name, median[name])
        assert interval[name][0] <= value <= interval[name][1], (name, interval[name])


# --- the command line -----------------------------------------------------------------------------
def test_calibrate_help_names_its_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["calibrate", "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    for option in (
        "--seed",
        "--db",
        "--population",
        "--generations",
        "--min-epsilon",
        "--workers",
        "--scheduler",
        "--out",
        "--report",
    ):
        assert option in out, option
    assert "Reproducible" in out and "Resumable" in out


def test_calibrate_writes_a_valid_posterior_and_its_report(capsys, tmp_path):
    out, report = tmp_path / "post.parquet", tmp_path / "calibration.md"
    code = main(
        [
            "calibrate",
            "--db",
            str(tmp_path / "c.db"),
            "--population",
            "10",
            "--generations",
            "1",
            "--workers",
            "1",
            "--clinics",
            "8",
            "--trials",
            "2",
            "--out",
            str(out),
            "--report",
            str(report),
            "--quiet",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    posterior = read_posterior(out)
    assert set(posterior.names) == set(PRIOR)
    assert posterior.metadata["generations"] == 1
    assert "90% credible interval" in printed
    text = report.read_text(encoding="utf-8")
    assert "| `contextual_relief` |" in text and "calibration-marginals.png" in text
    assert (tmp_path / "calibration-marginals.png").stat().st_size > 0


def test_calibrate_refuses_an_output_that_is_not_parquet(capsys, tmp_path):
    code = main(["calibrate", "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "p.csv")])
    assert code == 2
    assert "unsupported file type" in capsys.readouterr().err
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "x"])
def test_calibrate_refuses_a_bad_minimum_epsilon(capsys, value):
    with pytest.raises(SystemExit) as stop:
        main(["calibrate", "--min-epsilon", value])
    assert stop.value.code == 2
    assert "--min-epsilon" in capsys.readouterr().err


def test_the_weights_leave_no_target_unscaled():
    weights = summary_weights()
    assert set(weights) == {p.id for p in targets()}
    assert all(math.isfinite(w) and w > 0 for w in weights.values())
