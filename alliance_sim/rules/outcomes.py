"""Clinical outcomes between sessions: pain, psychosocial load, disability, function, GPE."""

from __future__ import annotations

from alliance_sim.rules._math import clip, clip01, rint
from alliance_sim.rules.types import Number

__all__ = [
    "DISABILITY_PER_LOAD",
    "GPE_NOISE",
    "PAIN_NOISE_MM",
    "disability_update",
    "function_update",
    "global_perceived_effect",
    "pain_between_sessions",
    "psychosocial_load_update",
]

PAIN_NOISE_MM = 3.0
"""Standard deviation of the week-to-week fluctuation of pain (mm)."""

DISABILITY_PER_LOAD = 40.0
"""Disability points removed per unit of psychosocial load addressed."""

GPE_NOISE = 1.0
"""Standard deviation of the noise in a global perceived effect rating (scale points)."""


def pain_between_sessions(
    pain_after_mm: Number,
    relief_mm: Number,
    retention: Number,
    adherence: Number,
    exercise_effect: Number,
    natural_recovery: Number,
    psychosocial_load: Number,
    noise_mm: Number,
) -> Number:
    """Pain at the next session: relief partly fades, and slow change goes on.

    The unretained part of the session's relief comes back; then natural
    recovery and (half as strongly as for disability) home exercise reduce
    pain, slowed by psychosocial load (which keeps pain going):
    ``(after + (1 − retention) relief) × (1 − (natural + ½ effect × adherence)
    × (1 − ½ load)) + noise``.

    References:
        Fuentes et al. 2014 (immediate relief).
        Hayden, J. A., et al. (2005). Exercise therapy for treatment of
        non-specific low back pain. Cochrane Database Syst Rev.
        Vlaeyen & Linton 2000.
    """
    pain = pain_after_mm + (1.0 - retention) * relief_mm
    slow = (natural_recovery + 0.5 * exercise_effect * adherence) * (1.0 - 0.5 * psychosocial_load)
    return clip(pain * (1.0 - slow) + noise_mm, 0.0, 100.0)


def psychosocial_load_update(
    psychosocial_load: Number,
    biopsychosocial: Number,
    patient_as_person: Number,
    bond: Number,
    bps_effect: Number,
) -> Number:
    """Psychosocial load after an attended session.

    A biopsychosocial therapist who elicits fears and beliefs addresses part
    of the load, through the bond:
    ``load × (1 − bps_effect × ½ (B + P) × bond)``.

    References:
        Mead & Bower 2000 (biopsychosocial perspective; patient-as-person).
        Vlaeyen & Linton 2000.
    """
    return clip01(
        psychosocial_load * (1.0 - bps_effect * 0.5 * (biopsychosocial + patient_as_person) * bond)
    )


def disability_update(
    disability: Number,
    adherence: Number,
    structural_share: Number,
    load_addressed: Number,
    exercise_effect: Number,
    natural_recovery: Number,
) -> Number:
    """Disability at the next session.

    Exercise dose works best on a structural problem (``½ + ½ structural``);
    addressing psychosocial load reduces disability whatever the structure:
    ``dis × (1 − natural − effect × adherence × (½ + ½ structural)) − 40 × load addressed``.

    References:
        Hayden et al. 2005 (exercise).
        Ferreira et al. 2013 (alliance and disability).
    """
    kept = 1.0 - natural_recovery - exercise_effect * adherence * (0.5 + 0.5 * structural_share)
    return clip(disability * kept - DISABILITY_PER_LOAD * load_addressed, 0.0, 100.0)


def function_update(
    function: Number,
    adherence: Number,
    goal_agreement: Number,
    disability_drop: Number,
    exercise_effect: Number,
) -> Number:
    """Patient-specific function (0–10) at the next session.

    Function is rated on the activities the patient chose, so exercise helps
    it most when the patient agrees with the goals being worked on (goal
    agreement); less disability also helps: ``f + (10 − f) × effect × adherence × (½ + ½ goal) + 0.05 × disability drop``.

    References:
        Stratford, P., et al. (1995). Assessing disability and change on
        individual patients: a report of a patient specific measure.
        Physiother Can 47(4).
        Ferreira et al. 2013 (alliance and function).
    """
    gain = (10.0 - function) * exercise_effect * adherence * (0.5 + 0.5 * goal_agreement)
    return clip(function + gain + 0.05 * disability_drop, 0.0, 10.0)


def global_perceived_effect(
    pain_baseline_mm: Number,
    pain_mm: Number,
    disability_baseline: Number,
    disability: Number,
    alliance: Number,
    noise: Number,
) -> Number:
    """Global perceived effect at evaluation, −5 (vastly worse) to +5 (completely recovered).

    The patient's sense of change in pain and disability, coloured by the
    alliance: ``round(12 × improvement + 3 (alliance − ½) + noise)`` with
    improvement the mean change of pain and disability on their 0–100 scales.

    References:
        Kamper, S. J., Maher, C. G., & Mackay, G. (2009). Global rating of change
        scales: a review of strengths and weaknesses and considerations for design.
        J Man Manip Ther 17(3).
        Ferreira et al. 2013 (alliance predicts global perceived effect).
    """
    improvement = (
        0.5 * (pain_baseline_mm - pain_mm) / 100.0
        + 0.5 * (disability_baseline - disability) / 100.0
    )
    return clip(rint(12.0 * improvement + 3.0 * (alliance - 0.5) + noise), -5.0, 5.0)
