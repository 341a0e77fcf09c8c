"""Every table of every built-in set-up, on both engines, is what it was (see table_hashes.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from table_hashes import HASHES, all_hashes, coarse, digest, setups

RECORDED: dict[str, dict[str, str]] = json.loads(HASHES.read_text())


def test_the_recorded_hashes_cover_every_built_in_set_up_on_both_engines():
    assert {key.split("|")[0] for key in RECORDED} == set(setups())
    assert {key.split("|")[1] for key in RECORDED} == {"cohort", "agent"}


@pytest.mark.slow
def test_every_table_of_every_built_in_set_up_is_unchanged():
    now = all_hashes()
    changed = sorted(
        f"{key} {table}"
        for key, tables in now.items()
        for table in tables
        if RECORDED.get(key, {}).get(table) != tables[table]
    )
    assert not changed, (
        f"{len(changed)} tables changed, e.g. {changed[:5]}; see tests/table_hashes.py"
    )


def test_the_hash_ignores_the_last_bits_of_a_float_but_not_a_real_change():
    values = np.array([0.1, 12.5, -3.25, np.nan])
    frame = pd.DataFrame({"x": values})
    nudged = pd.DataFrame({"x": np.nextafter(values, np.inf)})
    changed = pd.DataFrame({"x": values * (1 + 1e-7)})
    assert digest(frame) == digest(nudged)
    assert digest(frame) != digest(changed)
    assert np.isnan(coarse(values)[-1])
