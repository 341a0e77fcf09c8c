"""Calibrate the default parameters against the validation patterns (DESIGN §4).

A shrinking-box search scores candidates with the cohort engine: a Latin
hypercube over the whole space of the calibrated parameters (scipy.stats.qmc),
then Latin hypercubes over smaller and smaller boxes around the best point so
far, then Nelder–Mead (scipy.optimize) from the best point — all with common
random numbers (one seed), so candidates differ only by their parameters. The score of a candidate is the sum over the
calibration patterns of a squared distance to a *target zone* inside each
tolerance (the middle of a two-sided tolerance; comfortably beyond a one-sided
bound), so that the chosen values pass with a margin, not at the edge.

Patterns used as targets: **only** the patterns whose role is ``"target"`` in
``alliance_sim.validation.patterns`` (read from that data, never listed here); a
candidate is scored by simulating those alone. The patterns whose role is ``"check"``
are never used: they are the out-of-sample test of the calibrated model, reported by
``alliance-sim validate`` and in the verification run below. The result is written to
``experiments/point-calibration.json`` (values, score, fit per pattern) and
``experiments/point-calibration.md``; the chosen values are then set as the schema
defaults by hand (alliance_sim/core/params.py), each noting it was calibrated.

Run: ``python experiments/calibrate.py [--points 96] [--refine 120] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from alliance_sim.core.params import SCHEMA
from alliance_sim.validation.calibration import PRIOR
from alliance_sim.validation.judge import validate
from alliance_sim.validation.patterns import PATTERNS

HERE = Path(__file__).resolve().parent
SEED = 424242
"""Common random numbers: every candidate is scored with this seed."""
REPLICATES = 60

SPACE: dict[str, tuple[float, float]] = dict(PRIOR)
"""The calibrated parameters and the range searched for each: the ABC prior's ranges
(:data:`alliance_sim.validation.calibration.PRIOR`), written once."""

HALF_WIDTHS: tuple[float, ...] = (1.0, 0.25, 0.12, 0.06)
"""The search boxes: the whole space, then boxes of these half-widths around the best point."""

TARGETS = tuple(p for p in PATTERNS if p.role == "target")
"""The calibration targets: the patterns whose role is "target" (read from the data)."""

CHECKS = tuple(p.id for p in PATTERNS if p.role != "target")
"""The out-of-sample checks: never used to score a candidate."""


def target_zone(pattern) -> tuple[float, float]:
    """The zone the calibration aims the pattern's judged interval at.

    For a pattern judged on the model's expected value (rule ``mean``, a narrow
    interval) the middle of the tolerance — three tenths of its width in from each end —
    so that it aims at the published value; for one judged on the spread of simulated
    studies (rule ``interval``, a wide interval) the tolerance shrunk by a tenth at each
    end, so that the studies fit inside with a margin.
    """
    low, high = pattern.low, pattern.high
    if math.isinf(high):  # one-sided: at least low, aim a little beyond
        margin = {"mm": 2.0}.get(pattern.unit, 0.05)
        return low + margin, math.inf
    if pattern.unit == "share of trials" and high == 1.0:
        return min(1.0, low + 0.1), 1.0
    width = high - low
    shrink = 0.3 if pattern.judged_by == "mean" else 0.1
    return low + shrink * width, high - shrink * width


def scale(pattern) -> float:
    """The distance that costs 1 for a pattern: 0.1 for a share, 2 mm or half the tolerance."""
    if pattern.unit.startswith("share"):
        return 0.1
    if math.isinf(pattern.high):
        return 2.0 if pattern.unit == "mm" else 0.05
    return (pattern.high - pattern.low) / 2


def penalty(pattern, interval: tuple[float, float]) -> float:
    """How far the pattern's judged interval sticks out of its target zone.

    Squared, in units of :func:`scale`: the calibration aims at what the rule judges,
    not at the mean.
    """
    low, high = target_zone(pattern)
    below, above = interval
    if not (math.isfinite(below) and math.isfinite(above)):
        return 100.0
    gap = max(0.0, low - below) + max(0.0, above - high)
    return (gap / scale(pattern)) ** 2


def decode(unit: np.ndarray) -> dict[str, float]:
    """Parameter values from a point of the unit cube."""
    out = {}
    for x, (name, (low, high)) in zip(unit, SPACE.items(), strict=True):
        value = low + float(np.clip(x, 0.0, 1.0)) * (high - low)
        out[name] = round(value, 4)
    return out


def evaluate(unit: np.ndarray) -> tuple[float, dict[str, float], dict[str, float]]:
    """Score a candidate: (score, values per pattern, parameter values)."""
    values = decode(np.asarray(unit))
    table = validate(seed=SEED, replicates=REPLICATES, overrides=values, patterns=TARGETS).table
    fit = dict(zip(table["id"], table["simulated"].astype(float), strict=True))
    intervals = {
        row.id: (float(row.simulated_low), float(row.simulated_high)) for row in table.itertuples()
    }
    score = sum(penalty(p, intervals[p.id]) for p in TARGETS)
    return score, fit, values


def main(argv: list[str] | None = None) -> int:
    """Search, refine, verify and write the calibration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--list-targets", action="store_true", help="print the targets and the checks, then stop"
    )
    parser.add_argument("--points", type=int, default=96, help="points per Latin hypercube")
    parser.add_argument("--refine", type=int, default=120, help="Nelder–Mead evaluations")
    parser.add_argument("--workers", type=int, default=2, help="processes")
    args = parser.parse_args(argv)
    print(
        f"calibrating on the {len(TARGETS)} patterns whose role is 'target':"
        f" {', '.join(p.id for p in TARGETS)}; the {len(CHECKS)} checks are not used",
        file=sys.stderr,
    )
    if args.list_targets:
        return 0
    start = time.time()
    # A shrinking-box search: a Latin hypercube over the whole space, then over
    # ever smaller boxes centred on the best point so far (half-widths in the
    # unit cube), all with the same common random numbers.
    design = np.empty((0, len(SPACE)))
    results: list[tuple[float, dict[str, float], dict[str, float]]] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for stage, half_width in enumerate(HALF_WIDTHS, start=1):
            sampler = qmc.LatinHypercube(d=len(SPACE), seed=SEED + stage)
            if design.size:
                centre = design[int(np.argmin([r[0] for r in results]))]
                low = np.clip(centre - half_width, 0, 1)
                high = np.clip(centre + half_width, 0, 1)
                points = qmc.scale(sampler.random(args.points), low, high)
            else:
                points = sampler.random(args.points)
            results += list(pool.map(evaluate, points, chunksize=4))
            design = np.vstack([design, points])
            best_score = min(r[0] for r in results)
            print(
                f"stage {stage} (half-width {half_width}): best score {best_score:.4f}"
                f" ({time.time() - start:.0f} s)",
                file=sys.stderr,
            )
    scores = np.array([r[0] for r in results])

    # last: Nelder–Mead from the best point
    evaluations = 0

    def objective(unit: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        return evaluate(np.clip(unit, 0, 1))[0]

    start_point = design[int(np.argmin(scores))]
    refined = optimize.minimize(
        objective,
        start_point,
        method="Nelder-Mead",
        options={"maxfev": args.refine, "xatol": 1e-3, "fatol": 1e-4},
    )
    score, _fit, values = evaluate(np.clip(refined.x, 0, 1))
    if score > scores.min():
        score, _fit, values = results[int(np.argmin(scores))]
    print(f"Nelder–Mead: score {score:.4f} after {evaluations} evaluations", file=sys.stderr)

    # verify with fresh seeds and the validation's own replicate count
    check = validate(seed=SEED + 1, replicates=200, overrides=values).table
    report = {
        "method": (
            f"Latin hypercubes of {args.points} points (scipy.stats.qmc) over {len(SPACE)}"
            f" parameters: the whole space, then boxes of half-width"
            f" {', '.join(str(w) for w in HALF_WIDTHS[1:])} (in the unit cube) around the best"
            f" point so far; then Nelder–Mead (scipy.optimize, at most {args.refine}"
            f" evaluations); each candidate scored on {REPLICATES} simulated trials/clinics"
            f" per pattern with common random numbers (seed {SEED})"
        ),
        "space": {k: list(v) for k, v in SPACE.items()},
        "previous_defaults": {k: SCHEMA[k].default for k in SPACE},
        "values": values,
        "score": score,
        "targets": [p.id for p in TARGETS],
        "checks_not_used": list(CHECKS),
        "fit": [
            {
                "id": row.id,
                "published": row.published,
                "tolerance": row.tolerance,
                "role": row.role,
                "target_zone": list(target_zone(next(p for p in PATTERNS if p.id == row.id))),
                "simulated": float(row.simulated),
                "simulated_interval": [float(row.simulated_low), float(row.simulated_high)],
                "passed": bool(row.passed),
                "calibration_target": row.role == "target",
            }
            for row in check.itertuples()
        ],
        "seconds": round(time.time() - start),
    }
    (HERE / "point-calibration.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8"
    )
    lines = [
        "# Calibration of the default parameters",
        "",
        report["method"] + ".",
        f" Written by `experiments/calibrate.py` in {report['seconds']} s.",
        "",
        "| Parameter | Searched | Previous default | Calibrated |",
        "|---|---|---|---|",
    ]
    for name, (low, high) in SPACE.items():
        lines.append(
            f"| `{name}` | {low:g}–{high:g} | {SCHEMA[name].default:g} | {values[name]:g} |"
        )
    lines += [
        "",
        f"Fit (verification run, seed {SEED + 1}, 200 replicates):",
        "",
        "| Pattern | Published | Tolerance | Simulated | Passed | Role |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["fit"]:
        lines.append(
            f"| `{row['id']}` | {row['published']} | {row['tolerance']} |"
            f" {row['simulated']:.3f} | {'yes' if row['passed'] else 'no'} |"
            f" {'target' if row['calibration_target'] else 'check (not used)'} |"
        )
    (HERE / "point-calibration.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps(values, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
