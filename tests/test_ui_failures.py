"""Failures in the web app: one line on the page, the page still usable, no file of the server read.

Rendered without a browser (solara.render); the browser tests (tests/test_browser.py)
drop two of these files on a real server.
"""

from __future__ import annotations

import builtins
import io
import logging
import os
from importlib import resources

import ipyvuetify as v
import pytest
import solara
from ui_helpers import drop_file, error_texts, markdown_text, session_label, shown_text, wait_for

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.ui.dropped import MAX_UPLOAD_BYTES, read_upload
from alliance_sim.ui.explore_page import Explore
from alliance_sim.ui.guard import MAX_MESSAGE_CHARS, Guard, describe
from alliance_sim.ui.learn_page import Learn

LESSON = (
    resources.files("alliance_sim.lessons")
    .joinpath("library", "01-paternalistic-vs-shared-power.toml")
    .read_text(encoding="utf-8")
)


def lesson_with(old: str, new: str) -> bytes:
    assert old in LESSON
    return LESSON.replace(old, new, 1).encode("utf-8")


def lesson_with_scenario(scenario: str) -> bytes:
    return lesson_with('scenario = "paternalistic"', f"scenario = {scenario!r}")


def deep_scenario(depth: int) -> bytes:
    return b'name = "deep"\n[parameters]\nempathy_mean = ' + b"[" * depth + b"]" * depth + b"\n"


def scenario_with_patients(digits: int) -> bytes:
    return b'name = "many"\n[parameters]\nn_patients = ' + b"9" * digits + b"\n"


# (file name, content, what the message says) for files either page refuses. The page reads
# the upload's bytes; the library's parser for uploads says what is wrong with them.
BAD_FILES = [
    ("deep.toml", deep_scenario(3000), "nested more than 32 levels deep"),
    ("many.toml", scenario_with_patients(400), "n_patients = 1e400-ish is out of range"),
    ("longer.toml", scenario_with_patients(5000), "a number of more than 4,300 digits"),
    ("garbage.toml", bytes(range(256)) * 16, "is not UTF-8 text"),
    ("empty.toml", b"", "the file is empty"),
    ("blank.toml", b"  \n\n", "the file is empty"),
    ("huge.toml", b"# " + b"x" * (2 * MAX_UPLOAD_BYTES) + b"\n", "the file is too large"),
    ("nul.toml", b'name = "a\x00b"\n', "not valid TOML"),
]
BAD_LESSONS = [
    (
        "metrics.toml",
        lesson_with('metrics = ["adherence"', 'metrics = [["adherence"]'),
        "metrics[0]",
    ),
    ("shadow.toml", lesson_with_scenario("/etc/shadow"), "arms[0].scenario = '/etc/shadow'"),
    ("zero.toml", lesson_with_scenario("/dev/zero"), "arms[0].scenario = '/dev/zero'"),
    (
        "trial.toml",
        b'trial = ["fuentes-2014"]\n' + LESSON.split("[[arms]]")[0].encode("utf-8"),
        "trial = ['fuentes-2014']",
    ),
    ("expect.toml", lesson_with('higher = "shared"', 'higher = ["shared"]'), "expect[0].higher"),
    (
        "long.toml",  # 2 arms × 100 replicates × 5,000 patients × 52 sessions
        lesson_with("replicates = 20", "replicates = 100").replace(
            b"[[arms]]\n", b"[[arms]]\nparameters = { n_patients = 5000, n_sessions = 52 }\n"
        ),
        "52,000,000 patient-sessions; the app runs at most 20,000,000",
    ),
]


def the_message(rc, name: str) -> str:
    assert wait_for(lambda: any(name in text for text in error_texts(rc))), error_texts(rc)
    (message,) = [text for text in error_texts(rc) if name in text]
    return message


def assert_one_line(message: str) -> None:
    assert "\n" not in message and len(message) <= MAX_MESSAGE_CHARS
    assert "Traceback" not in message and "site-packages" not in message


@pytest.mark.parametrize(("name", "data", "says"), BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_a_malformed_scenario_dropped_on_explore_shows_one_line_and_step_still_works(
    name, data, says
):
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    drop_file(rc, name, data)
    message = the_message(rc, name)
    assert says in message
    assert_one_line(message)
    assert "Traceback" not in shown_text(rc)
    assert session_label(rc) == "Session 1 of 10"  # the same clinic
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 2 of 10"


@pytest.mark.parametrize(
    ("name", "data", "says"), BAD_FILES + BAD_LESSONS, ids=[f[0] for f in BAD_FILES + BAD_LESSONS]
)
def test_a_malformed_lesson_dropped_on_learn_shows_one_line_and_keeps_the_lesson(name, data, says):
    _, rc = solara.render(Learn(), handle_error=False)
    before = markdown_text(rc)
    drop_file(rc, name, data)
    message = the_message(rc, name)
    assert says in message
    assert_one_line(message)
    assert markdown_text(rc) == before
    assert rc.find(v.Btn, children=["Run the clinics"]).widgets  # the lesson can still run


def test_a_lesson_naming_a_real_scenario_file_on_the_server_is_refused_without_opening_it(
    tmp_path, monkeypatch
):
    scenario = tmp_path / "short.toml"
    scenario.write_text('name = "short"\n[parameters]\nn_sessions = 3\n', encoding="utf-8")
    touched = []
    real_open, real_stat = builtins.open, os.stat

    def spy_open(file, *args, **kwargs):
        touched.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_stat(path, *args, **kwargs):
        touched.append(str(path))
        return real_stat(path, *args, **kwargs)

    _, rc = solara.render(Learn(), handle_error=False)
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "stat", spy_stat)
    drop_file(rc, "mine.toml", lesson_with_scenario(str(scenario)))
    message = the_message(rc, "mine.toml")
    monkeypatch.undo()
    assert "arms[0].scenario" in message and "built-in scenario" in message
    assert not [path for path in touched if str(tmp_path) in path]  # not even looked at


def test_a_lesson_naming_a_file_that_exists_and_one_that_does_not_get_the_same_message():
    messages = {}
    for path in ("/etc/shadow", "/no/such/file", "/dev/zero", "/etc"):
        _, rc = solara.render(Learn(), handle_error=False)
        drop_file(rc, "mine.toml", lesson_with_scenario(path))
        messages[path] = the_message(rc, "mine.toml").replace(path, "PATH")
    assert len(set(messages.values())) == 1, messages


def test_a_dropped_scenario_named_like_a_path_is_never_loaded_from_the_server(monkeypatch):
    # The Scenario list then offers the dropped scenario's name; choosing it again uses
    # the dropped file's settings, never a file of that name.
    _, rc = solara.render(Explore(), handle_error=False)
    drop_file(rc, "odd.toml", b'name = "/etc/shadow"\n[parameters]\nn_sessions = 4\n')
    assert wait_for(lambda: session_label(rc) == "Session 0 of 4")
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(
        builtins, "open", lambda file, *a, **k: opened.append(str(file)) or real_open(file, *a, **k)
    )
    select = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    select.v_model = "default"
    assert wait_for(lambda: session_label(rc) == "Session 0 of 10")
    select.v_model = "/etc/shadow"
    assert wait_for(lambda: session_label(rc) == "Session 0 of 4")
    select.v_model = "/etc/passwd"  # what a hand-made message to the server could ask
    assert wait_for(
        lambda: any("'/etc/passwd'" in text and "from the list" in text for text in error_texts(rc))
    )
    monkeypatch.undo()
    assert session_label(rc) == "Session 0 of 4"
    assert not [path for path in opened if path.startswith("/etc")]


class RecordingFile(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def test_an_upload_larger_than_announced_is_read_only_up_to_the_limit():
    upload = RecordingFile(b"#" * (5 * MAX_UPLOAD_BYTES))
    with pytest.raises(AllianceSimError, match=r"big\.toml: the file is too large"):
        read_upload({"name": "big.toml", "size": 10, "file_obj": upload, "data": None})
    assert upload.asked == [MAX_UPLOAD_BYTES + 1]


def test_an_upload_announced_as_too_large_is_refused_without_reading_it():
    upload = RecordingFile(b"")
    with pytest.raises(AllianceSimError, match=r"\(3,000,000 bytes; at most 1 MB\)"):
        read_upload({"name": "big.toml", "size": 3_000_000, "file_obj": upload, "data": None})
    assert upload.asked == []


def test_an_upload_that_never_arrives_is_one_line_asking_to_drop_it_again():
    class Broken:
        def read(self, size: int) -> bytes:
            raise TimeoutError("Timeout")

    with pytest.raises(AllianceSimError, match=r"late\.toml: the file did not arrive"):
        read_upload({"name": "late.toml", "size": 10, "file_obj": Broken(), "data": None})


def test_an_unexpected_failure_while_reading_a_lesson_is_one_line_and_logged(monkeypatch, caplog):
    import alliance_sim.ui.learn_page as learn_page

    def broken_parse(*args, **kwargs):
        raise KeyError("/srv/alliance/secret")

    monkeypatch.setattr(learn_page, "parse_lesson_upload", broken_parse)
    _, rc = solara.render(Learn(), handle_error=False)
    with caplog.at_level(logging.ERROR, logger="alliance_sim.ui"):
        drop_file(rc, "mine.toml", LESSON.encode("utf-8"))
        message = the_message(rc, "mine.toml")
    assert message == (
        "mine.toml: cannot be read as a lesson file (KeyError); the details are in the server's log"
    )
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)


def test_a_guarded_handler_that_fails_keeps_the_page_as_it_was(monkeypatch, caplog):
    from alliance_sim.scenarios import Scenario

    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()

    def broken(self, overrides=None):
        raise RuntimeError("the scenario broke")

    monkeypatch.setattr(Scenario, "params", broken)
    select = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    with caplog.at_level(logging.ERROR, logger="alliance_sim.ui"):
        select.v_model = "low-empathy"
    assert error_texts(rc) == [
        "choosing the scenario failed (RuntimeError: the scenario broke); "
        "the details are in the server's log"
    ]
    assert session_label(rc) == "Session 1 of 10"  # the clinic as it was
    assert any(record.exc_info for record in caplog.records)


def test_an_exception_in_a_callback_nobody_guarded_restarts_the_page_under_one_line(caplog):
    @solara.component
    def Counter():  # noqa: N802 (a component, named as one)
        count, set_count = solara.use_state(0)

        def broken() -> None:
            raise KeyError("/srv/app/state")

        with solara.Column() as column:
            solara.Button("Step", on_click=lambda: set_count(count + 1))
            with solara.Row():  # deeper down, as a page's buttons are
                solara.Button("Break", on_click=broken)
            solara.Text(f"count {count}")
        return column

    @solara.component
    def Page():  # noqa: N802
        return Guard(Counter, "the test page")

    _, rc = solara.render(Page(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "count 1" in shown_text(rc)
    with caplog.at_level(logging.ERROR, logger="alliance_sim.ui"):
        rc.find(v.Btn, children=["Break"]).widget.click()
    (message,) = error_texts(rc)
    assert message.startswith("Something went wrong on the test page (KeyError)")
    assert_one_line(message)
    assert "/srv" not in message
    assert "count 0" in shown_text(rc)  # started again, and usable
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "count 1" in shown_text(rc)
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)


def test_what_a_hand_made_message_sends_the_patient_table_changes_nothing():
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    (table,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "rows")]
    rows = table.rows
    for bad in ("not a page", ["x"], None, True, "9" * 5000):
        table.vue_turn(bad)
        table.vue_sort(bad)
        table.vue_select(bad)
    assert table.rows == rows and table.selected is None
    table.vue_turn(10**30)  # a page past the end shows the last one
    assert table.page == table.n_pages - 1
    assert not error_texts(rc)


def test_a_page_that_fails_while_it_is_drawn_is_drawn_again_under_one_line(monkeypatch):
    import alliance_sim.ui.explore_page as explore

    real = explore.clinic_now
    failures = []

    def fails_once(clinic):
        if not clinic.empty and not failures:
            failures.append(True)
            raise ZeroDivisionError("a plot's numbers")
        return real(clinic)

    monkeypatch.setattr(explore, "clinic_now", fails_once)
    _, rc = solara.render(Explore(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert failures
    (message,) = error_texts(rc)
    assert "Something went wrong on the Explore page (ZeroDivisionError)" in message
    assert session_label(rc) == "Session 0 of 10"
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert session_label(rc) == "Session 1 of 10"


def test_a_page_that_cannot_be_drawn_at_all_offers_to_start_again_instead_of_looping():
    broken = [True]

    @solara.component
    def Fragile():  # noqa: N802 (a component, named as one)
        if broken[0]:
            raise RuntimeError("cannot draw")
        return solara.Text("drawn")

    @solara.component
    def Page():  # noqa: N802
        return Guard(Fragile, "the test page")

    _, rc = solara.render(Page(), handle_error=False)
    (message,) = error_texts(rc)
    assert "Something went wrong on the test page (RuntimeError)" in message
    again = rc.find(v.Btn, children=["Start the page again"]).widget
    broken[0] = False
    again.click()
    assert "drawn" in shown_text(rc)
    assert not rc.find(v.Btn, children=["Start the page again"]).widgets


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (AllianceSimError("x.toml: seed = -1 is not allowed"), "x.toml: seed = -1 is not allowed"),
        (
            KeyError("bond"),
            "the run failed (KeyError: 'bond'); the details are in the server's log",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "/srv/app/data.parquet"),
            "the run failed (FileNotFoundError); the details are in the server's log",
        ),
        (MemoryError(), "the run failed (MemoryError); the details are in the server's log"),
    ],
)
def test_a_failure_is_described_in_one_line_without_server_paths(error, shown):
    assert describe(error, "the run") == shown


def test_a_background_run_whose_error_names_a_path_shows_only_its_kind():
    from test_ui import background_probe

    def job(progress, should_stop):
        raise PermissionError(13, "Permission denied", "/srv/results/part-0.parquet")

    rc, state = background_probe(lambda: job)
    rc.find(v.Btn, children=["Go"]).widget.click()
    assert wait_for(lambda: state() == "done|(0, 0)|None|the probe failed: PermissionError")


def test_every_page_survives_a_failure_while_it_is_drawn(monkeypatch):
    from alliance_sim.ui.app import routes

    real_title = solara.Title
    for route in routes:
        failed = []

        def fails_once(*args, failed=failed, **kwargs):  # every page sets its title
            if not failed:
                failed.append(True)
                raise RuntimeError("drawing failed")
            return real_title(*args, **kwargs)

        monkeypatch.setattr(solara, "Title", fails_once)
        _, rc = solara.render(route.component(), handle_error=False)
        assert failed, route.label
        messages = [text for text in error_texts(rc) if "Something went wrong" in text]
        assert len(messages) == 1, route.label
        assert_one_line(messages[0])
        rc.close()
