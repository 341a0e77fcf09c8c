"""Fuzzing the library's entry points: hostile values in, a result or a message out.

``Params``, ``parse_value``, ``simulate``, ``run_clinic``, ``compare``,
``replicate_seeds``, ``load_scenario``, ``parse_scenario_upload`` and
``parse_lesson_upload`` are called with values of the wrong type, integers of
hundreds of digits, NaN, infinities, lists and tables where names are expected,
special paths and mutated files. Each call must either return a valid result or
raise the project's :class:`~alliance_sim.core.errors.AllianceSimError` whose message
names the field or the file — never ``TypeError``, ``OverflowError``,
``RecursionError`` or ``ValueError`` from deep inside. With ``CI=true`` the tests
below make 1,100 examples; valid ones run clinics of a few patients.
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fuzz_inputs import (
    BASE_EXAMPLES,
    HOSTILE,
    SPECIAL_PATHS,
    Raw,
    fuzz_settings,
    hostile_files,
    mentions_a_field_or_file,
    mutated_document,
)
from hypothesis import given
from hypothesis import strategies as st

from alliance_sim.comparison import compare
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA, Params, parse_value
from alliance_sim.core.toml_checks import upload_name
from alliance_sim.lessons import parse_lesson_upload, run_lesson
from alliance_sim.scenarios import load_scenario, parse_scenario_upload
from alliance_sim.simulation import replicate_seeds, run_clinic, simulate

SMALL = {"n_patients": 3, "n_sessions": 2, "n_therapists": 2}

PYTHON_VALUES = st.sampled_from(
    [v for v in HOSTILE if not isinstance(v, Raw)]
    + [
        None,
        b"0.5",
        1j,
        Decimal("0.5"),
        Fraction(10**400, 3),
        np.float64("nan"),
        np.int64(3),
        np.bool_(True),
        object(),
        (1, 2),
        {1, 2},
        range(3),
        "0.5",
    ]
)
"""Values a caller might pass: the hostile file values as Python objects, and more."""

NAMES = st.sampled_from([*SCHEMA, "empathy", "", "x" * 300])


def check_message(error: AllianceSimError, *given: Any) -> None:
    """The message is one line and names a field or a file (or one of the names ``given``)."""
    message = str(error)
    assert "\n" not in message.strip(), message
    assert len(message) < 2000, message[:200]
    words = [str(g) for g in given if isinstance(g, str)]
    assert mentions_a_field_or_file(message, words), message


def small_value(name: str, value: Any) -> Any:
    """``value``, unless it would make a large valid clinic (the sizes stay small or invalid)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in SMALL and number and 3 < value <= 100_000:
        return SMALL[name]
    return value


@fuzz_settings(2.0)
@given(st.dictionaries(NAMES, PYTHON_VALUES, max_size=4), st.data())
def test_params_are_valid_or_the_message_names_the_field(values, data):
    try:
        params = Params(values)
    except AllianceSimError as error:
        check_message(error, *values)
    else:
        assert set(params) == set(SCHEMA)
    text = data.draw(st.sampled_from(["", "9" * 5000, "1e400", "nan", "-0", "²", "1,last", "x"]))
    name = data.draw(NAMES)
    try:
        parse_value(name, text)
    except AllianceSimError as error:
        check_message(error, name)
    positional = data.draw(PYTHON_VALUES)
    try:
        Params(positional)
    except AllianceSimError as error:
        check_message(error, "parameters")


@st.composite
def simulate_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Arguments of ``simulate`` (or ``run_clinic``/``compare``): small valid ones and hostile ones."""
    overrides = {
        k: small_value(k, v)
        for k, v in draw(st.dictionaries(NAMES, PYTHON_VALUES, max_size=2)).items()
    }
    params = draw(
        st.sampled_from(
            [Params(SMALL), {**SMALL, **overrides}, {**SMALL, **overrides}, None, 5, "default"]
        )
    )
    if params is None:
        params = {**SMALL}
    seeds = draw(
        st.sampled_from([[0], [1, 2], (3,), range(2), np.arange(2)])
        | st.lists(PYTHON_VALUES, max_size=2)
        | PYTHON_VALUES
    )
    tables = draw(
        st.sampled_from([("summary",), ["clinic", "patients"], "sessions", "questionnaires"])
        | PYTHON_VALUES
    )
    engine = draw(st.sampled_from(["cohort", "cohort", "agent"]) | PYTHON_VALUES)
    progress = draw(st.sampled_from([None, None, print, 5]))
    return {
        "params": params,
        "seeds": seeds,
        "tables": tables,
        "engine": engine,
        "progress": progress,
    }


@fuzz_settings(1.5)
@given(simulate_arguments(), st.data())
def test_simulate_run_clinic_and_compare_return_or_name_the_field(arguments, data):
    try:
        result = simulate(**arguments)
    except AllianceSimError as error:
        check_message(error)
    else:
        assert len(result.summary) == len(result.seeds) >= 1
    seed = data.draw(st.sampled_from([0, 7]) | PYTHON_VALUES)
    try:
        run = run_clinic(
            arguments["params"] if isinstance(arguments["params"], Params) else 5, seed
        )
    except AllianceSimError as error:
        check_message(error)
    else:
        assert len(run.patients) == 3
    replicates = data.draw(st.sampled_from([2, 3]) | PYTHON_VALUES)
    metrics = data.draw(
        st.sampled_from([("adherence",), "bond", ["dropout", "gpe"]]) | PYTHON_VALUES
    )
    label = data.draw(st.sampled_from(["A", "B"]) | PYTHON_VALUES)
    try:
        compared = compare(Params(SMALL), Params(SMALL), replicates, seed, label, "B", metrics)
    except AllianceSimError as error:
        check_message(error)
    else:
        assert len(compared.seeds) == replicates
    try:
        seeds = replicate_seeds(seed, data.draw(st.sampled_from([0, 2]) | PYTHON_VALUES))
    except AllianceSimError as error:
        check_message(error)
    else:
        assert all(isinstance(s, int) for s in seeds)


@fuzz_settings(1.0)
@given(
    mutated_document("scenario"),
    st.sampled_from(["scenario.toml", "mutated.toml", "mutated.toml", *SPECIAL_PATHS]),
    st.sampled_from(["mutated.toml", "../../etc/passwd", "", "x" * 500, "a\nb.toml"])
    | PYTHON_VALUES,
)
def test_scenarios_by_path_and_by_upload_load_or_name_the_file(data, path, file_name):
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as name:
        hostile_files(Path(name), {"mutated.toml": data})
        os.chdir(name)
        try:
            try:
                scenario = load_scenario(path)
            except AllianceSimError as error:
                check_message(error, path)
            else:
                assert scenario.name
        finally:
            os.chdir(previous)
    try:
        uploaded = parse_scenario_upload(data, file_name)
    except AllianceSimError as error:
        check_message(error, upload_name(file_name, "uploaded scenario"))
    else:
        try:
            uploaded.params()
        except AllianceSimError as error:
            check_message(error)


@fuzz_settings(1.0)
@given(
    mutated_document("lesson"), st.sampled_from(["lesson.toml", "", "../x.toml"]) | PYTHON_VALUES
)
def test_uploaded_lessons_parse_and_run_or_name_the_file(data, file_name):
    try:
        lesson = parse_lesson_upload(data, file_name)
    except AllianceSimError as error:
        check_message(error, upload_name(file_name, "uploaded lesson"))
        return
    result = run_lesson(lesson)
    assert len(result.table) == len(lesson.arms) * len(lesson.metrics)


@pytest.mark.skipif(not os.environ.get("CI"), reason="the counts are promised for the CI profile")
def test_the_fuzz_makes_at_least_1000_api_examples_with_the_ci_profile():
    assert sum(max(10, int(BASE_EXAMPLES * share)) for share in (2.0, 1.5, 1.0, 1.0)) >= 1000
