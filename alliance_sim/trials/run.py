"""Running a virtual trial: simulate every arm, analyse, set beside the published results.

Each arm is its own group of patients (its own random numbers, as randomised
groups are independent), simulated with the cohort engine: one replicate
clinic per replicate trial, ``n`` patients treated with the arm's parameters.
Seeds derive from one seed with ``numpy.random.SeedSequence`` (one child per
arm, then one per replicate), so a trial is reproducible from
``(protocol, n_per_arm, replicates, seed)``.

With ``uncertainty=True`` each replicate trial also draws the calibrated parameters
from the posterior (:func:`~alliance_sim.core.posterior.posterior_parameter_sets`,
reproducible from the seed; every arm of a replicate shares its draw; the protocol's
own settings win), so the spread of the trials includes parameter uncertainty as well
as patients' sampling. The patients are those of the run without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import check_seed
from alliance_sim.core.posterior import Posterior, posterior_parameter_sets
from alliance_sim.core.scales import band_caption
from alliance_sim.simulation import replicate_seeds, simulate
from alliance_sim.trials.analysis import ALPHA, add_derived_columns, analyse, summarise_estimates
from alliance_sim.trials.protocol import MAX_PER_ARM, Protocol, load_protocol

__all__ = [
    "MAX_REPLICATES",
    "Progress",
    "TrialResult",
    "arm_seeds",
    "power_curve",
    "run_trial",
    "simulate_arms",
]

Progress = Callable[[int, int], None]
"""A progress callback: ``progress(done, total)`` in arms × replicates simulated."""

MAX_REPLICATES = 10_000


@dataclass
class TrialResult:
    """A virtual trial's data, estimates and comparison with the published study."""

    protocol: Protocol
    n_per_arm: dict[str, int]
    """Patients allocated to each arm."""
    replicates: int
    seed: int
    data: pd.DataFrame
    """One row per patient per replicate trial: ``replicate``, ``arm`` and the patient columns."""
    estimates: pd.DataFrame
    """One row per replicate per estimate (see :data:`~alliance_sim.trials.analysis.ESTIMATE_COLUMNS`)."""
    table: pd.DataFrame
    """One row per estimate: simulated (with interval) beside published (with tolerance)."""
    power: pd.DataFrame | None = None
    """With ``power=``: one row per n per arm with the power to detect the primary estimate."""
    uncertainty: bool = False
    """Whether each replicate trial drew its calibrated parameters from the posterior."""
    parameters: pd.DataFrame | None = None
    """With ``uncertainty``: ``replicate`` and the calibrated parameter values it used
    (the parameters the protocol sets itself are left out: they are the protocol's)."""

    @property
    def band(self) -> str:
        """What the spread of the trials shows: patients' sampling (and parameter uncertainty)."""
        return band_caption(self.uncertainty)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary: protocol, allocation, rows and power."""

        def clean(value: object) -> object:
            if isinstance(value, float) and np.isnan(value):
                return None
            if isinstance(value, np.generic):
                return clean(value.item())
            return value

        def records(frame: pd.DataFrame) -> list[dict[str, object]]:
            return [
                {k: clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
            ]

        out: dict[str, object] = {
            "protocol": self.protocol.name,
            "title": self.protocol.title,
            "source": self.protocol.source,
            "analysis": self.protocol.analysis,
            "n_per_arm": self.n_per_arm,
            "replicates": self.replicates,
            "seed": self.seed,
            "uncertainty": self.uncertainty,
            "band": self.band,
            "rows": records(self.table),
        }
        if self.parameters is not None:
            out["replicate_parameters"] = records(self.parameters)
        if self.power is not None:
            out["power"] = records(self.power)
        return out

    def estimation_note(self) -> str | None:
        """What could not be estimated in every trial, in a sentence; None when all could.

        A small trial can have fewer patients with data than a model has
        coefficients; that trial's estimate is left out (see ``estimated`` in
        :attr:`table`).
        """
        short = self.table[self.table["estimated"] < self.replicates]
        if short.empty:
            return None
        which = "; ".join(
            f"{row.label}: {row.estimated} of {self.replicates}" for row in short.itertuples()
        )
        return (
            "too few patients with data for some models' coefficients, so these estimates "
            f"come from fewer trials ({which}); use more patients per arm"
        )


def _check_n(n_per_arm: int | None) -> int | None:
    if n_per_arm is None:
        return None
    if isinstance(n_per_arm, bool) or not isinstance(n_per_arm, int | np.integer):
        raise AllianceSimError(f"n_per_arm = {n_per_arm!r} is not allowed: a whole number")
    if not 2 <= int(n_per_arm) <= MAX_PER_ARM:
        raise AllianceSimError(
            f"n_per_arm = {n_per_arm!r} is not allowed: a whole number from 2 to {MAX_PER_ARM}"
        )
    return int(n_per_arm)


def _check_replicates(replicates: int) -> int:
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int | np.integer)
        or not 1 <= int(replicates) <= MAX_REPLICATES
    ):
        raise AllianceSimError(
            f"replicates = {replicates!r} is not allowed: a whole number from 1 to {MAX_REPLICATES}"
        )
    return int(replicates)


def arm_seeds(seed: int, n_arms: int) -> list[int]:
    """The seed of each arm of a trial, derived from the trial's seed (``SeedSequence``)."""
    children = np.random.SeedSequence(check_seed(seed)).spawn(n_arms)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def simulate_arms(
    protocol: Protocol,
    n_per_arm: int | None = None,
    replicates: int = 1,
    seed: int = 0,
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
    uncertainty: bool = False,
    posterior: Posterior | None = None,
) -> pd.DataFrame:
    """Every patient of every replicate trial: ``replicate``, ``arm`` and the patient columns.

    With ``uncertainty`` replicate *r* of every arm uses the *r*-th parameter set drawn
    from the posterior with ``seed`` (the protocol's own settings win).
    """
    n_per_arm = _check_n(n_per_arm)
    replicates = _check_replicates(replicates)
    total = total if total is not None else len(protocol.arms) * replicates
    parts = []
    for arm, arm_seed in zip(protocol.arms, arm_seeds(seed, len(protocol.arms)), strict=True):
        params: Any = protocol.params(arm, protocol.allocation(arm, n_per_arm))
        if uncertainty:
            params, _ = posterior_parameter_sets(
                params, replicates, seed, keep=protocol_settings(protocol), posterior=posterior
            )

        def step(k: int, _start: int = done) -> None:
            nonlocal done
            done += k
            if progress is not None:
                progress(done, total)

        sim = simulate(
            params, replicate_seeds(arm_seed, replicates), tables=("patients",), progress=step
        )
        patients = sim.patients.drop(columns=["seed"])
        patients.insert(1, "arm", arm.name)
        parts.append(patients)
    data = pd.concat(parts, ignore_index=True)
    return add_derived_columns(data)


def protocol_settings(protocol: Protocol) -> set[str]:
    """The parameters a protocol sets itself (common or in any arm): draws leave them alone."""
    names = set(protocol.common)
    for arm in protocol.arms:
        names |= set(arm.overrides)
    return names


def drawn_parameters(
    protocol: Protocol, replicates: int, seed: int, posterior: Posterior | None = None
) -> pd.DataFrame:
    """The calibrated parameter values each replicate trial drew (see :func:`simulate_arms`)."""
    base = protocol.params(protocol.arms[0])
    fixed = protocol_settings(protocol)
    _, table = posterior_parameter_sets(base, replicates, seed, keep=fixed, posterior=posterior)
    return table[[c for c in table.columns if c not in fixed]]


def run_trial(
    protocol: Protocol | str,
    n_per_arm: int | None = None,
    replicates: int = 1,
    seed: int = 0,
    progress: Progress | None = None,
    power: Sequence[int] | None = None,
    power_replicates: int = 200,
    uncertainty: bool = False,
    posterior: Posterior | None = None,
) -> TrialResult:
    """Simulate a protocol's trial ``replicates`` times and analyse each trial.

    Args:
        protocol: a :class:`Protocol`, a built-in name or a path to a TOML file.
        n_per_arm: patients per arm (default: the protocol's allocation).
        replicates: how many times the whole trial is repeated, each with new
            patients; with more than one, the table shows the spread of results.
        seed: the seed everything derives from.
        progress: called as ``progress(done, total)`` while arms are simulated.
        power: optional sizes (patients per arm) for a power curve of the
            protocol's primary estimate (see :func:`power_curve`).
        power_replicates: simulated trials per size for the power curve.
        uncertainty: each replicate trial draws the calibrated parameters from the
            posterior (``posterior``, default the shipped one), so the spread of the
            trials (and the power) includes parameter uncertainty; recorded in
            :attr:`TrialResult.parameters`.
        posterior: the posterior to draw from (default :func:`default_posterior`).

    Raises:
        AllianceSimError: for a bad protocol, size, replicate count or seed, or a bad
            posterior file.
    """
    if not isinstance(protocol, Protocol):
        protocol = load_protocol(protocol)
    n = _check_n(n_per_arm)
    replicates = _check_replicates(replicates)
    seed = check_seed(seed)
    sizes = _check_sizes(power)
    if not isinstance(uncertainty, bool):
        raise AllianceSimError(f"uncertainty = {uncertainty!r} is not allowed: True or False")
    total = len(protocol.arms) * (replicates + power_replicates * len(sizes))
    data = simulate_arms(protocol, n, replicates, seed, progress, 0, total, uncertainty, posterior)
    estimates = analyse(protocol, data)
    table = summarise_estimates(protocol, estimates)
    curve = None
    if sizes:
        curve = power_curve(
            protocol,
            sizes,
            replicates=power_replicates,
            seed=seed,
            progress=progress,
            done=len(protocol.arms) * replicates,
            total=total,
            uncertainty=uncertainty,
            posterior=posterior,
        )
    return TrialResult(
        protocol=protocol,
        n_per_arm={arm.name: protocol.allocation(arm, n) for arm in protocol.arms},
        replicates=replicates,
        seed=seed,
        data=data,
        estimates=estimates,
        table=table,
        power=curve,
        uncertainty=uncertainty,
        parameters=(
            drawn_parameters(protocol, replicates, seed, posterior) if uncertainty else None
        ),
    )


def _check_sizes(sizes: Sequence[int] | None) -> list[int]:
    out: list[int] = []
    for size in sizes or ():
        checked = _check_n(size)
        if checked is not None:
            out.append(checked)
    return out


def power_curve(
    protocol: Protocol,
    sizes: Sequence[int],
    replicates: int = 200,
    seed: int = 0,
    estimate: str | None = None,
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
    uncertainty: bool = False,
    posterior: Posterior | None = None,
) -> pd.DataFrame:
    """Power by simulation: the share of simulated trials that detect an estimate, per size.

    For each number of patients per arm, ``replicates`` trials are simulated
    and analysed; power is the share with p < 0.05 for ``estimate`` (default
    the protocol's primary estimate), with a 95% Wilson interval for that
    share (statsmodels).
    """
    from statsmodels.stats.proportion import proportion_confint

    estimate = estimate or protocol.primary
    if estimate not in protocol.estimates():
        raise AllianceSimError(
            f"estimate = {estimate!r} is not allowed: one of " + ", ".join(protocol.estimates())
        )
    sizes = _check_sizes(sizes)
    replicates = _check_replicates(replicates)
    total = total if total is not None else len(protocol.arms) * replicates * len(sizes)
    rows = []
    for k, n in enumerate(sizes):
        # a different seed per size, so the sizes are independent experiments
        data = simulate_arms(
            protocol, n, replicates, seed + 1 + k, progress, done, total, uncertainty, posterior
        )
        done += len(protocol.arms) * replicates
        part = analyse(protocol, data)
        part = part[part["estimate"] == estimate]
        hits = int((part["p_value"] < ALPHA).sum())
        low, high = proportion_confint(hits, len(part), alpha=ALPHA, method="wilson")
        power = hits / len(part)
        rows.append(
            {
                "n_per_arm": n,
                "estimate": estimate,
                "power": power,
                # the Wilson bounds can miss 0 or 1 by a rounding error
                "power_low": min(float(low), power),
                "power_high": max(float(high), power),
                "mean_estimate": float(part["value"].mean()),
                "trials": len(part),
            }
        )
    return pd.DataFrame(rows)
