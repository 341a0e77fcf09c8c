"""Explore: one clinic, stepped session by session, with live plots and a patient table.

Each browser session has its own :class:`~alliance_sim.engines.agent.model.ClinicModel`
(held in component state), rebuilt whenever a parameter, the scenario or the
seed changes, and closed when it is replaced or the session ends. A scenario
file with a mistake shows the message and keeps the model that was there; a
scenario is either a built-in one or a file the user dropped, never a path on
the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from html import escape
from typing import Any, cast

import pandas as pd
import solara
from matplotlib.figure import Figure

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params
from alliance_sim.core.population import THERAPIST_TRAITS
from alliance_sim.engines.agent.model import ClinicModel
from alliance_sim.plotting import TIME_COURSE_PANELS, LiveClinicPlot
from alliance_sim.scenarios import Scenario, builtin_scenarios, parse_scenario
from alliance_sim.simulation import sessions_table
from alliance_sim.ui.controls import GroupControls, SeedInput
from alliance_sim.ui.dropped import read_dropped
from alliance_sim.ui.guard import Guard, describe, guarded, log_failure
from alliance_sim.ui.patient_table import TABLE_COLUMNS, PatientTable

__all__ = [
    "PATIENT_COLUMNS",
    "Explore",
    "ExplorePage",
    "clinic_now",
    "patient_figure",
    "patient_states",
]

PLAY_INTERVAL_S = 0.5
"""Pause between sessions while playing."""

LIVE_PLOTS_KEPT = 8
"""How many clinic pictures (one per title and episode length) the server keeps for reuse."""

PATIENT_COLUMNS: tuple[str, ...] = tuple(TABLE_COLUMNS)
"""The columns of the patient table, in order."""

TRAJECTORY_PANELS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("goal_agreement", "task_agreement", "bond"), "Alliance (0–1)"),
    (("self_efficacy", "adherence"), "Self-efficacy and adherence (0–1)"),
    (("pain_mm", "disability"), "Pain (mm) and disability (0–100)"),
)


def patient_states(model: ClinicModel) -> pd.DataFrame:
    """Every patient's current state, one row each (the patient table)."""
    rows = [
        {column: getattr(patient, column) for column in PATIENT_COLUMNS}
        for patient in model.patients_in_order
    ]
    frame = pd.DataFrame(rows, columns=list(PATIENT_COLUMNS))
    return frame.round(3)


def patient_figure(sessions: pd.DataFrame, patient_id: int) -> Figure:
    """One patient's trajectory over the sessions so far."""
    record = sessions[sessions["patient_id"] == patient_id]
    fig = Figure(figsize=(9, 3), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (columns, label) in zip(axes, TRAJECTORY_PANELS, strict=True):
        for column in columns:
            ax.plot(record["session"], record[column], marker="o", markersize=3, label=column)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("Session")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Patient {patient_id}")
    return fig


def clinic_now(clinic: pd.DataFrame) -> list[tuple[str, str]]:
    """The clinic's latest values, as (label, formatted value) pairs in the plots' order.

    Before the first session (an empty table) every value is "–".
    """
    pairs = []
    for column, label in TIME_COURSE_PANELS:
        digits = 1 if column in ("pain_mm", "disability") else 2
        value = "–" if clinic.empty else f"{clinic.iloc[-1][column]:.{digits}f}"
        pairs.append((label, value))
    return pairs


@lru_cache(maxsize=LIVE_PLOTS_KEPT)
def shared_live_plot(title: str, n_sessions: int) -> LiveClinicPlot:
    """The clinic picture for ``title`` and ``n_sessions``, shared by every browser session.

    A picture's axes and labels are some 19,000 Python objects; kept once per
    session, they made up most of a session's memory, and every full garbage
    collection (which stops all sessions at once) walked them all. Pictures are
    thread-safe, so sessions showing the same clinic title share one.
    """
    return LiveClinicPlot(title, n_sessions)


@solara.component
def ClinicNow(session: int, clinic: pd.DataFrame) -> solara.Element:
    """The numbers under the plots: where the clinic stands after this session.

    One piece of HTML, so that a step sends the browser one update for all of them
    (eight separate texts were eight messages per step, per student).
    """
    values = "".join(
        f'<span class="clinic-now-value">{escape(label)}: {escape(value)}</span>'
        for label, value in clinic_now(clinic)
    )
    return solara.HTML(
        unsafe_innerHTML=(
            f'<div class="clinic-now-title">After session {session} (clinic means):</div>'
            f'<div class="clinic-now">{values}</div>'
        )
    )


@solara.component
def Clinic(
    model: ClinicModel,
    lock: threading.Lock,
    title: str,
    error: str | None,
    on_reset: Callable[[], None],
) -> solara.Element:
    """The clinic: the controls of time, the plots, the patient table and one patient.

    Stepping changes only this component's state, so a step redraws the clinic
    and not the parameter controls beside it.
    """
    tick, set_tick = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    selected, set_selected = solara.use_state(None)
    failure, set_failure = solara.use_state(None)
    plot = shared_live_plot(title, model.n_sessions)

    def reset_view() -> None:  # a new clinic: nothing playing, nobody selected, no failure
        set_playing(False)
        set_selected(None)
        set_failure(None)

    solara.use_effect(reset_view, [model])

    def advance() -> bool:
        """One session; False (with a message, never a traceback) when it fails."""
        try:
            with lock:
                if model.running:
                    model.step()
        except Exception as error:  # the page says what failed and stays usable
            log_failure(error, f"session {model.session}")
            set_failure(
                describe(error, f"session {model.session}")
                + "; press Reset to start the clinic again"
            )
            return False
        set_tick(lambda t: t + 1)
        return True

    def step() -> None:
        advance()

    def select(patient_id: Any) -> None:  # only a patient of this clinic (or nobody)
        known = isinstance(patient_id, int) and 0 <= patient_id < len(model.patients_in_order)
        set_selected(patient_id if known else None)

    def play_loop(cancel: threading.Event) -> None:
        while playing and not cancel.is_set() and model.running:
            if not advance():
                break
            cancel.wait(PLAY_INTERVAL_S)
        set_playing(False)

    solara.use_thread(play_loop, dependencies=[playing, model], intrusive_cancel=False)

    # The panel keeps the same children in the same places from session 0 on: an element
    # that appeared or vanished would shift the ones after it, and the browser would build
    # every later widget again (the first step used to cost a page ~20 new widgets).
    with solara.Column() as column:
        solara.Title("alliance-sim · Explore")
        with solara.Column(gap="0px"):  # messages, when there are any
            for problem in (error, failure):
                if problem:
                    solara.Error(problem)
        session = model.session
        with solara.Row():
            solara.Button(
                "Step",
                on_click=step,
                disabled=not model.running or playing or bool(failure),
                color="primary",
            )
            solara.Button(
                "Play",
                on_click=lambda: set_playing(True),
                disabled=playing or not model.running or bool(failure),
            )
            solara.Button("Pause", on_click=lambda: set_playing(False), disabled=not playing)
            solara.Button("Reset", on_click=on_reset)
            solara.Text(
                f"Session {session} of {model.n_sessions}"
                + ("" if model.running else " — the episode is over"),
                style={"align-self": "center", "font-weight": "bold"},
            )
        clinic = model.datacollector.get_model_vars_dataframe()
        with solara.Column(gap="0px"):  # the hint, before the first session only
            if clinic.empty:
                solara.Info("Press Step to run the first session, or Play to run the episode.")
        # Drawn from session 0 (empty axes), so a step only updates the picture.
        solara.Image(plot.png(clinic))
        # The numbers' row is there from session 0 too: a step changes text, adds nothing.
        ClinicNow(session, clinic)
        states = patient_states(model)
        with solara.Card("Patients (click one to see their trajectory)"):
            PatientTable(states, selected, select)
            solara.Select(
                "Patient",
                values=[None, *states["patient_id"].tolist()],
                value=selected,
                on_value=select,
            )
        if selected is not None and session > 0:
            patient = model.patients_in_order[selected]
            therapist = patient.therapist
            with solara.Columns([2, 1]):
                solara.FigureMatplotlib(
                    patient_figure(sessions_table(model), selected),
                    dependencies=[model, tick, selected],
                    format="png",
                )
                with solara.Card(f"Therapist {therapist.therapist_id}"):
                    for trait in THERAPIST_TRAITS:
                        solara.Text(f"{trait.replace('_', ' ')}: {getattr(therapist, trait):.2f}")
                    solara.Text(f"style used with this patient: {patient.style:.2f}")
                    solara.Text(f"misfit with this patient: {patient.misfit:.2f}")
    return column


@solara.component
def Explore() -> solara.Element:
    """The Explore page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(ExplorePage, "the Explore page")


@solara.component
def ExplorePage() -> solara.Element:
    """The Explore page's content."""
    builtins = solara.use_memo(builtin_scenarios, [])
    scenario_name, set_scenario_name = solara.use_state("default")
    uploaded, set_uploaded = solara.use_state(cast(Scenario | None, None))
    default_params = solara.use_memo(lambda: builtins["default"].params(), [])
    params, set_params = solara.use_state(default_params)
    seed, set_seed = solara.use_state(0)
    error, set_error = solara.use_state(None)
    first_model = solara.use_memo(lambda: ClinicModel(params, seed), [])
    model, set_model = solara.use_state(first_model)
    lock = solara.use_memo(threading.Lock, [])

    def close_when_replaced() -> Callable[[], None]:
        def close() -> None:  # Mesa 3.3 keeps every model's agents unless they are removed
            with lock:
                model.close()

        return close

    # Runs when the clinic is replaced and when the browser session ends.
    solara.use_effect(close_when_replaced, [model])

    def build(new_params: Params, new_seed: int) -> ClinicModel | None:
        """A new clinic, or None (and the message) when it cannot be built."""
        try:
            return ClinicModel(new_params, new_seed)
        except Exception as problem:
            if not isinstance(problem, AllianceSimError):
                log_failure(problem, "building the clinic")
            set_error(describe(problem, "building the clinic"))
            return None

    def show(new_model: ClinicModel, new_params: Params, new_seed: int) -> None:
        # Not under the lock: replacing the model runs close() above, which takes it.
        set_model(new_model)
        set_params(new_params)
        set_seed(new_seed)

    def rebuild(new_params: Params, new_seed: int) -> None:
        new_model = build(new_params, new_seed)
        if new_model is not None:
            show(new_model, new_params, new_seed)

    def reset() -> None:
        rebuild(params, seed)

    def choose_scenario(name: str) -> None:
        if name in builtins:
            chosen = builtins[name]
        elif uploaded is not None and name == uploaded.name:
            chosen = uploaded
        else:  # only the list's names: never a file on the server
            set_error(f"scenario = {name!r}: choose one from the list, or drop a scenario file")
            return
        set_error(None)
        new_params = chosen.params()
        new_model = build(new_params, seed)
        if new_model is not None:
            set_scenario_name(name)
            show(new_model, new_params, seed)

    def upload(file: Any) -> None:
        def parse(text: str, name: str) -> tuple[Scenario, Params]:
            scenario = parse_scenario(text, source=name)
            return scenario, scenario.params()

        try:
            scenario, new_params = read_dropped(file, parse, kind="a scenario file")
        except AllianceSimError as problem:
            set_error(str(problem))
            return
        set_error(None)
        new_model = build(new_params, seed)
        if new_model is not None:
            set_uploaded(scenario)
            set_scenario_name(scenario.name)
            show(new_model, new_params, seed)

    def change_seed(value: int) -> None:
        set_error(None)
        rebuild(params, value)

    def change_params(new_params: Params) -> None:
        rebuild(new_params, seed)

    names = sorted(builtins)
    with solara.Columns([2, 5]) as page:
        with solara.Column():
            with solara.Card("Clinic"):
                solara.Select(
                    "Scenario",
                    values=names if scenario_name in names else [*names, scenario_name],
                    value=scenario_name,
                    on_value=guarded(choose_scenario, set_error, "choosing the scenario"),
                )
                solara.FileDrop(
                    label="…or drop a scenario file (.toml) here",
                    on_file=guarded(upload, set_error, "reading the file"),
                    lazy=True,  # read here, at most the size limit, never the whole upload
                )
                SeedInput(
                    "Seed (same seed, same clinic)",
                    seed,
                    guarded(change_seed, set_error, "changing the seed"),
                    set_error,
                )
            with solara.Card("Parameters"):
                GroupControls(
                    params, guarded(change_params, set_error, "changing a parameter"), set_error
                )
        with solara.Column():
            Clinic(
                model=model,
                lock=lock,
                title=f"{scenario_name}, seed {seed}",
                error=error,
                on_reset=guarded(reset, set_error, "starting the clinic again"),
            )
    return page
