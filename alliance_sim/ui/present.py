"""Projector mode: larger type and fewer controls, for the teacher's screen.

One switch per browser session (:data:`projector`; Solara keeps a ``reactive``
value per session), set from the title bar or by a link with ``projector=1``.
While it is on, the layout adds :data:`~alliance_sim.ui.style.PROJECTOR_CSS`:
everything marked ``hide-in-projector`` (help texts, the parameter groups, file
drops, the patient table) is hidden, the type is larger, and Explore's plots fill
their column (drawn at :data:`~alliance_sim.ui.explore_page.PROJECTOR_DPI`).
Switching keeps the page as it is (the clinic, its session, the "before" line).
"""

from __future__ import annotations

import solara

__all__ = ["projector"]

projector = solara.reactive(False)
"""Whether this browser session shows the app in projector mode."""
