"""The alliance-sim web app: the pages and their navigation (``solara run`` entry point)."""

from __future__ import annotations

import solara

from alliance_sim.ui.about import About
from alliance_sim.ui.compare_page import Compare
from alliance_sim.ui.explore import Explore

__all__ = ["Layout", "Page", "routes"]

routes = [
    solara.Route(path="/", component=Explore, label="Explore"),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="about", component=About, label="About the model"),
]


@solara.component
def Layout(children: list[solara.Element] | None = None) -> solara.Element:
    """The app frame: a title bar with the page tabs."""
    return solara.AppLayout(children=children or [], title="alliance-sim: the therapeutic alliance")


@solara.component
def Page() -> solara.Element:
    """The Explore page (the app's first page)."""
    return Explore()
