"""The patient table of Explore: one page of patients, sortable, a click selects a patient.

A plain table drawn in the browser from a page of rows (a Vue template,
``patient_table.vue``): a step sends ten rows of text and the browser redraws
a simple table. The general-purpose data table it replaces built a menu for
every cell and cost a browser about five times as much per step, which is what
many students stepping at once on one server feel.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import solara

__all__ = ["PER_PAGE", "TABLE_COLUMNS", "PatientTable", "TablePage", "table_page"]

PER_PAGE = 10
"""Patients per page."""

TABLE_COLUMNS: dict[str, str] = {
    "patient_id": "Patient",
    "therapist_id": "Therapist",
    "attended": "Attended",
    "dropped_out": "Dropped out",
    "goal_agreement": "Goal agreement",
    "task_agreement": "Task agreement",
    "bond": "Bond",
    "self_efficacy": "Self-efficacy",
    "adherence": "Adherence",
    "pain_mm": "Pain, mm",
    "disability": "Disability",
}
"""The table's columns (the patient state's names) and their headings."""


@dataclass(frozen=True)
class TablePage:
    """One page of the table, ready to show."""

    rows: list[dict[str, Any]]
    """The page's patients: ``patient_id`` as a number, every column as text."""
    page: int
    """The page shown (from 0; a page past the end shows the last one)."""
    n_pages: int
    first: int
    """The position of the page's first patient in the sorted table (from 1; 0 when empty)."""
    last: int


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def table_page(
    states: pd.DataFrame,
    sort_by: str = "patient_id",
    descending: bool = False,
    page: int = 0,
    per_page: int = PER_PAGE,
) -> TablePage:
    """Page ``page`` of the patients ``states`` sorted by ``sort_by`` (ties by patient)."""
    order = states.sort_values(
        [sort_by, "patient_id"] if sort_by != "patient_id" else ["patient_id"],
        ascending=[not descending, True] if sort_by != "patient_id" else [not descending],
        kind="stable",
    )
    n_pages = max(1, math.ceil(len(order) / per_page))
    page = min(max(page, 0), n_pages - 1)
    shown = order.iloc[page * per_page : (page + 1) * per_page]
    rows = [
        {
            **{name: _text(value) for name, value in record.items()},
            "patient_id": int(record["patient_id"]),
        }
        for record in shown[list(TABLE_COLUMNS)].to_dict("records")
    ]
    first = page * per_page + 1 if rows else 0
    return TablePage(rows, page, n_pages, first, first + len(rows) - 1 if rows else 0)


@solara.component_vue("patient_table.vue")
def PatientTableView(
    columns: list[dict[str, str]],
    rows: list[dict[str, Any]],
    selected: int | None,
    sort_by: str,
    descending: bool,
    page: int,
    n_pages: int,
    first: int,
    last: int,
    n_patients: int,
    event_select: Callable[[int], None],
    event_sort: Callable[[str], None],
    event_turn: Callable[[int], None],
) -> None:
    """The table as the browser draws it (``patient_table.vue``)."""


@solara.component
def PatientTable(
    states: pd.DataFrame, selected: int | None, on_select: Callable[[int], None]
) -> solara.Element:
    """The patients' current states, a page at a time; a click on a row calls ``on_select``.

    A click on a heading sorts by that column (again: the other way round).
    What the browser sends is checked: anything but a column's name, a page
    number or a patient's number changes nothing.
    """
    sort_by, set_sort_by = solara.use_state("patient_id")
    descending, set_descending = solara.use_state(False)
    page, set_page = solara.use_state(0)
    shown = table_page(states, sort_by, descending, page)

    def sort(column: Any) -> None:
        if not isinstance(column, str) or column not in TABLE_COLUMNS:
            return
        if column == sort_by:
            set_descending(not descending)
        else:
            set_sort_by(column)
            set_descending(False)
        set_page(0)

    def turn(to: Any) -> None:
        if isinstance(to, int) and not isinstance(to, bool):
            set_page(to)  # table_page keeps it between the first page and the last

    def select(patient_id: Any) -> None:
        if isinstance(patient_id, int) and not isinstance(patient_id, bool):
            on_select(patient_id)

    return PatientTableView(
        columns=[{"name": name, "label": label} for name, label in TABLE_COLUMNS.items()],
        rows=shown.rows,
        selected=selected,
        sort_by=sort_by,
        descending=descending,
        page=shown.page,
        n_pages=shown.n_pages,
        first=shown.first,
        last=shown.last,
        n_patients=len(states),
        event_select=select,
        event_sort=sort,
        event_turn=turn,
    )
