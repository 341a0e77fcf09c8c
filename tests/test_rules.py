"""The rulebook: the direction of each mechanism, bounds, and scalars vs arrays."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_sim import rules
from alliance_sim.rules.fit import TYPICAL_PATIENT_GOALS

ACTIVE = 0.75  # preferred involvement of a patient who wants to take part
PASSIVE = 0.25  # preferred involvement of a patient who prefers to be looked after
PATERNALISTIC = 0.15
SHARED = 0.85

unit = st.floats(0.0, 1.0)


def behaviour(**changes: float) -> float:
    """relational_behaviour of a typical therapist, with some inputs changed."""
    inputs = {
        "empathy": 0.6,
        "warmth": 0.6,
        "communication": 0.6,
        "patient_as_person": 0.5,
        "attention": 0.9,
    }
    inputs.update(changes)
    return rules.relational_behaviour(**inputs)


def bond(**changes: float) -> float:
    """bond_target for a typical dyad, with some inputs (of the behaviour too) changed."""
    shown = {k: changes.pop(k) for k in list(changes) if k not in ("prior_trust", "misfit")}
    inputs = {"behaviour": behaviour(**shown), "prior_trust": 0.5, "misfit": 0.2}
    inputs.update(changes)
    return rules.bond_target(**inputs)


def goal_agreement_target_for(power_sharing: float, preferred: float) -> float:
    """The goal agreement target of a dyad, through the whole chain of fit rules."""
    style = rules.effective_style(power_sharing, 0.0, preferred)
    misfit = rules.involvement_misfit(style, preferred)
    patient_goals = np.array([0.15, 0.25, 0.35, 0.25])  # wants participation, not only relief
    plan = rules.plan_goals(style, 0.3, rules.therapist_goals(0.3), patient_goals)
    fit = rules.goal_fit(plan, patient_goals)
    return rules.goal_agreement_target(fit, misfit, 0.6, 0.3, 0.6, 0.5)


# --- alliance: bond --------------------------------------------------------------------------


def test_more_empathy_gives_a_higher_bond_target():
    assert bond(empathy=0.9) > bond(empathy=0.3)


def test_therapist_warmth_raises_the_bond_target():
    assert bond(warmth=0.9) > bond(warmth=0.2)


def test_trust_from_prior_care_raises_the_bond_target():
    assert bond(prior_trust=0.9) > bond(prior_trust=0.1)


def test_trust_from_prior_care_raises_the_starting_bond():
    assert rules.initial_bond(0.9) > rules.initial_bond(0.1)


def test_a_misfit_of_style_lowers_the_bond_target():
    assert bond(misfit=0.6) < bond(misfit=0.0)


def test_a_crowded_caseload_lowers_the_bond_target_through_attention():
    assert bond(attention=rules.attention(60)) < bond(attention=rules.attention(10))


# --- fit: style, goals, attention, skill ---------------------------------------------------------


def test_shared_power_raises_goal_agreement_for_patients_who_want_involvement():
    paternalistic = goal_agreement_target_for(PATERNALISTIC, ACTIVE)
    shared = goal_agreement_target_for(SHARED, ACTIVE)
    assert shared > paternalistic + 0.1


def test_shared_power_advantage_in_goal_agreement_shrinks_for_patients_who_prefer_a_passive_role():
    advantage_active = goal_agreement_target_for(SHARED, ACTIVE) - goal_agreement_target_for(
        PATERNALISTIC, ACTIVE
    )
    advantage_passive = goal_agreement_target_for(SHARED, PASSIVE) - goal_agreement_target_for(
        PATERNALISTIC, PASSIVE
    )
    assert advantage_passive < advantage_active


def test_shared_power_serves_the_patients_goals_better_than_paternalism():
    patient_goals = np.array([0.15, 0.25, 0.35, 0.25])
    therapist = rules.therapist_goals(0.2)
    fit_shared = rules.goal_fit(
        rules.plan_goals(SHARED, 0.3, therapist, patient_goals), patient_goals
    )
    fit_paternalistic = rules.goal_fit(
        rules.plan_goals(PATERNALISTIC, 0.3, therapist, patient_goals), patient_goals
    )
    assert fit_shared > fit_paternalistic


def test_eliciting_the_patient_as_a_person_brings_their_goals_into_a_paternalistic_plan():
    patient_goals = np.array([0.15, 0.25, 0.35, 0.25])
    therapist = rules.therapist_goals(0.2)
    attentive = rules.plan_goals(0.0, 1.0, therapist, patient_goals)
    inattentive = rules.plan_goals(0.0, 0.0, therapist, patient_goals)
    assert rules.goal_fit(attentive, patient_goals) > rules.goal_fit(inattentive, patient_goals)


def test_a_plan_for_exactly_the_patients_goals_fits_perfectly():
    assert rules.goal_fit(TYPICAL_PATIENT_GOALS, TYPICAL_PATIENT_GOALS) == pytest.approx(1.0)


def test_therapist_goal_weights_sum_to_one_for_any_orientation():
    for orientation in (0.0, 0.3, 1.0):
        assert rules.therapist_goals(orientation).sum() == pytest.approx(1.0)


def test_a_biopsychosocial_therapist_plans_for_understanding_more_than_a_biomedical_one():
    understanding = 3
    assert rules.therapist_goals(1.0)[understanding] > rules.therapist_goals(0.0)[understanding]


def test_responsiveness_reduces_the_misfit_of_style():
    rigid = rules.involvement_misfit(rules.effective_style(SHARED, 0.0, PASSIVE), PASSIVE)
    responsive = rules.involvement_misfit(rules.effective_style(SHARED, 0.8, PASSIVE), PASSIVE)
    assert responsive < rigid


def test_a_fully_responsive_therapist_uses_the_style_the_patient_prefers():
    assert rules.effective_style(PATERNALISTIC, 1.0, ACTIVE) == pytest.approx(ACTIVE)


def test_misfit_hurts_both_ways():
    assert rules.involvement_misfit(0.1, 0.8) == pytest.approx(rules.involvement_misfit(0.8, 0.1))
    assert rules.involvement_misfit(0.5, 0.5) == 0.0


def test_effective_skill_grows_with_experience():
    assert (
        rules.effective_skill(0.8, 1.0)
        > rules.effective_skill(0.8, 0.5)
        > rules.effective_skill(0.8, 0.0)
    )


def test_attention_falls_with_caseload():
    assert rules.attention(10) > rules.attention(30) > rules.attention(60)


def test_attention_is_full_for_small_caseloads_and_bottoms_out_for_large_ones():
    assert rules.attention(5) == 1.0
    assert rules.attention(60) == pytest.approx(0.6)
    assert rules.attention(100) == pytest.approx(0.6)


# --- alliance: goals, tasks, movement, ruptures -------------------------------------------------


def goal_target(**changes: float) -> float:
    inputs = {
        "goal_fit": 0.8,
        "misfit": 0.2,
        "communication": 0.6,
        "patient_as_person": 0.5,
        "empathy": 0.6,
        "prior_trust": 0.5,
    }
    inputs.update(changes)
    return rules.goal_agreement_target(**inputs)


def task_target(**changes: float) -> float:
    inputs = {
        "expectation": 0.6,
        "explanation_quality": 0.5,
        "goal_fit": 0.8,
        "misfit": 0.2,
        "empathy": 0.6,
        "prior_trust": 0.5,
        "progress_so_far": 0.0,
    }
    inputs.update(changes)
    return rules.task_agreement_target(**inputs)


def test_better_goal_fit_raises_the_goal_agreement_target():
    assert goal_target(goal_fit=0.9) > goal_target(goal_fit=0.4)


def test_empathy_raises_goal_and_task_agreement_not_only_the_bond():
    assert goal_target(empathy=0.9) > goal_target(empathy=0.2)
    assert task_target(empathy=0.9) > task_target(empathy=0.2)


def test_a_patient_disposed_to_trust_clinicians_agrees_more_readily_on_goals_and_tasks():
    assert goal_target(prior_trust=0.9) > goal_target(prior_trust=0.1)
    assert task_target(prior_trust=0.9) > task_target(prior_trust=0.1)


def test_a_misfit_of_style_lowers_goal_and_task_agreement():
    assert goal_target(misfit=0.6) < goal_target(misfit=0.0)
    assert task_target(misfit=0.6) < task_target(misfit=0.0)


def test_progress_felt_raises_task_agreement():
    # the reverse path: patients who improve come to agree with the tasks (Webb et al. 2011)
    assert task_target(progress_so_far=0.3) > task_target(progress_so_far=0.0)


def test_better_explanation_raises_task_agreement_most_for_low_expectations():
    def gain(expectation: float) -> float:
        good = task_target(expectation=expectation, explanation_quality=0.9)
        poor = task_target(expectation=expectation, explanation_quality=0.1)
        return good - poor

    assert gain(0.2) > 0
    assert gain(0.2) > gain(0.9)


def test_a_typical_dyad_forms_an_alliance_near_the_published_level():
    # WAI-SR item mean ≈ 4.1 of 5 in physiotherapy-like care (Lambers & Bolton 2016)
    typical = rules.overall_alliance(goal_target(), task_target(), bond())
    assert 0.65 < typical < 0.85
    assert bond() > goal_target()  # the bond is the subscale rated highest


def test_a_biopsychosocial_account_improves_the_explanation():
    assert rules.explanation(0.7, 1.0) > rules.explanation(0.7, 0.0)


def test_move_toward_moves_part_way_to_the_target():
    up = rules.move_toward(0.3, 0.8, 0.35, 0.0)
    down = rules.move_toward(0.8, 0.3, 0.35, 0.0)
    assert 0.3 < up < 0.8
    assert 0.3 < down < 0.8
    assert up == pytest.approx(0.3 + 0.35 * 0.5)


def test_move_toward_with_rate_zero_and_no_noise_stays_put():
    assert rules.move_toward(0.4, 0.9, 0.0, 0.0) == 0.4


@given(unit, unit, unit, st.floats(-5.0, 5.0))
def test_move_toward_stays_in_the_unit_interval_whatever_the_noise(current, target, rate, noise):
    assert 0.0 <= rules.move_toward(current, target, rate, noise) <= 1.0


def test_rupture_probability_rises_with_misfit():
    assert rules.rupture_probability(0.6, 0.5, 0.3) > rules.rupture_probability(0.1, 0.5, 0.3)


def test_rupture_probability_falls_with_empathy():
    assert rules.rupture_probability(0.6, 0.9, 0.3) < rules.rupture_probability(0.6, 0.1, 0.3)


def test_ruptures_happen_without_misfit_but_less_often():
    assert 0.0 < rules.rupture_probability(0.0, 0.5, 0.3) < rules.rupture_probability(0.5, 0.5, 0.3)


def test_a_rupture_lowers_a_component_and_an_empathic_therapist_repairs_part_of_it():
    cold = rules.apply_rupture(0.6, True, 0.2, 0.0)
    empathic = rules.apply_rupture(0.6, True, 0.2, 1.0)
    assert cold < empathic < 0.6
    assert rules.apply_rupture(0.6, False, 0.2, 0.0) == 0.6


def test_the_overall_alliance_is_the_mean_of_goals_tasks_and_bond():
    assert rules.overall_alliance(0.3, 0.6, 0.9) == pytest.approx(0.6)
    assert rules.collaborative_alliance(0.3, 0.6) == pytest.approx(0.45)


# --- attendance and dropout ------------------------------------------------------------------


def test_a_stronger_alliance_raises_the_chance_of_attending():
    weak = rules.attendance_probability(0.2, 0.5, 0.0, 0.4, 55.0, 0.83)
    strong = rules.attendance_probability(0.8, 0.5, 0.0, 0.4, 55.0, 0.83)
    assert strong > weak


def test_a_typical_patient_attends_with_the_typical_probability():
    typical_alliance = rules.alliance.TYPICAL_ALLIANCE
    typical_se = rules.self_efficacy.TYPICAL_SELF_EFFICACY
    p = rules.attendance_probability(typical_alliance, typical_se, 0.0, 0.4, 50.0, 0.83)
    assert p == pytest.approx(0.83)


def test_a_typical_patient_drops_out_with_the_typical_hazard():
    typical_alliance = rules.alliance.TYPICAL_ALLIANCE
    typical_se = rules.self_efficacy.TYPICAL_SELF_EFFICACY
    p = rules.dropout_probability(typical_alliance, typical_se, 0.0, 0.0, 0.03)
    assert p == pytest.approx(0.03)


def test_fear_of_movement_with_pain_lowers_the_chance_of_attending():
    calm = rules.attendance_probability(0.5, 0.5, 0.0, 0.1, 70.0, 0.83)
    fearful = rules.attendance_probability(0.5, 0.5, 0.0, 0.9, 70.0, 0.83)
    assert fearful < calm


def test_a_stronger_alliance_lowers_the_chance_of_dropping_out():
    weak = rules.dropout_probability(0.2, 0.5, 0.0, 0.0, 0.02)
    strong = rules.dropout_probability(0.8, 0.5, 0.0, 0.0, 0.02)
    assert strong < weak


def test_missing_the_last_session_raises_the_chance_of_dropping_out():
    attended = rules.dropout_probability(0.5, 0.5, 0.0, 0.0, 0.02)
    missed = rules.dropout_probability(0.5, 0.5, 0.0, 1.0, 0.02)
    assert missed > attended


def test_progress_lowers_the_chance_of_dropping_out():
    stuck = rules.dropout_probability(0.5, 0.5, 0.0, 0.0, 0.02)
    improving = rules.dropout_probability(0.5, 0.5, 0.3, 0.0, 0.02)
    assert improving < stuck


def test_progress_is_positive_when_pain_and_disability_fall():
    assert rules.progress(30.0, 60.0, 20.0, 40.0) == pytest.approx(0.25)
    assert rules.progress(70.0, 60.0, 40.0, 40.0) < 0


def test_a_typical_dropout_hazard_of_zero_gives_zero_not_nan():
    for missed in (0.0, 1.0):
        p = rules.dropout_probability(0.0, 0.0, -1.0, missed, 0.0)
        assert p == 0.0
        assert not math.isnan(p)


def test_a_typical_dropout_hazard_of_zero_gives_zeros_on_arrays():
    p = rules.dropout_probability(
        np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([-1.0, 1.0]), np.array([1.0, 0.0]), 0.0
    )
    np.testing.assert_array_equal(p, [0.0, 0.0])


@pytest.mark.parametrize("p_typical", [0.01, 0.5, 0.999])
@pytest.mark.parametrize("extreme", [0.0, 1.0])
def test_attendance_probability_stays_a_probability_for_extreme_inputs(p_typical, extreme):
    p = rules.attendance_probability(
        extreme, extreme, 2 * extreme - 1, extreme, 100 * extreme, p_typical
    )
    assert 0.0 <= p <= 1.0


@pytest.mark.parametrize("p_typical", [0.0, 0.02, 0.5])
@pytest.mark.parametrize("extreme", [0.0, 1.0])
def test_dropout_probability_stays_a_probability_for_extreme_inputs(p_typical, extreme):
    p = rules.dropout_probability(extreme, extreme, 2 * extreme - 1, 1 - extreme, p_typical)
    assert 0.0 <= p <= 1.0


@given(unit, unit, st.floats(-1.0, 1.0), unit, st.floats(0.0, 100.0), st.floats(0.01, 0.999))
def test_attendance_probability_is_a_probability(alliance, se, progress, load, pain, p_typical):
    assert 0.0 <= rules.attendance_probability(alliance, se, progress, load, pain, p_typical) <= 1.0


@given(unit, unit, st.floats(-1.0, 1.0), st.sampled_from([0.0, 1.0]), st.floats(0.0, 0.5))
def test_dropout_probability_is_a_probability(alliance, se, progress, missed, p_typical):
    assert 0.0 <= rules.dropout_probability(alliance, se, progress, missed, p_typical) <= 1.0


@given(unit, unit, unit, st.floats(-0.5, 0.5), st.integers(1, 52), st.floats(0.01, 0.99), unit)
def test_expected_adherence_is_a_share(se, collaborative, load, habit, weeks, typical, decline):
    value = rules.expected_adherence(se, collaborative, load, habit, weeks, typical, decline)
    assert 0.0 <= value <= 1.0


@given(unit, unit, st.floats(0.0, 1.0))
def test_rupture_probability_is_a_probability(misfit, empathy, risk):
    assert 0.0 <= rules.rupture_probability(misfit, empathy, risk) <= 1.0


# --- treatment -----------------------------------------------------------------------------------


def relief(
    device_active: bool = False,
    alliance: float = 0.5,
    expectation: float = 0.6,
    shown: float | None = None,
) -> float:
    """Relief with the therapist's relational behaviour and the bond both at ``alliance``."""
    behaviour_shown = alliance if shown is None else shown
    return rules.immediate_relief(
        60.0, device_active, behaviour_shown, alliance, expectation, 0.12, 0.35, 0.15, 0.0
    )


def test_an_active_device_adds_relief_compared_with_sham():
    assert relief(device_active=True) > relief(device_active=False)


def test_immediate_relief_grows_with_the_alliance():
    assert relief(alliance=0.9) > relief(alliance=0.3)


def test_what_the_therapist_does_in_this_session_relieves_pain_at_once():
    # Fuentes et al. 2014: an alliance enhanced within one session relieves more pain
    enhanced = relief(alliance=0.5, shown=0.9)
    limited = relief(alliance=0.5, shown=0.1)
    assert enhanced > limited


def test_a_therapist_who_limits_the_relationship_gives_almost_no_contextual_relief():
    # Fuentes et al. 2014: the limited-alliance arms relieved little beyond the device
    none_shown = relief(alliance=0.8, shown=0.0)
    assert none_shown == pytest.approx(60.0 * 0.12)


def test_an_enhanced_alliance_adds_relief_of_the_size_an_active_device_adds():
    # Fuentes et al. 2014: enhanced vs limited alliance ≈ active vs sham device.
    alliance_effect = relief(alliance=0.8) - relief(alliance=0.4)
    device_effect = relief(device_active=True) - relief(device_active=False)
    assert alliance_effect == pytest.approx(device_effect, rel=0.5)


def test_immediate_relief_never_takes_pain_below_zero_or_above_100():
    assert rules.immediate_relief(10.0, True, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 50.0) == 10.0
    assert rules.immediate_relief(90.0, False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -50.0) == -10.0


# --- self-efficacy ---------------------------------------------------------------------------------


def se_after(
    style: float = 0.5, bond: float = 0.6, mastery: float = 0.5, self_efficacy: float = 0.5
) -> float:
    return rules.update_self_efficacy(self_efficacy, mastery, bond, 0.7, style, 0.15)


def test_self_efficacy_grows_more_under_shared_power_than_under_paternalism():
    assert se_after(style=SHARED) > se_after(style=PATERNALISTIC)


def test_self_efficacy_grows_with_the_bond_through_persuasion():
    assert se_after(bond=0.9) > se_after(bond=0.2)


def test_self_efficacy_grows_with_mastery():
    assert se_after(mastery=0.9) > se_after(mastery=0.1)


def test_mastery_grows_with_exercises_done_and_progress_felt():
    assert rules.mastery(0.9, 0.1) > rules.mastery(0.2, 0.1)
    assert rules.mastery(0.5, 0.3) > rules.mastery(0.5, 0.0)


def test_paternalism_and_failure_wear_self_efficacy_down():
    assert se_after(style=0.0, bond=0.0, mastery=0.0, self_efficacy=0.7) < 0.7


# --- adherence ---------------------------------------------------------------------------------------


def adherence(
    se: float, collaborative: float, load: float = 0.4, weeks: int = 1, habit: float = 0.0
) -> float:
    return rules.expected_adherence(se, collaborative, load, habit, weeks, 0.6, 0.02)


def test_adherence_needs_both_self_efficacy_and_a_collaborative_alliance():
    both = adherence(0.9, 0.9)
    confidence_only = adherence(0.9, 0.1)
    agreement_only = adherence(0.1, 0.9)
    assert both > confidence_only + 0.2
    assert both > agreement_only + 0.2


def test_self_efficacy_raises_adherence_more_when_the_alliance_is_collaborative():
    gain_with_alliance = adherence(0.9, 0.9) - adherence(0.1, 0.9)
    gain_without = adherence(0.9, 0.1) - adherence(0.1, 0.1)
    assert gain_with_alliance > gain_without


def test_self_efficacy_and_the_collaborative_alliance_interact_positively():
    # Burns & Evon 2007: high on both gains most; a positive interaction on the share itself
    gains = adherence(0.8, 0.8) - adherence(0.4, 0.8) - adherence(0.8, 0.4) + adherence(0.4, 0.4)
    assert gains > 0.05


def test_psychosocial_load_lowers_adherence():
    assert adherence(0.6, 0.6, load=0.8) < adherence(0.6, 0.6, load=0.2)


def test_adherence_wears_off_over_the_weeks_of_care():
    assert adherence(0.6, 0.7, weeks=10) < adherence(0.6, 0.7, weeks=1)


def test_other_reasons_to_exercise_add_to_adherence():
    assert adherence(0.6, 0.7, habit=0.2) > adherence(0.6, 0.7, habit=-0.2)


def test_realised_adherence_is_clipped_to_a_share():
    assert rules.realised_adherence(0.9, 0.5) == 1.0
    assert rules.realised_adherence(0.1, -0.5) == 0.0


# --- outcomes ------------------------------------------------------------------------------------------


def impairment_next(adherence: float = 0.5, load: float = 0.4, brake: float = 0.6) -> float:
    return rules.impairment_update(30.0, adherence, 0.5, load, 0.06, 0.01, brake, 0.0, 0.0)


def test_a_week_of_fluctuation_has_no_drift_on_average():
    z = np.random.default_rng(1).standard_normal(200_000)
    moved = rules.impairment_update(np.full(z.size, 30.0), 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.2, z)
    assert moved.mean() == pytest.approx(30.0, rel=0.005)
    assert moved.std() > 5.0


def test_exercise_adherence_lowers_the_impairment():
    assert impairment_next(adherence=1.0) < impairment_next(adherence=0.0) < 30.0


def test_psychosocial_load_slows_recovery_of_the_impairment():
    assert impairment_next(load=0.8) > impairment_next(load=0.1)
    assert impairment_next(load=0.8, brake=0.0) == impairment_next(load=0.1, brake=0.0)


def test_more_psychosocial_load_means_more_disability():
    # Vlaeyen & Linton 2000; Zale et al. 2013: fear goes with disability
    assert rules.disability_from(20.0, 0.8, 0.6) > rules.disability_from(20.0, 0.1, 0.6)


def test_addressing_psychosocial_load_lowers_disability():
    before = rules.disability_from(20.0, 0.6, 0.6)
    after = rules.disability_from(
        20.0, rules.psychosocial_load_update(0.6, 0.9, 0.8, 0.8, 0.2), 0.6
    )
    assert after < before


def test_self_efficacy_lowers_disability_in_its_own_right():
    assert rules.disability_from(20.0, 0.4, 0.9) < rules.disability_from(20.0, 0.4, 0.3)


def test_a_patient_with_more_load_recovers_less_and_ends_more_disabled():
    # the check: more fear-avoidance must never give less disability
    def episode(load: float) -> float:
        impairment = 20.0
        for _ in range(10):
            load = rules.psychosocial_load_update(load, 0.7, 0.6, 0.8, 0.2)
            impairment = rules.impairment_update(
                impairment, 0.6, 0.5, load, 0.06, 0.01, 0.6, 0.0, 0.0
            )
        return rules.disability_from(impairment, load, 0.6)

    assert episode(0.8) > episode(0.1)


def test_the_exercise_dose_saturates():
    assert rules.exercise_dose(0.0) == 0.0
    assert rules.exercise_dose(1.0) == 1.0
    assert rules.exercise_dose(0.5) == pytest.approx(0.75)


def test_a_biopsychosocial_approach_lowers_psychosocial_load():
    biopsychosocial = rules.psychosocial_load_update(0.5, 1.0, 0.8, 0.7, 0.15)
    biomedical = rules.psychosocial_load_update(0.5, 0.0, 0.8, 0.7, 0.15)
    assert biopsychosocial < biomedical <= 0.5


def test_psychosocial_load_is_addressed_through_the_bond():
    assert rules.psychosocial_load_update(0.5, 0.8, 0.8, 0.0, 0.15) == 0.5
    assert rules.psychosocial_load_update(0.5, 0.8, 0.8, 0.9, 0.15) < 0.5


def pain_next(retention: float) -> float:
    return rules.pain_between_sessions(40.0, 20.0, retention, 0.5, 0.06, 0.01, 0.4, 0.6, 0.0)


def test_immediate_relief_partly_fades_before_the_next_session():
    faded = pain_next(retention=0.0)
    kept = pain_next(retention=1.0)
    assert faded > kept
    assert kept < pain_next(retention=0.12) < faded


def test_home_exercise_lowers_pain_between_sessions():
    done = rules.pain_between_sessions(50.0, 0.0, 0.0, 1.0, 0.06, 0.01, 0.4, 0.6, 0.0)
    skipped = rules.pain_between_sessions(50.0, 0.0, 0.0, 0.0, 0.06, 0.01, 0.4, 0.6, 0.0)
    assert done < skipped


def test_psychosocial_load_slows_pain_less_than_it_slows_the_impairment():
    def slowing(update: Callable[[float], float]) -> float:
        return update(0.8) / update(0.1)

    pain = slowing(
        lambda load: (
            50.0 - rules.pain_between_sessions(50.0, 0.0, 0.0, 0.8, 0.06, 0.01, load, 0.6, 0.0)
        )
    )
    impairment = slowing(
        lambda load: 50.0 - rules.impairment_update(50.0, 0.8, 1.0, load, 0.06, 0.01, 0.6, 0.0, 0.0)
    )
    assert impairment < pain < 1.0


def test_function_improves_more_with_exercise_when_goals_are_agreed():
    agreed = rules.function_update(5.0, 0.8, 0.9, 0.0, 0.06)
    not_agreed = rules.function_update(5.0, 0.8, 0.1, 0.0, 0.06)
    assert agreed > not_agreed > 5.0


def gpe(pain_mm: float = 55.0, alliance: float = 0.5, noise: float = 0.0) -> float:
    return rules.global_perceived_effect(55.0, pain_mm, 40.0, 40.0, alliance, noise)


def test_global_perceived_effect_rises_with_improvement():
    assert gpe(pain_mm=5.0) > gpe(pain_mm=55.0)


def test_global_perceived_effect_rises_with_the_alliance():
    assert gpe(alliance=1.0) > gpe(alliance=0.0)


@given(
    st.floats(0.0, 100.0),
    st.floats(0.0, 100.0),
    st.floats(0.0, 100.0),
    st.floats(0.0, 100.0),
    unit,
    st.floats(-20.0, 20.0),
)
def test_global_perceived_effect_is_a_whole_number_from_minus_5_to_5(
    pain0, pain, disability0, disability, alliance, noise
):
    value = rules.global_perceived_effect(pain0, pain, disability0, disability, alliance, noise)
    assert -5.0 <= value <= 5.0
    assert value == int(value)


# --- learning --------------------------------------------------------------------------------------------


def test_learning_raises_experience_when_feedback_is_positive():
    assert rules.learn(0.2, 0.7, 0.1) > 0.2


def test_a_learning_rate_of_zero_leaves_experience_unchanged():
    assert rules.learn(0.2, 0.9, 0.0) == 0.2


def test_experience_never_exceeds_one():
    assert rules.learn(0.99, 1.0, 0.5) <= 1.0


# --- scalars and arrays --------------------------------------------------------------------------------

N = 17


def _args(rng: np.random.Generator) -> dict[str, tuple[Callable[..., object], tuple[object, ...]]]:
    def u() -> np.ndarray:
        return rng.random(N)

    def z(scale: float = 1.0) -> np.ndarray:
        return scale * rng.standard_normal(N)

    def pain() -> np.ndarray:
        return 100.0 * rng.random(N)

    def flag() -> np.ndarray:
        return rng.random(N) < 0.5

    return {
        "initial_bond": (rules.initial_bond, (u(),)),
        "relational_behaviour": (rules.relational_behaviour, (u(), u(), u(), u(), u())),
        "bond_target": (rules.bond_target, (u(), u(), u())),
        "goal_agreement_target": (rules.goal_agreement_target, (u(), u(), u(), u(), u(), u())),
        "explanation": (rules.explanation, (u(), u())),
        "task_agreement_target": (
            rules.task_agreement_target,
            (u(), u(), u(), u(), u(), u(), 2 * u() - 1),
        ),
        "move_toward": (rules.move_toward, (u(), u(), 0.35, z(0.3))),
        "rupture_probability": (rules.rupture_probability, (u(), u(), 0.3)),
        "apply_rupture": (rules.apply_rupture, (u(), flag(), 0.15, u())),
        "collaborative_alliance": (rules.collaborative_alliance, (u(), u())),
        "overall_alliance": (rules.overall_alliance, (u(), u(), u())),
        "progress": (rules.progress, (pain(), pain(), pain(), pain())),
        "attendance_probability": (
            rules.attendance_probability,
            (u(), u(), 2 * u() - 1, u(), pain(), 0.83),
        ),
        "dropout_probability": (
            rules.dropout_probability,
            (u(), u(), 2 * u() - 1, flag().astype(float), 0.02),
        ),
        "effective_skill": (rules.effective_skill, (u(), u())),
        "attention": (rules.attention, (70.0 * u(),)),
        "effective_style": (rules.effective_style, (u(), u(), u())),
        "involvement_misfit": (rules.involvement_misfit, (u(), u())),
        "expected_adherence": (
            rules.expected_adherence,
            (u(), u(), u(), z(0.2), 10.0 * u(), 0.6, 0.02),
        ),
        "realised_adherence": (rules.realised_adherence, (u(), z(0.3))),
        "immediate_relief": (
            rules.immediate_relief,
            (pain(), flag(), u(), u(), u(), 0.12, 0.35, 0.15, z(30.0)),
        ),
        "mastery": (rules.mastery, (u(), 2 * u() - 1)),
        "update_self_efficacy": (rules.update_self_efficacy, (u(), u(), u(), u(), u(), 0.15)),
        "learn": (rules.learn, (u(), u(), 0.1)),
        "pain_between_sessions": (
            rules.pain_between_sessions,
            (pain(), z(20.0), 0.12, u(), 0.06, 0.01, u(), 0.6, z(3.0)),
        ),
        "psychosocial_load_update": (rules.psychosocial_load_update, (u(), u(), u(), u(), 0.15)),
        "impairment_update": (
            rules.impairment_update,
            (pain(), u(), u(), u(), 0.06, 0.01, 0.6, 0.15, z()),
        ),
        "disability_from": (rules.disability_from, (pain(), u(), u())),
        "exercise_dose": (rules.exercise_dose, (u(),)),
        "function_update": (rules.function_update, (10.0 * u(), u(), u(), z(3.0), 0.06)),
        "global_perceived_effect": (
            rules.global_perceived_effect,
            (pain(), pain(), pain(), pain(), u(), z()),
        ),
    }


ELEMENTWISE = tuple(_args(np.random.default_rng(0)))
GOAL_RULES = ("therapist_goals", "plan_goals", "goal_fit")


def test_every_rule_is_checked_on_scalars_and_arrays():
    assert set(ELEMENTWISE) | set(GOAL_RULES) == set(rules.__all__)


def _element(value: object, i: int) -> object:
    if isinstance(value, np.ndarray):
        item = value[i]
        return bool(item) if value.dtype == bool else float(item)
    return value


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_a_rule_gives_the_same_values_on_arrays_as_element_by_element_on_floats(name):
    rule, args = _args(np.random.default_rng(20240601))[name]
    on_array = rule(*args)
    on_floats = [rule(*(_element(a, i) for a in args)) for i in range(N)]
    assert isinstance(on_array, np.ndarray)
    assert on_array.shape == (N,)
    assert all(not isinstance(value, np.ndarray) for value in on_floats)
    np.testing.assert_allclose(on_array, on_floats, rtol=1e-12, atol=1e-12)


def test_goal_rules_give_the_same_values_for_many_dyads_as_one_at_a_time():
    rng = np.random.default_rng(7)
    style, attentive, orientation = rng.random(N), rng.random(N), rng.random(N)
    patient_goals = rng.dirichlet(np.ones(4), size=N)
    therapist = rules.therapist_goals(orientation)
    plan = rules.plan_goals(style, attentive, therapist, patient_goals)
    fit = rules.goal_fit(plan, patient_goals)
    assert therapist.shape == plan.shape == (N, 4)
    assert fit.shape == (N,)
    for i in range(N):
        therapist_i = rules.therapist_goals(float(orientation[i]))
        plan_i = rules.plan_goals(
            float(style[i]), float(attentive[i]), therapist_i, patient_goals[i]
        )
        fit_i = rules.goal_fit(plan_i, patient_goals[i])
        assert isinstance(fit_i, float)
        np.testing.assert_allclose(therapist[i], therapist_i, rtol=1e-12)
        np.testing.assert_allclose(plan[i], plan_i, rtol=1e-12)
        assert fit[i] == pytest.approx(fit_i, rel=1e-12, abs=1e-12)
