"""Run every pattern and judge it by its rule: :func:`validate`.

* An ``interval`` pattern passes when the middle 95% (2.5th to 97.5th percentile) of
  its simulated studies lies inside the tolerance. The reported value is the median
  study; ``within`` is the share of studies inside the tolerance. The mean alone
  never decides.
* A ``mean`` pattern passes when the 95% confidence interval of the mean over the
  simulated studies lies inside the tolerance: for tolerances built from a published
  confidence interval or a pooled estimate, which already carry a study's sampling
  error. The reported value is the mean.
* A ``share`` pattern passes when at least the stated share (the tolerance's lower
  bound) of simulated trials reaches the published conclusion. The reported value is
  that share, with a 95% Wilson interval for it (how precisely the simulation knows it).

The verdict of the run is the verdict on the **targets**: :attr:`ValidationResult.
targets_passed` (what ``alliance-sim validate`` exits with). The checks are reported
as out of sample and never hidden.

:func:`validate_posterior` is the **posterior predictive check**: the same patterns,
simulated with parameter sets drawn from the calibration's posterior instead of the
defaults, and judged on what the draws give together
(:data:`~alliance_sim.validation.defaults.POSTERIOR_RULES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params, check_seed
from alliance_sim.core.posterior import UNCERTAINTY_STREAM, Posterior, default_posterior
from alliance_sim.simulation import replicate_seeds
from alliance_sim.trials import TrialResult
from alliance_sim.validation.defaults import (
    CI_SEED,
    DEFAULT_REPLICATES,
    POSTERIOR_TRIALS_PER_DRAW,
)
from alliance_sim.validation.patterns import PATTERNS, Pattern
from alliance_sim.validation.studies import STATISTICS, Simulations

__all__ = [
    "JUDGES",
    "RESULT_COLUMNS",
    "ValidationResult",
    "Verdict",
    "judge_interval",
    "judge_mean",
    "judge_posterior_mean",
    "judge_share",
    "validate",
    "validate_posterior",
]

RESULT_COLUMNS: tuple[str, ...] = (
    "id",
    "role",
    "what",
    "source",
    "published",
    "provenance",
    "judged_by",
    "n",
    "studies",
    "simulated",
    "simulated_low",
    "simulated_high",
    "within",
    "low",
    "high",
    "tolerance",
    "unit",
    "passed",
)
"""The columns of the validation table.

``studies``: simulated studies (or trials) behind the row; ``simulated``: the median
study (interval rule) or the share of trials reaching the conclusion (share rule);
``simulated_low``/``simulated_high``: the middle 95% of the studies, or the 95% Wilson
interval of the share; ``within``: share of studies inside the tolerance (interval
rule; NaN for the share rule); ``low``/``high``: the tolerance.
"""


@dataclass(frozen=True)
class Verdict:
    """The judgement of one pattern."""

    simulated: float
    low: float
    high: float
    studies: int
    within: float
    passed: bool


def judge_interval(values: np.ndarray, low: float, high: float) -> Verdict:
    """Judge per-study values: the middle 95% must lie inside ``[low, high]``.

    Studies whose statistic is undefined (NaN, e.g. no dropout to time) are left out;
    with none left the pattern fails.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return Verdict(math.nan, math.nan, math.nan, 0, math.nan, False)
    lo, mid, hi = (float(v) for v in np.percentile(x, [2.5, 50.0, 97.5]))
    within = float(np.mean((x >= low) & (x <= high)))
    return Verdict(mid, lo, hi, int(x.size), within, bool(lo >= low and hi <= high))


def judge_mean(values: np.ndarray, low: float, high: float) -> Verdict:
    """Judge the mean of per-study values: its 95% confidence interval must lie inside.

    For tolerances built from a published confidence interval (or a pooled
    estimate), which already carry the sampling error of a study: the model's
    expected value, known to within its Monte Carlo interval, must fall in them.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return Verdict(math.nan, math.nan, math.nan, int(x.size), math.nan, False)
    mean = float(x.mean())
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(x.size)
    within = float(np.mean((x >= low) & (x <= high)))
    lo, hi = mean - half, mean + half
    return Verdict(mean, lo, hi, int(x.size), within, bool(lo >= low and hi <= high))


def judge_share(hits: np.ndarray, low: float, high: float = 1.0) -> Verdict:
    """Judge per-trial conclusions: the share reaching it must lie in ``[low, high]``."""
    from statsmodels.stats.proportion import proportion_confint

    reached = np.asarray(hits, dtype=bool)
    k, n = int(reached.sum()), int(reached.size)
    if n == 0:
        return Verdict(math.nan, math.nan, math.nan, 0, math.nan, False)
    share = k / n
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    # the Wilson bounds can miss 0 or 1 by a rounding error
    return Verdict(
        share, min(float(lo), share), max(float(hi), share), n, math.nan, low <= share <= high
    )


def judge_posterior_mean(per_draw: Sequence[np.ndarray], low: float, high: float) -> Verdict:
    """Judge the expected value over posterior draws: the middle 95% of the draws' means.

    Each draw's expected value is the mean of its studies (NaN studies left out; a draw
    without any is left out); the verdict passes when the 2.5th to 97.5th percentile of
    those means lies inside ``[low, high]``. The reported value is their mean.
    """
    means = []
    studies = 0
    for values in per_draw:
        x = np.asarray(values, dtype=float)
        x = x[np.isfinite(x)]
        studies += int(x.size)
        if x.size:
            means.append(float(x.mean()))
    if len(means) < 2:
        return Verdict(math.nan, math.nan, math.nan, studies, math.nan, False)
    m = np.asarray(means)
    lo, hi = (float(v) for v in np.percentile(m, [2.5, 97.5]))
    within = float(np.mean((m >= low) & (m <= high)))
    return Verdict(float(m.mean()), lo, hi, studies, within, bool(lo >= low and hi <= high))


JUDGES: dict[str, Callable[[np.ndarray, float, float], Verdict]] = {
    "interval": judge_interval,
    "mean": judge_mean,
    "share": judge_share,
}
"""The judge of each rule (:data:`~alliance_sim.validation.defaults.RULES`)."""


@dataclass
class ValidationResult:
    """The verdict on every pattern, with the trials behind them (for the report's figures)."""

    table: pd.DataFrame
    """One row per pattern (:data:`RESULT_COLUMNS`)."""
    seed: int
    replicates: int
    clinics: int
    """Default clinics pooled into the studies of the clinic patterns."""
    trials: dict[str, TrialResult]
    """The virtual trials run (by protocol name)."""
    draws: int = 0
    """Posterior predictive check: parameter sets drawn from the posterior (0: the defaults)."""
    posterior: str | None = None
    """Posterior predictive check: the posterior file drawn from."""

    def _part(self, role: str) -> pd.DataFrame:
        return self.table[self.table["role"] == role]

    @property
    def targets(self) -> pd.DataFrame:
        """The rows of the calibration targets."""
        return self._part("target")

    @property
    def checks(self) -> pd.DataFrame:
        """The rows of the out-of-sample checks."""
        return self._part("check")

    @property
    def targets_passed(self) -> bool:
        """Whether every calibration target passed (the exit code of ``validate``)."""
        return bool(self.targets["passed"].all())

    @property
    def passed(self) -> bool:
        """Whether every pattern, target and check, passed."""
        return bool(self.table["passed"].all())

    @property
    def missed_checks(self) -> pd.DataFrame:
        """The checks outside their tolerance."""
        checks = self.checks
        return checks[~checks["passed"]]

    def counts(self) -> dict[str, tuple[int, int]]:
        """(passed, total) for ``"target"`` and ``"check"``."""
        return {
            role: (int(self._part(role)["passed"].sum()), len(self._part(role)))
            for role in ("target", "check")
        }

    def summary_lines(self) -> list[str]:
        """The two counting lines: targets, then checks (out of sample)."""
        counts = self.counts()
        return [
            f"targets: {counts['target'][0]} of {counts['target'][1]} within tolerance",
            f"checks (out of sample): {counts['check'][0]} of {counts['check'][1]}"
            " within tolerance",
        ]

    def records(self) -> list[dict[str, object]]:
        """The table as JSON-ready objects.

        NaN and infinite values become None; each object also has ``interval``
        ([low, high] of the simulated studies) and the role's ``reason``.
        """
        reasons = {p.id: p.reason for p in PATTERNS}

        def clean(value: object) -> object:
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        out = []
        for row in self.table.to_dict(orient="records"):
            record = {k: clean(v) for k, v in row.items()}
            record["interval"] = [record["simulated_low"], record["simulated_high"]]
            record["reason"] = reasons.get(str(row["id"]), "")
            out.append(record)
        return out


def _check_replicates(replicates: object) -> int:
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 2 <= replicates <= 10_000
    ):
        raise AllianceSimError(
            f"replicates = {replicates!r} is not allowed: a whole number from 2 to 10000"
        )
    return replicates


def _row(p: Pattern, verdict: Verdict) -> dict[str, object]:
    """One row of the validation table (:data:`RESULT_COLUMNS`)."""
    return {
        "id": p.id,
        "role": p.role,
        "what": p.what,
        "source": p.source,
        "published": p.published,
        "provenance": p.provenance,
        "judged_by": p.judged_by,
        "n": p.n,
        "studies": verdict.studies,
        "simulated": verdict.simulated,
        "simulated_low": verdict.low,
        "simulated_high": verdict.high,
        "within": verdict.within,
        "low": p.low,
        "high": p.high,
        "tolerance": p.tolerance,
        "unit": p.unit,
        "passed": verdict.passed,
    }


def validate(
    seed: int = CI_SEED,
    replicates: int = DEFAULT_REPLICATES,
    progress: Callable[[int, int], None] | None = None,
    overrides: Mapping[str, Any] | None = None,
    patterns: Sequence[Pattern] = PATTERNS,
) -> ValidationResult:
    """Simulate every pattern and judge it by its rule.

    Args:
        seed: everything derives from it (trials and clinics).
        replicates: simulated trials per trial protocol; the clinic patterns pool
            ``CLINICS_PER_REPLICATE`` times as many clinics (at least ``MIN_CLINICS``).
        progress: called as ``progress(done, total)`` in simulated arms and clinics.
        overrides: parameter values to use instead of the defaults (a protocol's or a
            scenario's own settings still apply on top); how the calibration scores
            a candidate.
        patterns: which patterns to judge (default: all), in report order.

    Raises:
        AllianceSimError: for a bad seed, replicate count or override.
    """
    seed = check_seed(seed)
    replicates = _check_replicates(replicates)
    Params(overrides or {})  # validates the overrides
    sims = Simulations(seed, replicates, overrides or {}, patterns, progress)
    rows = []
    for p in patterns:
        values = STATISTICS[p.statistic].compute(sims, p)
        judge = JUDGES[p.judged_by]
        rows.append(_row(p, judge(values, p.low, p.high)))
    return ValidationResult(
        table=pd.DataFrame(rows, columns=list(RESULT_COLUMNS)),
        seed=seed,
        replicates=replicates,
        clinics=sims.clinics,
        trials=sims.trials(),
    )


def validate_posterior(
    seed: int = CI_SEED,
    replicates: int = DEFAULT_REPLICATES,
    progress: Callable[[int, int], None] | None = None,
    patterns: Sequence[Pattern] = PATTERNS,
    posterior: Posterior | None = None,
) -> ValidationResult:
    """The posterior predictive check: every pattern with parameter sets drawn from the posterior.

    ``replicates / POSTERIOR_TRIALS_PER_DRAW`` parameter sets (at least 2) are drawn from
    the posterior with ``default_rng([seed, UNCERTAINTY_STREAM])``; each is simulated as
    :func:`validate` simulates the defaults with ``POSTERIOR_TRIALS_PER_DRAW`` replicates
    (its own seed derived from ``seed``). The studies (or trials) of all draws are pooled
    and judged by :data:`~alliance_sim.validation.defaults.POSTERIOR_RULES`: an interval
    pattern by the middle 95% of the pooled studies (a posterior predictive interval), a
    share pattern by the share of the pooled trials, a mean pattern by the middle 95% of
    the draws' expected values (:func:`judge_posterior_mean`).

    Raises:
        AllianceSimError: for a bad seed or replicate count, or a bad posterior file.
    """
    seed = check_seed(seed)
    replicates = _check_replicates(replicates)
    posterior = posterior or default_posterior()
    draws = max(2, replicates // POSTERIOR_TRIALS_PER_DRAW)
    parameter_sets = posterior.draw(np.random.default_rng([seed, UNCERTAINTY_STREAM]), draws)
    runs = [
        Simulations(draw_seed, POSTERIOR_TRIALS_PER_DRAW, values, patterns)
        for draw_seed, values in zip(replicate_seeds(seed, draws), parameter_sets, strict=True)
    ]
    total = sum(run.total for run in runs)
    done = 0

    def report(run_done: int, _total: int) -> None:
        if progress is not None:
            progress(done + run_done, total)

    values: dict[str, list[np.ndarray]] = {p.id: [] for p in patterns}
    for run in runs:
        run.progress = report
        for p in patterns:
            values[p.id].append(np.asarray(STATISTICS[p.statistic].compute(run, p)))
        done += run.total
        run._cache.clear()  # frees the draw's patients before the next draw
    rows = []
    for p in patterns:
        if p.judged_by == "mean":
            verdict = judge_posterior_mean(values[p.id], p.low, p.high)
        else:
            verdict = JUDGES[p.judged_by](np.concatenate(values[p.id]), p.low, p.high)
        rows.append(_row(p, verdict))
    return ValidationResult(
        table=pd.DataFrame(rows, columns=list(RESULT_COLUMNS)),
        seed=seed,
        replicates=draws * POSTERIOR_TRIALS_PER_DRAW,
        clinics=sum(run.clinics for run in runs),
        trials={},
        draws=draws,
        posterior=str(posterior.path),
    )
