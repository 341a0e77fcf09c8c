"""The initial population: therapists and patients drawn from the population parameters.

Every engine starts from :func:`draw_population`, so a replicate starts from
the same clinic whichever engine runs it. Draw order (documented because it
is part of the model's reproducibility contract):

1. patients: standard normals (patients, 14), then uniforms (patients,);
2. therapists: standard normals (therapists, 9);
3. assignment: one permutation of the patients (``assignment = "random"``),
   or no draw (``"match"``).

Patients are drawn first and their draws do not depend on the therapist
parameters, so two scenarios that differ only in their therapists (e.g.
``paternalistic`` and ``shared-power``) treat exactly the same patients.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from alliance_sim.params import Params
from alliance_sim.rules.fit import TYPICAL_PATIENT_GOALS

__all__ = [
    "PATIENT_TRAITS",
    "THERAPIST_TRAITS",
    "Population",
    "assign_patients",
    "draw_population",
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


@dataclass(frozen=True)
class Population:
    """Initial attributes: therapist arrays have length M, patient arrays length N."""

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
    disability: Array
    function: Array
    prefers_active: npt.NDArray[np.bool_]
    preferred_involvement: Array
    goals: Array
    """Patient goal weights, shape (N, 4), rows sum to 1."""
    patient_leniency: Array
    therapist_of: npt.NDArray[np.int64]
    """The index of each patient's therapist."""

    @property
    def n_patients(self) -> int:
        """Number of patients."""
        return len(self.self_efficacy)

    @property
    def n_therapists(self) -> int:
        """Number of therapists."""
        return len(self.empathy)

    def arrays(self) -> dict[str, np.ndarray]:
        """All attributes by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _trait(params: Params, name: str, z: Array, low: float = 0.0, high: float = 1.0) -> Array:
    mean = float(params[f"{name}_mean"])
    sd = float(params[f"{name}_sd"])
    return np.clip(mean + sd * z, low, high)


def draw_population(params: Params, rng: np.random.Generator) -> Population:
    """Draw the therapists and patients of one clinic (see the module docstring for the order)."""
    n = int(params.n_patients)
    m = int(params.n_therapists)

    # 1. patients
    z = rng.standard_normal((n, 14))
    u = rng.random(n)
    patient = {name: _trait(params, name, z[:, i]) for i, name in enumerate(PATIENT_TRAITS)}
    pain = _trait(params, "pain", z[:, 5], 0.0, 100.0)
    disability = _trait(params, "disability", z[:, 6], 0.0, 100.0)
    function = np.clip(8.0 - 0.1 * disability + 1.0 * z[:, 7], 0.0, 10.0)
    prefers_active = u < float(params.p_prefers_active)
    centre = np.where(prefers_active, ACTIVE_INVOLVEMENT, PASSIVE_INVOLVEMENT)
    involvement = np.clip(centre + float(params.involvement_sd) * z[:, 8], 0.0, 1.0)
    patient_leniency = float(params.rater_leniency_sd) * z[:, 9]
    logits = np.log(TYPICAL_PATIENT_GOALS) + float(params.goal_spread) * z[:, 10:14]
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    goals = weights / weights.sum(axis=1, keepdims=True)

    # 2. therapists
    zt = rng.standard_normal((m, len(THERAPIST_TRAITS) + 1))
    therapist = {name: _trait(params, name, zt[:, i]) for i, name in enumerate(THERAPIST_TRAITS)}
    therapist_leniency = float(params.rater_leniency_sd) * zt[:, -1]

    # 3. assignment
    therapist_of = assign_patients(
        str(params.assignment), involvement, therapist["power_sharing"], rng
    )
    return Population(
        **therapist,
        therapist_leniency=therapist_leniency,
        **patient,
        pain_mm=pain,
        disability=disability,
        function=function,
        prefers_active=prefers_active,
        preferred_involvement=involvement,
        goals=goals,
        patient_leniency=patient_leniency,
        therapist_of=therapist_of,
    )


def assign_patients(
    assignment: str,
    preferred_involvement: Array,
    power_sharing: Array,
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """Share patients out evenly between therapists.

    ``"random"``: a random permutation dealt round the therapists.
    ``"match"``: patients ordered by preferred involvement are dealt in blocks
    to therapists ordered by power-sharing style, so the patients who want
    the most say meet the therapists who share the most power.
    """
    n = len(preferred_involvement)
    m = len(power_sharing)
    therapist_of = np.empty(n, dtype=np.int64)
    if assignment == "random":
        order = rng.permutation(n)
        therapist_of[order] = np.arange(n) % m
    elif assignment == "match":
        patients_in_order = np.argsort(preferred_involvement, kind="stable")
        therapists_in_order = np.argsort(power_sharing, kind="stable")
        block = (np.arange(n) * m) // n
        therapist_of[patients_in_order] = therapists_in_order[block]
    else:
        raise ValueError(f"assignment = {assignment!r} is not allowed: 'random' or 'match'")
    return therapist_of
