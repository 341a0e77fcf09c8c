"""Home-exercise adherence until the next session."""

from __future__ import annotations

from alliance_sim.rules._math import clip01, logit, sigmoid
from alliance_sim.rules.types import Number

__all__ = ["ADHERENCE_NOISE", "expected_adherence", "realised_adherence"]

ADHERENCE_NOISE = 0.15
"""Standard deviation of week-to-week variation in adherence."""


def expected_adherence(
    self_efficacy: Number,
    collaborative: Number,
    psychosocial_load: Number,
    typical: Number,
) -> Number:
    """The share of the home programme a patient is expected to do this week.

    Self-efficacy and the collaborative alliance act together, through their
    product: confidence without agreed goals and tasks is not enough, nor is
    agreement without confidence. Fear-avoidance lowers adherence:
    ``logit = logit(typical) + 6 (se × collaborative − ¼) − 2 (load − 0.4)``.

    References:
        Burns & Evon 2007 (self-efficacy alone does not predict outcome; it
        needs the alliance).
        Vlaeyen & Linton 2000 (fear-avoidance).
    """
    x = (
        logit(typical)
        + 6.0 * (self_efficacy * collaborative - 0.25)
        - 2.0 * (psychosocial_load - 0.4)
    )
    return sigmoid(x)


def realised_adherence(expected: Number, noise: Number) -> Number:
    """The share actually done: expected plus this week's variation, in [0, 1].

    References:
        Burns & Evon 2007; Ferreira et al. 2013 (many patients are not fully adherent).
    """
    return clip01(expected + noise)
