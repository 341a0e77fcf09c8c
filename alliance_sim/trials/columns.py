"""The patient columns a trial protocol may name, declared once with their kind.

A protocol's outcome, formula and model terms may use these columns of the
trials' patients table (one row per patient: baseline, therapist, dyad,
episode outcomes and the derived ``wai_patient_collaborative``) and ``arm``,
the arm each patient was randomised to. The declaration is the output schema's
patients table (:data:`alliance_sim.records.columns.PATIENT_COLUMNS`) plus the
derived columns, so adding an outcome there adds it here; a test checks that these
are exactly the columns a simulated trial has.

Kinds: ``"number"`` (a number per patient; missing values are NaN and leave
the patient out of a model, as in a complete-case analysis), ``"yes/no"`` (True
or False: a 0/1 number, or a category with ``C(...)``) and ``"category"``
(``arm`` only: a category, written ``C(arm)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from alliance_sim.records import columns
from alliance_sim.records.tables import BOOLEAN_OUTCOMES

__all__ = [
    "ARM",
    "CATEGORICAL_COLUMNS",
    "DERIVED_COLUMNS",
    "PATIENT_COLUMNS",
    "PROTOCOL_COLUMNS",
    "ColumnKind",
]

ColumnKind = Literal["number", "yes/no", "category"]

ARM = "arm"
"""The column holding each patient's arm (the protocol's arm names)."""

DERIVED_COLUMNS: tuple[str, ...] = ("wai_patient_collaborative",)
"""Columns the trials add to the patients table (see ``add_derived_columns``)."""

_YES_NO = frozenset({"prefers_active", *BOOLEAN_OUTCOMES})

PATIENT_COLUMNS: Mapping[str, ColumnKind] = MappingProxyType(
    {
        name: ("yes/no" if name in _YES_NO else "number")
        for name in (*columns.PATIENT_COLUMNS, *DERIVED_COLUMNS)
    }
)
"""Every patient column of a trial, in the patients table's order, with its kind."""

PROTOCOL_COLUMNS: Mapping[str, ColumnKind] = MappingProxyType({ARM: "category", **PATIENT_COLUMNS})
"""The columns a protocol's models may name: ``arm`` and the patient columns."""

CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    name for name, kind in PROTOCOL_COLUMNS.items() if kind != "number"
)
"""The columns ``C(...)`` may hold: ``arm`` and the yes/no columns."""
