"""``alliance-sim run``: one clinic, one episode, on the agent engine."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alliance_sim.cli._common import (
    add_set_options,
    check_figure_path,
    clean,
    figure_writer,
    fmt,
    formatter,
    parse_sets,
    print_json,
    progress_bar,
    seed_type,
)
from alliance_sim.records.metrics import METRICS
from alliance_sim.scenarios import load_scenario

RUN_EPILOG = """\
examples:
  alliance-sim run shared-power
  alliance-sim run shared-power --set empathy_mean=0.3 --seed 7 --out run.parquet
  alliance-sim run my_clinic.toml --out results/run.csv --figure run.png
  alliance-sim run default --json
  alliance-sim run default --uncertainty --seed 3

--out PATH writes the sessions table (one row per patient per session) to PATH
and, beside it, PATH_patients, PATH_questionnaires, PATH_clinic and
PATH_summary with the same suffix (.parquet or .csv). Open them with
pandas.read_parquet / pandas.read_csv.

--uncertainty draws the calibrated parameters from the posterior (reproducible
from --seed; a value a scenario or --set chose is kept); the summary table
records every parameter value the run used.
"""


TABLES = ("sessions", "patients", "questionnaires", "clinic", "summary")
"""The tables ``--out`` writes, in order: the first at PATH, the others beside it."""


def register(sub: Any) -> None:
    """Add ``run`` to the subcommands."""
    run = sub.add_parser(
        "run",
        help="run one clinic and print (and optionally save) its outcomes",
        description="Run one clinic for one episode of care with the agent engine.",
        epilog=RUN_EPILOG,
        formatter_class=formatter,
    )
    run.add_argument(
        "scenario", help="a built-in scenario name (see 'alliance-sim scenarios') or a .toml file"
    )
    add_set_options(run, ("--set", ""))
    run.add_argument("--seed", type=seed_type, default=0, help="random seed (default: 0)")
    run.add_argument(
        "--out", metavar="PATH", help="write tidy tables to PATH (.parquet or .csv) and beside it"
    )
    run.add_argument("--figure", metavar="PNG", help="save a figure of the clinic over the episode")
    run.add_argument(
        "--uncertainty",
        action="store_true",
        help="draw the calibrated parameters from the posterior (reproducible from --seed)",
    )
    run.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """``alliance-sim run``."""
    from alliance_sim.records.io import (
        check_output_path,
        check_targets,
        table_paths,
        write_files,
        write_tables,
    )
    from alliance_sim.simulation import run_clinic

    scenario = load_scenario(args.scenario)
    params = scenario.params(parse_sets(args.set, "--set"))
    drawn: dict[str, Any] = {}
    if args.uncertainty:
        from alliance_sim.core.posterior import posterior_parameter_sets

        kept = set(params.changed())  # what the scenario or --set chose stays
        sets, table = posterior_parameter_sets(params, 1, args.seed, keep=kept)
        drawn = {k: v for k, v in table.iloc[0].items() if k != "replicate" and k not in kept}
        params = sets[0]
    if args.out is not None:  # every file it writes, before any work is done
        check_targets(table_paths(check_output_path(args.out, what="--out"), list(TABLES)).values())
    if args.figure is not None:
        check_figure_path(args.figure)
    quiet = args.quiet or args.json
    with progress_bar(int(params.n_sessions), scenario.name, "session", quiet) as bar:
        run = run_clinic(params, args.seed, progress=bar.update)
    extra: dict[Path, Any] = {}
    if args.figure is not None:
        from alliance_sim.plotting import run_figure

        drawn_note = "; calibrated parameters drawn from the posterior" if drawn else ""
        figure = run_figure(run, f"{scenario.name}, seed {args.seed}{drawn_note}")
        extra[Path(args.figure)] = figure_writer(figure)
    files: dict[str, Path] = {}
    if args.out is not None:  # the tables and the figure: all written, or none
        summary = run.summary_frame()
        summary.insert(0, "scenario", scenario.name)
        tables = {
            "sessions": run.sessions,
            "patients": run.patients,
            "questionnaires": run.questionnaires,
            "clinic": run.clinic,
            "summary": summary,
        }
        files = write_tables({name: tables[name] for name in TABLES}, args.out, extra)
        if extra:
            files["figure"] = Path(args.figure)
    elif extra:
        write_files(extra, "--figure")
        files["figure"] = Path(args.figure)
    if args.json:
        print_json(
            {
                "scenario": scenario.name,
                "seed": args.seed,
                "parameters": params.changed(),
                "uncertainty": args.uncertainty,
                "drawn_parameters": drawn or None,
                "summary": {k: clean(v) for k, v in run.summary.items()},
                "files": {k: str(v) for k, v in files.items()},
            }
        )
        return 0
    print(
        f"{scenario.name} (seed {args.seed}): {params.n_patients} patients, "
        f"{params.n_therapists} therapists, {params.n_sessions} sessions"
    )
    if drawn:
        print(
            "calibrated parameters drawn from the posterior: "
            + ", ".join(f"{k}={v:.4g}" for k, v in drawn.items())
        )
    changed = {k: v for k, v in params.changed().items() if k not in drawn}
    if changed:
        print("changed parameters: " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    print()
    width = max(len(m.label) for m in METRICS.values())
    for name, metric in METRICS.items():
        print(f"  {metric.label:<{width}}  {fmt(run.summary[name]):>8}  {metric.unit}")
    if files:
        print()
    for name, path in files.items():
        print(f"wrote {name}: {path}")
    return 0
