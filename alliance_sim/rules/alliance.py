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
    "RUPTURE_BACKGROUND",
    "TYPICAL_ALLIANCE",
    "apply_rupture",
    "bond_target",
    "collaborative_alliance",
    "explanation",
    "goal_agreement_target",
    "initial_bond",
    "move_toward",
    "overall_alliance",
    "relational_behaviour",
    "rupture_probability",
    "task_agreement_target",
]

INITIAL_AGREEMENT = 0.35
"""Goal and task agreement before the first session: little is agreed yet (a referral and
an appointment, not a plan)."""

TYPICAL_ALLIANCE = 0.72
"""The overall alliance of a typical dyad once it has formed (0–1). Rules that depend on
the alliance are centred here, so that their typical-patient parameters (e.g.
``p_attend_typical``) mean what they say. On the WAI-SR's 1–5 items this is an answer
of about 4 ("often"), the level published for physiotherapy-like care (Lambers &
Bolton 2016: 49 of 60, item mean 4.1)."""


def initial_bond(prior_trust: Number) -> Number:
    """The bond a patient brings to the first session, from trust in earlier care.

    ``0.25 + 0.4 × prior_trust`` (transference): a trusting patient starts
    about half way to a formed bond, a wary one well below it.

    References:
        Freud, S. (1912). The dynamics of transference.
    """
    return 0.25 + 0.4 * prior_trust


def relational_behaviour(
    empathy: Number,
    warmth: Number,
    communication: Number,
    patient_as_person: Number,
    attention: Number,
) -> Number:
    """What the therapist does for the relationship in a session (0–1).

    Empathy weighs most (Rogers; Elliott et al. 2018: empathy–outcome r = .28), then
    warmth (doctor-as-person) and communication, then attentiveness to the person —
    all scaled by the attention the caseload leaves:
    ``attention × (0.45 E + 0.2 W + 0.2 C + 0.15 P)``. This is what Fuentes et al.
    enhanced or limited within one session (listening, empathy, encouragement,
    verbal and non-verbal communication).

    References:
        Rogers, C. R. (1951). Client-centered therapy.
        Elliott, R., Bohart, A. C., Watson, J. C., & Murphy, D. (2018). Therapist
        empathy and client outcome: an updated meta-analysis. Psychotherapy 55(4).
        Mead & Bower 2000 (doctor-as-person; patient-as-person).
        Fuentes et al. 2014.
    """
    return attention * (
        0.45 * empathy + 0.2 * warmth + 0.2 * communication + 0.15 * patient_as_person
    )


def bond_target(
    behaviour: Number,
    prior_trust: Number,
    misfit: Number,
) -> Number:
    """The bond this therapist's behaviour would build with this patient.

    The therapist's relational behaviour (:func:`relational_behaviour`) builds it;
    trust brought from earlier care adds (or takes away); a misfit of style takes
    away: ``0.55 + 0.7 × behaviour + 0.4 (trust − ½) − 0.25 misfit``.

    A typical dyad reaches about 0.8 (the bond is the subscale patients and
    clinicians rate highest: Lambers & Bolton 2016; Paap et al. 2020); a therapist
    of low empathy (0.3 instead of 0.7) builds a bond about 0.09 lower. The
    spread between patients comes mostly from what they bring (trust) and the fit
    of style, as in practice: within-therapist differences in alliance exceed
    between-therapist ones (Del Re et al. 2012).

    References:
        Rogers, C. R. (1951). Client-centered therapy.
        Anderson, R. P., & Anderson, G. V. (1962). Development of an instrument for
        measuring rapport. Personnel and Guidance Journal 41(1).
        Mead & Bower 2000 (doctor-as-person; patient-as-person).
        Elliott, R., Bohart, A. C., Watson, J. C., & Murphy, D. (2018). Therapist
        empathy and client outcome: an updated meta-analysis. Psychotherapy 55(4).
        Lambers, N. M., & Bolton, J. E. (2016). Perceptions of the quality of the
        therapeutic alliance in chiropractic care in The Netherlands. Chiropr Man
        Therap 24:18.
    """
    return clip01(0.55 + 0.7 * behaviour + 0.4 * (prior_trust - 0.5) - 0.25 * misfit)


def goal_agreement_target(
    goal_fit: Number,
    misfit: Number,
    communication: Number,
    patient_as_person: Number,
    empathy: Number,
    prior_trust: Number,
) -> Number:
    """The goal agreement this session can reach.

    Mostly whether the plan serves the patient's goals, then whether the goals were
    set in the way the patient wants to be involved (misfit), how well the therapist
    elicits and understands them (patient-as-person, empathy) and how clearly they
    were discussed:
    ``0.3 + 0.35 fit + 0.15 C + 0.15 P + 0.15 E + 0.25 (trust − ½) − 0.3 misfit``.
    A patient who trusts clinicians (transference, ``prior_trust``) collaborates
    more readily as well as bonding sooner.

    Goal consensus and collaboration are the alliance's strongest links to outcome
    in psychotherapy (r = .24 and .29; Tryon et al. 2018); a therapist who shares
    information and power gets higher patient ratings (Beneciuk et al. 2021).

    References:
        Bordin 1979 (agreement on goals).
        Mead & Bower 2000 (sharing power and responsibility).
        Tryon, G. S., Birch, S. E., & Verkuilen, J. (2018). Meta-analyses of the
        relation of goal consensus and collaboration to psychotherapy outcome.
        Psychotherapy 55(4).
        Beneciuk, J. M., et al. (2021). Patient- and physical therapist-level
        predictors of patient-reported therapeutic alliance. Arch Phys Med Rehabil
        102(12).
    """
    return clip01(
        0.3
        + 0.35 * goal_fit
        + 0.15 * communication
        + 0.15 * patient_as_person
        + 0.15 * empathy
        + 0.25 * (prior_trust - 0.5)
        - 0.3 * misfit
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
    expectation: Number,
    explanation_quality: Number,
    goal_fit: Number,
    misfit: Number,
    empathy: Number,
    prior_trust: Number,
    progress_so_far: Number,
) -> Number:
    """The task agreement this session can reach.

    The patient must believe the tasks will help (expectations, or an explanation
    that fills the gap, and — as the episode goes on — the progress they feel), see
    that they serve their goals, have chosen them as far as they wanted to, and
    feel understood (empathy) by a clinician they are disposed to trust:
    ``0.3 + 0.3 belief + 0.25 fit + 0.1 E + 0.25 (trust − ½) − 0.3 misfit + 0.3 progress``
    with ``belief = expectation + (1 − expectation) × explanation``.

    The progress term is the reverse path of the alliance–outcome association:
    patients who improve come to agree more with what they are asked to do (early
    symptom change predicts later alliance: Webb et al. 2011; Zilcha-Mano et al.
    2015).

    References:
        Bordin 1979 (agreement on tasks).
        Bialosky, J. E., Bishop, M. D., Robinson, M. E., Barabas, J. A., & George,
        S. Z. (2008). The influence of expectation on spinal manipulation induced
        hypoalgesia: an experimental study in normal subjects. BMC Musculoskelet
        Disord 9:19.
        Webb, C. A., DeRubeis, R. J., et al. (2011). Two aspects of the therapeutic
        alliance: differential relations with depressive symptom change. J Consult
        Clin Psychol 79(3).
        Zilcha-Mano, S., et al. (2015). Therapist-reported alliance: is it really a
        predictor of outcome? J Couns Psychol 62(4).
    """
    belief = expectation + (1.0 - expectation) * explanation_quality
    return clip01(
        0.3
        + 0.3 * belief
        + 0.25 * goal_fit
        + 0.1 * empathy
        + 0.25 * (prior_trust - 0.5)
        - 0.3 * misfit
        + 0.3 * progress_so_far
    )


def move_toward(current: Number, target: Number, rate: Number, noise: Number) -> Number:
    """One session's change of an alliance component: part way to the target, plus noise.

    ``clip(current + rate × (target − current) + noise)``. With ``rate`` about ⅔ the
    alliance forms over the first two or three sessions and then holds, with
    session-to-session wobbles, ruptures and repairs: patient ratings are high by
    the second or third session and change little afterwards (Araujo et al. 2017:
    standardised change 0.15 from session 1–2 to two months), while individual
    alliances grow, hold or dip and recover (Kivlighan & Shaughnessy 2000;
    Stevens et al. 2007).

    References:
        Horvath, A. O., & Greenberg, L. S. (1989). Development and validation of
        the Working Alliance Inventory. J Couns Psychol 36(2).
        Araujo, A. C., et al. (2017). Measurement properties of the Brazilian
        version of the Working Alliance Inventory and Session Rating Scale for low
        back pain. J Back Musculoskelet Rehabil 30(4).
        Kivlighan, D. M., & Shaughnessy, P. (2000). Patterns of working alliance
        development: a typology of client's working alliance ratings. J Couns
        Psychol 47(3).
    """
    return clip01(current + rate * (target - current) + noise)


RUPTURE_BACKGROUND = 0.25
"""Misfit-equivalent of the everyday strains that can rupture any alliance (a flare-up,
a misunderstanding, a plan that does not suit this week)."""


def rupture_probability(misfit: Number, empathy: Number, risk: Number) -> Number:
    """Chance of an alliance rupture this session.

    Ruptures happen in any alliance and more often on a misfit of style; empathy
    lowers the chance: ``risk × (0.25 + misfit) × (1 − 0.5 × empathy)``. With the
    default risk a typical dyad ruptures in about one session in ten and a
    mismatched one in about one in four — within the 19–42% of sessions in which
    psychotherapy clients report tensions (second-hand, Safran & Muran) and the
    rupture-and-repair episodes seen in about half of patients (Stevens et al. 2007).

    References:
        Safran, J. D., & Muran, J. C. (2000). Negotiating the therapeutic alliance.
        Stevens, C. L., Muran, J. C., Safran, J. D., Gorman, B. S., & Winston, A.
        (2007). Levels and patterns of the therapeutic alliance in brief
        psychotherapy. Am J Psychother 61(2).
        Eubanks, C. F., Muran, J. C., & Safran, J. D. (2018). Alliance rupture
        repair: a meta-analysis. Psychotherapy 55(4).
    """
    return clip01(risk * (RUPTURE_BACKGROUND + misfit) * (1.0 - 0.5 * empathy))


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
