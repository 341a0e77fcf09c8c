"""The web app's pages, rendered without a browser (solara.render)."""

from __future__ import annotations

import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from ui_helpers import (
    alert_texts,
    drop_file,
    error_texts,
    figures,
    markdown_text,
    session_label,
    shown_text,
    wait_for,
)

from alliance_sim.core.params import MAX_SEED, SCHEMA, Kind, Params
from alliance_sim.ui.about import ABOUT_SECTIONS, About, readme_section
from alliance_sim.ui.compare_page import Compare
from alliance_sim.ui.controls import control_label
from alliance_sim.ui.explore_page import Explore, patient_states
from alliance_sim.ui.learn_page import Learn
from alliance_sim.ui.patient_table import PER_PAGE, TABLE_COLUMNS, table_page
from alliance_sim.ui.sweep_page import MAX_RUNS, Sweep, parameter_choice
from alliance_sim.ui.trials_page import Trials, comparison_rows, filled_columns

SCHEMA_PARAMS = Params()


def open_every_group(rc) -> None:
    for panels in rc.find(v.ExpansionPanels).widgets:
        panels.v_model = 0


def test_explore_has_one_control_per_parameter_labelled_as_in_the_schema():
    _, rc = solara.render(Explore(), handle_error=False)
    open_every_group(rc)
    sliders = {w.label for w in rc.find(v.Slider).widgets}
    selects = {w.label for w in rc.find(v.Select).widgets}
    fields = {w.label for w in rc.find(v.TextField).widgets}
    numeric = {control_label(p) for p in SCHEMA.values() if p.kind in (Kind.FLOAT, Kind.INT)}
    choices = {control_label(p) for p in SCHEMA.values() if p.kind is Kind.CHOICE}
    sessions = {control_label(p) for p in SCHEMA.values() if p.kind is Kind.SESSIONS}
    assert sliders == numeric
    assert choices <= selects
    assert sessions <= fields


def test_step_runs_a_session_and_reset_starts_the_clinic_again():
    _, rc = solara.render(Explore(), handle_error=False)
    assert session_label(rc) == "Session 0 of 10"
    empty_axes = rc.find(ipywidgets.Image).widget.value  # drawn before the first session
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 1 of 10"
    assert len(rc.find(ipywidgets.Image).widgets) == 1  # the clinic's plots
    assert rc.find(ipywidgets.Image).widget.value != empty_axes
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 2 of 10"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert session_label(rc) == "Session 0 of 10"


def test_moving_a_slider_rebuilds_the_clinic_with_that_value():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    open_every_group(rc)
    label = control_label(SCHEMA["n_sessions"])
    rc.find(v.Slider, label=label).widget.v_model = 4
    assert session_label(rc) == "Session 0 of 4"


def test_a_slider_snapping_a_value_to_its_steps_changes_nothing():
    # A browser slider shows 0.1439 as 0.14 and reports 0.14 back as soon as it appears.
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    open_every_group(rc)
    off_grid = [
        spec
        for spec in SCHEMA.values()
        if spec.kind is Kind.FLOAT
        and round(SCHEMA_PARAMS[spec.name], 2) != SCHEMA_PARAMS[spec.name]
    ]
    assert len(off_grid) >= 5  # calibrated defaults
    for spec in off_grid:
        slider = rc.find(v.Slider, label=control_label(spec)).widget
        slider.v_model = round(SCHEMA_PARAMS[spec.name], 2)
    assert session_label(rc) == "Session 1 of 10"  # the clinic was not rebuilt
    # One step of the slider away from the shown value is a change.
    spec = off_grid[0]
    moved = round(SCHEMA_PARAMS[spec.name], 2) + 0.01
    rc.find(v.Slider, label=control_label(spec)).widget.v_model = moved
    assert session_label(rc) == "Session 0 of 10"


def test_sessions_showing_the_same_clinic_share_its_picture_and_each_sees_its_own_lines():
    from alliance_sim.ui.explore_page import shared_live_plot

    assert shared_live_plot("default, seed 0", 10) is shared_live_plot("default, seed 0", 10)
    assert shared_live_plot("default, seed 0", 10) is not shared_live_plot("default, seed 1", 10)
    sessions = [solara.render(Explore(), handle_error=False)[1] for _ in range(3)]
    ahead, behind, fresh = sessions
    for rc, steps in ((ahead, 2), (behind, 1), (fresh, 1)):
        for _ in range(steps):
            rc.find(v.Btn, children=["Step"]).widget.click()
    picture = {id(rc): rc.find(ipywidgets.Image).widget.value for rc in sessions}
    assert picture[id(behind)] == picture[id(fresh)]  # same clinic, same session
    assert picture[id(ahead)] != picture[id(behind)]
    ahead.find(v.Btn, children=["Reset"]).widget.click()
    ahead.find(v.Btn, children=["Step"]).widget.click()
    assert ahead.find(ipywidgets.Image).widget.value == picture[id(fresh)]


def patient_table(rc):
    (table,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "rows")]
    return table


def test_the_patient_table_shows_a_page_of_patients_and_turns_pages():
    _, rc = solara.render(Explore(), handle_error=False)
    table = patient_table(rc)
    n_patients = int(SCHEMA["n_patients"].default)
    assert table.n_patients == n_patients
    assert [row["patient_id"] for row in table.rows] == list(range(PER_PAGE))
    assert set(table.rows[0]) == set(TABLE_COLUMNS)
    table.vue_turn(1)
    assert [row["patient_id"] for row in table.rows] == list(range(PER_PAGE, 2 * PER_PAGE))
    assert (table.first, table.last) == (PER_PAGE + 1, 2 * PER_PAGE)


def test_a_step_updates_the_patient_table():
    _, rc = solara.render(Explore(), handle_error=False)
    before = patient_table(rc).rows
    rc.find(v.Btn, children=["Step"]).widget.click()
    after = patient_table(rc).rows
    assert [row["patient_id"] for row in after] == [row["patient_id"] for row in before]
    assert [row["bond"] for row in after] != [row["bond"] for row in before]


def test_clicking_a_heading_sorts_the_patients_and_clicking_again_reverses_them():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    table = patient_table(rc)
    table.vue_sort("bond")
    ascending = [float(row["bond"]) for row in table.rows]
    table.vue_sort("bond")
    descending = [float(row["bond"]) for row in table.rows]
    assert ascending == sorted(ascending)
    assert descending == sorted(descending, reverse=True)
    assert max(ascending) < min(descending)  # the lowest and the highest bonds


def test_clicking_a_patient_shows_their_trajectory_beside_their_therapist():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    table = patient_table(rc)
    assert not figures(rc)  # the clinic's live plots only
    therapist = table.rows[3]["therapist_id"]
    table.vue_select(3)
    assert table.selected == 3
    assert figures(rc)[0]["alt"].startswith("Trajectory of patient 3")
    titles = [w.children[0] for w in rc.find(v.CardTitle).widgets if w.children]
    assert f"Therapist {therapist}" in titles


def test_a_table_page_sorts_with_ties_broken_by_patient_and_clamps_the_page():
    from alliance_sim.engines.agent.model import ClinicModel

    states = patient_states(ClinicModel(SCHEMA_PARAMS.replace(n_patients=23), 1))
    last = table_page(states, "therapist_id", page=99)
    assert (last.page, last.n_pages, last.first, last.last) == (2, 3, 21, 23)
    everyone = [
        row for page in range(3) for row in table_page(states, "therapist_id", page=page).rows
    ]
    keys = [(int(row["therapist_id"]), row["patient_id"]) for row in everyone]
    assert keys == sorted(keys)
    assert {row["attended"] for row in everyone} <= {"yes", "no"}


def test_the_groups_start_closed_under_the_key_what_ifs_and_only_open_ones_are_built():
    from alliance_sim.ui.controls import KEY_WHAT_IFS

    _, rc = solara.render(Explore(), handle_error=False)
    key = {control_label(SCHEMA[name]) for name in KEY_WHAT_IFS}
    patients = {
        control_label(p)
        for p in SCHEMA.values()
        if p.group == "patients" and p.name not in KEY_WHAT_IFS
    }
    shown = {w.label for w in rc.find(v.Slider).widgets}
    assert shown == key  # power sharing, empathy, self-efficacy, preferred involvement, caseload
    (section,) = [
        w
        for w in rc.find(v.ExpansionPanels).widgets
        if "Patient population" in str(w.children[0].children[0].children)
    ]
    section.v_model = 0
    shown = {w.label for w in rc.find(v.Slider).widgets}
    assert patients & shown


def test_an_uploaded_scenario_with_an_unknown_key_shows_the_error_and_keeps_the_clinic():
    _, rc = solara.render(Explore(), handle_error=False)
    open_every_group(rc)
    rc.find(v.Slider, label=control_label(SCHEMA["n_sessions"])).widget.v_model = 6
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 1 of 6"
    drop_file(rc, "typo.toml", b'name = "typo"\n[parameters]\nempathy_meen = 0.3\n')
    assert wait_for(lambda: any("empathy_meen" in text for text in error_texts(rc)))
    message = next(text for text in error_texts(rc) if "empathy_meen" in text)
    assert "typo.toml" in message
    assert session_label(rc) == "Session 1 of 6"  # the same clinic, not rebuilt
    scenario = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    assert scenario.v_model == "default"


def enter_seed(rc, label: str, text: str) -> None:
    field = next(w for w in rc.find(v.TextField).widgets if w.label.startswith(label))
    field.v_model = text
    field.fire_event("focusout", None)  # a seed is taken when the field loses focus


@pytest.mark.parametrize(
    ("page", "label"),
    [
        (Explore, "Seed (same seed, same clinic)"),
        (Sweep, "Seed (same seed, same sweep)"),
        (Trials, "Seed (same seed, same trial)"),
    ],
)
@pytest.mark.parametrize("bad", ["-1", str(MAX_SEED + 1), ""])
def test_a_seed_that_is_not_allowed_shows_why_and_keeps_the_seed(page, label, bad):
    _, rc = solara.render(page(), handle_error=False)
    enter_seed(rc, label, "7")
    assert not any("seed =" in text for text in error_texts(rc))
    enter_seed(rc, label, bad)
    messages = [text for text in error_texts(rc) if "seed =" in text]
    assert len(messages) == 1 and "a whole number from 0 to" in messages[0]
    enter_seed(rc, label, "8")  # a good seed clears the message
    assert not any("seed =" in text for text in error_texts(rc))


def test_a_new_seed_gives_a_new_clinic_and_the_same_seed_the_same_one():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    first = patient_table(rc).rows
    enter_seed(rc, "Seed (same seed, same clinic)", "5")
    assert session_label(rc) == "Session 0 of 10"
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert patient_table(rc).rows != first
    enter_seed(rc, "Seed (same seed, same clinic)", "0")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert patient_table(rc).rows == first


def test_an_uploaded_scenario_file_becomes_the_clinic():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    drop_file(rc, "short.toml", b'name = "short"\n[parameters]\nn_sessions = 3\n')
    assert wait_for(lambda: session_label(rc) == "Session 0 of 3")
    scenario = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    assert scenario.v_model == "short"
    assert not error_texts(rc)


def shown_html(rc) -> str:
    """The HTML of every rendered Markdown block."""
    return markdown_text(rc)


def test_the_about_page_shows_the_readme_sections_and_every_parameter():
    _, rc = solara.render(About(), handle_error=False)
    html = shown_html(rc)
    for title in ABOUT_SECTIONS:
        assert readme_section(title), title
        assert f">{title.capitalize()}</h2>" in html, title
    assert "Bordin" in html  # the references
    for name in SCHEMA:
        assert f"<code>{name}</code>" in html, name


def test_the_compare_page_shows_both_clinics_and_the_difference_table():
    _, rc = solara.render(Compare(), handle_error=False)
    assert wait_for(lambda: figures(rc), 60), "the comparison figure did not appear"
    selects = [w for w in rc.find(v.Select).widgets if w.label == "Scenario"]
    assert [w.v_model for w in selects] == ["paternalistic", "shared-power"]
    assert "Differences B − A" in shown_html(rc)


def test_the_library_never_imports_the_web_app():
    import subprocess
    import sys

    code = (
        "import sys, alliance_sim, alliance_sim.engines.cohort, alliance_sim.comparison, alliance_sim.batch,"
        " alliance_sim.trials, alliance_sim.validation.patterns;"
        "bad = [m for m in sys.modules if m.startswith(('alliance_sim.ui', 'alliance_sim.cli',"
        " 'solara'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_command_line_loads_solara_only_when_the_app_starts():
    import subprocess
    import sys

    code = (
        "import sys, alliance_sim.cli; alliance_sim.cli.build_parser();"
        "bad = [m for m in sys.modules if m.startswith('solara')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_small_sweep_runs_in_the_background_and_shows_its_plot_and_numbers():
    _, rc = solara.render(Sweep(), handle_error=False)
    rc.find(v.Slider, label="Number of values").widgets[0].v_model = 3
    rc.find(v.Slider, label="Replicates per value").widget.v_model = 2
    assert "3 values × 2 replicates = 6 runs" in shown_text(rc)
    rc.find(v.Btn, children=["Run sweep"]).widget.click()
    assert wait_for(lambda: "finished: 6 runs" in shown_text(rc), 120)
    assert wait_for(lambda: figures(rc)), "the sweep's figure did not appear"
    labels = {c for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)}
    assert {"Download runs (CSV)", "Download runs (Parquet)"} <= labels


def test_a_sweep_too_big_for_the_app_is_refused_with_the_limit_and_the_command_line():
    _, rc = solara.render(Sweep(), handle_error=False)
    rc.find(v.Slider, label="Number of values").widgets[0].v_model = 11
    rc.find(v.Slider, label="Replicates per value").widget.v_model = 100
    second = next(
        w for w in rc.find(v.Select).widgets if w.label == "Parameter" and w.v_model == "(none)"
    )
    second.v_model = parameter_choice("empathy_mean")
    text = shown_text(rc)
    assert f"at most {MAX_RUNS:,} runs" in text
    assert "alliance-sim sweep" in text
    assert rc.find(v.Btn, children=["Run sweep"]).widget.disabled


def test_the_trials_page_runs_a_published_trial_and_shows_published_beside_simulated():
    from alliance_sim.trials import builtin_protocols

    _, rc = solara.render(Trials(), handle_error=False)
    rc.find(v.Slider, label="Replicate trials (each with new patients)").widget.v_model = 3
    rc.find(v.Btn, children=["Run trial"]).widget.click()
    assert wait_for(lambda: figures(rc), 120), "no trial figure"
    text = shown_text(rc)
    fuentes = builtin_protocols()["fuentes-2014"]
    assert fuentes.title in text
    assert "3 simulated trial(s)" in text
    assert not error_texts(rc)


def test_the_trials_page_says_when_a_trial_was_too_small_to_estimate_everything():
    from alliance_sim.trials import builtin_protocols

    # Burns & Evon's interaction model has four coefficients: with five patients, tied
    # WAI-SR scores or a dropout leave most trials unable to estimate it (4 of 20 can,
    # seed 0). (Ferreira's 5-per-arm trials no longer serve: since the measurement model
    # of issue 16 they rarely tie, and all 20 estimate every row.)
    burns_evon = builtin_protocols()["burns-evon-2007"]
    _, rc = solara.render(Trials(), handle_error=False)
    study = next(w for w in rc.find(v.Select).widgets if w.label == "Published study")
    study.v_model = next(item for item in study.items if "Burns" in str(item))
    patients = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Patients per arm"))
    patients.v_model = 5
    rc.find(v.Slider, label="Replicate trials (each with new patients)").widget.v_model = 20
    rc.find(v.Btn, children=["Run trial"]).widget.click()
    assert wait_for(lambda: figures(rc), 120), "no trial figure"
    assert burns_evon.title in shown_text(rc)
    warnings = [str(w.children[0]) for w in rc.find(v.Alert, type="warning").widgets]
    assert any("Too few patients" in text and "of 20" in text for text in warnings), warnings


def test_the_comparison_table_puts_each_published_value_beside_the_simulated_one():
    from alliance_sim.trials import run_trial

    result = run_trial("fuentes-2014", replicates=2, seed=1)
    rows = comparison_rows(result)
    assert list(rows["estimate"]) == list(result.table["label"])
    first = result.table.iloc[0]
    assert rows["simulated"].iloc[0] == f"{first['simulated']:.1f}"  # mm: one decimal
    assert rows["published 95% interval"].iloc[0] == "27.2 to 33.3"  # the paper's own
    assert rows["model tolerance"].iloc[0] == "26.0 to 36.0"
    assert rows["published"].iloc[0] == first["published"]
    assert set(rows["agrees"]) <= {"yes", "no", ""}


def test_the_trials_table_leaves_out_the_columns_a_study_gives_nothing_for():
    from alliance_sim.trials import run_trial

    fuentes = filled_columns(comparison_rows(run_trial("fuentes-2014", replicates=2, seed=1)))
    ferreira = filled_columns(comparison_rows(run_trial("ferreira-2013", replicates=1, seed=1)))
    assert "published 95% interval" in fuentes.columns and "model tolerance" in fuentes.columns
    assert "published 95% interval" not in ferreira.columns  # the paper gives no intervals
    assert {"estimate", "published", "simulated", "agrees"} <= set(ferreira.columns)


def test_every_page_of_the_app_renders_without_error():
    from alliance_sim.ui.app import routes

    assert [r.label for r in routes] == [
        "Explore",
        "Learn",
        "Compare",
        "Sweep",
        "Trials",
        "About the model",
        "Teacher",
    ]
    for route in routes:
        _, rc = solara.render(route.component(), handle_error=False)
        assert not error_texts(rc), route.label


def test_a_session_that_fails_shows_a_message_instead_of_a_traceback(monkeypatch):
    from alliance_sim.engines.agent.model import ClinicModel

    _, rc = solara.render(Explore(), handle_error=False)

    def broken_phase(self, *args, **kwargs):
        raise FloatingPointError("a broken rule")

    monkeypatch.setattr(ClinicModel, "observation", broken_phase)  # a phase of step()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert any("session 1 failed" in t and "a broken rule" in t for t in error_texts(rc))
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    monkeypatch.undo()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert not error_texts(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 1 of 10"


def test_a_replaced_clinic_and_the_last_one_are_closed_so_their_agents_can_be_freed(monkeypatch):
    from alliance_sim.engines.agent.model import ClinicModel

    closed = []
    original = ClinicModel.close

    def recording_close(self):
        closed.append(self)
        original(self)

    monkeypatch.setattr(ClinicModel, "close", recording_close)
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()  # a new clinic replaces the first
    assert len(closed) == 1
    assert closed[0].session == 1
    rc.close()  # the browser session ends
    assert len(closed) == 2
    assert closed[1].session == 0


def lesson_titles(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Btn).widgets if w.class_ == "lesson-choice"]


def test_the_learn_page_lists_the_lessons_in_teaching_order():
    from alliance_sim.lessons import builtin_lessons

    _, rc = solara.render(Learn(), handle_error=False)
    titles = lesson_titles(rc)
    expected = [f"{i}. {lesson.title}" for i, lesson in enumerate(builtin_lessons().values(), 1)]
    assert titles == expected


def test_a_lesson_runs_only_after_a_prediction_and_then_explains_itself():
    from alliance_sim.lessons import builtin_lessons

    lesson = next(iter(builtin_lessons().values()))
    _, rc = solara.render(Learn(), handle_error=False)
    run = rc.find(v.Btn, children=["Run the clinics"]).widget
    assert run.disabled
    assert "Bordin" not in markdown_text(rc)  # the explanation waits for the run
    rc.find(v.RadioGroup).widget.v_model = lesson.question.answer
    assert not run.disabled
    run.click()
    assert wait_for(lambda: alert_texts(rc, "success"))
    assert "that is what the clinics show" in alert_texts(rc, "success")[0]
    text = markdown_text(rc)
    assert "What the run shows" in text and "Bordin" in text and "Things to try" in text
    assert len(figures(rc)) == 1  # the lesson's picture
    assert all(radio.disabled for radio in rc.find(v.Radio).widgets)  # the prediction stands


def test_a_wrong_prediction_is_told_the_answer_and_try_again_starts_over():
    from alliance_sim.lessons import builtin_lessons

    lesson = next(iter(builtin_lessons().values()))
    wrong = next(c for c in lesson.question.choices if c != lesson.question.answer)
    _, rc = solara.render(Learn(), handle_error=False)
    rc.find(v.RadioGroup).widget.v_model = wrong
    rc.find(v.Btn, children=["Run the clinics"]).widget.click()
    assert wait_for(lambda: alert_texts(rc, "warning"))
    assert lesson.question.answer in alert_texts(rc, "warning")[0]
    rc.find(v.Btn, children=["Try again"]).widget.click()
    # the run's thread may still be finishing its last update: wait for the page to settle
    assert wait_for(lambda: not alert_texts(rc, "warning"))
    assert rc.find(v.RadioGroup).widget.v_model is None
    assert not figures(rc)


def test_choosing_another_lesson_shows_its_question_with_no_prediction():
    from alliance_sim.lessons import builtin_lessons

    second = list(builtin_lessons().values())[1]
    _, rc = solara.render(Learn(), handle_error=False)
    rc.find(v.RadioGroup).widget.v_model = rc.find(v.Radio).widgets[0].value
    rc.find(v.Btn, children=[f"2. {second.title}"]).widget.click()
    assert second.question.text in markdown_text(rc)
    assert rc.find(v.RadioGroup).widget.v_model is None
    assert [r.label for r in rc.find(v.Radio).widgets] == list(second.question.choices)


def test_a_dropped_lesson_file_with_a_mistake_shows_the_error_and_keeps_the_lesson():
    _, rc = solara.render(Learn(), handle_error=False)
    before = markdown_text(rc)
    drop_file(rc, "mine.toml", b'title = "Mine"\ncolour = 1\n')
    assert wait_for(lambda: any("colour" in text for text in error_texts(rc)))
    assert "mine.toml" in next(text for text in error_texts(rc) if "colour" in text)
    assert markdown_text(rc) == before


def test_a_dropped_lesson_file_becomes_a_lesson_on_the_page():
    from importlib import resources

    from alliance_sim.lessons import builtin_lessons

    assert "paternalistic-vs-shared-power" in builtin_lessons()
    source = resources.files("alliance_sim.lessons").joinpath(
        "library", "01-paternalistic-vs-shared-power.toml"
    )
    text = (
        source.read_text(encoding="utf-8")
        .replace('name = "paternalistic-vs-shared-power"', 'name = "my-seminar"')
        .replace('title = "Paternalistic vs shared power"', 'title = "My seminar"')
    )
    _, rc = solara.render(Learn(), handle_error=False)
    drop_file(rc, "my-seminar.toml", text.encode("utf-8"))
    assert wait_for(lambda: "My seminar" in markdown_text(rc))
    assert lesson_titles(rc)[-1] == "7. My seminar"


def background_probe(job_of):
    """A page with one background run; its state is published as text."""
    from alliance_sim.ui.background import use_background_run

    @solara.component
    def Probe():  # noqa: N802 (a component, named as one)
        run = use_background_run("the probe failed")
        with solara.Column() as column:
            solara.Button("Go", on_click=lambda: run.start(job_of()))
            solara.Button("Stop", on_click=run.cancel)
            solara.Text(f"{run.status}|{run.progress}|{run.result}|{run.error}")
        return column

    _, rc = solara.render(Probe(), handle_error=False)
    state = lambda: next(  # noqa: E731
        c for w in rc.find(v.Html).widgets for c in w.children if isinstance(c, str) and "|" in c
    )
    return rc, state


def test_a_background_run_reports_progress_and_its_result():
    def job(progress, should_stop):
        for k in range(1, 4):
            progress(k, 3)
        return "forty-two"

    rc, state = background_probe(lambda: job)
    assert state().startswith("idle|")
    rc.find(v.Btn, children=["Go"]).widget.click()
    assert wait_for(lambda: state() == "done|(3, 3)|forty-two|None")


def test_a_cancelled_background_run_stops_and_keeps_what_it_returned():
    started = []

    def job(progress, should_stop):
        started.append(True)
        steps = 0
        while not should_stop():
            steps += 1
            time.sleep(0.01)
        return f"stopped after {steps}"

    rc, state = background_probe(lambda: job)
    rc.find(v.Btn, children=["Go"]).widget.click()
    assert wait_for(lambda: bool(started))
    assert state().startswith("running|")
    rc.find(v.Btn, children=["Stop"]).widget.click()
    assert wait_for(lambda: state().startswith("done|") and "stopped after" in state())


def test_a_background_run_that_fails_shows_a_message_not_a_traceback():
    from alliance_sim.core.errors import ParameterError

    errors = iter([ParameterError("empathy_mean = 3 is out of range"), ZeroDivisionError("x")])

    def job(progress, should_stop):
        raise next(errors)

    rc, state = background_probe(lambda: job)
    rc.find(v.Btn, children=["Go"]).widget.click()
    assert wait_for(lambda: state() == "done|(0, 0)|None|empathy_mean = 3 is out of range")
    rc.find(v.Btn, children=["Go"]).widget.click()
    assert wait_for(lambda: state() == "done|(0, 0)|None|the probe failed: ZeroDivisionError: x")


def test_a_dropped_file_that_is_not_text_is_refused_by_name_on_both_pages():
    for page in (Explore, Learn):
        _, rc = solara.render(page(), handle_error=False)
        drop_file(rc, "picture.toml", b"\xff\xfe\x00binary")
        assert wait_for(
            lambda rc=rc: any(
                t.startswith("picture.toml:") and "is not UTF-8 text" in t for t in error_texts(rc)
            )
        )
