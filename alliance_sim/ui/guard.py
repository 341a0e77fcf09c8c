"""Failures on a page: one line on the page and the details in the server's log, never a traceback.

Three tools, from the most to the least specific:

* :func:`describe` turns any exception into the one line a user reads. A mistake the
  library reports (:class:`~alliance_sim.core.errors.AllianceSimError`) keeps its own
  message; anything else names its kind, and its text only when that text shows no
  file path (an ``OSError`` would show where the server keeps its files).
* :func:`guarded` wraps an event handler (a click, a slider, a dropped file): what it
  raises is logged with its traceback and reported through a callback, and the page
  keeps its state.
* :func:`Guard` is the last line: a component around a page's content that catches
  whatever still escapes (an exception while the page is drawn, or in a handler nobody
  wrapped), logs it, and draws the page again from the start under a one-line
  message, so the page stays usable. Solara would otherwise replace the page with a
  Python traceback that names the server's files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import reacton.core
import reacton.ipyvuetify as rv
import solara

from alliance_sim.core.errors import AllianceSimError

__all__ = [
    "MAX_MESSAGE_CHARS",
    "Guard",
    "describe",
    "guarded",
    "log_failure",
    "one_line",
    "shows_a_path",
]

logger = logging.getLogger("alliance_sim.ui")

MAX_MESSAGE_CHARS = 400
"""The longest message a page shows (a file can hold a value of a million characters)."""

F = TypeVar("F", bound=Callable[..., Any])


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line and at most ``limit`` characters (cut with "…")."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def shows_a_path(text: str) -> bool:
    """Whether ``text`` may show a file path (it has a slash or a backslash)."""
    return "/" in text or "\\" in text


def describe(error: BaseException, doing: str = "that") -> str:
    """The one line a user reads about ``error``, which happened while ``doing``.

    A mistake the library reports shows its own message. Anything else is
    unexpected: ``"<doing> failed (KeyError: 'x')"``, without the text when it
    shows a path, and a pointer to the server's log.
    """
    if isinstance(error, AllianceSimError):
        return one_line(str(error))
    kind = type(error).__name__
    text = one_line(str(error), 200)
    detail = f"{kind}: {text}" if text and not shows_a_path(text) else kind
    return f"{doing} failed ({detail}); the details are in the server's log"


def log_failure(error: BaseException, doing: str) -> None:
    """Write ``error`` and its traceback to the server's log."""
    logger.error("%s failed", doing, exc_info=(type(error), error, error.__traceback__))


def guarded(handler: F, report: Callable[[str], Any], doing: str = "that") -> F:
    """``handler``, which reports what it raises through ``report`` instead of raising.

    A mistake the library reports is the user's: only its message is reported.
    Anything else is also logged with its traceback.
    """

    def safe(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except AllianceSimError as mistake:
            report(describe(mistake, doing))
        except Exception as error:
            log_failure(error, doing)
            report(describe(error, doing))
        return None

    return safe  # type: ignore[return-value]


@solara.component
def Guard(content: Callable[[], solara.Element], name: str = "this page") -> solara.Element:
    """``content()``, drawn again from the start under a message if anything in it fails.

    Reacton hands a component the exceptions of the components below it
    (``use_exception``) only when nothing but widgets stands between them, so
    ``content()`` is placed directly in a plain HTML element. A failure makes a new
    ``content()`` (a new key: fresh state, and the failed components with their
    exceptions are gone). Should the fresh page fail again while it is first drawn,
    only the message and a button to try again are shown, so a page that cannot be
    drawn does not loop.
    """
    exception, clear = solara.use_exception()
    generation, set_generation = solara.use_state(0)
    message, set_message = solara.use_state(cast(str | None, None))
    broken, set_broken = solara.use_state(False)
    handled = solara.use_ref(cast(BaseException | None, None))
    restarted_in = solara.use_ref(cast(int | None, None))
    render_call = reacton.core.get_render_context().render_count

    if exception is not None and exception is not handled.current:
        handled.current = exception
        log_failure(exception, f"{name}")
        set_message(
            f"Something went wrong on {name} ({type(exception).__name__}); the page was "
            "started again. The details are in the server's log."
        )
        if restarted_in.current == render_call:  # the fresh page failed as it was drawn
            set_broken(True)
        else:
            restarted_in.current = render_call
            set_generation(lambda n: n + 1)

    def forget() -> None:  # the exception holds the failed page's frames: let them go
        if exception is not None:
            handled.current = None
            clear()

    solara.use_effect(forget, [exception])

    def start_again() -> None:
        set_message(None)
        set_broken(False)
        restarted_in.current = None
        set_generation(lambda n: n + 1)

    children: list[solara.Element] = []
    if message:
        children.append(
            rv.Alert(
                type="error",
                text=True,
                outlined=True,
                dense=True,
                dismissible=True,
                v_model=True,
                on_v_model=lambda shown: None if shown else set_message(None),
                class_="page-failure",
                children=[message],
            )
        )
    if broken:
        children.append(solara.Button("Start the page again", on_click=start_again))
    else:
        children.append(content().key(f"{name}-{generation}"))
    return rv.Sheet(elevation=0, class_="ma-0", children=children)
