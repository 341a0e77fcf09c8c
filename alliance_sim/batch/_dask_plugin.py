"""A Dask worker plugin for the local cluster of a sweep: Ctrl-C is the sweep's.

In its own module because it subclasses Dask's ``WorkerPlugin``: the batch package
is imported without Dask, and Dask workers import this module to unpickle it.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from distributed import WorkerPlugin

__all__ = ["IgnoreSigint"]

CLOSE_MESSAGE = "ended with CancelledError"
"""How Dask's worker reports a task it cancels because the worker closes (only then)."""


class _DropCloseNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return CLOSE_MESSAGE not in record.getMessage()


class IgnoreSigint(WorkerPlugin):  # type: ignore[misc]
    """Each worker ignores SIGINT and keeps quiet about tasks cut short by its closing.

    Ctrl-C in a terminal reaches the whole process group; the sweep, not every
    worker, answers it, with one message: it stops, keeps the finished runs and
    closes the cluster. Dask's worker logs a warning for each task it cancels
    while closing ("Async instruction … ended with CancelledError", which Dask's
    code says happens only in ``Worker.close``); that line is dropped, no other.
    """

    name = "alliance-sim-ignore-sigint"

    def setup(self, worker: Any) -> None:
        """Called by Dask in each worker process, in its main thread (its event loop)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        logging.getLogger("distributed.worker.state_machine").addFilter(_DropCloseNoise())
