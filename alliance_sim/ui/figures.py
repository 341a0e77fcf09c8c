"""A figure on a page: the picture with its text alternative, the sentence under it, a PNG download.

Every figure of the app goes through :func:`FigurePanel`: the picture is drawn
once per change of what it shows (without the sentence, which the page writes
underneath as text), and **Download PNG** draws it again, with the sentence
inside the picture, only when asked.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import Any

import solara
from matplotlib.figure import Figure

__all__ = ["FigurePanel", "file_name", "png_bytes"]

SCREEN_DPI = 100
DOWNLOAD_DPI = 130


def png_bytes(fig: Figure, dpi: int = SCREEN_DPI) -> bytes:
    """``fig`` as PNG bytes."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def file_name(*parts: str, suffix: str = ".png") -> str:
    """A safe file name from ``parts`` (letters, digits, ``-`` and ``_`` only)."""
    stem = "-".join(re.sub(r"[^A-Za-z0-9_-]+", "-", part).strip("-") for part in parts if part)
    return (stem[:80].strip("-") or "figure") + suffix


@solara.component
def FigurePanel(
    make: Callable[[bool], Figure],
    dependencies: list[Any],
    name: str,
    alt: str,
    caption: str,
) -> solara.Element:
    """``make(caption)``'s figure with ``alt`` as its text alternative and ``caption`` under it.

    ``dependencies`` say when the figure must be drawn again; ``name`` is the
    downloaded file's name.
    """
    picture = solara.use_memo(lambda: png_bytes(make(False)), dependencies)
    download = solara.use_memo(lambda: lambda: png_bytes(make(True), DOWNLOAD_DPI), dependencies)
    source = "data:image/png;base64," + base64.b64encode(picture).decode("ascii")
    with solara.Column(gap="4px", classes=["figure-panel"]) as panel:
        solara.HTML(tag="img", attributes={"src": source, "alt": alt, "class": "figure-image"})
        solara.Text(caption, classes=["figure-caption"])
        with solara.Row(classes=["figure-downloads"]):
            solara.FileDownload(
                download, filename=name, label="Download PNG", mime_type="image/png"
            )
    return panel
