"""Learn: short lessons that ask students to predict, then run, then read why.

Each lesson (:mod:`alliance_sim.lessons`) asks its question first; the run
button waits for a prediction. Pressing it counts the prediction in the class
poll (:mod:`alliance_sim.ui.poll`; anonymous, in the server's memory), and the
run happens in the background with a progress bar; then the page shows the
picture, whether the prediction matched, what the run shows in words and
numbers, and the explanation with its sources.

An educator can drop their own lesson file on the page (or click the zone to
choose one); a file with a mistake shows the message and the lesson that was
there stays. A dropped lesson's arms may use only built-in scenarios: the server
never opens a path named in a file. A lesson's texts are shown safely
(:mod:`alliance_sim.ui.safe_text`): HTML in them is text, and nothing in them runs.
"""

from __future__ import annotations

from typing import Any, cast

import reacton.ipyvuetify as rv
import solara

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.lessons import (
    Lesson,
    LessonRun,
    builtin_lessons,
    lesson_caption,
    lesson_figure,
    parse_lesson_upload,
    run_lesson,
)
from alliance_sim.ui.background import use_background_run
from alliance_sim.ui.drop_zone import DropZone
from alliance_sim.ui.dropped import read_dropped
from alliance_sim.ui.figures import FigurePanel, file_name
from alliance_sim.ui.guard import Guard, guarded
from alliance_sim.ui.poll import POLLS, Ticket, poll_key
from alliance_sim.ui.safe_text import SafeMarkdown
from alliance_sim.ui.sweep_page import MAX_PATIENT_SESSIONS

__all__ = [
    "Learn",
    "LearnPage",
    "LessonView",
    "check_lesson_size",
    "lesson_poll_key",
    "prediction_feedback",
    "vote",
]


def check_lesson_size(lesson: Lesson, name: str) -> Lesson:
    """``lesson``, if the app can run it for a student in seconds (as much as a sweep).

    Raises:
        AllianceSimError: naming the file, its size and the limit.
    """
    size = lesson.replicates * sum(
        int(arm.params["n_patients"]) * int(arm.params["n_sessions"]) for arm in lesson.arms
    )
    if size > MAX_PATIENT_SESSIONS:
        raise AllianceSimError(
            f"{name}: this lesson simulates {size:,} patient-sessions; the app runs at most "
            f"{MAX_PATIENT_SESSIONS:,}. Use fewer replicates or patients, or run it with "
            "'alliance-sim lesson FILE' on the command line"
        )
    return lesson


def prediction_feedback(lesson: Lesson, prediction: str) -> tuple[bool, str]:
    """Whether ``prediction`` is the answer the run bears out, and what to tell the student."""
    if prediction == lesson.question.answer:
        return True, f"You predicted “{prediction}” — and that is what the clinics show."
    return False, (
        f"You predicted “{prediction}”, but the clinics show “{lesson.question.answer}”. "
        "Look at the picture, then read why below."
    )


def lesson_poll_key(lesson: Lesson) -> str:
    """The key of ``lesson``'s poll."""
    return poll_key(lesson.name, lesson.question.text, lesson.question.choices)


def vote(lesson: Lesson, prediction: str, previous: Ticket | None) -> Ticket | None:
    """Count ``prediction`` in ``lesson``'s poll (moving this session's ``previous`` vote)."""
    question = lesson.question
    return POLLS.vote(
        lesson_poll_key(lesson),
        lesson.title,
        question.text,
        question.choices,
        question.answer,
        prediction,
        previous,
    )


@solara.component
def LessonView(lesson: Lesson) -> solara.Element:
    """One lesson: introduction, question, run, and — after the run — the explanation."""
    prediction, set_prediction = solara.use_state(cast(str | None, None))
    ticket = solara.use_ref(cast(Ticket | None, None))  # this session's vote, to move it
    background = use_background_run("the lesson's run failed")
    total = len(lesson.arms) * lesson.replicates

    def forget() -> None:  # another lesson, or "Try again": start over
        set_prediction(None)
        background.reset()

    solara.use_effect(forget, [lesson])

    def start() -> None:
        if prediction is None or prediction not in lesson.question.choices:
            return
        ticket.current = vote(lesson, prediction, ticket.current)

        def job(progress: Any, should_stop: Any) -> LessonRun:
            done = [0]

            def advance(k: int) -> None:
                done[0] += k
                progress(done[0], total)

            return run_lesson(lesson, advance)

        background.start(job, total)

    result = background.result
    status = background.status
    message = background.error
    progress = background.progress[0]
    ran: LessonRun | None = result if result is not None and result.lesson is lesson else None
    with solara.Column(classes=["lesson"]) as view:
        SafeMarkdown(
            f"## {lesson.title}\n\n*About {lesson.minutes} minutes.* {lesson.summary}",
            classes=["lesson-heading"],
        )
        SafeMarkdown(lesson.introduction)
        with solara.Card("1. Predict", classes=["lesson-question"]):
            SafeMarkdown(f"**{lesson.question.text}**")
            locked = ran is not None or status == "running"  # a prediction is made before
            rv.RadioGroup(
                v_model=prediction,
                on_v_model=set_prediction,
                class_="lesson-choices",
                children=[
                    rv.Radio(label=choice, value=choice, disabled=locked)
                    for choice in lesson.question.choices
                ],
            )
        with solara.Card("2. Run"):
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(
                    "Run the clinics",
                    on_click=start,
                    color="primary",
                    disabled=prediction is None or status == "running" or ran is not None,
                )
                if ran is not None:
                    solara.Button("Try again", on_click=forget)
                solara.Text(
                    "Choose your prediction first."
                    if prediction is None
                    else f"{len(lesson.arms)} clinics × {lesson.replicates} replicates",
                    style={"align-self": "center"},
                )
            if status == "running":
                solara.ProgressLinear(value=100.0 * progress / total)
                solara.Text(
                    f"simulating: {progress} of {total} clinics", classes=["lesson-progress"]
                )
            if message:
                solara.Error(message)
            if ran is not None:
                FigurePanel(
                    lambda caption: lesson_figure(ran, caption=caption),
                    [ran],
                    file_name("lesson", lesson.name),
                    f"Bar charts of the lesson's run: {', '.join(lesson.metrics)} for each "
                    "clinic, with 95% intervals",
                    lesson_caption(ran),
                )
        if ran is not None and prediction is not None:
            with solara.Card("3. Explain", classes=["lesson-explanation"]):
                matched, feedback = prediction_feedback(lesson, prediction)
                (solara.Success if matched else solara.Warning)(feedback)
                missed = [check.plain or check.text for check in ran.checks if not check.held]
                shown = "\n".join(
                    f"- {check.plain or check.text}" for check in ran.checks if check.held
                )
                if shown:
                    SafeMarkdown("**What the run shows**\n\n" + shown)
                if missed:
                    solara.Warning(
                        "This run did not show everything the explanation describes: "
                        + "; ".join(missed)
                    )
                SafeMarkdown(lesson.explanation)
                if lesson.sources:
                    SafeMarkdown(
                        "**Sources**\n\n" + "\n".join(f"- {source}" for source in lesson.sources)
                    )
                if lesson.things_to_try:
                    SafeMarkdown(
                        "**Things to try**\n\n"
                        + "\n".join(f"- {idea}" for idea in lesson.things_to_try)
                    )
    return view


@solara.component
def Learn() -> solara.Element:
    """The Learn page; a failure anywhere in it shows one line and the page starts again."""
    return Guard(LearnPage, "the Learn page")


@solara.component
def LearnPage() -> solara.Element:
    """The Learn page's content: the lessons in teaching order, and a place to drop your own."""
    lessons = solara.use_memo(builtin_lessons, [])
    own, set_own = solara.use_state(cast(Lesson | None, None))
    chosen, set_chosen = solara.use_state(next(iter(lessons)))
    error, set_error = solara.use_state(cast(str | None, None))
    everything: dict[str, Lesson] = {**lessons, **({own.name: own} if own else {})}
    lesson = everything.get(chosen, next(iter(lessons.values())))

    def upload(file: Any) -> None:
        try:
            new = read_dropped(
                file,
                lambda data, name: check_lesson_size(parse_lesson_upload(data, name), name),
                kind="a lesson file",
            )
        except AllianceSimError as problem:
            set_error(str(problem))
            return
        set_error(None)
        set_own(new)
        set_chosen(new.name)

    with rv.Sheet(elevation=0, class_="page-grid plain learn-page") as page:
        with solara.Column(gap="12px", classes=["controls-column"]):
            solara.Title("alliance-sim · Learn")
            with solara.Card("Lessons"):
                for number, (name, item) in enumerate(everything.items(), start=1):
                    with solara.Column(gap="0px", style={"margin-bottom": "8px"}):
                        solara.Button(
                            f"{number}. {item.title}",
                            on_click=lambda name=name: set_chosen(name),
                            text=name != lesson.name,
                            color="primary",
                            classes=["lesson-choice"],
                            style={
                                "justify-content": "flex-start",
                                "text-transform": "none",
                                "white-space": "normal",
                                "height": "auto",
                                "min-height": "36px",
                                "text-align": "left",
                                "max-width": "100%",
                            },
                        )
                        solara.Text(
                            f"{item.summary} ({item.minutes} min)",
                            style={"font-size": "0.85em", "color": "#555", "margin-left": "16px"},
                        )
            with solara.Card("Your own lesson", classes=["hide-in-projector"]):
                DropZone(
                    "Drop a lesson file (.toml) here, or click to choose one — the README "
                    "says how to write one",
                    guarded(upload, set_error, "reading the file"),
                )
                if error:
                    solara.Error(error)
        with solara.Column(classes=["results-column", "lesson-column"]):
            LessonView(lesson)
    return page
