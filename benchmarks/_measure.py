"""Measuring in a fresh Python process: start the measurement, read its peak memory.

The benchmark scripts (``benchmarks/engines.py``, ``benchmarks/sweep.py``) measure
peak memory in a fresh interpreter, so that nothing the parent process imported or
allocated counts: the parent runs its own script again with a hidden option
(:func:`run_in_fresh_process`), the child measures and prints one JSON object of
figures on stdout, and the parent reads it back.

Peak memory is read with :func:`peak_rss_mb` (the process itself) and
:func:`children_peak_rss_mb` (its finished children, such as pool workers).

The scripts are run as ``python benchmarks/<name>.py``, which puts this folder on
``sys.path``; they import this module as ``_measure``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["MB", "children_peak_rss_mb", "peak_rss_mb", "run_in_fresh_process"]

MB = 2**20
"""Bytes per megabyte (MiB)."""


def _maxrss_mb(who: int) -> float:
    """``getrusage(who).ru_maxrss`` in MB (the kernel reports bytes on macOS, KB elsewhere)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / MB if sys.platform == "darwin" else rss * 1024 / MB


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB.

    On Linux, ``getrusage(RUSAGE_SELF).ru_maxrss`` of a process started with
    :mod:`subprocess` carries over the *parent's* peak (the kernel keeps the
    maximum across ``exec``), so the high-water mark of the process's own memory,
    ``VmHWM`` in ``/proc/self/status``, is read instead where it exists.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    return _maxrss_mb(resource.RUSAGE_SELF)


def children_peak_rss_mb() -> float:
    """The largest peak resident set size of this process's finished children, in MB."""
    return _maxrss_mb(resource.RUSAGE_CHILDREN)


def run_in_fresh_process(script: str, args: Sequence[str], what: str) -> dict[str, float]:
    """Run ``script`` with ``args`` in a fresh Python process; the figures it prints.

    Args:
        script: the Python file to run (the caller's ``__file__``).
        args: its command-line arguments (the hidden option that makes it measure).
        what: what is measured, for the error message, e.g. ``"1000 replicates"``.

    Returns:
        The one JSON object the child printed on stdout.

    Raises:
        RuntimeError: the child failed (its stderr is copied to this process's stderr).
    """
    command = [sys.executable, os.path.abspath(script), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"the memory measurement of {what} failed")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures
