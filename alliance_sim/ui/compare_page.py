"""Compare: two clinics side by side over paired replicates (default: paternalistic vs shared power).

Both clinics run over the same replicate seeds on the cohort engine; the page
shows the clinic means over the episode with 95% bands and the table of
paired differences. Changing a parameter of one side reruns the comparison. The switch
*Parameter uncertainty* draws each replicate's calibrated parameters from the posterior
(``compare(..., uncertainty=True)``), so the bands include parameter uncertainty as well as
patients' sampling; the figure's legend and the table's caption say which.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import solara

from alliance_sim.comparison import Comparison, compare
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params
from alliance_sim.plotting import comparison_figure
from alliance_sim.scenarios import builtin_scenarios
from alliance_sim.ui.controls import GroupControls, SeedInput
from alliance_sim.ui.guard import Guard, describe, guarded, log_failure

__all__ = ["MAX_REPLICATES", "Compare", "ComparePage", "difference_rows"]

MAX_REPLICATES = 200
"""The most replicates the page runs (the command line takes more)."""


def difference_rows(comparison: Comparison) -> list[dict[str, object]]:
    """The difference table as rows a student can read (rounded, with units)."""
    rows = []
    for row in comparison.table.to_dict("records"):
        rows.append(
            {
                "outcome": row["label"],
                "unit": row["unit"],
                comparison.label_a: round(float(row["mean_a"]), 3),
                comparison.label_b: round(float(row["mean_b"]), 3),
                "difference B − A": round(float(row["diff"]), 3),
                "95% interval": f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
            }
        )
    return rows


@solara.component
def Side(
    title: str,
    scenario: str,
    params: Params,
    on_scenario: Callable[[str], None],
    on_params: Callable[[Params], None],
    on_error: Callable[[str | None], None],
) -> solara.Element:
    """One clinic's scenario and parameters."""
    with solara.Card(title) as card:
        solara.Select(
            "Scenario", values=sorted(builtin_scenarios()), value=scenario, on_value=on_scenario
        )
        GroupControls(
            params,
            on_params,
            on_error,
            groups=("therapist", "patients", "treatment"),
            expanded=None,
        )
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
    error, set_error = solara.use_state(None)

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

    def run() -> Comparison | str:
        """The comparison, or the one line that says why there is none."""
        label_a, label_b = f"A: {scenario_a}", f"B: {scenario_b}"
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
        run, dependencies=[params_a, params_b, replicates, seed, uncertainty]
    )

    with solara.Column() as page:
        solara.Title("alliance-sim · Compare")
        with solara.Row():
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
                lambda value: (set_error(None), set_seed(value)),
                set_error,
            )
            solara.Checkbox(
                label="Parameter uncertainty (draw the calibrated parameters from the posterior)",
                value=uncertainty,
                on_value=set_uncertainty,
            )
        if error:
            solara.Error(error)
        if result.state == solara.ResultState.RUNNING:
            solara.ProgressLinear(True)
            solara.Text("Running both clinics…")
        elif result.state == solara.ResultState.ERROR:  # run() returns its failures: not seen
            solara.Error(describe(result.error or RuntimeError(), "the comparison"))
        elif isinstance(result.value, str):
            solara.Error(result.value)
        elif result.value is not None:
            comparison = result.value
            solara.FigureMatplotlib(comparison_figure(comparison), format="png")
            solara.Markdown(
                f"**Differences B − A** over {len(comparison.seeds)} paired replicates"
                " (the same patients and luck in both clinics); the intervals show"
                f" {comparison.band}."
            )
            solara.DataFrame(pd.DataFrame(difference_rows(comparison)), items_per_page=20)
        solara.Markdown("**The two clinics** — change a parameter of either and it runs again.")
        with solara.Columns([1, 1]):
            Side("Clinic A", scenario_a, params_a, choose_a, set_params_a, set_error)
            Side("Clinic B", scenario_b, params_b, choose_b, set_params_b, set_error)
    return page
