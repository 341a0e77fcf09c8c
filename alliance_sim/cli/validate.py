"""``alliance-sim validate``: every published pattern, simulated and judged, by role."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from alliance_sim.cli._common import formatter, print_json, progress_bar, seed_type
from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.validation.defaults import (
    CI_SEED,
    CLINICS_PER_REPLICATE,
    DEFAULT_REPLICATES,
    POSTERIOR_RULES,
    POSTERIOR_TRIALS_PER_DRAW,
    ROLES,
    RULES,
)

VALIDATE_EPILOG = f"""\
examples:
  alliance-sim validate
  alliance-sim validate --report validation.md
  alliance-sim validate --seed 7 --replicates 400 --json
  alliance-sim validate --posterior --report posterior-predictive.md

Simulates every published pattern with the default parameters: the Fuentes 2014
and Ferreira 2013 trials, Burns & Evon 2007, the questionnaires (level, spread,
ceiling, rater agreement), engagement (adherence, attendance, dropout),
psychosocial load, exercise and the alliance-outcome relations.

roles:
  target  {ROLES["target"]}
  check   {ROLES["check"]}
  At most half of the patterns are targets; the checks are reported as out of
  sample and every check that misses is listed.

rules (how a pattern is judged; never on its mean alone):
  interval  {RULES["interval"]}
  share     {RULES["share"]}
  Trial patterns repeat the trial --replicates times; clinic patterns pool
  {CLINICS_PER_REPLICATE} x --replicates default clinics and cut their patients into
  studies of the published size.

posterior predictive check (--posterior): instead of the defaults, --replicates /
{POSTERIOR_TRIALS_PER_DRAW} parameter sets are drawn from the calibration's posterior (reproducible
from --seed), each simulated as --replicates {POSTERIOR_TRIALS_PER_DRAW} simulates the defaults; the intervals
include parameter uncertainty:
  interval  {POSTERIOR_RULES["interval"]}
  mean      {POSTERIOR_RULES["mean"]}
  share     {POSTERIOR_RULES["share"]}

exit code: 0 when every calibration target passes (checks do not set it),
1 when a target misses, 2 for a usage mistake.
"""


def register(sub: Any) -> None:
    """Add ``validate`` to the subcommands."""
    validate = sub.add_parser(
        "validate",
        help="check the model against published patterns (exit 1 if a calibration target misses)",
        description=(
            "Simulate every published pattern with the default parameters and judge it by its"
            " rule; report calibration targets and out-of-sample checks separately."
        ),
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
        help=(
            f"simulated trials per trial pattern; clinics pooled: {CLINICS_PER_REPLICATE} x this"
            f" (default: {DEFAULT_REPLICATES})"
        ),
    )
    validate.add_argument(
        "--report", metavar="MD", help="write a Markdown report with figures (PNG beside it)"
    )
    validate.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON (one object per pattern, with role, judged_by, interval)",
    )
    validate.add_argument(
        "--posterior",
        action="store_true",
        help="posterior predictive check: parameter sets drawn from the posterior, not the defaults",
    )
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


def _print_rows(rows: Sequence[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def cmd_validate(args: argparse.Namespace) -> int:
    """``alliance-sim validate``."""
    from pathlib import Path

    from alliance_sim.validation import judge
    from alliance_sim.validation.report import simulated_text, write_report

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

        if args.posterior:
            result = judge.validate_posterior(
                seed=args.seed, replicates=args.replicates, progress=progress
            )
        else:
            result = judge.validate(seed=args.seed, replicates=args.replicates, progress=progress)
    if args.report is not None:
        write_report(result, args.report)
    code = 0 if result.targets_passed else 1
    if args.json:
        print_json(result.records())
        return code
    headers = ("pattern", "rule", "n", "published", "simulated [95%]", "tolerance", "verdict")
    if result.draws:
        print(
            f"posterior predictive check: seed {result.seed}; {result.draws} parameter sets drawn"
            f" from the posterior ({result.posterior}), {POSTERIOR_TRIALS_PER_DRAW} simulated"
            f" trials each ({result.replicates} per trial pattern); {result.clinics} clinics"
            " pooled into studies of the published size; intervals include parameter"
            " uncertainty (see --help for the rules)"
        )
    else:
        print(
            f"validation: seed {result.seed}; {result.replicates} simulated trials per trial"
            f" pattern; {result.clinics} default clinics pooled into studies of the published"
            " size; default parameters"
        )
    summary = dict(zip(("target", "check"), result.summary_lines(), strict=True))
    for role, part, title in (
        ("target", result.targets, "Calibration targets (used by alliance-sim calibrate)"),
        ("check", result.checks, "Checks (out of sample: never used by the calibration)"),
    ):
        print()
        print(title)
        rows = [
            (
                row.id,
                row.judged_by,
                str(row.n),
                row.published,
                simulated_text(row),
                row.tolerance,
                "pass" if row.passed else "MISS",
            )
            for row in part.itertuples()
        ]
        if rows:
            _print_rows(rows, headers)
        print(summary[role])
    missed = result.missed_checks
    print()
    if missed.empty:
        print("checks that miss: none")
    else:
        print(f"checks that miss ({len(missed)}; out of sample, they do not set the exit code):")
        for row in missed.itertuples():
            print(f"  {row.id}: simulated {simulated_text(row)}, tolerance {row.tolerance}")
    if not result.targets_passed:
        failed = result.targets[~result.targets["passed"]]["id"]
        print(f"calibration targets that miss ({len(failed)}): {', '.join(failed)}")
    if args.report is not None:
        print(f"wrote report: {args.report}")
    return code
