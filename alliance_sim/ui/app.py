"""The alliance-sim web app: the pages and their navigation (``solara run`` entry point)."""

from __future__ import annotations

import gc

import solara

from alliance_sim.ui.about import About
from alliance_sim.ui.compare_page import Compare
from alliance_sim.ui.explore import Explore
from alliance_sim.ui.learn_page import Learn
from alliance_sim.ui.memory import release_memory_soon
from alliance_sim.ui.style import APP_CSS
from alliance_sim.ui.sweep_page import Sweep
from alliance_sim.ui.trials_page import Trials

__all__ = ["Layout", "routes"]


@solara.component
def Layout(children: list[solara.Element] | None = None) -> solara.Element:
    """The app frame: a title bar with one tab per page, named by the route's label.

    It is there for as long as the browser session: when the session ends, the
    memory it used is handed back (:func:`~alliance_sim.ui.memory.release_memory_soon`).
    """
    current, all_routes = solara.use_route()
    router = solara.use_router()
    solara.use_effect(lambda: release_memory_soon, [])  # runs when the session ends
    index = all_routes.index(current) if current in all_routes else 0

    def go(new_index: int) -> None:
        router.push(solara.resolve_path(all_routes[new_index]))

    # navigation=False: AppLayout's own tabs name pages by path ("Home" for "/"); these use
    # the routes' labels. AppLayout takes a first child beside others for a sidebar: give it
    # exactly one.
    with (
        solara.AppLayout(
            title="alliance-sim: the therapeutic alliance", navigation=False
        ) as layout,
        solara.Column(),
    ):
        solara.Style(APP_CSS)
        with solara.AppBarTitle():
            solara.Text("alliance-sim: the therapeutic alliance")
        with solara.lab.Tabs(value=index, on_value=go, align="center"):
            for route in all_routes:
                solara.lab.Tab(route.label)
        solara.Column(children=children or [])
    return layout


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="learn", component=Learn, label="Learn"),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="sweep", component=Sweep, label="Sweep"),
    solara.Route(path="trials", component=Trials, label="Trials"),
    solara.Route(path="about", component=About, label="About the model"),
]
"""The pages, in the order of the tabs; the root route carries the layout."""


def settle_imports() -> None:
    """Take everything loaded so far (Solara, pandas, matplotlib, Mesa …) out of garbage collection.

    The server imports this module once, at start. Those ~290,000 objects live as
    long as the server; left to the collector, every full collection walks them
    again (about 0.1 s on a small machine) while every browser session waits.
    """
    gc.collect()
    gc.freeze()


settle_imports()
