"""Attendance and dropout: does the patient come to this session, or leave care?"""

from __future__ import annotations

from alliance_sim.rules._math import logit, sigmoid
from alliance_sim.rules.alliance import TYPICAL_ALLIANCE
from alliance_sim.rules.self_efficacy import TYPICAL_SELF_EFFICACY
from alliance_sim.rules.types import Number

__all__ = ["attendance_probability", "dropout_probability", "progress"]

TYPICAL_PAIN_BARRIER = 0.2
"""psychosocial load × pain/100 of a typical patient (0.4 × 55/100 ≈ 0.2)."""


def progress(
    pain_mm: Number, pain_baseline_mm: Number, disability: Number, disability_baseline: Number
) -> Number:
    """Progress so far: mean improvement of pain and disability on their 0–100 scales (−1..1).

    References:
        Ferreira, P. H., et al. (2013). The therapeutic alliance between clinicians
        and patients predicts outcome in chronic low back pain. Phys Ther 93(4).
    """
    return (
        0.5 * (pain_baseline_mm - pain_mm) / 100.0
        + 0.5 * (disability_baseline - disability) / 100.0
    )


def attendance_probability(
    alliance: Number,
    self_efficacy: Number,
    progress_so_far: Number,
    psychosocial_load: Number,
    pain_mm: Number,
    p_typical: Number,
) -> Number:
    """Chance that a patient still in care attends this session.

    Logistic in the alliance and self-efficacy; lowered as the patient improves (less
    need: follow-up appointments are missed more often than first ones, 14.7% vs 9.3%
    in NHS England 2018–19) and by a pain barrier (fear of movement × pain);
    ``p_typical`` for a typical patient (alliance 0.72, self-efficacy 0.58, no
    progress yet):
    ``logit(p) = logit(p_typical) + 3 (alliance − 0.72) + 2 (se − 0.58) − 2 progress
    − 2 (load × pain/100 − 0.2)``. About one appointment in ten is missed in
    musculoskeletal physiotherapy (9.6% in NHS England 2018–19) and 73% of patients
    miss at least one in an episode (Bhavsar et al. 2021).

    References:
        Ferreira et al. 2013 (alliance and engagement in care).
        Vlaeyen, J. W. S., & Linton, S. J. (2000). Fear-avoidance and its
        consequences in chronic musculoskeletal pain. Pain 85(3).
        Bhavsar, N. A., et al. (2021). Prevalence and predictors of no-shows to
        physical therapy for musculoskeletal conditions. PLoS One 16(5).
    """
    x = (
        logit(p_typical)
        + 3.0 * (alliance - TYPICAL_ALLIANCE)
        + 2.0 * (self_efficacy - TYPICAL_SELF_EFFICACY)
        - 2.0 * progress_so_far
        - 2.0 * (psychosocial_load * pain_mm / 100.0 - TYPICAL_PAIN_BARRIER)
    )
    return sigmoid(x)


def dropout_probability(
    alliance: Number,
    self_efficacy: Number,
    progress_so_far: Number,
    missed_last: Number,
    p_typical: Number,
) -> Number:
    """Chance that a patient still in care drops out before this session.

    A weak alliance, low self-efficacy, no progress and a missed last session
    raise the hazard:
    ``logit(p) = logit(p_typical) − 5 (alliance − 0.72) − 2 (se − 0.58) − 3 progress
    + missed_last``. The alliance weight gives patients who drop out an alliance
    about half a standard deviation lower than those who stay (Sharf et al. 2010:
    d = .55, whoever rates it); because the alliance and progress are lowest at the
    start, most dropouts happen early.

    References:
        Sharf, J., Primavera, L. H., & Diener, M. J. (2010). Dropout and
        therapeutic alliance: a meta-analysis. Psychotherapy 47(4).
    """
    x = (
        logit(p_typical)
        - 5.0 * (alliance - TYPICAL_ALLIANCE)
        - 2.0 * (self_efficacy - TYPICAL_SELF_EFFICACY)
        - 3.0 * progress_so_far
        + 1.0 * missed_last
    )
    return sigmoid(x)
