"""The clinic: a Mesa model of physiotherapists and patients meeting session after session.

This is the agent engine: readable, steppable one session at a time (the web
app steps it), and the reference any vectorised engine must reproduce exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from mesa import DataCollector, Model

from alliance_sim.core.draws import draw_questionnaires, draw_session
from alliance_sim.core.params import Params, check_seed, measurement_schedule
from alliance_sim.core.population import THERAPIST_TRAITS, draw_population
from alliance_sim.engines.agent.agents import Patient, Physiotherapist
from alliance_sim.engines.agent.reporters import MODEL_REPORTERS, PATIENT_REPORTERS
from alliance_sim.rules import phases
from alliance_sim.rules.phases import PHASES
from alliance_sim.rules.questionnaires import WAI_SR, WATOCI_9

__all__ = ["PATIENT_METHODS", "PHASES", "ClinicModel"]

PATIENT_METHODS: dict[str, str] = {
    "attendance": "attend",
    "interaction": "interact",
    "treatment": "treat",
    "self_efficacy": "update_self_efficacy",
    "adherence": "exercise",
    "outcomes": "recover",
    "observation": "take_scores",
}
"""The :class:`~alliance_sim.engines.agent.agents.Patient` method of each phase (phase 7, learning, is
:meth:`~alliance_sim.engines.agent.agents.Physiotherapist.learn`; in phase 8, observation, the clinic
fills in every patient's forms at once and each patient keeps their scores). A phase method of the
model and the phase function of :mod:`alliance_sim.rules.phases` carry the phase's name."""


class ClinicModel(Model):
    """A physiotherapy clinic over one episode of care.

    Therapists and patients are drawn from the population parameters;
    patients are assigned to therapists (``assignment``: random or matched on
    style); each ``step()`` is one session.

    Args:
        params: the parameter values (``Params()`` for the defaults).
        seed: the integer seed of the model's random number generator; the only
            source of randomness.
    """

    def __init__(self, params: Params | None = None, seed: int = 0) -> None:
        """Create the clinic, its therapists and patients, and the data collector."""
        seed = check_seed(seed)
        super().__init__(rng=seed)
        self.params = params if params is not None else Params()
        self.seed = seed
        self.n_sessions = self.params.n_sessions
        self.measured_sessions = measurement_schedule(self.params)
        self.uniform: list[list[float]] = []
        self.normal: list[list[float]] = []
        self.forms: list[tuple[int, int, int, str, str, tuple[float, ...]]] = []

        population = draw_population(self.params, self.rng)
        self.population = population
        self.therapists: list[Physiotherapist] = []
        for j in range(population.n_therapists):
            traits = {name: float(getattr(population, name)[j]) for name in THERAPIST_TRAITS}
            traits["leniency"] = float(population.therapist_leniency[j])
            self.therapists.append(Physiotherapist(self, j, traits))
        fits = population.dyad()
        self.patients_in_order: list[Patient] = []
        for i in range(population.n_patients):
            traits = {
                "expectation": float(population.expectation[i]),
                "prior_trust": float(population.prior_trust[i]),
                "structural_share": float(population.structural_share[i]),
                "preferred_involvement": float(population.preferred_involvement[i]),
                "prefers_active": bool(population.prefers_active[i]),
                "leniency": float(population.patient_leniency[i]),
                "exercise_habit": float(population.exercise_habit[i]),
                "self_efficacy": float(population.self_efficacy[i]),
                "psychosocial_load": float(population.psychosocial_load[i]),
                "pain_mm": float(population.pain_mm[i]),
                "disability": float(population.disability[i]),
                "impairment": float(population.impairment[i]),
                "function": float(population.function[i]),
            }
            therapist = self.therapists[int(population.therapist_of[i])]
            fit = phases.Dyad(*(float(np.asarray(values)[i]) for values in fits))
            self.patients_in_order.append(
                Patient(self, i, traits, population.goals[i], therapist, fit)
            )
        self.patients = self.agents_by_type[Patient]

        self.datacollector = DataCollector(
            model_reporters=dict(MODEL_REPORTERS),
            agenttype_reporters={Patient: dict(PATIENT_REPORTERS)},
        )
        self.running = self.n_sessions > 0

    @property
    def session(self) -> int:
        """The current session number (1 during the first session; 0 before it)."""
        return self.steps

    def step(self) -> None:
        """One treatment session (about a week), phase by phase.

        The schedule, in order:

        1. attendance — each patient still in care may drop out (weak alliance,
           low self-efficacy, no progress, a missed last session) or else
           attends or misses the session (alliance and self-efficacy bring them
           in; progress, i.e. less need, and a pain barrier keep them away); the
           first session is always attended.
        2. interaction — for attending patients, bond, goal agreement and task
           agreement move toward targets set by the therapist's relational
           behaviour, the fit with this patient (style vs preferred involvement,
           whose goals the plan serves, explanations vs expectations), the trust
           the patient brings and the progress felt so far, with noise; any
           alliance can rupture, a misfit of style more often.
        3. treatment — immediate pain relief: the session itself, a contextual
           effect of the therapist's relational behaviour let through by the
           bond, and an active device's specific effect.
        4. self_efficacy — mastery, persuasion through the bond, and autonomy
           (shared power) or dependence (paternalism).
        5. adherence — the share of the home programme done until the next
           session: self-efficacy and the collaborative alliance together,
           lowered by psychosocial load, wearing off week after week.
        6. outcomes — psychosocial load addressed, relief that fades, pain and
           the physical impairment recover (slowed by load), disability is the
           impairment plus what load and low self-efficacy add, function changes;
           global perceived effect at the last session.
        7. learning — therapists gain experience from their patients' feedback
           (when ``learning_rate`` > 0).
        8. observation — on measured sessions, attending patients and their
           therapists fill in the questionnaires; then the data are collected.

        Random numbers: block A (uniforms then normals, one row per patient in
        patient order) is drawn before phase 1; block B (questionnaire noise)
        in phase 8 of measured sessions. See :mod:`alliance_sim.core.draws`.
        """
        self.draw_random_numbers()
        self.attendance()
        self.interaction()
        self.treatment()
        self.self_efficacy()
        self.adherence()
        self.outcomes()
        self.learning()
        self.observation()
        if self.session >= self.n_sessions:
            self.running = False

    def draw_random_numbers(self) -> None:
        """Draw block A of this session for every patient, in patient order."""
        block = draw_session(self.rng, len(self.patients_in_order))
        self.uniform = block.uniform.tolist()
        self.normal = block.normal.tolist()

    def attendance(self) -> None:
        """Phase 1: dropout and attendance."""
        self.patients.do("attend")

    def interaction(self) -> None:
        """Phase 2: the alliance in the session."""
        self.patients.do("interact")

    def treatment(self) -> None:
        """Phase 3: immediate relief."""
        self.patients.do("treat")

    def self_efficacy(self) -> None:
        """Phase 4: self-efficacy."""
        self.patients.do("update_self_efficacy")

    def adherence(self) -> None:
        """Phase 5: home-exercise adherence."""
        self.patients.do("exercise")

    def outcomes(self) -> None:
        """Phase 6: pain, psychosocial load, disability, function, global perceived effect."""
        self.patients.do("recover")

    def learning(self) -> None:
        """Phase 7: therapist learning, where enabled."""
        if self.params.learning_rate > 0.0:
            for therapist in self.therapists:
                therapist.learn()

    def observation(self) -> None:
        """Phase 8: questionnaires on measured sessions, then data collection.

        On a measured session the clinic gives every patient and their therapist
        the forms at once, as one survey: the phase function runs over arrays of
        all patients (patient order, block B row by row, as the cohort engine
        does); patients who did not attend answer nothing (their scores are NaN,
        their forms are not kept).
        """
        patients = self.patients_in_order
        if self.session in self.measured_sessions:
            params = self.params
            noise = draw_questionnaires(self.rng, len(patients))
            attended = np.array([patient.attended for patient in patients], dtype=bool)
            forms = phases.observation(
                attended,
                np.array([patient.goal_agreement for patient in patients]),
                np.array([patient.task_agreement for patient in patients]),
                np.array([patient.bond for patient in patients]),
                params.patient_rating_bias,
                params.therapist_rating_bias,
                np.array([patient.leniency for patient in patients]),
                np.array([patient.therapist.leniency for patient in patients]),
                params.therapist_insight,
                params.item_noise_sd,
                noise,
            )
            scores = {name: np.asarray(values).tolist() for name, values in forms.scores.items()}
            answers = [
                (rater, instrument, table.tolist())
                for rater, instrument, table in (
                    ("patient", WAI_SR.name, forms.patient_wai),
                    ("therapist", WAI_SR.name, forms.therapist_wai),
                    ("patient", WATOCI_9.name, forms.patient_watoci),
                )
            ]
            for i, patient in enumerate(patients):
                patient.take_scores({name: values[i] for name, values in scores.items()})
                if not patient.attended:
                    continue
                for rater, instrument, rows in answers:
                    self.forms.append(
                        (
                            self.session,
                            patient.patient_id,
                            patient.therapist_id,
                            rater,
                            instrument,
                            tuple(rows[i]),
                        )
                    )
        else:
            for patient in patients:
                patient.clear_scores()
        self.datacollector.collect(self)

    def run(self, progress: Callable[[int], None] | None = None) -> ClinicModel:
        """Run the remaining sessions of the episode; returns the model.

        ``progress(1)`` is called after each session, if given.
        """
        while self.running:
            self.step()
            if progress is not None:
                progress(1)
        return self

    def close(self) -> None:
        """Remove the agents so the model can be garbage-collected (Mesa 3.3 keeps them otherwise)."""
        for therapist in self.therapists:
            therapist.patients.clear()
        self.remove_all_agents()
        ids: Any = getattr(Physiotherapist, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
