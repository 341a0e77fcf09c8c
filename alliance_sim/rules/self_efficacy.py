"""Self-efficacy after a session: mastery, persuasion and autonomy."""

from __future__ import annotations

from alliance_sim.rules._math import clip01
from alliance_sim.rules.types import Number

__all__ = ["TYPICAL_SELF_EFFICACY", "mastery", "update_self_efficacy"]

TYPICAL_SELF_EFFICACY = 0.58
"""Self-efficacy of a typical patient at the start of care: about 35 of 60 on the Pain
Self-Efficacy Questionnaire (Ferrari et al. 2019: 64% of outpatients with chronic back
pain below 40 of 60). Rules that depend on self-efficacy are centred here."""


def mastery(last_adherence: Number, progress_so_far: Number) -> Number:
    """Mastery experience: exercises done last week and progress felt (0–1).

    ``½ last_adherence + ½ clip(2 × progress)``.

    References:
        Bandura, A. (1977). Self-efficacy: toward a unifying theory of
        behavioral change. Psychol Rev 84(2).
    """
    return 0.5 * last_adherence + 0.5 * clip01(2.0 * progress_so_far)


def update_self_efficacy(
    self_efficacy: Number,
    mastery_experience: Number,
    bond: Number,
    communication: Number,
    style: Number,
    rate: Number,
) -> Number:
    """Self-efficacy after an attended session.

    Grows with mastery, with verbal persuasion (which works through the bond:
    ``bond × communication``) and with autonomy (shared power); shrinks with
    failure and with the dependence paternalism breeds:
    ``se + rate × ((1 − se) × gain − se × loss)`` with
    ``gain = 0.45 mastery + 0.35 bond × C + 0.2 style`` and
    ``loss = 0.25 (1 − style) + 0.2 (1 − mastery)``.

    References:
        Bandura 1977 (mastery, verbal persuasion).
        Mead & Bower 2000 (sharing power: patients as participants).
        Burns, J. W., & Evon, D. (2007). Common and specific process factors in
        cardiac rehabilitation. Health Psychol 26(6).
    """
    gain = 0.45 * mastery_experience + 0.35 * bond * communication + 0.2 * style
    loss = 0.25 * (1.0 - style) + 0.2 * (1.0 - mastery_experience)
    return clip01(self_efficacy + rate * ((1.0 - self_efficacy) * gain - self_efficacy * loss))
