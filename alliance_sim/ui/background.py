"""Long work off the page's thread: one hook for every page that runs something big.

:func:`use_background_run` gives a component a run it can start, follow and
cancel: the work runs in a thread (the page stays responsive), reports its
progress, and ends with a result or a message — never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import solara

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.ui.guard import log_failure, one_line, shows_a_path

__all__ = ["BackgroundRun", "Job", "use_background_run"]

Job = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]
"""The work: ``job(progress, should_stop)`` returns the result; it calls
``progress(done, total)`` as it goes and may stop early when ``should_stop()``."""


@dataclass(frozen=True)
class BackgroundRun:
    """The state of a component's background run, and what it can do with it."""

    status: str
    """``idle`` (never started, or reset), ``running`` or ``done``."""
    progress: tuple[int, int]
    """(done, total) as last reported."""
    result: Any
    """What the last finished job returned (None while running, or after a failure)."""
    error: str | None
    """The message of the last job's failure."""
    start: Callable[..., None]
    """``start(job, total=0)``: start a job, its progress at (0, total); the previous
    result and message are cleared."""
    cancel: Callable[[], None]
    """Ask the running job to stop (it sees ``should_stop()`` turn true)."""
    reset: Callable[[], None]
    """Forget the result and message (back to ``idle``)."""

    @property
    def running(self) -> bool:
        """Whether a job is running."""
        return self.status == "running"

    @property
    def fraction(self) -> float:
        """The share of the work done (0 before the job reports a total)."""
        done, total = self.progress
        return done / total if total else 0.0


def _unexpected(failure: str, problem: BaseException) -> str:
    text = one_line(str(problem), 200)
    shown = text and not shows_a_path(text)
    return f"{failure}: {type(problem).__name__}" + (f": {text}" if shown else "")


def use_background_run(failure: str = "the run failed") -> BackgroundRun:
    """A background run for this component; ``failure`` starts the message of a crash.

    A mistake the library reports (:class:`AllianceSimError`) shows its own
    message; anything else shows ``failure``, the error's type and its text (unless
    the text shows a file path), and goes to the server's log with its traceback.
    """
    status, set_status = solara.use_state("idle")
    progress, set_progress = solara.use_state((0, 0))
    result, set_result = solara.use_state(cast(Any, None))
    error, set_error = solara.use_state(cast(str | None, None))
    job, set_job = solara.use_state(cast(Job | None, None))
    run_number, set_run_number = solara.use_state(0)
    cancelled = solara.use_memo(threading.Event, [run_number])

    def work(stop: threading.Event) -> None:
        if job is None or status != "running":  # only a start() runs anything
            return
        try:
            outcome = job(
                lambda done, total: set_progress((done, total)),
                lambda: stop.is_set() or cancelled.is_set(),
            )
            if not stop.is_set():
                set_result(outcome)
        except AllianceSimError as problem:
            set_error(one_line(str(problem)))
        except Exception as problem:  # a failed run shows a message, never a traceback
            log_failure(problem, failure)
            set_error(_unexpected(failure, problem))
        finally:
            if not stop.is_set():
                set_status("done")

    solara.use_thread(work, dependencies=[run_number], intrusive_cancel=False)

    def start(new_job: Job, total: int = 0) -> None:
        set_result(None)
        set_error(None)
        set_progress((0, total))
        set_job(lambda _old: new_job)
        set_status("running")
        set_run_number(lambda n: n + 1)

    def reset() -> None:
        cancelled.set()
        set_result(None)
        set_error(None)
        set_status("idle")

    return BackgroundRun(status, progress, result, error, start, cancelled.set, reset)
