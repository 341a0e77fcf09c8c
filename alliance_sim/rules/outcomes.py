"""Clinical outcomes between sessions: pain, psychosocial load, disability, function, GPE."""

from __future__ import annotations

from alliance_sim.rules._math import clip, clip01, exp, rint
from alliance_sim.rules.alliance import TYPICAL_ALLIANCE
from alliance_sim.rules.types import Number

__all__ = [
    "DISABILITY_PER_LOAD",
    "DISABILITY_PER_LOW_SELF_EFFICACY",
    "GPE_NOISE",
    "PAIN_NOISE_MM",
    "disability_from",
    "exercise_dose",
    "function_update",
    "global_perceived_effect",
    "impairment_update",
    "pain_between_sessions",
    "psychosocial_load_update",
]

PAIN_NOISE_MM = 3.0
"""Standard deviation of the week-to-week fluctuation of pain (mm)."""

DISABILITY_PER_LOAD = 35.0
"""Disability points (0–100) that full psychosocial load adds to a patient's disability.

With the default spread of load (SD 0.15) it gives a baseline correlation of load with
disability of about .35–.4, the "moderate to large" association of fear of pain with
disability (Zale et al. 2013; r = .40 for kinesiophobia and disability in chronic low
back pain, Comachio et al. 2018)."""

DISABILITY_PER_LOW_SELF_EFFICACY = 20.0
"""Disability points that a complete lack of self-efficacy adds (none when fully confident).

Self-efficacy, more than fear, carries pain into disability (Costa et al. 2011), and a
rise in self-efficacy lowers disability whatever happens to pain (Karasawa et al. 2019:
standardised β ≈ −0.26)."""

GPE_NOISE = 1.5
"""Standard deviation of what else colours a global perceived effect rating (scale points):
change in pain and disability explains only 21–36% of its variance in physiotherapy for
chronic low back pain (Musculoskelet Sci Pract 2021 cohort, n = 183)."""


def exercise_dose(adherence: Number) -> Number:
    """The effective dose of a week's home exercise: ``1 − (1 − adherence)²``.

    Saturating: doing half the programme gives three quarters of its effect. A
    higher prescribed dose adds little over a moderate one (Hayden et al. 2021:
    high vs low dose +1.8 points, credible interval crossing 0), while doing
    nothing forgoes it.

    References:
        Hayden, J. A., et al. (2021). Exercise therapy for chronic low back pain.
        Cochrane Database Syst Rev 9:CD009790.
    """
    missed = 1.0 - adherence
    return 1.0 - missed * missed


def pain_between_sessions(
    pain_after_mm: Number,
    relief_mm: Number,
    retention: Number,
    adherence: Number,
    exercise_effect: Number,
    natural_recovery: Number,
    psychosocial_load: Number,
    load_brake: Number,
    noise_mm: Number,
) -> Number:
    """Pain at the next session: relief partly fades, and slow change goes on.

    The unretained part of the session's relief comes back; then natural recovery
    and home exercise (its dose, :func:`exercise_dose`) reduce pain — at the rate
    they reduce a fully structural impairment, so that on 0–100 scales exercise
    lowers pain by about twice as many points as disability (Hayden et al. 2021: −15
    and −7 vs no exercise) — slowed by psychosocial load half as much as disability is
    (psychosocial factors predict disability more consistently than pain; Zale et
    al. 2013; Markfelder & Pauli 2020):
    ``(after + (1 − retention) relief) × (1 − (natural + effect × dose) ×
    (1 − ½ brake × load)) + noise``.

    References:
        Fuentes et al. 2014 (immediate relief).
        Hayden et al. 2021 (exercise vs no exercise).
        Vlaeyen, J. W. S., & Linton, S. J. (2000). Fear-avoidance and its
        consequences in chronic musculoskeletal pain. Pain 85(3).
    """
    pain = pain_after_mm + (1.0 - retention) * relief_mm
    rate = (natural_recovery + exercise_effect * exercise_dose(adherence)) * (
        1.0 - 0.5 * load_brake * psychosocial_load
    )
    return clip(pain * (1.0 - rate) + noise_mm, 0.0, 100.0)


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
    ``load × (1 − bps_effect × ½ (B + P) × bond)``. Pain education with exercise
    lowers kinesiophobia by about one standard deviation more than exercise alone
    (Siddall et al. 2022: SMD −1.2), and reductions in catastrophising carry
    improvement (Wertli et al. 2014).

    References:
        Mead & Bower 2000 (biopsychosocial perspective; patient-as-person).
        Vlaeyen & Linton 2000.
        Siddall, B., et al. (2022). Short-term impact of combining pain neuroscience
        education with exercise for chronic musculoskeletal pain. Pain 163(1).
        Wertli, M. M., et al. (2014). Catastrophizing — a prognostic factor for
        outcome in patients with low back pain: a systematic review. Spine J 14(11).
    """
    return clip01(
        psychosocial_load * (1.0 - bps_effect * 0.5 * (biopsychosocial + patient_as_person) * bond)
    )


def impairment_update(
    impairment: Number,
    adherence: Number,
    structural_share: Number,
    psychosocial_load: Number,
    exercise_effect: Number,
    natural_recovery: Number,
    load_brake: Number,
    fluctuation: Number,
    z: Number,
) -> Number:
    """The physical part of disability at the next session (0–100).

    Natural recovery and the week's exercise dose (:func:`exercise_dose`, working
    best on a structural problem: ``½ + ½ structural``) reduce it, and
    psychosocial load slows that recovery: fear-avoidance and catastrophising
    predict worse disability later (Vlaeyen & Linton 2000; Wertli et al. 2014;
    Picavet et al. 2002: odds ratio 3.0 for disabling back pain with high
    catastrophising):
    ``impairment × (1 − (natural + effect × dose × (½ + ½ structural)) ×
    (1 − brake × load)) × exp(f z − f²/2)``, where ``f z`` (``f``:
    ``disability_fluctuation``, z a standard normal) is the week's flare-up or good
    week, in proportion to the impairment and without drift on average. Accumulated
    over an episode it gives the wide spread of individual change seen in trials (SD
    of change about 25 of 100; Hill et al. 2011).

    References:
        Hayden et al. 2021 (exercise).
        Vlaeyen & Linton 2000; Wertli et al. 2014.
        Picavet, H. S. J., Vlaeyen, J. W. S., & Schouten, J. S. A. G. (2002). Pain
        catastrophizing and kinesiophobia: predictors of chronic low back pain.
        Am J Epidemiol 156(11).
    """
    rate = (
        natural_recovery
        + exercise_effect * exercise_dose(adherence) * (0.5 + 0.5 * structural_share)
    ) * (1.0 - load_brake * psychosocial_load)
    return clip(impairment * (1.0 - rate) * exp(fluctuation * z - 0.5 * fluctuation**2), 0.0, 100.0)


def disability_from(impairment: Number, psychosocial_load: Number, self_efficacy: Number) -> Number:
    """Disability (0–100): the physical impairment, plus what fear and low confidence add.

    ``impairment + 35 × load + 20 × (1 − self-efficacy)``, clipped to 0–100. More
    fear-avoidance means more disability (Vlaeyen & Linton 2000), at every moment:
    a patient whose load is addressed loses that part of their disability, but a
    patient with more load stays more disabled than one with less. Self-efficacy
    lowers disability in its own right (Costa et al. 2011; Karasawa et al. 2019).
    See :data:`DISABILITY_PER_LOAD` and :data:`DISABILITY_PER_LOW_SELF_EFFICACY`.

    References:
        Vlaeyen & Linton 2000.
        Zale, E. L., Lange, K. L., Fields, S. A., & Ditre, J. W. (2013). The relation
        between pain-related fear and disability: a meta-analysis. J Pain 14(10).
        Costa, L. C. M., et al. (2011). Self-efficacy is more important than fear of
        movement in mediating the relationship between pain and disability in
        chronic low back pain. Eur J Pain 15(2).
        Karasawa, Y., et al. (2019). Association between change in self-efficacy and
        reduction in disability among patients with chronic low back pain. PLoS One
        14(4).
    """
    return clip(
        impairment
        + DISABILITY_PER_LOAD * psychosocial_load
        + DISABILITY_PER_LOW_SELF_EFFICACY * (1.0 - self_efficacy),
        0.0,
        100.0,
    )


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
    agreement); less disability also helps: ``f + (10 − f) × effect × dose × (½ + ½ goal) + 0.05 × disability drop``
    (dose: :func:`exercise_dose`).

    References:
        Stratford, P., et al. (1995). Assessing disability and change on
        individual patients: a report of a patient specific measure.
        Physiother Can 47(4).
        Ferreira et al. 2013 (alliance and function).
    """
    gain = (
        (10.0 - function)
        * exercise_effect
        * exercise_dose(adherence)
        * (0.5 + 0.5 * goal_agreement)
    )
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
    alliance: ``round(10 × improvement + 6 (alliance − 0.72) + noise)`` with
    improvement the mean change of pain and disability on their 0–100 scales. The
    alliance colours the rating beyond the change itself (Ferreira et al. 2013: the
    alliance predicted the global perceived effect, and moderated the treatment
    effect on it only), and the change explains only part of it.

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
    return clip(rint(10.0 * improvement + 6.0 * (alliance - TYPICAL_ALLIANCE) + noise), -5.0, 5.0)
