"""The published patterns the model is judged against, declared as data.

Each :class:`Pattern` says what is compared, the published figure, its source and
where the figure was found (provenance), the tolerance, how many patients one
simulated study has, how it is judged and its **role**:

* ``"target"`` — a calibration target: ``alliance-sim calibrate``
  (:mod:`alliance_sim.validation.calibration`) fits the parameters that have no direct
  published value to these (a posterior; the defaults are its median);
* ``"check"`` — out of sample: never used by the calibration; the model should
  reproduce it because its mechanisms follow the literature, not because it was
  tuned to it.

At most half of the patterns are targets. Each pattern is judged by one rule
(:data:`~alliance_sim.validation.defaults.RULES`):

* ``"interval"`` — the statistic is computed for every simulated study of the
  published size; the middle 95% of the studies must lie inside the tolerance
  (never the mean alone);
* ``"mean"`` — the model's expected value (the mean over the simulated studies)
  must lie inside the tolerance with its whole 95% confidence interval: for
  tolerances built from a published confidence interval or a pooled estimate,
  which already carry a study's sampling error;
* ``"share"`` — a stated share (the tolerance's lower bound) of simulated trials
  of the published size must reach the published conclusion.

The figures, sources and provenance come from the project's literature notes on
the alliance and on the clinical literature (written for issue 16), which give, for
each figure, the address where it was read. This module imports nothing from the
model: the command line's ``--help`` and the calibration read the roles without
loading it. The simulations and statistics are in
:mod:`alliance_sim.validation.studies`; :func:`alliance_sim.validation.judge.validate`
runs and judges them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from alliance_sim.validation.defaults import ROLES, RULES

__all__ = ["PATTERNS", "Pattern", "checks", "pattern", "targets"]

INF = math.inf


@dataclass(frozen=True)
class Pattern:
    """A published pattern: what, where from, the tolerance, the rule and the role."""

    id: str
    role: str
    """``"target"`` (used by the calibration) or ``"check"`` (out of sample)."""
    reason: str
    """One line: why this pattern has its role."""
    what: str
    source: str
    """The citation(s)."""
    published: str
    """The published figure, in words."""
    provenance: str
    """Where the figure was found (the address it was read at)."""
    low: float
    high: float
    """The tolerance; for a ``share`` pattern, the share of trials required (high = 1)."""
    unit: str
    judged_by: str
    """``"interval"``, ``"mean"`` or ``"share"`` (:data:`~alliance_sim.validation.defaults.RULES`)."""
    n: int
    """Patients in one simulated study, per arm when the study compares arms."""
    design: str
    """How one simulated study is made and what is computed from it."""
    statistic: str
    """The key of the statistic in :data:`alliance_sim.validation.studies.STATISTICS`."""

    @property
    def cite(self) -> str:
        """The source in short: first author, "et al." or the second author, and year."""
        return "; ".join(_short_citation(part) for part in self.source.split("; "))

    @property
    def tolerance(self) -> str:
        """The tolerance in words."""
        if self.judged_by == "share":
            return f"≥ {100 * self.low:g}% of trials"
        if math.isinf(self.high):
            return f"≥ {self.low:g}"
        if math.isinf(self.low):
            return f"≤ {self.high:g}"
        if self.unit.startswith("share"):
            return f"{100 * self.low:g}% to {100 * self.high:g}%"
        return f"{self.low:g} to {self.high:g}"


def _surname(author: str) -> str:
    """``"Menezes Costa LC"`` → ``"Menezes Costa"`` (drops the initials)."""
    words = author.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1].isupper() else author


def _short_citation(part: str) -> str:
    match = re.match(r"^(?P<authors>[^()]+?)\s*\((?P<year>\d{4})\)", part)
    if match is None:  # not "Authors (year)": its first clause
        return part.split(" (")[0]
    authors = match["authors"].strip().rstrip(",")
    names = [name.strip() for name in authors.split(",") if name.strip()]
    first, year = _surname(names[0]), match["year"]
    if "et al" in authors or len(names) > 2:
        return f"{first} et al. {year}"
    if len(names) == 2:
        return f"{first} & {_surname(names[1])} {year}"
    return f"{first} {year}"


# --- sources and where they were found ---------------------------------------------------------
FUENTES = (
    "Fuentes J, Armijo-Olivo S, Funabashi M, et al. (2014). Enhanced therapeutic alliance"
    " modulates pain intensity and muscle pain sensitivity in patients with chronic low back"
    " pain: an experimental controlled study. Phys Ther 94(4):477–489"
)
FUENTES_FOUND = (
    "physiospot.com/research/enhanced-therapeutic-alliance-modulates-pain-intensity-and-muscle"
    "-pain-sensitivity-in-patients-with-chronic-low-back-pain-2/ ; metajournal.com/articles/322044"
    " (arm means verified; main effects derived from them)"
)
FERREIRA = (
    "Ferreira PH, Ferreira ML, Maher CG, Refshauge KM, Latimer J, Adams RD (2013). The"
    " therapeutic alliance between clinicians and patients predicts outcome in chronic low back"
    " pain. Phys Ther 93(4):470–478"
)
FERREIRA_FOUND = (
    "researchers.mq.edu.au/en/publications/the-therapeutic-alliance-between-clinicians-and"
    "-patients-predicts ; metajournal.com/articles/690926 (abstract: the alliance was"
    ' "consistently a predictor of outcome for all the measures"; coefficients not found)'
)
LAMBERS = (
    "Lambers NM, Bolton JE (2016). Perceptions of the quality of the therapeutic alliance in"
    " chiropractic care in The Netherlands: a cross-sectional survey. Chiropr Man Therap 24:18"
)
LAMBERS_FOUND = "chiromt.biomedcentral.com/articles/10.1186/s12998-016-0100-4"
ARAUJO = (
    "Araujo AC, Negrão Filho R, Oliveira CB, Ferreira PH, Pinto RZ (2017). Measurement"
    " properties of the Brazilian version of the Working Alliance Inventory (patient and"
    " therapist short-forms) and Session Rating Scale for low back pain. J Back Musculoskelet"
    " Rehabil 30(4):879–887"
)
ARAUJO_FOUND = (
    "discovery.researcher.life/article/measurement-properties-of-the-brazilian-version-…"
    "/b2b55e897f9e37cab17825cf91edd460 ; peeref.com/zh/works/3864374"
)
MANNION = (
    "Mannion AF, Helbling D, Pulkovski N, Sprott H (2009). Spinal segmental stabilisation"
    " exercises for chronic low back pain: programme adherence and its influence on clinical"
    " outcome. Eur Spine J 18(12):1881–1891"
)
MANNION_FOUND = "pmc.ncbi.nlm.nih.gov/articles/PMC2899434"
MEDINA = (
    "Medina-Mirapeix F, et al. (2009). Predictive factors of adherence to frequency and"
    " duration components in home exercise programs for neck and low back pain. BMC"
    " Musculoskelet Disord 10:155"
)
MEDINA_FOUND = "dx.crossref.org/10.1186/1471-2474-10-155"
COMACHIO = (
    "Comachio J, Magalhães MO, Carvalho e Silva APMC, Marques AP (2018). A cross-sectional"
    " study of associations between kinesiophobia, pain, disability, and quality of life in"
    " patients with chronic low back pain. Adv Rheumatol 58:8"
)
COMACHIO_FOUND = "rheumatology.medicinematters.com (abstract)"
HAYDEN = (
    "Hayden JA, Ellis J, Ogilvie R, Malmivaara A, van Tulder MW (2021). Exercise therapy for"
    " chronic low back pain. Cochrane Database Syst Rev 9:CD009790, Summary of findings 1"
)
HAYDEN_FOUND = "pmc.ncbi.nlm.nih.gov/articles/PMC8477273/table/CD009790-tbl-0001"

CLINIC = "the pooled default clinics"

# --- why each pattern has its role -------------------------------------------------------------
WHY_FUENTES_TARGET = (
    "pins down the immediate relief of a session (device, ritual and contextual relief),"
    " which has no direct published value"
)
WHY_ENGAGEMENT_TARGET = (
    "pins down the typical attendance, dropout and adherence levels, which have no direct"
    " published value"
)
WHY_MEASUREMENT_TARGET = (
    "pins down the measurement model (rater bias, leniency, item noise), which has no direct"
    " published value"
)
WHY_CHANGE_TARGET = (
    "pins down the typical pace of recovery over an episode (exercise effect, natural"
    " recovery), which has no direct published value"
)
WHY_EXERCISE_TARGET = (
    "pins down the strength of home exercise (exercise_effect) at its pooled published"
    " effect; the effect on disability stays a check"
)
WHY_CHECK = "out of sample: a published relation the mechanisms must produce without tuning"
WHY_FUENTES_CHECK = (
    "out of sample: follows from the arm means only if device and alliance combine as Fuentes found"
)


def _fuentes_arm(arm: str, label: str, published: float, low: float, high: float) -> Pattern:
    return Pattern(
        id=f"fuentes-{arm}",
        role="target",
        reason=WHY_FUENTES_TARGET,
        what=f"Pain reduction after one session, {label}",
        source=FUENTES,
        published=f"{published:g} mm (n ≈ 29)",
        provenance=FUENTES_FOUND,
        low=low,
        high=high,
        unit="mm",
        judged_by="mean",
        n=29,
        design=(
            "one trial of the fuentes-2014 protocol (29–30 per arm; one session; one"
            f" therapist per arm): the {arm} arm's mean immediate pain reduction; the"
            " tolerance is the published mean ± about its confidence interval, so the"
            " model's expected arm mean is judged"
        ),
        statistic=f"fuentes-mean-{arm}",
    )


def _fuentes_effect(key: str, what: str, published: str, low: float, high: float) -> Pattern:
    return Pattern(
        id=f"fuentes-{key}",
        role="check",
        reason=WHY_FUENTES_CHECK,
        what=what,
        source=FUENTES,
        published=published,
        provenance=FUENTES_FOUND,
        low=low,
        high=high,
        unit="mm",
        judged_by="mean",
        n=29,
        design="one trial of the fuentes-2014 protocol: the OLS cell-means contrast (the"
        " model's expected contrast is judged: the tolerance carries the study's sampling error)",
        statistic=f"fuentes-{key}",
    )


def _ferreira(outcome: str, label: str, direction: str) -> Pattern:
    sign = "β > 0" if direction == "positive" else "β < 0"
    return Pattern(
        id=f"ferreira-{outcome}",
        role="check",
        reason=WHY_CHECK,
        what=f"The patient-rated alliance at session 2 predicts {label} at 8 weeks",
        source=FERREIRA,
        published=f"{sign}, p < 0.05 (n = 182)",
        provenance=FERREIRA_FOUND,
        low=0.5,
        high=1.0,
        unit="share of trials",
        judged_by="share",
        n=61,
        design=(
            "one trial of the ferreira-2013 protocol (3 arms of 61; WAI-SR at session 2):"
            f" the WAI-SR coefficient for {label}, adjusted for baseline and arm, is"
            f" {direction} with p < 0.05"
        ),
        statistic=f"ferreira-{outcome}",
    )


PATTERNS: tuple[Pattern, ...] = (
    # --- Fuentes et al. 2014: the 2×2 of device and alliance ----------------------------------
    _fuentes_arm("AE", "active device + enhanced alliance", 31.4, 26.0, 36.0),
    _fuentes_arm("SE", "sham device + enhanced alliance", 22.2, 17.0, 27.0),
    _fuentes_arm("AL", "active device + limited alliance", 18.3, 13.0, 23.0),
    _fuentes_arm("SL", "sham device + limited alliance", 10.3, 5.0, 15.0),
    _fuentes_effect("alliance-effect", "Main effect of the enhanced alliance", "≈ 12.5 mm",
                    8.0, 17.0),
    _fuentes_effect("device-effect", "Main effect of the active device", "≈ 8.6 mm", 4.0, 13.0),
    _fuentes_effect("interaction", "Device × alliance interaction", "≈ 1.2 mm (not significant)",
                    -5.0, 5.0),
    Pattern(
        id="fuentes-order", role="check", reason=WHY_FUENTES_CHECK,
        what="The arm means are ordered AE > SE ≥ AL > SL",
        source=FUENTES, published="AE 31.4 > SE 22.2 ≥ AL 18.3 > SL 10.3 mm",
        provenance=FUENTES_FOUND + "; the 50% threshold: a trial of the published size"
        " usually finds it (no share is published)",
        low=0.5, high=1.0, unit="share of trials", judged_by="share", n=29,
        design="one trial of the fuentes-2014 protocol: its four arm means in the published order",
        statistic="fuentes-order",
    ),
    Pattern(
        id="fuentes-SE-vs-AL", role="check", reason=WHY_FUENTES_CHECK,
        what="Sham + enhanced and active + limited do not differ significantly",
        source=FUENTES, published="3.9 mm, p ≥ 0.05",
        provenance=FUENTES_FOUND + "; the 50% threshold: a trial of the published size"
        " usually finds it (no share is published)",
        low=0.5, high=1.0, unit="share of trials", judged_by="share", n=29,
        design="one trial of the fuentes-2014 protocol: the planned contrast SE − AL has p ≥ 0.05",
        statistic="fuentes-SE-vs-AL",
    ),
    # --- Ferreira et al. 2013: the early alliance predicts outcome ----------------------------
    _ferreira("gpe", "the global perceived effect", "positive"),
    _ferreira("function", "function", "positive"),
    _ferreira("disability", "disability", "negative"),
    _ferreira("pain", "pain", "negative"),
    # --- Burns & Evon 2007: self-efficacy needs the collaborative alliance --------------------
    Pattern(
        id="burns-evon-interaction", role="check", reason=WHY_CHECK,
        what="Self-efficacy × goal/task agreement predicts improvement (both high: most gain)",
        source="Burns JW, Evon D (2007). Common and specific process factors in cardiac"
        " rehabilitation: independent and interactive effects of the working alliance and"
        " self-efficacy. Health Psychol 26(6):684–692",
        published="positive interaction; high on both showed the most gains (n = 79)",
        provenance="47.251.13.51:8081/18020839 (PubMed mirror, PMID 18020839; no coefficient in"
        " the abstract); the tolerance (> 0 in ≥ 80% of trials of 79) from the literature notes",
        low=0.8, high=1.0, unit="share of trials", judged_by="share", n=79,
        design="one cohort of the burns-evon-2007 protocol (79 patients, 12 sessions): the"
        " coefficient of baseline self-efficacy × collaborative WAI-SR (session 2) on function"
        " change is > 0",
        statistic="burns-evon-interaction",
    ),
    # --- engagement -----------------------------------------------------------------------------
    Pattern(
        id="not-fully-adherent", role="target", reason=WHY_ENGAGEMENT_TARGET,
        what="Patients not fully adherent to the home exercise programme",
        source="Okezue OC, et al. (2019). Adherence to home exercise programmes and its"
        " associated factors among patients receiving physiotherapy. Clin Health Promot 9(1);"
        " Essery R, Geraghty AWA, Kirby S, Yardley L (2017). Disabil Rehabil 39(6):519–534",
        published="75.5% of 139 (Okezue); 50–70% (reviews)",
        provenance="clinicalhealthpromotion.org/vol-9-iss-1-okezue ;"
        " phc.ox.ac.uk/publications/694317",
        low=0.40, high=0.75, unit="share of patients", judged_by="interval", n=139,
        design=f"139 patients of {CLINIC}: share whose mean adherence while in care is below"
        " full adherence",
        statistic="not-fully-adherent",
    ),
    Pattern(
        id="dropout", role="target", reason=WHY_ENGAGEMENT_TARGET,
        what="Patients who drop out of an episode of care",
        source="DESIGN §4 (7–25% over 8–12 sessions); Swift JK, Greenberg RP (2012). Premature"
        " discontinuation in adult psychotherapy: a meta-analysis. J Consult Clin Psychol"
        " 80(4):547–559",
        published="7–25% (design range); psychotherapy 19.7% [18.7, 20.7]",
        provenance="docslib.org/doc/10788238/premature-discontinuation-in-adult-psychotherapy-a"
        "-meta-analysis; the study size is its mean study (83,834 clients / 669 studies)",
        low=0.07, high=0.25, unit="share of patients", judged_by="interval", n=125,
        design=f"125 patients of {CLINIC}: share who dropped out",
        statistic="dropout",
    ),
    Pattern(
        id="missed-visit", role="target", reason=WHY_ENGAGEMENT_TARGET,
        what="Patients who miss at least one visit in an episode",
        source="Bhavsar NA, Doerfler SM, Giczewska A, et al. (2021). Prevalence and predictors"
        " of no-shows to physical therapy for musculoskeletal conditions. PLoS One 16(5):e0251336",
        published="73% (444,995 episodes, 828 clinics)",
        provenance="47.251.13.51:8081/34048440 ; scholars.duke.edu/display/pub1483325; the study"
        " size is its mean clinic (444,995 / 828)",
        low=0.55, high=0.85, unit="share of patients", judged_by="interval", n=537,
        design=f"537 patients of {CLINIC}: share who missed at least one session while in care",
        statistic="missed-visit",
    ),
    Pattern(
        id="no-show", role="check", reason=WHY_CHECK,
        what="Appointments not attended (per appointment)",
        source="Chartered Society of Physiotherapy, quality-improvement project on"
        " non-attendance in NHS musculoskeletal physiotherapy (NHS Digital 2018–19)",
        published="9.6% of physiotherapy appointments; 14.7% of follow-ups vs 9.3% of new",
        provenance="csp.org.uk/innovations/quality-improvement-project-exploring-factors-non"
        "-attendance-nhs-musculoskeletal; study size ≈ its 13,865 appointments at ≈ 9 per patient",
        low=0.06, high=0.15, unit="share of appointments", judged_by="interval", n=1500,
        design=f"1,500 patients of {CLINIC}: sessions missed / sessions scheduled while in care",
        statistic="no-show",
    ),
    Pattern(
        id="dropout-early", role="check", reason=WHY_CHECK,
        what="Dropouts concentrated in the first half of the episode",
        source="Early termination in interdisciplinary pain rehabilitation: numbers, timing,"
        " and reasons. Disabil Rehabil 2021 (doi 10.1080/09638288.2020.1800839)",
        published="> 80% of negative early terminations in the first half (428 patients)",
        provenance="informahealthcare.com (doi 10.1080/09638288.2020.1800839); tolerance ≥ 60%"
        " from the literature notes",
        low=0.60, high=1.0, unit="share of dropouts", judged_by="interval", n=428,
        design=f"428 patients of {CLINIC}: share of the dropouts in care for at most half of"
        " the scheduled sessions",
        statistic="dropout-early",
    ),
    Pattern(
        id="alliance-dropout-gap", role="check", reason=WHY_CHECK,
        what="Early patient-rated alliance higher in completers than in dropouts",
        source="Sharf J, Primavera LH, Diener MJ (2010). Dropout and therapeutic alliance: a"
        " meta-analysis of adult individual psychotherapy. Psychotherapy 47(4):637–645",
        published="d = 0.55 (11 studies, N = 1,301)",
        provenance="deepdyve.com/lp/doc/vNG0CV8b7a ; scite.ai/reports/dropout-and-therapeutic"
        "-alliance-a-kl9bDw",
        low=0.3, high=0.8, unit="Cohen's d", judged_by="mean", n=1301,
        design=f"1,301 patients of {CLINIC} with a session-2 WAI-SR: (completers − dropouts)"
        " / pooled SD",
        statistic="alliance-dropout-gap",
    ),
    # --- the measurement model --------------------------------------------------------------------
    Pattern(
        id="wai-patient-level", role="target", reason=WHY_MEASUREMENT_TARGET,
        what="Patient-rated WAI-SR after the third visit, mean",
        source=LAMBERS, published="49.14 of 60 (item mean 4.10; n = 183)",
        provenance=LAMBERS_FOUND,
        low=46.5, high=51.5, unit="points of 12–60", judged_by="interval", n=183,
        design=f"183 patients of {CLINIC} who attended session 3, one from each of 183"
        " clinics (as the survey took one dyad per chiropractor): mean of 12 × the WAI-SR"
        " item mean",
        statistic="wai-patient-level",
    ),
    Pattern(
        id="wai-patient-sd", role="target", reason=WHY_MEASUREMENT_TARGET,
        what="Patient-rated WAI-SR after the third visit, SD between patients",
        source=LAMBERS, published="7.12 of 60 (item SD 0.59; n = 183)",
        provenance=LAMBERS_FOUND,
        low=5.5, high=8.5, unit="points of 12–60", judged_by="interval", n=183,
        design="the same studies: SD of the 12–60 totals",
        statistic="wai-patient-sd",
    ),
    Pattern(
        id="wai-therapist-level", role="target", reason=WHY_MEASUREMENT_TARGET,
        what="Clinician-rated WAI-SR after the third visit, mean",
        source=LAMBERS, published="50.48 of 60 (n = 202)",
        provenance=LAMBERS_FOUND,
        low=47.5, high=53.5, unit="points of 12–60", judged_by="interval", n=202,
        design=f"202 patients of {CLINIC} who attended session 3, one from each of 202"
        " clinics (one dyad per clinician): mean of the therapists' 12–60 totals",
        statistic="wai-therapist-level",
    ),
    Pattern(
        id="wai-therapist-sd", role="check", reason=WHY_CHECK,
        what="Clinician-rated WAI-SR after the third visit, SD (smaller than the patients')",
        source=LAMBERS, published="4.97 of 60 (n = 202)",
        provenance=LAMBERS_FOUND,
        low=3.5, high=6.5, unit="points of 12–60", judged_by="interval", n=202,
        design="the same studies: SD of the therapists' 12–60 totals",
        statistic="wai-therapist-sd",
    ),
    Pattern(
        id="wai-agreement", role="target", reason=WHY_MEASUREMENT_TARGET,
        what="Patient–clinician agreement within dyads (poor)",
        source=LAMBERS, published="ICC = 0.13 (n = 183)",
        provenance=LAMBERS_FOUND,
        low=0.0, high=0.30, unit="ICC", judged_by="interval", n=183,
        design=f"183 dyads of {CLINIC} at session 3, one from each of 183 clinics: ICC(A,1),"
        " two-way, absolute agreement, of the patient's and the therapist's totals",
        statistic="wai-agreement",
    ),
    Pattern(
        id="wai-ceiling", role="target", reason=WHY_MEASUREMENT_TARGET,
        what="Patient-rated WAI-SR at the maximum score (a ceiling effect)",
        source=ARAUJO + "; criterion > 15%: Terwee et al. 2007; Paap D, Schrier E, Dijkstra PU"
        " (2020). Reducing ceiling effects in the Working Alliance Inventory-Rehabilitation"
        " Dutch Version. Disabil Rehabil 42(20):2944–2950",
        published="> 15% of patients at the maximum (Araujo, n = 100); no ceiling (< 15%) on the"
        " total but 18–30% per domain (Paap, n = 152)",
        provenance=ARAUJO_FOUND + " (the exact share is not in the abstract);"
        " informahealthcare.com/doi/abs/10.1080/09638288.2018.1563833 (Paap); the two studies"
        " bracket the share, so the tolerance spans both",
        low=0.10, high=0.35, unit="share of patients", judged_by="mean", n=100,
        design=f"100 patients of {CLINIC} with a session-2 WAI-SR: share at 60 of 60",
        statistic="wai-ceiling",
    ),
    Pattern(
        id="wai-bond-highest", role="check", reason=WHY_CHECK,
        what="Bond is the highest-rated subscale, for patients and for clinicians",
        source=LAMBERS + "; Paap D, Schrier E, Dijkstra PU (2020). Reducing ceiling effects in"
        " the Working Alliance Inventory-Rehabilitation Dutch Version. Disabil Rehabil"
        " 42(20):2944–2950",
        published="bond highest for both raters; bond 29.8% vs goal 18.0% at the maximum",
        provenance=LAMBERS_FOUND + " (discussion) ; informahealthcare.com/doi/abs/10.1080"
        "/09638288.2018.1563833",
        low=0.0, high=INF, unit="item points", judged_by="interval", n=183,
        design=f"183 dyads of {CLINIC} at session 3: the smallest of bond − goal and"
        " bond − task subscale means, over both raters",
        statistic="wai-bond-highest",
    ),
    Pattern(
        id="wai-change", role="check", reason=WHY_CHECK,
        what="Patient-rated alliance changes little once formed (session 2 to the last)",
        source=ARAUJO, published="ES = 0.15 (84% CI 0.04–0.29; n = 100)",
        provenance=ARAUJO_FOUND,
        low=0.0, high=0.35, unit="standardised change", judged_by="interval", n=100,
        design=f"100 patients of {CLINIC} with forms at session 2 and the last: mean change"
        " / SD at session 2",
        statistic="wai-change",
    ),
    Pattern(
        id="patient-vs-therapist", role="check", reason=WHY_CHECK,
        what="Patient and therapist ratings predict outcome about equally (patient ≥ therapist)",
        source="Martin DJ, Garske JP, Davis MK (2000). Relation of the therapeutic alliance"
        " with outcome and other variables: a meta-analytic review. J Consult Clin Psychol"
        " 68(3):438–450; Lawford BJ, et al. (2021). JMIR Rehabil Assist Technol 8(1):e23386",
        published="no difference between raters (Martin); patient weakly ≥ therapist (Lawford)",
        provenance="online.flippingbook.com/view/92600378/195 ; rehab.jmir.org/2021/1/e23386;"
        " study size 2,000 (the meta-analyses pool far more: a smaller study widens the interval)",
        low=-0.05, high=0.15, unit="difference in Spearman ρ", judged_by="interval", n=2000,
        design=f"2,000 patients of {CLINIC} with a session-2 form: ρ(patient WAI-SR, GPE) −"
        " ρ(therapist WAI-SR, GPE)",
        statistic="patient-vs-therapist",
    ),
    Pattern(
        id="paternalistic-vs-shared", role="check", reason=WHY_CHECK,
        what="A paternalistic clinic scores lower on the patient WAI-SR than a shared-power one",
        source="Beneciuk JM, Brown-Taylor L, Alodaibi F, et al. (2021). Patient- and physical"
        " therapist-level predictors of patient-reported therapeutic alliance. Arch Phys Med"
        " Rehabil 102(12):2335–2342",
        published="+0.56 to +0.74 WAI-SR points per point of power-sharing confidence (n = 441)",
        provenance="archives-pmr.org/article/S0003-9993(21)00506-2/fulltext; the 2–7 point"
        " tolerance from the literature notes",
        low=2.0, high=7.0, unit="points of 12–60", judged_by="interval", n=220,
        design="220 patients per arm of the built-in scenarios shared-power and paternalistic"
        " (WAI-SR at the last session): difference of the mean 12–60 totals",
        statistic="paternalistic-vs-shared",
    ),
    # --- adherence ---------------------------------------------------------------------------------
    Pattern(
        id="adherence-mean", role="check", reason=WHY_CHECK,
        what="Mean share of the home programme done",
        source=MEDINA + "; a physiotherapy RCT's logbook table (BMJ Open)",
        published="frequency 60.7%, duration 70.9% (n = 184); logbooks 55.8–62.8%",
        provenance=MEDINA_FOUND + " ; bmjopen.bmj.com highwire table 196087",
        low=0.50, high=0.72, unit="share of the programme", judged_by="interval", n=184,
        design=f"184 patients of {CLINIC}: mean of each patient's adherence while in care",
        statistic="adherence-mean",
    ),
    Pattern(
        id="adherence-sd", role="check", reason=WHY_CHECK,
        what="Between-patient SD of home-exercise adherence",
        source=MEDINA + "; a physiotherapy RCT's logbook table (BMJ Open)",
        published="SD 19.4–27.7 percentage points (logbooks)",
        provenance="bmjopen.bmj.com highwire table 196087; study size Medina-Mirapeix's 184 (the"
        " logbook arms of 22 would give an interval as wide as the tolerance)",
        low=0.15, high=0.30, unit="share of the programme", judged_by="interval", n=184,
        design="the same studies: SD of the patients' adherence",
        statistic="adherence-sd",
    ),
    Pattern(
        id="adherence-slope", role="check", reason=WHY_CHECK,
        what="Home-exercise adherence does not rise over the episode",
        source="Nicolson PJA, Hinman RS, Kasza J, Bennell KL (2018). Trajectories of adherence"
        " to home-based exercise programs among people with knee osteoarthritis. Osteoarthritis"
        " Cartilage 26(4):513–521; Pisters MF, et al. (2010). Arthritis Care Res 62(8):1087–1094",
        published="declining trajectories in 93% (n = 331–341); no source shows a rise",
        provenance="research.monash.edu (Nicolson abstract) ; nivel.nl (Pisters)",
        low=-INF, high=0.01, unit="per session (week)", judged_by="interval", n=331,
        design=f"331 patients of {CLINIC}: OLS slope of the mean adherence of the patients in"
        " care on the session number",
        statistic="adherence-slope",
    ),
    Pattern(
        id="self-efficacy-adherence", role="check", reason=WHY_CHECK,
        what="Self-efficacy goes with adherence",
        source=MANNION + "; " + MEDINA,
        published="ρ = 0.36 (n = 32); self-efficacy predicted adherence (n = 184)",
        provenance=MANNION_FOUND + " ; " + MEDINA_FOUND + "; study size 184 (Mannion's 32"
        " would give an interval wider than the tolerance)",
        low=0.15, high=0.55, unit="Spearman ρ", judged_by="interval", n=184,
        design=f"184 patients of {CLINIC}: ρ(baseline self-efficacy, adherence)",
        statistic="self-efficacy-adherence",
    ),
    Pattern(
        id="adherence-pain", role="check", reason=WHY_CHECK,
        what="More adherent patients have more pain reduction",
        source=MANNION + "; Pisters MF, et al. (2010). Arthritis Care Res 62(8):1087–1094",
        published="ρ = 0.54 (n = 32)",
        provenance=MANNION_FOUND + "; study size Pisters's 150 (Mannion's 32 would give an"
        " interval wider than the tolerance)",
        low=0.25, high=0.70, unit="Spearman ρ", judged_by="interval", n=150,
        design=f"150 patients of {CLINIC}: ρ(adherence, pain reduction over the episode)",
        statistic="adherence-pain",
    ),
    Pattern(
        id="adherence-disability", role="check", reason=WHY_CHECK,
        what="More adherent patients have more disability reduction",
        source=MANNION + "; Pisters MF, et al. (2010). Arthritis Care Res 62(8):1087–1094",
        published="ρ = 0.38 (n = 32)",
        provenance=MANNION_FOUND + "; study size Pisters's 150 (Mannion's 32 would give an"
        " interval wider than the tolerance)",
        low=0.15, high=0.60, unit="Spearman ρ", judged_by="interval", n=150,
        design=f"150 patients of {CLINIC}: ρ(adherence, disability reduction over the episode)",
        statistic="adherence-disability",
    ),
    # --- psychosocial load, pain and disability ------------------------------------------------
    Pattern(
        id="load-disability", role="check", reason=WHY_CHECK,
        what="At baseline, psychosocial load goes with disability (moderate)",
        source=COMACHIO + "; Zale EL, Lange KL, Fields SA, Ditre JW (2013). The relation"
        " between pain-related fear and disability: a meta-analysis. J Pain 14(10):1019–1030",
        published="TSK–RMDQ r = 0.399 (n = 132); meta-analysis: moderate to large",
        provenance=COMACHIO_FOUND + " ; zhixidata.com/details/1/868856382",
        low=0.25, high=0.55, unit="Pearson r", judged_by="interval", n=132,
        design=f"132 patients of {CLINIC}: r(baseline load, baseline disability)",
        statistic="load-disability",
    ),
    Pattern(
        id="load-pain", role="check", reason=WHY_CHECK,
        what="At baseline, psychosocial load goes with pain only weakly",
        source=COMACHIO + "; Markfelder T, Pauli P (2020). Fear of pain and pain intensity:"
        " meta-analysis and systematic review. Psychol Bull 146(5):411–450",
        published="TSK–NRS r = 0.187 (n = 132); meta-analysis: small to medium",
        provenance=COMACHIO_FOUND + " ; en.x-mol.com/paper/article/1294138289218527232",
        low=0.05, high=0.35, unit="Pearson r", judged_by="interval", n=132,
        design=f"132 patients of {CLINIC}: r(baseline load, baseline pain)",
        statistic="load-pain",
    ),
    Pattern(
        id="load-disability-over-pain", role="check", reason=WHY_CHECK,
        what="Load is tied more to disability than to pain",
        source=COMACHIO,
        published="r 0.399 (disability) vs 0.187 (pain)",
        provenance=COMACHIO_FOUND,
        low=0.0, high=INF, unit="difference in r", judged_by="interval", n=132,
        design="the same studies: r(load, disability) − r(load, pain)",
        statistic="load-disability-over-pain",
    ),
    Pattern(
        id="pain-disability", role="check", reason=WHY_CHECK,
        what="At baseline, pain and disability are moderately correlated (not ≈ 1)",
        source="Kovacs FM, et al. (2004). Correlation between pain, disability, and quality of"
        " life in patients with common low back pain. Spine 29(2):206–210",
        published="VAS–RMDQ r = 0.347 (day 1) to 0.570 (day 15; n = 195)",
        provenance="metajournal.com/articles/205421 ; hqlo.biomedcentral.com/articles/10.1186"
        "/s12955-020-01403-2/tables/3",
        low=0.30, high=0.60, unit="Pearson r", judged_by="interval", n=195,
        design=f"195 patients of {CLINIC}: r(baseline pain, baseline disability)",
        statistic="pain-disability",
    ),
    Pattern(
        id="load-slows-recovery", role="check", reason=WHY_CHECK,
        what="High baseline load: more patients still disabled at the end of the episode",
        source="Picavet HSJ, Vlaeyen JWS, Schouten JSAG (2002). Pain catastrophizing and"
        " kinesiophobia: predictors of chronic low back pain. Am J Epidemiol 156(11):1028–1034;"
        " Wertli MM, et al. (2014). Spine J 14(11):2639–2657",
        published="OR 3.0 (1.7–5.4) for LBP with disability at 6 months",
        provenance="pubmed.ncbi.nlm.nih.gov/12446259 ; integrative-archives.com (Wertli"
        " abstract); 'with disability' as more than the ODI's minimal-disability band (0–20%;"
        " Fairbank & Pynsent 2000, Spine 25(22); read at asir-journal.biomedcentral.com/"
        "articles/10.1186/1750-1164-7-12/tables/1)",
        low=1.7, high=5.4, unit="odds ratio", judged_by="mean", n=1571,
        design=f"1,571 patients of {CLINIC}: odds ratio, top third of baseline load vs the"
        " rest, of disability above 20 (more than minimal) at the end of the episode, as"
        " Picavet's outcome is a state at follow-up; the model's expected odds ratio is judged",
        statistic="load-slows-recovery",
    ),
    # --- exercise, outcomes and their relations --------------------------------------------------
    Pattern(
        id="exercise-pain", role="target", reason=WHY_EXERCISE_TARGET,
        what="Exercise vs no exercise: difference in pain at the end of the episode",
        source=HAYDEN,
        published="15 points better (12–18; 35 studies, 2,746 participants)",
        provenance=HAYDEN_FOUND,
        low=-20.0, high=-10.0, unit="mm", judged_by="mean", n=1373,
        design="1,373 patients per arm (the pooled participants / 2): the default clinic minus"
        " the same clinic with exercise_effect = 0, mean final pain",
        statistic="exercise-pain",
    ),
    Pattern(
        id="exercise-disability", role="check", reason=WHY_CHECK,
        what="Exercise vs no exercise: difference in disability at the end of the episode",
        source=HAYDEN,
        published="7 points better (5–8; 38 studies, 2,942 participants)",
        provenance=HAYDEN_FOUND,
        low=-10.0, high=-4.0, unit="points of 0–100", judged_by="mean", n=1471,
        design="1,471 patients per arm: the default clinic minus the same clinic with"
        " exercise_effect = 0, mean final disability",
        statistic="exercise-disability",
    ),
    Pattern(
        id="alliance-outcome", role="check", reason=WHY_CHECK,
        what="The early patient-rated alliance correlates with improvement",
        source="Flückiger C, Del Re AC, Wampold BE, Horvath AO (2018). The alliance in adult"
        " psychotherapy: a meta-analytic synthesis. Psychotherapy 55(4):316–340; Holmes MB,"
        " Jackson G, George SZ (2024). Arch Phys Med Rehabil 105(8):1471–1479",
        published="r = .278 [.256, .299] (> 30,000 patients); physiotherapy r up to .34 (n = 100)",
        provenance="docslib.org/doc/2485492 ; zora.uzh.ch/id/eprint/157613 ;"
        " discovery.researcher.life/article/…/f097f8069ef137b7a3f8bae1945f29e6; study size"
        " 2,000 (the meta-analysis pools far more: a smaller study widens the interval)",
        low=0.15, high=0.38, unit="Pearson r", judged_by="mean", n=2000,
        design=f"2,000 patients of {CLINIC} with a session-2 form: r(patient WAI-SR,"
        " disability reduction over the episode)",
        statistic="alliance-outcome",
    ),
    Pattern(
        id="gpe-explained", role="check", reason=WHY_CHECK,
        what="Global perceived effect explained by the change in pain and disability",
        source="Musculoskelet Sci Pract, prospective cohort of chronic low back pain in"
        " physiotherapy (authors and year not shown in the excerpt)",
        published="R² 0.21–0.36 (n = 183)",
        provenance="scribd mirror of the article (literature notes, clinical §6)",
        low=0.15, high=0.45, unit="R²", judged_by="interval", n=183,
        design=f"183 patients of {CLINIC}: R² of OLS GPE ~ pain change + disability change",
        statistic="gpe-explained",
    ),
    Pattern(
        id="pain-change-6wk", role="check", reason=WHY_CHECK,
        what="Typical pain change over the first six weeks of care",
        source="Menezes Costa LC, Maher CG, Hancock MJ, et al. (2012). The prognosis of acute"
        " and persistent low-back pain: a meta-analysis. CMAJ 184(11):E613–E624",
        published="51 → 33 of 100 at 6 weeks (persistent LBP; 33 cohorts, 11,166 participants)",
        provenance="cmaj.ca/content/184/11/E613.full.txt; study size its mean cohort"
        " (11,166 / 33)",
        low=-25.0, high=-10.0, unit="mm", judged_by="interval", n=338,
        design=f"338 patients of {CLINIC}: mean pain after session 6 minus baseline",
        statistic="pain-change-6wk",
    ),
    Pattern(
        id="disability-change", role="target", reason=WHY_CHANGE_TARGET,
        what="Typical disability change over an episode of physiotherapy",
        source="Vibe Fersum K, et al. (2013). Eur J Pain 17(6):916–928; Hill JC, et al. (2011)."
        " Lancet 378:1560–1571",
        published="ODI −13.7 (CB-CFT) and −5.5 (manual therapy + exercise; n = 121)",
        provenance="researchgate.net/publication/233840064 ; pubmed.ncbi.nlm.nih.gov/23208945 ;"
        " pmc.ncbi.nlm.nih.gov/articles/PMC3208163",
        low=-15.0, high=-5.0, unit="points of 0–100", judged_by="interval", n=121,
        design=f"121 patients of {CLINIC}: mean disability change over the episode",
        statistic="disability-change",
    ),
    Pattern(
        id="disability-change-sd", role="target", reason=WHY_CHANGE_TARGET,
        what="Spread of the disability change between patients",
        source="Hill JC, et al. (2011). Comparison of stratified primary care management for low"
        " back pain with current best practice (STarT Back). Lancet 378:1560–1571",
        published="RMDQ change SD 5.9 of 24 (≈ 25 of 100)",
        provenance="pmc.ncbi.nlm.nih.gov/articles/PMC3208163; the 10–25 tolerance from the"
        " literature notes",
        low=10.0, high=25.0, unit="points of 0–100", judged_by="interval", n=121,
        design="the same studies: SD of the disability change",
        statistic="disability-change-sd",
    ),
)  # fmt: skip
"""Every pattern, in report order."""


def _check_catalogue(patterns: tuple[Pattern, ...]) -> None:
    """Refuse a malformed catalogue at import (as the parameter schema does)."""
    ids = [p.id for p in patterns]
    if len(set(ids)) != len(ids):
        raise TypeError(f"pattern ids are not unique: {sorted(i for i in ids if ids.count(i) > 1)}")
    for p in patterns:
        if p.role not in ROLES:
            raise TypeError(f"pattern {p.id}: role {p.role!r} is not one of {sorted(ROLES)}")
        if p.judged_by not in RULES:
            raise TypeError(
                f"pattern {p.id}: judged_by {p.judged_by!r} is not one of {sorted(RULES)}"
            )
        if not p.low < p.high:
            raise TypeError(f"pattern {p.id}: tolerance {p.low} to {p.high} is empty")
        if p.judged_by == "share" and not (0.0 < p.low <= 1.0 and p.high == 1.0):
            raise TypeError(f"pattern {p.id}: a share rule needs 0 < low ≤ 1 and high = 1")
        texts = (p.reason, p.what, p.source, p.published, p.provenance, p.unit, p.design)
        if not all(texts) or p.n < 2:
            raise TypeError(f"pattern {p.id}: every text and a study size ≥ 2 are required")
    if 2 * sum(p.role == "target" for p in patterns) > len(patterns):
        raise TypeError("more than half of the patterns are calibration targets")


_check_catalogue(PATTERNS)


def targets() -> tuple[Pattern, ...]:
    """The calibration targets, in report order."""
    return tuple(p for p in PATTERNS if p.role == "target")


def checks() -> tuple[Pattern, ...]:
    """The out-of-sample checks, in report order."""
    return tuple(p for p in PATTERNS if p.role == "check")


def pattern(pattern_id: str) -> Pattern:
    """The pattern called ``pattern_id``.

    Raises:
        KeyError: naming the known ids.
    """
    for p in PATTERNS:
        if p.id == pattern_id:
            return p
    raise KeyError(f"no pattern {pattern_id!r}; known: {', '.join(p.id for p in PATTERNS)}")
