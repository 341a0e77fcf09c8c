"""A drop zone that also opens a file chooser: drag a file onto it, or click it (or press Enter).

Solara's ``FileDrop`` only takes a dragged file. :func:`DropZone` is the same
upload path (the browser sends the bytes in chunks when the server reads them;
nothing is read before) with a hidden ``<input type="file">`` that a click on
the zone opens. The file goes to ``on_file`` exactly as ``FileDrop`` hands it
(a lazy ``FileInfo``): :func:`~alliance_sim.ui.dropped.read_upload` reads it,
bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

import solara
import traitlets
from solara.components.file_drop import FileDropZone

__all__ = ["ChooseOrDropZone", "DropZone"]


class ChooseOrDropZone(FileDropZone):
    """Solara's drop zone widget with a template that also opens a file chooser."""

    template_file = (__file__, "drop_zone.vue")
    accept = traitlets.Unicode(".toml,text/plain").tag(sync=True)


@solara.component
def DropZone(
    label: str, on_file: Callable[[Any], None], accept: str = ".toml,text/plain"
) -> solara.Element:
    """A zone to drop a file on or click to choose one; ``on_file`` gets it (lazily read)."""
    file_info, set_file_info = solara.use_state(cast(Any, None))
    wired, set_wired = solara.use_state(cast(Any, None))
    zone = ChooseOrDropZone.element(  # type: ignore[no-untyped-call]
        label=label, on_file_info=set_file_info, multiple=False, accept=accept
    )

    def wire() -> None:
        if not file_info:
            return
        real = cast(ChooseOrDropZone, solara.get_widget(zone))
        real.version += 1  # as Solara's FileDrop does: its observer was cleared
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire, [file_info])

    def hand_over(cancel: threading.Event) -> None:
        if wired:
            first = dict(wired[0])
            first["data"] = None  # lazy: read by the page, at most its limit
            on_file(first)

    result: solara.Result[None] = solara.use_thread(hand_over, [wired])
    if result.error:
        raise result.error
    return zone
