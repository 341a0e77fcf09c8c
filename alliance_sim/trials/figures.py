"""Figures of a virtual trial: simulated estimates with the published values marked.

Built with matplotlib's object API (no pyplot state), for scripts, tests and
the web app alike. Text from the protocol file (titles, labels, published
findings) is drawn as plain text (``parse_math=False``): a ``$...$`` in it is
not handed to matplotlib's mathtext parser.

Scales follow :mod:`alliance_sim.core.scales`: a factorial trial's means are drawn
on the outcome's whole scale (0–100 mm for pain); regression coefficients have no
natural scale, so their axis is fitted to the estimates and its label says so.
A sentence under each figure says what it shows and what its intervals are.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from alliance_sim.core.scales import add_caption, axis_limits, band_sentence, zoomed_label

if TYPE_CHECKING:
    from alliance_sim.trials.run import TrialResult

__all__ = ["power_figure", "trial_caption", "trial_figure"]

LABEL_WIDTH = 28
"""Characters per line of a regression figure's row labels."""
PUBLISHED_WIDTH = 70
"""Characters per line of the published finding written under each row."""
TITLE_WIDTH = 75
"""Characters per line of a trial figure's title (the protocol's title)."""


def _errors(rows: pd.DataFrame) -> np.ndarray:
    low = (rows["simulated"] - rows["simulated_low"]).clip(lower=0).to_numpy()
    high = (rows["simulated_high"] - rows["simulated"]).clip(lower=0).to_numpy()
    return np.vstack([low, high])


def _factorial_axes(result: TrialResult, ax: object) -> None:
    protocol = result.protocol
    rows = result.table[result.table["estimate"].str.startswith("mean:")].reset_index(drop=True)
    x = np.arange(len(rows))
    ax.bar(x, rows["simulated"], color="#7fa7d1", label="simulated mean")  # type: ignore[attr-defined]
    ax.errorbar(  # type: ignore[attr-defined]
        x,
        rows["simulated"],
        yerr=_errors(rows),
        fmt="none",
        ecolor="black",
        capsize=4,
        label=f"simulated {rows['interval'].iloc[0]} ({result.band})",
    )
    published = rows["published_value"].to_numpy(dtype=float)
    if np.isfinite(published).any():
        paper = {p.estimate: p for p in protocol.published}
        ci = np.array(
            [
                (paper[e].ci_low, paper[e].ci_high)
                if e in paper and paper[e].ci_low is not None
                else (np.nan, np.nan)
                for e in rows["estimate"]
            ],
            dtype=float,
        )
        given = np.isfinite(ci[:, 0]) & np.isfinite(published)
        if given.any():  # the paper's own 95% intervals, where it gives them
            ax.errorbar(  # type: ignore[attr-defined]
                x[given],
                published[given],
                yerr=np.vstack(
                    [published[given] - ci[given, 0], ci[given, 1] - published[given]]
                ).clip(min=0),
                fmt="none",
                ecolor="#c0392b",
                capsize=3,
                linewidth=1,
                zorder=3,
                label="published 95% interval",
            )
        ax.scatter(  # type: ignore[attr-defined]
            x, published, marker="D", color="#c0392b", zorder=4, label="published mean"
        )
        label = "model tolerance: the simulation must fall in it"
        for xi, low, high in zip(x, rows["low"], rows["high"], strict=True):
            if np.isfinite(low) and np.isfinite(high):
                ax.vlines(xi + 0.3, low, high, color="#c0392b", alpha=0.5, linewidth=3, label=label)  # type: ignore[attr-defined]
                label = "_nolegend_"  # one legend entry for all the ranges
    labels = [protocol.arm(key.split(":", 1)[1]).label for key in rows["estimate"]]
    ax.set_xticks(x, labels, rotation=15, ha="right", parse_math=False)  # type: ignore[attr-defined]
    shown = [*rows["simulated"], *published[np.isfinite(published)]]
    low, high, zoomed = axis_limits(protocol.outcome, shown)
    ax.set_ylim(low, high)  # type: ignore[attr-defined]
    ax.set_ylabel(zoomed_label(_outcome_label(protocol.outcome), zoomed))  # type: ignore[attr-defined]
    ax.legend(loc="upper right", fontsize="small")  # type: ignore[attr-defined]


def _outcome_label(outcome: str) -> str:
    labels = {
        "first_session_relief_mm": "Pain reduction in the session (mm, 0–100 scale)",
        "pain_change_mm": "Pain change (mm)",
        "disability_change": "Disability change (points)",
        "function_change": "Function change (points)",
        "gpe": "Global perceived effect (−5..+5)",
    }
    return labels.get(outcome, outcome)


def _regression_axes(result: TrialResult, ax: object) -> None:
    """One row per model: the coefficient with its interval, and under it what was published.

    Labels and published findings are long sentences, so they are wrapped to
    the figure's width rather than running off its edges.
    """
    rows = result.table[result.table["estimate"].str.startswith("coef:")].reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    ax.errorbar(  # type: ignore[attr-defined]
        rows["simulated"],
        y,
        xerr=_errors(rows),
        fmt="o",
        color="#2c6fb0",
        capsize=4,
        label=f"simulated coefficient ({rows['interval'].iloc[0]}; {result.band})",
    )
    ax.axvline(0.0, color="grey", linewidth=1, label="no effect")  # type: ignore[attr-defined]
    for yi, text in zip(y, rows["published"], strict=True):
        if text:
            ax.text(  # type: ignore[attr-defined]
                0.01,
                yi - 0.22,
                textwrap.fill(f"published: {text}", PUBLISHED_WIDTH, break_on_hyphens=False),
                transform=ax.get_yaxis_transform(),  # type: ignore[attr-defined]
                va="top",
                fontsize="small",
                color="#c0392b",
                parse_math=False,
            )
    ax.set_ylim(-0.95, len(rows) - 0.45)  # type: ignore[attr-defined]
    labels = [textwrap.fill(label, LABEL_WIDTH, break_on_hyphens=False) for label in rows["label"]]
    ax.set_yticks(y, labels, parse_math=False)  # type: ignore[attr-defined]
    ax.set_xlabel(  # type: ignore[attr-defined]
        zoomed_label("Regression coefficient (outcome units per unit of the predictor)")
    )
    # Under the two-line axis label: 48 points below the axes, whatever their height.
    below = ax.transAxes + ScaledTranslation(0, -48 / 72, ax.figure.dpi_scale_trans)  # type: ignore[attr-defined]
    ax.legend(  # type: ignore[attr-defined]
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncol=2,
        fontsize="small",
        frameon=False,
    )


def trial_caption(result: TrialResult) -> str:
    """The sentence under :func:`trial_figure`: what it shows and what its intervals are."""
    if result.protocol.analysis == "factorial":
        shows = (
            "Bars: the simulated mean of each arm; red diamonds: the published means with "
            "their 95% intervals where the paper gives them; pale red bars: the model's "
            "tolerance (the range set by the model's authors that the simulation must fall in)."
        )
    else:
        shows = (
            "Dots: each model's simulated regression coefficient; under each row, what "
            "the published study found."
        )
    if result.replicates == 1:
        band = (
            "One simulated trial: the interval is its 95% confidence interval; it shows "
            "the spread from sampling patients, not uncertainty about the model's parameters."
        )
    else:
        band = band_sentence(
            result.replicates,
            "simulated trials",
            "the estimates (their middle 95%)",
            uncertainty=result.uncertainty,
        )
    return f"{shows} {band}"


def trial_figure(result: TrialResult, caption: bool = True) -> Figure:
    """The trial at a glance: simulated estimates with intervals, published values marked.

    A factorial trial shows a bar per arm (simulated mean with its interval)
    with the published mean as a red diamond (with the paper's own 95% interval
    where the protocol gives it) and the model's tolerance as a pale red bar;
    a regression trial shows each model's coefficient with its interval and
    the published finding written beside it. ``caption``: write the sentence of
    :func:`trial_caption` under the figure.
    """
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    if result.protocol.analysis == "factorial":
        _factorial_axes(result, ax)
    else:
        _regression_axes(result, ax)
    n = ", ".join(f"{arm} {k}" for arm, k in result.n_per_arm.items())
    title = textwrap.fill(result.protocol.title, TITLE_WIDTH, break_on_hyphens=False)
    ax.set_title(
        f"{title}\n{result.replicates} simulated trial(s); n per arm: {n}",
        fontsize="medium",
        parse_math=False,
    )
    if caption:
        add_caption(fig, trial_caption(result), width=110)
    return fig


def power_figure(power: pd.DataFrame) -> Figure:
    """Power by simulation against patients per arm, with 95% intervals and the 80% line."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    err = np.vstack([power["power"] - power["power_low"], power["power_high"] - power["power"]])
    ax.errorbar(power["n_per_arm"], power["power"], yerr=err, fmt="o-", capsize=4)
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=1, label="80% power")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Patients per arm")
    ax.set_ylabel("Power (share of trials with p < 0.05)")
    ax.set_title(
        f"Power to detect {power['estimate'].iloc[0]}", fontsize="medium", parse_math=False
    )
    ax.legend(loc="lower right", fontsize="small")
    add_caption(
        fig,
        "Dots: the share of simulated trials of each size whose test has p < 0.05, on the "
        "whole scale 0–1; bars: its 95% Wilson interval.",
        width=80,
    )
    return fig
