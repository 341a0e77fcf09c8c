"""Lessons for teaching: a question asked before a run, the run, and the explanation after it.

Each lesson is a TOML file (see :mod:`alliance_sim.lessons.lesson` for the
format), so an educator writes a new one without code; the built-in lessons
are in ``library/``. :func:`run_lesson` runs a lesson's clinics and checks the
effects its explanation describes; :func:`lesson_figure` draws the result.
"""

from alliance_sim.lessons.figures import lesson_caption, lesson_figure
from alliance_sim.lessons.lesson import (
    MAX_ARMS,
    MAX_REPLICATES,
    Arm,
    Expectation,
    Lesson,
    LessonError,
    Question,
    builtin_lessons,
    load_lesson,
    parse_lesson,
    parse_lesson_upload,
)
from alliance_sim.lessons.run import Check, LessonRun, run_lesson

__all__ = [
    "MAX_ARMS",
    "MAX_REPLICATES",
    "Arm",
    "Check",
    "Expectation",
    "Lesson",
    "LessonError",
    "LessonRun",
    "Question",
    "builtin_lessons",
    "lesson_caption",
    "lesson_figure",
    "load_lesson",
    "parse_lesson",
    "parse_lesson_upload",
    "run_lesson",
]
