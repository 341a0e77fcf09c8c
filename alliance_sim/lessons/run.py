"""Running a lesson: every arm over the same replicate seeds, then what the run shows.

The arms share their replicate seeds (common random numbers: replicate *r* of
every arm treats the same patients with the same random numbers), so the
differences between arms are the arms' doing, not luck. Each expectation of
the lesson is checked against the means and written as a sentence a student
can read beside the plot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from alliance_sim.lessons.lesson import Expectation, Lesson
from alliance_sim.records.metrics import METRICS
from alliance_sim.simulation import replicate_seeds, run_replicates

__all__ = ["Check", "LessonRun", "check", "run_lesson"]


@dataclass(frozen=True)
class Check:
    """One expectation of the lesson and whether this run shows it."""

    expectation: Expectation
    held: bool
    text: str
    """What the run shows, in words and numbers, with the lesson's own threshold (for authors)."""
    plain: str = ""
    """What the run shows, for students: the same numbers without the author's threshold."""


@dataclass(frozen=True)
class LessonRun:
    """The result of running a lesson."""

    lesson: Lesson
    runs: pd.DataFrame
    """One row per arm and replicate: ``arm``, ``label``, ``replicate``, ``seed`` and the metrics."""
    table: pd.DataFrame
    """One row per arm and metric: arm, label, metric, mean, ci_low, ci_high (95% t interval)."""
    checks: tuple[Check, ...]

    @property
    def all_held(self) -> bool:
        """Whether the run shows every effect the explanation describes."""
        return all(c.held for c in self.checks)

    def mean(self, arm: str, metric: str) -> float:
        """The mean of ``metric`` over ``arm``'s replicates."""
        row = self.table[(self.table["arm"] == arm) & (self.table["metric"] == metric)]
        return float(row["mean"].iloc[0])


def _summary(runs: pd.DataFrame, lesson: Lesson) -> pd.DataFrame:
    rows = []
    for arm in lesson.arms:
        mine = runs[runs["arm"] == arm.name]
        for metric in lesson.metrics:
            values = mine[metric].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            mean = float(values.mean()) if len(values) else float("nan")
            half = (
                float(
                    stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
                )
                if len(values) >= 2
                else float("nan")
            )
            rows.append(
                {
                    "arm": arm.name,
                    "label": arm.label,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    return pd.DataFrame(rows)


def _value(metric: str, value: float, difference: bool = False) -> str:
    """``value`` as a student reads it: shares in per cent, millimetres with one decimal."""
    unit = METRICS[metric].unit
    if unit.startswith("share"):
        return f"{value * 100:.0f} percentage points" if difference else f"{value:.0%}"
    if unit.startswith("mm"):
        return f"{value:.1f} mm"
    return f"{value:.2f}"


def check(
    expectation: Expectation, means: Callable[[str, str], float], labels: dict[str, str]
) -> Check:
    """Whether the means (``means(arm, metric)``) show ``expectation``, and the sentence saying so."""
    e = expectation
    what = METRICS[e.metric].label
    if e.higher is not None and e.lower is not None:
        high, low = means(e.higher, e.metric), means(e.lower, e.metric)
        held = high - low >= e.by and high > low
        relation = "higher than" if high > low else "not higher than"
        text = (
            f"{what}: {labels[e.higher]} {_value(e.metric, high)}, {relation} "
            f"{labels[e.lower]} {_value(e.metric, low)}"
        )
        plain = f"{text} (difference {_value(e.metric, high - low, True)})"
        if e.by:
            text += (
                f" (difference {_value(e.metric, high - low, True)};"
                f" expected at least {_value(e.metric, e.by, True)})"
            )
        return Check(e, held, text, plain)
    if e.similar is not None:
        first, second = e.similar
        a, b = means(first, e.metric), means(second, e.metric)
        assert e.within is not None
        held = abs(a - b) <= e.within
        plain = (
            f"{what}: {labels[first]} {_value(e.metric, a)} and {labels[second]} "
            f"{_value(e.metric, b)} differ by {_value(e.metric, abs(a - b), True)}"
        )
        text = f"{plain} ({'within' if held else 'more than'} {_value(e.metric, e.within, True)})"
        return Check(e, held, text, plain)
    assert e.arm is not None
    value = means(e.arm, e.metric)
    held = (e.at_least is None or value >= e.at_least) and (e.at_most is None or value <= e.at_most)
    bounds = []
    if e.at_least is not None:
        bounds.append(f"at least {_value(e.metric, e.at_least)}")
    if e.at_most is not None:
        bounds.append(f"at most {_value(e.metric, e.at_most)}")
    plain = f"{what}: {labels[e.arm]} {_value(e.metric, value)}"
    text = f"{plain} (expected {' and '.join(bounds)})"
    return Check(e, held, text, plain)


def run_lesson(lesson: Lesson, progress: Callable[[int], None] | None = None) -> LessonRun:
    """Run every arm of ``lesson`` over its replicate seeds; check its expectations.

    ``progress(k)`` is called as runs finish (``len(arms) × replicates`` in all).
    """
    seeds = replicate_seeds(lesson.seed, lesson.replicates)
    frames = []
    for arm in lesson.arms:
        runs = run_replicates(arm.params, seeds, progress).runs
        frames.append(runs.assign(arm=arm.name, label=arm.label))
    runs = pd.concat(frames, ignore_index=True)
    metrics = list(dict.fromkeys([*lesson.metrics, *(e.metric for e in lesson.expect)]))
    runs = runs[["arm", "label", "replicate", "seed", *metrics]]
    table = _summary(runs, lesson)
    labels = {arm.name: arm.label for arm in lesson.arms}

    def means(arm: str, metric: str) -> float:
        return float(runs.loc[runs["arm"] == arm, metric].mean())

    checks = tuple(check(e, means, labels) for e in lesson.expect)
    return LessonRun(lesson, runs, table, checks)
