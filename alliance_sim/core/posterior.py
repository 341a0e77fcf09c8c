"""The posterior of the calibrated parameters: weighted particles shipped as data.

The Bayesian calibration (``alliance-sim calibrate``,
:mod:`alliance_sim.validation.calibration`) ends with a population of weighted
particles: one row per particle, a column per calibrated parameter and ``weight``.
It ships in the package as Parquet (:data:`POSTERIOR_PATH`) with its provenance in
the file's metadata (date, seed, generations, acceptance rate, effective sample
size, wall time, code version). The schema's defaults of the calibrated parameters
are a documented point of it: the point search's values, each inside its 90% credible
interval (not the medians, with which 5 of the 15 targets miss; see
:data:`alliance_sim.core.params.SCHEMA`).

:func:`read_posterior` validates the file as it loads it — a missing, unreadable or
mismatched file (columns that are not the calibrated parameters, a parameter the
schema does not know, a value outside the schema's range or the prior's, a weight
that is not positive) is a :class:`~alliance_sim.core.errors.PosteriorError` naming
the file, never a silent default. A :class:`Posterior` gives medians, credible
intervals and weighted draws of parameter sets from a numpy Generator;
:func:`posterior_parameter_sets` turns draws into one :class:`Params` per replicate
(what ``--uncertainty`` runs), and :func:`~alliance_sim.core.scales.band_caption` says in a figure's legend
which kind of band it shows.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alliance_sim.core.errors import PosteriorError, shown
from alliance_sim.core.params import SCHEMA, Kind, Params, check_seed

__all__ = [
    "CREDIBLE_MASS",
    "METADATA_KEY",
    "POSTERIOR_PATH",
    "UNCERTAINTY_STREAM",
    "WEIGHT_COLUMN",
    "Posterior",
    "credible_text",
    "default_posterior",
    "parameter_help",
    "posterior_parameter_sets",
    "read_posterior",
    "write_posterior",
]

POSTERIOR_PATH = Path(__file__).resolve().parent / "data" / "posterior.parquet"
"""The shipped posterior (written by ``alliance-sim calibrate --out``)."""

WEIGHT_COLUMN = "weight"
"""The column of the particles' weights."""

METADATA_KEY = b"alliance_sim.posterior"
"""The Parquet metadata key that holds the provenance (JSON)."""

CREDIBLE_MASS = 0.9
"""The posterior mass of the credible intervals shown (5th to 95th weighted percentile)."""

NOT_IDENTIFIED = 0.75
"""A parameter whose 90% credible interval is wider than this share of its prior's 90%
interval is reported as not identified by the patterns (its posterior ≈ its prior)."""

UNCERTAINTY_STREAM = 0x706F7374
"""Draws of parameter sets use ``default_rng([seed, UNCERTAINTY_STREAM])``: a stream of
their own, so the replicates' seeds (and so the patients) are those of a run without
``--uncertainty``."""


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: Any) -> np.ndarray:
    """Quantiles of a weighted sample: the smallest value whose weighted CDF reaches ``q``.

    The inverse of the weighted empirical CDF (as pyabc's ``weighted_quantile``), so a
    quantile is always one of the particles' values.
    """
    order = np.argsort(values, kind="stable")
    v, cdf = values[order], np.cumsum(weights[order])
    cdf /= cdf[-1]
    index = np.searchsorted(cdf, np.asarray(q, dtype=float) - 1e-12, side="left")
    return v[np.clip(index, 0, len(v) - 1)]


@dataclass(frozen=True)
class Posterior:
    """Weighted particles over the calibrated parameters, with the run's provenance."""

    path: Path
    particles: pd.DataFrame
    """One row per particle, one float column per calibrated parameter."""
    weights: np.ndarray
    """The particles' weights, summing to 1."""
    metadata: dict[str, Any]
    """The provenance: date, seed, generations, acceptance rate, ESS, wall time, prior, …"""

    @property
    def names(self) -> tuple[str, ...]:
        """The calibrated parameters, in the file's order."""
        return tuple(self.particles.columns)

    @property
    def prior(self) -> dict[str, tuple[float, float]]:
        """Each parameter's uniform prior range."""
        return {name: (float(lo), float(hi)) for name, (lo, hi) in self.metadata["prior"].items()}

    def quantile(self, q: float) -> dict[str, float]:
        """The weighted ``q``-quantile of each parameter."""
        return {
            name: float(_weighted_quantiles(self.particles[name].to_numpy(float), self.weights, q))
            for name in self.names
        }

    def median(self) -> dict[str, float]:
        """The weighted posterior median of each parameter."""
        return self.quantile(0.5)

    def interval(self, mass: float = CREDIBLE_MASS) -> dict[str, tuple[float, float]]:
        """Each parameter's central credible interval of ``mass`` (e.g. 5th–95th percentile)."""
        low, high = self.quantile((1 - mass) / 2), self.quantile((1 + mass) / 2)
        return {name: (low[name], high[name]) for name in self.names}

    def correlations(self) -> pd.DataFrame:
        """The weighted correlation matrix of the parameters."""
        x = self.particles.to_numpy(float)
        mean = self.weights @ x
        centred = x - mean
        cov = (centred * self.weights[:, None]).T @ centred
        sd = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / np.outer(sd, sd)
        return pd.DataFrame(corr, index=list(self.names), columns=list(self.names))

    def summary(self, mass: float = CREDIBLE_MASS) -> pd.DataFrame:
        """One row per parameter: median, credible interval, prior range, identification.

        ``width_ratio`` is the credible interval's width over the prior's interval of the
        same mass; ``identified`` is False when it exceeds :data:`NOT_IDENTIFIED`.
        """
        median, interval, prior = self.median(), self.interval(mass), self.prior
        rows = []
        for name in self.names:
            low, high = interval[name]
            prior_low, prior_high = prior[name]
            ratio = (high - low) / (mass * (prior_high - prior_low))
            rows.append(
                {
                    "name": name,
                    "median": median[name],
                    "low": low,
                    "high": high,
                    "prior_low": prior_low,
                    "prior_high": prior_high,
                    "width_ratio": ratio,
                    "identified": bool(ratio <= NOT_IDENTIFIED),
                }
            )
        return pd.DataFrame(rows)

    def draw(self, rng: np.random.Generator, n: int) -> list[dict[str, float]]:
        """``n`` parameter sets drawn from the posterior: particles resampled by weight."""
        if not isinstance(rng, np.random.Generator):
            raise PosteriorError(f"rng = {shown(rng)} is not allowed: a numpy Generator")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise PosteriorError(f"n = {shown(n)} is not allowed: a whole number ≥ 0")
        rows = rng.choice(len(self.weights), size=int(n), replace=True, p=self.weights)
        values = self.particles.to_numpy(float)
        return [dict(zip(self.names, map(float, values[i]), strict=True)) for i in rows]


def _fail(path: Path, why: str) -> PosteriorError:
    return PosteriorError(f"{path}: {why}")


def _check_metadata(path: Path, raw: Mapping[bytes, bytes] | None) -> dict[str, Any]:
    if not raw or METADATA_KEY not in raw:
        raise _fail(path, "no provenance in the file's metadata; not a posterior of this model")
    try:
        metadata = json.loads(raw[METADATA_KEY].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(path, "its provenance metadata is not valid JSON") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("prior"), dict):
        raise _fail(path, "its provenance metadata has no prior ranges ('prior')")
    for name, bounds in metadata["prior"].items():
        ok = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and math.isfinite(b) for b in bounds)
            and bounds[0] < bounds[1]
        )
        if not ok:
            raise _fail(
                path,
                f"the prior range of {shown(name)} is {shown(bounds)}: two numbers, low < high",
            )
    return metadata


def _check_frame(path: Path, frame: pd.DataFrame, metadata: dict[str, Any]) -> pd.DataFrame:
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise _fail(path, "a column appears twice")
    if WEIGHT_COLUMN not in columns:
        raise _fail(path, f"no {WEIGHT_COLUMN!r} column")
    names = [c for c in columns if c != WEIGHT_COLUMN]
    if not names:
        raise _fail(path, "no parameter columns")
    for name in names:
        spec = SCHEMA.get(name)
        if spec is None:
            raise _fail(path, f"column {shown(name)} is not a parameter of the model")
        if spec.kind is not Kind.FLOAT:
            raise _fail(path, f"column {name!r} is not a numeric parameter ({spec.kind.value})")
    prior = metadata["prior"]
    if set(prior) != set(names):
        missing = sorted(set(prior) - set(names))
        extra = sorted(set(names) - set(prior))
        raise _fail(
            path,
            "its columns do not match its prior"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; not in the prior: {', '.join(extra)}" if extra else ""),
        )
    if frame.empty:
        raise _fail(path, "no particles")
    for name in [*names, WEIGHT_COLUMN]:
        if not pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(
            frame[name]
        ):
            raise _fail(path, f"column {name!r} is not numeric ({frame[name].dtype})")
    values = frame[names].to_numpy(dtype=float)
    weights = frame[WEIGHT_COLUMN].to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights <= 0).any():
        bad = float(weights[~(np.isfinite(weights) & (weights > 0))][0])
        raise _fail(path, f"weight {bad!r} is not allowed: every weight must be a number > 0")
    for j, name in enumerate(names):
        spec = SCHEMA[name]
        column = values[:, j]
        low, high = (float(b) for b in prior[name])
        if not (
            spec.low is not None and spec.high is not None and spec.low <= low and high <= spec.high
        ):
            raise _fail(
                path,
                f"the prior of {name} ({low:g} to {high:g}) is outside its allowed range"
                f" ({spec.allowed()})",
            )
        outside = ~np.isfinite(column) | (column < low) | (column > high)
        if outside.any():
            raise _fail(
                path,
                f"{name} = {float(column[outside][0])!r} (particle {int(np.argmax(outside))}) is"
                " outside"
                f" its prior range {low:g} to {high:g} ({spec.allowed()})",
            )
    return frame[names].astype(float).reset_index(drop=True)


def read_posterior(path: Path | str = POSTERIOR_PATH) -> Posterior:
    """Read and validate a posterior file.

    Raises:
        PosteriorError: naming the file, for a missing or unreadable file, missing or
            invalid provenance, columns that are not the prior's parameters or not
            parameters of the model, values outside the prior's or the schema's range,
            or weights that are not positive numbers.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise _fail(
            path,
            "the posterior file is missing (run 'alliance-sim calibrate' to make it, or"
            " reinstall the package)",
        )
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        text = " ".join(str(error).split())[:160]
        raise _fail(path, f"not a readable Parquet file ({text})") from None
    metadata = _check_metadata(path, table.schema.metadata)
    frame = table.to_pandas()
    particles = _check_frame(path, frame, metadata)
    weights = frame[WEIGHT_COLUMN].to_numpy(dtype=float)
    return Posterior(path, particles, weights / weights.sum(), metadata)


@functools.lru_cache(maxsize=1)
def default_posterior() -> Posterior:
    """The shipped posterior (:data:`POSTERIOR_PATH`), read and validated once."""
    return read_posterior(POSTERIOR_PATH)


def write_posterior(
    particles: pd.DataFrame, metadata: Mapping[str, Any], path: Path | str = POSTERIOR_PATH
) -> Posterior:
    """Write weighted particles and their provenance as Parquet, all or nothing; read it back.

    The file is validated before it replaces ``path`` (a temporary file beside it, then
    ``os.replace``), so a bad posterior never lands.

    Raises:
        PosteriorError: if the particles would not pass :func:`read_posterior`.
        OSError: if the file cannot be written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    table = pa.Table.from_pandas(particles.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(dict(metadata)).encode()}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        read_posterior(temporary)  # refuse to ship what could not be read back
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    default_posterior.cache_clear()
    return read_posterior(path)


def credible_text(name: str, posterior: Posterior | None = None) -> str:
    """``"90% credible interval 0.38 – 0.47 (prior 0.3 – 0.9)"`` for a calibrated parameter, else ''.

    Read from the posterior (default: the shipped one), never written by hand.
    """
    posterior = posterior or default_posterior()
    if name not in posterior.names:
        return ""
    low, high = posterior.interval()[name]
    prior_low, prior_high = posterior.prior[name]
    return (
        f"{100 * CREDIBLE_MASS:.0f}% credible interval {low:.4g} – {high:.4g}"
        f" (prior {prior_low:g} – {prior_high:g})"
    )


def parameter_help(name: str, posterior: Posterior | None = None) -> str:
    """A parameter's help text, with its credible interval when it is calibrated.

    What a face shows as the parameter's help (``alliance-sim params``; a slider's tip).

    Raises:
        PosteriorError: for a bad posterior file.
        KeyError: for a name that is not a parameter.
    """
    text = SCHEMA[name].help
    interval = credible_text(name, posterior)
    return f"{text} Posterior {interval}." if interval else text


def posterior_parameter_sets(
    params: Params,
    n: int,
    seed: int,
    keep: Collection[str] | None = None,
    posterior: Posterior | None = None,
) -> tuple[list[Params], pd.DataFrame]:
    """``n`` parameter sets: ``params`` with the calibrated parameters drawn from the posterior.

    Draw *r* is the *r*-th of ``posterior.draw(default_rng([seed, UNCERTAINTY_STREAM]), n)``,
    so the draws follow from the seed and are the same for every clinic run with it.

    Args:
        params: the parameter set the draws are applied to.
        n: how many sets (one per replicate).
        seed: the run's seed.
        keep: parameters that keep their value in ``params`` (default: those that differ
            from the schema's defaults — what a scenario, a protocol or ``--set`` chose).
        posterior: default :func:`default_posterior`.

    Returns:
        (the parameter sets, a table of the drawn values: ``replicate`` and one column per
        calibrated parameter, with the values each replicate used).

    Raises:
        PosteriorError: for a bad posterior file.
    """
    posterior = posterior or default_posterior()
    kept = set(params.changed() if keep is None else keep)
    rng = np.random.default_rng([check_seed(seed), UNCERTAINTY_STREAM])
    sets: list[Params] = []
    rows: list[dict[str, Any]] = []
    for replicate, draw in enumerate(posterior.draw(rng, n)):
        chosen = {name: value for name, value in draw.items() if name not in kept}
        member = params.replace(**chosen)
        sets.append(member)
        rows.append({"replicate": replicate, **{name: member[name] for name in draw}})
    columns = ["replicate", *posterior.names]
    return sets, pd.DataFrame(rows, columns=columns)
