"""The parameter table for notebooks and scripts says what the schema says."""

from __future__ import annotations

import pytest

from alliance_sim import SCHEMA, ParameterError
from alliance_sim.core.params import GROUPS
from alliance_sim.core.reference import PARAMETER_COLUMNS, allowed_text, parameter_frame


def test_parameter_frame_lists_every_parameter_once_in_schema_order():
    frame = parameter_frame()
    assert list(frame.columns) == list(PARAMETER_COLUMNS)
    assert list(frame["name"]) == list(SCHEMA)


def test_parameter_frame_rows_hold_the_schema_values():
    frame = parameter_frame().set_index("name")
    for name, p in SCHEMA.items():
        row = frame.loc[name]
        assert row["default"] == p.default and type(row["default"]) is type(p.default)
        assert row["allowed"] == allowed_text(p).replace("`", "")
        assert (row["group"], row["label"], row["unit"]) == (p.group, p.label, p.unit)
        assert (row["help"], row["reference"]) == (p.help, p.reference)


@pytest.mark.parametrize("group", list(GROUPS))
def test_parameter_frame_of_one_group_holds_exactly_that_group(group):
    frame = parameter_frame(group)
    assert list(frame["name"]) == [p.name for p in SCHEMA.values() if p.group == group]


def test_parameter_frame_refuses_an_unknown_group_and_names_the_groups():
    with pytest.raises(ParameterError, match="'therapists' is not allowed: one of 'therapist'"):
        parameter_frame("therapists")
