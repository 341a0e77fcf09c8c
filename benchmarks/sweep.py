"""Benchmark a Sobol sweep end to end: wall time, runs/s vs the agent engine, memory, Dask.

What is measured, in one invocation (the experiment is
``experiments/alliance_drivers_sobol.toml``: ten therapist and patient traits,
Sobol with second-order indices, N = 1024 → 22,528 runs, 200 patients ×
12 sessions each, one replicate per point):

* **sobol_wall_s** — ``alliance-sim sweep`` on that experiment in a fresh process
  with the default executor (a process pool, one worker per core): interpreter
  start, design, pool start, every run, Parquet part files, compaction, the Sobol
  analysis with bootstrap intervals and its figures. Target ≤ 60 s on 2 cores.
* **runs_per_s** — runs per second of that sweep's run phase (the command's own
  "finished N runs in T s" line: pool start and runs, without start-up or analysis).
* **vs_agent_engine** — ``runs_per_s`` / the runs per second of a plain loop of
  agent-engine runs (``simulate(..., engine="agent")``: one Mesa model per run, one
  after the other, as ``mesa.batch_run`` does) over a sample of the same design's
  points (``--agent-runs``). Target ≥ 100×.
* **peak_mem_mb_2k**, **peak_mem_mb_22k** — peak resident memory of the sweep's
  main process (``VmHWM``) running the first 2,000 and all 22,528 runs of the
  design into a results folder, each in a fresh process (``--memory-runs``); the
  workers' peak is reported beside them (it does not depend on the number of
  runs). Target: within 1.5× of each other.
* **dask_vs_default** — runs per second on a Dask ``LocalCluster`` with 2 worker
  processes / runs per second on the default process pool, on the same sample of
  the design (``--dask-runs``, default 4,096 runs); both started and warmed up
  (every worker has imported the model) before timing; start-up times are
  reported beside. Below 1 means Dask is slower.

How to run (from the repository root)::

    python benchmarks/sweep.py            # an aligned table
    python benchmarks/sweep.py --json     # one JSON object on stdout
    python benchmarks/sweep.py --n 8 --patients 20 --sessions 4 ...   # a quick smoke run

Progress messages go to stderr. The default invocation takes a few minutes on
a 2-core machine (the 22,528-run sweep runs twice: once timed, once for memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _args import positive_int, two_sizes
from _measure import children_peak_rss_mb, peak_rss_mb, run_in_fresh_process

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "experiments" / "alliance_drivers_sobol.toml"

TARGET_SOBOL_WALL_S = 60.0
TARGET_VS_AGENT = 100.0
TARGET_MEM_RATIO = 1.5


def log(message: str) -> None:
    """Print a progress message to stderr (stdout is kept for the results)."""
    print(message, file=sys.stderr, flush=True)


def toml_value(value: Any) -> str:
    """``value`` as TOML (strings, numbers, booleans, lists and inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def toml_text(data: dict[str, Any]) -> str:
    """An experiment mapping as a TOML file: scalars first, then one table per mapping."""
    lines = [f"{k} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def benchmark_spec(n: int, patients: int, sessions: int) -> dict[str, Any]:
    """The Sobol experiment file's contents with N and the clinic size set."""
    data = tomllib.loads(SPEC.read_text(encoding="utf-8"))
    data["design"]["n"] = n
    data["parameters"] = {
        **data.get("parameters", {}),
        "n_patients": patients,
        "n_sessions": sessions,
    }
    return data


def time_cli_sweep(spec: Path, results: Path, workers: int) -> dict[str, float]:
    """Run ``alliance-sim sweep`` in a fresh process; its wall time and its run phase."""
    command = [sys.executable, "-m", "alliance_sim", "sweep", str(spec), "--results", str(results)]
    command += ["--quiet", "--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError("alliance-sim sweep failed")
    match = re.search(r"finished ([\d,]+) runs in ([\d.]+) s", done.stdout)
    if match is None or "Sobol indices" not in done.stdout:
        sys.stderr.write(done.stdout)
        raise RuntimeError("alliance-sim sweep did not report its runs and indices")
    runs = int(match.group(1).replace(",", ""))
    return {"wall_s": wall, "runs": runs, "run_phase_s": float(match.group(2))}


def time_agent_engine(spec: Path, runs: int) -> float:
    """Agent-engine runs per second over the first ``runs`` points of the design."""
    from alliance_sim.batch import load_experiment
    from alliance_sim.simulation import simulate

    experiment = load_experiment(spec)
    design = experiment.design().head(runs)
    factors = experiment.factor_names
    simulate(experiment.params(), [1], engine="agent")  # warm-up
    start = time.perf_counter()
    for row in design.to_dict("records"):
        params = experiment.params({name: row[name] for name in factors})
        simulate(params, [int(row["seed"])], engine="agent")
    return runs / (time.perf_counter() - start)


def time_executors(spec: Path, runs: int, workers: int) -> dict[str, float]:
    """Runs per second of the default pool and of a Dask LocalCluster on the same runs."""
    from alliance_sim.batch import ClinicSweep, load_experiment, open_backend, run_design

    experiment = load_experiment(spec)
    design = experiment.design().head(runs)
    model = ClinicSweep(experiment.base, experiment.outputs)
    out: dict[str, float] = {}
    for name in ("processes", "dask"):
        start = time.perf_counter()
        with open_backend(name, workers) as backend:
            # warm-up: every worker imports the model before the clock starts
            run_design(design.head(4 * workers), model, experiment.outputs, executor=backend)
            started = time.perf_counter()
            outcome = run_design(design, model, experiment.outputs, executor=backend)
            elapsed = time.perf_counter() - started
        if not outcome.complete or (outcome.runs["status"] != "ok").any():
            raise RuntimeError(f"the {name} sweep did not finish cleanly")
        out[f"{name}_start_s"] = started - start
        out[f"{name}_runs_per_s"] = runs / elapsed
    return out


def measure_memory(spec: Path, runs: int, workers: int) -> dict[str, float]:
    """In this (fresh) process: the first ``runs`` runs into a results folder; peak memory."""
    from alliance_sim.batch import (
        ClinicSweep,
        ResultStore,
        load_experiment,
        open_backend,
        run_design,
    )

    experiment = load_experiment(spec)
    design = experiment.design().head(runs)
    model = ClinicSweep(experiment.base, experiment.outputs)
    with tempfile.TemporaryDirectory() as tmp:
        store = ResultStore.create(Path(tmp) / "results", design, experiment.outputs)
        start = time.perf_counter()
        with open_backend("processes", workers) as backend:
            outcome = run_design(design, model, experiment.outputs, executor=backend, store=store)
        store.compact()
        table = store.read()
        seconds = time.perf_counter() - start
    if len(table) != runs or not outcome.complete:
        raise RuntimeError("the memory run did not finish")
    return {
        "peak_mem_mb": peak_rss_mb(),
        "worker_peak_mem_mb": children_peak_rss_mb(),
        "seconds": seconds,
    }


def memory_in_subprocess(spec: Path, runs: int, workers: int) -> dict[str, float]:
    """Run :func:`measure_memory` in a fresh Python process and return its figures."""
    args = ["--_memory-child", str(runs), "--_spec", str(spec), "--workers", str(workers)]
    return run_in_fresh_process(__file__, args, f"{runs} runs")


def run_benchmark(
    n: int,
    patients: int,
    sessions: int,
    workers: int,
    agent_runs: int,
    dask_runs: int,
    memory_runs: tuple[int, int],
) -> dict[str, Any]:
    """Measure every figure in one go (see the module docstring)."""
    import numpy as np
    import pandas as pd

    import alliance_sim

    wall_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "sobol.toml"
        spec.write_text(toml_text(benchmark_spec(n, patients, sessions)), encoding="utf-8")
        from alliance_sim.batch import load_experiment

        n_runs = load_experiment(spec).n_runs()
        small, large = (min(m, n_runs) for m in memory_runs)
        log(f"Sobol sweep: {n_runs:,} runs of {patients} patients × {sessions} sessions ...")
        sweep = time_cli_sweep(spec, Path(tmp) / "results", workers)
        runs_per_s = sweep["runs"] / sweep["run_phase_s"]
        log(f"agent engine: {agent_runs} runs ...")
        agent_runs_per_s = time_agent_engine(spec, min(agent_runs, n_runs))
        log(f"default executor vs Dask LocalCluster: {min(dask_runs, n_runs):,} runs each ...")
        executors = time_executors(spec, min(dask_runs, n_runs), workers)
        log(f"peak memory: {small:,} and {large:,} runs, each in a fresh process ...")
        mem_small = memory_in_subprocess(spec, small, workers)
        mem_large = memory_in_subprocess(spec, large, workers)
    mem_ratio = mem_large["peak_mem_mb"] / mem_small["peak_mem_mb"]
    vs_agent = runs_per_s / agent_runs_per_s
    dask_vs_default = executors["dask_runs_per_s"] / executors["processes_runs_per_s"]
    return {
        "sobol_wall_s": sweep["wall_s"],
        "runs_per_s": runs_per_s,
        "vs_agent_engine": vs_agent,
        "peak_mem_mb_2k": mem_small["peak_mem_mb"],
        "peak_mem_mb_22k": mem_large["peak_mem_mb"],
        "dask_vs_default": dask_vs_default,
        "runs": n_runs,
        "sobol_n": n,
        "n_patients": patients,
        "n_sessions": sessions,
        "workers": workers,
        "sweep_run_phase_s": sweep["run_phase_s"],
        "agent_runs": min(agent_runs, n_runs),
        "agent_runs_per_s": agent_runs_per_s,
        "dask_runs": min(dask_runs, n_runs),
        "default_runs_per_s": executors["processes_runs_per_s"],
        "dask_runs_per_s": executors["dask_runs_per_s"],
        "default_start_s": executors["processes_start_s"],
        "dask_start_s": executors["dask_start_s"],
        "memory_runs": [small, large],
        "worker_peak_mem_mb_2k": mem_small["worker_peak_mem_mb"],
        "worker_peak_mem_mb_22k": mem_large["worker_peak_mem_mb"],
        "mem_22k_vs_2k": mem_ratio,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "alliance_sim": alliance_sim.__version__,
        "cpu_count": os.cpu_count(),
        "targets": {
            "sobol_wall_s": sweep["wall_s"] <= TARGET_SOBOL_WALL_S,
            "vs_agent_engine": vs_agent >= TARGET_VS_AGENT,
            "mem_22k_vs_2k": mem_ratio <= TARGET_MEM_RATIO,
        },
        "wall_s": time.perf_counter() - wall_start,
    }


def format_table(r: dict[str, Any]) -> str:
    """The results as an aligned table: figure, value, target, ok/MISSED."""

    def status(key: str) -> str:
        return "ok" if r["targets"][key] else "MISSED"

    small, large = r["memory_runs"]
    rows = [
        (
            f"Sobol sweep end to end ({r['runs']:,} runs + analysis)",
            f"{r['sobol_wall_s']:.1f} s",
            f"≤ {TARGET_SOBOL_WALL_S:g} s",
            status("sobol_wall_s"),
        ),
        (
            "  its run phase",
            f"{r['sweep_run_phase_s']:.1f} s, {r['runs_per_s']:,.0f} runs/s",
            "",
            "",
        ),
        (
            f"agent engine loop ({r['agent_runs']} runs)",
            f"{r['agent_runs_per_s']:.1f} runs/s",
            "",
            "",
        ),
        (
            "sweep / agent engine",
            f"{r['vs_agent_engine']:,.0f}×",
            f"≥ {TARGET_VS_AGENT:g}×",
            status("vs_agent_engine"),
        ),
        (
            f"peak memory, {small:,} runs",
            f"{r['peak_mem_mb_2k']:.0f} MB (workers {r['worker_peak_mem_mb_2k']:.0f} MB each)",
            "",
            "",
        ),
        (
            f"peak memory, {large:,} runs",
            f"{r['peak_mem_mb_22k']:.0f} MB (workers {r['worker_peak_mem_mb_22k']:.0f} MB each)",
            "",
            "",
        ),
        (
            f"memory {large:,} / {small:,}",
            f"{r['mem_22k_vs_2k']:.2f}×",
            f"≤ {TARGET_MEM_RATIO:g}×",
            status("mem_22k_vs_2k"),
        ),
        (
            f"default pool ({r['dask_runs']:,} runs)",
            f"{r['default_runs_per_s']:,.0f} runs/s (start {r['default_start_s']:.1f} s)",
            "",
            "",
        ),
        (
            "Dask LocalCluster, 2 workers",
            f"{r['dask_runs_per_s']:,.0f} runs/s (start {r['dask_start_s']:.1f} s)",
            "",
            "",
        ),
        ("Dask / default pool", f"{r['dask_vs_default']:.2f}×", "", ""),
    ]
    header = ("figure", "measured", "target", "")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        f"Sobol N = {r['sobol_n']}, {r['n_patients']} patients × {r['n_sessions']} sessions;"
        f" {r['workers']} workers; Python {r['python']}, numpy {r['numpy']}, pandas {r['pandas']},"
        f" {r['cpu_count']} CPUs",
        "",
    ]
    for row in [header, *rows]:
        lines.append("  ".join([*(row[i].ljust(widths[i]) for i in range(3)), row[3]]).rstrip())
    lines += ["", f"total wall time {r['wall_s']:.1f} s"]
    return "\n".join(lines)


def power_of_two(text: str) -> int:
    """Argparse type: a power of two (Sobol's N)."""
    value = positive_int(text)
    if value & (value - 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a power of two")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/sweep.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Benchmark a Sobol sweep (experiments/alliance_drivers_sobol.toml) end to end and print:\n"
            "\n"
            "  sobol_wall_s       alliance-sim sweep in a fresh process, analysis included   target <= 60 s\n"
            "  runs_per_s         runs per second of the sweep's run phase\n"
            "  vs_agent_engine    runs_per_s / a loop of agent-engine runs                  target >= 100x\n"
            "  peak_mem_mb_2k     peak memory of the sweep process, first 2,000 runs\n"
            "  peak_mem_mb_22k    the same for all 22,528 runs               target: within 1.5x\n"
            "  dask_vs_default    Dask LocalCluster (2 workers) runs/s / default pool runs/s\n"
            "\n"
            "A missed target is reported as MISSED; the exit code is 0 all the same."
        ),
    )
    parser.add_argument("--n", type=power_of_two, default=1024, help="Sobol N (default: 1024)")
    parser.add_argument(
        "--patients", type=positive_int, default=200, help="patients per clinic (default: 200)"
    )
    parser.add_argument(
        "--sessions", type=positive_int, default=12, help="sessions per episode (default: 12)"
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="pool workers (default: cores)",
    )
    parser.add_argument(
        "--agent-runs", type=positive_int, default=20, help="agent-engine runs timed (default: 20)"
    )
    parser.add_argument(
        "--dask-runs",
        type=positive_int,
        default=4096,
        help="runs timed on the default pool and on Dask (default: 4096)",
    )
    parser.add_argument(
        "--memory-runs",
        type=two_sizes("2000,22528"),
        default=(2000, 22528),
        metavar="SMALL,LARGE",
        help="runs of the two memory measurements (default: 2000,22528)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--_memory-child", type=positive_int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_spec", default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results; returns the exit code (0)."""
    args = build_parser().parse_args(argv)
    if args._memory_child is not None:
        print(json.dumps(measure_memory(Path(args._spec), args._memory_child, args.workers)))
        return 0
    results = run_benchmark(
        n=args.n,
        patients=args.patients,
        sessions=args.sessions,
        workers=args.workers,
        agent_runs=args.agent_runs,
        dask_runs=args.dask_runs,
        memory_runs=args.memory_runs,
    )
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
