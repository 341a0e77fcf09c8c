"""The agents: physiotherapists and patients, whose decisions call the rulebook.

Each phase of a session is a method here; the model's ``step()`` calls them in
the order of the schedule. Agents read this session's random numbers from
their row of the model's draw block (see :mod:`alliance_sim.draws`), so an
engine that runs the same rules over arrays can use the same numbers for the
same patient.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from mesa import Agent

from alliance_sim import rules
from alliance_sim.draws import (
    U_ATTEND,
    U_DROPOUT,
    U_RUPTURE,
    Z_ADHERENCE,
    Z_BOND,
    Z_GOAL,
    Z_GPE,
    Z_PAIN,
    Z_RELIEF,
    Z_TASK,
)
from alliance_sim.measures import (
    WAI_SR,
    WATOCI_9,
    answer_items,
    item_latents,
    score,
    therapist_view,
)
from alliance_sim.rules.adherence import ADHERENCE_NOISE
from alliance_sim.rules.outcomes import GPE_NOISE, PAIN_NOISE_MM
from alliance_sim.rules.treatment import RELIEF_NOISE_MM

if TYPE_CHECKING:
    from alliance_sim.model import ClinicModel

__all__ = ["Patient", "Physiotherapist"]

NAN = math.nan


class Physiotherapist(Agent):
    """A physiotherapist: relational skills, power-sharing style, experience.

    Attributes are the therapist's traits (0–1): ``empathy``,
    ``communication``, ``power_sharing`` (0 = paternalistic, 1 = shared
    power), ``biopsychosocial``, ``patient_as_person``, ``warmth``
    (doctor-as-person), ``responsiveness``, ``experience`` (grows when
    learning is on), and ``leniency`` as a questionnaire rater.
    """

    model: ClinicModel

    def __init__(self, model: ClinicModel, therapist_id: int, traits: dict[str, float]) -> None:
        """Create therapist ``therapist_id`` with the given traits."""
        super().__init__(model)
        self.therapist_id = therapist_id
        self.empathy = traits["empathy"]
        self.communication = traits["communication"]
        self.power_sharing = traits["power_sharing"]
        self.biopsychosocial = traits["biopsychosocial"]
        self.patient_as_person = traits["patient_as_person"]
        self.warmth = traits["warmth"]
        self.responsiveness = traits["responsiveness"]
        self.experience = traits["experience"]
        self.leniency = traits["leniency"]
        self.caseload = float(model.params.caseload)
        self.patients: list[Patient] = []

    # Skills in use depend on experience (see rules.fit.effective_skill).
    @property
    def empathy_in_use(self) -> float:
        """Empathy as it shows in a session, given experience."""
        return rules.effective_skill(self.empathy, self.experience)

    @property
    def communication_in_use(self) -> float:
        """Communication skill as it shows in a session, given experience."""
        return rules.effective_skill(self.communication, self.experience)

    @property
    def patient_as_person_in_use(self) -> float:
        """Patient-as-person attentiveness as it shows in a session, given experience."""
        return rules.effective_skill(self.patient_as_person, self.experience)

    def learn(self) -> None:
        """Phase 7: gain experience from the feedback of the patients seen this session."""
        seen = [p.bond for p in self.patients if p.attended]
        if seen:
            feedback = sum(seen) / len(seen)
            self.experience = rules.learn(
                self.experience, feedback, float(self.model.params.learning_rate)
            )


class Patient(Agent):
    """A patient in an episode of care, in a dyad with one physiotherapist.

    Traits (0–1 unless stated) are fixed; state variables change each session:
    the alliance (``goal_agreement``, ``task_agreement``, ``bond``),
    ``self_efficacy``, ``psychosocial_load``, ``pain_mm`` (0–100),
    ``disability`` (0–100), ``function`` (0–10), ``adherence`` (share of last
    week's home programme done), ``attended`` and ``dropped_out``.
    """

    model: ClinicModel

    def __init__(
        self,
        model: ClinicModel,
        patient_id: int,
        traits: dict[str, float],
        goals: npt.NDArray[np.float64],
        therapist: Physiotherapist,
    ) -> None:
        """Create patient ``patient_id`` with the given traits, treated by ``therapist``."""
        super().__init__(model)
        self.patient_id = patient_id
        self.therapist = therapist
        self.therapist_id = therapist.therapist_id
        therapist.patients.append(self)
        # traits
        self.expectation = traits["expectation"]
        self.prior_trust = traits["prior_trust"]
        self.structural_share = traits["structural_share"]
        self.preferred_involvement = traits["preferred_involvement"]
        self.prefers_active = bool(traits["prefers_active"])
        self.leniency = traits["leniency"]
        self.goals = goals
        # baseline
        self.self_efficacy_baseline = traits["self_efficacy"]
        self.psychosocial_load_baseline = traits["psychosocial_load"]
        self.pain_baseline_mm = traits["pain_mm"]
        self.disability_baseline = traits["disability"]
        self.function_baseline = traits["function"]
        # the dyad: style in use, misfit, whose goals the plan serves, attention
        self.style = rules.effective_style(
            therapist.power_sharing, therapist.responsiveness, self.preferred_involvement
        )
        self.misfit = rules.involvement_misfit(self.style, self.preferred_involvement)
        plan = rules.plan_goals(
            self.style,
            therapist.patient_as_person,
            rules.therapist_goals(therapist.biopsychosocial),
            goals,
        )
        self.goal_fit = rules.goal_fit(plan, goals)
        self.attention = rules.attention(therapist.caseload)
        # state
        self.goal_agreement = rules.alliance.INITIAL_AGREEMENT
        self.task_agreement = rules.alliance.INITIAL_AGREEMENT
        self.bond = rules.initial_bond(self.prior_trust)
        self.self_efficacy = self.self_efficacy_baseline
        self.psychosocial_load = self.psychosocial_load_baseline
        self.pain_mm = self.pain_baseline_mm
        self.disability = self.disability_baseline
        self.function = self.function_baseline
        self.adherence = 0.0
        self.attended = False
        self.missed_last = False
        self.dropped_out = False
        self.dropout_session = 0
        self.sessions_attended = 0
        self.ruptured = False
        self.n_ruptures = 0
        self.pain_before_mm = self.pain_mm
        self.pain_after_mm = self.pain_mm
        self.relief_mm = 0.0
        self.gpe = NAN
        self.clear_scores()

    @property
    def session(self) -> int:
        """The current session number (the model's)."""
        return self.model.session

    # --- derived views of the alliance ------------------------------------------
    @property
    def collaborative(self) -> float:
        """The collaborative alliance (goals and tasks; Hougaard)."""
        return rules.collaborative_alliance(self.goal_agreement, self.task_agreement)

    @property
    def alliance(self) -> float:
        """The overall alliance (mean of goals, tasks and bond)."""
        return rules.overall_alliance(self.goal_agreement, self.task_agreement, self.bond)

    @property
    def progress(self) -> float:
        """Improvement of pain and disability so far (−1..1)."""
        return rules.progress(
            self.pain_mm, self.pain_baseline_mm, self.disability, self.disability_baseline
        )

    # --- the phases of a session ----------------------------------------------
    def attend(self) -> None:
        """Phase 1: drop out, or attend or miss this session (the first is always attended)."""
        u = self.model.uniform[self.patient_id]
        params = self.model.params
        if self.dropped_out:
            self.attended = False
            return
        if self.model.session == 1:
            self.attended = True
        else:
            alliance = self.alliance
            progress = self.progress
            p_drop = rules.dropout_probability(
                alliance,
                self.self_efficacy,
                progress,
                float(self.missed_last),
                float(params.p_dropout_typical),
            )
            if u[U_DROPOUT] < p_drop:
                self.dropped_out = True
                self.dropout_session = self.model.session
                self.attended = False
                return
            p_attend = rules.attendance_probability(
                alliance,
                self.self_efficacy,
                progress,
                self.psychosocial_load,
                self.pain_mm,
                float(params.p_attend_typical),
            )
            self.attended = u[U_ATTEND] < p_attend
        self.missed_last = not self.attended
        if self.attended:
            self.sessions_attended += 1

    def interact(self) -> None:
        """Phase 2: bond, goal and task agreement move toward their targets; ruptures on misfit."""
        self.ruptured = False
        if not self.attended:
            return
        u = self.model.uniform[self.patient_id]
        z = self.model.normal[self.patient_id]
        params = self.model.params
        t = self.therapist
        empathy = t.empathy_in_use
        communication = t.communication_in_use
        attentive = t.patient_as_person_in_use
        bond_target = rules.bond_target(
            empathy,
            t.warmth,
            communication,
            attentive,
            self.prior_trust,
            self.misfit,
            self.attention,
        )
        goal_target = rules.goal_agreement_target(
            self.goal_fit, self.misfit, communication, attentive
        )
        task_target = rules.task_agreement_target(
            self.expectation,
            rules.explanation(communication, t.biopsychosocial),
            self.goal_fit,
            self.misfit,
        )
        rate = float(params.alliance_rate)
        sd = float(params.alliance_noise_sd)
        self.bond = rules.move_toward(self.bond, bond_target, rate, sd * z[Z_BOND])
        self.goal_agreement = rules.move_toward(
            self.goal_agreement, goal_target, rate, sd * z[Z_GOAL]
        )
        self.task_agreement = rules.move_toward(
            self.task_agreement, task_target, rate, sd * z[Z_TASK]
        )
        p_rupture = rules.rupture_probability(self.misfit, empathy, float(params.rupture_risk))
        if u[U_RUPTURE] < p_rupture:
            size = float(params.rupture_size)
            self.ruptured = True
            self.n_ruptures += 1
            self.bond = rules.apply_rupture(self.bond, True, size, empathy)
            self.task_agreement = rules.apply_rupture(self.task_agreement, True, size, empathy)

    def treat(self) -> None:
        """Phase 3: immediate pain relief from the session (specific + contextual)."""
        self.pain_before_mm = self.pain_mm
        if self.attended:
            params = self.model.params
            z = self.model.normal[self.patient_id]
            self.relief_mm = rules.immediate_relief(
                self.pain_mm,
                params.device == "active",
                self.bond,
                self.expectation,
                float(params.ritual_relief),
                float(params.contextual_relief),
                float(params.device_relief),
                RELIEF_NOISE_MM * z[Z_RELIEF],
            )
        else:
            self.relief_mm = 0.0
        self.pain_after_mm = self.pain_before_mm - self.relief_mm

    def update_self_efficacy(self) -> None:
        """Phase 4: self-efficacy from mastery, persuasion (through the bond) and autonomy."""
        if not self.attended:
            return
        progress = rules.progress(
            self.pain_after_mm, self.pain_baseline_mm, self.disability, self.disability_baseline
        )
        self.self_efficacy = rules.update_self_efficacy(
            self.self_efficacy,
            rules.mastery(self.adherence, progress),
            self.bond,
            self.therapist.communication_in_use,
            self.style,
            float(self.model.params.self_efficacy_rate),
        )

    def exercise(self) -> None:
        """Phase 5: the share of the home programme done until the next session."""
        if self.dropped_out:
            self.adherence = 0.0
            return
        z = self.model.normal[self.patient_id]
        expected = rules.expected_adherence(
            self.self_efficacy,
            self.collaborative,
            self.psychosocial_load,
            float(self.model.params.adherence_typical),
        )
        self.adherence = rules.realised_adherence(expected, ADHERENCE_NOISE * z[Z_ADHERENCE])

    def recover(self) -> None:
        """Phase 6: pain, psychosocial load, disability and function change until the next session."""
        params = self.model.params
        z = self.model.normal[self.patient_id]
        t = self.therapist
        load_before = self.psychosocial_load
        if self.attended:
            self.psychosocial_load = rules.psychosocial_load_update(
                load_before,
                t.biopsychosocial,
                t.patient_as_person_in_use,
                self.bond,
                float(params.bps_effect),
            )
        exercise_effect = float(params.exercise_effect)
        natural = float(params.natural_recovery)
        self.pain_mm = rules.pain_between_sessions(
            self.pain_after_mm,
            self.relief_mm,
            float(params.relief_retention),
            self.adherence,
            exercise_effect,
            natural,
            self.psychosocial_load,
            PAIN_NOISE_MM * z[Z_PAIN],
        )
        disability_before = self.disability
        self.disability = rules.disability_update(
            disability_before,
            self.adherence,
            self.structural_share,
            load_before - self.psychosocial_load,
            exercise_effect,
            natural,
        )
        self.function = rules.function_update(
            self.function,
            self.adherence,
            self.goal_agreement,
            disability_before - self.disability,
            exercise_effect,
        )
        if self.model.session == self.model.n_sessions:
            self.gpe = rules.global_perceived_effect(
                self.pain_baseline_mm,
                self.pain_mm,
                self.disability_baseline,
                self.disability,
                self.alliance,
                GPE_NOISE * z[Z_GPE],
            )

    def fill_in_questionnaires(
        self, noise: npt.NDArray[np.float64]
    ) -> list[tuple[str, str, tuple[float, ...]]]:
        """Phase 8: answer WAI-SR (patient and therapist forms) and WATOCI-9 (patient).

        ``noise`` is this patient's row of block B (standard normals). Returns
        the forms as ``(rater, instrument, answers)``; the scores are kept on
        the patient. Patients who did not attend fill in nothing.
        """
        self.clear_scores()
        if not self.attended:
            return []
        params = self.model.params
        sd = float(params.item_noise_sd)
        n = WAI_SR.n_items
        latent = item_latents(WAI_SR, self.goal_agreement, self.task_agreement, self.bond)
        patient_answers = answer_items(
            WAI_SR, latent, float(params.patient_rating_bias), self.leniency, sd * noise[:n]
        )
        therapist_answers = answer_items(
            WAI_SR,
            therapist_view(latent),
            float(params.therapist_rating_bias),
            self.therapist.leniency,
            sd * noise[n : 2 * n],
        )
        latent9 = item_latents(WATOCI_9, self.goal_agreement, self.task_agreement, self.bond)
        watoci_answers = answer_items(
            WATOCI_9, latent9, float(params.patient_rating_bias), self.leniency, sd * noise[2 * n :]
        )
        for rater, answers in (("patient", patient_answers), ("therapist", therapist_answers)):
            for scale, value in score(WAI_SR, answers).items():
                setattr(self, f"wai_{rater}_{scale}", value)
        self.watoci_patient = score(WATOCI_9, watoci_answers)["total"]
        return [
            ("patient", WAI_SR.name, tuple(patient_answers.tolist())),
            ("therapist", WAI_SR.name, tuple(therapist_answers.tolist())),
            ("patient", WATOCI_9.name, tuple(watoci_answers.tolist())),
        ]

    def clear_scores(self) -> None:
        """Forget the questionnaire scores (they are recorded only on measured sessions)."""
        for rater in ("patient", "therapist"):
            for scale in ("goal", "task", "bond", "total"):
                setattr(self, f"wai_{rater}_{scale}", NAN)
        self.watoci_patient = NAN
