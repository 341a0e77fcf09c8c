"""Therapist learning from patient feedback (a student therapist who improves)."""

from __future__ import annotations

from alliance_sim.rules._math import clip01
from alliance_sim.rules.types import Number

__all__ = ["learn"]


def learn(experience: Number, feedback: Number, rate: Number) -> Number:
    """Experience after a session: ``exp + rate × (1 − exp) × feedback``.

    ``feedback`` is the mean bond of the patients the therapist saw in the
    session: a therapist learns fastest where relationships go well enough to
    reflect on.

    References:
        Kolb, D. A. (1984). Experiential learning.
        Hall et al. 2010 (experience and the relationship).
    """
    return clip01(experience + rate * (1.0 - experience) * feedback)
