"""Benchmark the simulation engines side by side: speed, the random-number floor, memory.

What is measured, in one invocation (every engine on the default clinic, 200 patients
and 5 therapists, 12 sessions, questionnaires at sessions 2 and 12):

* **agent engine** — :func:`alliance_sim.simulation.run_clinic`: the Mesa model
  ``ClinicModel`` with its DataCollector, then every table and the per-run
  metrics. Timed over ``--agent-runs`` runs (default 10), one after the other.
* **mesa.batch_run** — Mesa's own ``mesa.batch_run`` over ``ClinicModel``
  (one process, data collected at the end of each run): what a Mesa user would
  write. Timed over ``--batch-runs`` runs (default 10).
* **cohort engine** — :func:`alliance_sim.engines.cohort.run_cohort` in summary mode
  (questionnaires simulated, per-run metrics computed, one row per run) over
  ``--replicates`` replicate clinics (default 1,000).
* **RNG floor** — :func:`alliance_sim.engines.cohort.draw_cohort` over the same chunks
  of the same seeds: only drawing the random numbers the engines draw (one
  generator per replicate), which no engine can do faster.
* **peak memory** — ``run_cohort`` in summary mode on 1,000 and on 10,000
  replicates (``--memory-replicates``), each in a fresh Python process:
  the peak of the allocations traced by :mod:`tracemalloc` during the run
  (numpy reports its buffers to tracemalloc), and, for transparency, the
  process's peak RSS (imports included; ``VmHWM`` on Linux, see
  :func:`_measure.peak_rss_mb`).

Speeds are in patient-sessions per second (patients × sessions × runs), so an
engine timed on 10 runs compares with one timed on 1,000. Each engine is warmed
up once before it is timed; times are wall-clock (:func:`time.perf_counter`).

Targets (a miss is reported, the exit code stays 0: this is a measurement, not a test):

* cohort engine / agent engine ≥ 100× (patient-sessions per second);
* cohort engine time / RNG floor time ≤ 3×;
* peak memory of the larger memory run ≤ 1.5 × that of the smaller;
* one agent-engine run (median) ≤ 0.25 s, so the web app stays lively.

How to run (from the repository root)::

    python benchmarks/engines.py             # an aligned table
    python benchmarks/engines.py --json      # one JSON object on stdout
    python benchmarks/engines.py --help      # the options

Progress messages go to stderr. The default invocation takes well under a
minute on a 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import mesa
import numpy as np
from _args import positive_int, two_sizes
from _measure import MB, peak_rss_mb, run_in_fresh_process

import alliance_sim
from alliance_sim import Params
from alliance_sim.core.params import MAX_SEED
from alliance_sim.engines.agent.model import ClinicModel
from alliance_sim.engines.cohort import default_chunk_size, draw_cohort, run_cohort
from alliance_sim.simulation import replicate_seeds, run_clinic

N_SESSIONS = 12
"""Sessions per episode of care in every benchmark run."""

TARGET_COHORT_VS_AGENT = 100.0
TARGET_COHORT_VS_RNG_FLOOR = 3.0
TARGET_MEM_RATIO = 1.5
TARGET_AGENT_RUN_S = 0.25


def benchmark_params() -> Params:
    """The benchmarked clinic: the defaults (200 patients, 5 therapists) with 12 sessions."""
    return Params(n_sessions=N_SESSIONS)


def log(message: str) -> None:
    """Print a progress message to stderr (stdout is kept for the results)."""
    print(message, file=sys.stderr, flush=True)


def patient_sessions(params: Params, runs: int) -> int:
    """Patient-sessions simulated by ``runs`` runs of ``params``."""
    return int(params.n_patients) * int(params.n_sessions) * runs


def chunks(seeds: Sequence[int], size: int) -> list[Sequence[int]]:
    """The seeds cut into the chunks the cohort engine runs together."""
    return [seeds[i : i + size] for i in range(0, len(seeds), size)]


def time_agent_engine(params: Params, seeds: Sequence[int]) -> list[float]:
    """Time :func:`run_clinic` (model, data collection, tables, metrics) once per seed.

    Args:
        params: the clinic.
        seeds: one run per seed.

    Returns:
        The wall time of each run, in seconds.
    """
    times = []
    for seed in seeds:
        start = time.perf_counter()
        run_clinic(params, seed)
        times.append(time.perf_counter() - start)
    return times


def time_cohort_engine(params: Params, seeds: Sequence[int]) -> float:
    """Time :func:`run_cohort` in summary mode over ``seeds``; returns seconds."""
    start = time.perf_counter()
    result = run_cohort(params, seeds, tables=("summary",))
    elapsed = time.perf_counter() - start
    if len(result["summary"]) != len(seeds):
        raise RuntimeError("run_cohort returned a summary with the wrong number of rows")
    return elapsed


def time_rng_floor(params: Params, seeds: Sequence[int]) -> float:
    """Time drawing the cohort engine's random numbers for ``seeds``, chunk by chunk.

    Args:
        params: the clinic.
        seeds: the replicates' seeds, cut into chunks of :func:`default_chunk_size`
            exactly as :func:`run_cohort` cuts them.

    Returns:
        Seconds spent in :func:`draw_cohort` over all chunks.
    """
    start = time.perf_counter()
    for chunk in chunks(seeds, default_chunk_size(params)):
        draw_cohort(params, chunk)
    return time.perf_counter() - start


def time_batch_run(params: Params, seeds: Sequence[int]) -> float:
    """Time ``mesa.batch_run`` over :class:`ClinicModel`, one run per seed, one process.

    Mesa 3.3 keeps its models alive after the batch, so this should run after
    the other timings; the garbage is collected before returning.

    Returns:
        The wall time of the whole batch, in seconds.
    """
    from mesa.batchrunner import batch_run  # sets the multiprocessing start method

    # Mesa 3.3 takes the seeds as a model parameter (with ``iterations=1``); Mesa 3.4+
    # has an ``rng`` argument for them and passes None as the seed otherwise.
    seeding: dict[str, Any]
    if "rng" in inspect.signature(batch_run).parameters:
        seeding = {"parameters": {"params": [params]}, "rng": list(seeds)}
    else:
        seeding = {"parameters": {"params": [params], "seed": list(seeds)}, "iterations": 1}
    start = time.perf_counter()
    results = batch_run(
        ClinicModel,
        number_processes=1,
        data_collection_period=-1,
        max_steps=int(params.n_sessions),
        display_progress=False,
        **seeding,
    )
    elapsed = time.perf_counter() - start
    if not results:
        raise RuntimeError("mesa.batch_run returned no data")
    del results
    gc.collect()
    return elapsed


def measure_memory(n_replicates: int, seed: int) -> dict[str, float]:
    """Peak memory of :func:`run_cohort` in summary mode, measured in this process.

    Meant for a fresh process (``--_memory-child``): imports and a one-chunk
    warm-up happen before tracing starts, so the traced peak is that of the run.

    Args:
        n_replicates: replicates to run.
        seed: the seed the replicates' seeds are derived from.

    Returns:
        ``peak_mem_mb`` (tracemalloc peak during the run), ``peak_rss_mb``
        (the process's maximum resident set size) and ``seconds`` (the run,
        slowed down by tracing).
    """
    params = benchmark_params()
    seeds = replicate_seeds(seed, n_replicates)
    run_cohort(params, replicate_seeds(seed + 1, default_chunk_size(params)))
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = run_cohort(params, seeds, tables=("summary",))
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if len(result["summary"]) != n_replicates:
        raise RuntimeError("run_cohort returned a summary with the wrong number of rows")
    return {
        "peak_mem_mb": peak / MB,
        "peak_rss_mb": peak_rss_mb(),
        "seconds": seconds,
    }


def memory_in_subprocess(n_replicates: int, seed: int) -> dict[str, float]:
    """Run :func:`measure_memory` in a fresh Python process and return its figures."""
    args = ["--_memory-child", str(n_replicates), "--seed", str(seed)]
    return run_in_fresh_process(__file__, args, f"{n_replicates} replicates")


def announced(label: str, action: Callable[[], Any]) -> Any:
    """Log ``label``, then run ``action`` and return its result."""
    log(f"  {label} ...")
    return action()


def run_benchmark(
    replicates: int,
    agent_runs: int,
    batch_runs: int,
    seed: int,
    memory_replicates: tuple[int, int],
) -> dict[str, Any]:
    """Measure every figure in one go.

    Args:
        replicates: cohort-engine replicates (and RNG-floor replicates).
        agent_runs: runs of the agent engine.
        batch_runs: runs of ``mesa.batch_run``.
        seed: the seed every run seed is derived from.
        memory_replicates: the smaller and the larger memory run.

    Returns:
        The results, as documented in the module docstring and ``--help``.
    """
    wall_start = time.perf_counter()
    params = benchmark_params()
    size = default_chunk_size(params)
    seeds = replicate_seeds(seed, max(replicates, agent_runs, batch_runs))
    warm = replicate_seeds(seed + 1, size)

    log("warming up the engines")
    run_clinic(params, warm[0])
    run_cohort(params, warm, tables=("summary",))
    draw_cohort(params, warm)
    gc.collect()

    log("timing")
    agent_times = announced(
        f"agent engine, {agent_runs} runs",
        lambda: time_agent_engine(params, seeds[:agent_runs]),
    )
    gc.collect()
    cohort_s = announced(
        f"cohort engine, {replicates} replicates",
        lambda: time_cohort_engine(params, seeds[:replicates]),
    )
    gc.collect()
    rng_floor_s = announced(
        f"RNG floor, {replicates} replicates",
        lambda: time_rng_floor(params, seeds[:replicates]),
    )
    gc.collect()
    # last, and warmed up only now: Mesa 3.3 keeps batch_run's models alive
    time_batch_run(params, warm[:1])
    batch_run_s = announced(
        f"mesa.batch_run, {batch_runs} runs",
        lambda: time_batch_run(params, seeds[:batch_runs]),
    )
    gc.collect()

    small_n, large_n = memory_replicates
    log("peak memory (fresh processes)")
    small = announced(f"{small_n} replicates", lambda: memory_in_subprocess(small_n, seed))
    large = announced(f"{large_n} replicates", lambda: memory_in_subprocess(large_n, seed))

    agent_s = sum(agent_times)
    agent_run_s = statistics.median(agent_times)
    agent_rate = patient_sessions(params, agent_runs) / agent_s
    batch_rate = patient_sessions(params, batch_runs) / batch_run_s
    cohort_rate = patient_sessions(params, replicates) / cohort_s
    cohort_vs_agent = cohort_rate / agent_rate
    cohort_vs_rng_floor = cohort_s / rng_floor_s
    mem_ratio = large["peak_mem_mb"] / small["peak_mem_mb"]
    return {
        "agent_sessions_per_s": agent_rate,
        "batch_run_sessions_per_s": batch_rate,
        "cohort_sessions_per_s": cohort_rate,
        "cohort_vs_agent": cohort_vs_agent,
        "cohort_vs_rng_floor": cohort_vs_rng_floor,
        "peak_mem_mb_1k": small["peak_mem_mb"],
        "peak_mem_mb_10k": large["peak_mem_mb"],
        "mem_10k_vs_1k": mem_ratio,
        "peak_rss_mb_1k": small["peak_rss_mb"],
        "peak_rss_mb_10k": large["peak_rss_mb"],
        "agent_run_s": agent_run_s,
        "agent_s": agent_s,
        "batch_run_s": batch_run_s,
        "cohort_s": cohort_s,
        "rng_floor_s": rng_floor_s,
        "replicates": replicates,
        "agent_runs": agent_runs,
        "batch_runs": batch_runs,
        "memory_replicates": [small_n, large_n],
        "seed": seed,
        "n_patients": int(params.n_patients),
        "n_sessions": int(params.n_sessions),
        "chunk_size": size,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "alliance_sim": alliance_sim.__version__,
        "cpu_count": os.cpu_count(),
        "targets": {
            "cohort_vs_agent": cohort_vs_agent >= TARGET_COHORT_VS_AGENT,
            "cohort_vs_rng_floor": cohort_vs_rng_floor <= TARGET_COHORT_VS_RNG_FLOOR,
            "mem_10k_vs_1k": mem_ratio <= TARGET_MEM_RATIO,
            "agent_run_s": agent_run_s <= TARGET_AGENT_RUN_S,
        },
        "wall_s": time.perf_counter() - wall_start,
    }


def format_table(results: dict[str, Any]) -> str:
    """The results as a short aligned table: figure, value, target, ok/MISSED."""
    targets: dict[str, bool] = results["targets"]
    small_n, large_n = results["memory_replicates"]

    def status(key: str) -> str:
        return "ok" if targets[key] else "MISSED"

    rows: list[tuple[str, str, str, str]] = [
        (
            f"agent engine ({results['agent_runs']} runs)",
            f"{results['agent_sessions_per_s']:,.0f} patient-sessions/s",
            "",
            "",
        ),
        (
            f"mesa.batch_run ({results['batch_runs']} runs)",
            f"{results['batch_run_sessions_per_s']:,.0f} patient-sessions/s",
            "",
            "",
        ),
        (
            f"cohort engine ({results['replicates']:,} replicates)",
            f"{results['cohort_sessions_per_s']:,.0f} patient-sessions/s",
            "",
            "",
        ),
        (
            "cohort / agent engine",
            f"{results['cohort_vs_agent']:,.0f}×",
            f"≥ {TARGET_COHORT_VS_AGENT:g}×",
            status("cohort_vs_agent"),
        ),
        (
            "cohort time / RNG floor time",
            f"{results['cohort_vs_rng_floor']:.2f}×"
            f"  ({results['cohort_s']:.2f} s / {results['rng_floor_s']:.2f} s)",
            f"≤ {TARGET_COHORT_VS_RNG_FLOOR:g}×",
            status("cohort_vs_rng_floor"),
        ),
        (
            f"peak memory, {small_n:,} replicates",
            f"{results['peak_mem_mb_1k']:.1f} MB  (RSS {results['peak_rss_mb_1k']:.0f} MB)",
            "",
            "",
        ),
        (
            f"peak memory, {large_n:,} replicates",
            f"{results['peak_mem_mb_10k']:.1f} MB  (RSS {results['peak_rss_mb_10k']:.0f} MB)",
            "",
            "",
        ),
        (
            f"memory {large_n:,} / {small_n:,}",
            f"{results['mem_10k_vs_1k']:.2f}×",
            f"≤ {TARGET_MEM_RATIO:g}×",
            status("mem_10k_vs_1k"),
        ),
        (
            "agent engine, one run (median)",
            f"{results['agent_run_s']:.3f} s",
            f"≤ {TARGET_AGENT_RUN_S:g} s",
            status("agent_run_s"),
        ),
    ]
    header = ("figure", "measured", "target", "")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        f"{results['n_patients']} patients × {results['n_sessions']} sessions, "
        f"questionnaires and per-run metrics; chunk {results['chunk_size']} replicates; "
        f"Python {results['python']}, numpy {results['numpy']}, mesa {results['mesa']}, "
        f"{results['cpu_count']} CPUs",
        "",
    ]
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    lines.append("")
    lines.append(f"total wall time {results['wall_s']:.1f} s")
    return "\n".join(lines)


def seed_value(text: str) -> int:
    """Argparse type: a seed from 0 to ``MAX_SEED - 1`` (the warm-up runs use ``seed + 1``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r} is not from 0 to {MAX_SEED - 1}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/engines.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Benchmark alliance-sim's engines side by side on 200 patients × 12 sessions\n"
            "(questionnaires and per-run metrics included) and print:\n"
            "\n"
            "  agent_sessions_per_s      patient-sessions/s of the agent engine (run_clinic:\n"
            "                            Mesa model, DataCollector, tables, metrics)\n"
            "  batch_run_sessions_per_s  patient-sessions/s of mesa.batch_run over ClinicModel\n"
            "  cohort_sessions_per_s     patient-sessions/s of the cohort engine (summary mode)\n"
            "  cohort_vs_agent           cohort / agent speed                target >= 100x\n"
            "  cohort_vs_rng_floor       cohort time / time to only draw its\n"
            "                            random numbers (draw_cohort)        target <= 3x\n"
            "  peak_mem_mb_1k, _10k      tracemalloc peak of run_cohort in summary mode on\n"
            "                            1,000 and 10,000 replicates, each in a fresh process\n"
            "  mem_10k_vs_1k             their ratio                         target <= 1.5x\n"
            "  agent_run_s               median time of one agent-engine run target <= 0.25 s\n"
            "\n"
            "A missed target is reported as MISSED; the exit code is 0 all the same."
        ),
    )
    parser.add_argument(
        "--replicates",
        type=positive_int,
        default=1000,
        help="cohort-engine (and RNG-floor) replicates (default: 1000)",
    )
    parser.add_argument(
        "--agent-runs",
        type=positive_int,
        default=10,
        help="agent-engine runs timed; agent_run_s is their median (default: 10)",
    )
    parser.add_argument(
        "--batch-runs",
        type=positive_int,
        default=10,
        help="runs of mesa.batch_run timed (default: 10)",
    )
    parser.add_argument(
        "--memory-replicates",
        type=two_sizes("1000,10000"),
        default=(1000, 10000),
        metavar="SMALL,LARGE",
        help=(
            "replicates of the two memory runs, reported as peak_mem_mb_1k and "
            "peak_mem_mb_10k whatever the sizes (default: 1000,10000)"
        ),
    )
    parser.add_argument(
        "--seed",
        type=seed_value,
        default=20240,
        help="seed every run seed is derived from (default: 20240)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout instead of the table",
    )
    parser.add_argument(
        "--_memory-child",
        type=positive_int,
        default=None,
        help=argparse.SUPPRESS,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results; returns the exit code (0)."""
    args = build_parser().parse_args(argv)
    if args._memory_child is not None:
        print(json.dumps(measure_memory(args._memory_child, args.seed)))
        return 0
    results = run_benchmark(
        replicates=args.replicates,
        agent_runs=args.agent_runs,
        batch_runs=args.batch_runs,
        seed=args.seed,
        memory_replicates=args.memory_replicates,
    )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
