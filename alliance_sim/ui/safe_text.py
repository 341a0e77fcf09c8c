"""Text a user supplied, shown safely: Markdown without raw HTML, never a Vue template.

A lesson or scenario dropped on a page carries texts (a title, a question, an
explanation, sources, a description) that the page shows as Markdown. Solara's
own ``Markdown`` keeps raw HTML and hands the result to Vue as a *template*, so
``<img src=x onerror=…>`` or ``{{ … }}`` in a dropped file would run in every
browser that shows it. :func:`markdown_html` converts Markdown with raw HTML
switched off (it is shown as text), drops links other than ``http(s)``,
``mailto`` and in-page ones, and shows an image as its description (a page must
fetch nothing from elsewhere). :func:`SafeMarkdown` puts the result in the page as
inner HTML (``v-html``), which Vue never compiles: a ``{{ }}`` stays text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree import ElementTree

import markdown
import solara
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

__all__ = ["SafeMarkdown", "markdown_html"]

SAFE_LINK = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
"""The links a text may carry: the web, e-mail, a place on the page."""


class _SafeTree(Treeprocessor):
    """Images become their description; a link with another scheme becomes its text."""

    def run(self, root: ElementTree.Element) -> None:
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    text = ElementTree.Element("span", {"class": "image-description"})
                    text.text = f"[image: {child.get('alt') or 'no description'}]"
                    text.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, text)
                elif child.tag == "a":
                    href = "".join((child.get("href") or "").split())  # "java\tscript:" too
                    if SAFE_LINK.match(href):
                        child.set("href", href)
                        child.set("rel", "noopener noreferrer")
                        if not href.startswith("#"):
                            child.set("target", "_blank")
                    else:
                        child.tag = "span"
                        child.attrib.clear()
                for name in list(child.attrib):
                    if name.lower().startswith("on") or name.lower() == "style":
                        del child.attrib[name]


class _NoRawHtml(Extension):
    """Raw HTML in the text is shown as text; the tree is made safe afterwards."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeTree(md), "alliance_sim_safe", 0)  # after inline


@lru_cache(maxsize=256)
def markdown_html(text: str) -> str:
    """``text`` (Markdown a user wrote) as HTML that runs nothing and fetches nothing."""
    # tab_length=2: a list nested by two or three spaces (as the README writes them) nests.
    converter = markdown.Markdown(
        extensions=[_NoRawHtml(), "tables", "sane_lists", "fenced_code"], tab_length=2
    )
    return converter.convert(text)


@solara.component
def SafeMarkdown(text: str, classes: list[str] | None = None) -> solara.Element:
    """``text`` (Markdown from a file or a user) on the page, safely (see the module)."""
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=markdown_html(text),
        classes=["safe-markdown", *(classes or [])],
    )
