"""Treatment in the session: the specific effect and the contextual effect of the alliance."""

from __future__ import annotations

from typing import cast

from alliance_sim.rules._math import clip, clip01
from alliance_sim.rules.types import Bool, Number

__all__ = ["RELIEF_NOISE_MM", "immediate_relief"]

RELIEF_NOISE_MM = 6.0
"""Standard deviation of the session-to-session variation of immediate relief (mm)."""


def immediate_relief(
    pain_before_mm: Number,
    device_active: Bool,
    behaviour: Number,
    bond: Number,
    expectation: Number,
    ritual_relief: Number,
    contextual_relief: Number,
    device_relief: Number,
    noise_mm: Number,
) -> Number:
    """Pain relieved within the session (mm; pain after = pain before − relief).

    Three parts, each a share of the current pain: the session itself
    (``ritual_relief``), a contextual effect of the relationship
    (``contextual_relief × behaviour × (½ + ½ bond) × (½ + ½ expectation)``), and the
    specific effect of an active device (``device_relief``). ``behaviour`` is what the
    therapist does for the relationship in this session
    (:func:`~alliance_sim.rules.alliance.relational_behaviour`); the bond the patient
    feels after the session lets more or less of it through.

    Fuentes et al. found that an enhanced alliance added about as much immediate
    relief as the active device did (alliance main effect ≈ 12.5 mm, device ≈ 8.6 mm,
    interaction ≈ 0) — within one session, by active listening, empathy,
    encouragement and verbal and non-verbal communication. That is a contextual
    effect of the encounter itself (Testa & Rossettini list the patient–therapist
    relationship among the contextual factors of physiotherapy), so it answers to
    the session's relational quality at once, while the bond and the goal and task
    agreement also build over the episode (adherence, self-efficacy, function).

    References:
        Fuentes, J., et al. (2014). Enhanced therapeutic alliance modulates pain
        intensity and muscle pain sensitivity in patients with chronic low back
        pain: an experimental controlled study. Phys Ther 94(4).
        Testa, M., & Rossettini, G. (2016). Enhance placebo, avoid nocebo: how
        contextual factors affect physiotherapy outcomes. Man Ther 24.
        Hougaard 1994 (personal vs collaborative area of the alliance).
    """
    share = (
        ritual_relief
        + contextual_relief * behaviour * (0.5 + 0.5 * bond) * (0.5 + 0.5 * expectation)
        + device_relief * cast(Number, device_active)  # True counts 1, False 0
    )
    relief = pain_before_mm * clip01(share) + noise_mm
    return clip(relief, pain_before_mm - 100.0, pain_before_mm)
