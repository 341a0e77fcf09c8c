"""Lessons: predict, run, explain — one TOML file each, validated like scenarios.

A lesson file looks like::

    name = "paternalistic-vs-shared-power"    # optional: the file's stem
    title = "Paternalistic vs shared power"
    order = 1                                   # where it comes in the list
    minutes = 10
    summary = "Who decides the goals, and does it matter for the exercises at home?"
    introduction = "Two clinics … (Markdown)"
    metrics = ["adherence", "goal_agreement"]   # what the run shows; the first is the main one
    replicates = 20                             # replicate clinics per arm (2–100)
    seed = 1
    explanation = "What happened, why, and where the idea comes from (Markdown)"
    sources = ["Mead N, Bower P (2000) …"]
    things_to_try = ["In Explore, …"]           # optional follow-ups

    [question]                                  # asked before the run
    text = "What happens to home-exercise adherence when the therapist decides alone?"
    choices = ["It goes up", "It stays about the same", "It goes down"]
    answer = "It goes down"                     # one of the choices

    [[arms]]                                    # the clinics that are run (1–6)
    name = "paternalistic"
    label = "Paternalistic therapists"
    scenario = "paternalistic"                  # optional: a built-in scenario's name
    parameters = { n_sessions = 8 }             # optional: on top of the scenario

    [[expect]]                                  # the effect the explanation describes
    metric = "adherence"
    higher = "shared"                           # arm names …
    lower = "paternalistic"
    by = 0.02                                   # … by at least this much (optional)

An ``[[expect]]`` entry is one of: ``higher``/``lower`` (with an optional ``by``),
``similar = [arm, arm]`` with ``within``, or ``arm`` with ``at_least`` and/or
``at_most``. Instead of ``[[arms]]``, ``trial = "fuentes-2014"`` takes the arms of a
built-in trial protocol (each replicate is then one trial of its size). The
built-in lessons are the files in ``library/`` beside this module.

A lesson refers to built-in scenarios and trials by name only, never to a file:
a lesson dropped on the web app cannot make the server read anything. Use
:func:`load_lesson` for a name or a path typed on the command line, and
:func:`parse_lesson_upload` for the bytes of an uploaded file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import AllianceSimError, ParameterError, ScenarioError, shown
from alliance_sim.core.named_files import load_named, read_builtins
from alliance_sim.core.params import MAX_SEED, Params
from alliance_sim.core.toml_checks import (
    check_keys,
    decode_upload,
    name_value,
    not_allowed,
    read_toml,
    upload_name,
)
from alliance_sim.records.metrics import METRICS
from alliance_sim.scenarios import builtin_scenario

__all__ = [
    "MAX_ARMS",
    "MAX_REPLICATES",
    "Arm",
    "Expectation",
    "Lesson",
    "LessonError",
    "Question",
    "builtin_lessons",
    "load_lesson",
    "parse_lesson",
    "parse_lesson_upload",
]

MAX_ARMS = 6
MAX_REPLICATES = 100

TOP_LEVEL_KEYS = (
    "name",
    "title",
    "order",
    "minutes",
    "summary",
    "introduction",
    "question",
    "arms",
    "trial",
    "metrics",
    "replicates",
    "seed",
    "explanation",
    "sources",
    "things_to_try",
    "expect",
)
QUESTION_KEYS = ("text", "choices", "answer")
ARM_KEYS = ("name", "label", "scenario", "parameters")
EXPECT_KEYS = ("metric", "higher", "lower", "by", "similar", "within", "arm", "at_least", "at_most")


class LessonError(AllianceSimError):
    """A lesson that cannot be found, read or validated."""


@dataclass(frozen=True)
class Question:
    """The question asked before the run."""

    text: str
    choices: tuple[str, ...]
    answer: str
    """The choice the run bears out."""


@dataclass(frozen=True)
class Arm:
    """One clinic of the lesson: a name to refer to it, a label to show, its parameters."""

    name: str
    label: str
    params: Params


@dataclass(frozen=True)
class Expectation:
    """An effect the explanation describes, which the run should show.

    ``higher``/``lower``: the mean of ``metric`` in arm ``higher`` exceeds arm
    ``lower``'s by at least ``by``. ``similar``: the two arms' means differ by at
    most ``within``. ``arm``: its mean is at least ``at_least`` and at most ``at_most``.
    """

    metric: str
    higher: str | None = None
    lower: str | None = None
    by: float = 0.0
    similar: tuple[str, str] | None = None
    within: float | None = None
    arm: str | None = None
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class Lesson:
    """A lesson: a question, the clinics to run, what to look at, and the explanation."""

    name: str
    title: str
    summary: str
    introduction: str
    question: Question
    arms: tuple[Arm, ...]
    metrics: tuple[str, ...]
    explanation: str
    order: int = 100
    minutes: int = 10
    replicates: int = 20
    seed: int = 0
    sources: tuple[str, ...] = ()
    things_to_try: tuple[str, ...] = ()
    expect: tuple[Expectation, ...] = ()
    trial: str | None = None
    origin: str = "built-in"
    """Where the lesson was read from."""

    def arm(self, name: str) -> Arm:
        """The arm called ``name``."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise LessonError(f"{self.name}: no arm {name!r}")


def _fail(source: str, key: str, value: Any, allowed: str) -> AllianceSimError:
    return not_allowed(LessonError, source, key, value, allowed)


def _text(
    data: Mapping[str, Any], key: str, source: str, where: str = "", default: Any = None
) -> str:
    value = data.get(key, default)
    if value is None:
        raise LessonError(f"{source}: {where}{key} is missing: a text is required")
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, where + key, value, "a non-empty text")
    return value.strip()


def _whole(
    data: Mapping[str, Any], key: str, source: str, low: int, high: int, default: int
) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(source, key, value, f"a whole number from {low} to {high}")
    return value


def _number(data: Mapping[str, Any], key: str, source: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(source, where + key, value, "a number")
    if not math.isfinite(value) or abs(value) > 1e12:
        raise _fail(source, where + key, value, "a finite number (within ±1e12)")
    return float(value)


def _texts(data: Mapping[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(source, key, value, "a list of texts")
    return tuple(v.strip() for v in value)


def _unknown(data: Mapping[str, Any], allowed: tuple[str, ...], source: str, where: str) -> None:
    check_keys(data, allowed, source, LessonError, where)


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        raise LessonError(f"{source}: [{key}] is missing")
    if not isinstance(value, dict):
        raise _fail(source, key, value, f"a table ([{key}])")
    return value


def _question(data: Mapping[str, Any], source: str) -> Question:
    table = _table(data, "question", source)
    _unknown(table, QUESTION_KEYS, source, "question.")
    text = _text(table, "text", source, "question.")
    choices = table.get("choices")
    if (
        not isinstance(choices, list)
        or len(choices) < 2
        or not all(isinstance(c, str) and c.strip() for c in choices)
        or len(set(choices)) != len(choices)
    ):
        raise _fail(source, "question.choices", choices, "a list of at least two different texts")
    answer = table.get("answer")
    if answer not in choices:
        raise _fail(
            source,
            "question.answer",
            answer,
            "one of the choices: " + ", ".join(shown(c) for c in choices),
        )
    return Question(text, tuple(choices), str(answer))


def _arm(entry: Any, index: int, source: str) -> Arm:
    where = f"arms[{index}]."
    if not isinstance(entry, dict):
        raise _fail(source, f"arms[{index}]", entry, "a table ([[arms]])")
    _unknown(entry, ARM_KEYS, source, where)
    name = _text(entry, "name", source, where)
    label = _text(entry, "label", source, where, default=name)
    scenario_name = entry.get("scenario", "default")
    overrides = entry.get("parameters", {})
    if not isinstance(overrides, dict):
        raise _fail(
            source, where + "parameters", overrides, "a table of parameter names and values"
        )
    try:
        scenario = builtin_scenario(scenario_name)  # a name only: never a file
    except ScenarioError as error:
        raise LessonError(f"{source}: {where}{error}") from None
    try:
        params = scenario.params(overrides)
    except ParameterError as error:
        raise LessonError(f"{source}: {where}parameters: {error}") from None
    return Arm(name, label, params)


def _trial_arms(name: Any, source: str) -> tuple[Arm, ...]:
    from alliance_sim.trials.protocol import ProtocolError, builtin_protocols

    protocols = builtin_protocols()
    protocol = protocols[
        name_value(name, protocols, source, "trial", LessonError, "a built-in trial")
    ]
    try:
        return tuple(Arm(arm.name, arm.label, protocol.params(arm)) for arm in protocol.arms)
    except (ProtocolError, ParameterError) as error:  # pragma: no cover - built-ins are valid
        raise LessonError(f"{source}: trial: {error}") from None


def _metrics(data: Mapping[str, Any], source: str) -> tuple[str, ...]:
    value = data.get("metrics")
    if not isinstance(value, list) or not value:
        raise _fail(source, "metrics", value, "a list of at least one metric")
    for index, metric in enumerate(value):
        name_value(metric, METRICS, source, f"metrics[{index}]", LessonError, "a metric")
    if len(set(value)) != len(value):
        raise _fail(source, "metrics", value, "different metrics (each at most once)")
    return tuple(value)


def _expectation(entry: Any, index: int, arms: set[str], source: str) -> Expectation:
    where = f"expect[{index}]."
    if not isinstance(entry, dict):
        raise _fail(source, f"expect[{index}]", entry, "a table ([[expect]])")
    _unknown(entry, EXPECT_KEYS, source, where)
    metric = name_value(
        entry.get("metric"), METRICS, source, where + "metric", LessonError, "a metric"
    )

    def arm_name(key: str, value: Any) -> str:
        return name_value(
            value, sorted(arms), source, where + key, LessonError, "the name of an arm"
        )

    kinds = [k for k in ("higher", "similar", "arm") if k in entry]
    if len(kinds) != 1:
        raise LessonError(
            f"{source}: {where.rstrip('.')} must say one of higher/lower, similar or arm"
        )
    kind = kinds[0]
    if kind == "higher":
        if "lower" not in entry:
            raise LessonError(f"{source}: {where}lower is missing: higher needs a lower arm")
        by = _number(entry, "by", source, where) or 0.0
        if by < 0:
            raise _fail(source, where + "by", by, "a number ≥ 0")
        return Expectation(
            str(metric), arm_name("higher", entry["higher"]), arm_name("lower", entry["lower"]), by
        )
    if kind == "similar":
        pair = entry["similar"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise _fail(source, where + "similar", pair, "a list of two arm names")
        within = _number(entry, "within", source, where)
        if within is None or within < 0:
            raise _fail(source, where + "within", entry.get("within"), "a number ≥ 0")
        return Expectation(
            str(metric),
            similar=(arm_name("similar", pair[0]), arm_name("similar", pair[1])),
            within=within,
        )
    at_least = _number(entry, "at_least", source, where)
    at_most = _number(entry, "at_most", source, where)
    if at_least is None and at_most is None:
        raise LessonError(f"{source}: {where}arm needs at_least and/or at_most")
    return Expectation(
        str(metric), arm=arm_name("arm", entry["arm"]), at_least=at_least, at_most=at_most
    )


def parse_lesson(text: str, source: str, default_name: str = "lesson") -> Lesson:
    """Parse and validate lesson TOML ``text``; ``source`` names it in error messages.

    Raises:
        LessonError: naming the file, the key, the value and what is allowed.
    """
    data = read_toml(text, source, LessonError)
    _unknown(data, TOP_LEVEL_KEYS, source, "")
    name = _text(data, "name", source, default=default_name)
    if "trial" in data and "arms" in data:
        raise LessonError(f"{source}: give either [[arms]] or trial, not both")
    if "trial" in data:
        arms = _trial_arms(data["trial"], source)
    else:
        entries = data.get("arms")
        if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_ARMS:
            raise _fail(source, "arms", entries, f"from 1 to {MAX_ARMS} [[arms]] tables")
        arms = tuple(_arm(entry, i, source) for i, entry in enumerate(entries))
    names = [arm.name for arm in arms]
    if len(set(names)) != len(names):
        raise _fail(source, "arms", names, "arms with different names")
    expect = data.get("expect", [])
    if not isinstance(expect, list):
        raise _fail(source, "expect", expect, "[[expect]] tables")
    return Lesson(
        name=name,
        title=_text(data, "title", source),
        summary=_text(data, "summary", source),
        introduction=_text(data, "introduction", source),
        question=_question(data, source),
        arms=arms,
        metrics=_metrics(data, source),
        explanation=_text(data, "explanation", source),
        order=_whole(data, "order", source, 0, 10_000, 100),
        minutes=_whole(data, "minutes", source, 1, 120, 10),
        replicates=_whole(data, "replicates", source, 2, MAX_REPLICATES, 20),
        seed=_whole(data, "seed", source, 0, MAX_SEED, 0),
        sources=_texts(data, "sources", source),
        things_to_try=_texts(data, "things_to_try", source),
        expect=tuple(_expectation(e, i, set(names), source) for i, e in enumerate(expect)),
        trial=data.get("trial"),
        origin=source,
    )


def parse_lesson_upload(data: bytes | str, file_name: str) -> Lesson:
    """The lesson in an uploaded file's contents (the web app's upload), validated.

    Never touches the filesystem: ``file_name`` (whatever the browser sent) is only
    the label in messages and the default name (its stem); the lesson's scenarios
    and trial are built-in names. The contents are bounded like a file's (at most
    a megabyte, UTF-8, nesting, numbers).

    Raises:
        LessonError: naming the file, the key and what is allowed.
    """
    label = upload_name(file_name, "uploaded lesson")
    text = decode_upload(data, label, "lesson", LessonError)
    stem = label.rsplit(".", 1)[0] if "." in label else label
    return parse_lesson(text, label, stem or "lesson")


def builtin_lessons() -> dict[str, Lesson]:
    """The built-in lessons by name, in their teaching order."""
    lessons = read_builtins(resources.files(__package__).joinpath("library"), parse_lesson)
    return dict(sorted(lessons.items(), key=lambda item: (item[1].order, item[0])))


def load_lesson(name_or_path: str | Path) -> Lesson:
    """A built-in lesson by name, or a lesson file by path (from the command line).

    The file is read bounded (a regular file, at most a megabyte, UTF-8; see
    :func:`~alliance_sim.core.toml_checks.read_text_file`).

    Raises:
        LessonError: for an unknown name, a missing or unreadable file, or an invalid file.
    """
    return load_named(name_or_path, builtin_lessons(), parse_lesson, LessonError, "lesson")
