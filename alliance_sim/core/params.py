"""The parameters: every model parameter declared once, with its validation.

Each :class:`Parameter` carries its default, bounds, unit, label, help text,
group and reference. Sliders, CLI options, scenario validation, sensitivity
problems and output column names are all generated from :data:`SCHEMA`, so a
parameter's name is the same string everywhere.

Population parameters describe distributions: a ``*_mean`` and a ``*_sd`` for a
trait drawn per agent (normal, clipped to the trait's range).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from alliance_sim.core.errors import ParameterError, shown

__all__ = [
    "GROUPS",
    "MAX_SEED",
    "MAX_SESSIONS",
    "SCHEMA",
    "Kind",
    "Parameter",
    "Params",
    "check_seed",
    "measurement_schedule",
    "parse_value",
]

ParamValue = float | int | bool | str


class Kind(StrEnum):
    """The type of a parameter's value."""

    FLOAT = "float"
    INT = "int"
    CHOICE = "choice"
    SESSIONS = "sessions"


GROUPS: dict[str, str] = {
    "therapist": "Physiotherapists",
    "patients": "Patient population",
    "treatment": "Treatment",
    "alliance": "Alliance dynamics",
    "measurement": "Measurement (questionnaires)",
    "clinic": "Clinic and protocol",
}


@dataclass(frozen=True)
class Parameter:
    """One model parameter: its default, allowed values and documentation."""

    name: str
    default: ParamValue
    group: str
    label: str
    help: str
    kind: Kind = Kind.FLOAT
    low: float | None = None
    high: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    reference: str = ""
    calibrated: str = ""
    """What the default was calibrated against ('' = set by hand, not calibrated)."""

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and --help."""
        if self.kind is Kind.CHOICE:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is Kind.SESSIONS:
            return "a comma-separated list of session numbers (≥ 1) or 'last', e.g. '2,last'"
        what = "an integer" if self.kind is Kind.INT else "a number"
        low = _fmt(self.low)
        high = _fmt(self.high)
        return f"{what} from {low} to {high}"

    def validate(self, value: Any) -> ParamValue:
        """Return ``value`` converted to this parameter's type, or raise.

        Integers of any size, NaN, infinities and values of the wrong type are
        refused with a message, never an ``OverflowError`` or ``TypeError``.

        Raises:
            ParameterError: naming the field, the value and what is allowed.
        """
        if self.kind is Kind.CHOICE:
            if not isinstance(value, str) or value not in self.choices:
                raise self._error(value, "is not allowed")
            return value
        if self.kind is Kind.SESSIONS:
            if not isinstance(value, str):
                raise self._error(value, "has the wrong type")
            _parse_sessions(value, lambda why: self._error(value, why))
            return ",".join(part.strip() for part in value.split(","))
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise self._error(value, "has the wrong type")
        if self.low is None or self.high is None:
            raise TypeError(f"numeric parameter {self.name} is declared without bounds")
        if isinstance(value, numbers.Integral):
            number: float | int = int(value)  # exact: no float() of a 400-digit integer
        else:
            try:
                number = float(value)
            except (OverflowError, ValueError):  # e.g. a Fraction beyond the float range
                raise self._error(value, "is out of range") from None
            if math.isnan(number):
                raise self._error(value, "is not a number")
            if self.kind is Kind.INT and math.isfinite(number) and not number.is_integer():
                raise self._error(value, "is not a whole number")
        if not self.low <= number <= self.high:  # int and float compare exactly in Python
            raise self._error(value, "is out of range")
        return int(number) if self.kind is Kind.INT else float(number)

    def _error(self, value: Any, why: str) -> ParameterError:
        return ParameterError(
            f"{self.name} = {shown(value)} {why}: allowed is {self.allowed()}"
            f" ({self.label.lower()})"
        )


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:g}"


MAX_SESSIONS = 52
"""The most sessions an episode can have (``n_sessions``' upper bound)."""


def _parse_sessions(text: str, error: Any) -> list[int | str]:
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise error("is not a list of sessions")
    out: list[int | str] = []
    for part in parts:
        if part == "last":
            out.append(part)
            continue
        digits = part.lstrip("0")
        if not (part.isascii() and part.isdigit()) or not digits:
            raise error(f"contains {shown(part)}, which is neither a session number nor 'last'")
        if len(digits) > 3 or int(digits) > MAX_SESSIONS:  # no int() of 5,000 digits
            raise error(
                f"contains a session after {MAX_SESSIONS}, the most sessions an episode can have"
            )
        out.append(int(digits))
    return out


def _trait(
    name: str,
    label: str,
    mean: float,
    sd: float,
    group: str,
    help_text: str,
    reference: str,
    unit: str = "0–1",
    low: float = 0.0,
    high: float = 1.0,
    sd_high: float = 0.5,
    sd_calibrated: str = "",
) -> list[Parameter]:
    """Declare the mean and the spread of a trait drawn per agent."""
    return [
        Parameter(
            f"{name}_mean",
            mean,
            group,
            f"{label} (mean)",
            help_text,
            low=low,
            high=high,
            unit=unit,
            reference=reference,
        ),
        Parameter(
            f"{name}_sd",
            sd,
            group,
            f"{label} (spread)",
            f"Standard deviation of {label.lower()} between agents (normal, clipped to"
            f" {_fmt(low)}–{_fmt(high)}).",
            low=0.0,
            high=sd_high,
            unit=unit,
            reference=reference,
            calibrated=sd_calibrated,
        ),
    ]


MEAD_BOWER = "Mead & Bower 2000"
BORDIN = "Bordin 1979"

_PARAMETERS: list[Parameter] = [
    # --- therapists -------------------------------------------------------
    Parameter(
        "n_therapists",
        5,
        "therapist",
        "Number of physiotherapists",
        "Physiotherapists in the clinic; patients are shared out evenly between them.",
        kind=Kind.INT,
        low=1,
        high=100,
        unit="therapists",
    ),
    *_trait(
        "empathy",
        "Therapist empathy",
        0.7,
        0.14,
        "therapist",
        "How well the therapist understands and conveys understanding of the patient's"
        " experience; the main driver of the bond.",
        "Rogers 1951; Anderson & Anderson 1962",
    ),
    *_trait(
        "communication",
        "Therapist communication skill",
        0.7,
        0.1,
        "therapist",
        "Clarity of explanations and encouragement; shapes task agreement and verbal persuasion.",
        "Hall et al. 2010; Mead & Bower 2000",
    ),
    *_trait(
        "power_sharing",
        "Power-sharing style",
        0.5,
        0.28,
        "therapist",
        "0 = paternalistic (the therapist sets goals and chooses tasks; the patient is a"
        " consumer); 1 = shared power (goals and tasks are negotiated; the patient is a"
        " participant).",
        MEAD_BOWER,
    ),
    *_trait(
        "biopsychosocial",
        "Biopsychosocial orientation",
        0.5,
        0.1,
        "therapist",
        "How far the therapist attends to psychological and social factors as well as"
        " biology; shapes the therapist's goals and addresses psychosocial load.",
        "Engel 1977; Mead & Bower 2000",
    ),
    *_trait(
        "patient_as_person",
        "Patient-as-person attentiveness",
        0.5,
        0.1,
        "therapist",
        "How much the therapist elicits the patient's fears, expectations and illness"
        " beliefs; even a paternalistic therapist who listens plans for the patient's goals.",
        MEAD_BOWER,
    ),
    *_trait(
        "warmth",
        "Therapist warmth (doctor-as-person)",
        0.6,
        0.1,
        "therapist",
        "Personal warmth and reflectiveness the therapist brings to the relationship.",
        MEAD_BOWER,
    ),
    *_trait(
        "responsiveness",
        "Responsiveness to preferred involvement",
        0.3,
        0.1,
        "therapist",
        "How far the therapist adapts their power-sharing style to the involvement each"
        " patient prefers (0 = same style for everyone).",
        "Mead & Bower 2000; Hougaard 1994",
    ),
    *_trait(
        "experience",
        "Clinical experience",
        0.6,
        0.15,
        "therapist",
        "0 = student, 1 = expert. Experience scales how fully empathy, communication and"
        " attentiveness show in a session (skill × (0.5 + 0.5 × experience)).",
        "Hall et al. 2010",
    ),
    Parameter(
        "learning_rate",
        0.0,
        "therapist",
        "Therapist learning rate",
        "Share of the remaining gap to full experience a therapist closes per session,"
        " scaled by patient feedback (mean bond of the patients seen). 0 = no learning.",
        low=0.0,
        high=0.5,
        unit="per session",
        reference="Kolb 1984 (experiential learning)",
    ),
    Parameter(
        "caseload",
        25,
        "therapist",
        "Caseload",
        "Patients each therapist sees per week in total (not only the simulated ones);"
        " more patients leave less attention for each, weakening the bond.",
        kind=Kind.INT,
        low=5,
        high=60,
        unit="patients/week",
        reference="Hall et al. 2010",
    ),
    # --- patients -----------------------------------------------------------
    Parameter(
        "n_patients",
        200,
        "patients",
        "Number of patients",
        "Patients in the clinic, each starting an episode of care at session 1.",
        kind=Kind.INT,
        low=1,
        high=5000,
        unit="patients",
    ),
    *_trait(
        "self_efficacy",
        "Patient self-efficacy",
        0.58,
        0.2,
        "patients",
        "Confidence in one's own ability to do the exercises and manage the problem"
        " (0.58 ≈ 35 of 60 on the Pain Self-Efficacy Questionnaire: 64% of outpatients"
        " with chronic back pain score below 40 of 60). Low self-efficacy adds to"
        " disability and, with a weak collaborative alliance, lowers adherence.",
        "Bandura 1977; Burns & Evon 2007; Ferrari et al. 2019",
    ),
    Parameter(
        "exercise_habit_sd",
        0.2,
        "patients",
        "Spread of other reasons to exercise",
        "Standard deviation between patients of how much more or less of the home"
        " programme they do than their self-efficacy, alliance and load predict"
        " (routine, social support, previous adherence).",
        low=0.0,
        high=0.5,
        unit="share",
        reference="Jack et al. 2010; Peacock et al. 2024",
    ),
    Parameter(
        "p_prefers_active",
        0.6,
        "patients",
        "Share of patients preferring an active role",
        "Probability that a patient wants to take part in decisions (preferred involvement"
        " near 0.75); the rest prefer a passive role (near 0.25).",
        low=0.0,
        high=1.0,
        unit="probability",
        reference="Mead & Bower 2000",
    ),
    Parameter(
        "involvement_sd",
        0.1,
        "patients",
        "Spread of preferred involvement",
        "Standard deviation of preferred involvement around 0.75 (active) or 0.25 (passive).",
        low=0.0,
        high=0.5,
        unit="0–1",
    ),
    Parameter(
        "goal_spread",
        1.0,
        "patients",
        "Spread of patients' own goals",
        "How much patients' goal weights (pain relief, daily function, work/sport,"
        " understanding) differ from the typical patient (logistic-normal scale).",
        low=0.0,
        high=2.0,
        unit="log scale",
        reference=BORDIN,
    ),
    *_trait(
        "expectation",
        "Treatment expectations",
        0.6,
        0.15,
        "patients",
        "How much the patient expects this treatment to help; raises task agreement and"
        " the contextual part of pain relief.",
        "Bialosky et al. 2008",
    ),
    *_trait(
        "psychosocial_load",
        "Psychosocial load",
        0.4,
        0.15,
        "patients",
        "Fear-avoidance, catastrophising and distress: adds to disability, slows"
        " recovery, lowers attendance and adherence. A biopsychosocial approach"
        " addresses it, and disability falls as it is addressed.",
        "Vlaeyen & Linton 2000; Wertli et al. 2014",
    ),
    *_trait(
        "prior_trust",
        "Trust from prior care",
        0.5,
        0.39,
        "patients",
        "Trust the patient brings from earlier care (transference); sets the starting bond.",
        "Freud 1912",
    ),
    *_trait(
        "structural_share",
        "Structural share of the problem",
        0.5,
        0.2,
        "patients",
        "How much of the problem is structural: home exercise reduces disability by"
        " (½ + ½ × structural share) of its full effect.",
        "Engel 1977",
    ),
    *_trait(
        "pain",
        "Baseline pain",
        55.0,
        21.0,
        "patients",
        "Pain intensity at the start of the episode on a 0–100 mm visual analogue scale,"
        " of a patient with typical psychosocial load (0.4); more load adds a little.",
        "Fuentes et al. 2014",
        unit="mm",
        high=100.0,
        sd_high=50.0,
    ),
    *_trait(
        "disability",
        "Baseline disability",
        40.0,
        12.0,
        "patients",
        "Disability at the start of the episode, 0–100 (e.g. Oswestry index), of a"
        " patient with typical psychosocial load (0.4) and self-efficacy (0.58): more"
        " load or less confidence adds disability. The spread is that of its physical"
        " part (load and self-efficacy add their own spread).",
        "Ferreira et al. 2013",
        unit="0–100",
        high=100.0,
        sd_high=50.0,
    ),
    # --- treatment ------------------------------------------------------------
    Parameter(
        "device",
        "none",
        "treatment",
        "Electrophysical device",
        "A device used in each session: 'active' adds its specific pain relief; 'sham' is"
        " applied but switched off and, like 'none', adds nothing specific (the context"
        " of the session still works).",
        kind=Kind.CHOICE,
        choices=("none", "sham", "active"),
        reference="Fuentes et al. 2014",
    ),
    Parameter(
        "device_relief",
        0.1702,
        "treatment",
        "Specific relief of an active device",
        "Share of the current pain an active device relieves immediately.",
        low=0.0,
        high=1.0,
        unit="share of pain",
        reference="Fuentes et al. 2014",
        calibrated="the Fuentes et al. 2014 arm means (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "ritual_relief",
        0.1512,
        "treatment",
        "Relief from the session itself",
        "Share of the current pain relieved immediately by any session (attention,"
        " ritual, regression to the mean), whatever the alliance.",
        low=0.0,
        high=1.0,
        unit="share of pain",
        reference="Fuentes et al. 2014",
        calibrated="the Fuentes et al. 2014 arm means (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "contextual_relief",
        0.455,
        "treatment",
        "Contextual relief of the relationship",
        "Extra share of the current pain relieved immediately by the therapist's"
        " relational behaviour in the session, let through by the bond"
        " (× behaviour × (½ + ½ bond) × (½ + ½ expectation)).",
        low=0.0,
        high=1.0,
        unit="share of pain",
        reference="Fuentes et al. 2014; Testa & Rossettini 2016",
        calibrated="the Fuentes et al. 2014 arm means (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "relief_retention",
        0.1255,
        "treatment",
        "Retained share of immediate relief",
        "Share of a session's immediate pain relief that is still there at the next"
        " session; the rest fades.",
        low=0.0,
        high=1.0,
        unit="share",
        calibrated="the disability change over an episode and its spread (Vibe Fersum et al. 2013; Hill et al. 2011) with the exercise effect (Hayden et al. 2021) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "exercise_effect",
        0.0643,
        "treatment",
        "Effect of home exercise",
        "Share of the physical impairment and of pain removed per week at a full"
        " exercise dose (the dose saturates: half the programme gives three quarters of"
        " the effect; the impairment gains ½ + ½ × structural share of it), slowed by"
        " psychosocial load.",
        low=0.0,
        high=0.5,
        unit="per week",
        reference="Hayden et al. 2021",
        calibrated="exercise vs no exercise, pain 15 points better (Hayden et al. 2021) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "bps_effect",
        0.1817,
        "treatment",
        "Effect of the biopsychosocial approach",
        "Share of psychosocial load a fully biopsychosocial, attentive therapist with a"
        " full bond addresses per attended session.",
        low=0.0,
        high=1.0,
        unit="per session",
        reference="Mead & Bower 2000; Vlaeyen & Linton 2000",
    ),
    Parameter(
        "natural_recovery",
        0.0028,
        "treatment",
        "Natural recovery",
        "Share of pain and of the physical impairment that resolves each week without"
        " treatment (slowed by psychosocial load).",
        low=0.0,
        high=0.2,
        unit="per week",
        calibrated="the disability change over an episode and its spread (Vibe Fersum et al. 2013; Hill et al. 2011) with the exercise effect (Hayden et al. 2021) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "load_brake",
        0.6,
        "treatment",
        "Psychosocial brake on recovery",
        "How much psychosocial load slows recovery: at full load, impairment recovers"
        " at (1 − brake) of its speed and pain at (1 − ½ brake); fear-avoidance and"
        " catastrophising predict worse disability later (odds ratio about 3).",
        low=0.0,
        high=1.0,
        unit="share of recovery speed",
        reference="Vlaeyen & Linton 2000; Picavet et al. 2002; Wertli et al. 2014",
    ),
    Parameter(
        "disability_fluctuation",
        0.2554,
        "treatment",
        "Week-to-week fluctuation of disability",
        "Typical relative size of the week's flare-up or good week of the physical part"
        " of disability (0.12 = about 12% up or down, no drift on average). Over an"
        " episode it gives the wide spread of individual change seen in trials (SD of"
        " change about 25 of 100).",
        low=0.0,
        high=0.5,
        unit="share per week",
        reference="Hill et al. 2011",
        calibrated="the spread of disability change between patients (Hill et al. 2011) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    # --- alliance dynamics ------------------------------------------------------
    Parameter(
        "alliance_rate",
        0.65,
        "alliance",
        "Alliance change rate",
        "How far goal agreement, task agreement and bond move toward their targets at"
        " each attended session: at 0.65 the alliance forms over the first two or three"
        " sessions and then holds (patient ratings are high by session 2–3 and change"
        " little afterwards).",
        low=0.0,
        high=1.0,
        unit="per session",
        reference="Horvath & Greenberg 1989; Araujo et al. 2017",
    ),
    Parameter(
        "alliance_noise_sd",
        0.03,
        "alliance",
        "Alliance noise",
        "Session-to-session random variation of each alliance component.",
        low=0.0,
        high=0.3,
        unit="0–1",
    ),
    Parameter(
        "rupture_risk",
        0.3,
        "alliance",
        "Rupture risk at full misfit",
        "Probability of an alliance rupture in a session where the therapist's style is"
        " the opposite of the involvement the patient wants (scaled by the misfit and"
        " softened by empathy).",
        low=0.0,
        high=1.0,
        unit="probability",
        reference="Safran & Muran 2000",
    ),
    Parameter(
        "rupture_size",
        0.15,
        "alliance",
        "Rupture size",
        "How much bond and task agreement fall in a rupture (an empathic therapist"
        " repairs part of it).",
        low=0.0,
        high=0.5,
        unit="0–1",
        reference="Safran & Muran 2000",
    ),
    Parameter(
        "self_efficacy_rate",
        0.15,
        "alliance",
        "Self-efficacy change rate",
        "How fast self-efficacy responds to mastery, persuasion and autonomy each"
        " attended session.",
        low=0.0,
        high=1.0,
        unit="per session",
        reference="Bandura 1977",
    ),
    Parameter(
        "p_attend_typical",
        0.8399,
        "alliance",
        "Typical attendance probability",
        "Probability that a typical patient (alliance 0.72, self-efficacy 0.58, no"
        " progress yet) attends a session.",
        low=0.01,
        high=0.999,
        unit="probability",
        calibrated="most patients miss at least one visit (Bhavsar et al. 2021) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "p_dropout_typical",
        0.0156,
        "alliance",
        "Typical dropout hazard",
        "Probability per session that a typical patient (alliance 0.72, self-efficacy"
        " 0.58, no progress yet) drops out of care.",
        low=0.0,
        high=0.5,
        unit="probability",
        calibrated="7–25% drop out (DESIGN §4; Swift & Greenberg 2012) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "adherence_typical",
        0.783,
        "alliance",
        "Typical home-exercise adherence",
        "Expected share of the home programme done in the first week by a typical patient"
        " (self-efficacy 0.58, collaborative alliance 0.7, psychosocial load 0.4).",
        low=0.01,
        high=0.99,
        unit="share",
        reference="Burns & Evon 2007",
        calibrated="40–75% not fully adherent (Okezue et al. 2019; Essery et al. 2017) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "adherence_decline",
        0.02,
        "alliance",
        "Weekly decline of adherence",
        "How much of the home programme a patient stops doing with each week of care"
        " (home-exercise adherence wears off over time, the more so without support).",
        low=0.0,
        high=0.1,
        unit="share per week",
        reference="Pisters et al. 2010; Nicolson et al. 2018; Bennell et al. 2017",
    ),
    # --- measurement ----------------------------------------------------------------
    Parameter(
        "measurement_sessions",
        "2,last",
        "measurement",
        "Questionnaire sessions",
        "Sessions at which patients and therapists fill in the alliance questionnaires"
        " ('last' = the last session; sessions after the last are skipped, but at least"
        " one must lie in the episode).",
        kind=Kind.SESSIONS,
        reference="Ferreira et al. 2013",
    ),
    Parameter(
        "patient_rating_bias",
        0.02,
        "measurement",
        "Patient rating bias",
        "How much more favourably patients rate the alliance than it is (positive bias"
        " produces the ceiling effect).",
        low=-0.5,
        high=0.5,
        unit="0–1",
        reference="Hall et al. 2012; Hatcher & Gillaspy 2006",
        calibrated="the patient-rated WAI-SR level, spread and ceiling (Lambers & Bolton 2016; Araujo et al. 2017; Paap et al. 2020); the search's 0.029 lowered by hand to 0.02 so the level passes with the validation seed (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "therapist_rating_bias",
        0.0595,
        "measurement",
        "Therapist rating bias",
        "How much more favourably therapists rate the alliance than it is.",
        low=-0.5,
        high=0.5,
        unit="0–1",
        reference="Bachelor 2013",
        calibrated="the clinician-rated WAI-SR level (Lambers & Bolton 2016) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "therapist_insight",
        0.2104,
        "measurement",
        "Therapist insight into the alliance",
        "How much of this patient's alliance the therapist perceives when rating it; the"
        " rest of the rating is their usual impression. Low insight gives the poor"
        " patient–therapist agreement published (ICC 0.13).",
        low=0.0,
        high=1.0,
        unit="share",
        reference="Lambers & Bolton 2016; Tryon et al. 2007",
        calibrated="patient–clinician agreement, ICC 0.13 (Lambers & Bolton 2016) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "patient_leniency_sd",
        0.0949,
        "measurement",
        "Patient leniency spread",
        "Spread of each patient's personal leniency as a rater (some patients tick"
        " 'always' whatever happens): with a favourable bias it gives the ceiling"
        " effect, more than 15% of patients at the maximum score.",
        low=0.0,
        high=0.5,
        unit="0–1",
        reference="Araujo et al. 2017; Paap et al. 2020",
        calibrated="the patient-rated WAI-SR level, spread and ceiling (Lambers & Bolton 2016; Araujo et al. 2017; Paap et al. 2020) (point search: experiments/point-calibration.md; inside its 90% credible interval of the Bayesian calibration: experiments/calibration.md)",
    ),
    Parameter(
        "therapist_leniency_sd",
        0.1,
        "measurement",
        "Therapist leniency spread",
        "Spread of each therapist's personal leniency as a rater of their patients' alliances.",
        low=0.0,
        high=0.5,
        unit="0–1",
        reference="Lambers & Bolton 2016",
    ),
    Parameter(
        "item_noise_sd",
        0.01,
        "measurement",
        "Item noise",
        "Random error of each questionnaire item response.",
        low=0.0,
        high=0.5,
        unit="0–1",
        calibrated="the patient-rated WAI-SR spread and ceiling (Lambers & Bolton 2016; Araujo et al. 2017), set by hand (not searched) (experiments/point-calibration.md)",
    ),
    # --- clinic and protocol ----------------------------------------------------------
    Parameter(
        "n_sessions",
        10,
        "clinic",
        "Sessions per episode",
        "Scheduled treatment sessions (about one a week).",
        kind=Kind.INT,
        low=1,
        high=MAX_SESSIONS,
        unit="sessions",
        reference="Ferreira et al. 2013",
    ),
    Parameter(
        "assignment",
        "random",
        "clinic",
        "Patient assignment",
        "'random' shares patients out at random; 'match' gives the patients who want"
        " the most involvement to the therapists who share the most power.",
        kind=Kind.CHOICE,
        choices=("random", "match"),
    ),
]

_PARAMETERS = [
    replace(p, help=f"{p.help} Default calibrated against {p.calibrated}.") if p.calibrated else p
    for p in _PARAMETERS
]

SCHEMA: dict[str, Parameter] = {p.name: p for p in _PARAMETERS}
"""Every parameter by name, in declaration (and display) order.

Parameters whose ``calibrated`` field is set have defaults chosen so that the
calibration targets of ``alliance-sim validate`` pass: the point search of
``experiments/calibrate.py`` (``experiments/point-calibration.md``); their help text
says against what. The 14 of them without a direct published value also have a
posterior from the Bayesian calibration (``alliance-sim calibrate``: ABC-SMC against the
same targets; shipped as ``alliance_sim/core/data/posterior.parquet``, summarised in
``experiments/calibration.md``): each default lies inside its 90% credible interval,
which ``alliance-sim params`` shows. The defaults are not the posterior medians: with
the medians 5 of the 15 targets miss with the validation seed (see
``experiments/calibration.md``).
"""

for _p in _PARAMETERS:  # the schema must hold its own defaults
    _p.validate(_p.default)
    if _p.group not in GROUPS:
        raise TypeError(f"parameter {_p.name} has an unknown group {_p.group!r}")


def unknown_name_error(name: object, where: str = "") -> ParameterError:
    """The error for a name that is not a parameter, with a suggestion."""
    place = f" in {where}" if where else ""
    if not isinstance(name, str):
        return ParameterError(
            f"parameter name {shown(name)}{place} is not allowed: a parameter's name is a text;"
            " `alliance-sim params` lists them all"
        )
    close = difflib.get_close_matches(name, SCHEMA, n=3, cutoff=0.6) if len(name) < 100 else []
    close += [n for n in SCHEMA if n.startswith(name + "_") and n not in close]
    hint = f" (did you mean {' or '.join(repr(c) for c in close[:3])}?)" if close else ""
    return ParameterError(
        f"unknown parameter {shown(name)}{place}{hint}; `alliance-sim params` lists them all"
    )


def parse_value(name: str, text: str) -> ParamValue:
    """Parse a command-line string into a valid value for parameter ``name``.

    Raises:
        ParameterError: for an unknown name or a value that is not allowed.
    """
    if name not in SCHEMA:
        raise unknown_name_error(name)
    spec = SCHEMA[name]
    text = text.strip()
    value: Any = text
    if spec.kind in (Kind.FLOAT, Kind.INT):
        digits = text.lstrip("+-")
        if digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) > 18:
            raise spec._error(text, "is out of range")  # no int() of 5,000 digits
        try:
            value = (
                int(text)
                if spec.kind is Kind.INT and digits.isascii() and digits.isdigit()
                else float(text)
            )
        except ValueError:
            raise spec._error(text, "is not a number") from None
    return spec.validate(value)


def _check_schedule(values: Mapping[str, Any]) -> None:
    """Refuse a questionnaire schedule that measures nothing in the episode.

    Sessions after the last are skipped (so the default ``"2,last"`` works for a
    one-session protocol), but when every session named lies after the last,
    no questionnaire would be taken and every questionnaire metric would be NaN.
    """
    n = int(values["n_sessions"])
    parts = _parse_sessions(str(values["measurement_sessions"]), ParameterError)
    if not any(part == "last" or int(part) <= n for part in parts):
        raise ParameterError(
            f"measurement_sessions = {shown(values['measurement_sessions'])} is not allowed with"
            f" n_sessions = {n}: every session it names comes after the last session, so no"
            f" questionnaire would be taken; name a session from 1 to {n}, or 'last'"
        )


@dataclass(frozen=True)
class Params(Mapping[str, ParamValue]):
    """A complete, validated set of parameter values (immutable).

    Build one with ``Params()`` for the defaults or ``Params(empathy_mean=0.3)``;
    read values as attributes (``params.empathy_mean``) or by key.
    ``params.replace(...)`` returns a validated copy with some values changed.

    Raises:
        ParameterError: for an unknown name, a wrong type, NaN or a value out of range.
    """

    _values: dict[str, ParamValue] = field(repr=False)

    def __init__(self, values: Mapping[str, Any] | None = None, /, **overrides: Any) -> None:
        """Validate ``values`` and ``overrides`` on top of the defaults."""
        if values is not None and not isinstance(values, Mapping):
            raise ParameterError(
                f"parameters = {shown(values)} are not allowed: a mapping of parameter names to"
                " values, such as {'empathy_mean': 0.3}"
            )
        merged: dict[str, Any] = {}
        for source in (values or {}, overrides):
            for name, value in source.items():
                if not isinstance(name, str) or name not in SCHEMA:
                    raise unknown_name_error(name)
                merged[name] = SCHEMA[name].validate(value)
        full = {name: merged.get(name, p.default) for name, p in SCHEMA.items()}
        _check_schedule(full)
        object.__setattr__(self, "_values", full)

    def __getattr__(self, name: str) -> Any:
        """Read a parameter as an attribute (validated: a float, an int for a count, a str for a choice).

        Typed ``Any``: which of these a name holds is in the schema, which mypy cannot read.
        """
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> ParamValue:
        """Read a parameter by name."""
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        """Iterate over parameter names in schema order."""
        return iter(self._values)

    def __len__(self) -> int:
        """The number of parameters."""
        return len(self._values)

    def __repr__(self) -> str:
        """Show only the values that differ from the defaults."""
        changed = ", ".join(f"{k}={v!r}" for k, v in self.changed().items())
        return f"Params({changed})"

    def __hash__(self) -> int:
        """Hash by value, so equal parameter sets hash alike."""
        return hash(tuple(self._values.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by value (for process pools)."""
        return (Params, (dict(self._values),))

    def replace(self, **changes: Any) -> Params:
        """Return a validated copy with ``changes`` applied (only the changes are checked)."""
        values = dict(self._values)
        for name, value in changes.items():
            if name not in SCHEMA:
                raise unknown_name_error(name)
            values[name] = SCHEMA[name].validate(value)
        _check_schedule(values)
        copy = object.__new__(Params)
        object.__setattr__(copy, "_values", values)
        return copy

    def changed(self) -> dict[str, ParamValue]:
        """The values that differ from the schema's defaults."""
        return {k: v for k, v in self._values.items() if v != SCHEMA[k].default}

    def to_dict(self) -> dict[str, ParamValue]:
        """All values as a plain dict."""
        return dict(self._values)


MAX_SEED = 2**63 - 1
"""The largest seed a run accepts."""


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise a ParameterError naming what is allowed."""
    if (
        isinstance(seed, bool | np.bool_)
        or not isinstance(seed, numbers.Integral)
        or not 0 <= int(seed) <= MAX_SEED
    ):
        raise ParameterError(
            f"seed = {shown(seed)} is not allowed: a whole number from 0 to {MAX_SEED}"
        )
    return int(seed)


def measurement_schedule(params: Params) -> frozenset[int]:
    """The sessions at which questionnaires are taken ('last' resolved).

    Sessions after the last session of the episode are skipped, so that the
    default "2,last" also works for a one-session protocol.
    """
    n = int(params.n_sessions)
    parts = _parse_sessions(str(params.measurement_sessions), ParameterError)
    return frozenset(s for s in (n if p == "last" else int(p) for p in parts) if s <= n)
