"""``alliance-sim lesson``: list the lessons, or check and run one (the Learn page's lessons)."""

from __future__ import annotations

import argparse
import dataclasses
import textwrap
from typing import Any

from alliance_sim.cli._common import (
    check_figure_path,
    formatter,
    positive_int,
    print_json,
    progress_bar,
    save_figure,
    seed_type,
)

LESSON_EPILOG = """\
examples:
  alliance-sim lesson                       # the built-in lessons, in teaching order
  alliance-sim lesson paternalistic-vs-shared-power
  alliance-sim lesson my_lesson.toml        # check your own lesson file, then run it
  alliance-sim lesson my_lesson.toml --seed 7 --figure my_lesson.png

Running a lesson prints its question, the means of its metrics per arm with
95% intervals, and whether the run shows each effect its [[expect]] entries
describe. Exit code: 0 when every expectation holds, 1 when one does not,
2 for a mistake in the file. The README's instructor's guide explains how to
write a lesson file; the built-in ones are in alliance_sim/lessons/library/.
"""


def _replicates(text: str) -> int:
    from alliance_sim.lessons import MAX_REPLICATES  # here: the lessons load the model

    return int(positive_int(2, MAX_REPLICATES, "--replicates")(text))


def register(sub: Any) -> None:
    """Add ``lesson`` to the subcommands."""
    lesson = sub.add_parser(
        "lesson",
        help="list the teaching lessons, or check and run one (built-in or your own file)",
        description="List the lessons of the Learn page, or check a lesson file and run it.",
        epilog=LESSON_EPILOG,
        formatter_class=formatter,
    )
    lesson.add_argument(
        "lesson", nargs="?", help="a built-in lesson name or a .toml lesson file (omit to list)"
    )
    lesson.add_argument("--seed", type=seed_type, help="random seed (default: the lesson's)")
    lesson.add_argument(
        "--replicates",
        type=_replicates,
        help="replicate clinics per arm (default: the lesson's)",
    )
    lesson.add_argument(
        "--figure", metavar="PNG", help="save the lesson's figure (.png, .svg, .pdf)"
    )
    lesson.add_argument("--json", action="store_true", help="print the result as JSON")
    lesson.add_argument("--quiet", action="store_true", help="no progress bar")
    lesson.set_defaults(handler=cmd_lesson)


def cmd_lesson(args: argparse.Namespace) -> int:
    """``alliance-sim lesson``."""
    from alliance_sim.lessons import builtin_lessons, load_lesson, run_lesson

    if args.lesson is None:
        return _list(builtin_lessons(), args.json)
    lesson = load_lesson(args.lesson)
    changes: dict[str, Any] = {}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.replicates is not None:
        changes["replicates"] = args.replicates
    lesson = dataclasses.replace(lesson, **changes)
    if args.figure is not None:
        check_figure_path(args.figure)
    total = len(lesson.arms) * lesson.replicates
    with progress_bar(total, lesson.name, "clinic", args.quiet or args.json) as bar:
        result = run_lesson(lesson, bar.update)
    if args.figure is not None:
        from alliance_sim.lessons import lesson_figure

        save_figure(lesson_figure(result), args.figure)
    if args.json:
        print_json(
            {
                "lesson": lesson.name,
                "title": lesson.title,
                "seed": lesson.seed,
                "replicates": lesson.replicates,
                "question": lesson.question.text,
                "answer": lesson.question.answer,
                "table": result.table.to_dict("records"),
                "checks": [{"text": c.text, "held": c.held} for c in result.checks],
                "all_held": result.all_held,
            }
        )
        return 0 if result.all_held else 1
    _print(result)
    if args.figure is not None:
        print(f"\nwrote figure: {args.figure}")
    return 0 if result.all_held else 1


def _list(lessons: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print_json(
            [
                {"name": n, "title": x.title, "minutes": x.minutes, "summary": x.summary}
                for n, x in lessons.items()
            ]
        )
        return 0
    width = max(len(name) for name in lessons)
    for number, (name, lesson) in enumerate(lessons.items(), start=1):
        print(f"{number}. {name.ljust(width)}  {lesson.minutes:>2} min  {lesson.title}")
    print("\nalliance-sim lesson NAME runs one; the Learn page of `alliance-sim ui` teaches them.")
    return 0


def _print(result: Any) -> None:
    from alliance_sim.records.metrics import METRICS

    lesson = result.lesson
    print(f"{lesson.title} ({lesson.origin})")
    print(f"{len(lesson.arms)} arms × {lesson.replicates} replicate clinics, seed {lesson.seed}")
    print()
    print(textwrap.fill(f"Question: {lesson.question.text}", 88))
    for choice in lesson.question.choices:
        mark = "→" if choice == lesson.question.answer else " "
        print(f"  {mark} {choice}")
    print()
    labels = [arm.label for arm in lesson.arms]
    width = max(len(METRICS[m].label) for m in lesson.metrics)
    columns = [max(len(label), 19) for label in labels]
    print(
        " " * width + "  " + "  ".join(lab.rjust(w) for lab, w in zip(labels, columns, strict=True))
    )
    for metric in lesson.metrics:
        cells = []
        for arm, w in zip(lesson.arms, columns, strict=True):
            row = result.table[
                (result.table["arm"] == arm.name) & (result.table["metric"] == metric)
            ]
            mean, low, high = (float(row[k].iloc[0]) for k in ("mean", "ci_low", "ci_high"))
            digits = 1 if abs(mean) >= 10 else 2
            cells.append(f"{mean:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})".rjust(w))
        print(METRICS[metric].label.ljust(width) + "  " + "  ".join(cells))
    print("\n(mean and 95% interval over the replicate clinics)\n")
    for check in result.checks:
        print(("ok    " if check.held else "NOT   ") + check.text)
