"""The phases of a session, each wired once: rules in, the patient's next state out.

A session is the schedule of :data:`PHASES` (described once, in
:meth:`alliance_sim.engines.agent.model.ClinicModel.step`). Each phase is one
function here. It takes the phase's inputs as plain values — one patient's
floats (the agent engine) or arrays of replicates × patients (the cohort
engine) — calls the rules of :mod:`alliance_sim.rules` in a fixed order, applies
the phase's own conditions ("only if attended", "only while in care", "only at
the last session") as masks, and returns a small named result. The engines
only gather the inputs, call the phase and store its result, so a mechanism
changed here is changed in both engines at once, and both compute each value
with the same operations in the same order.

Noise arrives as standard normals (or uniforms) from the session's draw block
(:mod:`alliance_sim.core.draws`); each phase scales it with its rule's noise
constant.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from alliance_sim.rules._math import both, either, negate, where
from alliance_sim.rules.adherence import ADHERENCE_NOISE, expected_adherence, realised_adherence
from alliance_sim.rules.alliance import (
    INITIAL_AGREEMENT,
    apply_rupture,
    bond_target,
    collaborative_alliance,
    explanation,
    goal_agreement_target,
    initial_bond,
    move_toward,
    overall_alliance,
    relational_behaviour,
    rupture_probability,
    task_agreement_target,
)
from alliance_sim.rules.attendance import attendance_probability, dropout_probability, progress
from alliance_sim.rules.fit import (
    attention,
    effective_skill,
    effective_style,
    goal_fit,
    involvement_misfit,
    plan_goals,
    therapist_goals,
)
from alliance_sim.rules.learning import learn
from alliance_sim.rules.outcomes import (
    GPE_NOISE,
    PAIN_NOISE_MM,
    disability_from,
    function_update,
    global_perceived_effect,
    impairment_update,
    pain_between_sessions,
    psychosocial_load_update,
)
from alliance_sim.rules.questionnaires import (
    WAI_SR,
    WATOCI_9,
    answer_items,
    item_latents,
    score,
    therapist_view,
)
from alliance_sim.rules.self_efficacy import mastery, update_self_efficacy
from alliance_sim.rules.treatment import RELIEF_NOISE_MM, immediate_relief
from alliance_sim.rules.types import Bool, Count, Number

__all__ = [
    "PHASES",
    "AllianceState",
    "Attendance",
    "Dyad",
    "Questionnaires",
    "Recovery",
    "Relief",
    "SessionTargets",
    "SkillsInUse",
    "adherence",
    "attendance",
    "dyad",
    "initial_alliance",
    "interaction",
    "learning",
    "observation",
    "outcomes",
    "self_efficacy",
    "session_targets",
    "skills_in_use",
    "treatment",
]

Array = npt.NDArray[np.float64]

PHASES: tuple[str, ...] = (
    "attendance",
    "interaction",
    "treatment",
    "self_efficacy",
    "adherence",
    "outcomes",
    "learning",
    "observation",
)
"""The phases of a session, in schedule order: the names of the phase functions of this
module and of the phase methods of :class:`~alliance_sim.engines.agent.model.ClinicModel`."""


# --- the dyad, fixed at the first session ---------------------------------------------------
class Dyad(NamedTuple):
    """How a therapist fits one patient, fixed for the episode."""

    style_in_use: Number
    """The power-sharing style the therapist uses with this patient (0–1)."""
    misfit: Number
    """Distance between that style and the involvement the patient prefers (0–1)."""
    goal_fit: Number
    """How well the plan's goals match the patient's (0–1)."""


def dyad(
    power_sharing: Number,
    responsiveness: Number,
    preferred_involvement: Number,
    patient_as_person: Number,
    biopsychosocial: Number,
    goals: Array,
) -> Dyad:
    """The fit of each patient with their therapist (goal weights on the last axis of ``goals``).

    The therapist's traits are those drawn (the plan is made at the first
    session, before experience grows). See :mod:`alliance_sim.rules.fit`.
    """
    style = effective_style(power_sharing, responsiveness, preferred_involvement)
    plan = plan_goals(style, patient_as_person, therapist_goals(biopsychosocial), goals)
    return Dyad(
        style_in_use=style,
        misfit=involvement_misfit(style, preferred_involvement),
        goal_fit=goal_fit(plan, goals),
    )


class SkillsInUse(NamedTuple):
    """A therapist's relational skills as they show in a session, given experience."""

    empathy: Number
    communication: Number
    patient_as_person: Number


def skills_in_use(
    empathy: Number, communication: Number, patient_as_person: Number, experience: Number
) -> SkillsInUse:
    """The skills a therapist of this experience applies (:func:`~alliance_sim.rules.fit.effective_skill`)."""
    return SkillsInUse(
        empathy=effective_skill(empathy, experience),
        communication=effective_skill(communication, experience),
        patient_as_person=effective_skill(patient_as_person, experience),
    )


# --- 1. attendance --------------------------------------------------------------------------
class Attendance(NamedTuple):
    """Who is in care and who came to this session."""

    dropped_out: Bool
    """Dropped out by now (this session's dropouts included)."""
    attended: Bool
    """Attended this session (never true once dropped out)."""
    missed_last: Number
    """1.0 where a patient in care missed this session, else 0.0 (kept as it was after dropout)."""


def attendance(
    first_session: bool,
    dropped_out: Bool,
    missed_last: Number,
    goal_agreement: Number,
    task_agreement: Number,
    bond: Number,
    self_efficacy: Number,
    pain_mm: Number,
    pain_baseline_mm: Number,
    disability: Number,
    disability_baseline: Number,
    psychosocial_load: Number,
    p_dropout_typical: Number,
    p_attend_typical: Number,
    u_dropout: Number,
    u_attend: Number,
) -> Attendance:
    """Phase 1: each patient still in care may drop out, or else attends or misses the session.

    The first session is always attended. Later, the dropout hazard
    (:func:`~alliance_sim.rules.attendance.dropout_probability`) is drawn
    first; a patient who stays attends with
    :func:`~alliance_sim.rules.attendance.attendance_probability`.
    """
    in_care = negate(dropped_out)
    if first_session:
        attended = in_care
    else:
        alliance = overall_alliance(goal_agreement, task_agreement, bond)
        progress_so_far = progress(pain_mm, pain_baseline_mm, disability, disability_baseline)
        p_drop = dropout_probability(
            alliance, self_efficacy, progress_so_far, missed_last, p_dropout_typical
        )
        drops = both(in_care, u_dropout < p_drop)
        dropped_out = either(dropped_out, drops)
        in_care = both(in_care, negate(drops))
        p_attend = attendance_probability(
            alliance,
            self_efficacy,
            progress_so_far,
            psychosocial_load,
            pain_mm,
            p_attend_typical,
        )
        attended = both(in_care, u_attend < p_attend)
    missed = where(attended, 0.0, 1.0)
    return Attendance(dropped_out, attended, where(in_care, missed, missed_last))


# --- 2. interaction -------------------------------------------------------------------------
class SessionTargets(NamedTuple):
    """What this therapist's behaviour would build with this patient, and the rupture risk."""

    behaviour: Number
    """What the therapist does for the relationship in this session (0–1)."""
    bond: Number
    goal_agreement: Number
    task_agreement: Number
    p_rupture: Number


def session_targets(
    skills: SkillsInUse,
    warmth: Number,
    biopsychosocial: Number,
    caseload: Number,
    prior_trust: Number,
    expectation: Number,
    fit: Dyad,
    progress_so_far: Number,
    rupture_risk: Number,
) -> SessionTargets:
    """The targets of this session's interaction, and its rupture risk.

    They follow the therapist's skills in use, the dyad's fit and what the patient
    brings, and — for task agreement — the progress felt so far. See
    :func:`~alliance_sim.rules.alliance.bond_target`,
    :func:`~alliance_sim.rules.alliance.goal_agreement_target`,
    :func:`~alliance_sim.rules.alliance.task_agreement_target` and
    :func:`~alliance_sim.rules.alliance.rupture_probability`.
    """
    behaviour = relational_behaviour(
        skills.empathy,
        warmth,
        skills.communication,
        skills.patient_as_person,
        attention(caseload),
    )
    return SessionTargets(
        behaviour=behaviour,
        bond=bond_target(behaviour, prior_trust, fit.misfit),
        goal_agreement=goal_agreement_target(
            fit.goal_fit,
            fit.misfit,
            skills.communication,
            skills.patient_as_person,
            skills.empathy,
            prior_trust,
        ),
        task_agreement=task_agreement_target(
            expectation,
            explanation(skills.communication, biopsychosocial),
            fit.goal_fit,
            fit.misfit,
            skills.empathy,
            prior_trust,
            progress_so_far,
        ),
        p_rupture=rupture_probability(fit.misfit, skills.empathy, rupture_risk),
    )


class AllianceState(NamedTuple):
    """The alliance after the session, and whether it ruptured."""

    bond: Number
    goal_agreement: Number
    task_agreement: Number
    ruptured: Bool


def initial_alliance(prior_trust: Number) -> AllianceState:
    """The alliance before the first session: a bond from trust in earlier care, little agreed.

    See :func:`~alliance_sim.rules.alliance.initial_bond` and
    :data:`~alliance_sim.rules.alliance.INITIAL_AGREEMENT`.
    """
    agreement = INITIAL_AGREEMENT + 0.0 * prior_trust  # shaped like the patients
    return AllianceState(initial_bond(prior_trust), agreement, agreement, False)


def interaction(
    attended: Bool,
    bond: Number,
    goal_agreement: Number,
    task_agreement: Number,
    targets: SessionTargets,
    empathy: Number,
    rate: Number,
    noise_sd: Number,
    rupture_size: Number,
    z_bond: Number,
    z_goal: Number,
    z_task: Number,
    u_rupture: Number,
) -> AllianceState:
    """Phase 2: for attending patients, each component moves toward its target; misfit may rupture.

    A rupture (:func:`~alliance_sim.rules.alliance.apply_rupture`) takes from
    the bond and the task agreement after they moved; ``empathy`` is the
    therapist's empathy in use, which repairs part of it.
    """
    moved_bond = move_toward(bond, targets.bond, rate, noise_sd * z_bond)
    moved_goal = move_toward(goal_agreement, targets.goal_agreement, rate, noise_sd * z_goal)
    moved_task = move_toward(task_agreement, targets.task_agreement, rate, noise_sd * z_task)
    ruptured = both(attended, u_rupture < targets.p_rupture)
    return AllianceState(
        bond=where(attended, apply_rupture(moved_bond, ruptured, rupture_size, empathy), bond),
        goal_agreement=where(attended, moved_goal, goal_agreement),
        task_agreement=where(
            attended, apply_rupture(moved_task, ruptured, rupture_size, empathy), task_agreement
        ),
        ruptured=ruptured,
    )


# --- 3. treatment ---------------------------------------------------------------------------
class Relief(NamedTuple):
    """Pain before and after the session, and the relief between them (mm)."""

    pain_before_mm: Number
    relief_mm: Number
    pain_after_mm: Number


def treatment(
    attended: Bool,
    pain_mm: Number,
    device_active: Bool,
    targets: SessionTargets,
    bond: Number,
    expectation: Number,
    ritual_relief: Number,
    contextual_relief: Number,
    device_relief: Number,
    z_relief: Number,
) -> Relief:
    """Phase 3: immediate relief for attending patients.

    The contextual part answers to what the therapist does for the relationship in
    this session (``targets.behaviour``), let through by the bond felt after the
    interaction; see :func:`~alliance_sim.rules.treatment.immediate_relief`.
    """
    relief = immediate_relief(
        pain_mm,
        device_active,
        targets.behaviour,
        bond,
        expectation,
        ritual_relief,
        contextual_relief,
        device_relief,
        RELIEF_NOISE_MM * z_relief,
    )
    relief = where(attended, relief, 0.0)
    return Relief(pain_mm, relief, pain_mm - relief)


# --- 4. self-efficacy -----------------------------------------------------------------------
def self_efficacy(
    attended: Bool,
    self_efficacy: Number,
    last_adherence: Number,
    pain_after_mm: Number,
    pain_baseline_mm: Number,
    disability: Number,
    disability_baseline: Number,
    bond: Number,
    communication: Number,
    style_in_use: Number,
    rate: Number,
) -> Number:
    """Phase 4: self-efficacy after an attended session (mastery, persuasion, autonomy).

    Mastery counts last week's exercises and the progress felt right after the
    session; see :func:`~alliance_sim.rules.self_efficacy.update_self_efficacy`.
    """
    felt = progress(pain_after_mm, pain_baseline_mm, disability, disability_baseline)
    updated = update_self_efficacy(
        self_efficacy,
        mastery(last_adherence, felt),
        bond,
        communication,
        style_in_use,
        rate,
    )
    return where(attended, updated, self_efficacy)


# --- 5. adherence ---------------------------------------------------------------------------
def adherence(
    dropped_out: Bool,
    session: int,
    self_efficacy: Number,
    goal_agreement: Number,
    task_agreement: Number,
    psychosocial_load: Number,
    exercise_habit: Number,
    typical: Number,
    decline: Number,
    z_adherence: Number,
) -> Number:
    """Phase 5: the share of the home programme done until the next session (0 once dropped out).

    ``session`` counts the weeks of care so far; see
    :func:`~alliance_sim.rules.adherence.expected_adherence`.
    """
    expected = expected_adherence(
        self_efficacy,
        collaborative_alliance(goal_agreement, task_agreement),
        psychosocial_load,
        exercise_habit,
        session,
        typical,
        decline,
    )
    done = realised_adherence(expected, ADHERENCE_NOISE * z_adherence)
    return where(dropped_out, 0.0, done)


# --- 6. outcomes ----------------------------------------------------------------------------
class Recovery(NamedTuple):
    """The clinical state at the next session (and the global perceived effect at the last)."""

    psychosocial_load: Number
    pain_mm: Number
    impairment: Number
    disability: Number
    function: Number
    gpe: Number


def outcomes(
    attended: Bool,
    last_session: bool,
    psychosocial_load: Number,
    pain_after_mm: Number,
    relief_mm: Number,
    impairment: Number,
    disability: Number,
    function: Number,
    self_efficacy: Number,
    adherence: Number,
    goal_agreement: Number,
    task_agreement: Number,
    bond: Number,
    structural_share: Number,
    pain_baseline_mm: Number,
    disability_baseline: Number,
    gpe: Number,
    biopsychosocial: Number,
    patient_as_person: Number,
    bps_effect: Number,
    relief_retention: Number,
    exercise_effect: Number,
    natural_recovery: Number,
    load_brake: Number,
    disability_fluctuation: Number,
    z_pain: Number,
    z_disability: Number,
    z_gpe: Number,
) -> Recovery:
    """Phase 6: load addressed, relief that fades, pain, impairment, disability and function change.

    The load is addressed only in an attended session (``patient_as_person`` is
    the therapist's skill in use). Pain and the physical impairment recover with
    natural recovery and the exercise dose, slowed by the (new) load; disability is
    the impairment plus what load and low self-efficacy add
    (:func:`~alliance_sim.rules.outcomes.disability_from`). At the last session
    every patient rates the global perceived effect (else ``gpe`` is kept). See
    :mod:`alliance_sim.rules.outcomes`.
    """
    addressed = psychosocial_load_update(
        psychosocial_load, biopsychosocial, patient_as_person, bond, bps_effect
    )
    load = where(attended, addressed, psychosocial_load)
    pain = pain_between_sessions(
        pain_after_mm,
        relief_mm,
        relief_retention,
        adherence,
        exercise_effect,
        natural_recovery,
        load,
        load_brake,
        PAIN_NOISE_MM * z_pain,
    )
    impairment_next = impairment_update(
        impairment,
        adherence,
        structural_share,
        load,
        exercise_effect,
        natural_recovery,
        load_brake,
        disability_fluctuation,
        z_disability,
    )
    disability_next = disability_from(impairment_next, load, self_efficacy)
    function_next = function_update(
        function, adherence, goal_agreement, disability - disability_next, exercise_effect
    )
    if last_session:
        gpe = global_perceived_effect(
            pain_baseline_mm,
            pain,
            disability_baseline,
            disability_next,
            overall_alliance(goal_agreement, task_agreement, bond),
            GPE_NOISE * z_gpe,
        )
    return Recovery(load, pain, impairment_next, disability_next, function_next, gpe)


# --- 7. learning ----------------------------------------------------------------------------
def learning(experience: Number, feedback: Number, n_seen: Count, rate: Number) -> Number:
    """Phase 7: a therapist who saw patients this session learns from their mean bond (``feedback``).

    Nothing changes for a therapist who saw nobody, or when ``rate`` is 0;
    see :func:`~alliance_sim.rules.learning.learn`.
    """
    return where(both(n_seen > 0, rate > 0.0), learn(experience, feedback, rate), experience)


# --- 8. observation -------------------------------------------------------------------------
class Questionnaires(NamedTuple):
    """The forms of a measured session: answers per form and the scores (NaN if not attended)."""

    patient_wai: Array
    """The patient's WAI-SR answers, shape (..., 12)."""
    therapist_wai: Array
    """The therapist's WAI-SR answers about this patient, shape (..., 12)."""
    patient_watoci: Array
    """The patient's WATOCI-9 answers, shape (..., 9)."""
    scores: dict[str, Number]
    """``wai_{rater}_{goal,task,bond,total}`` and ``watoci_patient``."""


def observation(
    attended: Bool,
    goal_agreement: Number,
    task_agreement: Number,
    bond: Number,
    patient_bias: Number,
    therapist_bias: Number,
    patient_leniency: Number,
    therapist_leniency: Number,
    therapist_insight: Number,
    item_noise_sd: Number,
    noise: Array,
) -> Questionnaires:
    """Phase 8: on a measured session, patients and therapists fill in the questionnaires.

    ``noise`` is the patient's block-B row(s) of standard normals (items on the
    last axis, in the order of :data:`~alliance_sim.rules.questionnaires.FORMS`);
    bias and noise-sd values broadcast against (..., items). Patients who did
    not attend answer nothing: their scores are NaN (their answers are computed
    but not recorded).
    """
    k = WAI_SR.n_items
    latent = item_latents(WAI_SR, goal_agreement, task_agreement, bond)
    patient_wai = answer_items(
        WAI_SR, latent, patient_bias, patient_leniency, item_noise_sd * noise[..., :k]
    )
    therapist_wai = answer_items(
        WAI_SR,
        therapist_view(latent, therapist_insight),
        therapist_bias,
        therapist_leniency,
        item_noise_sd * noise[..., k : 2 * k],
    )
    latent9 = item_latents(WATOCI_9, goal_agreement, task_agreement, bond)
    patient_watoci = answer_items(
        WATOCI_9, latent9, patient_bias, patient_leniency, item_noise_sd * noise[..., 2 * k :]
    )
    scores: dict[str, Number] = {}
    for rater, answers in (("patient", patient_wai), ("therapist", therapist_wai)):
        for scale, value in score(WAI_SR, answers).items():
            scores[f"wai_{rater}_{scale}"] = where(attended, value, np.nan)
    scores["watoci_patient"] = where(attended, score(WATOCI_9, patient_watoci)["total"], np.nan)
    return Questionnaires(patient_wai, therapist_wai, patient_watoci, scores)
