"""Figures: clinic time courses of one run, and two clinics compared over replicates.

Figures are built with matplotlib's object API (no global pyplot state), so
they are safe in scripts, tests and the web app alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

if TYPE_CHECKING:
    from alliance_sim.compare import Comparison
    from alliance_sim.simulation import ClinicRun

__all__ = ["TIME_COURSE_PANELS", "clinic_figure", "comparison_figure", "run_figure"]

TIME_COURSE_PANELS: tuple[tuple[str, str], ...] = (
    ("goal_agreement", "Goal agreement (0–1)"),
    ("task_agreement", "Task agreement (0–1)"),
    ("bond", "Bond (0–1)"),
    ("adherence", "Home-exercise adherence (share)"),
    ("attendance", "Attendance (share in care)"),
    ("dropout", "Dropped out (share of patients)"),
    ("pain_mm", "Pain (mm, 0–100)"),
    ("disability", "Disability (0–100)"),
)
"""The clinic-level series shown over sessions, with their axis labels."""


def _band(
    clinic: pd.DataFrame, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per session: mean over replicates and a 95% t interval."""
    grouped = clinic.groupby("session")[column]
    mean = grouped.mean()
    n = grouped.count()
    sd = grouped.std(ddof=1).fillna(0.0)
    t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    sessions = mean.index.to_numpy()
    return sessions, mean.to_numpy(), mean.to_numpy() - half, mean.to_numpy() + half


def _time_course_figure(
    title: str, draw: Callable[[Any, str], None], legend_title: str | None = None
) -> Figure:
    """One panel per series of :data:`TIME_COURSE_PANELS`; ``draw(ax, column)`` fills each."""
    fig = Figure(figsize=(14, 6.5), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True)
    for ax, (column, label) in zip(axes.flat, TIME_COURSE_PANELS, strict=True):
        draw(ax, column)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(label.split(" (")[0], fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("Session")
    axes.flat[0].legend(title=legend_title, fontsize=8, title_fontsize=8)
    fig.suptitle(title)
    return fig


def comparison_figure(comparison: Comparison) -> Figure:
    """Time courses of both clinics: mean over replicates with 95% bands, one panel per series."""

    def draw(ax: Any, column: str) -> None:
        for clinic, name, colour in (
            (comparison.a.clinic, comparison.label_a, "tab:orange"),
            (comparison.b.clinic, comparison.label_b, "tab:blue"),
        ):
            x, mean, low, high = _band(clinic, column)
            ax.plot(x, mean, color=colour, label=name, marker="o", markersize=3)
            ax.fill_between(x, low, high, color=colour, alpha=0.25, linewidth=0)

    return _time_course_figure(
        f"{comparison.label_a} vs {comparison.label_b}: clinic means over the episode",
        draw,
        f"mean ± 95% CI, {len(comparison.seeds)} replicates",
    )


def clinic_figure(clinic: pd.DataFrame, title: str, n_sessions: int | None = None) -> Figure:
    """Time courses of one clinic: its means per session (the clinic table), one panel per series.

    ``n_sessions`` fixes the x axis to the whole episode (so a clinic being
    stepped does not rescale its axes every session).
    """

    def draw(ax: Any, column: str) -> None:
        ax.plot(
            clinic["session"],
            clinic[column],
            marker="o",
            markersize=3,
            color="tab:blue",
            label="clinic mean",
        )
        if n_sessions is not None:
            ax.set_xlim(0.5, max(n_sessions, 1) + 0.5)

    return _time_course_figure(title, draw)


def run_figure(run: ClinicRun, title: str = "") -> Figure:
    """Time courses of one run: the clinic means per session, one panel per series."""
    return clinic_figure(
        run.clinic, title or f"One clinic, seed {run.seed}: means over the episode"
    )
