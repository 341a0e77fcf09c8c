"""The calibration report: the posterior's summary, marginals, correlations and provenance.

:func:`write_calibration_report` writes Markdown with two figures beside it: the
marginal posterior of every calibrated parameter on its prior range
(:func:`marginals_figure`) and the joint posterior of the pairs that are correlated
(:func:`pairs_figure`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from alliance_sim.core.params import SCHEMA
from alliance_sim.core.posterior import CREDIBLE_MASS, NOT_IDENTIFIED, Posterior
from alliance_sim.records.io import write_files

__all__ = [
    "CORRELATION_SHOWN",
    "marginals_figure",
    "notable_correlations",
    "pairs_figure",
    "report_paths",
    "write_calibration_report",
]

CORRELATION_SHOWN = 0.3
"""Pairs whose posterior correlation is at least this large (in absolute value) are shown."""

MAX_PAIRS = 6
"""At most this many pairs in the pairs figure (the strongest)."""


def marginals_figure(posterior: Posterior) -> Figure:
    """One panel per parameter: the weighted histogram of the particles on the prior's range.

    The x axis is the whole prior range (a flat histogram = not identified); the median
    is a line and the 90% credible interval a shaded band.
    """
    names = posterior.names
    columns = 4
    rows = -(-len(names) // columns)
    fig = Figure(figsize=(3.3 * columns, 2.4 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    median, interval, prior = posterior.median(), posterior.interval(), posterior.prior
    for ax, name in zip(axes.flat, names, strict=False):
        low, high = prior[name]
        values = posterior.particles[name].to_numpy(float)
        ax.hist(
            values,
            bins=np.linspace(low, high, 21),
            weights=posterior.weights,
            density=True,
            color="#7fa7d1",
            edgecolor="white",
            label="posterior",
        )
        ax.axhline(1.0 / (high - low), color="grey", linestyle="--", linewidth=1, label="prior")
        ax.axvspan(*interval[name], color="#c0392b", alpha=0.12, linewidth=0, label="90% CI")
        ax.axvline(median[name], color="#c0392b", linewidth=1.5, label="median")
        ax.set_xlim(low, high)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=6)
    fig.suptitle(
        "Marginal posteriors on the prior ranges (x axis = the whole prior range;"
        " dashed = the uniform prior)",
        fontsize=10,
    )
    return fig


def notable_correlations(
    posterior: Posterior, threshold: float = CORRELATION_SHOWN
) -> pd.DataFrame:
    """Pairs with ``|r| ≥ threshold`` (weighted posterior correlation), strongest first."""
    corr = posterior.correlations()
    names = list(corr.index)
    rows = [
        {"first": a, "second": b, "r": float(corr.loc[a, b])}
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if math.isfinite(corr.loc[a, b]) and abs(corr.loc[a, b]) >= threshold
    ]
    frame = pd.DataFrame(rows, columns=["first", "second", "r"])
    return frame.reindex(frame["r"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def pairs_figure(posterior: Posterior, pairs: pd.DataFrame) -> Figure:
    """Scatter plots of the particles of each correlated pair (point area ∝ weight)."""
    shown = pairs.head(MAX_PAIRS)
    count = max(len(shown), 1)
    columns = min(count, 3)
    rows = -(-count // columns)
    fig = Figure(figsize=(3.6 * columns, 3.2 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    prior = posterior.prior
    size = 400 * posterior.weights / posterior.weights.max()
    for ax, row in zip(axes.flat, shown.itertuples(), strict=False):
        ax.scatter(
            posterior.particles[row.first],
            posterior.particles[row.second],
            s=size,
            alpha=0.4,
            color="#2c6fb0",
            linewidths=0,
        )
        ax.set_xlim(*prior[row.first])
        ax.set_ylim(*prior[row.second])
        ax.set_xlabel(row.first, fontsize=8)
        ax.set_ylabel(row.second, fontsize=8)
        ax.set_title(f"r = {row.r:+.2f}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    if shown.empty:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "no pair with |r| ≥ 0.3", ha="center", va="center")
        axes.flat[0].set_axis_off()
    fig.suptitle("Correlated pairs of the posterior (axes = the prior ranges)", fontsize=10)
    return fig


def report_paths(path: Path | str) -> dict[str, Path]:
    """The report and its figures: ``report``, ``marginals`` and ``pairs`` (PNG beside it)."""
    target = Path(path)
    return {
        "report": target,
        "marginals": target.with_name(f"{target.stem}-marginals.png"),
        "pairs": target.with_name(f"{target.stem}-pairs.png"),
    }


def _g(value: float) -> str:
    return f"{value:.4g}"


def report_text(posterior: Posterior, paths: dict[str, Path]) -> str:
    """The Markdown of the report."""
    meta: dict[str, Any] = posterior.metadata
    summary = posterior.summary()
    pairs = notable_correlations(posterior)
    not_identified = summary[~summary["identified"]]
    minutes = meta["wall_time_seconds"] / 60
    lines = [
        "# Calibration of the uncertain parameters (ABC-SMC)",
        "",
        "Written by `alliance-sim calibrate` from the posterior it shipped"
        f" (`{posterior.path.name}`). The schema's defaults of these parameters"
        " (`alliance_sim/core/params.py`, column *Default*) are a point of it that passes"
        " every calibration target with the validation seed, inside every 90% credible"
        " interval.",
        "",
        "## Method",
        "",
        f"{meta['method']}. The summary statistic of each of the {len(meta['targets'])}"
        " calibration targets is the mean over its simulated studies of the statistic"
        " `alliance-sim validate` judges; a particle is simulated as `validate` simulates the"
        f" defaults ({meta['summary_trials']} Fuentes trials, {meta['summary_clinics']} pooled"
        " clinics), for the targets only: the checks are never used. Priors: uniform over"
        " the ranges below (pyabc samples the logit of each parameter's position in its"
        " range, on which the uniform prior is the standard logistic).",
        "",
        "| Provenance | |",
        "|---|---|",
        f"| Date | {meta['created']} |",
        f"| Seed | {meta['seed']} |",
        f"| Particles per generation | {meta['population']} |",
        f"| Generations | {meta['generations']} |",
        f"| Final epsilon | {meta['epsilon']:.3f} (half-tolerances, Euclidean over the targets) |",
        f"| Final acceptance rate | {100 * meta['acceptance_rate']:.1f}% |",
        f"| Effective sample size | {meta['effective_sample_size']:.0f} of {meta['population']} |",
        f"| Simulations | {meta['simulations']:,} |",
        f"| Wall time | {minutes:.1f} min |",
        f"| Code | alliance-sim {meta['code_version']}, commit {meta.get('git_commit') or 'n/a'};"
        f" pyabc {meta['pyabc_version']} |",
        "",
        "| Generation | Epsilon | Acceptance | Simulations | ESS | Seconds |",
        "|---|---|---|---|---|---|",
    ]
    for g in meta["per_generation"]:
        prior = f" (+{g['prior_simulations']} prior)" if g["prior_simulations"] else ""
        lines.append(
            f"| {g['t'] + 1} | {g['epsilon']:.3f} | {100 * g['acceptance_rate']:.1f}% |"
            f" {g['simulations']}{prior} | {g['effective_sample_size']:.0f} |"
            f" {g['seconds']:.0f} |"
        )
    lines += [
        "",
        "## The posterior",
        "",
        f"| Parameter | Median | {int(100 * CREDIBLE_MASS)}% credible interval | Prior range"
        " | Interval / prior | Identified | Default |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        default = SCHEMA[row.name].default
        lines.append(
            f"| `{row.name}` | {_g(row.median)} | {_g(row.low)} – {_g(row.high)} |"
            f" {row.prior_low:g} – {row.prior_high:g} | {row.width_ratio:.2f} |"
            f" {'yes' if row.identified else '**no**'} | {default} |"
        )
    lines += [
        "",
        f"*Interval / prior*: the width of the {int(100 * CREDIBLE_MASS)}% credible interval over"
        f" that of the prior; above {NOT_IDENTIFIED} the patterns do not identify the"
        " parameter (its posterior is close to its prior).",
        "",
        f"![Marginal posteriors]({paths['marginals'].name})",
        "",
        "### Parameters the patterns do not identify",
        "",
    ]
    if not_identified.empty:
        lines.append("None: every parameter's posterior is narrower than its prior.")
    else:
        lines += [
            f"- `{row.name}`: {_g(row.low)} – {_g(row.high)} of {row.prior_low:g} –"
            f" {row.prior_high:g} ({row.width_ratio:.0%} of the prior's width)"
            for row in not_identified.itertuples()
        ]
    lines += [
        "",
        "### Correlations that matter",
        "",
        f"Pairs whose weighted posterior correlation is at least {CORRELATION_SHOWN} in size:"
        " the patterns pin down a combination of the two rather than each.",
        "",
    ]
    if pairs.empty:
        lines.append("None.")
    else:
        lines += ["| Parameters | r |", "|---|---|"]
        lines += [f"| `{r.first}` × `{r.second}` | {r.r:+.2f} |" for r in pairs.itertuples()]
    lines += ["", f"![Correlated pairs]({paths['pairs'].name})", ""]
    return "\n".join(lines)


def write_calibration_report(posterior: Posterior, path: Path | str) -> dict[str, Path]:
    """Write the report (Markdown) and its two figures (PNG, beside it), all or nothing.

    Raises:
        AllianceSimError: when a file cannot be written.
    """
    paths = report_paths(path)
    marginals = marginals_figure(posterior)
    pairs = pairs_figure(posterior, notable_correlations(posterior))
    text = report_text(posterior, paths)

    def figure(fig: Figure) -> Any:
        return lambda target: fig.savefig(target, dpi=100, format="png")

    def markdown(target: Path) -> None:
        target.write_text(text, encoding="utf-8")

    write_files(
        {
            paths["report"]: markdown,
            paths["marginals"]: figure(marginals),
            paths["pairs"]: figure(pairs),
        },
        "--report",
    )
    return paths
