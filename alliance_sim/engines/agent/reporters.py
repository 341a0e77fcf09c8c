"""What the data collector records, built from the output schema.

``MODEL_REPORTERS`` are the clinic-level measurements per session — one small
named function per column of :data:`~alliance_sim.records.columns.CLINIC_COLUMNS`,
averaging the patient attribute that :data:`~alliance_sim.records.columns.CLINIC_MEANS`
names over the patients it names; ``PATIENT_REPORTERS`` are the patient attributes
recorded per session, the columns of the sessions table
(:data:`~alliance_sim.records.columns.SESSION_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from alliance_sim.records.columns import CLINIC_MEANS, SESSION_COLUMNS

if TYPE_CHECKING:
    from alliance_sim.engines.agent.model import ClinicModel

__all__ = ["MODEL_REPORTERS", "PATIENT_REPORTERS", "clinic_mean", "session"]

Reporter = Callable[["ClinicModel"], float]


def session(model: ClinicModel) -> int:
    """The session number."""
    return model.session


def clinic_mean(measure: str) -> Reporter:
    """The reporter of the clinic-level ``measure``: its attribute's mean over its patients.

    ``mean_bond(model)`` is the mean bond of the patients still in care;
    ``mean_pain_mm(model)`` the mean pain of every patient (see
    :data:`~alliance_sim.records.columns.CLINIC_MEANS`). NaN when there is nobody to average.
    """
    attribute, over = CLINIC_MEANS[measure]

    def report(model: ClinicModel) -> float:
        patients = model.patients_in_order
        if over == "in_care":
            patients = [p for p in patients if not p.dropped_out]
        values = [float(getattr(p, attribute)) for p in patients]
        return sum(values) / len(values) if values else float("nan")

    report.__name__ = report.__qualname__ = f"mean_{measure}"
    who = "the patients still in care" if over == "in_care" else "all patients"
    report.__doc__ = f"Mean {attribute} of {who}."
    return report


MODEL_REPORTERS: dict[str, Callable[[ClinicModel], float]] = {
    "session": session,
    **{measure: clinic_mean(measure) for measure in CLINIC_MEANS},
}
"""Clinic-level measurements per session (the clinic table's columns)."""

PATIENT_REPORTERS: dict[str, str] = {name: name for name in SESSION_COLUMNS}
"""Patient attributes recorded each session (the sessions table's columns)."""
