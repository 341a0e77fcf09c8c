"""Lessons: every built-in lesson validates and its run shows what its explanation says."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from alliance_sim.lessons import (
    LessonError,
    builtin_lessons,
    lesson_figure,
    load_lesson,
    parse_lesson,
    parse_lesson_upload,
    run_lesson,
)
from alliance_sim.records.metrics import METRICS

LESSONS = builtin_lessons()

MINIMAL = """
title = "A lesson"
summary = "One line."
introduction = "Some text."
metrics = ["adherence"]
explanation = "Why."
replicates = 3
[question]
text = "What happens?"
choices = ["Up", "Down"]
answer = "Up"
[[arms]]
name = "a"
scenario = "paternalistic"
[[arms]]
name = "b"
scenario = "shared-power"
[[expect]]
metric = "adherence"
higher = "b"
lower = "a"
"""


def test_the_six_suggested_lessons_are_built_in_in_teaching_order():
    assert list(LESSONS) == [
        "paternalistic-vs-shared-power",
        "empathy-and-the-bond",
        "self-efficacy-is-not-enough",
        "the-alliance-as-treatment",
        "measuring-the-alliance",
        "when-shared-power-needs-adapting",
    ]


@pytest.mark.parametrize("name", list(LESSONS))
def test_a_built_in_lesson_asks_a_question_cites_its_sources_and_says_what_it_expects(name):
    lesson = LESSONS[name]
    assert lesson.question.answer in lesson.question.choices
    assert len(lesson.question.choices) >= 3
    assert lesson.sources and lesson.things_to_try and lesson.expect
    assert all(metric in METRICS for metric in lesson.metrics)
    assert {e.metric for e in lesson.expect} <= set(lesson.metrics)


@pytest.mark.parametrize("name", list(LESSONS))
def test_a_built_in_lesson_run_shows_the_effect_its_explanation_describes(name):
    run = run_lesson(LESSONS[name])
    failed = [check.text for check in run.checks if not check.held]
    assert not failed, failed


def test_the_fuentes_lesson_takes_its_arms_from_the_trial_protocol():
    from alliance_sim.trials.protocol import load_protocol

    lesson = LESSONS["the-alliance-as-treatment"]
    protocol = load_protocol("fuentes-2014")
    assert [arm.name for arm in lesson.arms] == [arm.name for arm in protocol.arms]
    assert lesson.arm("SE").params == protocol.params(protocol.arm("SE"))


def test_a_lesson_run_is_reproducible_and_shares_seeds_between_arms():
    lesson = parse_lesson(MINIMAL, "mini.toml")
    first, second = run_lesson(lesson), run_lesson(lesson)
    pd.testing.assert_frame_equal(first.runs, second.runs)
    assert len(first.runs) == 2 * 3
    seeds = first.runs.groupby("arm")["seed"].apply(list)
    assert seeds["a"] == seeds["b"]
    other = run_lesson(dataclasses.replace(lesson, seed=99))
    assert not first.runs["adherence"].equals(other.runs["adherence"])


def test_an_expectation_the_run_does_not_show_is_reported_as_not_held():
    wrong = MINIMAL.replace('higher = "b"\nlower = "a"', 'higher = "a"\nlower = "b"')
    run = run_lesson(parse_lesson(wrong, "wrong.toml"))
    (check,) = run.checks
    assert not check.held and not run.all_held
    assert "not higher than" in check.text


def test_what_students_read_of_a_check_leaves_out_the_authors_threshold():
    lesson = LESSONS["paternalistic-vs-shared-power"]
    run = run_lesson(lesson)
    with_threshold = [check for check in run.checks if check.expectation.by]
    assert with_threshold
    for check in with_threshold:
        assert "expected at least" in check.text
        assert "expected" not in check.plain
        assert check.plain.startswith(check.text.split(" (difference")[0])  # the same numbers
        assert "(difference " in check.plain


def test_the_lesson_figure_has_a_labelled_panel_per_metric():
    lesson = LESSONS["paternalistic-vs-shared-power"]
    figure = lesson_figure(run_lesson(lesson))
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == [METRICS[m].label for m in lesson.metrics]
    assert all(ax.get_ylabel() for ax in shown)
    assert [t.get_text() for t in shown[0].get_xticklabels()] == ["Paternalistic", "Shared power"]


def test_a_lesson_file_loads_by_path(tmp_path: Path):
    path = tmp_path / "my-lesson.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    lesson = load_lesson(path)
    assert lesson.name == "my-lesson" and lesson.origin == str(path)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (("", "colour = 3\n"), "unknown key 'colour'"),
        (('answer = "Up"', 'answer = "Sideways"'), "question.answer = 'Sideways'"),
        (('choices = ["Up", "Down"]', 'choices = ["Up"]'), "question.choices"),
        (('metrics = ["adherence"]', 'metrics = ["happiness"]'), r"metrics\[0\] = 'happiness'"),
        (('scenario = "paternalistic"', 'scenario = "nosuch"'), r"arms\[0\]\.scenario"),
        (('name = "a"', 'name = "a"\nparameters = { empathy_meen = 0.3 }'), "empathy_meen"),
        (('name = "a"', 'name = "a"\nparameters = { empathy_mean = 3 }'), "empathy_mean"),
        (('higher = "b"', 'higher = "c"'), r"expect\[0\]\.higher = 'c'"),
        (("replicates = 3", "replicates = 1000"), "replicates = 1000"),
        (("replicates = 3", "replicates = 3\ntrial = 'fuentes-2014'"), "either"),
        (('title = "A lesson"', 'title = ""'), "title"),
        (('title = "A lesson"', ""), "title is missing"),
        (('higher = "b"\nlower = "a"', 'higher = "b"'), "lower is missing"),
        (
            ('metric = "adherence"\nhigher', 'metric = "bond"\nsimilar = ["a", "b"]\nhigher'),
            "one of",
        ),
        (("[question]", "[questions]"), "unknown key 'questions'"),
        (('title = "A lesson"', 'title = "A lesson'), "not valid TOML"),
        (
            ('metrics = ["adherence"]', 'metrics = [["adherence"]]'),
            r"metrics\[0\] = \['adherence'\]",
        ),
        (('metrics = ["adherence"]', "metrics = [{ a = 1 }]"), r"metrics\[0\] = \{'a': 1\}"),
        (('metrics = ["adherence"]', 'metrics = ["bond", "bond"]'), "different metrics"),
        (
            ('metric = "adherence"', 'metric = ["adherence"]'),
            r"expect\[0\]\.metric = \['adherence'\]",
        ),
        (('higher = "b"', 'higher = { arm = "b" }'), r"expect\[0\]\.higher = \{'arm': 'b'\}"),
        (('lower = "a"', 'lower = ["a"]'), r"expect\[0\]\.lower = \['a'\]"),
        (
            ('lower = "a"', 'lower = "a"\nby = 1e300'),
            r"by = 1e\+300 is not allowed: a finite number",
        ),
        (
            ('higher = "b"\nlower = "a"', 'similar = [["a"], "b"]\nwithin = 0.1'),
            r"expect\[0\]\.similar = \['a'\]",
        ),
        (('higher = "b"\nlower = "a"', 'similar = ["a", "b"]\nwithin = nan'), "within = nan"),
        (
            ('scenario = "paternalistic"', 'scenario = ["paternalistic"]'),
            r"arms\[0\]\.scenario = \[",
        ),
        (('scenario = "paternalistic"', "replicates = " + "9" * 400), "replicates = 1e400-ish"),
    ],
)
def test_a_lesson_file_with_a_mistake_is_refused_naming_the_file_and_key(change, match):
    old, new = change
    text = MINIMAL.replace(old, new, 1) if old else new + MINIMAL
    with pytest.raises(LessonError, match=match) as caught:
        parse_lesson(text, "bad.toml")
    assert str(caught.value).startswith("bad.toml: ")


def test_an_unknown_trial_is_refused_with_the_built_in_trials():
    text = 'trial = "nosuch"\n' + MINIMAL[: MINIMAL.index("[[arms]]")]
    with pytest.raises(LessonError, match=r"trial = 'nosuch'.*fuentes-2014"):
        parse_lesson(text, "bad.toml")


def test_a_trial_given_as_a_list_is_refused_with_the_built_in_trials():
    text = 'trial = ["fuentes-2014"]\n' + MINIMAL[: MINIMAL.index("[[arms]]")]
    with pytest.raises(LessonError, match=r"trial = \['fuentes-2014'\] is not allowed: a built-in"):
        parse_lesson(text, "bad.toml")


@pytest.mark.parametrize("path", ["/dev/zero", "/etc/shadow", "/no/such/file.toml", "../x.toml"])
def test_a_lesson_naming_a_path_is_refused_without_reading_it(path):
    text = MINIMAL.replace('scenario = "paternalistic"', f'scenario = "{path}"')
    with pytest.raises(LessonError) as caught:
        parse_lesson(text, "bad.toml")
    assert str(caught.value) == (
        f"bad.toml: arms[0].scenario = {path!r} is not allowed: a built-in scenario name, one of"
        " default, low-empathy, matched-assignment, passive-patients, paternalistic,"
        " responsive-therapist, shared-power, student-therapist; to use your own scenario,"
        " put its values under `parameters`"
    )


def test_a_lesson_naming_an_existing_scenario_file_is_refused_the_same_way(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text("[parameters]\nn_patients = 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = MINIMAL.replace('scenario = "paternalistic"', 'scenario = "mine.toml"')
    with pytest.raises(LessonError, match=r"arms\[0\]\.scenario = 'mine.toml' is not allowed"):
        parse_lesson(text, "bad.toml")


def test_an_uploaded_lesson_is_parsed_from_its_bytes_and_named_after_the_file():
    lesson = parse_lesson_upload(MINIMAL.encode(), "../../srv/my-lesson.toml")
    assert (lesson.name, lesson.origin) == ("my-lesson", "my-lesson.toml")


def test_an_uploaded_lesson_that_is_not_utf8_is_a_message_naming_the_file():
    with pytest.raises(LessonError, match=r"^mine.toml: the lesson file is not UTF-8 text"):
        parse_lesson_upload(b"\xff" + MINIMAL.encode(), "mine.toml")


def test_an_uploaded_lesson_nested_3000_deep_is_a_message():
    with pytest.raises(LessonError, match=r"^mine.toml: a value is nested more than 32 levels"):
        parse_lesson_upload(("x = " + "[" * 3000 + "]" * 3000).encode(), "mine.toml")


def test_an_unknown_lesson_name_lists_the_built_in_lessons():
    with pytest.raises(LessonError, match="paternalistic-vs-shared-power"):
        load_lesson("no-such-lesson")


def run_cli(*argv: str) -> int:
    from alliance_sim.cli import main

    return main(list(argv))


def test_the_lesson_command_lists_the_lessons_in_order(capsys):
    assert run_cli("lesson") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[: len(LESSONS)]] == list(LESSONS)


def test_the_lesson_command_runs_a_lesson_and_says_what_it_shows(capsys, tmp_path: Path):
    figure = tmp_path / "lesson.png"
    assert run_cli("lesson", "empathy-and-the-bond", "--figure", str(figure), "--quiet") == 0
    out = capsys.readouterr().out
    assert "→ The bond" in out
    assert out.count("\nok    ") == len(LESSONS["empathy-and-the-bond"].expect)
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_the_lesson_command_exits_1_when_the_run_does_not_show_an_expectation(tmp_path, capsys):
    wrong = MINIMAL.replace('higher = "b"\nlower = "a"', 'higher = "a"\nlower = "b"')
    path = tmp_path / "wrong.toml"
    path.write_text(wrong, encoding="utf-8")
    assert run_cli("lesson", str(path), "--json") == 1
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["all_held"] is False and len(result["table"]) == 2


def test_the_lesson_command_refuses_a_bad_file_naming_it_and_writes_no_figure(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL.replace("replicates = 3", "replicates = 0"), encoding="utf-8")
    figure = tmp_path / "never.png"
    assert run_cli("lesson", str(path), "--figure", str(figure)) == 2
    err = capsys.readouterr().err
    assert f"{path}: replicates = 0 is not allowed" in err
    assert not figure.exists()


def readme() -> str:
    return (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_lesson_example_is_valid_and_shows_what_it_claims(tmp_path, capsys):
    import re

    example = next(
        block
        for block in re.findall(r"```toml\n(.*?)```", readme(), flags=re.S)
        if "[question]" in block
    )
    path = tmp_path / "fear-avoidance.toml"
    path.write_text(example, encoding="utf-8")
    assert run_cli("lesson", str(path), "--quiet") == 0
    assert run_cli("lesson", str(path), "--quiet", "--seed", "7") == 0
    capsys.readouterr()


def test_the_readme_lists_every_metric_a_lesson_may_plot():
    line = next(line for line in readme().splitlines() if line.startswith("- `metrics` —"))
    import re

    assert re.findall(r"`(\w+)`", line)[1:] == list(METRICS)
