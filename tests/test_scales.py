"""One honest scale convention for every figure, and user text drawn as plain text.

Figures show the whole scale of what they plot; where they zoom, the axis says so;
a sentence under each says what it shows and what its bands are. Names a user chose
(a scenario's, a lesson's title and arm labels) never reach matplotlib's mathtext.
"""

from __future__ import annotations

import dataclasses

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from alliance_sim.core.params import Params
from alliance_sim.core.scales import (
    SCALES,
    axis_limits,
    band_sentence,
    digits,
    format_value,
    zoomed_label,
)
from alliance_sim.records.metrics import METRICS

SMALL = Params(n_patients=30, n_sessions=4)


def drawn(fig) -> None:
    FigureCanvasAgg(fig).draw()


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_every_metric_but_the_rupture_count_has_a_whole_scale():
    assert set(METRICS) - set(SCALES) == {"ruptures"}


def test_an_axis_shows_the_whole_scale_when_the_values_lie_on_it():
    assert axis_limits("bond", [0.48, 0.52]) == (0.0, 1.0, False)
    assert axis_limits("pain_mm", [38.5, 39.8]) == (0.0, 100.0, False)
    assert axis_limits("gpe", [1.2]) == (-5.0, 5.0, False)


def test_a_change_runs_from_zero_to_the_end_of_the_scale_its_values_lie_on():
    assert axis_limits("pain_change_mm", [-20.0, -31.0]) == (-100.0, 0.0, False)
    assert axis_limits("pain_change_mm", [-2.0, 3.0]) == (-100.0, 100.0, False)


def test_a_quantity_without_a_scale_is_zoomed_and_its_label_says_so():
    low, high, zoomed = axis_limits("ruptures", [0.2, 0.4])
    assert zoomed and low < 0.2 and high > 0.4
    assert "zoomed" in zoomed_label("Ruptures (per patient)", zoomed)
    assert zoomed_label("Bond (0–1)", False) == "Bond (0–1)"


def test_values_are_shown_to_their_quantitys_precision():
    assert format_value("bond", 0.51234) == "0.512"
    assert format_value("pain_mm", 38.456) == "38.5"
    assert format_value("pain_mm", float("nan")) == ""
    assert digits("ruptures") == 2


def test_the_band_sentence_says_what_the_interval_is_over_and_what_it_leaves_out():
    sentence = band_sentence(20, paired=True)
    assert "95% interval of the mean over 20 replicate clinics" in sentence
    assert "not uncertainty about the model's parameters" in sentence


def test_the_compare_figure_shows_the_bond_on_its_whole_scale_with_a_sentence_under_it():
    from alliance_sim.comparison import compare
    from alliance_sim.plotting import comparison_figure

    result = compare(SMALL, SMALL.replace(empathy_mean=0.3), 3, 0)
    fig = comparison_figure(result)
    bond = next(ax for ax in fig.axes if ax.get_title().startswith("Bond"))
    assert bond.get_ylim() == (0.0, 1.0)
    assert fig.get_supxlabel().startswith("Each panel")
    assert "95% interval of the mean over 3 replicate clinics" in fig.get_supxlabel().replace(
        "\n", " "
    )


def test_the_run_figure_shows_every_panel_on_its_whole_scale():
    from alliance_sim.plotting import PANEL_RANGES, TIME_COURSE_PANELS, run_figure
    from alliance_sim.simulation import run_clinic

    fig = run_figure(run_clinic(SMALL, 1))
    for ax, (column, _) in zip(fig.axes, TIME_COURSE_PANELS, strict=True):
        assert ax.get_ylim() == PANEL_RANGES[column], column
    assert "no bands" in fig.get_supxlabel()


def test_a_dollar_in_scenario_names_is_drawn_as_a_dollar_in_the_compare_legend():
    from alliance_sim.comparison import compare
    from alliance_sim.plotting import comparison_figure

    # "$\\nope$" is not valid mathtext: drawn as math it raises when the figure is drawn.
    result = compare(SMALL, SMALL, 2, 0, "A: costs $5", "B: $\\nope$ and $")
    fig = comparison_figure(result)
    drawn(fig)
    legend = fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["A: costs $5", "B: $\\nope$ and $"]
    assert not any(t.get_parse_math() for t in legend.get_texts())


def test_a_dollar_in_a_lessons_title_and_arm_labels_is_drawn_as_a_dollar():
    from alliance_sim.lessons import builtin_lessons, lesson_figure, run_lesson

    lesson = next(iter(builtin_lessons().values()))
    arms = tuple(
        dataclasses.replace(
            arm, label=f"$\\nope$ arm {i}", params=arm.params.replace(n_patients=20)
        )
        for i, arm in enumerate(lesson.arms)
    )
    odd = dataclasses.replace(lesson, title="Costs in $\\nope$", arms=arms, replicates=2)
    fig = lesson_figure(run_lesson(odd))
    drawn(fig)
    shown = texts(fig)
    assert any(text.startswith("Costs in $\\nope$") for text in shown)
    assert "$\\nope$ arm 0" in shown


@pytest.mark.parametrize("name", ["fuentes-2014", "ferreira-2013"])
def test_a_trial_figure_says_under_it_what_it_shows(name):
    from alliance_sim.trials import run_trial, trial_figure

    fig = trial_figure(run_trial(name, replicates=2, seed=1))
    assert fig.get_supxlabel()
    if name == "fuentes-2014":  # pain reduction on its whole 0–100 mm scale
        assert fig.axes[0].get_ylim() == (0.0, 100.0)
    else:  # regression coefficients: fitted to the estimates, and the axis says so
        assert "zoomed" in fig.axes[0].get_xlabel()


def test_the_live_plot_draws_the_run_before_a_change_faded_under_the_current_one():
    from alliance_sim.plotting import LiveClinicPlot
    from alliance_sim.simulation import run_clinic

    now = run_clinic(SMALL, 1).clinic.iloc[:2]
    before = run_clinic(SMALL.replace(empathy_mean=0.2), 1).clinic
    plot = LiveClinicPlot("a $ title", SMALL.n_sessions, before="before: empathy 0.20")
    assert plot.png(now, before) != plot.png(now)
    assert plot.png(now, before) == plot.png(now, before)
