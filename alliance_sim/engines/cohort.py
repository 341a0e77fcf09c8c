"""The cohort engine: the same rulebook over arrays of replicate clinics × patients.

Where the agent engine (:class:`~alliance_sim.engines.agent.model.ClinicModel`) steps each
patient agent in Python, this engine holds every patient of many replicate
clinics in numpy arrays of shape (replicates, patients) and applies each phase
of the session to all of them at once. It calls the same rule functions as the
agents' methods — there is no second copy of any rule — and keeps the agents'
conditions ("only if attended", "only after dropout", "only at the last
session") as masks. Replicate *r*, run with seed *s*, is therefore the same
clinic as ``ClinicModel(params, s)``: the same patients, the same random numbers,
the same trajectories (a test checks every patient's record to 1e-12).

Identical random numbers: every replicate has its own generator,
``numpy.random.default_rng(seed)``, and takes exactly the numbers the agent
engine takes, in the same order (:mod:`alliance_sim.core.population`,
:mod:`alliance_sim.core.draws`). Which numbers are drawn never depends on the state
(block A is drawn for every patient, in care or not; block B on every measured
session), so each replicate's numbers are drawn up front, then the sessions
run over the whole stack.

Different parameter values, one stack: the replicates may each have their own
:class:`~alliance_sim.core.params.Params` (``run_cohort(members, seeds)``), held as
per-replicate columns that broadcast against the (replicates, patients) state
(:mod:`alliance_sim.core.stacking`), so the many points of a sweep run in one call.
Replicates that differ in structure (patients, therapists, sessions, measurement
sessions, assignment) run in separate stacks. A replicate's numbers never depend on
the others in its stack.

Memory stays flat as the number of replicates grows: replicates run in chunks
(:func:`default_chunk_size`), and the summary-only mode keeps one row per run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from alliance_sim.core.draws import (
    N_NORMAL,
    N_UNIFORM,
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
    draw_questionnaires,
    draw_session,
)
from alliance_sim.core.errors import ParameterError
from alliance_sim.core.params import Params, check_seed, measurement_schedule
from alliance_sim.core.population import (
    Population,
    PopulationDraws,
    build_population,
    draw_population_numbers,
    stack_population_draws,
)
from alliance_sim.core.stacking import ParamStack, structure_of
from alliance_sim.records.columns import (
    BOOLEAN_SESSION_COLUMNS,
    CLINIC_MEANS,
    FINAL_STATE_COLUMNS,
    HISTORY_COLUMNS,
    SCORE_COLUMNS,
    STATE_COLUMNS,
    check_tables,
)
from alliance_sim.records.episode import baseline_of, episode_outcomes
from alliance_sim.records.metrics import mean_over_patients, summarise_outcomes
from alliance_sim.records.tables import QUESTIONNAIRE_DTYPES, patient_frame
from alliance_sim.rules import phases
from alliance_sim.rules.alliance import collaborative_alliance, overall_alliance
from alliance_sim.rules.attendance import progress
from alliance_sim.rules.questionnaires import FORMS, N_QUESTIONNAIRE_DRAWS

__all__ = [
    "CHUNK_PATIENT_SESSIONS",
    "CohortDraws",
    "default_chunk_size",
    "draw_cohort",
    "run_cohort",
]

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

CHUNK_PATIENT_SESSIONS = 200_000
"""Patient-sessions per chunk of replicates: large enough for numpy to run at full
speed, small enough that a chunk's arrays take a few tens of megabytes."""


def default_chunk_size(params: Params | ParamStack) -> int:
    """Replicates per chunk for ``params``: about :data:`CHUNK_PATIENT_SESSIONS` patient-sessions."""
    per_replicate = int(params.n_patients) * int(params.n_sessions)
    return max(1, CHUNK_PATIENT_SESSIONS // per_replicate)


@dataclass(frozen=True)
class CohortDraws:
    """Every random number of a chunk of replicates, in the engines' documented order."""

    population: PopulationDraws
    """The population draws, replicates on the leading axis."""
    uniform: Array
    """Block A uniforms, (sessions, replicates, patients, 3)."""
    normal: Array
    """Block A normals, (sessions, replicates, patients, 7)."""
    questionnaire: Array
    """Block B normals, (measured sessions, replicates, patients, 33), in session order."""


def draw_cohort(params: Params | ParamStack, seeds: Sequence[int]) -> CohortDraws:
    """Draw every random number of the replicates with these seeds, one generator each.

    Replicate *r* takes from ``default_rng(seeds[r])`` exactly what the agent
    engine takes: its population, then per session block A and, on measured
    sessions, block B. Which numbers are drawn depends only on the structure
    (:data:`~alliance_sim.core.stacking.STRUCTURAL`), which a stack's members share.
    """
    if isinstance(params, ParamStack):
        params = params.structure
    n = int(params.n_patients)
    n_sessions = int(params.n_sessions)
    measured = measurement_schedule(params)
    n_measured = len(measured)
    size = len(seeds)
    uniform = np.empty((n_sessions, size, n, N_UNIFORM))
    normal = np.empty((n_sessions, size, n, N_NORMAL))
    questionnaire = np.empty((n_measured, size, n, N_QUESTIONNAIRE_DRAWS))
    populations = []
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        populations.append(draw_population_numbers(params, rng))
        q = 0
        for session in range(1, n_sessions + 1):
            draw_session(rng, n, uniform[session - 1, r], normal[session - 1, r])
            if session in measured:
                draw_questionnaires(rng, n, questionnaire[q, r])
                q += 1
    return CohortDraws(stack_population_draws(populations), uniform, normal, questionnaire)


class _Cohort:
    """A chunk of replicate clinics: the state of every patient as (replicates, patients) arrays.

    The phase methods mirror the agents' methods of the same phase and call
    the same rules; where an agent acts only under a condition, the array
    version computes for everyone and keeps the result where the condition
    holds. Parameter values are per-replicate columns (``self.params`` is a
    :class:`~alliance_sim.core.stacking.ParamStack`), so the replicates of a chunk
    may have different values.
    """

    def __init__(self, params: ParamStack, draws: CohortDraws) -> None:
        self.params = params
        self.draws = draws
        pop = build_population(params, draws.population)
        self.population = pop
        self.n_sessions = params.n_sessions
        self.measured = sorted(measurement_schedule(params.structure))
        size, n = pop.therapist_of.shape
        self.shape = (size, n)
        self.fit = pop.dyad()  # fixed at the first session
        self.style = self.fit.style_in_use
        self.therapist_warmth = pop.per_patient("warmth")
        self.therapist_biopsychosocial = pop.per_patient("biopsychosocial")
        self.therapist_leniency = pop.per_patient("therapist_leniency")
        self.experience = pop.experience.copy()
        self.learning_on = bool((params.learning_rate > 0.0).any())
        self._set_skills()
        # state
        self.bond, self.goal_agreement, self.task_agreement, _ = phases.initial_alliance(
            pop.prior_trust
        )
        self.self_efficacy = pop.self_efficacy
        self.psychosocial_load = pop.psychosocial_load
        self.pain_mm = pop.pain_mm
        self.impairment = pop.impairment
        self.disability = pop.disability
        self.function = pop.function
        self.adherence = np.zeros(self.shape)
        self.attended = np.zeros(self.shape, dtype=bool)
        self.missed_last = np.zeros(self.shape)
        self.dropped_out = np.zeros(self.shape, dtype=bool)
        self.ruptured = np.zeros(self.shape, dtype=bool)
        self.pain_before_mm = self.pain_mm
        self.pain_after_mm = self.pain_mm
        self.relief_mm = np.zeros(self.shape)
        self.gpe = np.full(self.shape, np.nan)
        self.scores: dict[str, Array] = {}
        self.answers: Array | None = None

    def _set_skills(self) -> None:
        """The therapists' skills in use, per patient (they change only when therapists learn)."""
        pop = self.population
        experience = np.take_along_axis(self.experience, pop.therapist_of, axis=-1)
        self.skills = phases.skills_in_use(
            pop.per_patient("empathy"),
            pop.per_patient("communication"),
            pop.per_patient("patient_as_person"),
            experience,
        )

    @property
    def alliance(self) -> Array:
        return overall_alliance(self.goal_agreement, self.task_agreement, self.bond)

    @property
    def collaborative(self) -> Array:
        return collaborative_alliance(self.goal_agreement, self.task_agreement)

    # --- the phases of a session (see ClinicModel.step) ----------------------------------------
    def attend(self, session: int, u: Array) -> None:
        """Phase 1, attendance."""
        pop = self.population
        self.dropped_out, self.attended, self.missed_last = phases.attendance(
            session == 1,
            self.dropped_out,
            self.missed_last,
            self.goal_agreement,
            self.task_agreement,
            self.bond,
            self.self_efficacy,
            self.pain_mm,
            pop.pain_mm,
            self.disability,
            pop.disability,
            self.psychosocial_load,
            self.params.p_dropout_typical,
            self.params.p_attend_typical,
            u[..., U_DROPOUT],
            u[..., U_ATTEND],
        )

    def interact(self, u: Array, z: Array) -> None:
        """Phase 2, interaction."""
        params = self.params
        pop = self.population
        self.targets = phases.session_targets(
            self.skills,
            self.therapist_warmth,
            self.therapist_biopsychosocial,
            params.caseload,
            pop.prior_trust,
            pop.expectation,
            self.fit,
            progress(self.pain_mm, pop.pain_mm, self.disability, pop.disability),
            params.rupture_risk,
        )
        self.bond, self.goal_agreement, self.task_agreement, self.ruptured = phases.interaction(
            self.attended,
            self.bond,
            self.goal_agreement,
            self.task_agreement,
            self.targets,
            self.skills.empathy,
            params.alliance_rate,
            params.alliance_noise_sd,
            params.rupture_size,
            z[..., Z_BOND],
            z[..., Z_GOAL],
            z[..., Z_TASK],
            u[..., U_RUPTURE],
        )

    def treat(self, z: Array) -> None:
        """Phase 3, treatment."""
        params = self.params
        self.pain_before_mm, self.relief_mm, self.pain_after_mm = phases.treatment(
            self.attended,
            self.pain_mm,
            params.device == "active",
            self.targets,
            self.bond,
            self.population.expectation,
            params.ritual_relief,
            params.contextual_relief,
            params.device_relief,
            z[..., Z_RELIEF],
        )

    def update_self_efficacy(self) -> None:
        """Phase 4, self-efficacy."""
        self.self_efficacy = phases.self_efficacy(
            self.attended,
            self.self_efficacy,
            self.adherence,
            self.pain_after_mm,
            self.population.pain_mm,
            self.disability,
            self.population.disability,
            self.bond,
            self.skills.communication,
            self.style,
            self.params.self_efficacy_rate,
        )

    def exercise(self, session: int, z: Array) -> None:
        """Phase 5, adherence."""
        self.adherence = phases.adherence(
            self.dropped_out,
            session,
            self.self_efficacy,
            self.goal_agreement,
            self.task_agreement,
            self.psychosocial_load,
            self.population.exercise_habit,
            self.params.adherence_typical,
            self.params.adherence_decline,
            z[..., Z_ADHERENCE],
        )

    def recover(self, session: int, z: Array) -> None:
        """Phase 6, outcomes."""
        params = self.params
        pop = self.population
        (
            self.psychosocial_load,
            self.pain_mm,
            self.impairment,
            self.disability,
            self.function,
            self.gpe,
        ) = phases.outcomes(
            self.attended,
            session == self.n_sessions,
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
            pop.structural_share,
            pop.pain_mm,
            pop.disability,
            self.gpe,
            self.therapist_biopsychosocial,
            self.skills.patient_as_person,
            params.bps_effect,
            params.relief_retention,
            params.exercise_effect,
            params.natural_recovery,
            params.load_brake,
            params.disability_fluctuation,
            z[..., Z_PAIN],
            z[..., Z_DISABILITY],
            z[..., Z_GPE],
        )

    def learn(self) -> None:
        """Phase 7, learning: feedback is the mean bond of each therapist's patients seen."""
        if not self.learning_on:
            return
        size, m = self.experience.shape
        index = (self.population.therapist_of + m * np.arange(size)[:, None]).ravel()
        seen = self.attended.ravel()
        bond_sum = np.bincount(
            index, weights=np.where(seen, np.ravel(self.bond), 0.0), minlength=size * m
        )
        n_seen = np.bincount(index[seen], minlength=size * m).reshape(size, m)
        with np.errstate(invalid="ignore", divide="ignore"):
            feedback = bond_sum.reshape(size, m) / n_seen
        self.experience = phases.learning(
            self.experience, feedback, n_seen, self.params.learning_rate
        )
        self._set_skills()

    def fill_in_questionnaires(self, noise: Array | None) -> None:
        """Phase 8, observation; no scores on unmeasured sessions."""
        self.answers = None
        if noise is None:
            self.scores = {}
            return
        params = self.params  # (replicates, 1, 1): against (replicates, patients, items)
        forms = phases.observation(
            self.attended,
            self.goal_agreement,
            self.task_agreement,
            self.bond,
            params.column("patient_rating_bias", 2),
            params.column("therapist_rating_bias", 2),
            self.population.patient_leniency,
            self.therapist_leniency,
            params.column("therapist_insight", 2),
            params.column("item_noise_sd", 2),
            noise,
        )
        self.scores = forms.scores  # type: ignore[assignment]  # arrays here
        self.answers = np.concatenate(
            [forms.patient_wai, forms.therapist_wai, forms.patient_watoci], axis=-1
        )

    def value(self, column: str) -> np.ndarray:
        """The current value of a sessions-table column."""
        if column in SCORE_COLUMNS:
            return self.scores.get(column, np.full(self.shape, np.nan))
        return np.asarray(getattr(self, column))

    # --- the episode ----------------------------------------------------------------------------
    def step(self, session: int) -> None:
        """One session for every clinic of the chunk, in the schedule of ``ClinicModel.step``.

        1. attendance, 2. interaction, 3. treatment, 4. self_efficacy,
        5. adherence, 6. outcomes, 7. learning, 8. observation — each phase
        with this session's rows of the replicates' draws (block A; block B on
        measured sessions).
        """
        u = self.draws.uniform[session - 1]
        z = self.draws.normal[session - 1]
        self.attend(session, u)
        self.interact(u, z)
        self.treat(z)
        self.update_self_efficacy()
        self.exercise(session, z)
        self.recover(session, z)
        self.learn()
        measured = session in self.measured
        noise = self.draws.questionnaire[self.measured.index(session)] if measured else None
        self.fill_in_questionnaires(noise)

    def run(
        self, tables: Collection[str], seeds: Sequence[int], replicate: npt.NDArray[np.int64]
    ) -> dict[str, pd.DataFrame]:
        """Run every session and return the requested tables.

        Rows are tagged with ``replicate`` (each clinic's position among the
        caller's seeds) and ``seed``.
        """
        size, n = self.shape
        n_sessions = self.n_sessions
        recorded = STATE_COLUMNS if "sessions" in tables else HISTORY_COLUMNS
        history = {name: np.empty((n_sessions, size, n), dtype=_dtype(name)) for name in recorded}
        clinic = (
            {name: np.empty((n_sessions, size)) for name in CLINIC_MEANS}
            if ("clinic" in tables)
            else {}
        )
        forms: list[tuple[int, Array, Mask]] = []
        for session in range(1, n_sessions + 1):
            self.step(session)
            for name in recorded:
                history[name][session - 1] = self.value(name)
            if clinic:
                in_care = ~self.dropped_out
                for name, (attribute, over) in CLINIC_MEANS.items():
                    values = np.asarray(self.value(attribute), dtype=float)
                    if over == "in_care":
                        values = np.where(in_care, values, np.nan)
                    clinic[name][session - 1] = mean_over_patients(values)
            if "questionnaires" in tables and self.answers is not None:
                forms.append((session, self.answers, self.attended))

        final = {name: self.value(name) for name in FINAL_STATE_COLUMNS}
        by_replicate = {name: values.transpose(1, 0, 2) for name, values in history.items()}
        outcomes = episode_outcomes(final, by_replicate, baseline_of(self.population))
        metrics = summarise_outcomes(outcomes)
        seed = np.asarray(seeds, dtype=np.int64)
        out = {"summary": pd.DataFrame({"replicate": replicate, "seed": seed, **metrics})}
        if "clinic" in tables:
            out["clinic"] = _clinic_frame(clinic, replicate, seed)
        if "patients" in tables:
            out["patients"] = _tag(patient_frame(self.population, outcomes), replicate, seed, n)
        if "sessions" in tables:
            out["sessions"] = _sessions_frame(history, self.population, replicate, seed)
        if "questionnaires" in tables:
            out["questionnaires"] = _questionnaire_frame(forms, self.population, replicate, seed)
        return out


def _dtype(column: str) -> type:
    return bool if column in BOOLEAN_SESSION_COLUMNS else float


def _tag(
    frame: pd.DataFrame, replicate: np.ndarray, seed: np.ndarray, rows_each: int
) -> pd.DataFrame:
    """Put replicate and seed columns first, ``rows_each`` rows per replicate."""
    frame.insert(0, "seed", np.repeat(seed, rows_each))
    frame.insert(0, "replicate", np.repeat(replicate, rows_each))
    return frame


def _clinic_frame(
    clinic: dict[str, Array], replicate: np.ndarray, seed: np.ndarray
) -> pd.DataFrame:
    n_sessions, size = next(iter(clinic.values())).shape
    columns: dict[str, np.ndarray] = {
        "session": np.tile(np.arange(1, n_sessions + 1, dtype=np.int64), size)
    }
    for name in CLINIC_MEANS:
        columns[name] = clinic[name].T.reshape(-1)
    return _tag(pd.DataFrame(columns), replicate, seed, n_sessions)


def _sessions_frame(
    history: dict[str, np.ndarray], population: Population, replicate: np.ndarray, seed: np.ndarray
) -> pd.DataFrame:
    n_sessions, size, n = history["attended"].shape
    columns: dict[str, np.ndarray] = {
        "session": np.tile(np.repeat(np.arange(1, n_sessions + 1, dtype=np.int64), n), size),
        "patient_id": np.tile(np.arange(n, dtype=np.int64), size * n_sessions),
        "therapist_id": np.broadcast_to(
            population.therapist_of[:, None, :], (size, n_sessions, n)
        ).reshape(-1),
    }
    for name in STATE_COLUMNS:
        columns[name] = history[name].transpose(1, 0, 2).reshape(-1)
    return _tag(pd.DataFrame(columns), replicate, seed, n_sessions * n)


def _form_layout() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rater, instrument, item number and subscale of each of the 33 answers of a patient."""
    raters, instruments, items, subscales = [], [], [], []
    for rater, instrument in FORMS:
        raters += [rater] * instrument.n_items
        instruments += [instrument.name] * instrument.n_items
        items += list(range(1, instrument.n_items + 1))
        subscales += list(instrument.subscales)
    return (
        np.array(raters, dtype=object),
        np.array(instruments, dtype=object),
        np.array(items, dtype=np.int64),
        np.array(subscales, dtype=object),
    )


def _questionnaire_frame(
    forms: list[tuple[int, Array, Mask]],
    population: Population,
    replicate: np.ndarray,
    seed: np.ndarray,
) -> pd.DataFrame:
    """One row per answered item, ordered by replicate, session, patient, form, item."""
    size, n = population.therapist_of.shape
    rater, instrument, item, subscale = _form_layout()
    k = len(item)
    dtypes = {"replicate": "int64", "seed": "int64", **QUESTIONNAIRE_DTYPES}
    if not forms:
        return pd.DataFrame({c: [] for c in dtypes}).astype(dtypes)
    sessions = np.array([f[0] for f in forms], dtype=np.int64)
    answers = np.stack([f[1] for f in forms], axis=1)  # (R, Q, N, 33)
    mask = np.stack([f[2] for f in forms], axis=1)  # (R, Q, N)
    shape = mask.shape
    rep_index = np.broadcast_to(np.arange(size)[:, None, None], shape)[mask]
    session_index = np.broadcast_to(sessions[None, :, None], shape)[mask]
    patient_index = np.broadcast_to(np.arange(n)[None, None, :], shape)[mask]
    therapist_index = np.broadcast_to(population.therapist_of[:, None, :], shape)[mask]
    rows = len(rep_index)
    return pd.DataFrame(
        {
            "replicate": np.repeat(replicate[rep_index], k),
            "seed": np.repeat(seed[rep_index], k),
            "session": np.repeat(session_index, k),
            "patient_id": np.repeat(patient_index.astype(np.int64), k),
            "therapist_id": np.repeat(therapist_index, k),
            "rater": np.tile(rater, rows),
            "instrument": np.tile(instrument, rows),
            "item": np.tile(item, rows),
            "subscale": np.tile(subscale, rows),
            "answer": answers[mask].reshape(-1).astype(np.int64),
        }
    ).astype(dtypes)


def _stacks(
    params: Params | Sequence[Params], n_seeds: int
) -> list[tuple[Params, npt.NDArray[np.int64]]]:
    """The replicates that can share a stack: (their structure, their positions), in order.

    One Params for every seed is one group; a sequence of parameter sets is grouped
    by :func:`~alliance_sim.core.stacking.structure_of`, groups in order of first appearance.
    """
    if isinstance(params, Params):
        return [(params, np.arange(n_seeds, dtype=np.int64))]
    if isinstance(params, Mapping | str) or not isinstance(params, Sequence):
        raise ParameterError(
            f"params = {params!r} is not allowed: a Params, or a sequence of Params (one per seed)"
        )
    if len(params) != n_seeds:
        raise ParameterError(
            f"params has {len(params)} parameter sets for {n_seeds} seeds: give one per seed"
        )
    groups: dict[tuple[object, ...], list[int]] = {}
    for position, member in enumerate(params):
        if not isinstance(member, Params):
            raise ParameterError(
                f"params[{position}] = {member!r} is not allowed: a Params"
                " (build one with Params(...) to validate the values)"
            )
        groups.setdefault(structure_of(member), []).append(position)
    return [
        (params[positions[0]], np.asarray(positions, dtype=np.int64))
        for positions in groups.values()
    ]


def run_cohort(
    params: Params | Sequence[Params],
    seeds: Sequence[int],
    tables: Collection[str] | str = ("summary",),
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run one replicate clinic per seed with the cohort engine; return the tables asked for.

    Args:
        params: the parameter values: one :class:`~alliance_sim.core.params.Params`
            shared by every replicate, or a sequence of them, one per seed (e.g.
            the points of a sweep). Replicates that share their structure
            (:data:`~alliance_sim.core.stacking.STRUCTURAL`: numbers of patients,
            therapists and sessions, measurement sessions, assignment) run
            stacked, each with its own values of every other parameter.
        seeds: one seed per replicate; replicate *r* equals the agent engine's
            run of ``params`` (or ``params[r]``) with ``seeds[r]``, and is
            number for number the same whichever replicates it runs beside.
        tables: which of :data:`TABLES` to return (``summary`` is always
            returned); each table has ``replicate`` (the position in ``seeds``)
            and ``seed`` columns first, rows in replicate order.
        chunk_size: replicates run together (default :func:`default_chunk_size`);
            results do not depend on it.
        progress: called with the number of replicates finished after each chunk.

    Raises:
        ParameterError: for an unknown table, no seeds, a bad seed or chunk size,
            or ``params`` that are not one Params or one per seed.
    """
    wanted = check_tables(tables)
    seeds = [check_seed(seed) for seed in seeds]
    if not seeds:
        raise ParameterError("seeds = [] is not allowed: give at least one seed")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ParameterError(f"chunk_size = {chunk_size!r} is not allowed: a whole number ≥ 1")
    groups = _stacks(params, len(seeds))
    members = None if isinstance(params, Params) else list(params)
    parts: dict[str, list[pd.DataFrame]] = {}
    for structure, positions in groups:
        size = chunk_size if chunk_size is not None else default_chunk_size(structure)
        for start in range(0, len(positions), size):
            chunk = positions[start : start + size]
            chunk_seeds = [seeds[i] for i in chunk]
            stack = (
                ParamStack.shared(structure, len(chunk))
                if members is None
                else ParamStack([members[i] for i in chunk])
            )
            cohort = _Cohort(stack, draw_cohort(structure, chunk_seeds))
            for name, frame in cohort.run(wanted, chunk_seeds, chunk).items():
                parts.setdefault(name, []).append(frame)
            if progress is not None:
                progress(len(chunk))
    out = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    if len(groups) > 1:  # rows in replicate order, as from one group
        out = {
            name: frame.sort_values("replicate", kind="stable", ignore_index=True)
            for name, frame in out.items()
        }
    return out
