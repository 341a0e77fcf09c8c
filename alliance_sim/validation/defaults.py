"""The defaults of ``alliance-sim validate``, in a module that imports nothing.

:mod:`alliance_sim.validation.judge` loads the model, SciPy and the trials; the
command line needs only these numbers and words to build its parser and ``--help``,
so they live here.
"""

from __future__ import annotations

__all__ = [
    "CALIBRATION_GENERATIONS",
    "CALIBRATION_POPULATION",
    "CALIBRATION_SEED",
    "CI_SEED",
    "CLINICS_PER_REPLICATE",
    "DEFAULT_REPLICATES",
    "MIN_CLINICS",
    "POSTERIOR_RULES",
    "POSTERIOR_TRIALS_PER_DRAW",
    "ROLES",
    "RULES",
]

CI_SEED = 20141114
"""The seed the test suite (CI) validates with."""

DEFAULT_REPLICATES = 200
"""Simulated trials per trial pattern: enough that verdicts are stable across seeds."""

CLINICS_PER_REPLICATE = 5
"""Default clinics simulated per replicate for the patterns computed from clinics.

The clinics' patients are pooled and cut into simulated studies of each pattern's
published size: with the default 200 replicates, 1,000 clinics of 200 patients.
"""

MIN_CLINICS = 20
"""At least this many clinics, so that even a short run has a few studies of 2,000 patients."""

POSTERIOR_TRIALS_PER_DRAW = 5
"""``validate --posterior``: simulated trials per parameter set drawn from the posterior.

``--replicates R`` draws R / 5 parameter sets (at least 2), each simulated as
``validate --replicates 5`` simulates the defaults, so the trials add up to R."""

CALIBRATION_SEED = 20261130
"""The seed of the shipped calibration (``alliance-sim calibrate``)."""

CALIBRATION_POPULATION = 200
"""Accepted particles per generation of the shipped calibration."""

CALIBRATION_GENERATIONS = 6
"""Generations of the shipped calibration (the first samples from the prior)."""

ROLES: dict[str, str] = {
    "target": "calibration target: used by alliance-sim calibrate (the posterior, the defaults)",
    "check": "check, out of sample: never used by the calibration",
}
"""Each pattern's role, in words."""

RULES: dict[str, str] = {
    "interval": (
        "the statistic is computed for each simulated study of the published size;"
        " the middle 95% of those studies must lie inside the tolerance"
    ),
    "mean": (
        "the model's expected value — the mean over the simulated studies of the"
        " published size — must lie inside the tolerance with its whole 95% confidence"
        " interval (used where the tolerance is built from the published confidence"
        " interval or a pooled estimate, which already carry the sampling error)"
    ),
    "share": (
        "at least the stated share of simulated trials of the published size must reach"
        " the published conclusion"
    ),
}
"""How a pattern is judged, in words."""

POSTERIOR_RULES: dict[str, str] = {
    "interval": (
        "the middle 95% of the simulated studies, pooled over the parameter sets drawn from"
        " the posterior (a posterior predictive interval), must lie inside the tolerance"
    ),
    "mean": (
        "the middle 95% of the model's expected values over the parameter sets drawn from"
        " the posterior (each the mean of its studies) must lie inside the tolerance"
    ),
    "share": (
        "at least the stated share of the simulated trials, pooled over the parameter sets"
        " drawn from the posterior, must reach the published conclusion"
    ),
}
"""How a pattern is judged in a posterior predictive check (``validate --posterior``)."""
