"""Run-level outcome metrics: their definitions, and the summary of one run.

A metric's name is the column name everywhere (run tables, ``compare``
output, sweeps). :func:`summarise_outcomes` computes them from per-patient
outcome arrays (one clinic or a stack of replicates) and :func:`summarise`
from a patients table, so every engine reports the same metrics.

End-of-episode outcomes (pain, disability, function, global perceived
effect) include the patients who dropped out, followed up at the end of the
episode as in an intention-to-treat analysis; the alliance metrics use each
patient's last value in care.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from alliance_sim.core.errors import ParameterError, shown

if TYPE_CHECKING:  # only an annotation: the metric names load without pandas (CLI --help)
    import pandas as pd

__all__ = [
    "COMPARE_METRICS",
    "FULL_ADHERENCE",
    "METRICS",
    "SUMMARY_INPUTS",
    "Metric",
    "check_metrics",
    "mean_over_patients",
    "summarise",
    "summarise_outcomes",
]

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


WAI_MAX = 5.0
"""The highest possible WAI-SR score (the ceiling)."""

SUMMARY_INPUTS: tuple[str, ...] = (
    "goal_agreement",
    "task_agreement",
    "bond",
    "collaborative",
    "alliance",
    "self_efficacy",
    "adherence",
    "fully_adherent",
    "attendance",
    "missed_any",
    "dropped_out",
    "pain_mm",
    "pain_change_mm",
    "first_session_relief_mm",
    "disability",
    "disability_change",
    "function",
    "function_change",
    "gpe",
    "n_ruptures",
    "wai_patient",
    "wai_therapist",
    "watoci_patient",
)
"""The per-patient outcome columns the metrics are computed from."""


def check_metrics(names: Iterable[str] | str, what: str = "metric") -> tuple[str, ...]:
    """``names`` (one metric's name, or several) as a tuple, each checked to be a metric.

    Raises:
        ParameterError: naming ``what`` and the value (a list or a table where a name
            is expected included), and listing the metrics.
    """
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, Iterable) or isinstance(names, bytes | Mapping):
        raise ParameterError(
            f"{what}s = {shown(names)} are not allowed: a list of metric names from "
            + ", ".join(METRICS)
        )
    checked = tuple(names)
    for name in checked:
        if not isinstance(name, str) or name not in METRICS:
            raise ParameterError(
                f"{what} = {shown(name)} is not allowed: one of " + ", ".join(METRICS)
            )
    if not checked:
        raise ParameterError(f"{what}s = [] is not allowed: give at least one metric")
    return checked


def mean_over_patients(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis (the patients), ignoring NaN; NaN where nothing is left."""
    x = np.asarray(values, dtype=float)
    ok = ~np.isnan(x)
    count = ok.sum(axis=-1)
    total = np.where(ok, x, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def summarise_outcomes(outcomes: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The run-level metrics (see :data:`METRICS`) from per-patient outcome arrays.

    ``outcomes`` holds the columns :data:`SUMMARY_INPUTS` of the patients
    table as arrays whose last axis is the patients (one clinic: shape (N,);
    replicates: (R, N)); each metric comes back with the leading shape
    (a 0-d array for one clinic).
    """
    o = {name: np.asarray(outcomes[name], dtype=float) for name in SUMMARY_INPUTS}
    first_wai = o["wai_patient"]
    at_ceiling = np.where(np.isnan(first_wai), np.nan, first_wai >= WAI_MAX)
    return {
        "goal_agreement": mean_over_patients(o["goal_agreement"]),
        "task_agreement": mean_over_patients(o["task_agreement"]),
        "bond": mean_over_patients(o["bond"]),
        "collaborative": mean_over_patients(o["collaborative"]),
        "alliance": mean_over_patients(o["alliance"]),
        "self_efficacy": mean_over_patients(o["self_efficacy"]),
        "adherence": mean_over_patients(o["adherence"]),
        "not_fully_adherent": mean_over_patients(1.0 - o["fully_adherent"]),
        "attendance": mean_over_patients(o["attendance"]),
        "missed_any": mean_over_patients(o["missed_any"]),
        "dropout": mean_over_patients(o["dropped_out"]),
        "pain_mm": mean_over_patients(o["pain_mm"]),
        "pain_change_mm": mean_over_patients(o["pain_change_mm"]),
        "first_session_relief_mm": mean_over_patients(o["first_session_relief_mm"]),
        "disability": mean_over_patients(o["disability"]),
        "disability_change": mean_over_patients(o["disability_change"]),
        "function": mean_over_patients(o["function"]),
        "function_change": mean_over_patients(o["function_change"]),
        "gpe": mean_over_patients(o["gpe"]),
        "ruptures": mean_over_patients(o["n_ruptures"]),
        "wai_patient": mean_over_patients(first_wai),
        "wai_therapist": mean_over_patients(o["wai_therapist"]),
        "wai_patient_ceiling": mean_over_patients(at_ceiling),
        "watoci_patient": mean_over_patients(o["watoci_patient"]),
    }


def summarise(patients: pd.DataFrame) -> dict[str, float]:
    """The run-level metrics (see :data:`METRICS`) from a patients table."""
    outcomes = {
        name: patients[name].to_numpy(dtype=float, na_value=np.nan) for name in SUMMARY_INPUTS
    }
    return {name: float(value) for name, value in summarise_outcomes(outcomes).items()}
