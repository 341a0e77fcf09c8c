"""``alliance-sim analyse``: Sobol, Morris or grid analysis of a results folder."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shutil
from pathlib import Path
from typing import Any

from alliance_sim.cli._common import clean, fmt, formatter, print_json
from alliance_sim.core.errors import AllianceSimError

ANALYSE_EPILOG = """\
examples:
  alliance-sim analyse results/style_by_empathy
  alliance-sim analyse results/alliance_drivers_sobol --outputs adherence,dropout
  alliance-sim analyse results/style_by_empathy --csv summary.csv --no-figures
  alliance-sim analyse results/alliance_drivers_morris --json

What is printed depends on the design recorded in the folder:
  sobol   first-order (S1) and total (ST) Sobol indices with 95% bootstrap
          intervals per output, and the largest second-order indices (S2);
  morris  μ* (mean absolute elementary effect) with its 95% interval, σ and μ;
  grid, csv, lhs
          per design point: successful runs, mean and 95% t interval over replicates.
Replicates are averaged per design point before Sobol or Morris analysis.
Tables (CSV) and figures (PNG; for grids a line plot with a 95% band for one
varied parameter, a heatmap for two) go to RESULTS_DIR/analysis unless told.
"""


def register(sub: Any) -> None:
    """Add ``analyse`` to the subcommands."""
    parser = sub.add_parser(
        "analyse",
        help="analyse a sweep's results folder (Sobol, Morris or grid)",
        description="Analyse the results folder of an `alliance-sim sweep`.",
        epilog=ANALYSE_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("results", metavar="RESULTS_DIR", help="the sweep's results folder")
    parser.add_argument(
        "--outputs",
        default=None,
        help="comma-separated outputs to analyse (default: every output the sweep stored)",
    )
    parser.add_argument(
        "--figures",
        metavar="DIR",
        default=None,
        help="where tables and figures go (default: RESULTS_DIR/analysis)",
    )
    parser.add_argument("--no-figures", action="store_true", help="save no tables or figures")
    parser.add_argument("--csv", metavar="FILE", help="also write the main table to FILE (.csv)")
    parser.add_argument("--json", action="store_true", help="print the tables as JSON")
    parser.set_defaults(handler=cmd_analyse)


def parse_outputs(text: str | None) -> list[str] | None:
    """The ``--outputs`` list (None: all)."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise AllianceSimError("--outputs: no output given")
    return names


def check_csv_path(text: str | None) -> Path | None:
    """Check a ``--csv`` path before any work is done: a .csv file in a writable folder."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() != ".csv":
        raise AllianceSimError(f"--csv {text!r}: the file name must end in .csv")
    probe = path.with_name(f".{path.name}.{os.getpid()}.probe")
    try:
        if path.is_dir():
            raise AllianceSimError(f"--csv {text!r}: is a folder; give a file name ending in .csv")
        if not path.parent.is_dir():
            raise AllianceSimError(
                f"--csv {text!r}: the folder {str(path.parent)!r} does not exist"
            )
        with open(probe, "x", encoding="utf-8"):
            pass
    except OSError as error:
        raise AllianceSimError(
            f"--csv {text!r}: cannot write in the folder {str(path.parent)!r}"
            f" ({error.strerror or error})"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return path


def write_csv(frame: Any, path: Path) -> None:
    """Write ``frame`` to ``path``: all or nothing (a temporary file, renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            free = shutil.disk_usage(path.parent).free if path.parent.is_dir() else 0
            reason += f"; {free / 2**20:.1f} MB free"
        raise AllianceSimError(f"cannot write {path} ({reason}); nothing was written") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _label(name: str) -> str:
    from alliance_sim.batch.figures import axis_label

    return axis_label(name)


def print_analysis(analysis: Any) -> None:
    """Print an :class:`~alliance_sim.batch.report.Analysis` as aligned tables."""
    if "sobol" in analysis.tables:
        table = analysis.tables["sobol"]
        print("Sobol indices (95% bootstrap intervals; replicates averaged per design point)")
        width = max(len(p) for p in analysis.factors)
        for output in analysis.outputs:
            print(f"\n  {_label(output)}")
            print(f"  {'parameter':<{width}}  {'S1':>7}  {'95% CI':>17}  {'ST':>7}  {'95% CI':>17}")
            rows = table[table["output"] == output].sort_values("ST", ascending=False)
            for row in rows.itertuples():
                s1 = f"[{fmt(row.S1 - row.S1_conf)}, {fmt(row.S1 + row.S1_conf)}]"
                st = f"[{fmt(row.ST - row.ST_conf)}, {fmt(row.ST + row.ST_conf)}]"
                print(
                    f"  {row.parameter:<{width}}  {fmt(row.S1):>7}  {s1:>17}  {fmt(row.ST):>7}  {st:>17}"
                )
            second = analysis.tables.get("sobol_second")
            if second is not None and len(second):
                top = second[second["output"] == output].nlargest(3, "S2")
                pairs = ", ".join(
                    f"{r.parameter_a} × {r.parameter_b} {fmt(r.S2)} ± {fmt(r.S2_conf)}"
                    for r in top.itertuples()
                )
                print(f"  largest second-order (S2): {pairs}")
    elif "morris" in analysis.tables:
        table = analysis.tables["morris"]
        print("Morris screening (μ* = mean absolute elementary effect, 95% interval; σ = spread)")
        width = max(len(p) for p in analysis.factors)
        for output in analysis.outputs:
            print(f"\n  {_label(output)}")
            print(f"  {'parameter':<{width}}  {'μ*':>9}  {'± 95%':>8}  {'σ':>9}  {'μ':>9}")
            rows = table[table["output"] == output].sort_values("mu_star", ascending=False)
            for row in rows.itertuples():
                print(
                    f"  {row.parameter:<{width}}  {fmt(row.mu_star, 4):>9}  {fmt(row.mu_star_conf, 4):>8}"
                    f"  {fmt(row.sigma, 4):>9}  {fmt(row.mu, 4):>9}"
                )
    else:
        table = analysis.tables["grid"]
        print("Per design point: successful runs, mean and 95% t interval over replicates")
        for output in analysis.outputs:
            print(f"\n  {_label(output)}")
            rows = table[table["output"] == output]
            head = "  ".join(f"{p:>{max(len(p), 8)}}" for p in analysis.factors)
            print(f"  {head}  {'n':>4}  {'mean':>9}  {'95% CI':>21}")
            for _, row in rows.iterrows():
                cells = "  ".join(f"{_cell(row[p]):>{max(len(p), 8)}}" for p in analysis.factors)
                ci = f"[{fmt(row['ci_low'], 4)}, {fmt(row['ci_high'], 4)}]"
                print(f"  {cells}  {int(row['n']):>4}  {fmt(row['mean'], 4):>9}  {ci:>21}")
    if analysis.n_errors:
        print(f"\n{analysis.n_errors} of {analysis.n_runs} runs did not succeed and are left out")


def _cell(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def main_table(analysis: Any) -> Any:
    """The analysis's main table (sobol, morris or grid)."""
    for name in ("sobol", "morris", "grid"):
        if name in analysis.tables:
            return analysis.tables[name]
    raise AllianceSimError("the analysis produced no table")


def report(analysis: Any, figures: Path | None, csv: Path | None, as_json: bool) -> int:
    """Print the analysis, save its files; shared by ``analyse`` and ``sweep``."""
    from alliance_sim.batch.report import save_analysis

    written = save_analysis(analysis, figures) if figures is not None else []
    if csv is not None:
        write_csv(main_table(analysis), csv)
    if as_json:
        print_json(
            {
                "design": analysis.method,
                "factors": analysis.factors,
                "outputs": analysis.outputs,
                "runs": analysis.n_runs,
                "failed_runs": analysis.n_errors,
                "confidence": 0.95,
                "tables": {
                    name: [
                        {k: clean(v) for k, v in row.items()} for row in table.to_dict("records")
                    ]
                    for name, table in analysis.tables.items()
                },
                "files": [str(p) for p in written],
            }
        )
        return 0
    print_analysis(analysis)
    if written:
        print(f"\nwrote {len(written)} files (tables .csv, figures .png) to {figures}")
    if csv is not None:
        print(f"wrote {csv}")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    """``alliance-sim analyse``."""
    from alliance_sim.batch.report import analyse_folder

    csv = check_csv_path(args.csv)
    outputs = parse_outputs(args.outputs)
    figures = None if args.no_figures else Path(args.figures or Path(args.results) / "analysis")
    if args.figures is not None and figures is not None:  # checked before the analysis runs
        try:
            figures.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AllianceSimError(
                f"--figures {args.figures!r}: cannot make the folder ({error.strerror or error})"
            ) from None
    analysis = analyse_folder(args.results, outputs, figures=not args.no_figures)
    return report(analysis, figures, csv, args.json)
