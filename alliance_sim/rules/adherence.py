"""Home-exercise adherence until the next session."""

from __future__ import annotations

from alliance_sim.rules._math import clip01
from alliance_sim.rules.self_efficacy import TYPICAL_SELF_EFFICACY
from alliance_sim.rules.types import Number

__all__ = [
    "ADHERENCE_NOISE",
    "LOAD_ON_ADHERENCE",
    "SYNERGY",
    "TYPICAL_COLLABORATIVE",
    "TYPICAL_LOAD",
    "expected_adherence",
    "realised_adherence",
]

ADHERENCE_NOISE = 0.15
"""Standard deviation of week-to-week variation in adherence."""

TYPICAL_COLLABORATIVE = 0.7
"""The collaborative alliance (goals and tasks) of a typical dyad once formed."""

TYPICAL_LOAD = 0.4
"""Psychosocial load of a typical patient."""

SYNERGY = 0.85
"""Adherence per unit of self-efficacy × collaborative alliance. With the spread of both in
the default population, and the patients' other reasons to exercise or not
(``exercise_habit``), it gives a between-patient correlation of self-efficacy and
adherence of about .35–.4 (Mannion et al. 2009: ρ = .36) and a spread of mean adherence
of about 0.2 (Medina-Mirapeix et al. 2009)."""

LOAD_ON_ADHERENCE = 0.3
"""Adherence lost per unit of psychosocial load (fear-avoidance, distress, helplessness)."""


def expected_adherence(
    self_efficacy: Number,
    collaborative: Number,
    psychosocial_load: Number,
    exercise_habit: Number,
    weeks_in_care: Number,
    typical: Number,
    decline: Number,
) -> Number:
    """The share of the home programme a patient is expected to do this week.

    Self-efficacy and the collaborative alliance act **together**, through their
    product: confidence without agreed goals and tasks is not enough, nor is
    agreement without confidence, and each adds most when the other is high (a
    positive interaction on the adherence scale itself). Fear-avoidance and
    distress lower adherence, the patient's other reasons (``exercise_habit``:
    routine, social support, previous adherence — the strongest single predictor,
    Peacock et al. 2024) add or take away, and adherence wears off week after week:
    ``typical + habit + 0.85 (se × collaborative − 0.58 × 0.7) − 0.3 (load − 0.4)
    − decline × (weeks − 1)``, clipped to 0–1, where ``weeks`` counts the weeks of
    care so far (1 after the first session).

    Burns and Evon found that patients high on both self-efficacy and the goals/tasks
    part of the alliance gained most, and self-efficacy alone did not predict it;
    they showed it on fitness, weight loss and return to work, so applying it to
    adherence — the route by which both plausibly act — is this model's inference.
    Self-efficacy is among the strongest predictors of home-exercise adherence (Jack
    et al. 2010; Essery et al. 2017; ρ = .36 in Mannion et al. 2009). Adherence
    declines over time, the more so after supervision ends (Pisters et al. 2010;
    Nicolson et al. 2018; Bennell et al. 2017: 55% during care, about 40% after).

    References:
        Burns, J. W., & Evon, D. (2007). Common and specific process factors in
        cardiac rehabilitation. Health Psychol 26(6).
        Jack, K., McLean, S. M., Moffett, J. K., & Gardiner, E. (2010). Barriers to
        treatment adherence in physiotherapy outpatient clinics: a systematic
        review. Man Ther 15(3).
        Essery, R., et al. (2017). Predictors of adherence to home-based physical
        therapies: a systematic review. Disabil Rehabil 39(6).
        Mannion, A. F., et al. (2009). Compliance with home exercise and its
        association with outcome in chronic low back pain. (ρ .36, .54, .38.)
        Pisters, M. F., et al. (2010); Nicolson, P. J. A., et al. (2018) (declining
        adherence over time).
        Vlaeyen & Linton 2000 (fear-avoidance).
        Peacock, J., et al. (2024). A mixed methods analysis of patient adherence to
        home-based physical therapy exercises. Rehabil Res Policy Educ 38(1).
    """
    drive = self_efficacy * collaborative - TYPICAL_SELF_EFFICACY * TYPICAL_COLLABORATIVE
    return clip01(
        typical
        + exercise_habit
        + SYNERGY * drive
        - LOAD_ON_ADHERENCE * (psychosocial_load - TYPICAL_LOAD)
        - decline * (weeks_in_care - 1.0)
    )


def realised_adherence(expected: Number, noise: Number) -> Number:
    """The share actually done: expected plus this week's variation, in [0, 1].

    References:
        Burns & Evon 2007; Medina-Mirapeix et al. 2009 (patients do about 60–70% of
        what is prescribed, with a wide spread).
    """
    return clip01(expected + noise)
