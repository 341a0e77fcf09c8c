"""The defaults of ``alliance-sim validate``, in a module that imports nothing.

:mod:`alliance_sim.validation.patterns` loads the model, SciPy and the trials; the
command line needs only these numbers to build its parser and ``--help``, so
they live here and :mod:`alliance_sim.validation.patterns` re-exports them.
"""

from __future__ import annotations

__all__ = ["CI_SEED", "DEFAULT_REPLICATES"]

CI_SEED = 20141114
"""The seed the test suite (CI) validates with."""

DEFAULT_REPLICATES = 200
"""Simulated trials per trial pattern: enough that verdicts are stable across seeds."""
