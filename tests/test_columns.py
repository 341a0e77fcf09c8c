"""The output schema declared in records.columns is what both engines produce."""

from __future__ import annotations

import pytest

from alliance_sim.core.params import Params
from alliance_sim.records import columns
from alliance_sim.simulation import ENGINES, run_clinic, simulate

SMALL = Params(n_patients=12, n_therapists=3, n_sessions=4, learning_rate=0.1)

DECLARED = {
    "summary": columns.SUMMARY_COLUMNS,
    "clinic": columns.CLINIC_COLUMNS,
    "patients": columns.PATIENT_COLUMNS,
    "sessions": columns.SESSION_COLUMNS,
    "questionnaires": columns.QUESTIONNAIRE_COLUMNS,
}


def test_every_table_has_its_declared_columns():
    assert set(DECLARED) == set(columns.TABLES)


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_produces_exactly_the_declared_columns_in_order(engine):
    simulation = simulate(SMALL, seeds=(3, 4), engine=engine, tables=columns.TABLES)
    for table, declared in DECLARED.items():
        produced = tuple(simulation.tables[table].columns)
        assert produced == (*columns.RUN_COLUMNS, *declared), table


def test_a_single_agent_run_has_the_declared_columns_without_replicate_and_seed():
    run = run_clinic(SMALL, seed=3)
    assert tuple(run.sessions.columns) == columns.SESSION_COLUMNS
    assert tuple(run.patients.columns) == columns.PATIENT_COLUMNS
    assert tuple(run.clinic.columns) == columns.CLINIC_COLUMNS
    assert tuple(run.questionnaires.columns) == columns.QUESTIONNAIRE_COLUMNS
    assert tuple(run.summary) == columns.SUMMARY_COLUMNS


def test_the_clinic_means_average_columns_of_the_sessions_table():
    for attribute, over in columns.CLINIC_MEANS.values():
        assert attribute in columns.STATE_COLUMNS
        assert over in ("in_care", "all")


def test_an_unknown_table_is_refused_with_the_allowed_names():
    with pytest.raises(Exception, match="'patients'"):
        columns.check_tables(["patient"])
