"""Projector mode: larger type and fewer controls, for the teacher's screen.

One switch per browser session (:data:`projector`; Solara keeps a ``reactive``
value per session), set from the title bar or by a link with ``projector=1``.
While it is on, the layout adds :data:`~alliance_sim.ui.style.PROJECTOR_CSS`:
everything marked ``hide-in-projector`` (help texts, the parameter groups, file
drops, the patient table) is hidden and the type is larger.
"""

from __future__ import annotations

import solara

__all__ = ["projector"]

projector = solara.reactive(False)
"""Whether this browser session shows the app in projector mode."""
