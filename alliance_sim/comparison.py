"""Comparing two clinics: paired replicates, mean differences and 95% intervals.

Both clinics run with the same replicate seeds, so replicate *r* of each
treats the same patients with the same random numbers (common random
numbers); the difference B − A is estimated per replicate and summarised
with a t interval over replicates.

With ``uncertainty=True`` each replicate also draws its calibrated parameters from
the posterior (:mod:`alliance_sim.core.posterior`; the same draw for A and B, each
clinic keeping the values its scenario or ``--set`` chose), so the intervals include
parameter uncertainty as well as patients' sampling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from alliance_sim.core.errors import ParameterError, shown
from alliance_sim.core.params import Params, check_seed
from alliance_sim.core.posterior import Posterior, posterior_parameter_sets
from alliance_sim.core.scales import band_caption
from alliance_sim.records.metrics import COMPARE_METRICS, METRICS, check_metrics
from alliance_sim.simulation import Replicates, replicate_seeds, run_replicates

__all__ = ["MAX_REPLICATES", "Comparison", "compare", "difference_table"]

MAX_REPLICATES = 10_000
"""The most replicates per clinic :func:`compare` runs (as ``alliance-sim compare``)."""


@dataclass
class Comparison:
    """Two clinics run over the same replicate seeds."""

    label_a: str
    label_b: str
    a: Replicates
    b: Replicates
    seeds: list[int]
    table: pd.DataFrame
    """One row per metric: metric, label, unit, mean_a, mean_b, diff, ci_low, ci_high."""
    uncertainty: bool = False
    """Whether each replicate drew its calibrated parameters from the posterior."""
    parameters_a: pd.DataFrame | None = None
    """With ``uncertainty``: clinic A's calibrated parameter values per replicate."""
    parameters_b: pd.DataFrame | None = None
    """With ``uncertainty``: clinic B's calibrated parameter values per replicate."""

    @property
    def band(self) -> str:
        """What the intervals show: patients' sampling (and parameter uncertainty)."""
        return band_caption(self.uncertainty)


def difference_table(
    runs_a: pd.DataFrame, runs_b: pd.DataFrame, metrics: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per metric: the means of A and B and the paired difference B − A with a t interval.

    Only replicates where both clinics have a value are used, so
    ``diff == mean_b − mean_a``.
    """
    rows = []
    for metric in metrics:
        a = runs_a[metric].to_numpy(dtype=float)
        b = runs_b[metric].to_numpy(dtype=float)
        diff = b - a
        ok = ~np.isnan(diff)
        d = diff[ok]
        mean = float(d.mean()) if len(d) else float("nan")
        if len(d) >= 2:
            half = float(
                stats.t.ppf(0.5 + confidence / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
            )
        else:
            half = float("nan")
        rows.append(
            {
                "metric": metric,
                "label": METRICS[metric].label,
                "unit": METRICS[metric].unit,
                "mean_a": float(a[ok].mean()) if ok.any() else float("nan"),
                "mean_b": float(b[ok].mean()) if ok.any() else float("nan"),
                "diff": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
            }
        )
    return pd.DataFrame(rows)


def compare(
    params_a: Params,
    params_b: Params,
    replicates: int = 10,
    seed: int = 0,
    label_a: str = "A",
    label_b: str = "B",
    metrics: Sequence[str] = COMPARE_METRICS,
    progress: Callable[[int], None] | None = None,
    engine: str = "cohort",
    uncertainty: bool = False,
    posterior: Posterior | None = None,
) -> Comparison:
    """Run both clinics over ``replicates`` paired seeds derived from ``seed`` and compare them.

    ``engine``: ``"cohort"`` (default) or ``"agent"``; both give the same numbers.

    ``uncertainty``: each replicate draws the calibrated parameters from the posterior
    (``posterior``, default the shipped one), the same draw in A and B, reproducible
    from ``seed``; each clinic keeps the values that differ from the defaults (its
    scenario's and its overrides). The replicates' seeds, and so the patients, are those
    of the run without it.

    Raises:
        ParameterError: for parameters that are not ``Params``, replicates that are
            not a whole number from 2 to :data:`MAX_REPLICATES`, a bad seed, labels that
            are not texts, or an unknown metric.
    """
    for name, params in (("params_a", params_a), ("params_b", params_b)):
        if not isinstance(params, Params):
            raise ParameterError(f"{name} = {shown(params)} is not allowed: a Params")
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 2 <= replicates <= MAX_REPLICATES
    ):
        raise ParameterError(
            f"replicates = {shown(replicates)} is not allowed: a whole number from 2 to"
            f" {MAX_REPLICATES:,}"
        )
    check_seed(seed)
    for name, label in (("label_a", label_a), ("label_b", label_b)):
        if not isinstance(label, str):
            raise ParameterError(f"{name} = {shown(label)} is not allowed: a text")
    if not isinstance(uncertainty, bool):
        raise ParameterError(f"uncertainty = {shown(uncertainty)} is not allowed: True or False")
    metrics = check_metrics(metrics)
    seeds = replicate_seeds(seed, replicates)
    if not uncertainty:
        a = run_replicates(params_a, seeds, progress, engine)
        b = run_replicates(params_b, seeds, progress, engine)
        return Comparison(label_a, label_b, a, b, seeds, difference_table(a.runs, b.runs, metrics))
    sets_a, drawn_a = posterior_parameter_sets(params_a, replicates, seed, posterior=posterior)
    sets_b, drawn_b = posterior_parameter_sets(params_b, replicates, seed, posterior=posterior)
    a = run_replicates(sets_a, seeds, progress, engine)
    b = run_replicates(sets_b, seeds, progress, engine)
    return Comparison(
        label_a,
        label_b,
        a,
        b,
        seeds,
        difference_table(a.runs, b.runs, metrics),
        uncertainty=True,
        parameters_a=drawn_a,
        parameters_b=drawn_b,
    )
