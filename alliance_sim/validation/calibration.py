"""Bayesian calibration of the uncertain parameters: ABC-SMC (pyabc) on the calibration targets.

The parameters that have no direct published value (:data:`PRIOR`) are calibrated against
the patterns whose role is ``"target"`` (:func:`~alliance_sim.validation.patterns.targets`)
by Approximate Bayesian Computation with Sequential Monte Carlo (Toni et al. 2009; Beaumont
et al. 2009), as pyabc implements it (Schälte et al. 2022):

* **prior** — uniform over each parameter's range in :data:`PRIOR`. pyabc works on the
  logit of each parameter's position in its range (:func:`to_unbounded`), where the
  uniform prior is the standard logistic distribution: the proposal kernel then never
  reaches outside the prior's box, whose corners a Gaussian kernel covers poorly in 14
  dimensions (without it, the effective sample size fell to 3 of 100 in generation 2);
* **simulator** — the cohort engine: a particle's parameter values are simulated as the
  validation simulates the defaults (:class:`~alliance_sim.validation.studies.Simulations`,
  the targets only, :data:`SUMMARY_REPLICATES` Fuentes trials and the validation's minimum of
  pooled clinics, seeded from the particle's job);
* **summary statistics** — for each target, the mean over its simulated studies of the
  statistic the validation computes for it (:data:`~alliance_sim.validation.studies.STATISTICS`);
* **distance** — Euclidean, each target's difference from the centre of its tolerance
  divided by the tolerance's half-width, so that no target dominates by its unit: a target at
  the edge of its tolerance costs 1 (:func:`observed_summaries`, :func:`summary_weights`);
* **threshold** — each generation's epsilon is the weighted median distance of the
  previous population (pyabc's ``QuantileEpsilon``); perturbation by a multivariate normal
  kernel fitted to the weighted population (pyabc's default).

**Reproducible from the seed on any number of workers.** pyabc's own samplers reseed from
the operating system; :class:`SeededSampler` instead maps over job seeds drawn from a numpy
Generator seeded by (run seed, generation); each job seeds numpy's global generator (which
pyabc's proposals and the prior draw from) with its own seed, simulates until it has one
accepted particle, and the jobs' samples are joined in job order. The same seed gives the
same particles serially, on a local process pool or on a Dask cluster.

**Resumable.** Everything lives in pyabc's SQLite database (``--db``). Each generation is run
by a fresh ``ABCSMC`` loaded from the database, so a run stopped after generation *t*
continues exactly as if it had never stopped (the same path every generation takes).

References:
    Toni T, Welch D, Strelkowa N, Ipsen A, Stumpf MPH (2009). Approximate Bayesian
    computation scheme for parameter inference and model selection in dynamical systems.
    J R Soc Interface 6:187–202.
    Beaumont MA, Cornuet J-M, Marin J-M, Robert CP (2009). Adaptive approximate Bayesian
    computation. Biometrika 96(4):983–990.
    Schälte Y, Klinger E, Alamoudi E, Hasenauer J (2022). pyABC: Efficient and robust
    easy-to-use approximate Bayesian computation. J Open Source Softw 7(74):4304.
"""

from __future__ import annotations

import functools
import json
import math
import random
import sqlite3
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyabc import Parameter
from pyabc.sampler import MappingSampler
from pyabc.transition import Transition

from alliance_sim import __version__
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA, Params, check_seed
from alliance_sim.core.posterior import (
    POSTERIOR_PATH,
    WEIGHT_COLUMN,
    Posterior,
    write_posterior,
)
from alliance_sim.simulation import replicate_seeds
from alliance_sim.validation.defaults import (
    CALIBRATION_GENERATIONS,
    CALIBRATION_POPULATION,
    CALIBRATION_SEED,
    MIN_CLINICS,
)
from alliance_sim.validation.patterns import Pattern, targets
from alliance_sim.validation.studies import STATISTICS, Simulations

__all__ = [
    "PRIOR",
    "SUMMARY_CLINICS",
    "SUMMARY_TRIALS",
    "CalibrationRun",
    "Generation",
    "Problem",
    "SeededSampler",
    "TargetSimulations",
    "calibrate",
    "from_unbounded",
    "job_seeds",
    "observed_summaries",
    "posterior_from_db",
    "summary_weights",
    "target_summaries",
    "to_unbounded",
]

PRIOR: dict[str, tuple[float, float]] = {
    # the immediate effects of a session (Fuentes 2014 arms)
    "contextual_relief": (0.3, 0.9),
    "ritual_relief": (0.05, 0.2),
    "device_relief": (0.1, 0.3),
    # the pace of recovery over an episode (exercise vs none; disability change, its spread)
    "relief_retention": (0.0, 0.3),
    "natural_recovery": (0.0, 0.02),
    "exercise_effect": (0.02, 0.12),
    "disability_fluctuation": (0.05, 0.3),
    # engagement
    "p_attend_typical": (0.75, 0.97),
    "p_dropout_typical": (0.005, 0.04),
    "adherence_typical": (0.6, 0.9),
    # the questionnaires: level, spread, ceiling, clinician level, agreement
    "patient_rating_bias": (-0.05, 0.15),
    "patient_leniency_sd": (0.05, 0.2),
    "therapist_rating_bias": (-0.1, 0.1),
    "therapist_insight": (0.05, 0.5),
}
"""The calibrated parameters and their uniform prior ranges.

The ranges are those the earlier point calibration searched: plausible values of
parameters that have no direct published value, inside the schema's bounds."""

SUMMARY_TRIALS = 12
"""Fuentes trials simulated per particle (cheap: one session of 117 patients each)."""

SUMMARY_CLINICS = MIN_CLINICS
"""Default clinics pooled per particle (the validation's minimum: 4,000 patients)."""


PROPOSAL_SCALING = 1.0
"""The proposal's spread: the weighted population's covariance times this squared."""

DEFENSIVE_SHARE = 0.05
"""The share of proposals drawn from the prior (defensive importance sampling: no
particle's weight can exceed 1 / this share times the average)."""

FAR = 100.0
"""A target whose statistic could not be computed counts this many half-widths away."""

SETTINGS_TABLE = "alliance_sim_calibration"
"""The table in the database that keeps this run's settings and each generation's time."""


def _check_prior() -> None:
    for name, (low, high) in PRIOR.items():
        spec = SCHEMA[name]
        if spec.low is None or spec.high is None or not spec.low <= low < high <= spec.high:
            raise TypeError(f"prior of {name}: {low}–{high} is not inside the schema's range")


_check_prior()


# --- the summary statistics -----------------------------------------------------------------------
def to_unbounded(
    values: Mapping[str, float], prior: Mapping[str, tuple[float, float]] = PRIOR
) -> dict[str, float]:
    """Parameter values as pyabc sees them: ``logit((value − low) / (high − low))``."""
    out = {}
    for name, value in values.items():
        low, high = prior[name]
        u = (float(value) - low) / (high - low)
        out[name] = float(np.log(u) - np.log1p(-u))
    return out


def from_unbounded(
    values: Mapping[str, float], prior: Mapping[str, tuple[float, float]] = PRIOR
) -> dict[str, float]:
    """Parameter values from pyabc's scale: ``low + (high − low) × expit(z)``."""
    out = {}
    for name, z in values.items():
        low, high = prior[name]
        out[name] = low + (high - low) * float(1.0 / (1.0 + np.exp(-float(z))))
    return out


def observed_summaries(patterns: Sequence[Pattern] | None = None) -> dict[str, float]:
    """The "observed" value of each target: the centre of its tolerance."""
    return {p.id: 0.5 * (p.low + p.high) for p in (patterns or targets())}


def summary_weights(patterns: Sequence[Pattern] | None = None) -> dict[str, float]:
    """Each target's weight in the distance: 1 / the half-width of its tolerance."""
    return {p.id: 2.0 / (p.high - p.low) for p in (patterns or targets())}


ARM_MEANS = "mean:"
"""The prefix of the trial estimates that are arm means (all the calibration needs of a trial)."""


class TargetSimulations(Simulations):
    """The validation's simulations, with each trial's arms run in one stacked call.

    The statistics of the calibration targets read only the arm means of the Fuentes
    trial; this class simulates every arm and replicate of a trial in one call of the
    cohort engine (each replicate keeps the seed the validation gives it, so the patients
    are the same) and reports the arm means — the coefficients of the validation's OLS
    cell-means model — without fitting it. The number of pooled clinics is set apart
    from the number of trials. Everything else is
    :class:`~alliance_sim.validation.studies.Simulations`: with ``clinics =
    max(CLINICS_PER_REPLICATE × trials, MIN_CLINICS)`` its statistics are the
    validation's, number for number.

    Raises:
        AllianceSimError: for patterns whose trial statistics need more than arm means.
    """

    def __init__(
        self,
        seed: int,
        trials: int,
        overrides: Mapping[str, Any],
        patterns: Sequence[Pattern],
        clinics: int = MIN_CLINICS,
    ) -> None:
        if not _arm_mean_statistics(patterns):
            raise AllianceSimError(
                "TargetSimulations computes trial arm means only; use Simulations for "
                + ", ".join(p.id for p in patterns if not _arm_mean_statistics([p]))
            )
        super().__init__(seed, trials, overrides, patterns)
        self.total += (clinics - self.clinics) * sum(
            name in ("clinic", "clinic:no-exercise")
            for name in {need for p in patterns for need in STATISTICS[p.statistic].needs}
        )
        self.clinics = clinics

    def _trial(self, name: str) -> Any:
        from alliance_sim.engines.cohort import run_cohort
        from alliance_sim.trials.run import TrialResult, arm_seeds

        protocol = self.protocols[name.removeprefix("trial:")]
        n = self.trial_sizes.get(protocol.name)
        members: list[Params] = []
        seeds: list[int] = []
        for arm, arm_seed in zip(
            protocol.arms, arm_seeds(self.seeds[name], len(protocol.arms)), strict=True
        ):
            members += [protocol.params(arm, protocol.allocation(arm, n))] * self.replicates
            seeds += replicate_seeds(arm_seed, self.replicates)
        patients = run_cohort(members, seeds, ("patients",))["patients"]
        position = patients["replicate"].to_numpy()
        frame = pd.DataFrame(
            {
                "arm": position // self.replicates,
                "replicate": position % self.replicates,
                "value": patients[protocol.outcome].to_numpy(dtype=float),
            }
        ).dropna()
        means = frame.groupby(["arm", "replicate"], sort=True)["value"].mean().reset_index()
        means["estimate"] = [ARM_MEANS + protocol.arms[int(a)].name for a in means["arm"]]
        estimates = means[["replicate", "estimate", "value"]].assign(p_value=math.nan)
        self.done += len(protocol.arms) * self.replicates
        return TrialResult(
            protocol=protocol,
            n_per_arm={arm.name: protocol.allocation(arm, n) for arm in protocol.arms},
            replicates=self.replicates,
            seed=self.seeds[name],
            data=pd.DataFrame(),
            estimates=estimates,
            table=pd.DataFrame(),
        )


def _arm_mean_statistics(patterns: Iterable[Pattern]) -> bool:
    """Whether every trial statistic of ``patterns`` reads arm means only (the fast path)."""
    return all(
        p.statistic.startswith("fuentes-mean-")
        for p in patterns
        if any(need.startswith("trial:") for need in STATISTICS[p.statistic].needs)
    )


def target_summaries(
    values: Mapping[str, float],
    seed: int,
    trials: int = SUMMARY_TRIALS,
    clinics: int = SUMMARY_CLINICS,
    patterns: Sequence[Pattern] | None = None,
) -> dict[str, float]:
    """Each target's summary statistic for these parameter values: the mean over its studies.

    The simulations and statistics of the validation (``trials`` simulated trials,
    ``clinics`` pooled clinics; :class:`TargetSimulations`): each value is the mean of
    the per-study values the validation judges (NaN studies left out; NaN if none).
    With ``clinics = max(5 × trials, 20)`` they are the means of what
    ``validate(seed, trials, overrides=values, patterns=targets())`` judges.

    Raises:
        ParameterError: for a value outside the schema's range.
    """
    chosen = tuple(patterns or targets())
    overrides = {name: float(value) for name, value in values.items()}
    Params(overrides)  # validates
    sims = TargetSimulations(check_seed(seed), trials, overrides, chosen, clinics)
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a study without a defined statistic
        for p in chosen:
            per_study = np.asarray(STATISTICS[p.statistic].compute(sims, p), dtype=float)
            out[p.id] = float(np.nanmean(per_study)) if np.isfinite(per_study).any() else math.nan
    return out


@dataclass(frozen=True)
class Problem:
    """What is calibrated, against what, and how each particle is simulated.

    The default is the shipped calibration: every parameter of :data:`PRIOR` against
    every calibration target, "observed" at the centre of its tolerance. A test (or a
    study of identifiability) may calibrate fewer parameters against fewer patterns,
    with observed values of its own (e.g. simulated from known parameter values);
    every other parameter keeps its default.
    """

    prior: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(PRIOR))
    patterns: tuple[Pattern, ...] = field(default_factory=targets)
    observed: Mapping[str, float] | None = None
    """The observed summaries (default: each pattern's tolerance centre)."""
    trials: int = SUMMARY_TRIALS
    clinics: int = SUMMARY_CLINICS
    proposal_scaling: float = PROPOSAL_SCALING
    defensive_share: float = DEFENSIVE_SHARE

    def __post_init__(self) -> None:
        """Check the problem; fill in the observed summaries."""
        if not self.prior or not self.patterns:
            raise AllianceSimError("a calibration needs at least one parameter and one pattern")
        for name, bounds in self.prior.items():
            spec = SCHEMA.get(name)
            ok = (
                spec is not None
                and spec.low is not None
                and spec.high is not None
                and len(bounds) == 2
                and spec.low <= bounds[0] < bounds[1] <= spec.high
            )
            if not ok:
                allowed = spec.allowed() if spec is not None else "a parameter of the model"
                raise AllianceSimError(
                    f"prior of {name!r}: {bounds!r} is not a range inside {allowed}"
                )
        for name, value, low in (("trials", self.trials, 2), ("clinics", self.clinics, 2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise AllianceSimError(f"{name} = {value!r} is not allowed: a whole number ≥ {low}")
        ids = [p.id for p in self.patterns]
        observed = dict(self.observed) if self.observed is not None else None
        if observed is not None and set(observed) != set(ids):
            raise AllianceSimError(
                "the observed summaries must name the calibrated patterns: " + ", ".join(ids)
            )
        object.__setattr__(
            self, "prior", {k: (float(a), float(b)) for k, (a, b) in self.prior.items()}
        )
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(
            self,
            "observed",
            observed if observed is not None else observed_summaries(self.patterns),
        )

    @property
    def weights(self) -> dict[str, float]:
        """Each pattern's weight in the distance (:func:`summary_weights`)."""
        return summary_weights(self.patterns)

    def settings(self) -> dict[str, Any]:
        """The problem as JSON-ready settings (stored in the database)."""
        return {
            "prior": {name: list(bounds) for name, bounds in self.prior.items()},
            "targets": [p.id for p in self.patterns],
            "observed": dict(self.observed or {}),
            "weights": self.weights,
            "summary_trials": self.trials,
            "summary_clinics": self.clinics,
            "proposal_scaling": self.proposal_scaling,
            "defensive_share": self.defensive_share,
        }


def _model(parameter: Mapping[str, float], problem: Problem) -> dict[str, float]:
    """Pyabc's model: the targets' summaries, the simulation seeded from the job's generator.

    pyabc draws the particle's parameters from numpy's global generator, which the job
    has seeded (:class:`SeededSampler`); the simulation's seed is the next number drawn
    from it, so the particle and its simulation both follow from the job's seed.
    """
    seed = int(np.random.randint(0, 2**62, dtype=np.int64))
    values = from_unbounded({name: float(parameter[name]) for name in problem.prior}, problem.prior)
    summaries = target_summaries(values, seed, problem.trials, problem.clinics, problem.patterns)
    centre = problem.observed or {}
    weights = problem.weights
    return {
        key: value if math.isfinite(value) else centre[key] + FAR / weights[key]
        for key, value in summaries.items()
    }


# --- the proposal ----------------------------------------------------------------------------------
class GaussianProposal(Transition):  # type: ignore[misc]
    """Proposals from one multivariate normal fitted to the weighted population, and the prior.

    A share ``1 − defensive`` of the proposals is drawn from the normal distribution with
    the weighted population's mean and its covariance times ``scaling²``; the rest from
    the prior (on pyabc's scale, the standard logistic in every parameter). The density
    is the same mixture, so a particle's importance weight, prior / proposal, is at most
    1 / ``defensive``.

    Why not pyabc's default (a Gaussian kernel around every particle, Silverman's
    bandwidth): in 14 dimensions with a few hundred particles that density is bumpy, a
    new particle's weight is roughly the inverse of its parent's, and the effective
    sample size collapsed to 2–9 of 100 within three generations (with the kernel's
    covariance halved it fell further). One smooth normal proposal plus a defensive
    share of the prior (Hesterberg 1995; the population Monte Carlo of Cappé et al.
    2004) keeps the weights even.

    References:
        Hesterberg T (1995). Weighted average importance sampling and defensive mixture
        distributions. Technometrics 37(2):185–194.
        Cappé O, Guillin A, Marin J-M, Robert CP (2004). Population Monte Carlo. J Comput
        Graph Stat 13(4):907–929.
    """

    def __init__(self, scaling: float = PROPOSAL_SCALING, defensive: float = DEFENSIVE_SHARE):
        self.scaling = scaling
        self.defensive = defensive
        self.mean: np.ndarray = np.zeros(0)
        self.cov: np.ndarray = np.zeros((0, 0))

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:  # noqa: N803 (pyabc's name)
        """Fit the normal component to the weighted particles (on pyabc's scale)."""
        x = X.to_numpy(dtype=float)
        weights = np.asarray(w, dtype=float) / float(np.sum(w))
        self.mean = weights @ x
        centred = x - self.mean
        cov = (centred * weights[:, None]).T @ centred / (1.0 - float(np.sum(weights**2)))
        self.cov = cov * self.scaling**2 + 1e-9 * np.eye(x.shape[1])

    def rvs_single(self) -> Parameter:
        """One proposal: from the prior with probability ``defensive``, else the normal."""
        columns = list(self.X.columns)
        if np.random.uniform() < self.defensive:
            z = np.random.logistic(size=len(columns))
        else:
            z = np.random.multivariate_normal(self.mean, self.cov)
        return Parameter(dict(zip(columns, map(float, z), strict=True)))

    def pdf(self, x: Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        """The mixture's density at ``x`` (a parameter or a table of them)."""
        from scipy import stats

        columns = list(self.X.columns)
        if isinstance(x, pd.DataFrame):
            values = x[columns].to_numpy(dtype=float)
        else:
            values = np.array([x[name] for name in columns], dtype=float)
        normal = stats.multivariate_normal.pdf(values, self.mean, self.cov, allow_singular=True)
        prior = np.prod(stats.logistic.pdf(values), axis=-1)
        density = (1.0 - self.defensive) * normal + self.defensive * prior
        return float(density) if np.ndim(density) == 0 else np.asarray(density)


# --- the sampler: reproducible from the seed on any number of workers ---------------------------
def job_seeds(seed: int, generation: int, n: int) -> list[int]:
    """The seeds of a generation's ``n`` jobs: from a Generator seeded by (seed, generation).

    ``generation`` is pyabc's time index: −1 for the sample from the prior that sets the
    first threshold, then 0, 1, …
    """
    rng = np.random.default_rng([check_seed(seed), generation + 1])
    return [int(s) for s in rng.integers(0, 2**32, size=n, dtype=np.uint64)]


_JOB_LOCK = threading.Lock()
"""One job at a time per process: pyabc draws from numpy's global generator, which two jobs
in threads of one process (a Dask worker with several threads) would otherwise share."""


def _run_job(payload: bytes, sample_factory: Any, seed: int) -> tuple[Any, int]:
    """One job: seed numpy's and Python's global generators, simulate until one is accepted.

    The generators' previous states are restored afterwards, so a job run in the calling
    process (serially) leaves that process as it found it. Jobs in threads of one process
    run one after the other (:data:`_JOB_LOCK`), so each sees only its own seed's draws.
    """
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    with _JOB_LOCK:
        return _seeded_job(simulate_one, sample_factory, seed)


def _seeded_job(simulate_one: Any, sample_factory: Any, seed: int) -> tuple[Any, int]:
    numpy_state, python_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        sample = sample_factory()
        n = 0
        while True:
            particle = simulate_one()
            n += 1
            sample.append(particle)
            if particle.accepted:
                return sample, n
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


Progress = Callable[[int, float | None, int, int], None]
"""``progress(generation, epsilon, jobs_done, simulations_so_far)``, called as jobs finish.

``generation`` is −1 for the sample from the prior that sets the first threshold (whose
epsilon is None)."""


class SeededSampler(MappingSampler):  # type: ignore[misc]
    """A pyabc sampler that gives the same particles from the same seed on any workers.

    Each generation maps :func:`_run_job` over :func:`job_seeds` (run seed, generation)
    with ``executor.map`` (serially in this process when there is no executor); each job
    samples until it has one accepted particle; the jobs' samples are joined in job order.

    Args:
        seed: the run's seed.
        executor: where the jobs run: a local process pool, Dask's
            ``Client.get_executor(pure=False)``, or None for this process.
        progress: called as jobs finish (:data:`Progress`).
    """

    def __init__(
        self, seed: int, executor: Executor | None = None, progress: Progress | None = None
    ) -> None:
        super().__init__(map_=map)
        self.seed = check_seed(seed)
        self.executor = executor
        self.progress = progress

    def sample_until_n_accepted(  # type: ignore[override]
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """Sample ``n`` accepted particles: one job per particle, seeds from (seed, t)."""
        import cloudpickle

        job = functools.partial(_run_job, cloudpickle.dumps(simulate_one), self.sample_factory)
        threshold = getattr(simulate_one, "keywords", {}).get("eps")
        epsilon = float(threshold(t)) if threshold is not None and t >= 0 else None
        seeds = job_seeds(self.seed, t, n)
        mapped = self.executor.map(job, seeds) if self.executor is not None else map(job, seeds)
        sample = self._create_empty_sample()
        evaluations = 0
        for done, (part, count) in enumerate(mapped, start=1):
            sample += part
            evaluations += count
            if self.progress is not None:
                self.progress(t, epsilon, done, evaluations)
        self.nr_evaluations_ = evaluations
        return sample


# --- the run ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Generation:
    """One generation of the run, as the progress display and the provenance show it."""

    t: int
    epsilon: float
    particles: int
    simulations: int
    """Simulations of this generation (its acceptance rate is particles / simulations)."""
    prior_simulations: int
    """For t = 0: the sample from the prior that set its threshold (else 0)."""
    acceptance_rate: float
    effective_sample_size: float
    seconds: float
    """Wall time of the generation (for t = 0 with the prior sample that set its threshold)."""


@dataclass
class CalibrationRun:
    """A finished (or stopped) calibration: its settings, generations and posterior."""

    db: Path
    settings: dict[str, Any]
    generations: list[Generation] = field(default_factory=list)

    @property
    def wall_seconds(self) -> float:
        """The wall time of every generation run so far (pauses between resumes excluded)."""
        return float(sum(g.seconds for g in self.generations))

    @property
    def simulations(self) -> int:
        """Simulations over every generation (the prior sample included)."""
        return int(sum(g.simulations + g.prior_simulations for g in self.generations))


def _url(db: Path) -> str:
    return "sqlite:///" + str(db.resolve())


def _settings(
    seed: int, population: int, generations: int, min_epsilon: float, problem: Problem
) -> dict[str, Any]:
    return {
        "seed": seed,
        "population": population,
        "generations": generations,
        "min_epsilon": min_epsilon,
        **problem.settings(),
    }


RESUME_KEYS = (
    "seed",
    "population",
    "summary_trials",
    "summary_clinics",
    "prior",
    "targets",
    "observed",
    "weights",
    "proposal_scaling",
    "defensive_share",
)
"""The settings a resumed run must share with the run it continues."""


def _read_settings(db: Path) -> tuple[dict[str, Any] | None, dict[int, float]]:
    """This run's settings and each generation's seconds, from the database (None if new)."""
    try:
        with sqlite3.connect(db) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if SETTINGS_TABLE not in tables:
                return None, {}
            rows = dict(connection.execute(f"SELECT key, value FROM {SETTINGS_TABLE}").fetchall())
    except sqlite3.DatabaseError as error:
        raise AllianceSimError(f"{db}: not a calibration database ({error})") from None
    settings = json.loads(rows.pop("settings"))
    seconds = {int(key.removeprefix("seconds:")): float(v) for key, v in rows.items()}
    return settings, seconds


def _write_setting(db: Path, key: str, value: str) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {SETTINGS_TABLE} (key TEXT PRIMARY KEY, value TEXT)"
        )
        connection.execute(
            f"INSERT OR REPLACE INTO {SETTINGS_TABLE} (key, value) VALUES (?, ?)", (key, value)
        )


def _abc(sampler: SeededSampler, population: int, problem: Problem) -> Any:
    import pyabc

    # uniform on each range = standard logistic on the logit of the position in the range
    prior = pyabc.Distribution(**{name: pyabc.RV("logistic", 0.0, 1.0) for name in problem.prior})
    return pyabc.ABCSMC(
        functools.partial(_model, problem=problem),
        prior,
        pyabc.PNormDistance(p=2, fixed_weights=problem.weights),
        population_size=population,
        transitions=GaussianProposal(problem.proposal_scaling, problem.defensive_share),
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(initial_epsilon="from_sample", alpha=0.5),
    )


def _generations(history: Any, seconds: Mapping[int, float]) -> list[Generation]:
    from pyabc.weighted_statistics import effective_sample_size

    populations = history.get_all_populations()
    prior_sample = populations[populations["t"] == -1]
    extra = int(prior_sample["samples"].sum()) if not prior_sample.empty else 0
    out = []
    for row in populations[populations["t"] >= 0].itertuples():
        t = int(row.t)
        weights = history.get_weighted_distances(t)["w"].to_numpy()
        particles = int(row.particles)
        out.append(
            Generation(
                t=t,
                epsilon=float(row.epsilon),
                particles=particles,
                simulations=int(row.samples),
                prior_simulations=extra if t == 0 else 0,
                acceptance_rate=particles / int(row.samples),
                effective_sample_size=float(effective_sample_size(weights)),
                seconds=float(seconds.get(t, math.nan)),
            )
        )
    return out


def calibrate(
    db: Path | str,
    seed: int = CALIBRATION_SEED,
    population: int = CALIBRATION_POPULATION,
    generations: int = CALIBRATION_GENERATIONS,
    min_epsilon: float = 0.0,
    problem: Problem | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    on_generation: Callable[[Generation], None] | None = None,
) -> CalibrationRun:
    """Run (or continue) the ABC-SMC calibration stored in ``db``.

    Stops after ``generations`` generations, or earlier once a generation's epsilon is at
    most ``min_epsilon``. A database that already holds generations of the same run (same
    seed, population, simulations per particle, prior and targets) is continued from its last one; the
    result is the same as a run that never stopped.

    Args:
        db: the SQLite database file (made if missing).
        seed: everything derives from it.
        population: accepted particles per generation.
        generations: the most generations (the first samples from the prior).
        min_epsilon: stop once epsilon is at most this (0: run every generation).
        problem: what is calibrated against what (default :class:`Problem`: the shipped
            calibration).
        executor: where the simulations run (None: in this process).
        progress: called as jobs finish (:data:`Progress`).
        on_generation: called with each finished generation.

    Raises:
        AllianceSimError: for bad settings, or a database of another run.
    """
    db = Path(db)
    seed = check_seed(seed)
    problem = problem or Problem()
    for name, value, low in (("population", population, 2), ("generations", generations, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise AllianceSimError(f"{name} = {value!r} is not allowed: a whole number ≥ {low}")
    if not (
        isinstance(min_epsilon, int | float) and math.isfinite(min_epsilon) and min_epsilon >= 0
    ):
        raise AllianceSimError(f"min_epsilon = {min_epsilon!r} is not allowed: a number ≥ 0")
    settings = _settings(seed, population, generations, float(min_epsilon), problem)
    stored, seconds = _read_settings(db) if db.exists() else (None, {})
    if stored is not None:
        different = [key for key in RESUME_KEYS if stored.get(key) != settings[key]]
        if different:
            raise AllianceSimError(
                f"{db}: holds a calibration with other settings ({', '.join(different)});"
                " give another --db to start a new one, or the same settings to continue it"
            )
    sampler = SeededSampler(seed, executor, progress)
    run = CalibrationRun(db=db, settings=settings)
    with _PyabcQuiet():
        while True:
            abc = _abc(sampler, population, problem)
            if stored is None:
                abc.new(_url(db), dict(problem.observed or {}))
                _write_setting(db, "settings", json.dumps(settings))
                stored = settings
            else:
                abc.load(_url(db), 1)
            history = abc.history
            run.generations = _generations(history, seconds)
            last = run.generations[-1] if run.generations else None
            if len(run.generations) >= generations or (
                last is not None and last.epsilon <= min_epsilon
            ):
                break
            t = history.max_t + 1
            start = time.perf_counter()
            abc.run(max_nr_populations=1)
            seconds[t] = time.perf_counter() - start
            _write_setting(db, f"seconds:{t}", repr(seconds[t]))
            run.generations = _generations(abc.history, seconds)
            if on_generation is not None:
                on_generation(run.generations[-1])
    return run


class _PyabcQuiet:
    """pyabc's INFO log lines off while the calibration runs (it has its own display)."""

    def __enter__(self) -> None:
        import logging

        self._loggers = [logging.getLogger(name) for name in ("ABC", "pyabc", "History", "Sampler")]
        self._levels = [logger.level for logger in self._loggers]
        for logger in self._loggers:
            logger.setLevel(logging.WARNING)

    def __exit__(self, *_: Any) -> None:
        for logger, level in zip(self._loggers, self._levels, strict=True):
            logger.setLevel(level)


# --- the posterior as data ------------------------------------------------------------------------
def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
            check=False,
        )
    except OSError:
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


def posterior_from_db(run: CalibrationRun) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The last generation's weighted particles and the provenance of the run.

    Returns:
        (particles, metadata): one row per particle, a column per parameter of
        :data:`PRIOR` and ``weight`` (summing to 1); the metadata as
        :func:`~alliance_sim.core.posterior.write_posterior` stores it.
    """
    import pyabc

    history = pyabc.History(_url(run.db))
    history.id = 1
    particles, weights = history.get_distribution(m=0, t=history.max_t)
    prior = {name: (float(a), float(b)) for name, (a, b) in run.settings["prior"].items()}
    frame = pd.DataFrame(
        [
            from_unbounded(row, prior)
            for row in particles[list(prior)].astype(float).to_dict("records")
        ],
        columns=list(prior),
    )
    frame[WEIGHT_COLUMN] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    last = run.generations[-1]
    metadata = {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "method": "ABC-SMC (pyabc): uniform priors, Euclidean distance in half-tolerances"
        " from each calibration target's centre, epsilon = weighted median of the previous"
        " generation's distances, multivariate normal perturbation",
        "seed": run.settings["seed"],
        "population": run.settings["population"],
        "generations": len(run.generations),
        "summary_trials": run.settings["summary_trials"],
        "summary_clinics": run.settings["summary_clinics"],
        "epsilon": last.epsilon,
        "acceptance_rate": last.acceptance_rate,
        "effective_sample_size": last.effective_sample_size,
        "simulations": run.simulations,
        "wall_time_seconds": round(run.wall_seconds, 1),
        "per_generation": [asdict(g) for g in run.generations],
        "prior": run.settings["prior"],
        "targets": run.settings["targets"],
        "observed": run.settings["observed"],
        "weights": run.settings["weights"],
        "code_version": __version__,
        "git_commit": _git_commit(),
        "pyabc_version": pyabc.__version__,
    }
    return frame, metadata


def save_posterior(run: CalibrationRun, path: Path | str = POSTERIOR_PATH) -> Posterior:
    """Write the run's posterior to ``path`` (Parquet, provenance in its metadata); load it back."""
    frame, metadata = posterior_from_db(run)
    return write_posterior(frame, metadata, path)
