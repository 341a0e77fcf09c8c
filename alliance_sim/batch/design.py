"""Experiment designs: the points to run and one seed per (point, replicate).

A design is built from :class:`Factor` objects — a name, bounds and, where the
design samples, a distribution — so it knows nothing of the clinic model: the
same functions build designs for the Ishigami test function. The methods:

* ``grid`` — every combination of each factor's levels (the first factor varies
  slowest);
* ``lhs`` — a Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`) of ``n`` points;
* ``sobol`` — Saltelli's scheme for Sobol indices (:func:`SALib.sample.sobol.sample`):
  ``n (2k + 2)`` points with second-order indices, ``n (k + 2)`` without; ``n`` must
  be a power of two;
* ``morris`` — ``trajectories`` Morris trajectories of ``k + 1`` points on a grid of
  ``levels`` levels (:func:`SALib.sample.morris.sample`);
* ``csv`` — the points of a table (one column per factor).

Sampled values are drawn on the unit hypercube and mapped through each factor's
inverse distribution function (uniform, truncated normal or triangular);
integer factors are rounded. The sampler's seed and the run seeds both derive
from the experiment seed: run *i* (in ``run_id`` order) gets
``replicate_seeds(seed, n_runs)[i]`` (``numpy.random.SeedSequence``), stored in
the design table, so every run can be reproduced alone.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import check_seed

__all__ = [
    "DESIGN_COLUMNS",
    "DISTRIBUTIONS",
    "METHODS",
    "Factor",
    "design_seeds",
    "factor_columns",
    "make_design",
    "points_table",
    "sample_points",
    "sampler_seed",
    "sobol_runs",
]

METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris", "csv")
"""The design methods."""

DISTRIBUTIONS: tuple[str, ...] = ("uniform", "normal", "triangular")
"""The distributions of a sampled factor (``lhs`` and ``sobol`` designs)."""

DESIGN_COLUMNS: tuple[str, ...] = ("run_id", "point", "replicate", "seed")
"""The columns every design table starts with; the factors follow."""


@dataclass(frozen=True)
class Factor:
    """One varied input: its levels (grid) or its range and distribution (sampled designs).

    Attributes:
        name: the input's name (for the clinic: a parameter of ``alliance-sim params``).
        values: explicit levels, for grids (numbers or strings).
        low: the lowest value a sample may take.
        high: the highest value a sample may take.
        distribution: ``uniform`` on [low, high]; ``normal`` with ``mean`` and ``sd``,
            truncated to [low, high]; ``triangular`` on [low, high] with its mode at ``peak``.
        mean: the normal distribution's mean.
        sd: the normal distribution's standard deviation.
        peak: the triangular distribution's mode.
        integer: round sampled values to whole numbers.
    """

    name: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    distribution: str = "uniform"
    mean: float | None = None
    sd: float | None = None
    peak: float | None = None
    integer: bool = False

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples ``u`` through this factor's inverse distribution function."""
        if self.low is None or self.high is None:
            raise AllianceSimError(f"factor {self.name}: a sampled factor needs low and high")
        low, high = float(self.low), float(self.high)
        if self.distribution == "uniform":
            x = low + u * (high - low)
        elif self.distribution == "normal":
            if self.mean is None or self.sd is None:
                raise AllianceSimError(f"factor {self.name}: a normal factor needs mean and sd")
            a, b = (low - self.mean) / self.sd, (high - self.mean) / self.sd
            x = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        elif self.distribution == "triangular":
            if self.peak is None:
                raise AllianceSimError(f"factor {self.name}: a triangular factor needs peak")
            c = (self.peak - low) / (high - low)
            x = stats.triang.ppf(u, c, loc=low, scale=high - low)
        else:
            raise AllianceSimError(
                f"factor {self.name}: unknown distribution {self.distribution!r};"
                f" allowed are {', '.join(DISTRIBUTIONS)}"
            )
        x = np.clip(np.asarray(x, dtype=float), low, high)
        return np.rint(x) if self.integer else x

    def levels(self) -> list[Any]:
        """The grid levels: ``values`` as given."""
        if not self.values:
            raise AllianceSimError(f"factor {self.name}: a grid factor needs values")
        return list(self.values)


def sampler_seed(seed: int) -> int:
    """The seed of the design sampler (LHS, Sobol scrambling, Morris), derived from ``seed``."""
    state = np.random.SeedSequence([check_seed(seed), 1]).generate_state(1, dtype=np.uint32)
    return int(state[0])


def sobol_runs(n: int, k: int, second_order: bool = True) -> int:
    """The number of design points of Saltelli's scheme: ``n (2k + 2)`` or ``n (k + 2)``."""
    return n * (2 * k + 2) if second_order else n * (k + 2)


def _unit_problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def sample_points(
    factors: Sequence[Factor],
    method: str,
    seed: int = 0,
    *,
    n: int | None = None,
    second_order: bool = True,
    trajectories: int = 10,
    levels: int = 4,
    points: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The design points: one row per point, one column per factor.

    Args:
        factors: the varied inputs, in column order.
        method: one of :data:`METHODS`.
        seed: the experiment seed (the sampler's seed is derived from it).
        n: the number of points (``lhs``) or Saltelli's base sample size (``sobol``,
            a power of two).
        second_order: ``sobol``: also sample for second-order indices.
        trajectories: ``morris``: the number of trajectories.
        levels: ``morris``: the number of grid levels.
        points: ``csv``: the points themselves.

    Raises:
        AllianceSimError: for an unknown method or missing or bad settings.
    """
    names = [f.name for f in factors]
    if method == "grid":
        combos = list(itertools.product(*(f.levels() for f in factors)))
        return pd.DataFrame(combos, columns=names)
    if method == "csv":
        if points is None:
            raise AllianceSimError("a csv design needs its points")
        return points.reset_index(drop=True)
    if method not in METHODS:
        raise AllianceSimError(f"unknown design {method!r}; allowed are {', '.join(METHODS)}")
    rng_seed = sampler_seed(seed)
    if method == "lhs":
        if n is None or n < 1:
            raise AllianceSimError(f"an lhs design needs n ≥ 1 points, not {n!r}")
        try:
            sampler = stats.qmc.LatinHypercube(d=len(factors), rng=rng_seed)
        except TypeError:  # scipy < 1.15 calls it seed
            sampler = stats.qmc.LatinHypercube(d=len(factors), seed=rng_seed)
        unit = sampler.random(n)
    elif method == "sobol":
        from SALib.sample import sobol

        if n is None or n < 1 or n & (n - 1):
            raise AllianceSimError(f"a sobol design needs n a power of two, not {n!r}")
        unit = sobol.sample(
            _unit_problem(factors), n, calc_second_order=second_order, scramble=True, seed=rng_seed
        )
    else:  # morris: SALib samples on the factors' own grid
        from SALib.sample import morris

        problem = {
            "num_vars": len(factors),
            "names": names,
            "bounds": [[0.0, 1.0]] * len(factors),
        }
        unit = morris.sample(problem, trajectories, num_levels=levels, seed=rng_seed)
    columns = {f.name: f.ppf(unit[:, j]) for j, f in enumerate(factors)}
    frame = pd.DataFrame(columns)
    for f in factors:
        if f.integer:
            frame[f.name] = frame[f.name].astype("int64")
    return frame


def design_seeds(seed: int, n_runs: int) -> np.ndarray:
    """One seed per run, in ``run_id`` order, from ``numpy.random.SeedSequence(seed)``.

    The same as :func:`alliance_sim.simulation.replicate_seeds`: child *i* of the
    experiment seed's sequence, as a non-negative 63-bit integer.
    """
    children = np.random.SeedSequence(check_seed(seed)).spawn(n_runs)
    return np.array(
        [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children],
        dtype=np.int64,
    )


def make_design(points: pd.DataFrame, replicates: int, seed: int) -> pd.DataFrame:
    """The design table: one row per run (each point × each replicate) with its seed.

    Columns: ``run_id`` (0, 1, …), ``point`` (the row of ``points``), ``replicate``
    (0 … replicates − 1), ``seed``, then the factor columns. Run ``point × replicates
    + replicate`` has run id of that number.
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise AllianceSimError(f"replicates = {replicates!r} is not allowed: a whole number ≥ 1")
    n_points = len(points)
    n_runs = n_points * replicates
    point = np.repeat(np.arange(n_points, dtype=np.int64), replicates)
    design = pd.DataFrame(
        {
            "run_id": np.arange(n_runs, dtype=np.int64),
            "point": point,
            "replicate": np.tile(np.arange(replicates, dtype=np.int64), n_points),
            "seed": design_seeds(seed, n_runs),
        }
    )
    expanded = points.iloc[point].reset_index(drop=True)
    return pd.concat([design, expanded], axis=1)


def factor_columns(design: pd.DataFrame) -> list[str]:
    """The factor columns of a design or run table (those after the design columns)."""
    return [c for c in design.columns if c not in DESIGN_COLUMNS]


def points_table(design: pd.DataFrame) -> pd.DataFrame:
    """One row per design point (``point`` and the factor columns), in point order."""
    columns = ["point", *factor_columns(design)]
    return design[columns].drop_duplicates("point").sort_values("point").reset_index(drop=True)


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and not n & (n - 1)


def nearest_powers_of_two(n: int) -> tuple[int, int]:
    """The powers of two just below and just above ``n``."""
    below = 2 ** max(0, math.floor(math.log2(max(n, 1))))
    return below, below * 2
