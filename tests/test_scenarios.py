"""Scenarios: the built-ins load and validate; bad files fail naming the file, key and reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance_sim.core.errors import ParameterError, ScenarioError
from alliance_sim.core.params import SCHEMA, Params, measurement_schedule
from alliance_sim.scenarios import (
    Scenario,
    builtin_scenario,
    builtin_scenarios,
    load_scenario,
    parse_scenario,
    parse_scenario_upload,
    scenario_toml,
)

BUILT_IN = (
    "default",
    "paternalistic",
    "shared-power",
    "low-empathy",
    "student-therapist",
    "passive-patients",
    "responsive-therapist",
    "matched-assignment",
)
STYLE_PARAMETERS = {
    "power_sharing_mean",
    "power_sharing_sd",
    "responsiveness_mean",
    "responsiveness_sd",
}


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- built-in scenarios -----------------------------------------------------------------------


def test_the_built_in_scenarios_are_exactly_the_documented_ones():
    assert set(builtin_scenarios()) == set(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_scenario_loads_by_name_and_gives_valid_params(name):
    scenario = load_scenario(name)
    params = scenario.params()
    assert scenario.name == name
    assert scenario.description
    assert isinstance(params, Params)
    for key, value in scenario.overrides.items():
        assert params[key] == value


@pytest.mark.parametrize("name", [n for n in BUILT_IN if n != "default"])
def test_every_built_in_scenario_other_than_default_changes_something(name):
    assert load_scenario(name).params().changed()


def test_the_default_scenario_is_the_default_parameters():
    assert load_scenario("default").params() == Params()


def test_paternalistic_and_shared_power_differ_only_in_therapist_style():
    paternalistic = load_scenario("paternalistic").params()
    shared = load_scenario("shared-power").params()
    differing = {name for name in SCHEMA if paternalistic[name] != shared[name]}
    assert differing
    assert differing <= STYLE_PARAMETERS
    assert all(SCHEMA[name].group == "therapist" for name in differing)
    assert paternalistic.power_sharing_mean < shared.power_sharing_mean


def test_passive_patients_prefer_a_passive_role_more_often_than_the_default_population():
    assert load_scenario("passive-patients").params().p_prefers_active < Params().p_prefers_active


def test_overrides_given_to_a_scenario_are_applied_on_top_of_it():
    params = load_scenario("shared-power").params({"n_patients": 30})
    assert params.n_patients == 30
    assert (
        params.power_sharing_mean == load_scenario("shared-power").overrides["power_sharing_mean"]
    )


# --- user files ----------------------------------------------------------------------------------


def test_a_user_scenario_file_loads_by_path(tmp_path):
    path = write(
        tmp_path,
        'name = "anxious"\ndescription = "Fearful patients."\n\n'
        "[parameters]\npsychosocial_load_mean = 0.7\nn_patients = 40\n",
    )
    for given in (str(path), path):
        scenario = load_scenario(given)
        assert scenario.name == "anxious"
        assert scenario.description == "Fearful patients."
        assert scenario.source == str(path)
        params = scenario.params()
        assert params.psychosocial_load_mean == 0.7
        assert params.n_patients == 40


def test_a_user_scenario_without_a_name_is_named_after_its_file(tmp_path):
    path = write(tmp_path, "[parameters]\nempathy_mean = 0.4\n", name="calm-clinic.toml")
    assert load_scenario(path).name == "calm-clinic"


def test_a_user_scenario_may_give_an_integer_for_a_float_parameter(tmp_path):
    path = write(tmp_path, "[parameters]\nempathy_mean = 1\n")
    assert load_scenario(path).params().empathy_mean == 1.0


# --- bad files: one mistake per test -----------------------------------------------------------------


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return path, str(caught.value)


def test_bad_toml_syntax_names_the_file_and_where_it_went_wrong(tmp_path):
    path, message = error_for(tmp_path, 'name = "x"\n[parameters\n')
    assert message.startswith(f"{path}: not valid TOML")
    assert "line 2" in message


def test_an_unknown_top_level_key_names_the_file_the_key_and_the_allowed_keys(tmp_path):
    path, message = error_for(tmp_path, 'title = "x"\n')
    assert message.startswith(str(path))
    assert "unknown key 'title'" in message
    assert "name, description, parameters" in message


def test_a_parameter_outside_the_parameters_table_is_pointed_to_the_table(tmp_path):
    _, message = error_for(tmp_path, "empathy_mean = 0.3\n")
    assert "unknown key 'empathy_mean'" in message
    assert "parameters go under [parameters]" in message


def test_an_unknown_parameter_names_the_file_the_key_and_a_suggestion(tmp_path):
    path, message = error_for(tmp_path, "[parameters]\nempathy = 0.3\n")
    assert message.startswith(f"{path}: parameters.empathy:")
    assert "unknown parameter 'empathy'" in message
    assert "'empathy_mean'" in message


def test_a_parameter_of_the_wrong_type_names_the_file_the_key_the_value_and_the_range(tmp_path):
    path, message = error_for(tmp_path, '[parameters]\nempathy_mean = "high"\n')
    assert re.match(
        rf"{re.escape(str(path))}: parameters\.empathy_mean: empathy_mean = 'high' has the wrong"
        r" type: allowed is a number from 0 to 1",
        message,
    )


def test_a_boolean_parameter_value_is_the_wrong_type(tmp_path):
    _, message = error_for(tmp_path, "[parameters]\nn_patients = true\n")
    assert "parameters.n_patients: n_patients = True has the wrong type" in message


def test_nan_in_a_scenario_names_the_file_the_key_and_the_range(tmp_path):
    path, message = error_for(tmp_path, "[parameters]\nempathy_mean = nan\n")
    assert message.startswith(f"{path}: parameters.empathy_mean:")
    assert "empathy_mean = nan is not a number" in message
    assert "a number from 0 to 1" in message


def test_an_out_of_range_value_names_the_file_the_key_the_value_and_the_range(tmp_path):
    path, message = error_for(tmp_path, "[parameters]\nempathy_mean = 1.5\n")
    assert message.startswith(f"{path}: parameters.empathy_mean:")
    assert "empathy_mean = 1.5 is out of range: allowed is a number from 0 to 1" in message


def test_an_int_parameter_given_a_fraction_is_rejected(tmp_path):
    _, message = error_for(tmp_path, "[parameters]\nn_sessions = 8.5\n")
    assert "parameters.n_sessions: n_sessions = 8.5 is not a whole number" in message


def test_parameters_that_are_not_a_table_name_the_file_and_the_key(tmp_path):
    path, message = error_for(tmp_path, "parameters = 3\n")
    assert message.startswith(str(path))
    assert "parameters must be a table ([parameters])" in message


def test_a_name_that_is_not_a_string_is_rejected(tmp_path):
    path, message = error_for(tmp_path, "name = 3\n")
    assert message == f"{path}: name = 3 must be a string"


def test_a_one_session_scenario_loads_and_measures_its_only_session(tmp_path):
    scenario = load_scenario(write(tmp_path, "[parameters]\nn_sessions = 1\n"))
    assert measurement_schedule(scenario.params()) == frozenset({1})


def test_a_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError, match=re.escape(f"{path}: no such scenario file")):
        load_scenario(path)


def test_an_unknown_scenario_name_lists_the_built_in_names():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("sharedpower")
    message = str(caught.value)
    assert "unknown scenario 'sharedpower'" in message
    for name in BUILT_IN:
        assert name in message


def test_parse_scenario_names_the_source_it_was_given():
    with pytest.raises(ScenarioError, match=r"^from a notebook: parameters\.caseload:"):
        parse_scenario("[parameters]\ncaseload = 500\n", "from a notebook")


# --- uploads and names inside files ---------------------------------------------------------


def test_an_uploaded_scenario_is_parsed_from_its_bytes_and_named_after_the_file():
    scenario = parse_scenario_upload(b"[parameters]\nempathy_mean = 0.2\n", "C:\\me\\low.toml")
    assert (scenario.name, scenario.source, dict(scenario.overrides)) == (
        "low",
        "low.toml",
        {"empathy_mean": 0.2},
    )


def test_an_uploaded_scenario_with_a_400_digit_value_names_the_file_key_and_range():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_upload(b"[parameters]\nn_patients = " + b"9" * 400, "big.toml")
    assert str(caught.value) == (
        "big.toml: parameters.n_patients: n_patients = 1e400-ish is out of range: allowed is"
        " an integer from 1 to 5000 (number of patients)"
    )


def test_a_built_in_scenario_by_name_is_never_a_file(tmp_path):
    path = write(tmp_path, "[parameters]\nn_patients = 3\n")
    assert builtin_scenario("shared-power").name == "shared-power"
    with pytest.raises(ScenarioError, match=r"to use your own scenario, put its values under"):
        builtin_scenario(str(path))


@pytest.mark.parametrize("name", [["default"], {"a": 1}, 5, None])
def test_a_built_in_scenario_name_of_the_wrong_type_is_a_message(name):
    with pytest.raises(ScenarioError, match=r"is not allowed: a built-in scenario name"):
        builtin_scenario(name)  # type: ignore[arg-type]


def test_load_scenario_of_something_that_is_not_a_name_or_path_is_a_message():
    with pytest.raises(ScenarioError, match=r"scenario = \['x'\] is not allowed"):
        load_scenario(["x"])  # type: ignore[arg-type]


def test_overrides_that_are_not_a_mapping_are_a_parameter_error():
    with pytest.raises(ParameterError, match=r"overrides = 5 are not allowed"):
        builtin_scenario("default").params(5)  # type: ignore[arg-type]


# --- writing a scenario file ---------------------------------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_built_in_scenario_written_as_a_file_reads_back_the_same(name):
    scenario = builtin_scenario(name)
    again = parse_scenario(scenario_toml(scenario), "again.toml")
    assert (again.name, again.description, dict(again.overrides)) == (
        scenario.name,
        scenario.description,
        dict(scenario.overrides),
    )


def test_a_scenario_file_keeps_quotes_newlines_and_every_kind_of_value():
    overrides = Params(
        empathy_mean=0.1439, n_sessions=8, device="active", pain_sd=1e-05, caseload=60
    ).changed()
    scenario = Scenario('my "odd" \\ name', "a $ description {{ x }}\nover two lines", overrides)
    again = parse_scenario(scenario_toml(scenario), "again.toml")
    assert again.name == scenario.name and again.description == scenario.description
    assert again.params() == scenario.params()
