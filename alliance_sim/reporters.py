"""What the data collector records: small named measurement functions.

``MODEL_REPORTERS`` are clinic-level measurements per session (alliance,
self-efficacy, adherence and attendance over the patients still in care; pain,
disability and dropout over all patients); ``PATIENT_REPORTERS`` are the patient attributes
recorded per session — the columns of the sessions table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance_sim.model import ClinicModel

__all__ = [
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


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _in_care(model: ClinicModel) -> list[Any]:
    return [p for p in model.patients_in_order if not p.dropped_out]


def session(model: ClinicModel) -> int:
    """The session number."""
    return model.session


def mean_goal_agreement(model: ClinicModel) -> float:
    """Mean goal agreement of the patients still in care."""
    return _mean([p.goal_agreement for p in _in_care(model)])


def mean_task_agreement(model: ClinicModel) -> float:
    """Mean task agreement of the patients still in care."""
    return _mean([p.task_agreement for p in _in_care(model)])


def mean_bond(model: ClinicModel) -> float:
    """Mean bond of the patients still in care."""
    return _mean([p.bond for p in _in_care(model)])


def mean_alliance(model: ClinicModel) -> float:
    """Mean overall alliance of the patients still in care."""
    return _mean([p.alliance for p in _in_care(model)])


def mean_self_efficacy(model: ClinicModel) -> float:
    """Mean self-efficacy of the patients still in care."""
    return _mean([p.self_efficacy for p in _in_care(model)])


def mean_adherence(model: ClinicModel) -> float:
    """Mean home-exercise adherence of the patients still in care."""
    return _mean([p.adherence for p in _in_care(model)])


def attendance_rate(model: ClinicModel) -> float:
    """Share of the patients still in care who attended this session."""
    return _mean([float(p.attended) for p in _in_care(model)])


def dropout_share(model: ClinicModel) -> float:
    """Share of all patients who have dropped out so far."""
    return _mean([float(p.dropped_out) for p in model.patients_in_order])


def mean_pain_mm(model: ClinicModel) -> float:
    """Mean pain of all patients (mm)."""
    return _mean([p.pain_mm for p in model.patients_in_order])


def mean_disability(model: ClinicModel) -> float:
    """Mean disability of all patients (0–100)."""
    return _mean([p.disability for p in model.patients_in_order])


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
