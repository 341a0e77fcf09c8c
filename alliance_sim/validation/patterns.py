"""Validation: the published patterns the model must reproduce, run as a feature.

Each :class:`Pattern` names what is compared, its source, the published value
and the tolerance the simulated value must lie in (pattern-oriented modelling;
Grimm et al. 2005). :func:`validate` runs every pattern with the default
parameters (or with overrides, which is how ``experiments/calibrate.py``
scores a candidate) and returns one row per pattern: the simulated value, an
interval for it, the tolerance and whether it passed. :func:`write_report`
writes the same as Markdown with figures.

How the patterns are computed:

* **Fuentes et al. 2014** — the ``fuentes-2014`` protocol at its published
  size (29–30 patients per arm), repeated ``replicates`` times: the simulated
  value is the mean over the simulated trials (the model's expectation for a
  trial of that design); the interval holds the middle 95% of the trials.
  "SE vs AL not significantly different" is the share of simulated trials in
  which that planned comparison has p ≥ 0.05 (at least half must).
* **Ferreira et al. 2013** — the ``ferreira-2013`` protocol at the published
  size (182 patients): for each outcome, the share of simulated trials in which
  the patient-rated alliance at session 2 predicts the outcome in the
  published direction with p < 0.05 (at least half must: a trial of the
  published size would usually find what the study found).
* **Engagement** — the default clinic (10 sessions, within the 8–12 of the
  pattern), ``5 × replicates`` clinics: mean share of patients not fully
  adherent, dropped out, and missing at least one visit.
* **Measurement** — the same clinics: the share of first patient-rated WAI-SR
  forms at the maximum score (a ceiling effect is usually declared when more
  than 15% of respondents score the maximum; Terwee et al. 2007), and the
  rank correlation of the patient's versus the therapist's WAI-SR at session 2
  with the global perceived effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params, check_seed
from alliance_sim.simulation import replicate_seeds, simulate
from alliance_sim.trials import Protocol, TrialResult, builtin_protocols, run_trial, trial_figure
from alliance_sim.validation.defaults import CI_SEED, DEFAULT_REPLICATES

__all__ = [
    "CI_SEED",
    "CLINICS_PER_REPLICATE",
    "DEFAULT_REPLICATES",
    "PATTERNS",
    "RESULT_COLUMNS",
    "Pattern",
    "ValidationResult",
    "validate",
    "write_report",
]

CLINICS_PER_REPLICATE = 5
"""Default clinics simulated per replicate for the engagement and measurement patterns.

They are cheap (a clinic of 200 patients on the cohort engine), and the
patient-versus-therapist difference is small, so it needs many patients for a
stable verdict: 1,000 clinics with the default 200 replicates.
"""

RESULT_COLUMNS: tuple[str, ...] = (
    "id",
    "what",
    "source",
    "published",
    "simulated",
    "simulated_low",
    "simulated_high",
    "low",
    "high",
    "tolerance",
    "unit",
    "passed",
)
"""The columns of the validation table (``low``/``high``: the tolerance the simulated value must lie in)."""


@dataclass(frozen=True)
class Pattern:
    """A published pattern: what, where from, the published value and the tolerance."""

    id: str
    what: str
    source: str
    published: str
    low: float
    high: float
    unit: str
    compute: Callable[[_Runs], tuple[float, float, float]]
    """From the simulated runs: (value, interval low, interval high)."""

    @property
    def tolerance(self) -> str:
        """The tolerance in words."""
        if math.isinf(self.high):
            return f"≥ {self.low:g}"
        if math.isinf(self.low):
            return f"≤ {self.high:g}"
        return f"{self.low:g} to {self.high:g}"


FUENTES = "Fuentes et al. 2014"
FERREIRA = "Ferreira et al. 2013"
ENGAGEMENT = "DESIGN §4 (Ferreira et al. 2013 and the adherence literature)"


class _Runs:
    """The simulations the patterns are computed from, run once and shared."""

    def __init__(
        self,
        seed: int,
        replicates: int,
        overrides: Mapping[str, Any],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.seed = seed
        self.replicates = replicates
        self.overrides = dict(overrides)
        self.progress = progress
        protocols = builtin_protocols()
        self.fuentes_protocol = self._with_overrides(protocols["fuentes-2014"])
        self.ferreira_protocol = self._with_overrides(protocols["ferreira-2013"])
        n_arms = len(self.fuentes_protocol.arms) + len(self.ferreira_protocol.arms)
        self.clinics = CLINICS_PER_REPLICATE * replicates
        self.total = replicates * n_arms + self.clinics
        self.done = 0
        self._fuentes: TrialResult | None = None
        self._ferreira: TrialResult | None = None
        self._clinic: pd.DataFrame | None = None

    def _with_overrides(self, protocol: Protocol) -> Protocol:
        # The protocol's own settings (sessions, arms' therapist behaviour) win.
        common = {**self.overrides, **protocol.common}
        return Protocol(**{**protocol.__dict__, "common": common})

    def _tick(self, offset: int) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(offset + done, self.total)

        return report

    def _trial(self, protocol: Protocol, seed_offset: int) -> TrialResult:
        offset = self.done
        result = run_trial(
            protocol,
            replicates=self.replicates,
            seed=self.seed + seed_offset,
            progress=self._tick(offset),
        )
        self.done = offset + len(protocol.arms) * self.replicates
        return result

    @property
    def fuentes(self) -> TrialResult:
        if self._fuentes is None:
            self._fuentes = self._trial(self.fuentes_protocol, 1)
        return self._fuentes

    @property
    def ferreira(self) -> TrialResult:
        if self._ferreira is None:
            self._ferreira = self._trial(self.ferreira_protocol, 2)
        return self._ferreira

    @property
    def clinic(self) -> pd.DataFrame:
        """The default clinic's patients, ``CLINICS_PER_REPLICATE × replicates`` clinics."""
        if self._clinic is None:
            offset = self.done
            tick = self._tick(offset)
            count = 0

            def step(k: int) -> None:
                nonlocal count
                count += k
                tick(count, self.clinics)

            params = Params(self.overrides)
            sim = simulate(
                params,
                replicate_seeds(self.seed + 3, self.clinics),
                tables=("patients",),
                progress=step,
            )
            self._clinic = sim.patients
            self.done = offset + self.clinics
        return self._clinic


def _trial_mean(trial: str, estimate: str) -> Callable[[_Runs], tuple[float, float, float]]:
    def compute(runs: _Runs) -> tuple[float, float, float]:
        result: TrialResult = getattr(runs, trial)
        row = result.table.set_index("estimate").loc[estimate]
        return float(row["simulated"]), float(row["simulated_low"]), float(row["simulated_high"])

    return compute


def _share_interval(hits: np.ndarray) -> tuple[float, float, float]:
    from statsmodels.stats.proportion import proportion_confint

    k, n = int(hits.sum()), len(hits)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    # the Wilson bounds can miss 0 or 1 by a rounding error
    return k / n, min(float(low), k / n), max(float(high), k / n)


def _trial_share(
    trial: str, estimate: str, expect: str
) -> Callable[[_Runs], tuple[float, float, float]]:
    def compute(runs: _Runs) -> tuple[float, float, float]:
        result: TrialResult = getattr(runs, trial)
        part = result.estimates[result.estimates["estimate"] == estimate]
        p = part["p_value"].to_numpy(dtype=float)
        v = part["value"].to_numpy(dtype=float)
        hits = {
            "positive": (p < 0.05) & (v > 0),
            "negative": (p < 0.05) & (v < 0),
            "not-significant": p >= 0.05,
        }[expect]
        return _share_interval(hits)

    return compute


def _fuentes_order(runs: _Runs) -> tuple[float, float, float]:
    """The smallest of the gaps AE − SE, SE − AL, AL − SL between the simulated means."""
    est = runs.fuentes.estimates
    means = est[est["estimate"].str.startswith("mean:")].pivot(
        index="replicate", columns="estimate", values="value"
    )
    gaps = np.stack(
        [
            means["mean:AE"] - means["mean:SE"],
            means["mean:SE"] - means["mean:AL"],
            means["mean:AL"] - means["mean:SL"],
        ]
    )
    per_trial = gaps.min(axis=0)
    expected = float(gaps.mean(axis=1).min())
    low, high = np.percentile(per_trial, [2.5, 97.5])
    return expected, float(low), float(high)


def _clinic_share(
    column: str, invert: bool = False
) -> Callable[[_Runs], tuple[float, float, float]]:
    def compute(runs: _Runs) -> tuple[float, float, float]:
        values = runs.clinic[column].to_numpy(dtype=float)
        if invert:
            values = 1.0 - values
        per_clinic = pd.Series(values).groupby(runs.clinic["replicate"].to_numpy()).mean()
        low, high = np.percentile(per_clinic, [2.5, 97.5])
        return float(per_clinic.mean()), float(low), float(high)

    return compute


def _ceiling(runs: _Runs) -> tuple[float, float, float]:
    wai = runs.clinic["wai_patient"].to_numpy(dtype=float)
    ok = ~np.isnan(wai)
    return _share_interval(wai[ok] >= 5.0)


def _patient_minus_therapist(runs: _Runs) -> tuple[float, float, float]:
    """Spearman ρ(patient WAI-SR, GPE) − ρ(therapist WAI-SR, GPE), over every clinic's patients.

    The interval is the middle 95% of the difference over the clinics.
    """
    frame = runs.clinic[["replicate", "wai_patient", "wai_therapist", "gpe"]].dropna()

    def difference(part: pd.DataFrame) -> float:
        rho_p = stats.spearmanr(part["wai_patient"], part["gpe"]).statistic
        rho_t = stats.spearmanr(part["wai_therapist"], part["gpe"]).statistic
        return float(rho_p - rho_t)

    per_clinic = np.array([difference(part) for _, part in frame.groupby("replicate")])
    low, high = np.nanpercentile(per_clinic, [2.5, 97.5])
    return difference(frame), float(low), float(high)


INF = math.inf

PATTERNS: tuple[Pattern, ...] = (
    Pattern("fuentes-AE", "Pain reduction, active device + enhanced alliance", FUENTES,
            "31.4 mm", 26.0, 36.0, "mm", _trial_mean("fuentes", "mean:AE")),
    Pattern("fuentes-SE", "Pain reduction, sham device + enhanced alliance", FUENTES,
            "22.2 mm", 17.0, 27.0, "mm", _trial_mean("fuentes", "mean:SE")),
    Pattern("fuentes-AL", "Pain reduction, active device + limited alliance", FUENTES,
            "18.3 mm", 13.0, 23.0, "mm", _trial_mean("fuentes", "mean:AL")),
    Pattern("fuentes-SL", "Pain reduction, sham device + limited alliance", FUENTES,
            "10.3 mm", 5.0, 15.0, "mm", _trial_mean("fuentes", "mean:SL")),
    Pattern("fuentes-alliance-effect", "Main effect of the enhanced alliance", FUENTES,
            "≈ 12.5 mm", 8.0, 17.0, "mm", _trial_mean("fuentes", "effect:alliance")),
    Pattern("fuentes-device-effect", "Main effect of the active device", FUENTES,
            "≈ 8.6 mm", 4.0, 13.0, "mm", _trial_mean("fuentes", "effect:device")),
    Pattern("fuentes-interaction", "Device × alliance interaction", FUENTES,
            "≈ 0 mm", -5.0, 5.0, "mm", _trial_mean("fuentes", "interaction")),
    Pattern("fuentes-order", "Order AE > SE ≥ AL > SL (smallest gap between the means)", FUENTES,
            "AE > SE ≥ AL > SL (smallest gap 3.9 mm)", 0.0, INF, "mm", _fuentes_order),
    Pattern("fuentes-SE-vs-AL", "SE vs AL not significantly different (share of trials)",
            FUENTES, "p ≥ 0.05", 0.5, 1.0, "share of trials",
            _trial_share("fuentes", "contrast:SE-AL", "not-significant")),
    Pattern("ferreira-gpe", "Alliance (session 2) predicts global perceived effect", FERREIRA,
            "β > 0, p < 0.05", 0.5, 1.0, "share of trials",
            _trial_share("ferreira", "coef:gpe", "positive")),
    Pattern("ferreira-function", "Alliance (session 2) predicts function", FERREIRA,
            "β > 0, p < 0.05", 0.5, 1.0, "share of trials",
            _trial_share("ferreira", "coef:function", "positive")),
    Pattern("ferreira-disability", "Alliance (session 2) predicts disability", FERREIRA,
            "β < 0, p < 0.05", 0.5, 1.0, "share of trials",
            _trial_share("ferreira", "coef:disability", "negative")),
    Pattern("ferreira-pain", "Alliance (session 2) predicts pain", FERREIRA,
            "β < 0, p < 0.05", 0.5, 1.0, "share of trials",
            _trial_share("ferreira", "coef:pain", "negative")),
    Pattern("not-fully-adherent", "Patients not fully adherent to home exercise", ENGAGEMENT,
            "40–75%", 0.40, 0.75, "share of patients", _clinic_share("fully_adherent", invert=True)),
    Pattern("dropout", "Patients who drop out", ENGAGEMENT,
            "7–25%", 0.07, 0.25, "share of patients", _clinic_share("dropped_out")),
    Pattern("missed-visit", "Patients who miss at least one visit", ENGAGEMENT,
            "most (> 50%)", 0.50, 1.0, "share of patients", _clinic_share("missed_any")),
    Pattern("wai-ceiling", "Patient-rated WAI-SR at the maximum score (ceiling effect)",
            "Hall et al. 2012; Terwee et al. 2007 (> 15% = ceiling)",
            "a ceiling effect (> 15% at the maximum)", 0.15, 1.0, "share of forms", _ceiling),
    Pattern("patient-vs-therapist", "Patient ratings predict GPE better than therapist ratings",
            "Bachelor 2013; Horvath & Bedi 2002",
            "ρ(patient) > ρ(therapist)", 0.0, INF, "Spearman ρ difference",
            _patient_minus_therapist),
)  # fmt: skip
"""Every pattern, in report order."""


@dataclass
class ValidationResult:
    """The verdict on every pattern, with the runs behind it (for the report's figures)."""

    table: pd.DataFrame
    """One row per pattern (:data:`RESULT_COLUMNS`)."""
    seed: int
    replicates: int
    fuentes: TrialResult
    ferreira: TrialResult

    @property
    def passed(self) -> bool:
        """Whether every pattern passed."""
        return bool(self.table["passed"].all())

    def records(self) -> list[dict[str, object]]:
        """The table as JSON-ready objects (infinite bounds as None)."""
        out = []
        for row in self.table.to_dict(orient="records"):
            out.append(
                {
                    k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in row.items()
                }
            )
        return out


def validate(
    seed: int = CI_SEED,
    replicates: int = DEFAULT_REPLICATES,
    progress: Callable[[int, int], None] | None = None,
    overrides: Mapping[str, Any] | None = None,
    patterns: tuple[Pattern, ...] = PATTERNS,
) -> ValidationResult:
    """Run every pattern and judge it against its tolerance.

    Args:
        seed: everything derives from it (trials and clinics).
        replicates: simulated trials per protocol; the engagement and
            measurement patterns use ``CLINICS_PER_REPLICATE`` times as many clinics.
        progress: called as ``progress(done, total)`` in simulated arms/clinics.
        overrides: parameter values to use instead of the defaults (the
            protocols' own settings still apply on top).
        patterns: which patterns to judge (default: all).

    Raises:
        AllianceSimError: for a bad seed, replicate count or override.
    """
    seed = check_seed(seed)
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 2 <= replicates <= 10_000
    ):
        raise AllianceSimError(
            f"replicates = {replicates!r} is not allowed: a whole number from 2 to 10000"
        )
    Params(overrides or {})  # validates the overrides
    runs = _Runs(seed, replicates, overrides or {}, progress)
    rows = []
    for pattern in patterns:
        value, low, high = pattern.compute(runs)
        rows.append(
            {
                "id": pattern.id,
                "what": pattern.what,
                "source": pattern.source,
                "published": pattern.published,
                "simulated": value,
                "simulated_low": low,
                "simulated_high": high,
                "low": pattern.low,
                "high": pattern.high,
                "tolerance": pattern.tolerance,
                "unit": pattern.unit,
                "passed": bool(pattern.low <= value <= pattern.high),
            }
        )
    return ValidationResult(
        table=pd.DataFrame(rows, columns=list(RESULT_COLUMNS)),
        seed=seed,
        replicates=replicates,
        fuentes=runs.fuentes,
        ferreira=runs.ferreira,
    )


def _fmt(value: float, unit: str) -> str:
    if unit.startswith("share"):
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def markdown_table(result: ValidationResult) -> str:
    """The validation table in Markdown."""
    lines = [
        "| Pattern | What | Source | Published | Simulated (95% interval) | Tolerance | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result.table.itertuples():
        simulated = (
            f"{_fmt(row.simulated, row.unit)} ({_fmt(row.simulated_low, row.unit)} to"
            f" {_fmt(row.simulated_high, row.unit)})"
        )
        tolerance = row.tolerance if not row.unit.startswith("share") else _share_tolerance(row)
        lines.append(
            f"| `{row.id}` | {row.what} | {row.source} | {row.published} | {simulated} |"
            f" {tolerance} | {'pass' if row.passed else '**FAIL**'} |"
        )
    return "\n".join(lines)


def _share_tolerance(row: Any) -> str:
    return f"{100 * row.low:g}% to {100 * row.high:g}%"


def write_report(result: ValidationResult, path: str | Path) -> Path:
    """Write the validation report (Markdown) and its figures (PNG, beside it).

    Raises:
        AllianceSimError: when the folder does not exist or a file cannot be written.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise AllianceSimError(
            f"--report {str(path)!r}: the folder {str(target.parent)!r} does not exist"
        )
    figures = {
        f"{target.stem}-fuentes-2014.png": trial_figure(result.fuentes),
        f"{target.stem}-ferreira-2013.png": trial_figure(result.ferreira),
    }
    passed = int(result.table["passed"].sum())
    text = [
        "# alliance-sim validation report",
        "",
        f"{passed} of {len(result.table)} patterns pass (seed {result.seed},"
        f" {result.replicates} simulated trials or clinics per pattern, default parameters).",
        "",
        "The simulated value of a trial pattern is the mean over trials of the published size;"
        " the interval holds the middle 95% of those trials (the spread a real trial could"
        " show). A share-of-trials pattern counts the simulated trials that find what the study"
        " found, with a 95% Wilson interval.",
        "",
        markdown_table(result),
        "",
        "## Fuentes et al. 2014",
        "",
        f"![Fuentes 2014: simulated vs published]({target.stem}-fuentes-2014.png)",
        "",
        "## Ferreira et al. 2013",
        "",
        f"![Ferreira 2013: the alliance as a predictor]({target.stem}-ferreira-2013.png)",
        "",
    ]
    try:
        for name, fig in figures.items():
            fig.savefig(target.with_name(name), dpi=110)
        target.write_text("\n".join(text), encoding="utf-8")
    except OSError as error:
        raise AllianceSimError(f"cannot write {target}: {error}") from None
    return target
