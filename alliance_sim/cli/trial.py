"""``alliance-sim trial``: a published study re-run on simulated patients."""

from __future__ import annotations

import argparse
import math
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

TRIAL_EPILOG = """\
examples:
  alliance-sim trial fuentes-2014
  alliance-sim trial fuentes-2014 --replicates 100 --figure fuentes.png
  alliance-sim trial fuentes-2014 --power 10,20,40,80
  alliance-sim trial ferreira-2013 --n-per-arm 100 --json
  alliance-sim trial burns-evon-2007 --seed 7
  alliance-sim trial my_trial.toml
  alliance-sim trial fuentes-2014 --replicates 200 --uncertainty

Built-in protocols: fuentes-2014 (2×2: active/sham device × enhanced/limited
alliance, one session), ferreira-2013 (the alliance at session 2 predicts
outcome at 8 weeks), burns-evon-2007 (self-efficacy × goal/task agreement).
A protocol file is TOML (see alliance_sim/trials/protocols/ for examples). A
regression model is written as data (outcome, terms, adjust_for, moderator)
or as a formula such as 'gpe ~ wai_patient + C(arm)', read by a small
grammar of patient columns, C(arm), ':' and '*'; it is never run as Python.

With one replicate the table shows one simulated trial with its 95% CIs.
With --replicates R the whole trial is repeated R times with new patients:
'simulated' is the mean over trials and the interval holds the middle 95% of
them (the spread of results a real trial of this size could get); 'sig'
is the share of trials with p < 0.05. --power runs 200 trials per size (or
--power-replicates) and prints the power to detect the primary estimate.

--uncertainty: each replicate trial also draws the calibrated parameters from
the posterior (every arm of a trial shares its draw; the protocol's own
settings win), so the spread of the trials, and the power, include parameter
uncertainty as well as patients' sampling; reproducible from --seed. --json
lists each replicate's values.
"""


def sizes_type(text: str) -> list[int]:
    """Parse '--power 20,40,80'."""
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--power {text!r}: expected whole numbers separated by commas, e.g. 20,40,80"
        ) from None
    if not sizes or any(not 2 <= n <= 100_000 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"--power {text!r}: each size must be a whole number from 2 to 100000"
        )
    return sizes


def register(sub: Any) -> None:
    """Add ``trial`` to the subcommands."""
    trial = sub.add_parser(
        "trial",
        help="re-run a published study (a trial protocol) on simulated patients",
        description="Simulate a trial protocol and set the results beside the published ones.",
        epilog=TRIAL_EPILOG,
        formatter_class=formatter,
    )
    trial.add_argument("protocol", help="a built-in protocol name or a .toml protocol file")
    trial.add_argument(
        "--n-per-arm",
        type=positive_int(2, 100_000, "--n-per-arm"),
        help="patients per arm (default: the protocol's allocation)",
    )
    trial.add_argument(
        "--replicates",
        type=positive_int(1, 10_000, "--replicates"),
        default=1,
        help="repeat the whole trial R times with new patients (default: 1)",
    )
    trial.add_argument(
        "--power",
        type=sizes_type,
        metavar="N1,N2,...",
        help="power by simulation of the primary estimate at these sizes per arm",
    )
    trial.add_argument(
        "--power-replicates",
        type=positive_int(10, 10_000, "--power-replicates"),
        default=200,
        help="simulated trials per size for --power (default: 200)",
    )
    trial.add_argument("--seed", type=seed_type, default=0, help="random seed (default: 0)")
    trial.add_argument(
        "--uncertainty",
        action="store_true",
        help="each replicate trial draws the calibrated parameters from the posterior",
    )
    trial.add_argument("--figure", metavar="PNG", help="save the trial figure (.png, .svg, .pdf)")
    trial.add_argument("--json", action="store_true", help="print the result as JSON")
    trial.add_argument("--quiet", action="store_true", help="no progress bar")
    trial.set_defaults(handler=cmd_trial)


def _num(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _share(value: float) -> str:
    """A share as a percentage; empty when no trial could estimate it (NaN)."""
    return "" if math.isnan(value) else f"{100 * value:.0f}%"


def _verdict(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ""
    return "yes" if value else "NO"


def cmd_trial(args: argparse.Namespace) -> int:
    """``alliance-sim trial``."""
    from alliance_sim.trials import load_protocol, run_trial

    protocol = load_protocol(args.protocol)
    if args.figure:
        check_figure_path(args.figure)
    arms = len(protocol.arms)
    total = arms * (args.replicates + (args.power_replicates * len(args.power or [])))
    with progress_bar(total, protocol.name, "arm", args.quiet or args.json) as bar:
        last = 0

        def progress(done: int, _total: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        result = run_trial(
            protocol,
            n_per_arm=args.n_per_arm,
            replicates=args.replicates,
            seed=args.seed,
            progress=progress,
            power=args.power,
            power_replicates=args.power_replicates,
            uncertainty=args.uncertainty,
        )
    if args.figure:
        from alliance_sim.trials import trial_figure

        save_figure(trial_figure(result), args.figure)
    if args.json:
        print_json(result.to_dict())
        return 0
    _print_table(result)
    if args.figure:
        print(f"\nwrote figure: {args.figure}")
    return 0


def _print_table(result: Any) -> None:
    protocol = result.protocol
    n = ", ".join(f"{arm} {k}" for arm, k in result.n_per_arm.items())
    print(protocol.title)
    print(f"source: {protocol.source}")
    print(
        f"{result.replicates} simulated trial(s), seed {result.seed}; patients per arm: {n};"
        f" analysis: {protocol.analysis}"
    )
    print(f"spread of the simulated trials: {result.band}")
    print()
    table = result.table
    interval = table["interval"].iloc[0]
    headers = (
        "estimate",
        "published",
        "simulated",
        interval,
        "p" if result.replicates == 1 else "sig",
        "agrees",
    )
    rows = []
    for row in table.itertuples():
        rows.append(
            (
                row.label,
                row.published,
                _num(row.simulated),
                f"{_num(row.simulated_low)} to {_num(row.simulated_high)}"
                if not math.isnan(row.simulated_low)
                else "",
                _num(row.p_value, 3) if result.replicates == 1 else _share(row.share_significant),
                _verdict(row.agrees),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    widths[1] = min(widths[1], 40)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in rows:
        cells = [r[0].ljust(widths[0]), _cut(r[1], widths[1]).ljust(widths[1])]
        cells += [
            c.rjust(w) if i < 3 else c.ljust(w)
            for i, (c, w) in enumerate(zip(r[2:], widths[2:], strict=True))
        ]
        print("  ".join(cells).rstrip())
    note = result.estimation_note()
    if note:
        print(f"\nnote: {note}")
    if result.power is not None:
        print()
        print(f"power to detect {result.power['estimate'].iloc[0]} (p < 0.05):")
        for row in result.power.itertuples():
            print(
                f"  {row.n_per_arm:>6} per arm: {100 * row.power:5.1f}%"
                f" (95% CI {100 * row.power_low:.1f} to {100 * row.power_high:.1f}%,"
                f" {row.trials} trials)"
            )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
