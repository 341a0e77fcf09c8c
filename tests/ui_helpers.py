"""Helpers shared by the web app's component tests (solara.render, no browser)."""

from __future__ import annotations

import io
import time

import ipyvuetify as v
from solara.components.file_drop import FileDropZone
from solara.widgets import HTML as SolaraHTML  # noqa: N811 (Solara's widget of raw HTML)


def session_label(rc) -> str:
    """Explore's "Session n of m" label (there is exactly one)."""
    labels = [
        c
        for w in rc.find(v.Html).widgets
        for c in w.children
        if isinstance(c, str) and c.startswith("Session ")
    ]
    assert len(labels) == 1
    return labels[0]


def drop_file(rc, name: str, data: bytes) -> None:
    """Drop a file on the page's drop zone, as the browser would deliver it."""
    zone = rc.find(FileDropZone).widget
    zone.get_files = lambda timeout=30: [
        {"name": name, "size": len(data), "file_obj": io.BytesIO(data)}
    ]
    zone.file_info = [{"name": name, "size": len(data)}]


def wait_for(condition, timeout_s: float = 20.0) -> bool:
    """Whether ``condition()`` became true within ``timeout_s`` (work in threads settles)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def shown_text(rc) -> str:
    """Every string shown by a text-bearing widget (Html, Alert, Btn, ...)."""
    texts = []
    for kind in (v.Html, v.Alert, v.Btn, v.CardTitle):
        for widget in rc.find(kind).widgets:
            texts.extend(str(c) for c in widget.children if isinstance(c, str))
    return "\n".join(texts)


def error_texts(rc) -> list[str]:
    """The texts of the error messages on the page."""
    return [str(w.children[0]) for w in rc.find(v.Alert, type="error").widgets if w.children]


def alert_texts(rc, kind: str) -> list[str]:
    """The texts of the messages of ``kind`` (success, warning, error, info) on the page."""
    return [str(w.children[0]) for w in rc.find(v.Alert, type=kind).widgets if w.children]


def markdown_text(rc) -> str:
    """The HTML of every Markdown block on the page (the app's safe Markdown)."""
    return " ".join(
        w.unsafe_innerHTML or ""
        for w in rc.find(SolaraHTML).widgets
        if "safe-markdown" in str(w.attributes.get("class", ""))
    )


def figures(rc) -> list[dict]:
    """The figures on the page (their images' attributes: src, alt)."""
    return [
        dict(w.attributes)
        for w in rc.find(SolaraHTML).widgets
        if w.tag == "img" and "figure-image" in str(w.attributes.get("class", ""))
    ]
