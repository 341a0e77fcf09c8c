"""The alliance-sim web app: the pages and their navigation (``solara run`` entry point)."""

from __future__ import annotations

import gc

import solara

from alliance_sim.ui.about import About
from alliance_sim.ui.compare_page import Compare
from alliance_sim.ui.explore_page import Explore
from alliance_sim.ui.learn_page import Learn
from alliance_sim.ui.memory import release_memory_soon
from alliance_sim.ui.present import projector
from alliance_sim.ui.style import APP_CSS, PROJECTOR_CSS
from alliance_sim.ui.sweep_page import Sweep
from alliance_sim.ui.teacher_page import Teacher
from alliance_sim.ui.trials_page import Trials

__all__ = ["TEACHER_PATH", "Layout", "routes", "student_routes"]

TEACHER_PATH = "teacher"
"""The teacher's view of the class poll: a route of its own, linked from no student page."""


def student_routes(all_routes: list[solara.Route]) -> list[solara.Route]:
    """The routes that get a tab: every page but the teacher's view."""
    return [route for route in all_routes if route.path != TEACHER_PATH]


@solara.component
def Layout(children: list[solara.Element] | None = None) -> solara.Element:
    """The app frame: a title bar with one tab per page, and the projector switch.

    It is there for as long as the browser session: when the session ends, the
    memory it used is handed back (:func:`~alliance_sim.ui.memory.release_memory_soon`).
    """
    current, all_routes = solara.use_route()
    router = solara.use_router()
    solara.use_effect(lambda: release_memory_soon, [])  # runs when the session ends
    tabs = student_routes(all_routes)
    index = tabs.index(current) if current in tabs else None

    def go(new_index: int) -> None:
        if 0 <= new_index < len(tabs):
            router.push(solara.resolve_path(tabs[new_index]))

    # navigation=False: AppLayout's own tabs name pages by path ("Home" for "/"); these use
    # the routes' labels. AppLayout takes a first child beside others for a sidebar: give it
    # exactly one.
    with (
        solara.AppLayout(
            title="alliance-sim: the therapeutic alliance", navigation=False
        ) as layout,
        solara.Column(classes=["app-frame"]),
    ):
        solara.Style(APP_CSS)
        # Always there (empty when off): a child that came and went would shift the page after
        # it to a new place in the tree, and switching projector mode started the page again.
        solara.Style(PROJECTOR_CSS if projector.value else "")
        with solara.AppBarTitle():
            solara.Text("alliance-sim: the therapeutic alliance")
        with solara.AppBar():
            solara.Switch(label="Projector", value=projector, classes=["projector-switch"])
        if index is not None:  # the teacher's view is no tab (and shows none selected)
            with solara.lab.Tabs(value=index, on_value=go, align="center"):
                for route in tabs:
                    solara.lab.Tab(route.label)
        else:
            with solara.Row(justify="center"):
                solara.Button("Open the students' pages", text=True, on_click=lambda: go(0))
        solara.Column(children=children or [], classes=["page-content"])
    return layout


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="learn", component=Learn, label="Learn"),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="sweep", component=Sweep, label="Sweep"),
    solara.Route(path="trials", component=Trials, label="Trials"),
    solara.Route(path="about", component=About, label="About the model"),
    solara.Route(path=TEACHER_PATH, component=Teacher, label="Teacher"),
]
"""The pages, in the order of the tabs; the root route carries the layout. The teacher's
view comes last and has no tab."""


FULL_COLLECTION_AFTER = 100
"""Younger-generation collections between two full ones (Python's default: 10)."""


def settle_imports() -> None:
    """Take everything loaded so far (Solara, pandas, matplotlib, Mesa …) out of garbage collection.

    The server imports this module once, at start. Those ~290,000 objects live as
    long as the server; left to the collector, every full collection walks them
    again (about 0.1 s on a small machine) while every browser session waits.

    Full collections are also made rarer (:data:`FULL_COLLECTION_AFTER`): each walks
    every open session's objects, and with ten students stepping at once they came
    two or three times a round and stopped every session for 0.1–0.2 s each. Cycles
    of garbage still go: in the younger generations as before, in full when a
    session closes (:func:`alliance_sim.ui.memory.release_memory_soon`) and when the
    rarer full collection comes.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)


settle_imports()
