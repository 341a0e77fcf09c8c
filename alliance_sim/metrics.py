"""Run-level outcome metrics: their definitions, and the summary of one run.

A metric's name is the column name everywhere (run tables, ``compare``
output, sweeps). :func:`summarise` computes them from the patients table, so
every engine that produces that table reports the same metrics.

End-of-episode outcomes (pain, disability, function, global perceived
effect) include the patients who dropped out, followed up at the end of the
episode as in an intention-to-treat analysis; the alliance metrics use each
patient's last value in care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["COMPARE_METRICS", "FULL_ADHERENCE", "METRICS", "Metric", "summarise"]

FULL_ADHERENCE = 0.8
"""Mean weekly adherence at or above which a patient counts as fully adherent."""


@dataclass(frozen=True)
class Metric:
    """An outcome of a run: its label, unit and definition."""

    name: str
    label: str
    unit: str
    definition: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "goal_agreement",
            "Goal agreement",
            "0–1",
            "mean over patients of goal agreement at their last session in care",
        ),
        Metric(
            "task_agreement",
            "Task agreement",
            "0–1",
            "mean over patients of task agreement at their last session in care",
        ),
        Metric(
            "bond", "Bond", "0–1", "mean over patients of the bond at their last session in care"
        ),
        Metric(
            "collaborative",
            "Collaborative alliance",
            "0–1",
            "mean of (goal + task) / 2 at the last session in care",
        ),
        Metric(
            "alliance",
            "Overall alliance",
            "0–1",
            "mean of (goal + task + bond) / 3 at the last session in care",
        ),
        Metric(
            "self_efficacy", "Self-efficacy", "0–1", "mean self-efficacy at the end of the episode"
        ),
        Metric(
            "adherence",
            "Home-exercise adherence",
            "share",
            "mean over patients of the share of the home programme done per week in care",
        ),
        Metric(
            "not_fully_adherent",
            "Not fully adherent",
            "share of patients",
            f"share of patients whose mean weekly adherence is below {FULL_ADHERENCE}",
        ),
        Metric(
            "attendance",
            "Attendance",
            "share",
            "mean over patients of sessions attended / sessions scheduled while in care",
        ),
        Metric(
            "missed_any",
            "Missed a visit",
            "share of patients",
            "share of patients who missed at least one session while in care",
        ),
        Metric(
            "dropout",
            "Dropout",
            "share of patients",
            "share of patients who dropped out before the last session",
        ),
        Metric("pain_mm", "Pain", "mm (0–100)", "mean pain at the end of the episode"),
        Metric(
            "pain_change_mm",
            "Pain change",
            "mm",
            "mean change of pain from baseline to the end (negative = better)",
        ),
        Metric(
            "first_session_relief_mm",
            "First-session relief",
            "mm",
            "mean pain relief within the first session (before − after)",
        ),
        Metric("disability", "Disability", "0–100", "mean disability at the end of the episode"),
        Metric(
            "disability_change",
            "Disability change",
            "points",
            "mean change of disability from baseline (negative = better)",
        ),
        Metric(
            "function",
            "Function",
            "0–10",
            "mean patient-specific function at the end of the episode",
        ),
        Metric(
            "function_change",
            "Function change",
            "points",
            "mean change of function from baseline (positive = better)",
        ),
        Metric(
            "gpe",
            "Global perceived effect",
            "−5..+5",
            "mean global perceived effect at the last session",
        ),
        Metric(
            "ruptures", "Ruptures", "per patient", "mean number of alliance ruptures per patient"
        ),
        Metric(
            "wai_patient",
            "WAI-SR, patient-rated",
            "1–5",
            "mean total score of the patient's first completed WAI-SR",
        ),
        Metric(
            "wai_therapist",
            "WAI-SR, therapist-rated",
            "1–5",
            "mean total score of the therapist's first completed WAI-SR",
        ),
        Metric(
            "wai_patient_ceiling",
            "WAI-SR patient ceiling",
            "share of forms",
            "share of first patient WAI-SR forms with the maximum possible score",
        ),
        Metric(
            "watoci_patient",
            "WATOCI-9, patient-rated",
            "1–7",
            "mean score of the patient's first completed WATOCI-9",
        ),
    )
}
"""Every run-level metric, by name, in display order."""

COMPARE_METRICS: tuple[str, ...] = (
    "goal_agreement",
    "task_agreement",
    "bond",
    "alliance",
    "adherence",
    "attendance",
    "dropout",
    "pain_mm",
    "disability",
    "gpe",
    "wai_patient",
    "wai_therapist",
)
"""The metrics ``compare`` prints by default."""


def _mean(series: pd.Series) -> float:
    values = series.dropna()
    return float(values.mean()) if len(values) else float("nan")


def summarise(patients: pd.DataFrame) -> dict[str, float]:
    """The run-level metrics (see :data:`METRICS`) from a patients table."""
    wai_max = 5.0
    first_wai = patients["wai_patient"].dropna()
    out = {
        "goal_agreement": _mean(patients["goal_agreement"]),
        "task_agreement": _mean(patients["task_agreement"]),
        "bond": _mean(patients["bond"]),
        "collaborative": _mean(patients["collaborative"]),
        "alliance": _mean(patients["alliance"]),
        "self_efficacy": _mean(patients["self_efficacy"]),
        "adherence": _mean(patients["adherence"]),
        "not_fully_adherent": _mean(1.0 - patients["fully_adherent"].astype(float)),
        "attendance": _mean(patients["attendance"]),
        "missed_any": _mean(patients["missed_any"].astype(float)),
        "dropout": _mean(patients["dropped_out"].astype(float)),
        "pain_mm": _mean(patients["pain_mm"]),
        "pain_change_mm": _mean(patients["pain_change_mm"]),
        "first_session_relief_mm": _mean(patients["first_session_relief_mm"]),
        "disability": _mean(patients["disability"]),
        "disability_change": _mean(patients["disability_change"]),
        "function": _mean(patients["function"]),
        "function_change": _mean(patients["function_change"]),
        "gpe": _mean(patients["gpe"]),
        "ruptures": _mean(patients["n_ruptures"].astype(float)),
        "wai_patient": _mean(patients["wai_patient"]),
        "wai_therapist": _mean(patients["wai_therapist"]),
        "wai_patient_ceiling": float(np.mean(first_wai >= wai_max))
        if len(first_wai)
        else float("nan"),
        "watoci_patient": _mean(patients["watoci_patient"]),
    }
    return out
