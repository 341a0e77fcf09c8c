"""Whole scales of the model's quantities, their precision, and the sentence under a figure.

One convention for every figure, on the command line and in the web app:

* an axis shows the **whole scale** of what it plots — 0–1 for the alliance and for
  shares, 0–100 mm for pain, 0–100 for disability, −5..+5 for the global perceived
  effect — so that nothing looks large because the axis zoomed in
  (:func:`axis_limits`);
* where a figure has to zoom (a quantity without a natural maximum, such as a
  regression coefficient, or values outside their usual scale), the axis label says
  so (:func:`zoomed_label`);
* under each plot one sentence says what it shows and what its bands are
  (:func:`band_sentence`, :func:`add_caption`).

The band sentence is written here once: today the bands are the spread of replicate
runs (which patients are drawn, and their luck); when parameter uncertainty from a
calibration is added to the intervals, :func:`band_sentence` is the one place to say so.

Tables use the same table: :func:`digits` is the precision a quantity is shown with.
Quantities are named as in the output schema (metrics, clinic-table columns, patient
state); nothing here imports it, and a test checks that every metric has a scale.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BAND_CAPTIONS",
    "CAPTION_WIDTH",
    "SCALES",
    "Scale",
    "add_caption",
    "axis_limits",
    "band_caption",
    "band_sentence",
    "digits",
    "format_value",
    "scale_of",
    "zoomed_label",
]


@dataclass(frozen=True)
class Scale:
    """The whole scale of a quantity and the decimals it is shown with."""

    low: float
    high: float
    digits: int
    change: bool = False
    """A change (after − before): its axis runs from 0 to the scale's end the values lie on."""


UNIT = Scale(0.0, 1.0, 3)
SHARE = Scale(0.0, 1.0, 3)
MM = Scale(0.0, 100.0, 1)
HUNDRED = Scale(0.0, 100.0, 1)

SCALES: dict[str, Scale] = {
    # the alliance and the patient's state, 0–1
    "goal_agreement": UNIT,
    "task_agreement": UNIT,
    "bond": UNIT,
    "collaborative": UNIT,
    "alliance": UNIT,
    "self_efficacy": UNIT,
    # shares
    "adherence": SHARE,
    "not_fully_adherent": SHARE,
    "attendance": SHARE,
    "missed_any": SHARE,
    "dropout": SHARE,
    "wai_patient_ceiling": SHARE,
    # clinical measures
    "pain_mm": MM,
    "first_session_relief_mm": MM,
    "pain_change_mm": Scale(-100.0, 100.0, 1, change=True),
    "disability": HUNDRED,
    "disability_change": Scale(-100.0, 100.0, 1, change=True),
    "function": Scale(0.0, 10.0, 2),
    "function_change": Scale(-10.0, 10.0, 2, change=True),
    "gpe": Scale(-5.0, 5.0, 2),
    # questionnaires
    "wai_patient": Scale(1.0, 5.0, 2),
    "wai_therapist": Scale(1.0, 5.0, 2),
    "watoci_patient": Scale(1.0, 7.0, 2),
}
"""The whole scale of each named quantity. Quantities without one (``ruptures``, a count
per patient; regression coefficients) are drawn on an axis fitted to their values,
labelled as zoomed."""

DEFAULT_DIGITS = 2
"""Decimals of a quantity without a scale."""

CAPTION_WIDTH = 130
"""Characters per line of the sentence under a figure (wrapped to the figure's width)."""


def scale_of(name: str) -> Scale | None:
    """The whole scale of ``name`` (a metric, a clinic-table column), or None."""
    return SCALES.get(name)


def digits(name: str) -> int:
    """The decimals ``name`` is shown with in a table."""
    scale = SCALES.get(name)
    return scale.digits if scale is not None else DEFAULT_DIGITS


def format_value(name: str, value: Any) -> str:
    """``value`` of quantity ``name`` at its precision ("" for a missing value)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    if math.isnan(number):
        return ""
    return f"{number:.{digits(name)}f}"


def _finite(values: Iterable[Any]) -> list[float]:
    out = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out.append(number)
    return out


def axis_limits(name: str, values: Iterable[Any] = ()) -> tuple[float, float, bool]:
    """The axis limits for ``name`` and whether they zoom: ``(low, high, zoomed)``.

    The whole scale when ``values`` (the values drawn: means, estimates — not the
    ends of their bands, which the axis may clip) lie on it. A change runs from 0 to the end of the scale its values lie on (a pain
    reduction from 0 to −100 mm), both ends when they lie on both sides. A quantity
    without a scale, or values outside it, gets limits fitted to the values with a
    margin — zoomed, which :func:`zoomed_label` should then say on the axis.
    """
    numbers = _finite(values)
    scale = SCALES.get(name)
    if scale is not None and all(scale.low <= v <= scale.high for v in numbers):
        if not scale.change:
            return scale.low, scale.high, False
        low = scale.low if any(v < 0 for v in numbers) else 0.0
        high = scale.high if any(v > 0 for v in numbers) or not numbers else 0.0
        return low, high, False
    if not numbers:
        return 0.0, 1.0, True
    low, high = min(numbers), max(numbers)
    margin = 0.08 * (high - low) if high > low else max(abs(high), 1.0) * 0.1
    return low - margin, high + margin, True


def zoomed_label(label: str, zoomed: bool = True, one_line: bool = False) -> str:
    """``label``, saying that its axis is zoomed to the values when it is.

    The note goes on a line of its own unless ``one_line`` (for an x axis with a
    legend under it).
    """
    if not zoomed:
        return label
    if one_line:
        return (
            f"{label.removesuffix(')')}; axis zoomed to the values)"
            if label.endswith(")")
            else f"{label} (axis zoomed to the values)"
        )
    return f"{label}\n(axis zoomed to the values)"


BAND_CAPTIONS: dict[bool, str] = {
    False: "patients' sampling",
    True: "patients' sampling and parameter uncertainty",
}
"""What a band shows: without, and with, each replicate's parameters drawn from the
posterior (``--uncertainty``, :mod:`alliance_sim.core.posterior`)."""


def band_caption(uncertainty: bool) -> str:
    """The words a figure's legend uses for its band (:data:`BAND_CAPTIONS`)."""
    return BAND_CAPTIONS[bool(uncertainty)]


def band_sentence(
    n: int,
    of: str = "replicate clinics",
    statistic: str = "the mean",
    level: float = 0.95,
    paired: bool = False,
    uncertainty: bool = False,
) -> str:
    """What a figure's bands or error bars are, in one sentence ending with a full stop.

    Args:
        n: how many runs the interval is over.
        of: what the runs are ("replicate clinics", "simulated trials").
        statistic: what the interval is for ("the mean", "the estimate").
        level: the interval's coverage.
        paired: whether the runs are paired between the clinics shown (common
            random numbers: the same patients and luck in each).
        uncertainty: whether each run drew its calibrated parameters from the
            posterior, so the interval includes parameter uncertainty.
    """
    pairing = ", paired (the same patients and luck in each clinic)" if paired else ""
    if uncertainty:
        spread = (
            "they show the spread from sampling patients and from uncertainty about the"
            " calibrated parameters (each run drew its own from the posterior)."
        )
    else:
        spread = (
            "they show the spread from sampling patients, not uncertainty about the"
            " model's parameters."
        )
    return f"Bands and bars: {level:.0%} interval of {statistic} over {n} {of}{pairing}; {spread}"


def add_caption(fig: Any, text: str, width: int = CAPTION_WIDTH) -> None:
    """Write ``text`` under the plot of ``fig`` (a matplotlib figure), as plain text.

    Uses the figure's bottom label, which a constrained layout makes room for;
    ``$`` in the text stays a dollar sign (no mathtext).
    """
    wrapped = textwrap.fill(" ".join(text.split()), width, break_on_hyphens=False)
    fig.supxlabel(wrapped, fontsize="small", color="#333333", parse_math=False, ha="center")
