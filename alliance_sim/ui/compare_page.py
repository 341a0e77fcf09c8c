"""Compare: two clinics side by side over paired replicates (default: paternalistic vs shared power).

Both clinics run over the same replicate seeds on the cohort engine; the page
shows the clinic means over the episode with 95% bands and the table of
paired differences, beside the controls of both clinics (every parameter group,
each scenario's description, a "modified" marker on what differs from it).
Changing a parameter of one side reruns the comparison; the legend names each
side's scenario and every parameter changed from it.
The switch *Parameter uncertainty* draws each replicate's calibrated parameters from the
posterior (``compare(..., uncertainty=True)``), so the bands include parameter uncertainty as
well as patients' sampling; the figure's legend, its caption and the table's caption say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import reacton.ipyvuetify as rv
import solara

from alliance_sim.comparison import Comparison, compare
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params
from alliance_sim.core.scales import format_value
from alliance_sim.plotting import comparison_caption, comparison_figure
from alliance_sim.scenarios import Scenario, builtin_scenarios
from alliance_sim.ui.controls import GroupControls, SeedInput
from alliance_sim.ui.figures import FigurePanel, file_name
from alliance_sim.ui.guard import Guard, describe, guarded, log_failure
from alliance_sim.ui.safe_text import SafeMarkdown
from alliance_sim.ui.share import describe_changes
from alliance_sim.ui.style import CONTROL_CLASS
from alliance_sim.ui.tables import DataTable

__all__ = [
    "DIFFERENCE_COLUMNS",
    "MAX_REPLICATES",
    "Compare",
    "ComparePage",
    "difference_rows",
    "side_label",
]

MAX_REPLICATES = 200
"""The most replicates the page runs (the command line takes more)."""

DIFFERENCE_COLUMNS = ("outcome", "unit", "A", "B", "difference B − A", "95% interval")


def side_label(side: str, scenario: str, params: Params, baseline: Params) -> str:
    """How a clinic is named in the legend and the table: its scenario and what changed."""
    changes = describe_changes(params, baseline)
    return f"{side}: {scenario}" + (" + " + ", ".join(changes) if changes else "")


def difference_rows(comparison: Comparison) -> list[list[str]]:
    """The difference table as rows a student reads, each number to its metric's precision."""
    rows = []
    for row in comparison.table.to_dict("records"):
        metric = str(row["metric"])
        low, high = format_value(metric, row["ci_low"]), format_value(metric, row["ci_high"])
        rows.append(
            [
                str(row["label"]),
                str(row["unit"]),
                format_value(metric, row["mean_a"]),
                format_value(metric, row["mean_b"]),
                format_value(metric, row["diff"]),
                f"{low} to {high}" if low and high else "",
            ]
        )
    return rows


@solara.component
def Side(
    title: str,
    scenario: str,
    params: Params,
    baseline: Params,
    description: str,
    on_scenario: Callable[[str], None],
    on_params: Callable[[Params], None],
    on_error: Callable[[str | None], None],
) -> solara.Element:
    """One clinic's scenario and parameters (every group)."""
    with solara.Card(title, classes=["compare-side"]) as card:
        solara.Select(
            "Scenario", values=sorted(builtin_scenarios()), value=scenario, on_value=on_scenario
        )
        if description:
            solara.Text(description, classes=["scenario-description"])
        solara.Button(
            "Restore defaults",
            on_click=lambda: on_params(baseline),
            disabled=params == baseline,
            outlined=True,
            small=True,
        )
        GroupControls(params, on_params, on_error, baseline=baseline)
    return card


@solara.component
def Compare() -> solara.Element:
    """The Compare page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(ComparePage, "the Compare page")


@solara.component
def ComparePage() -> solara.Element:
    """The Compare page's content."""
    builtins = solara.use_memo(builtin_scenarios, [])
    scenario_a, set_scenario_a = solara.use_state("paternalistic")
    scenario_b, set_scenario_b = solara.use_state("shared-power")
    params_a, set_params_a = solara.use_state(builtins["paternalistic"].params())
    params_b, set_params_b = solara.use_state(builtins["shared-power"].params())
    replicates, set_replicates = solara.use_state(10)
    seed, set_seed = solara.use_state(0)
    uncertainty, set_uncertainty = solara.use_state(False)
    error, set_error = solara.use_state(cast(str | None, None))
    baseline_a = solara.use_memo(builtins[scenario_a].params, [scenario_a])
    baseline_b = solara.use_memo(builtins[scenario_b].params, [scenario_b])
    label_a = side_label("A", scenario_a, params_a, baseline_a)
    label_b = side_label("B", scenario_b, params_b, baseline_b)

    def chooser(
        set_name: Callable[[str], None], set_params: Callable[[Params], None]
    ) -> Callable[[str], None]:
        def choose(name: str) -> None:
            if name not in builtins:  # only the list's names: never a file on the server
                set_error(f"scenario = {name!r}: choose one from the list")
                return
            set_error(None)
            set_name(name)
            set_params(builtins[name].params())

        return guarded(choose, set_error, "choosing the scenario")

    choose_a = chooser(set_scenario_a, set_params_a)
    choose_b = chooser(set_scenario_b, set_params_b)

    def change_replicates(value: int) -> None:
        set_replicates(min(max(int(value), 2), MAX_REPLICATES))

    def change_seed(value: int) -> None:
        set_error(None)
        set_seed(value)

    def run() -> Comparison | str:
        """The comparison, or the one line that says why there is none."""
        try:
            return compare(
                params_a, params_b, replicates, seed, label_a, label_b, uncertainty=uncertainty
            )
        except AllianceSimError as mistake:
            return f"The comparison failed: {describe(mistake)}"
        except Exception as problem:  # unexpected: to the server's log, one line on the page
            log_failure(problem, "the comparison")
            return describe(problem, "the comparison")

    result = solara.use_thread(
        run, dependencies=[params_a, params_b, replicates, seed, label_a, label_b, uncertainty]
    )

    def scenario_of(name: str) -> Scenario:
        return builtins[name]

    with rv.Sheet(elevation=0, class_="page-grid compare-page") as page:
        with solara.Column(gap="12px", classes=["controls-column"]):
            solara.Title("alliance-sim · Compare")
            with solara.Card("Runs"):
                with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                    solara.SliderInt(
                        "Replicates (paired runs of each clinic)",
                        value=replicates,
                        min=2,
                        max=MAX_REPLICATES,
                        on_value=guarded(change_replicates, set_error, "changing the replicates"),
                        thumb_label="always",
                    )
                SeedInput(
                    "Seed (same seed, same patients)",
                    seed,
                    guarded(change_seed, set_error, "changing the seed"),
                    set_error,
                )
                solara.Checkbox(
                    label="Parameter uncertainty (draw the calibrated parameters from the"
                    " posterior)",
                    value=uncertainty,
                    on_value=set_uncertainty,
                )
            Side(
                "Clinic A",
                scenario_a,
                params_a,
                baseline_a,
                scenario_of(scenario_a).description,
                choose_a,
                set_params_a,
                set_error,
            )
            Side(
                "Clinic B",
                scenario_b,
                params_b,
                baseline_b,
                scenario_of(scenario_b).description,
                choose_b,
                set_params_b,
                set_error,
            )
        with solara.Column(gap="8px", classes=["results-column"]):
            if error:
                solara.Error(error)
            solara.Text(
                "Change a parameter of either clinic (left) and the comparison runs again.",
                classes=["figure-caption"],
            )
            if result.state == solara.ResultState.RUNNING:
                solara.ProgressLinear(True)
                solara.Text("Running both clinics…")
            elif result.state == solara.ResultState.ERROR:  # run() returns its failures: not seen
                solara.Error(describe(result.error or RuntimeError(), "the comparison"))
            elif isinstance(result.value, str):
                solara.Error(result.value)
            elif result.value is not None:
                comparison = result.value
                FigurePanel(
                    lambda caption: comparison_figure(comparison, caption=caption),
                    [comparison],
                    file_name("compare", scenario_a, scenario_b),
                    f"Time courses of {comparison.label_a} and {comparison.label_b}: clinic "
                    "means per session with 95% bands, eight panels",
                    comparison_caption(comparison),
                )
                SafeMarkdown(
                    f"**Differences B − A** over {len(comparison.seeds)} paired replicates"
                    " (the same patients and luck in both clinics); the intervals show"
                    f" {comparison.band}."
                )
                DataTable(
                    [
                        "outcome",
                        "unit",
                        comparison.label_a,
                        comparison.label_b,
                        *DIFFERENCE_COLUMNS[4:],
                    ],
                    difference_rows(comparison),
                    numeric=[False, False, True, True, True, True],
                    caption="Each number to its outcome's precision; the interval is the paired "
                    f"95% confidence interval of the difference ({comparison.band}).",
                )
    return page
