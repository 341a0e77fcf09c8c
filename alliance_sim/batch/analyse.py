"""Analysing a sweep: Sobol and Morris indices, and grid summaries with 95% intervals.

The analyses take the run table (one row per run) and know nothing of the model:

* :func:`grid_summary` — per design point (the varied parameters' values) and
  output: the number of successful runs, mean, standard deviation and a 95% t
  interval of the mean over replicates;
* :func:`sobol_indices` — first-order (S1), total (ST) and optionally second-order
  (S2) Sobol indices with bootstrap confidence intervals
  (:func:`SALib.analyze.sobol.analyze`) from a Saltelli design;
* :func:`morris_indices` — Morris μ, μ*, σ and the interval of μ*
  (:func:`SALib.analyze.morris.analyze`) from a Morris design.

SALib needs one value per design point, so replicates are averaged per point
first (:func:`point_means`). The ``*_conf`` columns are half-widths: the interval
is the index ± conf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from alliance_sim.core.errors import AllianceSimError

__all__ = [
    "SobolIndices",
    "grid_summary",
    "morris_indices",
    "point_means",
    "sobol_indices",
]

CONFIDENCE = 0.95
"""The confidence level of every interval."""

BOOTSTRAP_SEED = 20_061_979
"""The seed of the bootstrap resampling, so that intervals are reproducible (SALib
ignores a seed of 0, so the default is not 0)."""


def point_means(runs: pd.DataFrame, outputs: Sequence[str], n_points: int) -> pd.DataFrame:
    """The mean of each output over the successful runs of each point (rows 0 … n_points − 1).

    Raises:
        AllianceSimError: when a point has no successful run (SALib needs them all).
    """
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[list(outputs)].mean().reindex(range(n_points))
    missing = int(means.index.difference(ok["point"].unique()).size)
    if missing:
        raise AllianceSimError(
            f"{missing} of {n_points} design points have no successful run (not run yet,"
            " or every replicate raised: see the status and error columns); the"
            " sensitivity analysis needs every point"
        )
    return means


def _problem(factors: Sequence[str]) -> dict[str, object]:
    return {
        "num_vars": len(factors),
        "names": list(factors),
        "bounds": [[0.0, 1.0]] * len(factors),
    }


@dataclass
class SobolIndices:
    """Sobol indices per output: first-order and total, and second-order when sampled."""

    first_total: pd.DataFrame
    """Columns: output, parameter, S1, S1_conf, ST, ST_conf."""
    second: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Columns: output, parameter_a, parameter_b, S2, S2_conf (empty without second order)."""


def sobol_indices(
    runs: pd.DataFrame,
    factors: Sequence[str],
    outputs: Sequence[str],
    n_points: int,
    second_order: bool = True,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
) -> SobolIndices:
    """Sobol indices of each output from the runs of a Saltelli (``sobol``) design.

    Args:
        runs: the run table.
        factors: the varied parameters, in design column order.
        outputs: the outputs to analyse.
        n_points: the number of design points.
        second_order: whether the design was sampled for second-order indices.
        num_resamples: bootstrap resamples for the confidence intervals.
        seed: the bootstrap's seed.

    An output that is NaN at some point (e.g. a questionnaire score when none was
    taken) gets NaN indices.
    """
    from SALib.analyze import sobol

    means = point_means(runs, outputs, n_points)
    problem = _problem(factors)
    rows, pairs = [], []
    for output in outputs:
        y = means[output].to_numpy(dtype=float)
        if np.isnan(y).any():
            result = None
        else:
            result = sobol.analyze(
                problem,
                y,
                calc_second_order=second_order,
                num_resamples=num_resamples,
                conf_level=CONFIDENCE,
                seed=seed,
            )
        rows += _parameter_rows(output, factors, result, ("S1", "S1_conf", "ST", "ST_conf"))
        if second_order:
            for a in range(len(factors)):
                for b in range(a + 1, len(factors)):
                    pairs.append(
                        {
                            "output": output,
                            "parameter_a": factors[a],
                            "parameter_b": factors[b],
                            "S2": float(result["S2"][a, b]) if result is not None else np.nan,
                            "S2_conf": float(result["S2_conf"][a, b])
                            if result is not None
                            else np.nan,
                        }
                    )
    return SobolIndices(pd.DataFrame(rows), pd.DataFrame(pairs))


def _parameter_rows(
    output: str, factors: Sequence[str], result: Any, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per parameter: the output, the parameter and ``result[key]`` of each of ``keys``.

    ``result`` is SALib's answer for ``output``, or None when the output could not
    be analysed (a failed run left a design point without a value): then NaN.
    """
    return [
        {
            "output": output,
            "parameter": name,
            **{key: float(result[key][j]) if result is not None else np.nan for key in keys},
        }
        for j, name in enumerate(factors)
    ]


def morris_indices(
    runs: pd.DataFrame,
    points: pd.DataFrame,
    factors: Sequence[str],
    outputs: Sequence[str],
    levels: int = 4,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Morris elementary-effect statistics of each output from a ``morris`` design.

    Args:
        runs: the run table.
        points: the design points (one row per point, in point order, factor columns).
        factors: the varied parameters.
        outputs: the outputs to analyse.
        levels: the design's number of grid levels.
        num_resamples: bootstrap resamples for the interval of μ*.
        seed: the bootstrap's seed.

    Returns:
        Columns: output, parameter, mu, mu_star, sigma, mu_star_conf.
    """
    from SALib.analyze import morris

    means = point_means(runs, outputs, len(points))
    x = points[list(factors)].to_numpy(dtype=float)
    problem = _problem(factors)
    rows = []
    for output in outputs:
        y = means[output].to_numpy(dtype=float)
        result = None
        if not np.isnan(y).any():
            result = morris.analyze(
                problem,
                x,
                y,
                num_resamples=num_resamples,
                conf_level=CONFIDENCE,
                num_levels=levels,
                seed=seed,
            )
        rows += _parameter_rows(output, factors, result, ("mu", "mu_star", "sigma", "mu_star_conf"))
    return pd.DataFrame(rows)


def grid_summary(
    runs: pd.DataFrame,
    params: Sequence[str],
    outputs: Sequence[str],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per combination of ``params`` and per output: n, mean, sd and a t interval of the mean.

    Only successful runs count. Parameters left out of ``params`` are pooled over.
    Columns: the parameters, ``output``, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``
    (the mean ± t(0.975, n − 1) · sd / √n; equal to the mean when n = 1).
    This is the table behind :func:`~alliance_sim.batch.figures.grid_figure`.
    """
    params = list(params)
    missing = [p for p in (*params, *outputs) if p not in runs.columns]
    if missing:
        raise AllianceSimError(f"the run table has no column {missing[0]!r}")
    ok = runs[runs["status"] == "ok"]
    frames = []
    for output in outputs:
        grouped = ok.groupby(params, sort=True)[output]
        table = grouped.agg(n="count", mean="mean", sd="std").reset_index()
        n = table["n"].to_numpy()
        sd = table["sd"].fillna(0.0).to_numpy()
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), 0.0)
        table["ci_low"] = table["mean"] - half
        table["ci_high"] = table["mean"] + half
        table.insert(len(params), "output", output)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
