"""The simulated studies behind the patterns, and the statistic each pattern computes.

Every simulation runs once and is shared by the patterns that need it
(:class:`Simulations`); all run on the cohort engine:

* **trials** — the built-in protocols ``fuentes-2014`` and ``ferreira-2013`` at their
  published allocation and ``burns-evon-2007`` at the size of its pattern (79), each
  repeated ``replicates`` times (:func:`~alliance_sim.trials.run_trial`);
* **clinic** — ``CLINICS_PER_REPLICATE × replicates`` default clinics (at least
  ``MIN_CLINICS``) with the questionnaires taken at sessions 2, 3 and the last (taking a
  questionnaire changes nothing in the model, only what is observed). Their patients are
  kept as one row each, with the scores of those three sessions and the adherence of
  every session, and **pooled**: a pattern of published size *n* cuts the pool into
  consecutive simulated studies of *n* patients (after keeping the patients the study
  could measure, e.g. those who attended session 3);
* **clinic:no-exercise** — as many clinics with ``exercise_effect = 0`` (Hayden 2021's
  control arm);
* **clinic:paternalistic** / **clinic:shared-power** — ``replicates`` clinics each of the
  built-in scenarios, questionnaires at the last session (Beneciuk 2021).

A statistic (:data:`STATISTICS`) returns, for an ``interval`` or ``mean`` pattern, one
value per simulated study (the judge takes the middle 95% of them, or the confidence
interval of their mean) and, for a ``share`` pattern, one true/false per simulated trial
(did it reach the published conclusion?). Statistics of many studies are computed at once,
with one row per study.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from alliance_sim.core.params import Params
from alliance_sim.scenarios import load_scenario
from alliance_sim.simulation import replicate_seeds, simulate
from alliance_sim.trials import Protocol, TrialResult, builtin_protocols, run_trial
from alliance_sim.validation.defaults import CLINICS_PER_REPLICATE, MIN_CLINICS
from alliance_sim.validation.patterns import Pattern

__all__ = [
    "CLINIC_MEASUREMENT",
    "SIMULATIONS",
    "STATISTICS",
    "Simulations",
    "Statistic",
    "icc_agreement",
]

Array = npt.NDArray[np.float64]

SIMULATIONS: tuple[str, ...] = (
    "trial:fuentes-2014",
    "trial:ferreira-2013",
    "trial:burns-evon-2007",
    "clinic",
    "clinic:no-exercise",
    "clinic:paternalistic",
    "clinic:shared-power",
)
"""Every simulation, in the order their seeds are derived from the validation's seed."""

CLINIC_MEASUREMENT = "2,3,last"
"""When the pooled clinics' questionnaires are taken (Ferreira and Araujo at 2; Lambers at 3)."""

SCORED_SESSIONS: tuple[str, ...] = ("2", "3", "last")
SCORES: tuple[str, ...] = (
    "wai_patient_total",
    "wai_patient_goal",
    "wai_patient_task",
    "wai_patient_bond",
    "wai_therapist_total",
    "wai_therapist_goal",
    "wai_therapist_task",
    "wai_therapist_bond",
)
PATIENT_COLUMNS: tuple[str, ...] = (
    "replicate",
    "patient_id",
    "therapist_id",
    "self_efficacy_baseline",
    "psychosocial_load_baseline",
    "pain_baseline_mm",
    "disability_baseline",
    "pain_mm",
    "disability",
    "gpe",
    "dropped_out",
    "sessions_in_care",
    "sessions_attended",
    "missed_any",
    "adherence",
    "fully_adherent",
    "pain_change_mm",
    "disability_change",
    "wai_patient",
)
"""The patients-table columns the pooled clinics keep."""

PAIN_SESSION = 6
"""The session after which pain is compared with baseline (six weekly sessions ≈ 6 weeks)."""

WAI_ITEMS = 12
"""The model scores the WAI-SR as the mean item score (1–5); 12 × it is the 12–60 total."""

MINIMAL_DISABILITY = 20.0
"""The top of the Oswestry index's minimal-disability band, 0–100 (Fairbank & Pynsent 2000)."""

CLINICS_AT_ONCE = 50
"""Clinics simulated per call; only the columns the patterns need are kept (bounds the memory)."""


@functools.lru_cache(maxsize=1)
def _builtin_protocols() -> dict[str, Protocol]:
    """The built-in protocols, read once (a calibration builds thousands of simulations)."""
    return builtin_protocols()


def scored(column: str, session: str) -> str:
    """The pooled clinics' column of a questionnaire score taken at ``session``."""
    return f"{column}@{session}"


class Simulations:
    """The simulations the patterns are computed from, each run once, when first asked for.

    Args:
        seed: every simulation's seed derives from it (``SeedSequence``; one per
            :data:`SIMULATIONS` entry).
        replicates: simulated trials per trial; the pooled clinics are
            ``CLINICS_PER_REPLICATE × replicates`` (at least ``MIN_CLINICS``).
        overrides: parameter values used instead of the defaults (a protocol's or a
            scenario's own settings apply on top).
        patterns: the patterns to be computed; only the simulations they need run.
        progress: called as ``progress(done, total)`` in simulated arms and clinics.
    """

    def __init__(
        self,
        seed: int,
        replicates: int,
        overrides: Mapping[str, Any],
        patterns: Sequence[Pattern],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.replicates = replicates
        self.overrides = dict(overrides)
        self.progress = progress
        self.clinics = max(CLINICS_PER_REPLICATE * replicates, MIN_CLINICS)
        self.seeds = dict(zip(SIMULATIONS, replicate_seeds(seed, len(SIMULATIONS)), strict=True))
        self.protocols = {
            name: self._with_overrides(protocol) for name, protocol in _builtin_protocols().items()
        }
        self.trial_sizes = _trial_sizes(patterns, self.protocols)
        needed = {name for p in patterns for name in STATISTICS[p.statistic].needs}
        self.total = sum(self._cost(name) for name in SIMULATIONS if name in needed)
        self.done = 0
        self._cache: dict[str, Any] = {}

    # --- bookkeeping --------------------------------------------------------------------------
    def _with_overrides(self, protocol: Protocol) -> Protocol:
        # The protocol's own settings (sessions, arms' therapist behaviour) win.
        common = {**self.overrides, **protocol.common}
        return Protocol(**{**protocol.__dict__, "common": common})

    def _cost(self, name: str) -> int:
        if name.startswith("trial:"):
            return len(self.protocols[name.removeprefix("trial:")].arms) * self.replicates
        if name in ("clinic:paternalistic", "clinic:shared-power"):
            return self.style_clinics
        return self.clinics

    @property
    def style_clinics(self) -> int:
        """Clinics per arm of the paternalistic vs shared-power comparison."""
        return max(self.replicates, MIN_CLINICS)

    def _ticker(self) -> Callable[[int], None]:
        def tick(k: int) -> None:
            self.done += k
            if self.progress is not None:
                self.progress(self.done, self.total)

        return tick

    def get(self, name: str) -> Any:
        """The simulation ``name`` (one of :data:`SIMULATIONS`), run on first use."""
        if name not in self._cache:
            if name.startswith("trial:"):
                self._cache[name] = self._trial(name)
            elif name == "clinic":
                self._cache[name] = self._clinic()
            else:
                self._cache[name] = self._other_clinic(name)
        return self._cache[name]

    def trials(self) -> dict[str, TrialResult]:
        """The trials run so far, by protocol name."""
        return {
            name.removeprefix("trial:"): result
            for name, result in self._cache.items()
            if name.startswith("trial:")
        }

    # --- the simulations ------------------------------------------------------------------------
    def _trial(self, name: str) -> TrialResult:
        protocol = self.protocols[name.removeprefix("trial:")]
        start = self.done

        def report(done: int, total: int) -> None:
            self.done = start + done
            if self.progress is not None:
                self.progress(self.done, self.total)

        result = run_trial(
            protocol,
            n_per_arm=self.trial_sizes.get(protocol.name),
            replicates=self.replicates,
            seed=self.seeds[name],
            progress=report,
        )
        self.done = start + len(protocol.arms) * self.replicates
        return result

    def clinic_params(self) -> Params:
        """The pooled clinics' parameters: the defaults (or overrides), questionnaires at 2, 3, last."""
        return Params({**self.overrides, "measurement_sessions": CLINIC_MEASUREMENT})

    def _clinic(self) -> pd.DataFrame:
        params = self.clinic_params()
        seeds = replicate_seeds(self.seeds["clinic"], self.clinics)
        tick = self._ticker()
        parts = []
        for start in range(0, len(seeds), CLINICS_AT_ONCE):
            chunk = seeds[start : start + CLINICS_AT_ONCE]
            sim = simulate(params, chunk, tables=("patients", "sessions"), progress=tick)
            part = _per_patient(sim.patients, sim.sessions, int(params.n_sessions))
            part["replicate"] += start
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def _other_clinic(self, name: str) -> pd.DataFrame:
        if name == "clinic:no-exercise":
            no_exercise = {"measurement_sessions": CLINIC_MEASUREMENT, "exercise_effect": 0.0}
            params = Params({**self.overrides, **no_exercise})
            count = self.clinics
        else:
            scenario = load_scenario(name.removeprefix("clinic:"))
            params = Params(
                {**self.overrides, **scenario.overrides, "measurement_sessions": "last"}
            )
            count = self.style_clinics
        seeds = replicate_seeds(self.seeds[name], count)
        tick = self._ticker()
        parts = []
        for start in range(0, len(seeds), CLINICS_AT_ONCE):
            chunk = seeds[start : start + CLINICS_AT_ONCE]
            sim = simulate(params, chunk, tables=("patients",), progress=tick)
            part = sim.patients[list(PATIENT_COLUMNS)].reset_index(drop=True)
            part["replicate"] += start
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    @property
    def n_sessions(self) -> int:
        """Sessions per episode in the pooled clinics."""
        return int(self.clinic_params().n_sessions)


def _trial_sizes(patterns: Iterable[Pattern], protocols: Mapping[str, Protocol]) -> dict[str, int]:
    """Patients per arm for each trial whose patterns ask for another size than the protocol's."""
    sizes: dict[str, int] = {}
    for p in patterns:
        for need in STATISTICS[p.statistic].needs:
            name = need.removeprefix("trial:")
            if need.startswith("trial:") and p.n != protocols[name].n_per_arm:
                sizes[name] = p.n
    return sizes


def _per_patient(patients: pd.DataFrame, sessions: pd.DataFrame, n_sessions: int) -> pd.DataFrame:
    """One row per patient of a chunk of clinics.

    The kept patient columns, the scores at sessions 2, 3 and the last, the adherence
    of every session (NaN once dropped out) and the pain after session 6.
    """
    frame = patients[list(PATIENT_COLUMNS)].reset_index(drop=True)
    ordered = sessions.sort_values(["replicate", "session", "patient_id"], kind="stable")
    size = int(patients["replicate"].nunique())
    n = len(patients) // size

    def grid(column: str) -> np.ndarray:  # (replicates, sessions, patients)
        return ordered[column].to_numpy().reshape(size, n_sessions, n)

    columns: dict[str, np.ndarray] = {}
    for label in SCORED_SESSIONS:
        index = n_sessions - 1 if label == "last" else int(label) - 1
        for column in SCORES:
            values = grid(column)[:, index, :] if index < n_sessions else np.full((size, n), np.nan)
            columns[scored(column, label)] = values.reshape(-1)
    in_care = ~grid("dropped_out").astype(bool)
    adherence = np.where(in_care, grid("adherence"), np.nan)
    for s in range(n_sessions):
        columns[f"adherence@{s + 1}"] = adherence[:, s, :].reshape(-1)
    pain = grid("pain_mm")
    columns[f"pain_mm@{PAIN_SESSION}"] = (
        pain[:, PAIN_SESSION - 1, :].reshape(-1)
        if n_sessions >= PAIN_SESSION
        else np.full(size * n, np.nan)
    )
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


# --- studies: a pool of patients cut into simulated studies of n ------------------------------
def studies(
    frame: pd.DataFrame,
    n: int,
    columns: Sequence[str],
    where: np.ndarray | None = None,
    one_per_clinic: bool = False,
) -> dict[str, np.ndarray]:
    """The pool cut into consecutive studies of ``n`` patients: each column as (studies, n).

    Only patients with a value in every column (and ``where``, if given) are kept,
    as a study could only include those it measured; the remainder is dropped. With
    ``one_per_clinic`` the patients are taken one from each clinic in turn (patient 0
    of every clinic, then patient 1, …), so that a study's dyads come from different
    clinicians, as in a survey of one dyad per clinician (Lambers & Bolton 2016).
    """
    if one_per_clinic:
        frame = frame.iloc[np.argsort(frame["patient_id"].to_numpy(), kind="stable")]
        where = None if where is None else np.asarray(where)[frame.index.to_numpy()]
    keep = np.ones(len(frame), dtype=bool) if where is None else np.asarray(where, dtype=bool)
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        keep &= np.isfinite(values)
    k = int(keep.sum()) // n
    return {
        column: frame[column].to_numpy(dtype=float)[keep][: k * n].reshape(k, n)
        for column in columns
    }


def _mean(x: Array) -> Array:
    return np.asarray(x.mean(axis=1))


def _sd(x: Array) -> Array:
    return np.asarray(x.std(axis=1, ddof=1))


def _pearson(x: Array, y: Array) -> Array:
    xm = x - x.mean(axis=1, keepdims=True)
    ym = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(
            (xm * ym).sum(axis=1) / np.sqrt((xm**2).sum(axis=1) * (ym**2).sum(axis=1))
        )


def _spearman(x: Array, y: Array) -> Array:
    return _pearson(stats.rankdata(x, axis=1), stats.rankdata(y, axis=1))


def icc_agreement(ratings: Array) -> Array:
    """ICC(A,1) per study: two-way random effects, absolute agreement, a single rater.

    ``ratings`` has shape (studies, subjects, raters).
    ``(MSR − MSE) / (MSR + (k − 1) MSE + k (MSC − MSE) / n)`` for ``n`` subjects and ``k``
    raters (McGraw & Wong 1996, case 2A; Shrout & Fleiss 1979, ICC(2,1)). A mean difference
    between the raters lowers it, as disagreement.
    """
    x = np.asarray(ratings, dtype=float)
    n, k = x.shape[-2], x.shape[-1]
    grand = x.mean(axis=(-2, -1), keepdims=True)
    subjects = x.mean(axis=-1, keepdims=True)
    raters = x.mean(axis=-2, keepdims=True)
    ss_rows = k * ((subjects - grand) ** 2).sum(axis=(-2, -1))
    ss_cols = n * ((raters - grand) ** 2).sum(axis=(-2, -1))
    ss_total = ((x - grand) ** 2).sum(axis=(-2, -1))
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(
            (ms_rows - ms_error) / (ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n)
        )


def _r_squared(y: Array, *predictors: Array) -> Array:
    """R² of an OLS fit with an intercept, per row."""
    x = np.stack([np.ones_like(y), *predictors], axis=-1)  # (studies, n, p)
    xtx = np.einsum("snp,snq->spq", x, x)
    xty = np.einsum("snp,sn->sp", x, y)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    residual = y - np.einsum("snp,sp->sn", x, beta)
    centred = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(1.0 - (residual**2).sum(axis=1) / (centred**2).sum(axis=1))


# --- the statistics ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Statistic:
    """How a pattern's statistic is computed, and from which simulation."""

    needs: tuple[str, ...]
    """The simulations it is computed from (of :data:`SIMULATIONS`)."""
    compute: Callable[[Simulations, Pattern], np.ndarray]
    """One value per simulated study (``interval``) or one bool per trial (``share``)."""


def _estimates(sims: Simulations, trial: str, estimate: str) -> pd.DataFrame:
    result: TrialResult = sims.get(f"trial:{trial}")
    part = result.estimates[result.estimates["estimate"] == estimate]
    return part.sort_values("replicate")


def _trial_values(trial: str, estimate: str) -> Statistic:
    def compute(sims: Simulations, _: Pattern) -> np.ndarray:
        return _estimates(sims, trial, estimate)["value"].to_numpy(dtype=float)

    return Statistic((f"trial:{trial}",), compute)


def _trial_reaches(trial: str, estimate: str, conclusion: str) -> Statistic:
    def compute(sims: Simulations, _: Pattern) -> np.ndarray:
        part = _estimates(sims, trial, estimate)
        v = part["value"].to_numpy(dtype=float)
        p = part["p_value"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return {
                "positive": (p < 0.05) & (v > 0),
                "negative": (p < 0.05) & (v < 0),
                "not-significant": p >= 0.05,
                "above-zero": v > 0,
            }[conclusion]

    return Statistic((f"trial:{trial}",), compute)


def _fuentes_order(sims: Simulations, _: Pattern) -> np.ndarray:
    result: TrialResult = sims.get("trial:fuentes-2014")
    est = result.estimates
    means = est[est["estimate"].str.startswith("mean:")].pivot(
        index="replicate", columns="estimate", values="value"
    )
    return np.asarray(
        (means["mean:AE"] > means["mean:SE"])
        & (means["mean:SE"] >= means["mean:AL"])
        & (means["mean:AL"] > means["mean:SL"])
    )


def _clinic(fn: Callable[[Simulations, Pattern, pd.DataFrame], np.ndarray]) -> Statistic:
    def compute(sims: Simulations, p: Pattern) -> np.ndarray:
        return fn(sims, p, sims.get("clinic"))

    return Statistic(("clinic",), compute)


def _share_of(column: str, invert: bool = False) -> Statistic:
    def fn(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
        x = studies(pool, p.n, [column])[column]
        return _mean(1.0 - x if invert else x)

    return _clinic(fn)


def _no_show(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    s = studies(pool, p.n, ["sessions_in_care", "sessions_attended"])
    scheduled = s["sessions_in_care"].sum(axis=1)
    return np.asarray((scheduled - s["sessions_attended"].sum(axis=1)) / scheduled)


def _dropout_early(sims: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    s = studies(pool, p.n, ["dropped_out", "sessions_in_care"])
    dropped = s["dropped_out"] > 0.5
    early = dropped & (s["sessions_in_care"] <= sims.n_sessions / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(early.sum(axis=1) / dropped.sum(axis=1))


def _alliance_dropout_gap(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    wai = scored("wai_patient_total", "2")
    s = studies(pool, p.n, [wai, "dropped_out"])
    x, dropped = s[wai], s["dropped_out"] > 0.5
    completers = np.where(dropped, np.nan, x)
    dropouts = np.where(dropped, x, np.nan)
    n_c, n_d = (~dropped).sum(axis=1), dropped.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a study without dropouts: no gap
        pooled = np.sqrt(
            ((n_c - 1) * np.nanvar(completers, axis=1, ddof=1)
             + (n_d - 1) * np.nanvar(dropouts, axis=1, ddof=1)) / (n_c + n_d - 2)
        )  # fmt: skip
        return np.asarray((np.nanmean(completers, axis=1) - np.nanmean(dropouts, axis=1)) / pooled)


def _wai_total(rater: str, what: str) -> Statistic:
    column = scored(f"wai_{rater}_total", "3")

    def fn(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
        x = WAI_ITEMS * studies(pool, p.n, [column], one_per_clinic=True)[column]
        return _mean(x) if what == "mean" else _sd(x)

    return _clinic(fn)


def _wai_agreement(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    a, b = scored("wai_patient_total", "3"), scored("wai_therapist_total", "3")
    s = studies(pool, p.n, [a, b], one_per_clinic=True)
    return icc_agreement(WAI_ITEMS * np.stack([s[a], s[b]], axis=-1))


def _wai_ceiling(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    column = scored("wai_patient_total", "2")
    at_maximum = studies(pool, p.n, [column])[column] >= 5.0 - 1e-9
    return _mean(at_maximum.astype(float))


def _wai_bond_highest(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    raters, scales = ("patient", "therapist"), ("goal", "task", "bond")
    names = [scored(f"wai_{r}_{s}", "3") for r in raters for s in scales]
    s = studies(pool, p.n, names)
    gaps = []
    for rater in ("patient", "therapist"):
        bond = _mean(s[scored(f"wai_{rater}_bond", "3")])
        for other in ("goal", "task"):
            gaps.append(bond - _mean(s[scored(f"wai_{rater}_{other}", "3")]))
    return np.asarray(np.min(np.stack(gaps), axis=0))


def _wai_change(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    early, last = scored("wai_patient_total", "2"), scored("wai_patient_total", "last")
    s = studies(pool, p.n, [early, last])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(_mean(s[last] - s[early]) / _sd(s[early]))


def _patient_vs_therapist(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    a, b = scored("wai_patient_total", "2"), scored("wai_therapist_total", "2")
    s = studies(pool, p.n, [a, b, "gpe"])
    return _spearman(s[a], s["gpe"]) - _spearman(s[b], s["gpe"])


def _correlation(x: str, y: str, rank: bool = False, negate_y: bool = False) -> Statistic:
    def fn(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
        s = studies(pool, p.n, [x, y])
        second = -s[y] if negate_y else s[y]
        return _spearman(s[x], second) if rank else _pearson(s[x], second)

    return _clinic(fn)


def _load_disability_over_pain(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    load, dis, pain = "psychosocial_load_baseline", "disability_baseline", "pain_baseline_mm"
    s = studies(pool, p.n, [load, dis, pain])
    return _pearson(s[load], s[dis]) - _pearson(s[load], s[pain])


def _load_slows_recovery(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    load = "psychosocial_load_baseline"
    s = studies(pool, p.n, [load, "disability"])
    high = s[load] >= np.quantile(s[load], 2 / 3, axis=1, keepdims=True)
    poor = s["disability"] > MINIMAL_DISABILITY
    cells = np.stack(
        [(high & poor).sum(1), (high & ~poor).sum(1), (~high & poor).sum(1), (~high & ~poor).sum(1)]
    ).astype(float)
    cells += 0.5 * (cells == 0).any(axis=0)  # Haldane's correction where a cell is empty
    a, b, c, d = cells
    return np.asarray(a * d / (b * c))


def _adherence_slope(sims: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    columns = [f"adherence@{s}" for s in range(1, sims.n_sessions + 1)]
    k = len(pool) // p.n
    grid = pool[columns].to_numpy(dtype=float)[: k * p.n].reshape(k, p.n, len(columns))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a session with every patient gone
        means = np.nanmean(grid, axis=1)  # (studies, sessions)
    session = np.broadcast_to(np.arange(1.0, len(columns) + 1), means.shape)
    ok = np.isfinite(means)
    s_bar = np.where(ok, session, 0).sum(1) / ok.sum(1)
    y_bar = np.where(ok, means, 0).sum(1) / ok.sum(1)
    ds = np.where(ok, session - s_bar[:, None], 0.0)
    dy = np.where(ok, means - y_bar[:, None], 0.0)
    return np.asarray((ds * dy).sum(1) / (ds**2).sum(1))


def _gpe_explained(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
    s = studies(pool, p.n, ["gpe", "pain_change_mm", "disability_change"])
    return _r_squared(s["gpe"], s["pain_change_mm"], s["disability_change"])


def _mean_of(column: str, minus: str | None = None, what: str = "mean") -> Statistic:
    def fn(_: Simulations, p: Pattern, pool: pd.DataFrame) -> np.ndarray:
        names = [column] if minus is None else [column, minus]
        s = studies(pool, p.n, names)
        x = s[column] if minus is None else s[column] - s[minus]
        return _mean(x) if what == "mean" else _sd(x)

    return _clinic(fn)


def _difference(other: str, column: str, scale: float = 1.0, first: str = "clinic") -> Statistic:
    """Mean of ``column`` in ``first`` minus in ``other``, for paired studies of n per arm."""

    def compute(sims: Simulations, p: Pattern) -> np.ndarray:
        a = studies(sims.get(first), p.n, [column])[column]
        b = studies(sims.get(other), p.n, [column])[column]
        k = min(len(a), len(b))
        return np.asarray(scale * (_mean(a[:k]) - _mean(b[:k])))

    return Statistic((first, other), compute)


STATISTICS: dict[str, Statistic] = {
    **{f"fuentes-mean-{arm}": _trial_values("fuentes-2014", f"mean:{arm}")
       for arm in ("AE", "SE", "AL", "SL")},
    "fuentes-alliance-effect": _trial_values("fuentes-2014", "effect:alliance"),
    "fuentes-device-effect": _trial_values("fuentes-2014", "effect:device"),
    "fuentes-interaction": _trial_values("fuentes-2014", "interaction"),
    "fuentes-order": Statistic(("trial:fuentes-2014",), _fuentes_order),
    "fuentes-SE-vs-AL": _trial_reaches("fuentes-2014", "contrast:SE-AL", "not-significant"),
    "ferreira-gpe": _trial_reaches("ferreira-2013", "coef:gpe", "positive"),
    "ferreira-function": _trial_reaches("ferreira-2013", "coef:function", "positive"),
    "ferreira-disability": _trial_reaches("ferreira-2013", "coef:disability", "negative"),
    "ferreira-pain": _trial_reaches("ferreira-2013", "coef:pain", "negative"),
    "burns-evon-interaction": _trial_reaches("burns-evon-2007", "coef:interaction", "above-zero"),
    "not-fully-adherent": _share_of("fully_adherent", invert=True),
    "dropout": _share_of("dropped_out"),
    "missed-visit": _share_of("missed_any"),
    "no-show": _clinic(_no_show),
    "dropout-early": _clinic(_dropout_early),
    "alliance-dropout-gap": _clinic(_alliance_dropout_gap),
    "wai-patient-level": _wai_total("patient", "mean"),
    "wai-patient-sd": _wai_total("patient", "sd"),
    "wai-therapist-level": _wai_total("therapist", "mean"),
    "wai-therapist-sd": _wai_total("therapist", "sd"),
    "wai-agreement": _clinic(_wai_agreement),
    "wai-ceiling": _clinic(_wai_ceiling),
    "wai-bond-highest": _clinic(_wai_bond_highest),
    "wai-change": _clinic(_wai_change),
    "patient-vs-therapist": _clinic(_patient_vs_therapist),
    "paternalistic-vs-shared": _difference(
        "clinic:paternalistic", "wai_patient", scale=WAI_ITEMS, first="clinic:shared-power"
    ),
    "adherence-mean": _mean_of("adherence"),
    "adherence-sd": _mean_of("adherence", what="sd"),
    "adherence-slope": _clinic(_adherence_slope),
    "self-efficacy-adherence": _correlation("self_efficacy_baseline", "adherence", rank=True),
    "adherence-pain": _correlation("adherence", "pain_change_mm", rank=True, negate_y=True),
    "adherence-disability": _correlation(
        "adherence", "disability_change", rank=True, negate_y=True
    ),
    "load-disability": _correlation("psychosocial_load_baseline", "disability_baseline"),
    "load-pain": _correlation("psychosocial_load_baseline", "pain_baseline_mm"),
    "load-disability-over-pain": _clinic(_load_disability_over_pain),
    "pain-disability": _correlation("pain_baseline_mm", "disability_baseline"),
    "load-slows-recovery": _clinic(_load_slows_recovery),
    "exercise-pain": _difference("clinic:no-exercise", "pain_mm"),
    "exercise-disability": _difference("clinic:no-exercise", "disability"),
    "alliance-outcome": _correlation(
        scored("wai_patient_total", "2"), "disability_change", negate_y=True
    ),
    "gpe-explained": _clinic(_gpe_explained),
    "pain-change-6wk": _mean_of(f"pain_mm@{PAIN_SESSION}", minus="pain_baseline_mm"),
    "disability-change": _mean_of("disability_change"),
    "disability-change-sd": _mean_of("disability_change", what="sd"),
}  # fmt: skip
"""Each pattern's statistic, by :attr:`Pattern.statistic`."""
