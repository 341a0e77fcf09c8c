"""The web app in a real browser: a real ``alliance-sim ui`` server, headless Chromium, no network.

Chromium is Debian's (``apt-get install -y chromium``), driven by Playwright's
Python package. Where it is missing these tests skip with the install command,
except under CI, where they fail. Screenshots of every page are saved under
``$ALLIANCE_SIM_ARTIFACTS`` (default ``test-artifacts/``) for people to look at —
at 800, 1366 and 1920 pixels wide by the layout test; the README's pictures in
``docs/screenshots`` are copies of some of them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alliance_sim.ui.browser import (
    INSTALL_HINT,
    find_chromium,
    launch_chromium,
    offline_context,
    running_app,
)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ALLIANCE_SIM_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
EMPATHY = "Therapist empathy (mean), 0–1"
POWER_SHARING = "Power-sharing style (mean), 0–1"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def app():
    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    with running_app() as server:
        yield server


@pytest.fixture(scope="module")
def browser(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def offline(app, browser):
    """Open a page factory; after the test no request left the machine and no page failed."""
    contexts = []

    def new_page(path: str = "/"):
        context, record = offline_context(browser, app.url)
        contexts.append((context, record))
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app.url + path)
        return page

    yield new_page
    for context, record in contexts:
        context.close()
        assert record.blocked == [], f"the page tried to reach the network: {record.blocked}"
        assert record.errors == [], f"errors in the page: {record.errors}"


def screenshot(page, name: str, width: int = 1400, height: int = 2200) -> None:
    """Save the page; the app scrolls inside its own frame, so a tall window shows it all."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def clinic_now(page) -> dict[str, str]:
    values = page.locator(".clinic-now-value").all_inner_texts()
    return dict(value.rsplit(": ", 1) for value in values)


def step(page, to_session: int) -> None:
    page.get_by_role("button", name="Step").click()
    page.get_by_text(f"Session {to_session} of").wait_for()
    # the numbers under the plots come in their own update, after the session's label
    page.get_by_text(f"After session {to_session} (clinic means)").wait_for()


def set_slider_to_minimum(page, label: str) -> None:
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "label => document.querySelector(`[role=slider][aria-label='${label}']`)"
        ".getAttribute('aria-valuenow') === String(document.querySelector("
        "`[role=slider][aria-label='${label}']`).getAttribute('aria-valuemin'))",
        arg=label,
    )


def test_the_app_announces_where_it_listens_and_listens_on_this_machine_only(app):
    port = int(app.url.rsplit(":", 1)[1])
    assert f"http://127.0.0.1:{port}" in app.announcement
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                listening.add(address)
    assert listening == {"0100007F"}, listening  # 127.0.0.1, nothing else


def test_explore_loads_without_network_and_shows_the_plots(offline):
    page = offline("/")
    page.get_by_text("Session 0 of 10").wait_for()
    assert page.get_by_role("slider", name=EMPATHY).get_attribute("aria-valuenow") == "0.7"
    step(page, 1)
    figure = page.locator("img").first
    figure.wait_for()
    assert figure.evaluate("img => img.naturalWidth") > 600
    shown = clinic_now(page)
    assert set(shown) >= {"Bond (0–1)", "Home-exercise adherence (share)", "Pain (mm, 0–100)"}
    screenshot(page, "explore")


def test_moving_a_slider_and_pressing_step_changes_the_plotted_values(offline):
    page = offline("/")
    step(page, 1)
    before_values = clinic_now(page)
    before_plot = page.locator("img").first.screenshot()
    set_slider_to_minimum(page, EMPATHY)
    page.get_by_text("Session 0 of 10").wait_for()  # a new clinic with the new value
    step(page, 1)
    after_values = clinic_now(page)
    after_plot = page.locator("img").first.screenshot()
    assert float(after_values["Bond (0–1)"]) < float(before_values["Bond (0–1)"]) - 0.03
    assert after_plot != before_plot


def test_opening_the_parameter_groups_changes_neither_the_clinic_nor_its_values(offline):
    # Sliders show calibrated defaults such as 0.1439 on their 0.01 steps; the values
    # they report back on appearing must not round the parameters or restart the clinic.
    from alliance_sim.core.params import GROUPS, SCHEMA, Kind

    n_sliders = sum(spec.kind in (Kind.FLOAT, Kind.INT) for spec in SCHEMA.values())
    untouched = offline("/")
    step(untouched, 1)
    step(untouched, 2)
    page = offline("/")
    step(page, 1)
    for title in GROUPS.values():  # every group starts closed
        page.get_by_text(title, exact=True).click()
    page.wait_for_function(  # every group's sliders are showing
        "n => document.querySelectorAll('[role=slider]').length === n", arg=n_sliders
    )
    page.wait_for_timeout(500)  # time for the sliders' reports to reach the server
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "() => /Session [0-9]+ of/.test(document.body.innerText)"
        " && !document.body.innerText.includes('Session 1 of')"
    )
    assert page.get_by_text("Session 2 of 10").count() == 1
    page.locator(".clinic-now-value").first.wait_for()
    assert clinic_now(page) == clinic_now(untouched)


def test_clicking_a_patient_in_the_table_shows_their_trajectory(offline):
    page = offline("/")
    step(page, 1)
    step(page, 2)
    rows = page.locator(".patient-row")
    assert rows.count() == 10
    therapist = rows.nth(3).locator("td").nth(1).inner_text()
    rows.nth(3).click()
    page.get_by_text(f"Therapist {therapist}", exact=True).wait_for()
    page.locator("img").nth(1).wait_for()
    assert page.locator("img").nth(1).evaluate("img => img.naturalWidth") > 300
    assert "patient-row-selected" in (rows.nth(3).get_attribute("class") or "")
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Patients 11–20 of", exact=False).wait_for()


def test_a_student_walks_a_lesson_predict_run_explain(offline):
    from alliance_sim.lessons import builtin_lessons

    lesson = next(iter(builtin_lessons().values()))
    page = offline("/learn")
    page.get_by_text(lesson.question.text).wait_for()
    run = page.get_by_role("button", name="Run the clinics")
    assert run.is_disabled()
    assert "Bordin" not in page.inner_text("body")  # no explanation before the run
    page.get_by_text(lesson.question.answer, exact=True).click()
    run.click()
    page.get_by_text("that is what the clinics show").wait_for()
    page.get_by_text("What the run shows").wait_for()
    body = page.inner_text("body")
    assert "Bordin" in body and "Things to try" in body
    picture = page.locator(".lesson img").first
    picture.wait_for()
    assert picture.evaluate("img => img.naturalWidth") > 600
    screenshot(page, "learn")


def test_compare_shows_both_clinics_and_their_differences(offline):
    page = offline("/compare")
    page.get_by_text("Differences B − A").wait_for()
    page.locator("img").first.wait_for()
    text = page.inner_text("body")
    assert "paternalistic" in text
    assert "shared-power" in text
    assert page.locator("img").first.evaluate("img => img.naturalWidth") > 600
    screenshot(page, "compare")


def test_the_about_page_shows_the_model_and_its_parameters(offline):
    page = offline("/about")
    page.get_by_text("HOW IT WORKS", exact=False).first.wait_for()
    assert "empathy_mean" in page.inner_text("body")
    screenshot(page, "about")


def test_two_browser_sessions_do_not_see_each_others_parameters_or_clinic(offline):
    first = offline("/")
    set_slider_to_minimum(first, EMPATHY)
    step(first, 1)
    step(first, 2)
    second = offline("/")
    second.get_by_text("Session 0 of 10").wait_for()
    assert second.get_by_role("slider", name=EMPATHY).get_attribute("aria-valuenow") == "0.7"
    step(second, 1)
    assert first.get_by_text("Session 2 of 10").is_visible()
    assert first.get_by_role("slider", name=EMPATHY).get_attribute("aria-valuenow") == "0"
    assert float(clinic_now(second)["Bond (0–1)"]) > float(clinic_now(first)["Bond (0–1)"])


def test_a_small_sweep_runs_with_its_progress_bar_and_downloads_what_the_plot_shows(offline):
    import pandas as pd

    page = offline("/sweep")
    page.get_by_role("button", name="Run sweep").wait_for()
    replicates = page.get_by_role("slider", name="Replicates per value")
    replicates.focus()
    page.keyboard.press("End")  # 100 replicates × 5 values: a sweep of a few seconds
    page.get_by_text("5 values × 100 replicates = 500 runs").wait_for()
    page.get_by_role("button", name="Run sweep").click()
    page.locator(".sweep-progress").wait_for()  # the progress bar and its count
    assert "of 500 runs" in page.locator(".sweep-progress").inner_text()
    page.get_by_text("finished: 500 runs").wait_for()
    page.locator("img").first.wait_for()
    screenshot(page, "sweep")

    table = page.locator("table").last
    header = table.locator("thead th").all_inner_texts()
    rows = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    shown = pd.DataFrame(rows, columns=header)
    assert header[0] == "Power-sharing style (mean) [power_sharing_mean]"
    shown_means = shown.set_index(header[0])["mean"].astype(float)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download runs (CSV)").click()
    runs = pd.read_csv(download.value.path())
    assert len(runs) == 500 and set(runs["status"]) == {"ok"}
    means = runs.groupby("power_sharing_mean")["adherence"].mean()
    assert [float(x) for x in shown_means.index] == list(means.index)
    assert abs(shown_means.to_numpy() - means.to_numpy()).max() <= 5e-4  # a share: 3 decimals


def test_the_trials_page_shows_a_published_study_beside_its_simulation(offline):
    page = offline("/trials")
    page.get_by_role("button", name="Run trial").click()
    page.get_by_text("published and simulated").wait_for()
    page.locator("img").first.wait_for()
    table = page.locator("table").last.inner_text()
    assert "Active IFC + enhanced alliance" in table
    assert "31.40" in table or "31.4" in table  # the published mean pain reduction, AE arm
    screenshot(page, "trials")


def drop_on_page(page, path: Path) -> None:
    """Drop ``path`` on the page's drop zone, as a user drags a file from their desktop.

    A drop made up in the page's script carries no file the drop zone can read, so the
    drag goes through Chromium's input (DevTools protocol) with a real file.
    """
    zone = page.locator(".solara-file-drop")
    zone.scroll_into_view_if_needed()
    box = zone.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    devtools = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        devtools.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    devtools.detach()


def error_message(page, file_name: str) -> str:
    """The text of the error message that names ``file_name``, once it shows."""
    message = page.locator(".v-alert", has_text=file_name)
    message.wait_for()
    return message.inner_text().strip()


def test_a_lesson_naming_a_file_of_the_server_is_refused_in_one_line_and_the_lesson_stays(
    offline, tmp_path
):
    from importlib import resources

    from alliance_sim.lessons import builtin_lessons

    text = (
        resources.files("alliance_sim.lessons")
        .joinpath("library", "01-paternalistic-vs-shared-power.toml")
        .read_text(encoding="utf-8")
    )
    lesson = tmp_path / "shadow.toml"
    lesson.write_text(
        text.replace('scenario = "paternalistic"', 'scenario = "/etc/shadow"'), encoding="utf-8"
    )
    first = next(iter(builtin_lessons().values()))
    page = offline("/learn")
    page.get_by_text(first.question.text).wait_for()
    drop_on_page(page, lesson)
    message = error_message(page, "shadow.toml")
    assert "arms[0].scenario = '/etc/shadow' is not allowed" in message
    assert "built-in scenario" in message and "\n" not in message
    body = page.inner_text("body")
    assert "Traceback" not in body and "site-packages" not in body
    assert page.get_by_text(first.question.text).is_visible()  # the lesson stays
    assert page.get_by_role("button", name="Run the clinics").count() == 1
    screenshot(page, "learn-refused-server-path")


def test_a_scenario_with_a_400_digit_patient_count_is_refused_and_step_still_works(
    offline, tmp_path
):
    scenario = tmp_path / "many.toml"
    scenario.write_text(
        'name = "many"\n[parameters]\nn_patients = ' + "9" * 400 + "\n", encoding="utf-8"
    )
    page = offline("/")
    step(page, 1)
    drop_on_page(page, scenario)
    message = error_message(page, "many.toml")
    assert message == (
        "many.toml: parameters.n_patients: n_patients = 1e400-ish is out of range: allowed is "
        "an integer from 1 to 5000 (number of patients)"
    )
    assert "Traceback" not in page.inner_text("body")
    assert page.get_by_text("Session 1 of 10").is_visible()  # the same clinic
    step(page, 2)
    screenshot(page, "explore-refused-scenario")


# --- the classroom (issue 17): the effect of a change, the agents, share, present, poll ---------


def setup_now(page) -> str:
    return page.locator(".setup-now").inner_text().strip()


def setup_before(page) -> str:
    return page.locator(".setup-before").inner_text().strip()


def choose(page, label: str, option: str) -> None:
    """Choose ``option`` in the select labelled ``label`` (a Vuetify select: click, then pick)."""
    page.locator(".v-select", has=page.locator("label", has_text=label)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def slider_value(page, label: str) -> str:
    return page.get_by_role("slider", name=label).get_attribute("aria-valuenow")


def test_a_changed_slider_keeps_the_before_line_and_names_the_change(offline):
    fresh = offline("/")
    fresh.get_by_text("Session 0 of 10").wait_for()
    fresh_plot = fresh.locator("img").first.screenshot()
    page = offline("/")
    step(page, 1)
    step(page, 2)
    assert setup_now(page) == "Now: default · seed 0"
    set_slider_to_minimum(page, EMPATHY)
    page.get_by_text("Session 0 of 10").wait_for()
    page.get_by_text("Before (the faded grey line): default · seed 0").wait_for()
    assert setup_now(page) == "Now: default + Therapist empathy (mean) = 0 · seed 0"
    assert page.locator(".modified-marker").all_inner_texts() == ["modified — the scenario has 0.7"]
    page.locator("img").first.wait_for()
    # the new clinic has run no session: what its plot shows is the faded run before
    assert page.locator("img").first.screenshot() != fresh_plot
    step(page, 1)
    assert "Before (the faded grey line): default · seed 0" in setup_before(page)
    screenshot(page, "explore-before-line", 1366, 768)


def test_the_plots_stay_in_view_while_the_controls_scroll(offline):
    from alliance_sim.core.params import GROUPS

    page = offline("/")
    page.set_viewport_size({"width": 1366, "height": 768})
    step(page, 1)
    for title in GROUPS.values():
        page.get_by_text(title, exact=True).click()
    # a slider's role element is its thumb container, drawn with no size of its own
    page.get_by_role("slider", name="Item noise, 0–1").wait_for(state="attached")
    page.locator(".share-card").scroll_into_view_if_needed()  # the bottom of the controls
    page.wait_for_timeout(300)
    assert page.locator(".controls-column").bounding_box()["y"] < -1000  # scrolled far
    plot = page.locator(".live-plot img").bounding_box()
    assert plot["y"] >= 0 and plot["y"] + plot["height"] <= 768  # still in view
    assert page.get_by_text("This website runs on Solara").count() == 0  # no badge over it


def test_restore_defaults_returns_to_the_scenarios_values(offline):
    page = offline("/")
    page.get_by_text("Session 0 of 10").wait_for()
    restore = page.get_by_role("button", name="Restore defaults")
    assert restore.is_disabled()
    set_slider_to_minimum(page, EMPATHY)
    set_slider_to_minimum(page, POWER_SHARING)
    page.locator(".setup-now").get_by_text("Power-sharing style (mean) = 0").wait_for()
    assert page.locator(".modified-marker").count() == 2
    restore.click()
    page.wait_for_function(
        "() => document.querySelector('.setup-now').innerText.trim() === 'Now: default · seed 0'"
    )
    assert slider_value(page, EMPATHY) == "0.7"
    assert slider_value(page, POWER_SHARING) == "0.5"
    assert page.locator(".modified-marker").count() == 0
    assert restore.is_disabled()


def test_the_clinic_view_draws_every_patient_updates_on_step_and_opens_a_trajectory(offline):
    page = offline("/")
    view = page.locator("svg.clinic-view-svg")
    view.wait_for()
    label = view.get_attribute("aria-label")
    assert label.startswith("Clinic view: 5 physiotherapists, 200 patients, 0 dropped out")
    assert page.locator(".clinic-view-patient").count() == 200
    places = page.locator(".clinic-view-patient").evaluate_all(
        "marks => marks.map(m => m.getAttribute('cx') + ',' + m.getAttribute('cy'))"
    )
    step(page, 1)
    step(page, 2)
    page.wait_for_function(
        "() => document.querySelector('svg.clinic-view-svg').getAttribute('aria-label')"
        ".includes('after 2 of 10 sessions')"
    )
    moved = page.locator(".clinic-view-patient").evaluate_all(
        "marks => marks.map(m => m.getAttribute('cx') + ',' + m.getAttribute('cy'))"
    )
    assert len(moved) == 200 and moved != places
    page.locator('.clinic-view-patient[data-patient="17"]').dispatch_event("click")
    page.locator("img[alt^='Trajectory of patient 17']").wait_for()
    assert page.locator("circle.clinic-view-selected").get_attribute("data-patient") == "17"
    scroll_to(page, ".clinic-view-panel")
    screenshot(page, "explore-clinic-view", 1366, 768)


def test_the_busy_bar_and_the_time_controls_change_at_once_without_animating(offline):
    """Solara's busy bar appears without a fade and does not run, and the Step button greys
    out at once when the episode ends (one redraw, not sixty a second, for every student).

    The bar is Vuetify's indeterminate progress line, drawn while the server takes
    longer than 0.3 s; its moving parts are put in place here as Vuetify draws them.
    """
    page = offline("/")
    page.get_by_role("button", name="Step").wait_for()
    styles = page.evaluate(
        """() => {
            const bar = document.querySelector('.v-application--wrap > .v-progress-linear--absolute');
            const moving = document.createElement('div');
            moving.className = 'v-progress-linear__indeterminate v-progress-linear__indeterminate--active';
            moving.innerHTML = '<div class="long primary"></div><div class="short primary"></div>';
            bar.appendChild(moving);
            const long = getComputedStyle(moving.querySelector('.long'));
            const short = getComputedStyle(moving.querySelector('.short'));
            const stepButton = [...document.querySelectorAll('.time-controls button')].find(
                b => b.textContent.trim().toLowerCase() === 'step');
            const result = {
                step: getComputedStyle(stepButton).transitionDuration,
                bar: getComputedStyle(bar).transitionDuration,
                long: long.animationName, longRight: long.right,
                short: short.animationName, shortShown: short.display,
            };
            moving.remove();
            return result;
        }"""
    )
    assert styles == {
        "step": "0s",
        "bar": "0s",
        "long": "none",
        "longRight": "0px",
        "short": "none",
        "shortShown": "none",
    }


def scroll_to(page, selector: str) -> None:
    page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def test_a_downloaded_scenario_loads_back_into_the_same_set_up(offline, tmp_path):
    page = offline("/")
    page.get_by_text("Session 0 of 10").wait_for()
    choose(page, "Scenario", "shared-power")
    page.get_by_text("Now: shared-power · seed 0").wait_for()
    set_slider_to_minimum(page, EMPATHY)
    page.get_by_text("Therapist empathy (mean) = 0 ").first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this set-up (.toml)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "shared-power-modified.toml"
    other = offline("/")
    other.get_by_text("Session 0 of 10").wait_for()
    with other.expect_file_chooser() as chooser:
        other.locator(".alliance-drop-zone").click()  # a click opens the file chooser
    chooser.value.set_files(str(saved))
    other.get_by_text("Now: shared-power-modified · seed 0").wait_for()
    for label in (EMPATHY, POWER_SHARING):
        assert slider_value(other, label) == slider_value(page, label)
    step(page, 1)
    step(other, 1)
    assert clinic_now(other) == clinic_now(page)  # the same clinic, session for session


def test_a_shared_link_reproduces_the_page(offline):
    page = offline("/")
    page.get_by_text("Session 0 of 10").wait_for()
    choose(page, "Scenario", "low-empathy")
    page.get_by_text("Now: low-empathy · seed 0").wait_for()
    set_slider_to_minimum(page, POWER_SHARING)
    seed = page.get_by_label("Seed (same seed, same clinic)")
    seed.fill("7")
    seed.press("Tab")
    page.get_by_text("Now: low-empathy + Power-sharing style (mean) = 0 · seed 7").wait_for()
    link = page.locator(".share-link-field").input_value()
    assert link.startswith(page.url.split("?")[0].rsplit("/", 1)[0])
    assert "scenario=low-empathy" in link and "seed=7" in link and "power_sharing_mean=0" in link
    shared = offline(link.removeprefix(page.url.split("?")[0].rstrip("/")))
    shared.get_by_text("Session 0 of 10").wait_for()
    assert setup_now(shared) == setup_now(page)
    assert slider_value(shared, POWER_SHARING) == "0"
    step(page, 1)
    step(shared, 1)
    assert clinic_now(shared) == clinic_now(page)


def test_a_link_with_a_bad_value_says_why_in_one_line_and_shows_the_default_clinic(offline):
    page = offline("/?empathy_mean=7&seed=3")
    message = page.locator(".v-alert", has_text="This link was not applied")
    message.wait_for()
    text = message.inner_text().strip()
    assert "empathy_mean = 7.0 is out of range" in text and "\n" not in text
    assert setup_now(page) == "Now: default · seed 0"


def test_two_browsers_predictions_appear_in_the_teachers_tally(offline):
    from alliance_sim.lessons import builtin_lessons

    lesson = list(builtin_lessons().values())[1]
    teacher = offline("/teacher")
    teacher.get_by_role("button", name="Reset this lesson's counts").wait_for()
    choose(teacher, "Lesson", lesson.title)
    teacher.get_by_role("button", name="Reset this lesson's counts").click()
    teacher.get_by_text("0 predictions so far").wait_for()
    assert teacher.get_by_role("tab").count() == 0  # the teacher's view is no student page
    students = [offline("/learn"), offline("/learn")]
    wrong = next(c for c in lesson.question.choices if c != lesson.question.answer)
    for student, choice in zip(students, (lesson.question.answer, wrong), strict=True):
        student.get_by_role("button", name=f"2. {lesson.title}").click()
        student.get_by_text(lesson.question.text).wait_for()
        student.get_by_text(choice, exact=True).click()
        student.get_by_role("button", name="Run the clinics").click()
        assert student.get_by_role("link", name="Teacher").count() == 0
        assert "teacher" not in student.inner_text("body").lower()
    teacher.get_by_text("2 predictions so far").wait_for()  # within a second, no reload
    chart = teacher.locator("img.figure-image").first
    alt = chart.get_attribute("alt")
    assert f"{lesson.question.answer}: 1" in alt and f"{wrong}: 1" in alt
    teacher.get_by_role("button", name="Run the lesson to show the picture").click()
    teacher.locator(".poll-answer img").wait_for()
    screenshot(teacher, "teacher", 1366, 768)
    teacher.get_by_role("button", name="Reset this lesson's counts").click()
    teacher.get_by_text("0 predictions so far").wait_for()


def test_a_hostile_lesson_dropped_on_learn_is_shown_as_text_and_runs_nothing(offline, tmp_path):
    from importlib import resources

    text = (
        resources.files("alliance_sim.lessons")
        .joinpath("library", "01-paternalistic-vs-shared-power.toml")
        .read_text(encoding="utf-8")
    )
    title = (
        'Evil <img src=x onerror="window.__pwned = 1"> '
        "{{ constructor.constructor('window.__pwned2 = 1')() }}"
    )
    hostile = text.replace(
        'title = "Paternalistic vs shared power"', f"title = {json.dumps(title)}"
    ).replace(
        'text = "What do you expect',
        'text = "<b onmouseover=\\"window.__pwned3 = 1\\">Bold?</b> What do you expect',
    )
    lesson = tmp_path / "evil.toml"
    lesson.write_text(hostile, encoding="utf-8")
    page = offline("/learn")
    page.get_by_role("button", name="Run the clinics").wait_for()
    drop_on_page(page, lesson)
    page.get_by_text("Evil <img", exact=False).first.wait_for()
    page.get_by_text("constructor.constructor", exact=False).first.wait_for()
    page.locator(".lesson-question").hover()
    page.wait_for_timeout(500)
    assert page.evaluate("() => [window.__pwned, window.__pwned2, window.__pwned3]") == [
        None,
        None,
        None,
    ]
    assert page.locator("img[src='x']").count() == 0
    assert page.locator(".lesson b[onmouseover]").count() == 0


def test_projector_mode_shows_larger_type_and_fewer_controls(offline):
    page = offline("/?projector=1")
    page.get_by_text("Session 0 of 10").wait_for()
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.documentElement).fontSize) >= 20"
    )
    assert not page.get_by_text("All parameters").is_visible()
    assert not page.locator(".alliance-drop-zone").is_visible()
    assert page.locator(".key-what-ifs").is_visible()  # the key what-ifs stay
    assert not page.get_by_label("Seed (same seed, same clinic)").is_visible()
    step(page, 1)
    # the clinic's plot fills its column (its type grows with it), drawn at twice the pixels
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(f"() => ({PLOT_SIZE})()[1] >= 1600")
    shown, natural, column = page.evaluate(PLOT_SIZE)
    assert shown >= column - 2 and shown > 1000
    screenshot(page, "explore-projector-1920", 1920, 1080)
    screenshot(page, "explore-projector", 1366, 768)
    page.get_by_text("Projector", exact=True).click()  # the switch in the title bar
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.documentElement).fontSize) < 20"
    )
    page.get_by_text("All parameters").wait_for(state="visible", timeout=10_000)
    page.wait_for_function(f"() => ({PLOT_SIZE})()[1] < 1000")  # the plot at its own size again
    shown, natural, column = page.evaluate(PLOT_SIZE)
    assert shown <= natural and shown <= column  # never stretched outside projector mode
    assert page.get_by_text("Session 1 of 10").is_visible()  # the same clinic, not a new one
    page.get_by_text("Projector", exact=True).click()
    page.get_by_text("All parameters").wait_for(state="hidden", timeout=10_000)
    assert page.get_by_text("Session 1 of 10").is_visible()


PLOT_SIZE = """() => {
    const image = document.querySelector('.live-plot img');
    return [image.getBoundingClientRect().width, image.naturalWidth,
            image.parentElement.getBoundingClientRect().width];
}"""


LAYOUT_JS = r"""
() => {
  const width = document.documentElement.clientWidth;
  const describe = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
      ? '.' + String(e.className).trim().split(/\s+/).slice(0, 3).join('.') : '')
      + ' "' + (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40) + '"';
  const shown = e => {
    const s = getComputedStyle(e);
    return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length > 0;
  };
  const clip = e => {  // the visible box of e: the viewport cut by every ancestor that clips
    let left = 0, right = width;
    for (let a = e.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible') {
        const r = a.getBoundingClientRect();
        left = Math.max(left, r.left); right = Math.min(right, r.right);
      }
    }
    return [left, right];
  };
  const overflowing = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const [left, right] = clip(e);
    if (right <= left) continue;  // inside something collapsed or scrolled away: not shown
    if (r.right > width + 1 || r.left < -1) overflowing.push(describe(e) + ` ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const hiddenColumns = [];
  for (const cell of document.querySelectorAll('table th')) {
    if (!shown(cell)) continue;
    const r = cell.getBoundingClientRect();
    const [left, right] = clip(cell);
    if (r.width < 8 || r.left < left - 1 || r.right > right + 1)
      hiddenColumns.push(describe(cell) + ` ${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(left)}..${Math.round(right)}`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth,
          overflowing: overflowing.slice(0, 15), hiddenColumns: hiddenColumns.slice(0, 15),
          tables: document.querySelectorAll('table').length};
}
"""

SIZES = ((800, 1000), (1366, 768), (1920, 1080))


def prepare_explore(page) -> None:
    step(page, 1)
    step(page, 2)
    set_slider_to_minimum(page, EMPATHY)
    step(page, 1)
    page.locator(".patient-row").nth(2).click()
    page.locator("img[alt^='Trajectory of patient']").wait_for()


def prepare_learn(page) -> None:
    from alliance_sim.lessons import builtin_lessons

    lesson = next(iter(builtin_lessons().values()))
    page.get_by_text(lesson.question.answer, exact=True).click()
    page.get_by_role("button", name="Run the clinics").click()
    page.get_by_text("What the run shows").wait_for()


def prepare_compare(page) -> None:
    page.get_by_text("Differences B − A").wait_for()


def prepare_sweep(page) -> None:
    page.get_by_role("button", name="Run sweep").click()
    page.get_by_text("finished: 50 runs").wait_for()
    page.locator("table").first.wait_for()


def prepare_trials(page) -> None:
    from alliance_sim.trials import builtin_protocols

    choose(page, "Published study", builtin_protocols()["ferreira-2013"].title)
    page.get_by_role("button", name="Run trial").click()
    page.get_by_text("published and simulated").wait_for()


def prepare_about(page) -> None:
    page.get_by_text("Things to try", exact=False).first.wait_for()


def prepare_teacher(page) -> None:
    page.get_by_role("button", name="Reset this lesson's counts").wait_for()


PAGES = {
    "explore": ("/", prepare_explore),
    "learn": ("/learn", prepare_learn),
    "compare": ("/compare", prepare_compare),
    "sweep": ("/sweep", prepare_sweep),
    "trials": ("/trials", prepare_trials),
    "about": ("/about", prepare_about),
    "teacher": ("/teacher", prepare_teacher),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_page_overflows_the_window_and_every_table_column_shows_at_800_1366_and_1920(
    offline, name
):
    path, prepare = PAGES[name]
    page = offline(path)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(500)
    prepare(page)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(700)
        found = page.evaluate(LAYOUT_JS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}.png"))
        assert found["scrollWidth"] <= width, (width, found)
        assert found["overflowing"] == [], (width, found)
        assert found["hiddenColumns"] == [], (width, found)


def test_the_server_reported_no_error_while_the_pages_were_used(app):
    # Runs last in this module, after every page above was used: failures belong on the
    # page as a message, never as a traceback in the server's log.
    log = "\n".join(app.output)
    assert "Traceback" not in log and "ERROR" not in log, log[-5000:]
