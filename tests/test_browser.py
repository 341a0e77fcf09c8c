"""The web app in a real browser: a real ``alliance-sim ui`` server, headless Chromium, no network.

Chromium is Debian's (``apt-get install -y chromium``), driven by Playwright's
Python package. Where it is missing these tests skip with the install command,
except under CI, where they fail. Screenshots of every page are saved under
``$ALLIANCE_SIM_ARTIFACTS`` (default ``test-artifacts/``) for people to look at.
"""

from __future__ import annotations

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


def screenshot(page, name: str) -> None:
    """Save the page; the app scrolls inside its own frame, so a tall window shows it all."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def clinic_now(page) -> dict[str, str]:
    values = page.locator(".clinic-now-value").all_inner_texts()
    return dict(value.rsplit(": ", 1) for value in values)


def step(page, to_session: int) -> None:
    page.get_by_role("button", name="Step").click()
    page.get_by_text(f"Session {to_session} of").wait_for()
    page.locator(".clinic-now-value").first.wait_for()


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
    for group, title in GROUPS.items():
        if group != "therapist":  # open from the start
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
    shown_means = shown.set_index("power_sharing_mean")["mean"].astype(float)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download runs (CSV)").click()
    runs = pd.read_csv(download.value.path())
    assert len(runs) == 500 and set(runs["status"]) == {"ok"}
    means = runs.groupby("power_sharing_mean")["adherence"].mean()
    assert [float(x) for x in shown_means.index] == list(means.index)
    assert abs(shown_means.to_numpy() - means.to_numpy()).max() < 1e-4  # shown rounded to 4


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
        "many.toml: parameters.n_patients = a whole number of 400 digits is too large "
        "(whole numbers have at most 15 digits)"
    )
    assert "Traceback" not in page.inner_text("body")
    assert page.get_by_text("Session 1 of 10").is_visible()  # the same clinic
    step(page, 2)
    screenshot(page, "explore-refused-scenario")


def test_the_server_reported_no_error_while_the_pages_were_used(app):
    # Runs last in this module, after every page above was used: failures belong on the
    # page as a message, never as a traceback in the server's log.
    log = "\n".join(app.output)
    assert "Traceback" not in log and "ERROR" not in log, log[-5000:]
