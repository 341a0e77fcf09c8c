"""Figures: clinic time courses of one run, and two clinics compared over replicates.

Figures are built with matplotlib's object API (no global pyplot state), so
they are safe in scripts, tests and the web app alike. Every panel shows the
whole scale of its series (:mod:`alliance_sim.core.scales`), and a sentence under
the figure says what it shows and what its bands are. Names a user chose (a
scenario's name in a legend or title) are drawn as plain text: a ``$`` in them is
not handed to matplotlib's mathtext parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from alliance_sim.core.scales import add_caption, band_sentence

if TYPE_CHECKING:
    from alliance_sim.comparison import Comparison
    from alliance_sim.simulation import ClinicRun

__all__ = [
    "PANEL_RANGES",
    "TIME_COURSE_PANELS",
    "LiveClinicPlot",
    "clinic_caption",
    "clinic_figure",
    "comparison_caption",
    "comparison_figure",
    "plain_text",
    "run_figure",
]

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

PANEL_RANGES: dict[str, tuple[float, float]] = {
    "goal_agreement": (0.0, 1.0),
    "task_agreement": (0.0, 1.0),
    "bond": (0.0, 1.0),
    "adherence": (0.0, 1.0),
    "attendance": (0.0, 1.0),
    "dropout": (0.0, 1.0),
    "pain_mm": (0.0, 100.0),
    "disability": (0.0, 100.0),
}
"""The whole scale of each series: every time-course figure keeps these fixed, so nothing
looks big because an axis zoomed in, and two clinics look alike only when they are alike."""

BEFORE_COLOUR = "#9e9e9e"
"""The faded line of the run before the last change (the web app's "before")."""


def plain_text(*artists: Any) -> None:
    """Draw the text of ``artists`` (texts, legends) as plain text: no mathtext for ``$``."""
    for artist in artists:
        if artist is None:
            continue
        if hasattr(artist, "get_texts"):  # a legend: its entries and its title
            plain_text(*artist.get_texts(), artist.get_title())
        else:
            artist.set_parse_math(False)


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
    title: str,
    draw: Callable[[Any, str], None],
    legend_title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """One panel per series of :data:`TIME_COURSE_PANELS`; ``draw(ax, column)`` fills each.

    Every panel shows its series' whole scale (:data:`PANEL_RANGES`); ``caption``
    is the sentence under the figure.
    """
    fig = Figure(figsize=(14, 6.5), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True)
    for ax, (column, label) in zip(axes.flat, TIME_COURSE_PANELS, strict=True):
        draw(ax, column)
        ax.set_ylim(*PANEL_RANGES[column])
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(label.split(" (")[0], fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("Session")
    plain_text(axes.flat[0].legend(title=legend_title, fontsize=8, title_fontsize=8))
    fig.suptitle(title, parse_math=False)
    if caption:
        add_caption(fig, caption)
    return fig


def comparison_figure(comparison: Comparison, caption: bool = True) -> Figure:
    """Time courses of both clinics: mean over replicates with 95% bands, one panel per series.

    ``caption``: write the sentence of :func:`comparison_caption` under the figure.
    """

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
        f"mean ± 95% CI, {len(comparison.seeds)} replicates ({comparison.band})",
        comparison_caption(comparison) if caption else None,
    )


def comparison_caption(comparison: Comparison) -> str:
    """The sentence under :func:`comparison_figure`: what it shows and what its bands are."""
    return (
        f"Each panel: the clinic mean per session of {comparison.label_a} and "
        f"{comparison.label_b}, on the whole scale of the measure. "
        + band_sentence(len(comparison.seeds), paired=True, uncertainty=comparison.uncertainty)
    )


def clinic_caption(title: str) -> str:
    """The sentence under :func:`clinic_figure`: one run, so no bands."""
    return (
        f"Each panel: the clinic mean per session of one simulated clinic ({title}), on "
        "the whole scale of the measure; one run, so no bands — another seed draws "
        "other patients."
    )


def clinic_figure(
    clinic: pd.DataFrame,
    title: str,
    n_sessions: int | None = None,
    caption: bool = True,
    before: pd.DataFrame | None = None,
    before_label: str = "before",
) -> Figure:
    """Time courses of one clinic: its means per session (the clinic table), one panel per series.

    ``n_sessions`` fixes the x axis to the whole episode (so a clinic being
    stepped does not rescale its axes every session). ``caption``: write the
    sentence of :func:`clinic_caption` under the figure. ``before`` (another
    clinic table, labelled ``before_label``) is drawn as a faded grey line under it.
    """

    def draw(ax: Any, column: str) -> None:
        if before is not None and not before.empty:
            ax.plot(
                before["session"],
                before[column],
                marker="o",
                markersize=3,
                color=BEFORE_COLOUR,
                alpha=0.6,
                label=before_label,
            )
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

    return _time_course_figure(title, draw, caption=clinic_caption(title) if caption else None)


class LiveClinicPlot:
    """The clinic's time courses redrawn in milliseconds while the clinic is stepped.

    The panels of :data:`TIME_COURSE_PANELS` on the fixed scales of
    :data:`PANEL_RANGES` and the whole episode on the x axis: axes, labels and
    legend are drawn once; each :meth:`png` call draws only the lines over that
    background and encodes the picture in 64 colours (about a hundredth of the time a full
    matplotlib redraw takes), which keeps the web app's Step quick for many users
    at once. Thread-safe: one lock guards the canvas.

    With ``before`` (a legend label), :meth:`png` also draws the run before the
    last change as a faded grey line under the current one, so a change is seen
    against what it changed. The title is plain text (no mathtext).
    """

    def __init__(
        self, title: str, n_sessions: int, dpi: int = 72, before: str | None = None
    ) -> None:
        import threading

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.lines import Line2D

        self._lock = threading.Lock()
        fig = Figure(figsize=(11.5, 5.2), dpi=dpi)
        self._canvas = FigureCanvasAgg(fig)
        self._axes = fig.subplots(2, 4, sharex=True)
        fig.subplots_adjust(left=0.05, right=0.99, top=0.88, bottom=0.09, wspace=0.3, hspace=0.3)
        self._lines = []
        for ax, (column, label) in zip(self._axes.flat, TIME_COURSE_PANELS, strict=True):
            ax.set_xlim(0.5, max(n_sessions, 1) + 0.5)
            ax.set_ylim(*PANEL_RANGES[column])
            ax.set_title(label, fontsize=10)
            ax.set_ylabel(label.split(" (")[0], fontsize=9)
            ax.grid(alpha=0.3)
            (faded,) = ax.plot(
                [], [], marker="o", markersize=3, color=BEFORE_COLOUR, alpha=0.6, animated=True
            )
            (line,) = ax.plot([], [], marker="o", markersize=3, color="tab:blue", animated=True)
            self._lines.append((column, line, faded))
        for ax in self._axes[-1]:
            ax.set_xlabel("Session")
        proxies = [Line2D([], [], marker="o", markersize=3, color="tab:blue")]
        labels = ["now: clinic mean"]
        if before is not None:
            proxies.append(Line2D([], [], marker="o", markersize=3, color=BEFORE_COLOUR, alpha=0.6))
            labels.append(before)
        plain_text(self._axes.flat[0].legend(proxies, labels, fontsize=8, loc="lower right"))
        fig.suptitle(title, parse_math=False)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(fig.bbox)

    def png(self, clinic: pd.DataFrame, before: pd.DataFrame | None = None) -> bytes:
        """The figure with ``clinic``'s series (the clinic table so far), as PNG bytes.

        An empty table gives the empty axes (a clinic before its first session).
        ``before`` (the clinic table of the run before the last change) is drawn
        faded under it.
        """
        import io

        from PIL import Image

        with self._lock:
            self._canvas.restore_region(self._background)
            for ax, (column, line, faded) in zip(self._axes.flat, self._lines, strict=True):
                for table, artist in ((before, faded), (clinic, line)):
                    if table is not None and not table.empty:  # session 0: no line
                        artist.set_data(table["session"].to_numpy(), table[column].to_numpy())
                        ax.draw_artist(artist)
            width, height = self._canvas.get_width_height()
            picture = Image.frombuffer(
                "RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1
            )
            # 64 colours are plenty for these lines and grids (no visible difference), and
            # halve the bytes: quicker to encode, send and decode than the full colour image.
            picture = picture.convert("RGB").quantize(64, method=Image.Quantize.FASTOCTREE)
            out = io.BytesIO()
            picture.save(out, format="PNG", compress_level=1)
        return out.getvalue()


def run_figure(run: ClinicRun, title: str = "", caption: bool = True) -> Figure:
    """Time courses of one run: the clinic means per session, one panel per series."""
    return clinic_figure(
        run.clinic,
        title or f"One clinic, seed {run.seed}: means over the episode",
        caption=caption,
    )
