"""``alliance-sim sweep``: run an experiment file, resumably, on local cores or Dask."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from alliance_sim.cli._common import PROG, formatter, progress_bar
from alliance_sim.cli.analyse import check_csv_path, report, write_csv
from alliance_sim.core.errors import AllianceSimError

SWEEP_EPILOG = """\
examples:
  alliance-sim sweep experiments/style_by_empathy.toml
  alliance-sim sweep experiments/alliance_drivers_morris.toml --workers 2
  alliance-sim sweep experiments/alliance_drivers_sobol.toml --results /tmp/sobol
  alliance-sim sweep experiments/style_by_empathy.toml --executor serial --csv runs.csv
  alliance-sim sweep SPEC --executor dask                          # a local Dask cluster
  alliance-sim sweep SPEC --executor dask --scheduler tcp://host:8786

The experiment file (TOML; every key is in the README) names the base scenario,
the parameters to vary, the design (grid, lhs, sobol, morris or csv), replicates
per point, outputs and seed. A Sobol design's n must be a power of two: other
values are refused with the nearest powers named, never rounded. At most
1,000,000 runs (counted before anything is sampled).

Results stream to a folder (default: the file's `results`, else
results/<name>): design.parquet, manifest.json and runs/part-*.parquet, one row
per run. Ctrl-C or a crash loses only unfinished runs; running the same command
again resumes (only the missing runs run), after checking every part file:
damaged, foreign or copied ones go to RESULTS_DIR/quarantine and their runs run
again. A folder takes one sweep at a time (a second is refused, naming the
first) and one experiment (another seed or design is refused). A full disk
stops the sweep with what it needs; rerun once there is room. Query the runs with
pandas.read_parquet("RESULTS_DIR/runs") or DuckDB; --csv exports them too.
Sobol and Morris sweeps are analysed at the end (see `alliance-sim analyse`).
A run that raises is kept as a row with status "error" and its message.

--task-timeout S guards against a model that hangs: on the process pool a task
running longer than S seconds has its workers replaced, its runs are tried one
at a time, and a run that still takes too long is kept as a "failed" row. Dask
and thread workers cannot be stopped: their late runs are recorded as failed
and the sweep goes on without them. It does not apply to --executor serial.
"""


def register(sub: Any) -> None:
    """Add ``sweep`` to the subcommands."""
    parser = sub.add_parser(
        "sweep",
        help="run a batch experiment (grid, LHS, Sobol, Morris) from a TOML file",
        description="Run the experiment in SPEC, streaming results to a folder; rerun to resume.",
        epilog=SWEEP_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("spec", metavar="SPEC", help="the experiment file (.toml)")
    parser.add_argument(
        "--executor",
        choices=("processes", "serial", "dask"),
        default=None,
        help="processes (a local pool, the default), serial (in this process) or dask",
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="worker processes (default: one per core; dask: local workers)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="a running Dask scheduler, e.g. tcp://host:8786 (with --executor dask)",
    )
    parser.add_argument(
        "--results", metavar="DIR", default=None, help="the results folder (default: see below)"
    )
    parser.add_argument("--csv", metavar="FILE", help="also export the run table to FILE (.csv)")
    parser.add_argument(
        "--no-analyse",
        action="store_true",
        help="do not analyse a Sobol or Morris sweep at the end",
    )
    parser.add_argument(
        "--task-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="give up a task (a batch of runs) that runs longer than this; see below",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=cmd_sweep)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--task-timeout {text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"--task-timeout {text}: allowed is a number of seconds greater than 0"
        )
    return value


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"workers {text!r} is not a whole number") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"workers {value} is out of range: allowed 1 to 1024")
    return value


def _note(text: str) -> None:
    print(f"{PROG}: note: {text}", file=sys.stderr)


def cmd_sweep(args: argparse.Namespace) -> int:
    """``alliance-sim sweep``."""
    from alliance_sim.batch.executors import open_backend
    from alliance_sim.batch.spec import load_experiment
    from alliance_sim.batch.sweep import default_results_folder, open_results, run_experiment

    experiment = load_experiment(args.spec)
    csv = check_csv_path(args.csv)
    folder = Path(args.results) if args.results else default_results_folder(experiment)
    executor = args.executor or experiment.executor or "processes"
    scheduler = args.scheduler  # never from the file (see batch/spec.py)
    if scheduler is not None and executor != "dask":
        raise AllianceSimError("--scheduler: a scheduler address needs --executor dask")
    n_points, n_runs = experiment.n_points(), experiment.n_runs()
    print(
        f"experiment {experiment.name} ({experiment.source}): {experiment.method} design,"
        f" {n_points:,} points × {experiment.replicates} replicates = {n_runs:,} runs"
    )
    sys.stdout.flush()
    resume = f"{PROG} sweep {args.spec}" + (f" --results {args.results}" if args.results else "")
    with open_results(folder, experiment) as store:  # locked until the sweep has finished
        for note in store.notes:
            _note(note)
        stored = store.stored
        if stored:
            print(f"results: {folder} (resuming: {stored:,} of {n_runs:,} runs already stored)")
        else:
            print(f"results: {folder}")
        shown = len(store.notes)
        start = time.perf_counter()
        try:
            try:
                backend = open_backend(executor, args.workers, scheduler, where="--scheduler")
            except BaseException:
                store.discard_new()  # a sweep that cannot start leaves no new folder
                raise
            print(
                f"executor: {backend.name},"
                f" {backend.workers} worker{'s' if backend.workers != 1 else ''}"
            )
            sys.stdout.flush()
            with backend, progress_bar(n_runs, "runs", "run", args.quiet) as bar:
                bar.update(stored)

                def progress(done: int, total: int) -> None:
                    bar.update(done - bar.n)

                result = run_experiment(
                    experiment,
                    results=store,
                    executor=backend,
                    progress=progress,
                    task_timeout=args.task_timeout,
                )
        except KeyboardInterrupt:
            if store.stored:
                said = (
                    f"{store.stored:,} of {n_runs:,} runs are stored in {folder};"
                    f" run the same command again to resume: {resume}"
                )
            else:
                said = f"no run was stored; run the same command again to start: {resume}"
            print(f"{PROG}: interrupted: {said}", file=sys.stderr)
            return 130
        for note in store.notes[shown:]:
            _note(note)
    elapsed = time.perf_counter() - start
    new = len(result.runs) - result.stored_before
    if new == 0:
        print(f"all {n_runs:,} runs were already stored; nothing to run")
    else:
        print(f"finished {new:,} runs in {elapsed:.1f} s")
    if result.n_errors:
        failed = result.runs[result.runs["status"] != "ok"]
        first = failed.iloc[0]
        print(
            f"{result.n_errors:,} runs did not succeed (status error/failed);"
            f" the first, run {first['run_id']}: {first['error']}"
        )
    print(f"query: pandas.read_parquet({str(folder / 'runs')!r})")
    if csv is not None:
        write_csv(result.runs, csv)
        print(f"wrote {csv}")
    if experiment.method in ("sobol", "morris") and not args.no_analyse:
        from alliance_sim.batch.report import analyse_folder

        print()
        analysis = analyse_folder(folder)
        return report(analysis, folder / "analysis", None, False)
    print(f"analyse: {PROG} analyse {folder}")
    return 0
