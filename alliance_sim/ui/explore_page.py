"""Explore: one clinic, stepped session by session — the effect of each change in view.

Each browser session has its own :class:`~alliance_sim.engines.agent.model.ClinicModel`
(held in component state), rebuilt whenever a parameter, the scenario or the
seed changes, and closed when it is replaced or the session ends. The page is
built around the effect of a change:

* the plots stay in view while the controls scroll (two columns; the results
  column stays put), and the parameter groups start closed under a short panel of
  **key what-ifs**;
* a change keeps the run before it as a faded grey "before" line until the next
  change, the plot's title names every parameter that differs from the scenario,
  and a "modified" marker sits on each such control; **Restore defaults** returns
  to the scenario's values; a chosen scenario shows its description;
* the **clinic view** shows every patient around their physiotherapist
  (:mod:`alliance_sim.ui.clinic_view`); a click opens the patient's trajectory;
* the set-up can be downloaded as a scenario file and loaded back, shared as a
  link (:mod:`alliance_sim.ui.share`), and every figure downloaded as a PNG.

A scenario file with a mistake shows the message and keeps the model that was
there; a scenario is either a built-in one or a file the user dropped, never a
path on the server. A link's values are read against the schema, never evaluated.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, cast

import pandas as pd
import reacton.ipyvuetify as rv
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import Params
from alliance_sim.core.population import THERAPIST_TRAITS
from alliance_sim.core.scales import add_caption, format_value
from alliance_sim.engines.agent.model import ClinicModel
from alliance_sim.plotting import (
    TIME_COURSE_PANELS,
    LiveClinicPlot,
    clinic_caption,
    clinic_figure,
)
from alliance_sim.scenarios import Scenario, builtin_scenarios, parse_scenario_upload, scenario_toml
from alliance_sim.simulation import sessions_table
from alliance_sim.ui.clinic_view import (
    COLOUR_BY,
    ClinicView,
    clinic_picture,
    clinic_view_figure,
    colour_scale_html,
)
from alliance_sim.ui.clinic_view import clinic_caption as clinic_view_caption
from alliance_sim.ui.controls import KEY_WHAT_IFS, GroupControls, KeyWhatIfs, SeedInput
from alliance_sim.ui.drop_zone import DropZone
from alliance_sim.ui.dropped import read_dropped
from alliance_sim.ui.figures import DOWNLOAD_DPI, FigurePanel, file_name, png_bytes
from alliance_sim.ui.guard import Guard, describe, guarded, log_failure
from alliance_sim.ui.patient_table import TABLE_COLUMNS, PatientTable
from alliance_sim.ui.present import projector
from alliance_sim.ui.share import describe_changes, parse_share_query, setup_scenario, share_query

__all__ = [
    "PATIENT_COLUMNS",
    "Before",
    "Explore",
    "ExplorePage",
    "LiveClinic",
    "clinic_now",
    "clinic_table",
    "patient_figure",
    "patient_states",
    "setup_title",
]

PLAY_INTERVAL_S = 0.5
"""Pause between sessions while playing."""

LIVE_PLOTS_KEPT = 8
"""How many clinic pictures (one per title, episode length and "before") the server keeps."""

TITLE_WIDTH = 110
"""Characters per line of the plot's title (it names every changed parameter)."""

PATIENT_COLUMNS: tuple[str, ...] = tuple(TABLE_COLUMNS)
"""The columns of the patient table, in order."""

TRAJECTORY_PANELS: tuple[tuple[tuple[str, ...], str, tuple[float, float]], ...] = (
    (("goal_agreement", "task_agreement", "bond"), "Alliance (0–1)", (0.0, 1.0)),
    (("self_efficacy", "adherence"), "Self-efficacy and adherence (0–1)", (0.0, 1.0)),
    (("pain_mm", "disability"), "Pain (mm) and disability (0–100)", (0.0, 100.0)),
)
"""The panels of a patient's trajectory: the columns, the title, the whole scale."""

NOBODY = "Choose a patient"


@dataclass(frozen=True, eq=False)
class Before:
    """The run before the last change: drawn faded under the current one."""

    clinic: pd.DataFrame
    """Its clinic table (the sessions it ran before the change)."""
    title: str
    """Its set-up, as the plot and the page name it (parameters by their labels)."""


def _plain_names(names: list[str]) -> pd.Index:
    # Column names as plain Python strings: pandas 3 would keep them as Arrow strings, and
    # building and looking up that index cost a step more than the numbers in the table.
    return pd.Index(names, dtype=object)


def patient_states(model: ClinicModel) -> pd.DataFrame:
    """Every patient's current state, one row each (the patient table)."""
    columns = {
        column: [getattr(patient, column) for patient in model.patients_in_order]
        for column in PATIENT_COLUMNS
    }
    frame = pd.DataFrame(columns, columns=_plain_names(list(PATIENT_COLUMNS)))
    return frame.round(3)


def clinic_table(model: ClinicModel) -> pd.DataFrame:
    """The clinic's means so far, one row per session (the data collector's model table)."""
    means = model.datacollector.model_vars
    return pd.DataFrame(means, columns=_plain_names(list(means)))


def patient_figure(
    sessions: pd.DataFrame, patient_id: int, caption: bool = False, n_sessions: int | None = None
) -> Figure:
    """One patient's trajectory over the sessions so far, each panel on its whole scale.

    ``n_sessions`` fixes the x axis to the whole episode (default: the sessions so far).
    """
    if n_sessions is None:
        n_sessions = int(sessions["session"].max()) if len(sessions) else 1
    record = sessions[sessions["patient_id"] == patient_id]
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (columns, label, scale) in zip(axes, TRAJECTORY_PANELS, strict=True):
        for column in columns:
            ax.plot(
                record["session"],
                record[column],
                marker="o",
                markersize=3,
                label=TABLE_COLUMNS.get(column, column),
            )
        ax.set_ylim(*scale)
        ax.set_xlim(0.5, max(n_sessions, 1) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("Session")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Patient {patient_id}")
    if caption:
        add_caption(fig, patient_caption(patient_id), width=110)
    return fig


def patient_caption(patient_id: int) -> str:
    """The sentence under a patient's trajectory."""
    return (
        f"Patient {patient_id}'s own values after each session so far, each panel on its whole "
        "scale; one patient of one clinic, so no bands."
    )


def clinic_now(clinic: pd.DataFrame) -> list[tuple[str, str]]:
    """The clinic's latest values, as (label, formatted value) pairs in the plots' order.

    Before the first session (an empty table) every value is "–".
    """
    pairs = []
    for column, label in TIME_COURSE_PANELS:
        value = "–" if clinic.empty else format_value(column, clinic.iloc[-1][column])
        pairs.append((label, value))
    return pairs


def setup_title(name: str, params: Params, baseline: Params, seed: int) -> str:
    """The set-up in one line: the scenario, each changed parameter by its label, the seed."""
    changes = describe_changes(params, baseline, labels=True)
    return name + (" + " + ", ".join(changes) if changes else "") + f" · seed {seed}"


def _wrapped(title: str) -> str:
    return textwrap.fill(title, TITLE_WIDTH, break_on_hyphens=False, max_lines=3, placeholder=" …")


PROJECTOR_DPI = 144
"""The clinic picture's resolution in projector mode, where it fills the column's width."""


@lru_cache(maxsize=LIVE_PLOTS_KEPT)
def shared_live_plot(
    title: str, n_sessions: int, before: str | None = None, dpi: int = 72
) -> LiveClinicPlot:
    """The clinic picture for ``title``, ``n_sessions``, ``before`` and ``dpi``, shared by every session.

    A picture's axes and labels are some 19,000 Python objects; kept once per
    session, they made up most of a session's memory, and every full garbage
    collection (which stops all sessions at once) walked them all. Pictures are
    thread-safe, so sessions showing the same clinic title share one.
    """
    return LiveClinicPlot(title, n_sessions, dpi=dpi, before=before)


@solara.component
def ClinicNow(session: int, now: list[tuple[str, str]]) -> solara.Element:
    """The numbers under the plots: where the clinic stands after this session.

    ``now`` is :func:`clinic_now` of the clinic table. One piece of HTML, so that a
    step sends the browser one update for all of them (eight separate texts were
    eight messages per step, per student).
    """
    values = "".join(
        f'<span class="clinic-now-value">{escape(label)}: {escape(value)}</span>'
        for label, value in now
    )
    return solara.HTML(
        unsafe_innerHTML=(
            f'<div class="clinic-now-title">After session {session} (clinic means):</div>'
            f'<div class="clinic-now">{values}</div>'
        )
    )


def therapist_html(model: ClinicModel, patient_id: int) -> str:
    """The selected patient's therapist: one trait per line (our own numbers, escaped)."""
    patient = model.patients_in_order[patient_id]
    therapist = patient.therapist
    rows = [
        (trait.replace("_", " "), f"{getattr(therapist, trait):.2f}") for trait in THERAPIST_TRAITS
    ]
    rows += [
        ("style used with this patient", f"{patient.style:.2f}"),
        ("misfit with this patient", f"{patient.misfit:.2f}"),
    ]
    body = "".join(
        f"<tr><th scope='row'>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in rows
    )
    return f'<table class="therapist-traits">{body}</table>'


@solara.component
def LiveClinic(
    model: ClinicModel,
    lock: threading.Lock,
    title: str,
    before: Before | None,
    error: str | None,
    on_reset: Callable[[], None],
) -> solara.Element:
    """The clinic: the controls of time, the plots, the clinic view, the patients and one patient.

    Stepping changes only this component's state, so a step redraws the clinic
    and not the parameter controls beside it. ``title`` names the set-up (on the
    page, in the plot and its PNG); ``before`` is the run before the last change.
    """
    tick, set_tick = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    selected, set_selected = solara.use_state(cast(int | None, None))
    failure, set_failure = solara.use_state(cast(str | None, None))
    colour_by, set_colour_by = solara.use_state("alliance")
    # On a projector the picture fills the column (larger type), drawn sharper to match.
    dpi = PROJECTOR_DPI if projector.value else 72
    plot = shared_live_plot(_wrapped(f"Now: {title}"), model.n_sessions, _before_label(before), dpi)

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
        known = (
            isinstance(patient_id, int)
            and not isinstance(patient_id, bool)
            and 0 <= patient_id < len(model.patients_in_order)
        )
        set_selected(patient_id if known else None)

    def choose_patient(choice: Any) -> None:
        text = str(choice or "")
        number = text.split(" ")[1] if text.startswith("Patient ") else ""
        select(int(number) if number.isdigit() else None)

    def choose_colour(choice: Any) -> None:
        names = {label: name for name, (label, *_) in COLOUR_BY.items()}
        if choice in names:
            set_colour_by(names[choice])

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
    # Each is worked out once per session (or colouring), not again when a patient is
    # chosen; the dependencies are cheap to compare (the tables themselves are not).
    session = model.session
    clinic = solara.use_memo(lambda: clinic_table(model), [model, session])
    before_clinic = before.clinic if before is not None else None
    now = solara.use_memo(lambda: clinic_now(clinic), [model, session])
    png = solara.use_memo(lambda: plot.png(clinic, before_clinic), [model, session, plot, before])
    picture = solara.use_memo(lambda: clinic_picture(model, colour_by), [model, session, colour_by])
    states = solara.use_memo(lambda: patient_states(model), [model, session])
    # What changes only with the clinic, its title, its "before" or the colours is built once
    # and kept (the same element is not drawn again): a step redraws the controls of time,
    # the plot, the numbers, the clinic view and the table, and nothing else.
    setup_lines = solara.use_memo(lambda: _setup_lines(title, before), [title, before])
    plot_caption = solara.use_memo(
        lambda: solara.Text(clinic_caption(title), classes=["figure-caption"]), [title]
    )

    def plot_download() -> solara.Element:
        def draw() -> bytes:
            figure = clinic_figure(
                clinic_table(model),
                _wrapped(f"Now: {title}"),
                model.n_sessions,
                before=before_clinic,
                before_label=_before_label(before) or "before",
            )
            return png_bytes(figure, DOWNLOAD_DPI)

        return solara.Row(
            classes=["figure-downloads", "hide-in-projector"],
            children=[
                solara.FileDownload(
                    draw,
                    filename=file_name("clinic-means", f"seed-{model.seed}"),
                    label="Download PNG",
                    mime_type="image/png",
                )
            ],
        )

    plot_downloads = solara.use_memo(plot_download, [model, before, title])

    def view_controls() -> solara.Element:
        def draw() -> bytes:
            figure = clinic_view_figure(
                clinic_picture(model, colour_by),
                f"The clinic after session {model.session}: {title}",
            )
            return png_bytes(figure, DOWNLOAD_DPI)

        return solara.Column(
            gap="4px",
            children=[
                solara.HTML(unsafe_innerHTML=colour_scale_html(picture)),
                solara.Text(clinic_view_caption(picture.colour_label), classes=["figure-caption"]),
                solara.Row(
                    classes=["figure-downloads"],
                    style={"flex-wrap": "wrap"},
                    children=[
                        solara.Select(
                            "Colour the patients by",
                            values=[label for label, *_ in COLOUR_BY.values()],
                            value=COLOUR_BY[colour_by][0],
                            on_value=choose_colour,
                            classes=["colour-by"],
                        ),
                        solara.Row(
                            classes=["hide-in-projector"],
                            children=[
                                solara.FileDownload(
                                    draw,
                                    filename=file_name("clinic-view", f"seed-{model.seed}"),
                                    label="Download PNG",
                                    mime_type="image/png",
                                )
                            ],
                        ),
                    ],
                ),
            ],
        )

    view_below = solara.use_memo(view_controls, [model, colour_by, title])
    patient_chooser = solara.use_memo(
        lambda: solara.Select(
            "Patient",
            values=[NOBODY, *(f"Patient {i}" for i in range(len(model.patients_in_order)))],
            value=NOBODY if selected is None else f"Patient {selected}",
            on_value=choose_patient,
        ),
        [model, selected],
    )
    with solara.Column(gap="8px", classes=["live-clinic"]) as column:
        solara.Title("alliance-sim · Explore")
        with solara.Column(gap="0px"):  # messages, when there are any
            for problem in (error, failure):
                if problem:
                    solara.Error(problem)
        with solara.Row(classes=["time-controls"], style={"flex-wrap": "wrap"}):
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
        solara.Column(gap="0px", children=[setup_lines])
        with solara.Column(gap="0px"):  # the hint, before the first session only
            if clinic.empty:
                solara.Info("Press Step to run the first session, or Play to run the episode.")
        with rv.Sheet(elevation=0, class_="results-grid"):
            with solara.Column(gap="4px", classes=["live-plot"]):
                # Drawn from session 0 (empty axes), so a step only updates the picture.
                solara.Image(png)
                solara.Column(gap="0px", children=[plot_caption])
                # The numbers' row is there from session 0 too: a step changes text, adds nothing.
                ClinicNow(session, now)
                solara.Column(gap="0px", children=[plot_downloads])
            with solara.Column(gap="4px", classes=["clinic-view-panel"]):
                ClinicView(picture, selected, select)
                solara.Column(gap="0px", children=[view_below])
        with solara.Card(
            "Patients (click one, in the table or the clinic view, to see their trajectory)",
            classes=["patients-card", "hide-in-projector"],
        ):
            PatientTable(states, selected, select)
            solara.Column(gap="0px", children=[patient_chooser])
        if selected is not None and session > 0:
            therapist = model.patients_in_order[selected].therapist
            with rv.Sheet(elevation=0, class_="patient-detail"):
                shown_patient = selected
                FigurePanel(
                    lambda caption: patient_figure(
                        sessions_table(model), shown_patient, caption, model.n_sessions
                    ),
                    [model, tick, shown_patient],
                    file_name("patient", str(shown_patient), f"seed-{model.seed}"),
                    f"Trajectory of patient {shown_patient}: alliance, self-efficacy, "
                    "adherence, pain and disability after each session",
                    patient_caption(shown_patient),
                )
                with solara.Card(f"Therapist {therapist.therapist_id}"):
                    solara.HTML(unsafe_innerHTML=therapist_html(model, selected))
    return column


def _setup_lines(text: str, before: Before | None) -> solara.Element:
    """What the plot shows now, and what its faded line is (our own text, escaped)."""
    return solara.HTML(
        unsafe_innerHTML=(
            f'<div class="setup-now"><b>Now:</b> {escape(text)}</div>'
            + (
                f'<div class="setup-before"><b>Before</b> (the faded grey line): '
                f"{escape(before.title)}</div>"
                if before is not None
                else '<div class="setup-before">Change a parameter, the scenario or the '
                "seed: the run you had stays as a faded grey line to compare with.</div>"
            )
        ),
        classes=["setup-lines"],
    )


def _before_label(before: Before | None) -> str | None:
    if before is None:
        return None
    return textwrap.fill(
        f"before: {before.title}", 60, break_on_hyphens=False, max_lines=2, placeholder=" …"
    )


@solara.component
def Explore() -> solara.Element:
    """The Explore page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(ExplorePage, "the Explore page")


@dataclass(frozen=True, eq=False)
class _Start:
    scenario: Scenario
    params: Params
    seed: int
    error: str | None
    projector: bool


def _start(search: str | None, builtins: dict[str, Scenario]) -> _Start:
    """Where the page starts: the link's set-up, or the default one (with the link's mistake)."""
    default = builtins["default"]
    try:
        shared = parse_share_query(search, builtins)
    except AllianceSimError as problem:
        return _Start(default, default.params(), 0, str(problem), False)
    if shared is None:
        return _Start(default, default.params(), 0, None, False)
    return _Start(shared.scenario, shared.params, shared.seed, None, shared.projector)


@solara.component
def ExplorePage() -> solara.Element:
    """The Explore page's content."""
    builtins = solara.use_memo(builtin_scenarios, [])
    router = solara.use_router()
    start = solara.use_memo(lambda: _start(router.search, builtins), [])
    scenario, set_scenario = solara.use_state(start.scenario)
    uploaded, set_uploaded = solara.use_state(cast(Scenario | None, None))
    params, set_params = solara.use_state(start.params)
    seed, set_seed = solara.use_state(start.seed)
    error, set_error = solara.use_state(cast(str | None, start.error))
    first_model = solara.use_memo(lambda: ClinicModel(start.params, start.seed), [])
    model, set_model = solara.use_state(first_model)
    before, set_before = solara.use_state(cast(Before | None, None))
    lock = solara.use_memo(threading.Lock, [])
    baseline = solara.use_memo(scenario.params, [scenario])
    default_params = solara.use_memo(builtins["default"].params, [])

    def present() -> None:
        if start.projector:
            projector.set(True)

    solara.use_effect(present, [])

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

    def show(new_model: ClinicModel, new_params: Params, new_seed: int, change: bool) -> None:
        # Not under the lock: replacing the model runs close() above, which takes it.
        if change and model.session > 0:  # the run that was there becomes the "before"
            with lock:
                table = clinic_table(model)
            set_before(
                Before(
                    table,
                    setup_title(scenario.name, params, baseline, seed),
                )
            )
        set_model(new_model)
        set_params(new_params)
        set_seed(new_seed)

    def rebuild(new_params: Params, new_seed: int, change: bool = True) -> None:
        new_model = build(new_params, new_seed)
        if new_model is not None:
            show(new_model, new_params, new_seed, change)

    def reset() -> None:
        rebuild(params, seed, change=False)

    def restore() -> None:
        set_error(None)
        rebuild(baseline, seed)

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
            set_scenario(chosen)
            show(new_model, new_params, seed, True)

    def upload(file: Any) -> None:
        try:
            dropped = read_dropped(file, parse_scenario_upload, kind="a scenario file")
            new_params = dropped.params()
        except AllianceSimError as problem:
            set_error(str(problem))
            return
        set_error(None)
        new_model = build(new_params, seed)
        if new_model is not None:
            set_uploaded(dropped)
            set_scenario(dropped)
            show(new_model, new_params, seed, True)

    def change_seed(value: int) -> None:
        set_error(None)
        if value != seed:
            rebuild(params, value)

    def change_params(new_params: Params) -> None:
        if new_params != params:
            rebuild(new_params, seed)

    names = sorted(builtins)
    if scenario.name not in names:
        names.append(scenario.name)
    if builtins.get(scenario.name) is scenario:
        link = share_query(scenario.name, baseline, params, seed)
    else:  # a dropped scenario is not on the server: the link writes out its values
        link = share_query("default", default_params, params, seed)
    saved = setup_scenario(scenario, baseline, params, seed)
    with rv.Sheet(elevation=0, class_="page-grid") as page:
        with solara.Column(gap="12px", classes=["controls-column"]):
            with solara.Card("Clinic", classes=["clinic-card"]):
                solara.Select(
                    "Scenario",
                    values=names,
                    value=scenario.name,
                    on_value=guarded(choose_scenario, set_error, "choosing the scenario"),
                )
                if scenario.description:
                    solara.Text(scenario.description, classes=["scenario-description"])
                with solara.Row(classes=["hide-in-projector"], style={"align-items": "center"}):
                    SeedInput(
                        "Seed (same seed, same clinic)",
                        seed,
                        guarded(change_seed, set_error, "changing the seed"),
                        set_error,
                    )
                solara.Button(
                    "Restore defaults",
                    on_click=guarded(restore, set_error, "restoring the scenario's values"),
                    disabled=params == baseline,
                    outlined=True,
                    classes=["restore-defaults"],
                )
            with solara.Card("Key what-ifs", classes=["key-card"]):
                KeyWhatIfs(
                    params,
                    guarded(change_params, set_error, "changing a parameter"),
                    set_error,
                    baseline,
                )
            with solara.Card("All parameters", classes=["hide-in-projector"]):
                GroupControls(
                    params,
                    guarded(change_params, set_error, "changing a parameter"),
                    set_error,
                    baseline=baseline,
                    exclude=KEY_WHAT_IFS,
                )
            with solara.Card("Save and share", classes=["hide-in-projector", "share-card"]):
                solara.FileDownload(
                    scenario_toml(saved).encode("utf-8"),
                    filename=file_name(saved.name, suffix=".toml"),
                    label="Download this set-up (.toml)",
                    mime_type="application/toml",
                )
                DropZone(
                    "Drop a scenario file (.toml) here, or click to choose one",
                    guarded(upload, set_error, "reading the file"),
                )
                ShareLink(query=link)
        with solara.Column(gap="8px", classes=["results-column"]):
            LiveClinic(
                model=model,
                lock=lock,
                title=setup_title(scenario.name, params, baseline, seed),
                before=before,
                error=error,
                on_reset=guarded(reset, set_error, "starting the clinic again"),
            )
    return page


@solara.component_vue("share_link.vue")
def ShareLink(query: str) -> None:
    """A link to this set-up (the page's address with ``query``) and a button that copies it."""
