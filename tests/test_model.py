"""The agent engine: reproducibility, the schedule, invariants (both engines), population, assignment."""

from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from strategies import overrides, params, seeds

from alliance_sim.core.errors import ParameterError
from alliance_sim.core.params import Params, measurement_schedule
from alliance_sim.engines.agent.model import PHASES, ClinicModel
from alliance_sim.scenarios import load_scenario
from alliance_sim.simulation import ENGINES, run_clinic, simulate

SMALL = {"n_patients": 30}

UNIT_COLUMNS = (
    "goal_agreement",
    "task_agreement",
    "bond",
    "collaborative",
    "alliance",
    "self_efficacy",
    "adherence",
    "psychosocial_load",
)
PAIN_COLUMNS = ("pain_before_mm", "pain_after_mm", "pain_mm")
STATE_COLUMNS = (*UNIT_COLUMNS, *PAIN_COLUMNS, "relief_mm", "disability", "function")
SCORE_COLUMNS = (
    "wai_patient_goal",
    "wai_patient_task",
    "wai_patient_bond",
    "wai_patient_total",
    "wai_therapist_goal",
    "wai_therapist_task",
    "wai_therapist_bond",
    "wai_therapist_total",
    "watoci_patient",
)
BASELINE_COLUMNS = (
    "patient_id",
    "prefers_active",
    "preferred_involvement",
    "expectation",
    "prior_trust",
    "structural_share",
    "self_efficacy_baseline",
    "psychosocial_load_baseline",
    "pain_baseline_mm",
    "disability_baseline",
    "function_baseline",
    "goal_pain_relief",
    "goal_daily_function",
    "goal_work_sport",
    "goal_understanding",
)


def scenario_run(name: str, seed: int, **changes: object):
    return run_clinic(load_scenario(name).params({**SMALL, **changes}), seed=seed)


# --- reproducibility ---------------------------------------------------------------------------


def test_the_same_scenario_overrides_and_seed_give_identical_tables():
    first = scenario_run("shared-power", 11, empathy_mean=0.5)
    second = scenario_run("shared-power", 11, empathy_mean=0.5)
    assert_frame_equal(first.sessions, second.sessions)
    assert_frame_equal(first.patients, second.patients)
    assert_frame_equal(first.questionnaires, second.questionnaires)
    assert_frame_equal(first.clinic, second.clinic)
    assert first.summary == second.summary


def test_different_seeds_give_different_tables():
    first = scenario_run("shared-power", 11)
    second = scenario_run("shared-power", 12)
    assert not first.sessions.equals(second.sessions)
    assert not first.patients.equals(second.patients)
    assert not first.questionnaires.equals(second.questionnaires)
    assert not np.allclose(first.patients["pain_baseline_mm"], second.patients["pain_baseline_mm"])


# --- the schedule -------------------------------------------------------------------------------


def documented_schedule() -> list[str]:
    """The numbered phases of ClinicModel.step's docstring, in order."""
    doc = ClinicModel.step.__doc__ or ""
    found = re.findall(r"^\s*(\d+)\.\s+([a-z_]+)\s+—", doc, flags=re.M)
    assert [int(number) for number, _ in found] == list(range(1, len(found) + 1))
    return [name for _, name in found]


def test_the_docstring_of_step_lists_every_phase_once():
    assert documented_schedule() == list(PHASES)


def test_step_runs_the_phases_in_the_documented_order(monkeypatch):
    model = ClinicModel(Params(n_patients=5, n_therapists=2), seed=0)
    called: list[str] = []
    for name in PHASES:
        original = getattr(model, name)

        def record(original=original, name=name):
            called.append(name)
            original()

        monkeypatch.setattr(model, name, record)
    model.step()
    assert called == documented_schedule()
    assert called == list(PHASES)


def test_one_step_is_one_session():
    model = ClinicModel(Params(n_patients=5), seed=0)
    assert model.session == 0
    model.step()
    model.step()
    assert model.session == 2


def test_the_model_stops_running_after_the_last_session():
    model = ClinicModel(Params(n_patients=5, n_sessions=3, measurement_sessions="last"), seed=0)
    model.run()
    assert model.session == 3
    assert not model.running


# --- invariants for any valid parameters -----------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@given(params=params(), seed=seeds)
def test_every_run_keeps_its_state_in_bounds_and_its_patients_counted(engine, params, seed):
    run = simulate(params, [seed], engine=engine, tables=("sessions", "patients"))
    s = run.sessions
    n, n_sessions = int(params.n_patients), int(params.n_sessions)

    # patients are conserved: every patient has a row in every session
    assert len(s) == n * n_sessions
    assert (s.groupby("session").size() == n).all()
    assert sorted(s["session"].unique()) == list(range(1, n_sessions + 1))
    assert len(run.patients) == n

    # no NaN and in bounds
    assert not s[list(STATE_COLUMNS)].isna().any().any()
    assert s[list(UNIT_COLUMNS)].ge(0).all().all() and s[list(UNIT_COLUMNS)].le(1).all().all()
    assert s[list(PAIN_COLUMNS)].ge(0).all().all() and s[list(PAIN_COLUMNS)].le(100).all().all()
    assert s["disability"].between(0, 100).all()
    assert s["function"].between(0, 10).all()

    # global perceived effect: a whole number from -5 to 5 at the last session only
    last = s["session"] == n_sessions
    gpe = s.loc[last, "gpe"]
    assert gpe.notna().all()
    assert gpe.between(-5, 5).all()
    assert (gpe == gpe.round()).all()
    assert s.loc[~last, "gpe"].isna().all()

    # dropouts are counted, not lost, and never come back
    by_patient = s.sort_values(["patient_id", "session"]).groupby("patient_id")["dropped_out"]
    assert (by_patient.cummax() == s.sort_values(["patient_id", "session"])["dropped_out"]).all()
    assert not (s["attended"] & s["dropped_out"]).any()
    assert s.loc[s["session"] == 1, "attended"].all()

    # questionnaires only on measured sessions, for attending patients
    measured = s["session"].isin(measurement_schedule(params)) & s["attended"]
    scores = s[list(SCORE_COLUMNS)]
    assert scores[measured].notna().all().all()
    assert scores[~measured].isna().all().all()


@given(params=params(), therapist=overrides("therapist"), seed=seeds)
def test_the_same_patients_are_drawn_whatever_the_therapist_parameters(params, therapist, seed):
    one = ClinicModel(params, seed).population
    other = ClinicModel(params.replace(**therapist), seed).population
    for name in (
        "self_efficacy",
        "expectation",
        "psychosocial_load",
        "prior_trust",
        "structural_share",
        "pain_mm",
        "disability",
        "function",
        "prefers_active",
        "preferred_involvement",
        "goals",
        "patient_leniency",
    ):
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name), err_msg=name)


def test_paternalistic_and_shared_power_clinics_treat_the_same_patients():
    paternalistic = scenario_run("paternalistic", 5).patients
    shared = scenario_run("shared-power", 5).patients
    assert_frame_equal(paternalistic[list(BASELINE_COLUMNS)], shared[list(BASELINE_COLUMNS)])
    assert (paternalistic["therapist_id"] == shared["therapist_id"]).all()
    assert (
        paternalistic["therapist_power_sharing"].mean() < shared["therapist_power_sharing"].mean()
    )


# --- assignment ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("n_patients", "n_therapists"), [(20, 4), (23, 5), (7, 3)])
def test_matched_assignment_gives_the_most_involved_patients_the_most_power_sharing_therapists(
    n_patients, n_therapists
):
    params = Params(
        n_patients=n_patients, n_therapists=n_therapists, power_sharing_sd=0.3, assignment="match"
    )
    population = ClinicModel(params, seed=3).population
    involvement = population.preferred_involvement
    style = population.power_sharing[population.therapist_of]
    order = np.argsort(involvement)
    assert np.all(np.diff(style[order]) >= 0)
    assert style[np.argmax(involvement)] == population.power_sharing.max()
    assert style[np.argmin(involvement)] == population.power_sharing.min()


@pytest.mark.parametrize("assignment", ["match", "random"])
@pytest.mark.parametrize(("n_patients", "n_therapists"), [(20, 4), (23, 5), (7, 3)])
def test_assignment_balances_caseloads(assignment, n_patients, n_therapists):
    params = Params(n_patients=n_patients, n_therapists=n_therapists, assignment=assignment)
    population = ClinicModel(params, seed=3).population
    counts = np.bincount(population.therapist_of, minlength=n_therapists)
    assert counts.sum() == n_patients
    assert counts.max() - counts.min() <= 1


def test_random_assignment_does_not_sort_patients_by_style():
    params = Params(n_patients=40, n_therapists=4, power_sharing_sd=0.3)
    population = ClinicModel(params, seed=3).population
    style = population.power_sharing[population.therapist_of]
    assert np.any(np.diff(style[np.argsort(population.preferred_involvement)]) < 0)


# --- learning ----------------------------------------------------------------------------------------


def experience_before_and_after(learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    params = load_scenario("student-therapist").params(
        {"n_patients": 20, "n_therapists": 4, "learning_rate": learning_rate}
    )
    model = ClinicModel(params, seed=2)
    before = np.array([t.experience for t in model.therapists])
    model.run()
    after = np.array([t.experience for t in model.therapists])
    model.close()
    return before, after


def test_therapists_gain_experience_over_a_run_when_learning_is_on():
    before, after = experience_before_and_after(0.1)
    assert np.all(after > before)
    assert np.all(after <= 1.0)


def test_therapists_keep_their_experience_when_the_learning_rate_is_zero():
    before, after = experience_before_and_after(0.0)
    np.testing.assert_array_equal(after, before)


# --- questionnaires ------------------------------------------------------------------------------------


def attending(sessions: pd.DataFrame, session: int) -> set[int]:
    rows = sessions[(sessions["session"] == session) & sessions["attended"]]
    return set(rows["patient_id"])


def test_questionnaires_are_taken_at_session_2_and_the_last_session_by_default():
    run = run_clinic(Params(**SMALL), seed=4)
    assert set(run.questionnaires["session"]) == {2, 10}


def test_questionnaires_are_taken_at_the_sessions_named_by_measurement_sessions():
    params = Params(n_patients=15, n_sessions=6, measurement_sessions="1,3,last")
    run = run_clinic(params, seed=4)
    assert set(run.questionnaires["session"]) == {1, 3, 6}


def test_each_attending_patient_answers_12_plus_12_plus_9_items_per_measured_session():
    run = run_clinic(Params(**SMALL), seed=4)
    q = run.questionnaires
    for session in (2, 10):
        answered = q[q["session"] == session]
        assert set(answered["patient_id"]) == attending(run.sessions, session)
        forms = answered.groupby(["patient_id", "rater", "instrument"]).size()
        for patient_id in attending(run.sessions, session):
            assert forms[patient_id].to_dict() == {
                ("patient", "wai_sr"): 12,
                ("therapist", "wai_sr"): 12,
                ("patient", "watoci_9"): 9,
            }


def test_some_patients_miss_a_measured_session_and_answer_nothing_then():
    # The check above would be vacuous if everyone always attended.
    run = run_clinic(Params(**SMALL), seed=4)
    assert len(attending(run.sessions, 10)) < SMALL["n_patients"]


def test_questionnaire_answers_lie_on_each_instruments_scale():
    q = run_clinic(Params(**SMALL), seed=4).questionnaires
    wai = q[q["instrument"] == "wai_sr"]["answer"]
    watoci = q[q["instrument"] == "watoci_9"]["answer"]
    assert wai.between(1, 5).all()
    assert watoci.between(1, 7).all()
    assert watoci.max() > 5


def test_the_sessions_table_scores_match_the_item_answers():
    run = run_clinic(Params(**SMALL), seed=4)
    q = run.questionnaires
    patient_wai = q[(q["rater"] == "patient") & (q["instrument"] == "wai_sr")]
    means = patient_wai.groupby(["session", "patient_id"])["answer"].mean()
    scored = run.sessions.set_index(["session", "patient_id"])["wai_patient_total"].dropna()
    pd.testing.assert_series_equal(
        means.sort_index(), scored.sort_index(), check_names=False, check_dtype=False
    )


# --- Mesa plumbing --------------------------------------------------------------------------------------


def test_close_removes_the_agents_so_the_model_can_be_garbage_collected():
    model = ClinicModel(Params(n_patients=10, n_therapists=2), seed=0)
    model.run()
    assert len(model.agents) == 12
    model.close()
    assert len(model.agents) == 0
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None


def test_the_model_table_has_one_row_per_session():
    model = ClinicModel(Params(n_patients=10, n_sessions=7), seed=0)
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    model.close()
    assert len(table) == 7
    assert table["session"].tolist() == list(range(1, 8))


def test_the_clinic_table_of_a_run_has_one_row_per_session():
    run = run_clinic(Params(**SMALL), seed=0)
    assert run.clinic["session"].tolist() == list(range(1, 11))


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_a_seed_that_is_not_a_whole_number_from_zero_is_rejected(seed):
    with pytest.raises(ParameterError, match="seed"):
        ClinicModel(Params(n_patients=5), seed=seed)


@given(seed=st.integers(0, 2**32 - 1))
def test_the_first_session_is_always_attended(seed):
    model = ClinicModel(Params(n_patients=10, p_attend_typical=0.01), seed=seed)
    model.step()
    assert all(p.attended for p in model.patients_in_order)
    model.close()


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"assignment": "match", "learning_rate": 0.2},
        {"measurement_sessions": "1,3,last", "n_sessions": 6},
    ],
)
def test_the_model_draws_exactly_the_documented_random_numbers_and_nothing_else(overrides):
    from alliance_sim.core.draws import draw_questionnaires, draw_session
    from alliance_sim.core.params import measurement_schedule
    from alliance_sim.core.population import draw_population

    params = Params(n_patients=17, n_therapists=3, **overrides)
    model = ClinicModel(params, seed=11).run()
    replay = np.random.default_rng(11)
    population = draw_population(params, replay)
    np.testing.assert_array_equal(population.therapist_of, model.population.therapist_of)
    for session in range(1, params.n_sessions + 1):
        draw_session(replay, params.n_patients)
        if session in measurement_schedule(params):
            draw_questionnaires(replay, params.n_patients)
    assert model.rng.bit_generator.state == replay.bit_generator.state
    model.close()
