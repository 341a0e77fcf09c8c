"""``alliance-sim calibrate``: Bayesian calibration (ABC-SMC) of the uncertain parameters."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alliance_sim.cli._common import formatter, positive_int, seed_type
from alliance_sim.core.errors import AllianceSimError, shown

DEFAULT_DB = "calibration.db"
DEFAULT_OUT = "posterior.parquet"

CALIBRATE_EPILOG = """\
examples:
  alliance-sim calibrate                        # the shipped calibration's settings
  alliance-sim calibrate --db run.db --out posterior.parquet --report calibration.md
  alliance-sim calibrate --population 100 --generations 4 --seed 7
  alliance-sim calibrate --scheduler tcp://10.0.0.5:8786

What it does: ABC-SMC (pyabc) over the parameters that have no direct published
value, uniform priors over their ranges, the cohort engine as the simulator. A
particle is simulated as 'alliance-sim validate' simulates the defaults, for the
calibration targets only (the checks are never used), and is scored by its
distance to the targets: each target's mean over its simulated studies, minus
the centre of its tolerance, in half-tolerances (Euclidean). Each generation's
threshold is the weighted median distance of the one before.

Reproducible: the same --seed gives the same posterior on one worker, on two, or
on a Dask cluster (--scheduler). Resumable: the run lives in --db (SQLite); run
the same command again after a stop and it continues from the last finished
generation, with the same result. When it ends it writes the last generation's
weighted particles to --out (Parquet, with the provenance in its metadata) and,
with --report, a Markdown report with the marginal posteriors as a figure.

Ship a new posterior: --out alliance_sim/core/data/posterior.parquet, then
check that the defaults of alliance_sim/core/params.py lie inside the credible
intervals it prints and that 'alliance-sim validate' passes its targets
(tests/test_posterior.py and tests/test_validation.py check both).
"""


def register(sub: Any) -> None:
    """Add ``calibrate`` to the subcommands."""
    from alliance_sim.validation.defaults import (
        CALIBRATION_GENERATIONS,
        CALIBRATION_POPULATION,
        CALIBRATION_SEED,
    )

    calibrate = sub.add_parser(
        "calibrate",
        help="Bayesian calibration (ABC-SMC) of the uncertain parameters against the targets",
        description=(
            "Calibrate the parameters without a direct published value against the calibration"
            " targets by ABC-SMC (pyabc), with the cohort engine as the simulator."
        ),
        epilog=CALIBRATE_EPILOG,
        formatter_class=formatter,
    )
    calibrate.add_argument(
        "--seed",
        type=seed_type,
        default=CALIBRATION_SEED,
        help=f"random seed (default: {CALIBRATION_SEED}, the shipped calibration's)",
    )
    calibrate.add_argument(
        "--db",
        metavar="PATH",
        default=DEFAULT_DB,
        help=f"the run's SQLite database: made if missing, continued if not (default: {DEFAULT_DB})",
    )
    calibrate.add_argument(
        "--population",
        type=positive_int(10, 100_000, "--population"),
        default=CALIBRATION_POPULATION,
        help=f"accepted particles per generation (default: {CALIBRATION_POPULATION})",
    )
    calibrate.add_argument(
        "--generations",
        type=positive_int(1, 100, "--generations"),
        default=CALIBRATION_GENERATIONS,
        help=f"the most generations, the first from the prior (default: {CALIBRATION_GENERATIONS})",
    )
    calibrate.add_argument(
        "--min-epsilon",
        type=_epsilon,
        default=0.0,
        metavar="EPS",
        help="stop earlier once a generation's threshold is at most EPS (default: 0, never)",
    )
    calibrate.add_argument(
        "--workers",
        type=positive_int(1, 1024, "--workers"),
        help="local processes (default: one per core; 1 runs in this process)",
    )
    calibrate.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster at ADDRESS (e.g. tcp://host:8786) instead of locally",
    )
    calibrate.add_argument(
        "--out",
        metavar="PARQUET",
        default=DEFAULT_OUT,
        help=f"where to write the posterior (default: {DEFAULT_OUT})",
    )
    calibrate.add_argument(
        "--report",
        metavar="MD",
        help="write a Markdown report of the posterior (its two figures as PNG beside it)",
    )
    calibrate.add_argument(
        "--clinics",
        type=positive_int(2, 1000, "--clinics"),
        help="default clinics pooled per particle (default: 20, as validate's minimum)",
    )
    calibrate.add_argument(
        "--trials",
        type=positive_int(2, 1000, "--trials"),
        help="Fuentes trials simulated per particle (default: 12)",
    )
    calibrate.add_argument("--quiet", action="store_true", help="no progress display")
    calibrate.set_defaults(handler=cmd_calibrate)


def _epsilon(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--min-epsilon {shown(text)} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"--min-epsilon {shown(text)} is not allowed: a number ≥ 0"
        )
    return value


class _Display:
    """One status line on stderr: generation, epsilon, particles, acceptance, elapsed."""

    def __init__(self, population: int, generations: int, quiet: bool) -> None:
        self.population = population
        self.generations = generations
        self.quiet = quiet
        self.start = time.perf_counter()
        self.live = sys.stderr.isatty()

    def elapsed(self) -> str:
        seconds = int(time.perf_counter() - self.start)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def job(self, t: int, epsilon: float | None, done: int, simulations: int) -> None:
        if self.quiet or not self.live:
            return
        stage = "prior sample" if t < 0 else f"generation {t + 1}/{self.generations}"
        eps = "" if epsilon is None else f" · epsilon {epsilon:.3f}"
        rate = f" · acceptance {100 * done / simulations:.0f}%" if simulations else ""
        line = (
            f"{stage}{eps} · particles {done}/{self.population} · simulations {simulations}"
            f"{rate} · elapsed {self.elapsed()}"
        )
        print("\r" + line.ljust(100), end="", file=sys.stderr, flush=True)

    def generation(self, g: Any) -> None:
        if self.quiet:
            return
        end = "\r" if self.live else ""
        prior = (
            f" + {g.prior_simulations} from the prior for the first threshold"
            if g.prior_simulations
            else ""
        )
        line = (
            f"{end}generation {g.t + 1}/{self.generations}: epsilon {g.epsilon:.3f}, acceptance"
            f" {100 * g.acceptance_rate:.1f}% ({g.particles} of {g.simulations}"
            f" simulations{prior}), ESS {g.effective_sample_size:.0f}, {g.seconds:.0f} s;"
            f" elapsed {self.elapsed()}"
        )
        print(line.ljust(100), file=sys.stderr, flush=True)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run as Ctrl-C does: the workers are shut down, the database kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signal: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``alliance-sim calibrate``."""
    from alliance_sim.batch.executors import open_backend
    from alliance_sim.records.io import check_output_path, check_targets
    from alliance_sim.validation.calibration import (
        SUMMARY_CLINICS,
        SUMMARY_TRIALS,
        Problem,
        calibrate,
        save_posterior,
    )

    db = Path(args.db)
    if db.is_dir():
        raise AllianceSimError(f"--db {args.db}: is a folder; give a database file name")
    out = check_output_path(args.out, (".parquet",), "--out")
    targets = [out]
    if args.report is not None:
        from alliance_sim.validation.calibration_report import report_paths

        report = check_output_path(args.report, (".md",), "--report")
        targets += list(report_paths(report).values())
    check_targets(targets)
    if args.scheduler:
        backend = open_backend("dask", scheduler=args.scheduler)
    elif args.workers == 1:
        backend = open_backend("serial")
    else:
        backend = open_backend("processes", workers=args.workers)
    display = _Display(args.population, args.generations, args.quiet)
    if not args.quiet:
        where = args.scheduler or f"{backend.workers} local worker(s)"
        print(
            f"calibrating on {where}: seed {args.seed}, {args.population} particles,"
            f" at most {args.generations} generations; database {db}",
            file=sys.stderr,
        )
    with backend, _terminate_as_interrupt():
        executor = None if backend.name == "serial" else backend.executor
        run = calibrate(
            db,
            seed=args.seed,
            population=args.population,
            generations=args.generations,
            min_epsilon=args.min_epsilon,
            problem=Problem(
                trials=args.trials or SUMMARY_TRIALS, clinics=args.clinics or SUMMARY_CLINICS
            ),
            executor=executor,
            progress=display.job,
            on_generation=display.generation,
        )
    posterior = save_posterior(run, out)
    if args.report is not None:
        from alliance_sim.validation.calibration_report import write_calibration_report

        write_calibration_report(posterior, report)
    _print_summary(posterior, run)
    print(f"wrote posterior: {out}")
    if args.report is not None:
        print(f"wrote report: {report}")
    return 0


def _print_summary(posterior: Any, run: Any) -> None:
    meta = posterior.metadata
    print(
        f"posterior: {len(posterior.weights)} particles after {meta['generations']} generations;"
        f" epsilon {meta['epsilon']:.3f}, acceptance {100 * meta['acceptance_rate']:.1f}%,"
        f" ESS {meta['effective_sample_size']:.0f}; {meta['simulations']} simulations in"
        f" {run.wall_seconds / 60:.1f} min"
    )
    summary = posterior.summary()
    width = max(len(name) for name in summary["name"])
    print(f"\n  {'parameter':<{width}}  {'median':>9}  {'90% credible interval':>23}  prior")
    for row in summary.itertuples():
        note = "" if row.identified else "  (not identified: posterior ≈ prior)"
        print(
            f"  {row.name:<{width}}  {row.median:>9.4g}  {row.low:>10.4g} – {row.high:<10.4g}"
            f"  {row.prior_low:g} – {row.prior_high:g}{note}"
        )
    print()
