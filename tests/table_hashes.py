"""Fingerprints of every table of every built-in set-up, on both engines.

Every built-in scenario, every arm of every built-in trial protocol and every arm of
every built-in lesson is run with seeds 0 and 7 on the cohort and the agent engine; each
table is reduced to a short hash. ``tests/data/table_hashes.json`` holds the hashes of
the code as committed: a change that alters any number of any table shows up in
``tests/test_table_hashes.py``.

Floats are hashed after dropping their last 18 of 52 mantissa bits, so that a
difference in the last bits from a different CPU or numpy build (``tanh`` and ``exp``
are vectorised differently on different machines) does not count, while any change of
behaviour does. Refactoring leaves every hash as it was; a change of the model changes
them, on purpose: then regenerate the file with

    python tests/table_hashes.py --update

and say in the commit why the numbers changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_sim.core.params import Params
from alliance_sim.lessons.lesson import builtin_lessons
from alliance_sim.records.columns import TABLES
from alliance_sim.scenarios import builtin_scenarios
from alliance_sim.simulation import ENGINES, simulate
from alliance_sim.trials.protocol import builtin_protocols

HASHES = Path(__file__).parent / "data" / "table_hashes.json"
SEEDS = (0, 7)
KEPT_BITS = 34


def coarse(values: np.ndarray) -> np.ndarray:
    """Floats with their last mantissa bits dropped (NaN and inf kept)."""
    mantissa, exponent = np.frexp(values)
    scale = float(2**KEPT_BITS)
    return np.ldexp(np.round(mantissa * scale) / scale, exponent)


def digest(frame: pd.DataFrame) -> str:
    """A short hash of a table's column names and values."""
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    for name in frame.columns:
        column = frame[name]
        if column.dtype == np.float64:
            column = pd.Series(coarse(column.to_numpy()))
        h.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def setups() -> dict[str, Params]:
    """Every built-in scenario, trial-protocol arm and lesson arm, by name."""
    out = {f"scenario:{name}": s.params() for name, s in builtin_scenarios().items()}
    for name, protocol in builtin_protocols().items():
        for arm in protocol.arms:
            out[f"protocol:{name}:{arm.name}"] = protocol.params(arm)
    for name, lesson in builtin_lessons().items():
        for arm in lesson.arms:
            out[f"lesson:{name}:{arm.name}"] = arm.params
    return out


def table_hashes(params: Params, engine: str) -> dict[str, str]:
    """The hash of each table of ``params`` run with :data:`SEEDS` on ``engine``."""
    simulation = simulate(params, SEEDS, engine=engine, tables=TABLES)
    return {name: digest(simulation.tables[name]) for name in TABLES}


def all_hashes() -> dict[str, dict[str, str]]:
    """``{"setup|engine": {table: hash}}`` for every set-up and engine."""
    return {
        f"{name}|{engine}": table_hashes(params, engine)
        for name, params in setups().items()
        for engine in ENGINES
    }


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/table_hashes.py --update")
    HASHES.write_text(json.dumps(all_hashes(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {HASHES}")
