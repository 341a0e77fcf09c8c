"""Sweep: one or two parameters over a grid, replicates, one output — in the background.

The page builds an experiment from its controls with
:meth:`alliance_sim.batch.Experiment.from_mapping` (validated exactly as an
experiment file is), runs it in this process with
:func:`alliance_sim.batch.run_experiment` on a background thread (progress bar,
Cancel), and shows :func:`alliance_sim.batch.grid_figure` — a line with a 95%
band for one parameter, a heatmap for two — with the numbers it draws
(:func:`alliance_sim.batch.grid_summary`) and downloads of the run table.
Sizes are capped; the command line (``alliance-sim sweep``) is for big sweeps.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import reacton.ipyvuetify as rv
import solara

from alliance_sim.batch import (
    Experiment,
    grid_caption,
    grid_figure,
    grid_summary,
    run_experiment,
)
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA, Kind
from alliance_sim.core.scales import format_value
from alliance_sim.records.metrics import METRICS
from alliance_sim.scenarios import builtin_scenarios
from alliance_sim.ui.background import use_background_run
from alliance_sim.ui.controls import SeedInput, control_label
from alliance_sim.ui.figures import FigurePanel, file_name
from alliance_sim.ui.guard import Guard, guarded
from alliance_sim.ui.style import CONTROL_CLASS
from alliance_sim.ui.tables import DataTable

__all__ = [
    "MAX_PATIENT_SESSIONS",
    "MAX_RUNS",
    "Sweep",
    "SweepPage",
    "SweepRequest",
    "experiment_of",
]

MAX_RUNS = 2_000
"""The most runs (points × replicates) the page runs; bigger sweeps belong to the CLI."""
MAX_PATIENT_SESSIONS = 20_000_000
"""The most patient-sessions (runs × patients × sessions) the page runs (~10 s)."""
MAX_LEVELS = 11
NUMERIC = [name for name, spec in SCHEMA.items() if spec.kind in (Kind.FLOAT, Kind.INT)]
NONE = "(none)"


def parameter_choice(name: str) -> str:
    """How a parameter is offered in a select: its label, then its name (as in files)."""
    return NONE if name == NONE else f"{SCHEMA[name].label} [{name}]"


def output_choice(name: str) -> str:
    """How an output is offered in a select: its label and unit, then its name."""
    metric = METRICS[name]
    return f"{metric.label}, {metric.unit} [{name}]" if metric.unit else f"{metric.label} [{name}]"


def chosen_name(choice: str) -> str:
    """The parameter or output name inside a choice made by :func:`parameter_choice`."""
    return NONE if choice == NONE else choice.rsplit("[", 1)[1].rstrip("]")


@dataclass(frozen=True)
class SweepRequest:
    """What the controls ask for (plain values; :func:`experiment_of` validates them)."""

    scenario: str = "default"
    first: str = "power_sharing_mean"
    first_range: tuple[float, float] = (0.0, 1.0)
    first_levels: int = 5
    second: str = NONE
    second_range: tuple[float, float] = (0.0, 1.0)
    second_levels: int = 3
    replicates: int = 10
    output: str = "adherence"
    seed: int = 0


def _factor(name: str, bounds: tuple[float, float], levels: int) -> dict[str, Any]:
    low, high = bounds
    if SCHEMA[name].kind is Kind.INT:
        values = sorted({round(low + (high - low) * i / max(levels - 1, 1)) for i in range(levels)})
        return {"values": values}
    return {"low": float(low), "high": float(high), "levels": int(levels)}


def experiment_of(request: SweepRequest) -> Experiment:
    """The experiment the controls describe, validated; too big a sweep is refused.

    Raises:
        AllianceSimError: naming the control and what is allowed.
    """
    if request.scenario not in builtin_scenarios():  # a name from the list, never a path
        raise AllianceSimError(
            f"scenario = {request.scenario!r}: choose a built-in scenario from the list"
        )
    vary = {request.first: _factor(request.first, request.first_range, request.first_levels)}
    if request.second != NONE:
        if request.second == request.first:
            raise AllianceSimError(
                f"second parameter = {request.second!r}: choose a different parameter "
                "from the first, or (none)"
            )
        vary[request.second] = _factor(request.second, request.second_range, request.second_levels)
    experiment = Experiment.from_mapping(
        {
            "name": "web-app-sweep",
            "scenario": request.scenario,
            "design": "grid",
            "vary": vary,
            "replicates": request.replicates,
            "outputs": [request.output],
            "seed": request.seed,
        },
        source="the sweep",
    )
    design = experiment.design()
    sizes = {
        name: int(design[name].max()) if name in design else int(experiment.base[name])
        for name in ("n_patients", "n_sessions")
    }
    runs = experiment.n_runs()
    patients, sessions = sizes["n_patients"], sizes["n_sessions"]
    size = runs * patients * sessions
    if runs > MAX_RUNS or size > MAX_PATIENT_SESSIONS:
        raise AllianceSimError(
            f"this sweep has {runs:,} runs ({size:,} patient-sessions); the app runs at most "
            f"{MAX_RUNS:,} runs and {MAX_PATIENT_SESSIONS:,} patient-sessions. Use fewer "
            "values or replicates, or run it with 'alliance-sim sweep' (see the README)"
        )
    return experiment


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


@solara.component
def FactorControls(
    title: str,
    name: str,
    on_name: Any,
    bounds: tuple[float, float],
    on_bounds: Any,
    levels: int,
    on_levels: Any,
    optional: bool,
) -> solara.Element:
    """Choose one varied parameter, its range (within the schema's) and its number of values."""
    choices = ([NONE] if optional else []) + NUMERIC
    with solara.Card(title) as card:
        solara.Select(
            "Parameter",
            values=[parameter_choice(choice) for choice in choices],
            value=parameter_choice(name),
            on_value=lambda choice: on_name(chosen_name(choice)),
        )
        if name != NONE:
            spec = SCHEMA[name]
            low, high = float(spec.low or 0.0), float(spec.high or 0.0)  # numeric: bounded
            step = 1 if spec.kind is Kind.INT else (high - low) / 100
            with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                solara.SliderRangeFloat(
                    f"Range of {control_label(spec)}",
                    value=bounds,
                    min=low,
                    max=high,
                    step=step,
                    on_value=on_bounds,
                    thumb_label="always",
                )
                solara.Text(spec.help, classes=["control-help", "hide-in-projector"])
            with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                solara.SliderInt(
                    "Number of values",
                    value=levels,
                    min=2,
                    max=MAX_LEVELS,
                    on_value=on_levels,
                    thumb_label="always",
                )
    return card


@solara.component
def Sweep() -> solara.Element:
    """The Sweep page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(SweepPage, "the Sweep page")


@solara.component
def SweepPage() -> solara.Element:
    """The Sweep page's content."""
    request, set_request = solara.use_state(SweepRequest())
    # a message about the controls: (kind, text)
    message, set_message = solara.use_state(cast(tuple[str, str] | None, None))
    background = use_background_run("the sweep failed")

    def update(**changes: Any) -> None:
        set_request(lambda old: SweepRequest(**{**old.__dict__, **changes}))

    def report(text: str) -> None:
        set_message(("error", text))

    def choose(which: str, name: str) -> None:
        if name == NONE and which == "second":
            update(**{which: name})
            return
        if name not in NUMERIC:  # only the list's parameters
            report(f"parameter = {name!r}: choose one from the list")
            return
        spec = SCHEMA[name]
        set_message(None)
        update(**{which: name, f"{which}_range": (float(spec.low or 0.0), float(spec.high or 0.0))})

    def choose_output(choice: str) -> None:
        name = chosen_name(choice)
        if name not in METRICS:
            report(f"output = {choice!r}: choose one from the list")
            return
        set_message(None)
        update(output=name)

    problem = None
    try:
        experiment = experiment_of(request)
    except AllianceSimError as error:
        experiment, problem = None, str(error)

    def start() -> None:
        if experiment is None:
            return
        chosen, plan = request, experiment

        def job(progress: Any, should_stop: Any) -> tuple[SweepRequest, Any]:
            outcome = run_experiment(
                plan, executor="serial", progress=progress, should_stop=should_stop
            )
            return chosen, outcome

        set_message(None)
        background.start(job, plan.n_runs())

    done, total = background.progress
    running = background.running
    finished = background.result
    if finished is not None:
        plan_runs = experiment_of(finished[0]).n_runs()
        outcome = finished[1]
        if not outcome.complete:
            note = (
                "warning",
                f"cancelled after {len(outcome.runs)} of {plan_runs} runs; "
                "the plot shows the finished ones",
            )
        elif outcome.n_errors:
            note = ("warning", f"{outcome.n_errors} runs failed; see the error column")
        else:
            note = ("success", f"finished: {len(outcome.runs)} runs")
    shown: tuple[str, str] | None = message or (
        ("error", background.error) if background.error else None
    )
    if shown is None and finished is not None:
        shown = note

    def change_seed(value: int) -> None:  # a good seed: no mistake
        set_message(None)
        update(seed=value)

    scenarios = sorted(builtin_scenarios())
    with rv.Sheet(elevation=0, class_="page-grid plain sweep-page") as page:
        with solara.Column(gap="12px", classes=["controls-column"]):
            solara.Title("alliance-sim · Sweep")
            with solara.Card("Sweep"):
                solara.Select(
                    "Scenario (the clinic every run starts from)",
                    values=scenarios,
                    value=request.scenario,
                    on_value=lambda name: update(scenario=name),
                )
                solara.Select(
                    "Output (what each run reports)",
                    values=[output_choice(name) for name in METRICS],
                    value=output_choice(request.output),
                    on_value=guarded(choose_output, report, "choosing the output"),
                )
                with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                    solara.SliderInt(
                        "Replicates per value",
                        value=request.replicates,
                        min=1,
                        max=100,
                        on_value=lambda n: update(replicates=n),
                        thumb_label="always",
                    )
                SeedInput(
                    "Seed (same seed, same sweep)",
                    request.seed,
                    change_seed,
                    lambda problem: set_message(("error", problem)),
                )
            FactorControls(
                "First parameter (x axis)",
                request.first,
                guarded(lambda name: choose("first", name), report, "choosing the parameter"),
                request.first_range,
                lambda b: update(first_range=tuple(b)),
                request.first_levels,
                lambda n: update(first_levels=n),
                optional=False,
            )
            FactorControls(
                "Second parameter (optional: a heatmap)",
                request.second,
                guarded(lambda name: choose("second", name), report, "choosing the parameter"),
                request.second_range,
                lambda b: update(second_range=tuple(b)),
                request.second_levels,
                lambda n: update(second_levels=n),
                optional=True,
            )
        with solara.Column(gap="8px", classes=["results-column"]):
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(
                    "Run sweep",
                    on_click=start,
                    color="primary",
                    disabled=experiment is None or bool(running),
                )
                solara.Button("Cancel", on_click=background.cancel, disabled=not running)
                if experiment is not None:
                    solara.Text(
                        f"{experiment.n_points()} values × {experiment.replicates} replicates = "
                        f"{experiment.n_runs()} runs",
                        style={"align-self": "center"},
                    )
            if problem:
                solara.Error(problem)
            if running:
                percent = 100.0 * done / total if total else 0.0
                solara.ProgressLinear(value=percent, color="primary")
                solara.Text(f"{done} of {total} runs", classes=["sweep-progress"])
            if shown:
                kind, text = shown
                {"error": solara.Error, "warning": solara.Warning, "success": solara.Success}[kind](
                    text
                )
            if finished is not None:
                SweepResults(finished[0], finished[1].runs)
    return page


@solara.component
def SweepResults(request: SweepRequest, runs: pd.DataFrame) -> solara.Element:
    """The figure, the numbers it draws and the downloads, for a finished sweep."""
    params = [request.first] + ([request.second] if request.second != NONE else [])
    ok = runs[runs["status"] == "ok"]
    with solara.Column() as column:
        if ok.empty:
            solara.Error("no run finished, so there is nothing to plot")
            return column
        FigurePanel(
            lambda caption: grid_figure(runs, request.output, params, caption=caption),
            [runs, request],
            file_name("sweep", request.output, *params),
            f"{'Line plot' if len(params) == 1 else 'Heatmap'} of {METRICS[request.output].label} "
            f"over {', '.join(SCHEMA[name].label for name in params)}",
            grid_caption(runs, request.output, params),
        )
        summary = grid_summary(runs, params, [request.output])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(_csv(runs), filename="sweep_runs.csv", label="Download runs (CSV)")
            solara.FileDownload(
                _parquet(runs), filename="sweep_runs.parquet", label="Download runs (Parquet)"
            )
            solara.FileDownload(
                _csv(summary),
                filename="sweep_summary.csv",
                label="Download the plotted means (CSV)",
            )
        with solara.Card("The numbers in the plot (mean and 95% CI over replicates)"):
            output = request.output
            DataTable(
                # the parameter's label, and its name as the CSV download heads its column
                [
                    *(f"{SCHEMA[name].label} [{name}]" for name in params),
                    "runs",
                    "mean",
                    "95% CI low",
                    "95% CI high",
                ],
                [
                    [
                        *(
                            format_value(name, row[name]) if name in METRICS else f"{row[name]:g}"
                            for name in params
                        ),
                        str(int(row["n"])),
                        format_value(output, row["mean"]),
                        format_value(output, row["ci_low"]),
                        format_value(output, row["ci_high"]),
                    ]
                    for row in summary.to_dict("records")
                ],
                numeric=[True] * (len(params) + 4),
                caption=f"Means of {METRICS[output].label.lower()} to its precision; the CSV "
                "download has every digit.",
            )
    return column
