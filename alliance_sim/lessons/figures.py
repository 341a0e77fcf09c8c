"""The picture of a lesson's run: one panel per metric, a bar per arm with its 95% interval.

Each panel shows its metric's whole scale (:mod:`alliance_sim.core.scales`); one
that must zoom says so on its axis. The lesson's own texts (its title, its arms'
labels) are drawn as plain text: a ``$`` in a dropped lesson stays a dollar sign
and never reaches matplotlib's mathtext parser.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from alliance_sim.core.scales import (
    add_caption,
    axis_limits,
    band_caption,
    band_sentence,
    zoomed_label,
)
from alliance_sim.lessons.run import LessonRun
from alliance_sim.records.metrics import METRICS

__all__ = ["lesson_caption", "lesson_figure"]

ARM_COLOURS = ("tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:red", "tab:brown")


def lesson_caption(run: LessonRun) -> str:
    """The sentence under :func:`lesson_figure`: what it shows and what its bars are."""
    lesson = run.lesson
    units = "simulated trials" if lesson.trial else "replicate clinics"
    return (
        "Each panel: one outcome, a bar per clinic (its mean over the clinics' patients), "
        "on the outcome's whole scale. "
        + band_sentence(lesson.replicates, units, paired=not lesson.trial)
    )


def lesson_figure(run: LessonRun, caption: bool = True) -> Figure:
    """Bars of each metric's mean per arm, with 95% intervals over the replicate clinics.

    ``caption``: write the sentence of :func:`lesson_caption` under the figure.
    """
    lesson = run.lesson
    metrics = lesson.metrics
    columns = min(len(metrics), 3)
    rows = -(-len(metrics) // columns)
    fig = Figure(figsize=(4.2 * columns, 3.4 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    labels = [arm.label for arm in lesson.arms]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        table = run.table[run.table["metric"] == metric].set_index("arm")
        means = [table.loc[arm.name, "mean"] for arm in lesson.arms]
        errors = [
            [table.loc[arm.name, "mean"] - table.loc[arm.name, "ci_low"] for arm in lesson.arms],
            [table.loc[arm.name, "ci_high"] - table.loc[arm.name, "mean"] for arm in lesson.arms],
        ]
        positions = range(len(labels))
        ax.bar(
            positions,
            means,
            yerr=errors,
            capsize=4,
            color=[ARM_COLOURS[i % len(ARM_COLOURS)] for i in positions],
        )
        ax.set_xticks(
            list(positions),
            [textwrap.fill(label, 13) for label in labels],
            fontsize=8,
            parse_math=False,
        )
        spec = METRICS[metric]
        low, high, zoomed = axis_limits(metric, means)
        ax.set_ylim(low, high)
        if low < 0 < high:
            ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_title(spec.label, fontsize=10)
        ax.set_ylabel(zoomed_label(f"{spec.label} ({spec.unit})", zoomed), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    units = "replicate trials" if lesson.trial else "replicate clinics"
    fig.suptitle(
        f"{lesson.title}: mean ± 95% interval over {lesson.replicates} {units}"
        f" ({band_caption(False)})",
        fontsize=11,
        parse_math=False,
    )
    if caption:
        add_caption(fig, lesson_caption(run), width=int(32 * columns))
    return fig
