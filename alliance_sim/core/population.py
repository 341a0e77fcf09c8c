"""The initial population: therapists and patients drawn from the population parameters.

Every engine starts from the same draws, so a replicate starts from the same
clinic whichever engine runs it: :func:`draw_population_numbers` takes the
random numbers from the generator, :func:`build_population` turns them into
attributes (for one clinic, or for a stack of replicate clinics at once, with
the replicates on leading axes and, with a
:class:`~alliance_sim.core.stacking.ParamStack`, each replicate's own parameter
values), and :func:`draw_population` does both. Draw
order (documented because it is part of the model's reproducibility contract):

1. patients: standard normals (patients, 15), then uniforms (patients,);
2. therapists: standard normals (therapists, 9);
3. assignment: one permutation of the patients (``assignment = "random"``),
   or no draw (``"match"``).

Patients are drawn first and their draws do not depend on the therapist
parameters, so two scenarios that differ only in their therapists (e.g.
``paternalistic`` and ``shared-power``) treat exactly the same patients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from alliance_sim.core.params import Params
from alliance_sim.core.stacking import ParamStack
from alliance_sim.rules import outcomes, phases
from alliance_sim.rules.adherence import TYPICAL_LOAD
from alliance_sim.rules.fit import TYPICAL_PATIENT_GOALS
from alliance_sim.rules.self_efficacy import TYPICAL_SELF_EFFICACY

__all__ = [
    "PATIENT_TRAITS",
    "THERAPIST_TRAITS",
    "Population",
    "PopulationDraws",
    "assign_patients",
    "build_population",
    "draw_population",
    "draw_population_numbers",
    "stack_population_draws",
]

Array = npt.NDArray[np.float64]

THERAPIST_TRAITS: tuple[str, ...] = (
    "empathy",
    "communication",
    "power_sharing",
    "biopsychosocial",
    "patient_as_person",
    "warmth",
    "responsiveness",
    "experience",
)
"""Therapist traits drawn as clip(mean + sd × z, 0, 1), in draw-column order."""

PATIENT_TRAITS: tuple[str, ...] = (
    "self_efficacy",
    "expectation",
    "psychosocial_load",
    "prior_trust",
    "structural_share",
)
"""Patient traits drawn as clip(mean + sd × z, 0, 1), in draw-column order."""

ACTIVE_INVOLVEMENT = 0.75
"""Preferred involvement around which patients who want an active role cluster."""
PASSIVE_INVOLVEMENT = 0.25
"""Preferred involvement around which patients who want a passive role cluster."""

PAIN_PER_LOAD = 30.0
"""Baseline pain (mm) per unit of psychosocial load above a typical patient's (0.4). With the default spread
of load it gives a baseline correlation of load with pain of about .2, smaller than with
disability, as published: r = .19 for kinesiophobia and pain vs .40 with disability in
chronic low back pain (Comachio et al. 2018); "small to medium" for fear and pain
intensity (Markfelder & Pauli 2020)."""

TYPICAL_PSYCHOSOCIAL_DISABILITY = float(
    outcomes.disability_from(0.0, TYPICAL_LOAD, TYPICAL_SELF_EFFICACY)
)
"""The disability that psychosocial load and low self-efficacy add for a typical patient
(load 0.4, self-efficacy 0.58): ``disability_mean`` is a typical patient's baseline
disability, so a population with more load (or less confidence) starts more disabled."""

PAIN_DISABILITY_CORRELATION = 0.45
"""Correlation of the physical part of baseline disability with baseline pain. With load and
self-efficacy added, baseline pain and disability correlate about .4 (Kovacs et al. 2004:
.35–.57 for pain and disability in low back pain)."""


@dataclass(frozen=True)
class Population:
    """Initial attributes: therapist arrays end in an axis of length M, patient arrays of length N.

    For one clinic the arrays are 1-D (goals: (N, 4)); for a stack of
    replicate clinics they have the replicates on a leading axis.
    """

    # therapists
    empathy: Array
    communication: Array
    power_sharing: Array
    biopsychosocial: Array
    patient_as_person: Array
    warmth: Array
    responsiveness: Array
    experience: Array
    therapist_leniency: Array
    # patients
    self_efficacy: Array
    expectation: Array
    psychosocial_load: Array
    prior_trust: Array
    structural_share: Array
    pain_mm: Array
    impairment: Array
    """The physical part of baseline disability (0–100)."""
    disability: Array
    function: Array
    prefers_active: npt.NDArray[np.bool_]
    preferred_involvement: Array
    goals: Array
    """Patient goal weights, shape (N, 4), rows sum to 1."""
    patient_leniency: Array
    exercise_habit: Array
    """How much more (or less) of the home programme this patient does than their
    self-efficacy, alliance and load alone predict (share; mean 0)."""
    therapist_of: npt.NDArray[np.int64]
    """The index of each patient's therapist."""

    @property
    def n_patients(self) -> int:
        """Number of patients (per clinic)."""
        return int(self.self_efficacy.shape[-1])

    @property
    def n_therapists(self) -> int:
        """Number of therapists (per clinic)."""
        return int(self.empathy.shape[-1])

    def arrays(self) -> dict[str, np.ndarray]:
        """All attributes by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def per_patient(self, therapist_attribute: str) -> Array:
        """A therapist attribute (e.g. ``"empathy"``) for each patient: their therapist's value."""
        values = getattr(self, therapist_attribute)
        return np.take_along_axis(values, self.therapist_of, axis=-1)

    def dyad(self) -> phases.Dyad:
        """The fit of each patient with their therapist (:func:`~alliance_sim.rules.phases.dyad`).

        ``style_in_use`` (the power-sharing style the therapist uses with this
        patient), ``misfit`` (distance from the involvement the patient
        prefers) and ``goal_fit`` (how well the plan's goals match the
        patient's), one array each.
        """
        return phases.dyad(
            self.per_patient("power_sharing"),
            self.per_patient("responsiveness"),
            self.preferred_involvement,
            self.per_patient("patient_as_person"),
            self.per_patient("biopsychosocial"),
            self.goals,
        )


@dataclass(frozen=True)
class PopulationDraws:
    """The random numbers a population is built from (replicates, if stacked, on leading axes)."""

    patient_normal: Array
    """Standard normals, (N, 15)."""
    patient_uniform: Array
    """Uniforms, (N,)."""
    therapist_normal: Array
    """Standard normals, (M, 9)."""
    order: npt.NDArray[np.int64] | None
    """The random permutation of the patients (``assignment = "random"``), else None."""


def draw_population_numbers(
    params: Params | ParamStack, rng: np.random.Generator
) -> PopulationDraws:
    """Take the random numbers of one clinic's population from ``rng`` (the documented order).

    Only the structure (numbers of patients and therapists, assignment) is read.
    """
    n = int(params.n_patients)
    m = int(params.n_therapists)
    patient_normal = rng.standard_normal((n, 15))
    patient_uniform = rng.random(n)
    therapist_normal = rng.standard_normal((m, len(THERAPIST_TRAITS) + 1))
    order = rng.permutation(n) if str(params.assignment) == "random" else None
    return PopulationDraws(patient_normal, patient_uniform, therapist_normal, order)


def stack_population_draws(draws: list[PopulationDraws]) -> PopulationDraws:
    """Stack the draws of several replicate clinics on a new leading axis."""
    orders = [d.order for d in draws]
    return PopulationDraws(
        patient_normal=np.stack([d.patient_normal for d in draws]),
        patient_uniform=np.stack([d.patient_uniform for d in draws]),
        therapist_normal=np.stack([d.therapist_normal for d in draws]),
        order=None if orders[0] is None else np.stack(orders),  # type: ignore[arg-type]
    )


def _value(params: Params | ParamStack, name: str, trailing: int = 1) -> float | Array:
    """A parameter's value: a float, or a stack's per-replicate column.

    The column broadcasts against arrays with ``trailing`` axes after the replicates.
    """
    if isinstance(params, ParamStack):
        return params.column(name, trailing)
    return float(params[name])


def _trait(
    params: Params | ParamStack, name: str, z: Array, low: float = 0.0, high: float = 1.0
) -> Array:
    mean = _value(params, f"{name}_mean")
    sd = _value(params, f"{name}_sd")
    return np.clip(mean + sd * z, low, high)


def draw_population(params: Params, rng: np.random.Generator) -> Population:
    """Draw the therapists and patients of one clinic (see the module docstring for the order)."""
    return build_population(params, draw_population_numbers(params, rng))


def build_population(params: Params | ParamStack, draws: PopulationDraws) -> Population:
    """The therapists and patients made from their random numbers (one clinic or a stack).

    ``params`` is one :class:`Params` (for one clinic, or a stack of replicates
    that all have it) or a :class:`~alliance_sim.core.stacking.ParamStack` with one
    parameter set per replicate of the stacked ``draws``.
    """
    # 1. patients
    z = draws.patient_normal
    patient = {name: _trait(params, name, z[..., i]) for i, name in enumerate(PATIENT_TRAITS)}
    load, self_efficacy = patient["psychosocial_load"], patient["self_efficacy"]
    pain = np.clip(
        _value(params, "pain_mean")
        + PAIN_PER_LOAD * (load - TYPICAL_LOAD)
        + _value(params, "pain_sd") * z[..., 5],
        0.0,
        100.0,
    )
    # the physical part of disability, correlated with pain; fear and low confidence add to it
    shared = PAIN_DISABILITY_CORRELATION * z[..., 5]
    own = math.sqrt(1.0 - PAIN_DISABILITY_CORRELATION**2) * z[..., 6]
    impairment = np.clip(
        _value(params, "disability_mean")
        - TYPICAL_PSYCHOSOCIAL_DISABILITY
        + _value(params, "disability_sd") * (shared + own),
        0.0,
        100.0,
    )
    disability = outcomes.disability_from(impairment, load, self_efficacy)
    function = np.clip(8.0 - 0.1 * disability + 1.0 * z[..., 7], 0.0, 10.0)
    prefers_active = draws.patient_uniform < _value(params, "p_prefers_active")
    centre = np.where(prefers_active, ACTIVE_INVOLVEMENT, PASSIVE_INVOLVEMENT)
    involvement = np.clip(centre + _value(params, "involvement_sd") * z[..., 8], 0.0, 1.0)
    patient_leniency = _value(params, "patient_leniency_sd") * z[..., 9]
    logits = np.log(TYPICAL_PATIENT_GOALS) + _value(params, "goal_spread", 2) * z[..., 10:14]
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    goals = weights / weights.sum(axis=-1, keepdims=True)
    exercise_habit = _value(params, "exercise_habit_sd") * z[..., 14]

    # 2. therapists
    zt = draws.therapist_normal
    therapist = {name: _trait(params, name, zt[..., i]) for i, name in enumerate(THERAPIST_TRAITS)}
    therapist_leniency = _value(params, "therapist_leniency_sd") * zt[..., -1]

    # 3. assignment
    therapist_of = assign_patients(
        str(params.assignment), involvement, therapist["power_sharing"], draws.order
    )
    return Population(
        **therapist,
        therapist_leniency=therapist_leniency,
        **patient,
        pain_mm=pain,
        impairment=impairment,
        disability=np.asarray(disability),
        function=function,
        prefers_active=prefers_active,
        preferred_involvement=involvement,
        goals=goals,
        patient_leniency=patient_leniency,
        exercise_habit=exercise_habit,
        therapist_of=therapist_of,
    )


def assign_patients(
    assignment: str,
    preferred_involvement: Array,
    power_sharing: Array,
    order: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Share patients out evenly between therapists (the index of each patient's therapist).

    ``"random"``: the random permutation ``order`` of the patients dealt round
    the therapists. ``"match"``: patients ordered by preferred involvement are
    dealt in blocks to therapists ordered by power-sharing style, so the
    patients who want the most say meet the therapists who share the most
    power. Works on one clinic or on a stack (replicates on leading axes).
    """
    n = preferred_involvement.shape[-1]
    m = power_sharing.shape[-1]
    therapist_of = np.empty(preferred_involvement.shape, dtype=np.int64)
    if assignment == "random":
        if order is None:
            raise ValueError("random assignment needs the permutation `order`")
        dealt = np.broadcast_to(np.arange(n) % m, therapist_of.shape)
        np.put_along_axis(therapist_of, order, dealt, axis=-1)
    elif assignment == "match":
        patients_in_order = np.argsort(preferred_involvement, axis=-1, kind="stable")
        therapists_in_order = np.argsort(power_sharing, axis=-1, kind="stable")
        block = np.broadcast_to((np.arange(n) * m) // n, therapist_of.shape)
        np.put_along_axis(
            therapist_of,
            patients_in_order,
            np.take_along_axis(therapists_in_order, block, axis=-1),
            axis=-1,
        )
    else:
        raise ValueError(f"assignment = {assignment!r} is not allowed: 'random' or 'match'")
    return therapist_of
