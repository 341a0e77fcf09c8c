"""What the data collector records: small named measurement functions.

``MODEL_REPORTERS`` are clinic-level measurements per session (alliance,
self-efficacy, adherence and attendance over the patients still in care; pain,
disability and dropout over all patients); ``PATIENT_REPORTERS`` are the patient attributes
recorded per session — the columns of the sessions table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_sim.model import ClinicModel

__all__ = [
    "CLINIC_MEANS",
    "MODEL_REPORTERS",
    "PATIENT_REPORTERS",
    "attendance_rate",
    "dropout_share",
    "mean_adherence",
    "mean_alliance",
    "mean_bond",
    "mean_disability",
    "mean_goal_agreement",
    "mean_pain_mm",
    "mean_self_efficacy",
    "mean_task_agreement",
]


CLINIC_MEANS: dict[str, tuple[str, str]] = {
    "goal_agreement": ("goal_agreement", "in_care"),
    "task_agreement": ("task_agreement", "in_care"),
    "bond": ("bond", "in_care"),
    "alliance": ("alliance", "in_care"),
    "self_efficacy": ("self_efficacy", "in_care"),
    "adherence": ("adherence", "in_care"),
    "attendance": ("attended", "in_care"),
    "dropout": ("dropped_out", "all"),
    "pain_mm": ("pain_mm", "all"),
    "disability": ("disability", "all"),
}
"""Each clinic-level measure: (patient attribute averaged, over which patients).

``"in_care"`` = the patients who have not dropped out; ``"all"`` = every
patient. The agent engine's reporters below and the cohort engine both read
this table.
"""


def _clinic_mean(model: ClinicModel, measure: str) -> float:
    attribute, over = CLINIC_MEANS[measure]
    patients = model.patients_in_order
    if over == "in_care":
        patients = [p for p in patients if not p.dropped_out]
    values = [float(getattr(p, attribute)) for p in patients]
    return sum(values) / len(values) if values else float("nan")


def session(model: ClinicModel) -> int:
    """The session number."""
    return model.session


def mean_goal_agreement(model: ClinicModel) -> float:
    """Mean goal agreement of the patients still in care."""
    return _clinic_mean(model, "goal_agreement")


def mean_task_agreement(model: ClinicModel) -> float:
    """Mean task agreement of the patients still in care."""
    return _clinic_mean(model, "task_agreement")


def mean_bond(model: ClinicModel) -> float:
    """Mean bond of the patients still in care."""
    return _clinic_mean(model, "bond")


def mean_alliance(model: ClinicModel) -> float:
    """Mean overall alliance of the patients still in care."""
    return _clinic_mean(model, "alliance")


def mean_self_efficacy(model: ClinicModel) -> float:
    """Mean self-efficacy of the patients still in care."""
    return _clinic_mean(model, "self_efficacy")


def mean_adherence(model: ClinicModel) -> float:
    """Mean home-exercise adherence of the patients still in care."""
    return _clinic_mean(model, "adherence")


def attendance_rate(model: ClinicModel) -> float:
    """Share of the patients still in care who attended this session."""
    return _clinic_mean(model, "attendance")


def dropout_share(model: ClinicModel) -> float:
    """Share of all patients who have dropped out so far."""
    return _clinic_mean(model, "dropout")


def mean_pain_mm(model: ClinicModel) -> float:
    """Mean pain of all patients (mm)."""
    return _clinic_mean(model, "pain_mm")


def mean_disability(model: ClinicModel) -> float:
    """Mean disability of all patients (0–100)."""
    return _clinic_mean(model, "disability")


MODEL_REPORTERS: dict[str, Callable[[ClinicModel], float]] = {
    "session": session,
    "goal_agreement": mean_goal_agreement,
    "task_agreement": mean_task_agreement,
    "bond": mean_bond,
    "alliance": mean_alliance,
    "self_efficacy": mean_self_efficacy,
    "adherence": mean_adherence,
    "attendance": attendance_rate,
    "dropout": dropout_share,
    "pain_mm": mean_pain_mm,
    "disability": mean_disability,
}
"""Clinic-level measurements per session (the model table's columns)."""

PATIENT_REPORTERS: dict[str, str] = {
    name: name
    for name in (
        "session",
        "patient_id",
        "therapist_id",
        "attended",
        "dropped_out",
        "goal_agreement",
        "task_agreement",
        "bond",
        "collaborative",
        "alliance",
        "ruptured",
        "self_efficacy",
        "adherence",
        "pain_before_mm",
        "pain_after_mm",
        "relief_mm",
        "pain_mm",
        "disability",
        "function",
        "psychosocial_load",
        "gpe",
        "wai_patient_goal",
        "wai_patient_task",
        "wai_patient_bond",
        "wai_patient_total",
        "wai_therapist_goal",
        "wai_therapist_task",
        "wai_therapist_bond",
        "wai_therapist_total",
        "watoci_patient",
    )
}
"""Patient attributes recorded each session (the sessions table's columns)."""
