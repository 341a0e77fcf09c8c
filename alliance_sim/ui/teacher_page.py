"""The teacher's view of the class poll: what the class predicted, beside what the run shows.

At ``/teacher`` (a route of its own, linked from no student page). For a lesson,
a bar chart counts the predictions students committed on the Learn page (see
:mod:`alliance_sim.ui.poll`), with the answer the lesson's run bears out marked;
beside it, that answer and — on request — the lesson's run itself, to project.
The counts update as students predict; **Reset** sets a lesson's counts to zero
(for the next class). Nothing personal is shown or kept: only counts.
"""

from __future__ import annotations

import textwrap
import threading
from typing import Any, cast

import reacton.ipyvuetify as rv
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from alliance_sim.core.scales import add_caption
from alliance_sim.lessons import Lesson, LessonRun, builtin_lessons, lesson_caption, lesson_figure
from alliance_sim.lessons import run_lesson as run_the_lesson
from alliance_sim.ui.background import use_background_run
from alliance_sim.ui.figures import FigurePanel, file_name
from alliance_sim.ui.guard import Guard
from alliance_sim.ui.learn_page import lesson_poll_key
from alliance_sim.ui.poll import POLLS, Poll
from alliance_sim.ui.safe_text import SafeMarkdown

__all__ = ["REFRESH_S", "Teacher", "TeacherPage", "poll_caption", "poll_figure"]

REFRESH_S = 1.0
"""How often the view looks for new predictions."""
ANSWER_COLOUR = "#2e7d32"
OTHER_COLOUR = "#90a4ae"


def poll_caption(poll: Poll) -> str:
    """The sentence under the poll's chart."""
    return (
        f"Bars: how many predictions each answer received ({poll.total} in all), on a scale "
        "from 0 to every prediction made; green: the answer the lesson's run bears out. "
        "Only counts are kept, in this server's memory."
    )


def poll_figure(poll: Poll, caption: bool = True) -> Figure:
    """The poll as horizontal bars, one per choice, the run's answer in green."""
    fig = Figure(figsize=(7.5, 1.2 + 0.7 * len(poll.choices)), layout="constrained")
    ax = fig.add_subplot()
    rows = list(range(len(poll.choices)))[::-1]
    colours = [ANSWER_COLOUR if c == poll.answer else OTHER_COLOUR for c in poll.choices]
    ax.barh(rows, poll.counts, color=colours)
    ax.set_xlim(0, max(poll.total, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    labels = [textwrap.fill(choice, 32, break_on_hyphens=False) for choice in poll.choices]
    ax.set_yticks(rows, labels, parse_math=False)
    for row, count, choice in zip(rows, poll.counts, poll.choices, strict=True):
        note = f"{count}" + ("   ← the run's answer" if choice == poll.answer else "")
        ax.text(count, row, f"  {note}", va="center", fontsize=9, parse_math=False)
    ax.set_xlabel(f"Predictions (of {poll.total})")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        textwrap.fill(poll.question, 80, break_on_hyphens=False), fontsize=10, parse_math=False
    )
    if caption:
        add_caption(fig, poll_caption(poll), width=100)
    return fig


def _empty_poll(lesson: Lesson) -> Poll:
    question = lesson.question
    return Poll(
        lesson_poll_key(lesson),
        lesson.title,
        question.text,
        tuple(question.choices),
        question.answer,
        (0,) * len(question.choices),
        0,
    )


@solara.component
def Teacher() -> solara.Element:
    """The teacher's view; a failure anywhere in it shows one line and the page starts again."""
    return Guard(TeacherPage, "the teacher's view")


@solara.component
def TeacherPage() -> solara.Element:
    """The teacher's view's content."""
    lessons = solara.use_memo(builtin_lessons, [])
    version, set_version = solara.use_state(POLLS.version)
    chosen, set_chosen = solara.use_state(lesson_poll_key(next(iter(lessons.values()))))
    background = use_background_run("the lesson's run failed")

    def watch(cancel: threading.Event) -> None:  # new predictions show within a second
        seen = POLLS.version
        while not cancel.wait(REFRESH_S):
            if POLLS.version != seen:
                seen = POLLS.version
                set_version(seen)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)

    by_key = {lesson_poll_key(lesson): lesson for lesson in lessons.values()}
    polls = {poll.key: poll for poll in POLLS.polls()}
    titles: dict[str, str] = {key: lesson.title for key, lesson in by_key.items()}
    for other, counted in polls.items():
        titles.setdefault(other, f"{counted.title} (a dropped lesson)")
    key = chosen if chosen in titles else next(iter(titles))
    lesson = by_key.get(key)
    poll: Poll | None = polls.get(key) or (_empty_poll(lesson) if lesson is not None else None)

    def choose(title: Any) -> None:
        for candidate, shown in titles.items():
            if shown == title:
                set_chosen(candidate)
                background.reset()

    def reset() -> None:
        POLLS.reset(key)
        set_version(POLLS.version)

    def run() -> None:
        if lesson is None:
            return
        chosen_lesson = lesson

        def job(progress: Any, should_stop: Any) -> LessonRun:
            done = [0]

            def advance(k: int) -> None:
                done[0] += k
                progress(done[0], len(chosen_lesson.arms) * chosen_lesson.replicates)

            return run_the_lesson(chosen_lesson, advance)

        background.start(job, len(lesson.arms) * lesson.replicates)

    ran = cast(LessonRun | None, background.result)
    if ran is not None and lesson is not None and ran.lesson is not lesson:
        ran = None
    with solara.Column(gap="12px", classes=["teacher"]) as page:
        solara.Title("alliance-sim · Teacher's view")
        SafeMarkdown(
            "## The class's predictions\n\nWhat students predicted on the **Learn** page, "
            "counted per lesson as they press *Run the clinics* (anonymous: only counts, "
            "kept in this server's memory until it stops). This page is not linked from the "
            "students' pages."
        )
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select(
                "Lesson", values=list(titles.values()), value=titles[key], on_value=choose
            )
            solara.Button("Reset this lesson's counts", on_click=reset, outlined=True)
            total = poll.total if poll else 0
            solara.Text(
                f"{total} prediction{'' if total == 1 else 's'} so far", classes=["poll-total"]
            )
        if poll is not None:
            with rv.Sheet(elevation=0, class_="results-grid"):
                with solara.Column(gap="4px"):
                    FigurePanel(
                        lambda caption: poll_figure(poll, caption=caption),
                        [poll.counts, poll.question, version],
                        file_name("poll", poll.key.split(":")[0]),
                        "Bar chart of the class's predictions: "
                        + "; ".join(
                            f"{choice}: {count}"
                            for choice, count in zip(poll.choices, poll.counts, strict=True)
                        ),
                        poll_caption(poll),
                    )
                with solara.Card("What the clinics show", classes=["poll-answer"]):
                    SafeMarkdown(f"{poll.question}\n\n**{poll.answer}**")
                    if lesson is not None:
                        if ran is None:
                            solara.Button(
                                "Run the lesson to show the picture",
                                on_click=run,
                                disabled=background.running,
                                color="primary",
                            )
                        if background.running:
                            done, total = background.progress
                            solara.ProgressLinear(value=100.0 * done / total if total else True)
                        if background.error:
                            solara.Error(background.error)
                        if ran is not None:
                            FigurePanel(
                                lambda caption: lesson_figure(ran, caption=caption),
                                [ran],
                                file_name("lesson", ran.lesson.name),
                                f"Bar charts of the lesson's run: {', '.join(ran.lesson.metrics)}",
                                lesson_caption(ran),
                            )
    return page
