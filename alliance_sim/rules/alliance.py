"""The alliance in a session: bond, goal agreement and task agreement.

Each component moves part of the way toward a target set by the therapist's
behaviour and the fit with this patient, with noise; a misfit of style can
rupture the alliance.
"""

from __future__ import annotations

from alliance_sim.rules._math import clip01, where
from alliance_sim.rules.types import Bool, Number

__all__ = [
    "INITIAL_AGREEMENT",
    "apply_rupture",
    "bond_target",
    "collaborative_alliance",
    "explanation",
    "goal_agreement_target",
    "initial_bond",
    "move_toward",
    "overall_alliance",
    "rupture_probability",
    "task_agreement_target",
]

INITIAL_AGREEMENT = 0.3
"""Goal and task agreement before the first session: nothing agreed yet."""


def initial_bond(prior_trust: Number) -> Number:
    """The bond a patient brings to the first session, from trust in earlier care.

    ``0.2 + 0.5 × prior_trust`` (transference).

    References:
        Freud, S. (1912). The dynamics of transference.
    """
    return 0.2 + 0.5 * prior_trust


def bond_target(
    empathy: Number,
    warmth: Number,
    communication: Number,
    patient_as_person: Number,
    prior_trust: Number,
    misfit: Number,
    attention: Number,
) -> Number:
    """The bond this therapist's behaviour would build with this patient.

    Empathy weighs most (Rogers), then the therapist's warmth
    (doctor-as-person), communication and attentiveness to the person, all
    scaled by the attention the caseload leaves; trust brought from earlier
    care adds; a misfit of style takes away:
    ``attention × (0.4 E + 0.2 W + 0.15 C + 0.1 P) + 0.3 trust − 0.15 misfit``.

    References:
        Rogers, C. R. (1951). Client-centered therapy.
        Anderson, R. P., & Anderson, G. V. (1962). Development of an instrument for
        measuring rapport. Personnel and Guidance Journal 41(1).
        Mead & Bower 2000 (doctor-as-person; patient-as-person).
    """
    relational = 0.4 * empathy + 0.2 * warmth + 0.15 * communication + 0.1 * patient_as_person
    return clip01(attention * relational + 0.3 * prior_trust - 0.15 * misfit)


def goal_agreement_target(
    goal_fit: Number, misfit: Number, communication: Number, patient_as_person: Number
) -> Number:
    """The goal agreement this session can reach.

    Mostly whether the plan serves the patient's goals, then whether goals
    were set together in the way the patient wants to be involved, and how
    clearly they were discussed:
    ``0.45 fit + 0.25 (1 − misfit) + 0.15 C + 0.15 P``.

    References:
        Bordin 1979 (agreement on goals).
        Mead & Bower 2000 (sharing power and responsibility).
    """
    return clip01(
        0.45 * goal_fit + 0.25 * (1.0 - misfit) + 0.15 * communication + 0.15 * patient_as_person
    )


def explanation(communication: Number, biopsychosocial: Number) -> Number:
    """How well the therapist explains the problem and the plan (0–1).

    ``C × (0.5 + 0.5 × biopsychosocial)``: a biopsychosocial account makes
    sense of pain that structure alone does not explain.

    References:
        Mead & Bower 2000 (biopsychosocial perspective).
        Moseley, G. L. (2004). Evidence for a direct relationship between cognitive
        and physical change during an education intervention in people with chronic
        low back pain. Eur J Pain 8(1).
    """
    return communication * (0.5 + 0.5 * biopsychosocial)


def task_agreement_target(
    expectation: Number, explanation_quality: Number, goal_fit: Number, misfit: Number
) -> Number:
    """The task agreement this session can reach.

    The patient must believe the tasks will help (expectations, or an
    explanation that fills the gap), see that they serve their goals, and have
    chosen them as far as they wanted to:
    ``0.4 belief + 0.3 fit + 0.3 (1 − misfit)`` with
    ``belief = expectation + (1 − expectation) × explanation``.

    References:
        Bordin 1979 (agreement on tasks).
        Bialosky, J. E., Bishop, M. D., Robinson, M. E., Barabas, J. A., & George,
        S. Z. (2008). The influence of expectation on spinal manipulation induced
        hypoalgesia: an experimental study in normal subjects. BMC Musculoskelet
        Disord 9:19.
    """
    belief = expectation + (1.0 - expectation) * explanation_quality
    return clip01(0.4 * belief + 0.3 * goal_fit + 0.3 * (1.0 - misfit))


def move_toward(current: Number, target: Number, rate: Number, noise: Number) -> Number:
    """One session's change of an alliance component: part way to the target, plus noise.

    ``clip(current + rate × (target − current) + noise)``.

    References:
        Horvath, A. O., & Greenberg, L. S. (1989). Development and validation of
        the Working Alliance Inventory. J Couns Psychol 36(2).
    """
    return clip01(current + rate * (target - current) + noise)


def rupture_probability(misfit: Number, empathy: Number, risk: Number) -> Number:
    """Chance of an alliance rupture this session.

    Ruptures happen on misfit; empathy lowers the chance:
    ``risk × misfit × (1 − 0.5 × empathy)``.

    References:
        Safran, J. D., & Muran, J. C. (2000). Negotiating the therapeutic alliance.
    """
    return clip01(risk * misfit * (1.0 - 0.5 * empathy))


def apply_rupture(component: Number, ruptured: Bool, size: Number, empathy: Number) -> Number:
    """A component after a possible rupture: it falls by ``size × (1 − 0.5 × empathy)``.

    An empathic therapist repairs part of the rupture within the session.

    References:
        Safran & Muran 2000 (rupture and repair).
    """
    return where(ruptured, clip01(component - size * (1.0 - 0.5 * empathy)), component)


def collaborative_alliance(goal_agreement: Number, task_agreement: Number) -> Number:
    """The collaborative area of the alliance: the mean of goal and task agreement.

    References:
        Hougaard, E. (1994). The therapeutic alliance: a conceptual analysis.
        Scand J Psychol 35(1).
    """
    return 0.5 * (goal_agreement + task_agreement)


def overall_alliance(goal_agreement: Number, task_agreement: Number, bond: Number) -> Number:
    """The overall alliance: the mean of goals, tasks and bond.

    Equal weights, as the WAI sums three subscales of equal length.

    References:
        Bordin 1979; Horvath & Greenberg 1989.
    """
    return (goal_agreement + task_agreement + bond) / 3.0
