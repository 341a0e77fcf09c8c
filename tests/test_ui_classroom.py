"""The web app in the classroom, rendered without a browser (solara.render).

See the effect of a change (a "before" line, the change named, "modified" markers,
restore defaults), see the agents (the clinic view), share and present (a scenario
file that loads back, a link read against the schema, PNG downloads, projector
mode), the class poll and its teacher's view, and user text shown safely. The
browser tests (tests/test_browser.py) drive the same on a real server.
"""

from __future__ import annotations

import io
import itertools
import json
import threading

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from solara.components.file_download import FileDownloadWidget
from solara.widgets import HTML as SolaraHTML  # noqa: N811 (Solara's widget of raw HTML)
from ui_helpers import drop_file, error_texts, figures, markdown_text, session_label, wait_for

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA, Params
from alliance_sim.scenarios import builtin_scenarios, parse_scenario
from alliance_sim.ui.controls import KEY_WHAT_IFS, control_label
from alliance_sim.ui.explore_page import Explore
from alliance_sim.ui.poll import POLLS, PollStore

BUILTINS = builtin_scenarios()
EMPATHY = control_label(SCHEMA["empathy_mean"])


@pytest.fixture(autouse=True)
def fresh_poll():
    POLLS.clear()
    yield
    POLLS.clear()


def html_texts(rc, css_class: str) -> str:
    return " ".join(
        w.unsafe_innerHTML or ""
        for w in rc.find(SolaraHTML).widgets
        if css_class in str(w.attributes.get("class", ""))
    )


def setup_lines(rc) -> str:
    return html_texts(rc, "setup-lines")


def step(rc) -> None:
    rc.find(v.Btn, children=["Step"]).widget.click()


def slider(rc, label: str):
    return rc.find(v.Slider, label=label).widget


def clinic_view(rc):
    (view,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "patients_json")]
    return view


def marks(rc) -> list[list]:
    """The clinic view's patients as the browser receives them: [id, x, y, colour, state]."""
    return json.loads(clinic_view(rc).patients_json)


def download(rc, suffix: str) -> bytes:
    """The bytes of the page's download whose file name ends with ``suffix``."""
    (widget,) = [w for w in rc.find(FileDownloadWidget).widgets if w.filename.endswith(suffix)]
    widget.request_download = True
    assert wait_for(lambda: widget.bytes is not None, 60), f"no {suffix} download"
    return bytes(widget.bytes)


# --- the effect of a change ---------------------------------------------------------------


def test_the_key_what_ifs_are_named_from_the_schema():
    assert KEY_WHAT_IFS == (
        "power_sharing_mean",
        "empathy_mean",
        "self_efficacy_mean",
        "p_prefers_active",
        "caseload",
    )
    assert all(name in SCHEMA for name in KEY_WHAT_IFS)


def test_a_changed_slider_keeps_the_run_before_it_and_the_title_names_the_change():
    _, rc = solara.render(Explore(), handle_error=False)
    step(rc)
    step(rc)
    assert "Before</b>" not in setup_lines(rc)
    plot_before_change = rc.find(ipywidgets.Image).widget.value
    slider(rc, EMPATHY).v_model = 0.3
    assert session_label(rc) == "Session 0 of 10"
    lines = setup_lines(rc)
    assert "<b>Now:</b> default + Therapist empathy (mean) = 0.3 · seed 0" in lines
    assert "<b>Before</b> (the faded grey line): default · seed 0" in lines
    # the picture at session 0 now carries the faded line of the two sessions before
    fresh = solara.render(Explore(), handle_error=False)[1]
    assert rc.find(ipywidgets.Image).widget.value != plot_before_change
    assert rc.find(ipywidgets.Image).widget.value != fresh.find(ipywidgets.Image).widget.value


def test_a_change_before_the_first_step_keeps_the_older_before_line():
    _, rc = solara.render(Explore(), handle_error=False)
    step(rc)
    slider(rc, EMPATHY).v_model = 0.3  # the default run becomes "before"
    slider(rc, EMPATHY).v_model = 0.2  # nothing was run with 0.3: "before" stays
    assert "(the faded grey line): default · seed 0" in setup_lines(rc)
    step(rc)
    slider(rc, EMPATHY).v_model = 0.4
    assert "(the faded grey line): default + Therapist empathy (mean) = 0.2 · seed 0" in (
        setup_lines(rc)
    )


def test_a_changed_slider_carries_a_modified_marker_naming_the_scenarios_value():
    _, rc = solara.render(Explore(), handle_error=False)
    assert not [w for w in rc.find(v.Html).widgets if w.class_ and "modified-marker" in w.class_]
    slider(rc, EMPATHY).v_model = 0.3
    markers = [
        w.children[0] for w in rc.find(v.Html).widgets if w.class_ and "modified-marker" in w.class_
    ]
    assert markers == ["modified — the scenario has 0.7"]


def test_restore_defaults_returns_to_the_scenarios_values_and_keeps_the_seed():
    _, rc = solara.render(Explore(), handle_error=False)
    restore = rc.find(v.Btn, children=["Restore defaults"]).widget
    assert restore.disabled  # nothing to restore
    scenario = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    scenario.v_model = "paternalistic"
    slider(rc, EMPATHY).v_model = 0.2
    slider(rc, control_label(SCHEMA["caseload"])).v_model = 50
    assert not rc.find(v.Btn, children=["Restore defaults"]).widget.disabled
    rc.find(v.Btn, children=["Restore defaults"]).widget.click()
    paternalistic = BUILTINS["paternalistic"].params()
    assert slider(rc, EMPATHY).v_model == paternalistic.empathy_mean
    assert slider(rc, control_label(SCHEMA["caseload"])).v_model == paternalistic.caseload
    power = slider(rc, control_label(SCHEMA["power_sharing_mean"])).v_model
    assert power == paternalistic.power_sharing_mean  # the scenario's, not the schema's 0.5
    assert "<b>Now:</b> paternalistic · seed 0" in setup_lines(rc)
    assert rc.find(v.Btn, children=["Restore defaults"]).widget.disabled


def test_picking_a_scenario_shows_its_description():
    _, rc = solara.render(Explore(), handle_error=False)
    described = [
        w.children[0]
        for w in rc.find(v.Html).widgets
        if w.class_ and "scenario-description" in w.class_
    ]
    assert described == [BUILTINS["default"].description]
    scenario = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    scenario.v_model = "low-empathy"
    described = [
        w.children[0]
        for w in rc.find(v.Html).widgets
        if w.class_ and "scenario-description" in w.class_
    ]
    assert described == [BUILTINS["low-empathy"].description]


# --- the clinic view ------------------------------------------------------------------


def test_the_clinic_view_draws_every_patient_around_their_therapist_and_says_so():
    _, rc = solara.render(Explore(), handle_error=False)
    view = clinic_view(rc)
    n_patients = int(SCHEMA["n_patients"].default)
    assert len(marks(rc)) == n_patients
    assert sorted(p[0] for p in marks(rc)) == list(range(n_patients))
    assert len(view.therapists) == int(SCHEMA["n_therapists"].default)
    assert view.description.startswith(
        f"Clinic view: {SCHEMA['n_therapists'].default} physiotherapists, {n_patients} patients, "
        "0 dropped out"
    )


def test_the_clinic_view_updates_on_step():
    _, rc = solara.render(Explore(), handle_error=False)
    before = marks(rc)
    step(rc)
    step(rc)
    after = marks(rc)
    assert after != before  # places and colours follow the alliance
    assert "after 2 of 10 sessions" in clinic_view(rc).description
    states = {p[4] for p in after}
    assert states <= {"attended", "missed", "out"} and "attended" in states


def test_the_clinic_view_marks_dropped_out_patients_at_the_rim_and_missed_sessions_hollow():
    from alliance_sim.engines.agent.model import ClinicModel
    from alliance_sim.ui.clinic_view import FADED, RIM, clinic_picture

    model = ClinicModel(Params(n_patients=300, p_dropout_typical=0.3), 1)
    for _ in range(3):
        model.step()
    picture = clinic_picture(model)
    out = [p for p in picture.patients if p[4] == "out"]
    missed = [p for p in picture.patients if p[4] == "missed"]
    assert out and missed
    assert {p[3] for p in out} == {FADED}
    therapist = {t["id"]: (t["x"], t["y"]) for t in picture.therapists}
    for patient_id, x, y, _, _ in out:
        cx, cy = therapist[model.patients_in_order[patient_id].therapist_id]
        assert abs(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 - RIM) < 0.2
    assert f"{len(out)} dropped out, {len(missed)} missed session 3" in picture.description


def test_patients_with_a_stronger_alliance_sit_closer_to_their_therapist():
    from alliance_sim.engines.agent.model import ClinicModel
    from alliance_sim.ui.clinic_view import clinic_picture

    model = ClinicModel(Params(n_patients=200), 2)
    model.step()
    picture = clinic_picture(model)
    centres = {t["id"]: (t["x"], t["y"]) for t in picture.therapists}
    pairs = []
    for patient_id, x, y, _, state in picture.patients:
        if state != "out":
            patient = model.patients_in_order[patient_id]
            cx, cy = centres[patient.therapist_id]
            pairs.append((patient.alliance, ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5))
    pairs.sort()
    assert all(d1 >= d2 - 0.15 for (_, d1), (_, d2) in itertools.pairwise(pairs))


def test_clicking_a_patient_in_the_clinic_view_opens_their_trajectory():
    _, rc = solara.render(Explore(), handle_error=False)
    step(rc)
    view = clinic_view(rc)
    view.vue_select(7)
    assert clinic_view(rc).selected == 7
    assert figures(rc)[0]["alt"].startswith("Trajectory of patient 7")
    clinic_view(rc).vue_select("7; drop table")  # what the browser sends is checked
    assert clinic_view(rc).selected == 7


def test_the_clinic_view_can_be_coloured_by_another_variable():
    _, rc = solara.render(Explore(), handle_error=False)
    step(rc)
    by_alliance = [p[3] for p in marks(rc)]
    chooser = next(w for w in rc.find(v.Select).widgets if w.label == "Colour the patients by")
    chooser.v_model = "Pain (mm, 0–100)"
    assert [p[3] for p in marks(rc)] != by_alliance
    assert "colour: pain" in clinic_view(rc).description


# --- share and present ------------------------------------------------------------------


def test_a_downloaded_set_up_loads_back_into_the_same_set_up():
    _, rc = solara.render(Explore(), handle_error=False)
    scenario = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    scenario.v_model = "shared-power"
    slider(rc, EMPATHY).v_model = 0.35
    slider(rc, control_label(SCHEMA["caseload"])).v_model = 40
    data = download(rc, ".toml")
    saved = parse_scenario(data.decode("utf-8"), "saved.toml")
    expected = BUILTINS["shared-power"].params({"empathy_mean": 0.35, "caseload": 40})
    assert saved.params() == expected
    _, other = solara.render(Explore(), handle_error=False)
    drop_file(other, "shared-power-modified.toml", data)
    assert wait_for(lambda: slider(other, EMPATHY).v_model == 0.35)
    assert slider(other, control_label(SCHEMA["caseload"])).v_model == 40
    assert not error_texts(other)


def test_every_figure_on_explore_downloads_as_a_png():
    _, rc = solara.render(Explore(), handle_error=False)
    step(rc)
    clinic_view(rc).vue_select(2)
    names = [w.filename for w in rc.find(FileDownloadWidget).widgets if w.filename.endswith(".png")]
    assert len(names) == 3  # the clinic means, the clinic view, the patient's trajectory
    for name in names:
        assert download(rc, name).startswith(b"\x89PNG")


def test_a_link_is_written_and_read_back_against_the_schema():
    from alliance_sim.ui.share import parse_share_query, share_query

    base = BUILTINS["shared-power"]
    params = base.params({"empathy_mean": 0.3, "n_sessions": 8, "device": "sham"})
    query = share_query("shared-power", base.params(), params, 42)
    assert query == "scenario=shared-power&seed=42&empathy_mean=0.3&device=sham&n_sessions=8"
    shared = parse_share_query(query, BUILTINS)
    assert shared is not None
    assert (shared.scenario.name, shared.params, shared.seed) == ("shared-power", params, 42)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("empathy_mean=3", "empathy_mean = 3.0 is out of range"),
        ("empathy_mean=__import__('os')", "is not a number"),
        ("empathy_meen=0.3", "unknown parameter 'empathy_meen' (did you mean 'empathy_mean'"),
        ("scenario=/etc/passwd", "scenario = '/etc/passwd' is not allowed: a built-in scenario"),
        ("seed=-1", "seed = '-1' is not allowed"),
        ("seed=1&seed=2", "'seed' is given twice"),
        ("n_sessions=1&measurement_sessions=5", "measurement_sessions"),
        ("x=" + "9" * 5000, "the link is too long"),
    ],
)
def test_a_link_with_a_value_the_schema_does_not_allow_is_refused_in_one_line(query, says):
    from alliance_sim.ui.share import parse_share_query

    with pytest.raises(AllianceSimError) as refused:
        parse_share_query(query, BUILTINS)
    message = str(refused.value)
    assert message.startswith("This link was not applied: ") and "\n" not in message
    assert says in message


def test_a_page_opened_with_a_bad_link_says_why_and_shows_the_default_clinic():
    from alliance_sim.ui.explore_page import _start

    start = _start("empathy_mean=7", BUILTINS)
    assert start.error is not None and "empathy_mean" in start.error
    assert start.params == BUILTINS["default"].params() and start.seed == 0
    good = _start("scenario=low-empathy&seed=5&caseload=40&projector=1", BUILTINS)
    assert (good.scenario.name, good.seed, good.params.caseload, good.projector) == (
        "low-empathy",
        5,
        40,
        True,
    )


def test_the_share_link_of_a_dropped_scenario_writes_out_its_values():
    _, rc = solara.render(Explore(), handle_error=False)
    drop_file(rc, "mine.toml", b'name = "mine"\n[parameters]\nempathy_mean = 0.25\n')
    (link,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "query")]
    assert wait_for(lambda: link.query == "scenario=default&seed=0&empathy_mean=0.25")


def test_projector_mode_adds_its_style_and_the_layout_hides_the_teachers_view_tab():
    from alliance_sim.ui.app import Layout, routes, student_routes
    from alliance_sim.ui.present import projector
    from alliance_sim.ui.style import PROJECTOR_CSS

    assert [route.path for route in student_routes(routes)] == [
        "/",
        "learn",
        "compare",
        "sweep",
        "trials",
        "about",
    ]
    projector.set(True)
    try:
        _, rc = solara.render(Layout(children=[]), handle_error=False)
        styles = [
            w
            for w in rc.find(v.VuetifyTemplate).widgets
            if PROJECTOR_CSS.strip()[:20] in str(getattr(w, "template", ""))
        ]
        assert styles
    finally:
        projector.set(False)


def test_switching_projector_mode_keeps_the_clinic_and_enlarges_its_plot():
    from PIL import Image

    from alliance_sim.ui.app import Layout
    from alliance_sim.ui.explore_page import PROJECTOR_DPI
    from alliance_sim.ui.present import projector

    def plot_width(rc) -> int:
        (image,) = rc.find(ipywidgets.Image).widgets
        return Image.open(io.BytesIO(image.value)).size[0]

    def after_session(rc, n: int) -> bool:  # the numbers under the plots
        return any(
            f"After session {n} (clinic means)" in w.unsafe_innerHTML
            for w in rc.find(SolaraHTML).widgets
        )

    _, rc = solara.render(Layout(children=[Explore()]), handle_error=False)
    step(rc)
    assert after_session(rc, 1)
    ordinary = plot_width(rc)
    try:
        projector.set(True)
        assert after_session(rc, 1)  # the same clinic, not a new one
        assert plot_width(rc) == ordinary * PROJECTOR_DPI // 72
        projector.set(False)
        assert after_session(rc, 1)
        assert plot_width(rc) == ordinary
    finally:
        projector.set(False)


# --- the class poll -----------------------------------------------------------------------


def test_the_poll_counts_predictions_per_lesson_and_moves_a_sessions_own_vote():
    store = PollStore()
    choices = ("up", "same", "down")
    first = store.vote("k", "L", "Q?", choices, "down", "up")
    store.vote("k", "L", "Q?", choices, "down", "down")
    assert store.poll("k").counts == (1, 0, 1)
    store.vote("k", "L", "Q?", choices, "down", "same", previous=first)  # "Try again"
    assert store.poll("k").counts == (0, 1, 1)
    assert store.vote("k", "L", "Q?", choices, "down", "sideways") is None
    assert store.poll("k").total == 2


def test_a_reset_poll_starts_from_zero_and_older_votes_do_not_move():
    store = PollStore()
    choices = ("a", "b")
    ticket = store.vote("k", "L", "Q?", choices, "a", "a")
    store.reset("k")
    store.vote("k", "L", "Q?", choices, "a", "b", previous=ticket)
    assert store.poll("k").counts == (0, 1)  # not -1 for "a"


def test_the_poll_counts_every_vote_from_many_threads_at_once():
    store = PollStore()
    choices = ("a", "b")

    def vote_many(choice: str) -> None:
        for _ in range(500):
            store.vote("k", "L", "Q?", choices, "a", choice)

    threads = [threading.Thread(target=vote_many, args=(c,)) for c in "abab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.poll("k").counts == (1000, 1000)


def test_a_prediction_on_the_learn_page_is_counted_once_and_moved_on_try_again():
    from alliance_sim.lessons import builtin_lessons
    from alliance_sim.ui.learn_page import Learn, lesson_poll_key

    lesson = next(iter(builtin_lessons().values()))
    wrong = next(c for c in lesson.question.choices if c != lesson.question.answer)
    _, rc = solara.render(Learn(), handle_error=False)
    rc.find(v.RadioGroup).widget.v_model = wrong
    rc.find(v.Btn, children=["Run the clinics"]).widget.click()
    poll = POLLS.poll(lesson_poll_key(lesson))
    assert poll is not None and poll.total == 1
    assert poll.counts[lesson.question.choices.index(wrong)] == 1
    assert wait_for(lambda: rc.find(v.Btn, children=["Try again"]).widgets, 120)
    rc.find(v.Btn, children=["Try again"]).widget.click()
    assert wait_for(lambda: rc.find(v.RadioGroup).widget.v_model is None)
    rc.find(v.RadioGroup).widget.v_model = lesson.question.answer
    run = rc.find(v.Btn, children=["Run the clinics"])
    assert wait_for(lambda: not run.widget.disabled)  # the run of "Try again" has settled
    run.widget.click()
    poll = POLLS.poll(lesson_poll_key(lesson))
    assert poll.total == 1  # moved, not added
    assert poll.counts[lesson.question.choices.index(lesson.question.answer)] == 1


def test_the_teachers_view_shows_the_tally_beside_the_answer_and_resets_it():
    from alliance_sim.lessons import builtin_lessons
    from alliance_sim.ui.learn_page import vote
    from alliance_sim.ui.teacher_page import Teacher

    lesson = next(iter(builtin_lessons().values()))
    for choice in (lesson.question.answer, lesson.question.answer, lesson.question.choices[0]):
        vote(lesson, choice, None)
    _, rc = solara.render(Teacher(), handle_error=False)
    (chart,) = figures(rc)
    counts = {c: 0 for c in lesson.question.choices}
    counts[lesson.question.answer] += 2
    counts[lesson.question.choices[0]] += 1
    for choice, count in counts.items():
        assert f"{choice}: {count}" in chart["alt"]
    assert f"<b>{lesson.question.answer}</b>" in html_texts(rc, "safe-markdown") or (
        f"<strong>{lesson.question.answer}</strong>" in html_texts(rc, "safe-markdown")
    )
    rc.find(v.Btn, children=["Reset this lesson's counts"]).widget.click()
    assert wait_for(lambda: ": 2" not in figures(rc)[0]["alt"])
    assert all(f"{choice}: 0" in figures(rc)[0]["alt"] for choice in lesson.question.choices)


# --- user text, shown safely ----------------------------------------------------------


HOSTILE = {
    "<img src=x onerror=alert(1)>": "&lt;img src=x onerror=alert(1)&gt;",
    "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "[click](javascript:alert(1))": "<span>click</span>",
}


@pytest.mark.parametrize(("text", "shown"), list(HOSTILE.items()))
def test_markdown_from_a_user_shows_html_as_text_and_drops_unsafe_links(text, shown):
    from alliance_sim.ui.safe_text import markdown_html

    html = markdown_html(text)
    assert shown in html
    assert "<img" not in html and "<script" not in html and "javascript:" not in html


def test_a_dropped_lesson_with_html_and_mustaches_is_shown_as_text_never_as_a_template():
    from importlib import resources

    from alliance_sim.ui.learn_page import Learn

    text = (
        resources.files("alliance_sim.lessons")
        .joinpath("library", "01-paternalistic-vs-shared-power.toml")
        .read_text(encoding="utf-8")
    )
    hostile = text.replace(
        'title = "Paternalistic vs shared power"',
        'title = "Evil <img src=x onerror=alert(1)> {{ constructor.constructor(1) }}"',
    )
    _, rc = solara.render(Learn(), handle_error=False)
    drop_file(rc, "evil.toml", hostile.encode("utf-8"))
    assert wait_for(lambda: "Evil" in markdown_text(rc))
    shown = markdown_text(rc)
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown and "<img" not in shown
    templates = [str(getattr(w, "template", "")) for w in rc.find(v.VuetifyTemplate).widgets]
    assert not any("constructor.constructor" in t for t in templates)  # never a Vue template


def test_students_do_not_see_the_lesson_authors_thresholds():
    from alliance_sim.lessons import builtin_lessons
    from alliance_sim.ui.learn_page import Learn

    lesson = next(iter(builtin_lessons().values()))
    _, rc = solara.render(Learn(), handle_error=False)
    rc.find(v.RadioGroup).widget.v_model = lesson.question.answer
    rc.find(v.Btn, children=["Run the clinics"]).widget.click()
    assert wait_for(lambda: "What the run shows" in markdown_text(rc), 120)
    assert "expected at least" not in markdown_text(rc)
    assert "difference" in markdown_text(rc)


# --- compare ----------------------------------------------------------------------------


def test_compare_offers_every_parameter_group_and_names_changes_in_its_legend():
    from alliance_sim.core.params import GROUPS
    from alliance_sim.ui.compare_page import Compare, side_label

    _, rc = solara.render(Compare(), handle_error=False)
    headers = [
        str(w.children[0].children[0].children[0]) for w in rc.find(v.ExpansionPanels).widgets
    ]
    assert headers == list(GROUPS.values()) * 2  # n_sessions included, for both clinics
    base = BUILTINS["paternalistic"].params()
    assert side_label("A", "paternalistic", base, base) == "A: paternalistic"
    assert (
        side_label("A", "paternalistic", base.replace(empathy_mean=0.3), base)
        == "A: paternalistic + empathy_mean = 0.3"
    )
