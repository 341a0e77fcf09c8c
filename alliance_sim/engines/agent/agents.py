"""The agents: physiotherapists and patients, whose decisions call the rulebook.

Each phase of a session is a method here; the model's ``step()`` calls them in
the order of the schedule. Agents read this session's random numbers from
their row of the model's draw block (see :mod:`alliance_sim.core.draws`), so an
engine that runs the same rules over arrays can use the same numbers for the
same patient.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from mesa import Agent

from alliance_sim.core.draws import (
    U_ATTEND,
    U_DROPOUT,
    U_RUPTURE,
    Z_ADHERENCE,
    Z_BOND,
    Z_DISABILITY,
    Z_GOAL,
    Z_GPE,
    Z_PAIN,
    Z_RELIEF,
    Z_TASK,
)
from alliance_sim.rules import phases
from alliance_sim.rules.alliance import collaborative_alliance, overall_alliance
from alliance_sim.rules.attendance import progress

if TYPE_CHECKING:
    from alliance_sim.engines.agent.model import ClinicModel

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
        self.caseload = model.params.caseload
        self.patients: list[Patient] = []
        self._skills = phases.skills_in_use(
            self.empathy, self.communication, self.patient_as_person, self.experience
        )
        self._skills_for = self.experience

    @property
    def skills_in_use(self) -> phases.SkillsInUse:
        """Empathy, communication and patient-as-person as they show in a session, given experience.

        Kept until the experience changes (each patient asks three times a session).
        """
        if self._skills_for != self.experience:
            self._skills = phases.skills_in_use(
                self.empathy, self.communication, self.patient_as_person, self.experience
            )
            self._skills_for = self.experience
        return self._skills

    def learn(self) -> None:
        """Phase 7: gain experience from the mean bond of the patients seen this session."""
        seen = [p.bond for p in self.patients if p.attended]
        feedback = sum(seen) / len(seen) if seen else math.nan
        self.experience = phases.learning(
            self.experience, feedback, len(seen), self.model.params.learning_rate
        )


class Patient(Agent):
    """A patient in an episode of care, in a dyad with one physiotherapist.

    Traits (0–1 unless stated) are fixed; state variables change each session:
    the alliance (``goal_agreement``, ``task_agreement``, ``bond``),
    ``self_efficacy``, ``psychosocial_load``, ``pain_mm`` (0–100),
    ``disability`` (0–100), ``function`` (0–10), ``adherence`` (share of last
    week's home programme done), ``attended`` and ``dropped_out``.

    Each phase method gathers the patient's inputs, calls the phase function of
    :mod:`alliance_sim.rules.phases` and keeps its result (the table in
    :data:`alliance_sim.engines.agent.model.PATIENT_METHODS` maps phases to methods);
    in phase 8 the clinic surveys every patient at once and each keeps their scores
    (:meth:`take_scores`).
    """

    model: ClinicModel
    targets: phases.SessionTargets
    """This session's interaction targets (set in phase 2, read in phase 3)."""

    def __init__(
        self,
        model: ClinicModel,
        patient_id: int,
        traits: dict[str, float],
        goals: npt.NDArray[np.float64],
        therapist: Physiotherapist,
        fit: phases.Dyad,
    ) -> None:
        """Create patient ``patient_id`` with the given traits, treated by ``therapist``.

        ``fit`` is this dyad's fit, from the population's one computation
        (:meth:`~alliance_sim.core.population.Population.dyad`).
        """
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
        self.exercise_habit = traits["exercise_habit"]
        self.goals = goals
        # baseline
        self.self_efficacy_baseline = traits["self_efficacy"]
        self.psychosocial_load_baseline = traits["psychosocial_load"]
        self.pain_baseline_mm = traits["pain_mm"]
        self.disability_baseline = traits["disability"]
        self.impairment_baseline = traits["impairment"]
        self.function_baseline = traits["function"]
        # the dyad: style in use, misfit, whose goals the plan serves
        self.fit = fit
        self.style = fit.style_in_use
        self.misfit = fit.misfit
        # state
        self.bond, self.goal_agreement, self.task_agreement, self.ruptured = (
            phases.initial_alliance(self.prior_trust)
        )
        self.self_efficacy = self.self_efficacy_baseline
        self.psychosocial_load = self.psychosocial_load_baseline
        self.pain_mm = self.pain_baseline_mm
        self.impairment = self.impairment_baseline
        self.disability = self.disability_baseline
        self.function = self.function_baseline
        self.adherence = 0.0
        self.attended = False
        self.missed_last = 0.0
        self.dropped_out = False
        self.dropout_session = 0
        self.sessions_attended = 0
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
        return collaborative_alliance(self.goal_agreement, self.task_agreement)

    @property
    def alliance(self) -> float:
        """The overall alliance (mean of goals, tasks and bond)."""
        return overall_alliance(self.goal_agreement, self.task_agreement, self.bond)

    @property
    def progress(self) -> float:
        """Improvement of pain and disability so far (−1..1)."""
        return progress(
            self.pain_mm, self.pain_baseline_mm, self.disability, self.disability_baseline
        )

    # --- the phases of a session ----------------------------------------------
    def attend(self) -> None:
        """Phase 1: drop out, or attend or miss this session (the first is always attended)."""
        u = self.model.uniform[self.patient_id]
        params = self.model.params
        was_in_care = not self.dropped_out
        self.dropped_out, self.attended, self.missed_last = phases.attendance(
            self.session == 1,
            self.dropped_out,
            self.missed_last,
            self.goal_agreement,
            self.task_agreement,
            self.bond,
            self.self_efficacy,
            self.pain_mm,
            self.pain_baseline_mm,
            self.disability,
            self.disability_baseline,
            self.psychosocial_load,
            params.p_dropout_typical,
            params.p_attend_typical,
            u[U_DROPOUT],
            u[U_ATTEND],
        )
        if was_in_care and self.dropped_out:
            self.dropout_session = self.session
        if self.attended:
            self.sessions_attended += 1

    def interact(self) -> None:
        """Phase 2: bond, goal and task agreement move toward their targets; ruptures on misfit."""
        u = self.model.uniform[self.patient_id]
        z = self.model.normal[self.patient_id]
        params = self.model.params
        therapist = self.therapist
        skills = therapist.skills_in_use
        targets = phases.session_targets(
            skills,
            therapist.warmth,
            therapist.biopsychosocial,
            therapist.caseload,
            self.prior_trust,
            self.expectation,
            self.fit,
            self.progress,
            params.rupture_risk,
        )
        self.targets = targets
        self.bond, self.goal_agreement, self.task_agreement, self.ruptured = phases.interaction(
            self.attended,
            self.bond,
            self.goal_agreement,
            self.task_agreement,
            targets,
            skills.empathy,
            params.alliance_rate,
            params.alliance_noise_sd,
            params.rupture_size,
            z[Z_BOND],
            z[Z_GOAL],
            z[Z_TASK],
            u[U_RUPTURE],
        )
        if self.ruptured:
            self.n_ruptures += 1

    def treat(self) -> None:
        """Phase 3: immediate pain relief from the session (specific + contextual)."""
        params = self.model.params
        z = self.model.normal[self.patient_id]
        self.pain_before_mm, self.relief_mm, self.pain_after_mm = phases.treatment(
            self.attended,
            self.pain_mm,
            params.device == "active",
            self.targets,
            self.bond,
            self.expectation,
            params.ritual_relief,
            params.contextual_relief,
            params.device_relief,
            z[Z_RELIEF],
        )

    def update_self_efficacy(self) -> None:
        """Phase 4: self-efficacy from mastery, persuasion (through the bond) and autonomy."""
        self.self_efficacy = phases.self_efficacy(
            self.attended,
            self.self_efficacy,
            self.adherence,
            self.pain_after_mm,
            self.pain_baseline_mm,
            self.disability,
            self.disability_baseline,
            self.bond,
            self.therapist.skills_in_use.communication,
            self.style,
            self.model.params.self_efficacy_rate,
        )

    def exercise(self) -> None:
        """Phase 5: the share of the home programme done until the next session."""
        z = self.model.normal[self.patient_id]
        self.adherence = phases.adherence(
            self.dropped_out,
            self.session,
            self.self_efficacy,
            self.goal_agreement,
            self.task_agreement,
            self.psychosocial_load,
            self.exercise_habit,
            self.model.params.adherence_typical,
            self.model.params.adherence_decline,
            z[Z_ADHERENCE],
        )

    def recover(self) -> None:
        """Phase 6: pain, psychosocial load, disability and function change until the next session."""
        params = self.model.params
        z = self.model.normal[self.patient_id]
        therapist = self.therapist
        (
            self.psychosocial_load,
            self.pain_mm,
            self.impairment,
            self.disability,
            self.function,
            self.gpe,
        ) = phases.outcomes(
            self.attended,
            self.session == self.model.n_sessions,
            self.psychosocial_load,
            self.pain_after_mm,
            self.relief_mm,
            self.impairment,
            self.disability,
            self.function,
            self.self_efficacy,
            self.adherence,
            self.goal_agreement,
            self.task_agreement,
            self.bond,
            self.structural_share,
            self.pain_baseline_mm,
            self.disability_baseline,
            self.gpe,
            therapist.biopsychosocial,
            therapist.skills_in_use.patient_as_person,
            params.bps_effect,
            params.relief_retention,
            params.exercise_effect,
            params.natural_recovery,
            params.load_brake,
            params.disability_fluctuation,
            z[Z_PAIN],
            z[Z_DISABILITY],
            z[Z_GPE],
        )

    def take_scores(self, scores: dict[str, float]) -> None:
        """Phase 8: keep this session's questionnaire scores (NaN if the patient did not attend).

        The clinic hands every patient their forms at once
        (:meth:`~alliance_sim.engines.agent.model.ClinicModel.observation`): a survey is the
        observer's act, and one call of the phase over every patient costs what two or
        three patients' calls did.
        """
        for name, value in scores.items():
            setattr(self, name, value)

    def clear_scores(self) -> None:
        """Forget the questionnaire scores (they are recorded only on measured sessions)."""
        for rater in ("patient", "therapist"):
            for scale in ("goal", "task", "bond", "total"):
                setattr(self, f"wai_{rater}_{scale}", NAN)
        self.watoci_patient = NAN
