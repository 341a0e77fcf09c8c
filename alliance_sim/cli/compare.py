"""``alliance-sim compare``: two clinics over paired replicates."""

from __future__ import annotations

import argparse
from typing import Any

from alliance_sim.cli._common import (
    add_set_options,
    check_figure_path,
    clean,
    fmt,
    formatter,
    parse_sets,
    print_json,
    progress_bar,
    replicates_type,
    save_figure,
    seed_type,
)
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.records.metrics import COMPARE_METRICS, METRICS
from alliance_sim.scenarios import load_scenario

COMPARE_EPILOG = """\
examples:
  alliance-sim compare paternalistic shared-power
  alliance-sim compare paternalistic shared-power --set p_prefers_active=0.15
  alliance-sim compare default low-empathy --replicates 20 --figure empathy.png
  alliance-sim compare paternalistic shared-power --set-b responsiveness_mean=0.8 --json
  alliance-sim compare paternalistic shared-power --replicates 1000 --no-figure
  alliance-sim compare paternalistic shared-power --replicates 200 --uncertainty

Both clinics run with the same replicate seeds (the same patients and random
numbers), so each difference is paired; the interval is a 95% t interval of
the mean difference B − A over replicates. The replicates run on the cohort
engine (thousands take seconds); --engine agent runs each replicate as a Mesa
model instead and gives the same numbers.

--uncertainty: each replicate also draws the calibrated parameters from the
posterior (the same draw for A and B; a value a scenario or --set chose is
kept), so the intervals include parameter uncertainty as well as patients'
sampling; reproducible from --seed. --json lists each replicate's values.
"""


def register(sub: Any) -> None:
    """Add ``compare`` to the subcommands."""
    compare = sub.add_parser(
        "compare",
        help="compare two clinics over paired replicates",
        description="Run two scenarios over the same replicate seeds and compare their outcomes.",
        epilog=COMPARE_EPILOG,
        formatter_class=formatter,
    )
    compare.add_argument(
        "scenario_a", metavar="A", help="the reference scenario (name or .toml file)"
    )
    compare.add_argument("scenario_b", metavar="B", help="the scenario compared with it")
    add_set_options(
        compare,
        ("--set", "in both clinics"),
        ("--set-a", "in clinic A"),
        ("--set-b", "in clinic B"),
    )
    compare.add_argument(
        "--replicates", type=replicates_type, default=10, help="replicates per clinic (default: 10)"
    )
    compare.add_argument(
        "--seed", type=seed_type, default=0, help="random seed of the replicate seeds (default: 0)"
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
    compare.add_argument(
        "--uncertainty",
        action="store_true",
        help="each replicate draws the calibrated parameters from the posterior",
    )
    compare.add_argument("--no-figure", action="store_true", help="do not save a figure")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")

    compare.set_defaults(handler=cmd_compare)


def parse_metrics(text: str) -> list[str]:
    """The metric names of ``--metrics`` (a comma-separated list or "all")."""
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
    from alliance_sim.comparison import compare

    scenario_a = load_scenario(args.scenario_a)
    scenario_b = load_scenario(args.scenario_b)
    both = parse_sets(args.set, "--set")
    params_a = scenario_a.params({**both, **parse_sets(args.set_a, "--set-a")})
    params_b = scenario_b.params({**both, **parse_sets(args.set_b, "--set-b")})
    metrics = parse_metrics(args.metrics)
    label_a, label_b = scenario_a.name, scenario_b.name
    if label_a == label_b:
        label_a, label_b = f"A: {label_a}", f"B: {label_b}"
    if not args.no_figure:
        check_figure_path(args.figure)
    quiet = args.quiet or args.json
    with progress_bar(2 * args.replicates, "clinic runs", "run", quiet) as bar:
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
            uncertainty=args.uncertainty,
        )
    figure = None
    if not args.no_figure:
        from alliance_sim.plotting import comparison_figure

        figure = save_figure(comparison_figure(result), args.figure)
    table = result.table
    if args.json:
        print_json(
            {
                "a": {"scenario": scenario_a.name, "parameters": params_a.changed()},
                "b": {"scenario": scenario_b.name, "parameters": params_b.changed()},
                "replicates": args.replicates,
                "seed": args.seed,
                "engine": args.engine,
                "replicate_seeds": result.seeds,
                "uncertainty": result.uncertainty,
                "band": result.band,
                "replicate_parameters": _drawn(result),
                "confidence": 0.95,
                "outcomes": [
                    {k: clean(v) for k, v in row.items()}
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
        f"{args.replicates} paired replicates, seed {args.seed}; difference = B − A with 95% CI"
        f" ({result.band})"
    )
    if result.uncertainty:
        print(
            "each replicate drew the calibrated parameters from the posterior"
            " (see --json for the values)"
        )
    print()
    width = max(len(label) for label in table["label"])
    header = f"  {'outcome':<{width}}  {'A':>8}  {'B':>8}  {'B − A':>8}  {'95% CI':>20}  unit"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in table.itertuples():
        ci = f"[{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
        mark = " *" if row.ci_low > 0 or row.ci_high < 0 else "  "
        print(
            f"  {row.label:<{width}}  {fmt(row.mean_a):>8}  {fmt(row.mean_b):>8}  "
            f"{fmt(row.diff):>8}  {ci:>20}{mark} {row.unit}"
        )
    print("\n  * the interval excludes 0")
    if figure:
        print(f"\nwrote figure: {figure}")
    return 0


def _drawn(result: Any) -> dict[str, list[dict[str, Any]]] | None:
    """Each replicate's calibrated parameter values in A and B (with --uncertainty)."""
    if not result.uncertainty:
        return None
    return {
        side: [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]
        for side, frame in (("a", result.parameters_a), ("b", result.parameters_b))
    }
