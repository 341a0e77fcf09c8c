"""Tables a student reads: every cell already written as text, numbers right-aligned, no index.

The pages format each number to its quantity's precision
(:func:`~alliance_sim.core.scales.format_value`) before it reaches
:func:`DataTable`, which draws a plain table (``data_table.vue``): headings
wrap between words, never inside one, so every column fits the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import solara

__all__ = ["DataTable"]


@solara.component_vue("data_table.vue")
def DataTableView(
    columns: list[str], numeric: list[bool], rows: list[list[str]], caption: str
) -> None:
    """The table as the browser draws it (``data_table.vue``)."""


@solara.component
def DataTable(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    numeric: Sequence[bool] | None = None,
    caption: str = "",
) -> solara.Element:
    """A table of ``rows`` (each a sequence of cells, shown as text) under ``columns``."""
    return DataTableView(
        columns=list(columns),
        numeric=list(numeric) if numeric is not None else [False] * len(columns),
        rows=[["" if cell is None else str(cell) for cell in row] for row in rows],
        caption=caption,
    )
