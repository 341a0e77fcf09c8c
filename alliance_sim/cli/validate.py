"""``alliance-sim validate``: every published pattern, simulated and judged."""

from __future__ import annotations

import argparse
import math
from typing import Any

from alliance_sim.cli._common import formatter, print_json, progress_bar, seed_type
from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.validation.defaults import CI_SEED, DEFAULT_REPLICATES

VALIDATE_EPILOG = """\
examples:
  alliance-sim validate
  alliance-sim validate --report validation.md
  alliance-sim validate --seed 7 --replicates 400 --json

Runs every pattern of DESIGN §4 and the measurement literature with the
default parameters: the Fuentes 2014 trial (arm means, main effects,
interaction, order), the Ferreira 2013 cohort (does the alliance at session 2
predict each outcome in a trial of the published size?), engagement over an
episode (adherence, dropout, missed visits) and the questionnaires (ceiling
effect; patient vs therapist ratings). Exit code 0 when every pattern passes,
1 when any fails, 2 for a usage mistake.
"""


def register(sub: Any) -> None:
    """Add ``validate`` to the subcommands."""
    validate = sub.add_parser(
        "validate",
        help="check the model against published patterns (exit 1 if any fails)",
        description="Simulate every published pattern with the default parameters and judge it.",
        epilog=VALIDATE_EPILOG,
        formatter_class=formatter,
    )
    validate.add_argument(
        "--seed", type=seed_type, default=CI_SEED, help=f"random seed (default: {CI_SEED})"
    )
    validate.add_argument(
        "--replicates",
        type=_replicates,
        default=DEFAULT_REPLICATES,
        help=f"simulated trials/clinics per pattern (default: {DEFAULT_REPLICATES})",
    )
    validate.add_argument(
        "--report", metavar="MD", help="write a Markdown report with figures (PNG beside it)"
    )
    validate.add_argument("--json", action="store_true", help="print the results as JSON")
    validate.add_argument("--quiet", action="store_true", help="no progress bar")
    validate.set_defaults(handler=cmd_validate)


def _replicates(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"replicates {shown(text)} is not a whole number"
        ) from None
    if not 2 <= value <= 10_000:
        raise argparse.ArgumentTypeError(
            f"replicates {shown(value)} is out of range: allowed 2 to 10000"
        )
    return value


def _show(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if unit.startswith("share"):
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def cmd_validate(args: argparse.Namespace) -> int:
    """``alliance-sim validate``."""
    from pathlib import Path

    from alliance_sim.validation.patterns import validate, write_report

    if args.report is not None:
        from alliance_sim.records.io import check_targets

        if not args.report.strip():
            raise AllianceSimError(
                "--report '': an empty file name; give a file name such as report.md"
            )
        check_targets([Path(args.report)], "--report")
    with progress_bar(1, "validate", "run", args.quiet or args.json) as bar:
        last = 0

        def progress(done: int, total: int) -> None:
            nonlocal last
            bar.total = total
            bar.update(done - last)
            last = done

        result = validate(seed=args.seed, replicates=args.replicates, progress=progress)
    if args.report is not None:
        write_report(result, args.report)
    if args.json:
        print_json(result.records())
        return 0 if result.passed else 1
    headers = ("pattern", "published", "simulated (95% interval)", "tolerance", "verdict")
    rows = []
    for row in result.table.itertuples():
        tolerance = (
            f"{100 * row.low:g}% to {100 * row.high:g}%"
            if row.unit.startswith("share")
            else row.tolerance
        )
        rows.append(
            (
                row.id,
                row.published,
                f"{_show(row.simulated, row.unit)} ({_show(row.simulated_low, row.unit)}"
                f" to {_show(row.simulated_high, row.unit)})",
                tolerance,
                "pass" if row.passed else "FAIL",
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(
        f"validation: seed {result.seed}, {result.replicates} simulated trials/clinics per"
        " pattern, default parameters"
    )
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    passed = int(result.table["passed"].sum())
    print()
    print(f"{passed} of {len(rows)} patterns pass")
    if args.report is not None:
        print(f"wrote report: {args.report}")
    return 0 if result.passed else 1
