"""Trials: re-run a published study on simulated patients and set the results side by side.

The page runs :func:`alliance_sim.trials.run_trial` on a background thread
(progress bar) for a built-in protocol, then shows the protocol's own table
(published value and tolerance beside the simulated estimate and its interval)
and :func:`alliance_sim.trials.trial_figure`. The command line
(``alliance-sim trial``) does the same, plus power curves and JSON. The switch *Parameter
uncertainty* draws each replicate trial's calibrated parameters from the posterior
(``run_trial(..., uncertainty=True)``), so the spread of the trials includes parameter
uncertainty as well as patients' sampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import solara

from alliance_sim.trials import TrialResult, builtin_protocols, run_trial, trial_figure
from alliance_sim.ui.background import use_background_run
from alliance_sim.ui.controls import SeedInput
from alliance_sim.ui.guard import Guard, guarded
from alliance_sim.ui.style import CONTROL_CLASS

__all__ = ["MAX_PATIENTS", "TrialRequest", "Trials", "TrialsPage", "comparison_rows"]

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


def _number(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.2f}"  # type: ignore[arg-type]


def comparison_rows(result: TrialResult) -> pd.DataFrame:
    """The table a student reads: each estimate, published beside simulated, and the verdict."""
    table = result.table
    verdict = {1.0: "yes", 0.0: "no"}
    return pd.DataFrame(
        {
            "estimate": table["label"],
            "published": table["published"].fillna(""),
            "published range": [
                f"{_number(low)} to {_number(high)}" if _number(low) else ""
                for low, high in zip(table["low"], table["high"], strict=True)
            ],
            "simulated": [_number(v) for v in table["simulated"]],
            "simulated interval": [
                f"{_number(low)} to {_number(high)}" if _number(low) else ""
                for low, high in zip(table["simulated_low"], table["simulated_high"], strict=True)
            ],
            "agrees": [verdict.get(v, "") for v in table["agrees"]],
        }
    )


@solara.component
def Trials() -> solara.Element:
    """The Trials page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(TrialsPage, "the Trials page")


@solara.component
def TrialsPage() -> solara.Element:
    """The Trials page's content."""
    protocols = solara.use_memo(builtin_protocols, [])
    request, set_request = solara.use_state(TrialRequest())
    message, set_message = solara.use_state(None)  # a mistake in the controls
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

    titles = {protocol.title: name for name, protocol in protocols.items()}

    def choose_study(title: str) -> None:
        if title not in titles:  # only the list's studies
            set_message(f"study = {title!r}: choose one from the list")
            return
        set_message(None)
        update(protocol=titles[title], n_per_arm=None)

    with solara.Columns([2, 5]) as page:
        with solara.Column():
            solara.Title("alliance-sim · Trials")
            with solara.Card("Trial"):
                solara.Select(
                    "Published study",
                    values=list(titles),
                    value=protocol.title,
                    on_value=guarded(choose_study, set_message, "choosing the study"),
                )
                solara.Markdown(f"{protocol.description}\n\n*Source:* {protocol.source}")
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
                SeedInput(
                    "Seed (same seed, same trial)",
                    request.seed,
                    lambda s: (set_message(None), update(seed=s)),  # a good seed: no mistake
                    set_message,
                )
                solara.Checkbox(
                    label="Parameter uncertainty (each trial draws the calibrated parameters"
                    " from the posterior)",
                    value=request.uncertainty,
                    on_value=lambda on: update(uncertainty=bool(on)),
                )
        with solara.Column():
            with solara.Row():
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
                    solara.DataFrame(comparison_rows(result), items_per_page=20)
                    note = result.estimation_note()
                    if note:
                        solara.Warning(note[0].upper() + note[1:] + ".")
                solara.FigureMatplotlib(trial_figure(result), dependencies=[result], format="png")
    return page
