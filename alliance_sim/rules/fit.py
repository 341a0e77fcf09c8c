"""The fit between a therapist and a patient: skills in use, style, goals.

These rules describe what the therapist brings to *this* patient: how much of
their skill shows given their experience and caseload, how much power they
share once they adapt to what the patient wants, and whose goals the plan
serves.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from alliance_sim.rules._math import clip01
from alliance_sim.rules.types import Number

__all__ = [
    "BIOMEDICAL_GOALS",
    "BIOPSYCHOSOCIAL_GOALS",
    "GOAL_DOMAINS",
    "TYPICAL_PATIENT_GOALS",
    "attention",
    "effective_skill",
    "effective_style",
    "goal_fit",
    "involvement_misfit",
    "plan_goals",
    "therapist_goals",
]

GOAL_DOMAINS: tuple[str, ...] = ("pain_relief", "daily_function", "work_sport", "understanding")
"""The goal domains a patient weighs (weights sum to 1)."""

BIOMEDICAL_GOALS = np.array([0.55, 0.30, 0.10, 0.05])
"""The goals a purely biomedical therapist plans for: mostly pain and function."""

BIOPSYCHOSOCIAL_GOALS = np.array([0.25, 0.30, 0.20, 0.25])
"""The goals a fully biopsychosocial therapist plans for: participation and understanding too."""

TYPICAL_PATIENT_GOALS = np.array([0.35, 0.30, 0.15, 0.20])
"""The goal weights of a typical patient (each patient varies around these)."""


def effective_skill(skill: Number, experience: Number) -> Number:
    """How much of a relational skill shows in a session.

    A novice applies a skill less fully than an expert:
    ``skill × (0.5 + 0.5 × experience)``.

    References:
        Hall, A. M., Ferreira, P. H., Maher, C. G., Latimer, J., & Ferreira, M. L.
        (2010). The influence of the therapist-patient relationship on treatment
        outcome in physical rehabilitation: a systematic review. Phys Ther 90(8).
    """
    return skill * (0.5 + 0.5 * experience)


def attention(caseload: Number) -> Number:
    """Attention left for each patient given the therapist's weekly caseload.

    Falls linearly from 1 at 10 patients a week to 0.6 at 60 or more.

    References:
        Hall et al. 2010 (time with the patient as a relationship factor).
    """
    return 1.0 - 0.4 * clip01((caseload - 10.0) / 50.0)


def effective_style(
    power_sharing: Number, responsiveness: Number, preferred_involvement: Number
) -> Number:
    """The power-sharing style the therapist actually uses with this patient.

    A responsive therapist moves from their habitual style toward the
    involvement the patient prefers:
    ``style + responsiveness × (preferred − style)``.

    References:
        Mead, N., & Bower, P. (2000). Patient-centredness: a conceptual framework
        and review of the empirical literature. Soc Sci Med 51(7).
    """
    return power_sharing + responsiveness * (preferred_involvement - power_sharing)


def involvement_misfit(style: Number, preferred_involvement: Number) -> Number:
    """How far the style in use is from the involvement the patient wants (0–1).

    Misfit both ways hurts: a paternalistic therapist with a patient who wants
    to take part, and shared power pushed on a patient who wants to be looked
    after.

    References:
        Mead & Bower 2000 (sharing power and responsibility).
    """
    return cast(Number, abs(style - preferred_involvement))  # abs of a float or an array


def therapist_goals(biopsychosocial: Number) -> npt.NDArray[np.float64]:
    """The goal weights a therapist plans for on their own (last axis: domains).

    A blend of a biomedical profile (pain and function) and a
    biopsychosocial one (participation and understanding too).

    References:
        Engel, G. L. (1977). The need for a new medical model. Science 196.
        Mead & Bower 2000 (biopsychosocial perspective).
    """
    b = np.asarray(biopsychosocial, dtype=float)[..., None]
    return (1.0 - b) * BIOMEDICAL_GOALS + b * BIOPSYCHOSOCIAL_GOALS


def plan_goals(
    style: Number,
    patient_as_person: Number,
    therapist_goal_weights: npt.NDArray[np.float64],
    patient_goal_weights: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The goals the treatment plan serves (last axis: domains).

    Shared power puts the patient's goals in the plan; a paternalistic
    therapist plans for their own, except as far as they have elicited the
    patient's goals (patient-as-person): the patient's weight is
    ``style + (1 − style) × 0.5 × patient_as_person``. The plan is made at
    the first session from the therapist's traits (``patient_as_person`` as
    drawn, not scaled by experience) and kept for the episode.

    References:
        Bordin, E. S. (1979). The generalizability of the psychoanalytic concept
        of the working alliance. Psychotherapy 16(3).
        Mead & Bower 2000 (patient-as-person; sharing power).
    """
    w = np.asarray(style + (1.0 - style) * 0.5 * patient_as_person, dtype=float)[..., None]
    return (1.0 - w) * therapist_goal_weights + w * patient_goal_weights


def goal_fit(
    plan: npt.NDArray[np.float64], patient_goal_weights: npt.NDArray[np.float64]
) -> Number:
    """How well the plan's goals match the patient's (1 = identical weights).

    ``1 − (sum of absolute differences)``, clipped to [0, 1].

    References:
        Bordin 1979 (agreement on goals).
    """
    fit = clip01(1.0 - np.abs(plan - patient_goal_weights).sum(axis=-1))
    if np.ndim(fit) == 0:
        return float(fit)
    return fit
