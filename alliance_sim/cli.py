"""The command line: ``alliance-sim run | compare | params | scenarios``.

A face over the library: it parses options, calls the library, prints tables
and writes files. A user mistake prints a one-line message and exits with
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alliance_sim import __version__
from alliance_sim.errors import AllianceSimError
from alliance_sim.io import check_output_path, write_tables
from alliance_sim.metrics import COMPARE_METRICS, METRICS
from alliance_sim.params import GROUPS, SCHEMA, Kind, parse_value
from alliance_sim.scenarios import builtin_scenarios, load_scenario

__all__ = ["main"]

PROG = "alliance-sim"

MAIN_EPILOG = """\
examples:
  alliance-sim compare paternalistic shared-power
  alliance-sim run shared-power --set empathy_mean=0.3 --seed 7 --out run.parquet
  alliance-sim params --group therapist
  alliance-sim scenarios

Each subcommand has its own --help with more examples.
"""

RUN_EPILOG = """\
examples:
  alliance-sim run shared-power
  alliance-sim run shared-power --set empathy_mean=0.3 --seed 7 --out run.parquet
  alliance-sim run my_clinic.toml --out results/run.csv --figure run.png
  alliance-sim run default --json

--out PATH writes the sessions table (one row per patient per session) to PATH
and, beside it, PATH_patients, PATH_questionnaires, PATH_clinic and
PATH_summary with the same suffix (.parquet or .csv). Open them with
pandas.read_parquet / pandas.read_csv.
"""

COMPARE_EPILOG = """\
examples:
  alliance-sim compare paternalistic shared-power
  alliance-sim compare paternalistic shared-power --set p_prefers_active=0.15
  alliance-sim compare default low-empathy --replicates 20 --figure empathy.png
  alliance-sim compare paternalistic shared-power --set-b responsiveness_mean=0.8 --json
  alliance-sim compare paternalistic shared-power --replicates 1000 --no-figure

Both clinics run with the same replicate seeds (the same patients and random
numbers), so each difference is paired; the interval is a 95% t interval of
the mean difference B − A over replicates. The replicates run on the cohort
engine (thousands take seconds); --engine agent runs each replicate as a Mesa
model instead and gives the same numbers.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line plus a hint, exit code 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add_set_options(parser: argparse.ArgumentParser, *flags: tuple[str, str]) -> None:
    for flag, what in flags:
        parser.add_argument(
            flag,
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"override a parameter {what} (repeatable; see 'alliance-sim params')",
        )


def _parse_sets(items: Sequence[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AllianceSimError(
                f"{flag} {item!r}: expected NAME=VALUE, e.g. {flag} empathy_mean=0.3"
            )
        out[name.strip()] = parse_value(name.strip(), value)
    return out


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"seed {value} is out of range: allowed 0 to 2**63 - 1")
    return value


def _replicates(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"replicates {text!r} is not a whole number") from None
    if not 2 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"replicates {value} is out of range: allowed 2 to 10000")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``alliance-sim`` and its subcommands."""
    parser = _Parser(
        prog=PROG,
        description="Simulate the therapeutic alliance between physiotherapists and patients.",
        epilog=MAIN_EPILOG,
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="run one clinic and print (and optionally save) its outcomes",
        description="Run one clinic for one episode of care with the agent engine.",
        epilog=RUN_EPILOG,
        formatter_class=_formatter,
    )
    run.add_argument(
        "scenario", help="a built-in scenario name (see 'alliance-sim scenarios') or a .toml file"
    )
    _add_set_options(run, ("--set", ""))
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    run.add_argument(
        "--out", metavar="PATH", help="write tidy tables to PATH (.parquet or .csv) and beside it"
    )
    run.add_argument("--figure", metavar="PNG", help="save a figure of the clinic over the episode")
    run.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = sub.add_parser(
        "compare",
        help="compare two clinics over paired replicates",
        description="Run two scenarios over the same replicate seeds and compare their outcomes.",
        epilog=COMPARE_EPILOG,
        formatter_class=_formatter,
    )
    compare.add_argument(
        "scenario_a", metavar="A", help="the reference scenario (name or .toml file)"
    )
    compare.add_argument("scenario_b", metavar="B", help="the scenario compared with it")
    _add_set_options(
        compare,
        ("--set", "in both clinics"),
        ("--set-a", "in clinic A"),
        ("--set-b", "in clinic B"),
    )
    compare.add_argument(
        "--replicates", type=_replicates, default=10, help="replicates per clinic (default: 10)"
    )
    compare.add_argument(
        "--seed", type=_seed, default=0, help="random seed of the replicate seeds (default: 0)"
    )
    compare.add_argument(
        "--engine",
        choices=("cohort", "agent"),
        default="cohort",
        help="cohort (fast, the default) or agent (the Mesa model); the numbers are the same",
    )
    compare.add_argument(
        "--metrics",
        default=",".join(COMPARE_METRICS),
        help="comma-separated metrics to compare, or 'all' (default: the main outcomes)",
    )
    compare.add_argument(
        "--figure",
        metavar="PNG",
        default="compare.png",
        help="where to save the figure (default: compare.png)",
    )
    compare.add_argument("--no-figure", action="store_true", help="do not save a figure")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")

    params = sub.add_parser(
        "params",
        help="list every parameter: name, default, range, unit, meaning, reference",
        description="List the model's parameters (the names --set and scenario files use).",
        formatter_class=_formatter,
    )
    params.add_argument("--group", choices=list(GROUPS), help="only one group")
    params.add_argument("--json", action="store_true", help="print as JSON")

    scenarios = sub.add_parser(
        "scenarios",
        help="list the built-in scenarios",
        description="List the built-in scenarios, one line each.",
        formatter_class=_formatter,
    )
    scenarios.add_argument("--json", action="store_true", help="print as JSON")
    return parser


# --- helpers ---------------------------------------------------------------------


def _progress_bar(total: int, description: str, unit: str, quiet: bool) -> Any:
    """A progress bar on stderr; hidden when ``quiet`` or when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        disable=quiet or None,
        leave=False,
        file=sys.stderr,
    )


def _fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))


FIGURE_TYPES = (".png", ".svg", ".pdf")


def _check_figure_path(path: str) -> Path:
    """Check a --figure path before any work is done."""
    target = Path(path)
    if target.suffix.lower() not in FIGURE_TYPES:
        raise AllianceSimError(
            f"--figure {path!r}: unsupported file type; allowed are " + ", ".join(FIGURE_TYPES)
        )
    if not target.parent.is_dir():
        raise AllianceSimError(
            f"--figure {path!r}: the folder {str(target.parent)!r} does not exist"
        )
    return target


def _save_figure(fig: Any, path: str) -> Path:
    """Save ``fig`` to ``path`` under a temporary name first, then rename it."""
    target = _check_figure_path(path)
    tmp = target.with_name(f".{target.name}.tmp{target.suffix}")
    try:
        fig.savefig(tmp, dpi=110)
        tmp.replace(target)
    except OSError as error:
        raise AllianceSimError(f"cannot write {target}: {error}") from None
    return target


# --- commands ----------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """``alliance-sim run``."""
    from alliance_sim.simulation import run_clinic

    scenario = load_scenario(args.scenario)
    params = scenario.params(_parse_sets(args.set, "--set"))
    if args.out:
        check_output_path(args.out)
    if args.figure:
        _check_figure_path(args.figure)
    quiet = args.quiet or args.json
    with _progress_bar(int(params.n_sessions), scenario.name, "session", quiet) as bar:
        run = run_clinic(params, args.seed, progress=bar.update)
    files: dict[str, Path] = {}
    if args.out:
        summary = run.summary_frame()
        summary.insert(0, "scenario", scenario.name)
        files = write_tables(
            {
                "sessions": run.sessions,
                "patients": run.patients,
                "questionnaires": run.questionnaires,
                "clinic": run.clinic,
                "summary": summary,
            },
            args.out,
        )
    if args.figure:
        from alliance_sim.plotting import run_figure

        files["figure"] = _save_figure(
            run_figure(run, f"{scenario.name}, seed {args.seed}"), args.figure
        )
    if args.json:
        _print_json(
            {
                "scenario": scenario.name,
                "seed": args.seed,
                "parameters": params.changed(),
                "summary": {k: _clean(v) for k, v in run.summary.items()},
                "files": {k: str(v) for k, v in files.items()},
            }
        )
        return 0
    print(
        f"{scenario.name} (seed {args.seed}): {params.n_patients} patients, "
        f"{params.n_therapists} therapists, {params.n_sessions} sessions"
    )
    if params.changed():
        print("changed parameters: " + ", ".join(f"{k}={v}" for k, v in params.changed().items()))
    print()
    width = max(len(m.label) for m in METRICS.values())
    for name, metric in METRICS.items():
        print(f"  {metric.label:<{width}}  {_fmt(run.summary[name]):>8}  {metric.unit}")
    if files:
        print()
    for name, path in files.items():
        print(f"wrote {name}: {path}")
    return 0


def _metrics(text: str) -> list[str]:
    if text.strip() == "all":
        return list(METRICS)
    names = [m.strip() for m in text.split(",") if m.strip()]
    for name in names:
        if name not in METRICS:
            raise AllianceSimError(
                f"--metrics: unknown metric {name!r}; allowed are 'all' or {', '.join(METRICS)}"
            )
    if not names:
        raise AllianceSimError("--metrics: no metric given")
    return names


def cmd_compare(args: argparse.Namespace) -> int:
    """``alliance-sim compare``."""
    from alliance_sim.compare import compare

    scenario_a = load_scenario(args.scenario_a)
    scenario_b = load_scenario(args.scenario_b)
    both = _parse_sets(args.set, "--set")
    params_a = scenario_a.params({**both, **_parse_sets(args.set_a, "--set-a")})
    params_b = scenario_b.params({**both, **_parse_sets(args.set_b, "--set-b")})
    metrics = _metrics(args.metrics)
    label_a, label_b = scenario_a.name, scenario_b.name
    if label_a == label_b:
        label_a, label_b = f"A: {label_a}", f"B: {label_b}"
    if not args.no_figure:
        _check_figure_path(args.figure)
    quiet = args.quiet or args.json
    with _progress_bar(2 * args.replicates, "clinic runs", "run", quiet) as bar:
        result = compare(
            params_a,
            params_b,
            args.replicates,
            args.seed,
            label_a,
            label_b,
            metrics,
            progress=bar.update,
            engine=args.engine,
        )
    figure = None
    if not args.no_figure:
        from alliance_sim.plotting import comparison_figure

        figure = _save_figure(comparison_figure(result), args.figure)
    table = result.table
    if args.json:
        _print_json(
            {
                "a": {"scenario": scenario_a.name, "parameters": params_a.changed()},
                "b": {"scenario": scenario_b.name, "parameters": params_b.changed()},
                "replicates": args.replicates,
                "seed": args.seed,
                "engine": args.engine,
                "replicate_seeds": result.seeds,
                "confidence": 0.95,
                "outcomes": [
                    {k: _clean(v) for k, v in row.items()}
                    for row in table[
                        ["metric", "label", "unit", "mean_a", "mean_b", "diff", "ci_low", "ci_high"]
                    ].to_dict("records")
                ],
                "figure": str(figure) if figure else None,
            }
        )
        return 0
    print(f"A = {scenario_a.name}: {scenario_a.description}")
    print(f"B = {scenario_b.name}: {scenario_b.description}")
    for tag, params in (("A", params_a), ("B", params_b)):
        if params.changed():
            print(
                f"{tag} parameters: " + ", ".join(f"{k}={v}" for k, v in params.changed().items())
            )
    print(
        f"{args.replicates} paired replicates, seed {args.seed}; difference = B − A with 95% CI\n"
    )
    width = max(len(label) for label in table["label"])
    header = f"  {'outcome':<{width}}  {'A':>8}  {'B':>8}  {'B − A':>8}  {'95% CI':>20}  unit"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in table.itertuples():
        ci = f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
        mark = " *" if row.ci_low > 0 or row.ci_high < 0 else "  "
        print(
            f"  {row.label:<{width}}  {_fmt(row.mean_a):>8}  {_fmt(row.mean_b):>8}  "
            f"{_fmt(row.diff):>8}  {ci:>20}{mark} {row.unit}"
        )
    print("\n  * the interval excludes 0")
    if figure:
        print(f"\nwrote figure: {figure}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """``alliance-sim params``."""
    selected = [p for p in SCHEMA.values() if args.group is None or p.group == args.group]
    if args.json:
        _print_json(
            [
                {
                    "name": p.name,
                    "group": p.group,
                    "label": p.label,
                    "default": p.default,
                    "kind": p.kind.value,
                    "low": p.low,
                    "high": p.high,
                    "choices": list(p.choices) or None,
                    "unit": p.unit,
                    "help": p.help,
                    "reference": p.reference,
                }
                for p in selected
            ]
        )
        return 0
    for group, title in GROUPS.items():
        members = [p for p in selected if p.group == group]
        if not members:
            continue
        print(f"{title} [{group}]")
        for p in members:
            if p.kind in (Kind.CHOICE, Kind.SESSIONS):
                allowed = " | ".join(p.choices) if p.choices else "sessions, e.g. 2,last"
            else:
                allowed = f"{p.low:g} – {p.high:g}"
            unit = f" {p.unit}" if p.unit else ""
            print(f"  {p.name}  (default {p.default}; {allowed}{unit})")
            for line in textwrap.wrap(f"{p.label}. {p.help}", 88):
                print(f"      {line}")
            if p.reference:
                print(f"      Reference: {p.reference}")
        print()
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """``alliance-sim scenarios``."""
    scenarios = builtin_scenarios()
    if args.json:
        _print_json(
            [
                {"name": s.name, "description": s.description, "parameters": dict(s.overrides)}
                for s in scenarios.values()
            ]
        )
        return 0
    width = max(len(name) for name in scenarios)
    for scenario in scenarios.values():
        print(f"  {scenario.name:<{width}}  {scenario.description}")
    print("\nRun one with 'alliance-sim run NAME'; write your own as a .toml file (see README).")
    return 0


COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "params": cmd_params,
    "scenarios": cmd_scenarios,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 user mistake, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except AllianceSimError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
