"""How stable are the verdicts of ``alliance-sim validate``? Run it with 20 seeds.

For each pattern: how many of the 20 runs passed, and the range of the
simulated values. Writes ``experiments/validation_stability.md``.

Run: ``python experiments/validation_stability.py [--seeds 20] [--replicates 200]``
(about a minute).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from alliance_sim.validation.defaults import CI_SEED, DEFAULT_REPLICATES
from alliance_sim.validation.judge import validate

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Validate with several seeds and tabulate the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES)
    args = parser.parse_args(argv)
    seeds = [CI_SEED + k for k in range(args.seeds)]
    tables = []
    for seed in seeds:
        table = validate(seed=seed, replicates=args.replicates).table
        tables.append(table.assign(seed=seed))
        print(f"seed {seed}: {int(table['passed'].sum())}/{len(table)} passed", file=sys.stderr)
    runs = pd.concat(tables, ignore_index=True)
    summary = runs.groupby("id", sort=False).agg(
        passed=("passed", "sum"),
        simulated_min=("simulated", "min"),
        simulated_max=("simulated", "max"),
        tolerance=("tolerance", "first"),
        unit=("unit", "first"),
    )
    lines = [
        "# Stability of the validation verdicts",
        "",
        f"`alliance-sim validate` with the default parameters, {args.replicates} simulated"
        f" trials/clinics per pattern, run with {len(seeds)} seeds ({seeds[0]} to {seeds[-1]};"
        f" the CI uses {CI_SEED}). Written by `experiments/validation_stability.py`.",
        "",
        f"All patterns passed in {int(runs.groupby('seed')['passed'].all().sum())} of"
        f" {len(seeds)} runs.",
        "",
        "| Pattern | Passed | Simulated, lowest to highest | Tolerance |",
        "|---|---|---|---|",
    ]
    for pattern, row in summary.iterrows():
        lines.append(
            f"| `{pattern}` | {int(row['passed'])}/{len(seeds)} |"
            f" {row['simulated_min']:.3f} to {row['simulated_max']:.3f} | {row['tolerance']}"
            f"{'' if not str(row['unit']).startswith('share') else ' (share)'} |"
        )
    (HERE / "validation_stability.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
