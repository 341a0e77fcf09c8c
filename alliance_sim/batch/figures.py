"""Figures of a sweep: outputs over a grid, Sobol indices, Morris screening.

Built with matplotlib's object API (no pyplot state), so they work in scripts,
tests and the web app. Axis labels carry the parameter's and the output's label
and unit from the schema (:data:`~alliance_sim.core.params.SCHEMA`,
:data:`~alliance_sim.records.metrics.METRICS`); names that are not in them (a custom
model's) are shown as they are.

An output is drawn on its whole scale (:mod:`alliance_sim.core.scales`), in a line
plot and in a heatmap's colours alike; an axis that has to zoom (sensitivity
indices outside 0–1, Morris's effects, an output without a scale) says so in its
label. A sentence under each figure says what it shows and what its bands are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from alliance_sim.batch.analyse import CONFIDENCE, grid_summary
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA
from alliance_sim.core.scales import (
    add_caption,
    axis_limits,
    band_caption,
    band_sentence,
    zoomed_label,
)
from alliance_sim.records.metrics import METRICS

__all__ = [
    "axis_label",
    "grid_caption",
    "grid_figure",
    "morris_figure",
    "scatter_figure",
    "sobol_figure",
]


def axis_label(name: str) -> str:
    """A parameter's or output's label with its unit, e.g. "Therapist empathy (mean) (0–1)"."""
    if name in METRICS:
        metric = METRICS[name]
        return f"{metric.label} ({metric.unit})"
    if name in SCHEMA:
        spec = SCHEMA[name]
        return f"{spec.label} ({spec.unit})" if spec.unit else spec.label
    return name


def _short(name: str) -> str:
    if name in METRICS:
        return METRICS[name].label
    if name in SCHEMA:
        return SCHEMA[name].label
    return name


def grid_figure(
    runs: pd.DataFrame,
    output: str,
    params: Sequence[str] | None = None,
    *,
    title: str | None = None,
    caption: bool = True,
) -> Figure:
    """One output over a grid: a line with a 95% band (one parameter) or a heatmap (two).

    Args:
        runs: the run table (successful runs count; replicates give the band).
        output: the output to plot.
        params: the varied parameters to plot against (one or two); default: the
            run table's varied parameters when there are one or two. Other varied
            parameters are pooled over.
        title: the figure title (default: names the output and the replicates).
        caption: write the sentence of :func:`grid_caption` under the figure.

    The numbers drawn are :func:`~alliance_sim.batch.analyse.grid_summary`'s.

    Raises:
        AllianceSimError: for an unknown output or parameter, or not one or two parameters.
    """
    if params is None:
        from alliance_sim.batch.design import DESIGN_COLUMNS

        known = set(METRICS) | {"status", "error", "wall_s"}
        params = [c for c in runs.columns if c not in DESIGN_COLUMNS and c not in known]
    params = list(params)
    if len(params) not in (1, 2):
        raise AllianceSimError(
            f"a grid figure plots one or two varied parameters, not {len(params)}"
            f" ({', '.join(params)}); choose them with params=[...]"
        )
    summary = grid_summary(runs, params, [output])
    per_point = summary["n"]
    replicates = (
        f"{per_point.min()}"
        if per_point.min() == per_point.max()
        else f"{per_point.min()}–{per_point.max()}"
    )
    fig = Figure(figsize=(7, 4.8), layout="constrained")
    ax = fig.subplots()
    low, high, zoomed = axis_limits(output, summary["mean"])
    if len(params) == 1:
        x = summary[params[0]]
        ax.plot(x, summary["mean"], marker="o", color="tab:blue", label="mean")
        ax.fill_between(
            x,
            summary["ci_low"],
            summary["ci_high"],
            color="tab:blue",
            alpha=0.25,
            linewidth=0,
            label=f"{CONFIDENCE:.0%} CI of the mean ({band_caption(False)})",
        )
        ax.set_ylim(low, high)
        ax.set_xlabel(axis_label(params[0]))
        ax.set_ylabel(zoomed_label(axis_label(output), zoomed))
        ax.grid(alpha=0.3)
        ax.legend(title=f"{replicates} runs per point", fontsize=8, title_fontsize=8)
    else:
        table = summary.pivot(index=params[1], columns=params[0], values="mean")
        image = ax.imshow(
            table.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            cmap="viridis",
            vmin=low,
            vmax=high,
        )
        ax.set_xticks(
            range(len(table.columns)),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns],
        )
        ax.set_yticks(
            range(len(table.index)),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index],
        )
        ax.set_xlabel(axis_label(params[0]))
        ax.set_ylabel(axis_label(params[1]))
        values = table.to_numpy(dtype=float)
        middle = (low + high) / 2
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(
                    j,
                    i,
                    f"{value:.3g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value < middle else "black",
                )
        bar = fig.colorbar(image, ax=ax)
        colour = f"{axis_label(output)}, mean of {replicates} runs"
        bar.set_label(colour + ("\n(colours zoomed to the values)" if zoomed else ""))
    ax.set_title(title or f"{_short(output)} over the grid", fontsize=11)
    if caption:
        add_caption(fig, grid_caption(runs, output, params), width=95)
    return fig


def grid_caption(runs: pd.DataFrame, output: str, params: Sequence[str]) -> str:
    """The sentence under :func:`grid_figure`: what it shows and what its band is."""
    per_point = grid_summary(runs, list(params), [output])["n"]
    n = int(per_point.min()) if len(per_point) else 0
    if len(params) == 1:
        shows = (
            f"The line: the mean of {_short(output).lower()} over the runs at each value of "
            f"{_short(params[0]).lower()}, on the output's whole scale. "
        )
        return shows + band_sentence(n, "runs per value (each run its own patients)")
    return (
        f"Each cell: the mean of {_short(output).lower()} over its {n} runs (written in the "
        "cell; each run its own patients), coloured on the output's whole scale; no bands."
    )


def sobol_figure(indices: pd.DataFrame, output: str, *, title: str | None = None) -> Figure:
    """First-order and total Sobol indices of one output, with their 95% intervals."""
    table = indices[indices["output"] == output]
    if table.empty:
        raise AllianceSimError(f"no Sobol indices for output {output!r}")
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], capsize=3, label="first order (S1)")
    ax.bar(x + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], capsize=3, label="total (ST)")
    ax.set_xticks(x, table["parameter"], rotation=35, ha="right", fontsize=8)
    ax.set_xlabel("Parameter")
    indices = [*table["S1"], *table["ST"]]
    zoomed = any(not -0.05 <= value <= 1.05 for value in indices if np.isfinite(value))
    if not zoomed:  # a share of variance: the whole scale, room for small negative estimates
        ax.set_ylim(min(0.0, min(indices, default=0.0) - 0.02), 1.0)
    ax.set_ylabel(zoomed_label("Sobol index (share of output variance, 0–1)", zoomed))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title=f"{CONFIDENCE:.0%} bootstrap CI", fontsize=8, title_fontsize=8)
    ax.set_title(
        title or f"Sensitivity of {_short(output).lower()} ({axis_label(output)})", fontsize=11
    )
    add_caption(
        fig,
        "Bars: the share of the output's variance due to each parameter alone (S1) and "
        "with its interactions (ST), on the whole scale 0–1; error bars: 95% bootstrap "
        "intervals of the estimates.",
        width=95,
    )
    return fig


def morris_figure(indices: pd.DataFrame, output: str, *, title: str | None = None) -> Figure:
    """Morris screening of one output: μ* (importance) against σ (interaction / non-linearity)."""
    table = indices[indices["output"] == output]
    if table.empty:
        raise AllianceSimError(f"no Morris indices for output {output!r}")
    unit = METRICS[output].unit if output in METRICS else "output units"
    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(
        table["mu_star"],
        table["sigma"],
        xerr=table["mu_star_conf"],
        fmt="o",
        capsize=3,
        label=f"μ* with {CONFIDENCE:.0%} CI",
    )
    for row in table.itertuples():
        ax.annotate(
            str(row.parameter),
            (row.mu_star, row.sigma),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel(zoomed_label(f"μ*: mean |elementary effect| over the parameter's range ({unit})"))
    ax.set_ylabel(zoomed_label(f"σ: spread of the elementary effects ({unit})"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"Morris screening of {_short(output).lower()}", fontsize=11)
    add_caption(
        fig,
        "Each dot: one parameter; right = more important, up = more interaction or "
        "non-linearity. Axes are fitted to the estimates (Morris's effects have no "
        "natural scale); error bars: 95% bootstrap intervals of μ*.",
        width=90,
    )
    return fig


def scatter_figure(
    runs: pd.DataFrame, output: str, params: Sequence[str], *, title: str | None = None
) -> Figure:
    """One output against each varied parameter, one dot per successful run (LHS designs)."""
    ok = runs[runs["status"] == "ok"]
    fig = Figure(figsize=(3.2 * len(params) + 1, 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(params), sharey=True))
    low, high, zoomed = axis_limits(output, ok[output])
    for ax, name in zip(axes, params, strict=True):
        ax.scatter(ok[name], ok[output], s=6, alpha=0.5, color="tab:blue")
        ax.set_xlabel(axis_label(name), fontsize=8)
        ax.set_ylim(low, high)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(zoomed_label(axis_label(output), zoomed))
    fig.suptitle(title or f"{_short(output)}: one dot per run", fontsize=11)
    add_caption(
        fig,
        f"Each dot: one run's {_short(output).lower()} against the value of each varied "
        "parameter in that run, on the output's whole scale; no bands: every run is shown.",
        width=int(28 * len(params) + 10),
    )
    return fig
