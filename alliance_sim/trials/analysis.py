"""The trials' statistics: arm means and factorial contrasts, OLS models of outcomes.

Every test and interval comes from statsmodels: a factorial trial is fitted as
an OLS cell-means model (one mean per arm, pooled residual variance, as the
two-way ANOVA) and each main effect, the interaction and each planned
comparison is a linear contrast of the arm means with its t-based 95% CI and
p-value (in a 2×2 design the contrast's t² is the ANOVA's F). A regression
trial fits one OLS model per outcome (e.g. the outcome on the alliance
measured at session 2, adjusted for the baseline and the arm) and reports one
coefficient with its 95% CI; effect modification is the F test of adding an
interaction term (``compare_f_test``).

The regression models come from protocol files, so their formulas are read
by our own whitelist grammar and their design matrices built with numpy
(:mod:`alliance_sim.trials.formula`), then fitted with statsmodels' array
interface (``sm.OLS(y, X)``). Patsy and statsmodels' formula interface are not
used: they evaluate the formula's text as Python.

:func:`analyse` works on one trial's patients or on many replicate trials at
once (grouped by ``replicate``); :func:`summarise_estimates` turns the
replicates into one row per estimate beside the published value.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from alliance_sim.trials.protocol import Protocol, Published

__all__ = [
    "ALPHA",
    "ESTIMATE_COLUMNS",
    "add_derived_columns",
    "analyse",
    "factorial_estimates",
    "regression_estimates",
    "summarise_estimates",
]

ALPHA = 0.05
"""Significance level of every test and 1 − the coverage of every interval."""

EXACT_FIT = 1e-10
"""A regression whose residual sum of squares is below this share of the outcome's spread
fits its patients exactly: there is no error left to test against."""

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "replicate",
    "estimate",
    "label",
    "value",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
)
"""The columns of the per-trial estimates table."""


def add_derived_columns(patients: pd.DataFrame) -> pd.DataFrame:
    """Add columns the patients table does not hold but studies analyse.

    ``wai_patient_collaborative`` — the mean of the patient-rated WAI-SR goal and
    task subscales (Hougaard's collaborative area), the agreement on goals and
    tasks Burns & Evon (2007) found self-efficacy needs.
    """
    out = patients.copy()
    out["wai_patient_collaborative"] = 0.5 * (out["wai_patient_goal"] + out["wai_patient_task"])
    return out


def _contrast_row(
    result: sm.regression.linear_model.RegressionResultsWrapper,
    weights: np.ndarray,
    estimate: str,
    label: str,
    n: int,
) -> dict[str, object]:
    test = result.t_test(weights[None, :])
    low, high = np.asarray(test.conf_int(alpha=ALPHA)).reshape(-1)[:2]
    return {
        "estimate": estimate,
        "label": label,
        "value": float(np.asarray(test.effect).reshape(-1)[0]),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(np.asarray(test.pvalue).reshape(-1)[0]),
        "n": n,
    }


def factorial_estimates(protocol: Protocol, trial: pd.DataFrame) -> list[dict[str, object]]:
    """Arm means, main effects, the interaction and planned comparisons of one 2×2 trial.

    The model is OLS of the outcome on one indicator per arm (no intercept):
    the coefficients are the arm means, the residual variance is pooled
    (as in the two-way ANOVA). A main effect is the difference of the two
    levels' marginal means (each the unweighted mean of two arms); the
    interaction is the difference of the first factor's effect between the
    levels of the second; a planned comparison is the difference of two arms.
    """
    names = [arm.name for arm in protocol.arms]
    data = trial[["arm", protocol.outcome]].dropna()
    y = data[protocol.outcome].to_numpy(dtype=float)
    x = (data["arm"].to_numpy()[:, None] == np.asarray(names)[None, :]).astype(float)
    result = sm.OLS(y, x).fit()
    n = len(y)
    rows = []
    for i, arm in enumerate(protocol.arms):
        rows.append(_contrast_row(result, np.eye(len(names))[i], f"mean:{arm.name}", arm.label, n))
    factors = list(protocol.factors.items())
    for factor, (first, second) in factors:
        w = np.array(
            [0.5 if arm.levels[factor] == first else -0.5 for arm in protocol.arms], dtype=float
        )
        rows.append(
            _contrast_row(result, w, f"effect:{factor}", f"{factor}: {first} − {second}", n)
        )
    (f1, (a1, _)), (f2, (a2, _)) = factors
    w = np.array(
        [
            (1.0 if arm.levels[f1] == a1 else -1.0) * (1.0 if arm.levels[f2] == a2 else -1.0)
            for arm in protocol.arms
        ]
    )
    rows.append(_contrast_row(result, w, "interaction", f"{f1} × {f2} interaction", n))
    for contrast in protocol.contrasts:
        w = np.zeros(len(names))
        w[names.index(contrast.first)] = 1.0
        w[names.index(contrast.second)] = -1.0
        rows.append(_contrast_row(result, w, contrast.estimate, contrast.label, n))
    return rows


def _fit(y: np.ndarray, x: np.ndarray, term: int | None = None) -> Any:
    """The OLS fit of ``y`` on ``x``, or None when the regression cannot answer.

    A small trial can leave too few patients with data to estimate ``term`` (the
    column of the coefficient reported): fewer patients than independent
    columns, a ``term`` that other columns already explain (an arm with nobody
    left), or a model that fits its patients exactly (no error left to test
    against). Such a trial's estimate is left out (NaN) rather than reported as a
    number without meaning. Columns that coincide elsewhere (everybody in an arm
    rating the alliance at the ceiling) only make the model smaller: statsmodels
    then fits and tests it with the degrees of freedom it really has.
    """
    rank = int(np.linalg.matrix_rank(x))
    if len(y) - rank < 1:
        return None
    if term is not None and int(np.linalg.matrix_rank(np.delete(x, term, axis=1))) == rank:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)  # rank is handled above
        fit = sm.OLS(y, x).fit()
    spread = float(np.sum((y - y.mean()) ** 2))
    if fit.ssr <= EXACT_FIT * max(spread, np.finfo(float).tiny):
        return None
    return fit


def regression_estimates(protocol: Protocol, data: pd.DataFrame) -> pd.DataFrame:
    """Each model's coefficient (and moderation F test) in every replicate trial of ``data``.

    The design matrices are built once for all replicates (from the parsed
    model, never from formula text), then each replicate is fitted on its own
    rows; patients with a missing value in the model (e.g. no questionnaire at
    session 2) are left out, as in a complete-case analysis.
    """
    rows: list[dict[str, object]] = []
    levels = protocol.levels
    for model in protocol.models:
        design = model.design(levels)
        full_design = model.full_design(levels)
        complete = data[list(model.columns)].notna().all(axis=1).to_numpy()
        kept = data.loc[complete]
        y = kept[model.outcome].to_numpy(dtype=float, na_value=np.nan)[:, None]
        x = design.matrix(kept)
        full_x = full_design.matrix(kept) if full_design is not None else None
        replicate = kept["replicate"].to_numpy()
        column = design.columns.index(model.term)
        for r in np.unique(replicate):
            rows_r = replicate == r
            yr = y[rows_r, 0]
            xr = x[rows_r]
            fit = _fit(yr, xr, column)
            low, high = fit.conf_int(alpha=ALPHA)[column] if fit else (np.nan, np.nan)
            rows.append(
                {
                    "replicate": int(r),
                    "estimate": f"coef:{model.name}",
                    "label": model.label,
                    "value": float(fit.params[column]) if fit else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "p_value": float(fit.pvalues[column]) if fit else np.nan,
                    "n": int(rows_r.sum()),
                }
            )
            if full_x is not None:
                full = _fit(yr, full_x[rows_r]) if fit else None
                f_value, p_value = np.nan, np.nan
                if full and full.df_model > fit.df_model:  # something left to test
                    f_value, p_value, _ = full.compare_f_test(fit)
                rows.append(
                    {
                        "replicate": int(r),
                        "estimate": f"moderation:{model.name}",
                        "label": f"{model.name}: alliance × arm (F test)"
                        if model.moderation_text == f"{model.term}:C(arm)"
                        else f"{model.name}: + {model.moderation_text} (F test)",
                        "value": float(f_value),
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "p_value": float(p_value),
                        "n": int(rows_r.sum()),
                    }
                )
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def analyse(protocol: Protocol, data: pd.DataFrame) -> pd.DataFrame:
    """The protocol's estimates for every replicate trial in ``data``.

    ``data`` holds one row per patient with ``replicate``, ``arm`` and the
    patient columns; the result has one row per replicate per estimate
    (:data:`ESTIMATE_COLUMNS`), in the order of :meth:`Protocol.estimates`.
    """
    if "replicate" not in data:
        data = data.assign(replicate=0)
    if protocol.analysis == "factorial":
        rows = []
        for r, trial in data.groupby("replicate", sort=True):
            for row in factorial_estimates(protocol, trial):
                rows.append({"replicate": int(r), **row})  # type: ignore[call-overload]
        frame = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
    else:
        frame = regression_estimates(protocol, data)
    order = {key: i for i, key in enumerate(protocol.estimates())}
    frame["_order"] = frame["estimate"].map(order)
    frame = frame.sort_values(["replicate", "_order"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def _agreement(published: Published, simulated: float, values: np.ndarray, p: np.ndarray) -> float:
    """1.0/0.0 whether the simulation agrees with a published row; NaN when nothing to check."""
    if published.low is not None and published.high is not None:
        return float(published.low <= simulated <= published.high)
    if published.expect is None:
        return np.nan
    significant = p < ALPHA
    hits = {
        "positive": significant & (values > 0),
        "negative": significant & (values < 0),
        "significant": significant,
        "not-significant": ~significant,
    }[published.expect]
    return float(np.mean(hits) >= 0.5)


def summarise_estimates(protocol: Protocol, estimates: pd.DataFrame) -> pd.DataFrame:
    """One row per estimate: simulated value and interval beside the published result.

    With one replicate, ``simulated`` is the trial's estimate and the interval
    its 95% CI. With several, ``simulated`` is the mean over the replicate
    trials and the interval holds the middle 95% of their estimates (the
    spread of results a real trial of this size could have got);
    ``share_significant`` is the share of trials with p < 0.05 (the power,
    for a real effect). ``agrees`` says whether the simulation matches the
    published result: within its tolerance where one is given, otherwise —
    for an ``expect`` — whether at least half of the simulated trials find
    what the study found. ``estimated`` counts the trials in which the estimate
    could be computed (a trial with fewer patients with data than its model has
    coefficients cannot); the others are left out of its value and interval.
    """
    published = {p.estimate: p for p in protocol.published}
    rows = []
    for key in protocol.estimates():
        part = estimates[estimates["estimate"] == key]
        values = part["value"].to_numpy(dtype=float)
        p = part["p_value"].to_numpy(dtype=float)
        estimated = int(np.isfinite(values).sum())
        interval = "95% CI" if len(part) == 1 else "95% of trials"
        if estimated == 0:  # no trial could estimate it (too few patients): nothing to say
            simulated = low = high = np.nan
        elif len(part) == 1:
            simulated = float(values[0])
            low, high = float(part["ci_low"].iloc[0]), float(part["ci_high"].iloc[0])
        else:
            simulated = float(np.nanmean(values))
            low, high = (float(q) for q in np.nanpercentile(values, [2.5, 97.5]))
        pub = published.get(key)
        rows.append(
            {
                "estimate": key,
                "label": str(part["label"].iloc[0]) if len(part) else key,
                "published": pub.text if pub else "",
                "published_value": pub.value if pub and pub.value is not None else np.nan,
                "low": pub.low if pub and pub.low is not None else np.nan,
                "high": pub.high if pub and pub.high is not None else np.nan,
                "expect": pub.expect if pub and pub.expect else "",
                "simulated": simulated,
                "simulated_low": low,
                "simulated_high": high,
                "interval": interval,
                "p_value": float(np.nanmedian(p)) if estimated else np.nan,
                # a trial that could not estimate it found nothing significant
                "share_significant": float(np.mean(p < ALPHA)) if estimated else np.nan,
                "agrees": _agreement(pub, simulated, values, p) if pub and estimated else np.nan,
                "estimated": estimated,
            }
        )
    return pd.DataFrame(rows)
