"""Trials: re-run a published study on simulated patients and set the results side by side.

The page runs :func:`alliance_sim.trials.run_trial` on a background thread
(progress bar) for a built-in protocol, then shows the protocol's own table —
the published figure and, where the paper gives one, its 95% interval; the
model's tolerance (the range the simulation must fall in: the model's, not the
paper's); the simulated estimate and its interval; whether they agree — and
:func:`alliance_sim.trials.trial_figure`. The command line (``alliance-sim
trial``) does the same, plus power curves and JSON.
The switch *Parameter uncertainty* draws each replicate trial's calibrated parameters
from the posterior (``run_trial(..., uncertainty=True)``), so the spread of the trials includes
parameter uncertainty as well as patients' sampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import reacton.ipyvuetify as rv
import solara

from alliance_sim.core.scales import digits
from alliance_sim.trials import (
    TrialResult,
    builtin_protocols,
    run_trial,
    trial_caption,
    trial_figure,
)
from alliance_sim.ui.background import use_background_run
from alliance_sim.ui.controls import SeedInput
from alliance_sim.ui.figures import FigurePanel, file_name
from alliance_sim.ui.guard import Guard, guarded
from alliance_sim.ui.style import CONTROL_CLASS
from alliance_sim.ui.tables import DataTable

__all__ = [
    "COMPARISON_COLUMNS",
    "MAX_PATIENTS",
    "TrialRequest",
    "Trials",
    "TrialsPage",
    "comparison_rows",
    "filled_columns",
]

COMPARISON_COLUMNS: tuple[str, ...] = (
    "estimate",
    "published",
    "published 95% interval",
    "model tolerance",
    "simulated",
    "simulated interval",
    "agrees",
)
"""The columns of the Trials table. "model tolerance" is the range the simulation must
fall in to agree: the model's, not a range the paper reports."""
NUMERIC_COLUMNS = (False, False, True, True, True, True, False)

MAX_PATIENTS = 200_000
"""The most simulated patients (arms × n per arm × replicates) the page runs."""


@dataclass(frozen=True)
class TrialRequest:
    """What the controls ask for."""

    protocol: str = "fuentes-2014"
    n_per_arm: int | None = None
    replicates: int = 20
    seed: int = 0
    uncertainty: bool = False


def _number(value: object, decimals: int) -> str:
    if value is None:
        return ""
    number = float(cast(float, value))
    return "" if math.isnan(number) else f"{number:.{decimals}f}"


def _interval(low: object, high: object, decimals: int) -> str:
    low_text, high_text = _number(low, decimals), _number(high, decimals)
    return f"{low_text} to {high_text}" if low_text and high_text else ""


def comparison_rows(result: TrialResult) -> pd.DataFrame:
    """The table a student reads: each estimate, published beside simulated, and the verdict.

    Numbers have the outcome's precision (one decimal for mm; two for a
    coefficient, which has no scale of its own). "published 95% interval" is the
    paper's own interval where the protocol gives one; "model tolerance" is the
    range the simulated value must fall in to agree.
    """
    table = result.table
    verdict = {1.0: "yes", 0.0: "no"}
    paper = {published.estimate: published for published in result.protocol.published}
    places = [
        digits(result.protocol.outcome)
        if estimate.split(":", 1)[0] in ("mean", "effect", "contrast", "interaction")
        else 2
        for estimate in table["estimate"]
    ]
    rows = {
        "estimate": list(table["label"]),
        "published": list(table["published"].fillna("")),
        "published 95% interval": [
            _interval(paper[e].ci_low, paper[e].ci_high, p) if e in paper else ""
            for e, p in zip(table["estimate"], places, strict=True)
        ],
        "model tolerance": [
            _interval(low, high, p)
            for low, high, p in zip(table["low"], table["high"], places, strict=True)
        ],
        "simulated": [_number(v, p) for v, p in zip(table["simulated"], places, strict=True)],
        "simulated interval": [
            _interval(low, high, p)
            for low, high, p in zip(
                table["simulated_low"], table["simulated_high"], places, strict=True
            )
        ],
        "agrees": [verdict.get(v, "") for v in table["agrees"]],
    }
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def filled_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without the columns no row fills (Ferreira 2013 gives no interval or tolerance)."""
    return rows.loc[:, [column for column in rows.columns if (rows[column] != "").any()]]


@solara.component
def Trials() -> solara.Element:
    """The Trials page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(TrialsPage, "the Trials page")


@solara.component
def TrialsPage() -> solara.Element:
    """The Trials page's content."""
    protocols = solara.use_memo(builtin_protocols, [])
    request, set_request = solara.use_state(TrialRequest())
    message, set_message = solara.use_state(cast(str | None, None))  # a mistake in the controls
    background = use_background_run("the trial failed")

    protocol = protocols[request.protocol]
    n_per_arm = request.n_per_arm or protocol.n_per_arm
    patients = len(protocol.arms) * n_per_arm * request.replicates
    too_big = (
        f"this trial simulates {patients:,} patients; the app runs at most {MAX_PATIENTS:,}. "
        "Use fewer patients or replicates, or 'alliance-sim trial' on the command line"
        if patients > MAX_PATIENTS
        else None
    )

    def start() -> None:
        chosen = request

        def job(progress: Any, should_stop: Any) -> TrialResult:
            return run_trial(
                protocols[chosen.protocol],
                n_per_arm=chosen.n_per_arm,
                replicates=chosen.replicates,
                seed=chosen.seed,
                progress=progress,
                uncertainty=chosen.uncertainty,
            )

        set_message(None)
        background.start(job, len(protocol.arms) * request.replicates)

    status = background.status
    progress = background.progress
    result = background.result

    def update(**changes: object) -> None:
        set_request(lambda old: TrialRequest(**{**old.__dict__, **changes}))  # type: ignore[arg-type]

    def change_seed(value: int) -> None:  # a good seed: no mistake
        set_message(None)
        update(seed=value)

    titles = {protocol.title: name for name, protocol in protocols.items()}

    def choose_study(title: str) -> None:
        if title not in titles:  # only the list's studies
            set_message(f"study = {title!r}: choose one from the list")
            return
        set_message(None)
        update(protocol=titles[title], n_per_arm=None)

    with rv.Sheet(elevation=0, class_="page-grid plain trials-page") as page:
        with solara.Column(gap="12px", classes=["controls-column"]):
            solara.Title("alliance-sim · Trials")
            with solara.Card("Trial"):
                solara.Select(
                    "Published study",
                    values=list(titles),
                    value=protocol.title,
                    on_value=guarded(choose_study, set_message, "choosing the study"),
                )
                solara.Text(protocol.description, classes=["scenario-description"])
                solara.Text(f"Source: {protocol.source}", classes=["control-help"])
                with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                    solara.SliderInt(
                        f"Patients per arm (the study had {protocol.n_per_arm})",
                        value=n_per_arm,
                        min=5,
                        max=max(500, protocol.n_per_arm),
                        on_value=lambda n: update(n_per_arm=n),
                        thumb_label="always",
                    )
                with solara.Column(gap="0px", classes=[CONTROL_CLASS]):
                    solara.SliderInt(
                        "Replicate trials (each with new patients)",
                        value=request.replicates,
                        min=1,
                        max=200,
                        on_value=lambda n: update(replicates=n),
                        thumb_label="always",
                    )
                SeedInput("Seed (same seed, same trial)", request.seed, change_seed, set_message)
                solara.Checkbox(
                    label="Parameter uncertainty (each trial draws the calibrated parameters"
                    " from the posterior)",
                    value=request.uncertainty,
                    on_value=lambda on: update(uncertainty=bool(on)),
                )
        with solara.Column(gap="8px", classes=["results-column"]):
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(
                    "Run trial",
                    on_click=start,
                    color="primary",
                    disabled=status == "running" or too_big is not None,
                )
                solara.Text(
                    f"{len(protocol.arms)} arms × {n_per_arm} patients × "
                    f"{request.replicates} replicate trials",
                    style={"align-self": "center"},
                )
            if too_big:
                solara.Error(too_big)
            if status == "running":
                done, total = progress
                solara.ProgressLinear(value=100.0 * done / total if total else True)
                solara.Text(f"simulating: {done} of {total} arms", classes=["trial-progress"])
            for problem in (message, background.error):
                if problem:
                    solara.Error(problem)
            if result is not None:
                with solara.Card(f"{result.protocol.title}: published and simulated"):
                    interval = (
                        "the simulated interval is the trial's 95% CI"
                        if result.replicates == 1
                        else "the simulated value is the mean over the trials and its "
                        "interval holds the middle 95% of their estimates"
                    )
                    solara.Text(
                        f"{result.replicates} simulated trial(s) with "
                        + ", ".join(f"{n} {arm}" for arm, n in result.n_per_arm.items())
                        + f" patients; {interval}; the spread shows {result.band}",
                        style={"display": "block", "margin-bottom": "8px"},
                    )
                    rows = filled_columns(comparison_rows(result))
                    DataTable(
                        list(rows.columns),
                        rows.to_numpy().tolist(),
                        numeric=[NUMERIC_COLUMNS[COMPARISON_COLUMNS.index(c)] for c in rows],
                        caption="published: what the paper reports (its 95% interval where it gives "
                        "one); model tolerance: the range the simulated value must fall in for "
                        "the model to agree — set by the model's authors, not by the paper.",
                    )
                    note = result.estimation_note()
                    if note:
                        solara.Warning(note[0].upper() + note[1:] + ".")
                chosen_result = result
                FigurePanel(
                    lambda caption: trial_figure(chosen_result, caption=caption),
                    [result],
                    file_name("trial", result.protocol.name),
                    f"Figure of the simulated {result.protocol.title} beside the published values",
                    trial_caption(result),
                )
    return page
