"""About the model: what it is, how it works, its parameters and references.

Nothing here is a second copy: the text comes from the README's sections (the
same words the README shows: what it is, how it works, things to notice and to
try, the references) and the parameter table is generated from the schema by the
same function that writes the ODD document's tables. Both are drawn by the app's
own Markdown renderer (:mod:`alliance_sim.ui.safe_text`), which needs nothing
from the internet.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

import solara

from alliance_sim.core.reference import parameter_tables
from alliance_sim.ui.guard import Guard
from alliance_sim.ui.safe_text import SafeMarkdown

__all__ = ["ABOUT_SECTIONS", "About", "AboutPage", "readme_section", "readme_text"]

ABOUT_SECTIONS: tuple[str, ...] = (
    "WHAT IS IT?",
    "HOW IT WORKS",
    "THINGS TO NOTICE",
    "THINGS TO TRY",
    "CREDITS AND REFERENCES",
)
"""The README sections the About page shows, in order."""

README = Path(__file__).resolve().parents[2] / "README.md"


@lru_cache(maxsize=1)
def readme_text() -> str:
    """The README: from the source tree when there is one, else from the package metadata."""
    if README.is_file():
        return README.read_text(encoding="utf-8")
    try:
        return str(metadata("alliance-sim").get("Description", ""))  # type: ignore[attr-defined]  # an email.Message at run time
    except PackageNotFoundError:
        return ""


def readme_section(title: str) -> str:
    """The text of the README section ``## title`` (without its heading)."""
    match = re.search(
        rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme_text(), flags=re.S | re.M
    )
    return match.group(1).strip() if match else ""


@solara.component
def About() -> solara.Element:
    """The About page; a failure in it shows one line and the page starts again."""
    return Guard(AboutPage, "the About page")


@solara.component
def AboutPage() -> solara.Element:
    """The About page's content."""
    with solara.Column() as page:
        solara.Title("alliance-sim · About the model")
        for title in ABOUT_SECTIONS:
            text = readme_section(title)
            if text:
                SafeMarkdown(f"## {title.capitalize()}\n\n{text}", classes=["about-section"])
        SafeMarkdown(
            "## The parameters\n\nEvery parameter, as the sliders, scenario files and the"
            " command line name it (the full model description is `docs/ODD.md`).\n\n"
            + parameter_tables()
        )
    return page
