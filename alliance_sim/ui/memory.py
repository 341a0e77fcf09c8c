"""Give a closed browser session's memory back to the machine.

When a session ends, Solara closes its widgets and, a second later, collects the
garbage they leave (reference cycles). The objects are then free, but glibc's
``malloc`` keeps the pages they used for the process, so the server's resident
memory stays at its peak. :func:`release_memory_soon`, called when a session ends,
waits until Solara's collection has run, collects once more and asks glibc to hand
free pages back (``malloc_trim(0)``; only on Linux with glibc — elsewhere it does
nothing). A burst of sessions closing at once triggers one release.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading
import time
from typing import Any

__all__ = ["RELEASE_DELAY_S", "release_memory_soon", "trim_heap"]

RELEASE_DELAY_S = 2.0
"""Seconds from a session's end to the release: after Solara's own collection (1 s)."""

_pending = threading.Lock()
_trim: Any = None


def _malloc_trim() -> Any:
    """The C library's ``malloc_trim``, or None where there is none (not Linux, not glibc)."""
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                function = libc.malloc_trim  # musl has none: AttributeError
            except (OSError, AttributeError):
                return None
            function.argtypes = [ctypes.c_size_t]
            function.restype = ctypes.c_int
            _trim = function
    return _trim or None


def trim_heap() -> bool:
    """Hand the heap's free pages back to the system; whether any were (False without glibc)."""
    function = _malloc_trim()
    return bool(function(0)) if function is not None else False


def _release() -> None:
    try:
        time.sleep(RELEASE_DELAY_S)
    finally:
        _pending.release()  # a session that ends from now on asks for a new release
    gc.collect()
    trim_heap()


def release_memory_soon() -> None:
    """Collect garbage and trim the heap shortly, in the background (once for a burst)."""
    if not _pending.acquire(blocking=False):
        return  # a release is already on its way and will cover this session too
    worker = threading.Thread(target=_release, name="alliance-sim-release-memory", daemon=True)
    # Solara's patched Thread runs in the kernel context it was created in: this one must
    # not keep the closing session's context alive, nor run inside it.
    worker.current_context = None  # type: ignore[attr-defined]
    worker.start()
