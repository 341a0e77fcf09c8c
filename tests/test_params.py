"""The parameter schema: defaults, validation messages, parsing, pickling and hashing."""

from __future__ import annotations

import dataclasses
import pickle
import re

import numpy as np
import pytest

from alliance_sim.core.errors import ParameterError
from alliance_sim.core.params import SCHEMA, Kind, Params, measurement_schedule, parse_value


def names_field_value_and_range(name: str, value: str, allowed: str) -> str:
    """A regex matching a message that names the field, then the value, then what is allowed."""
    return rf"{re.escape(name)} = {re.escape(value)} .*allowed is .*{re.escape(allowed)}"


# --- defaults ------------------------------------------------------------------------------


def test_every_default_passes_its_own_validation_unchanged():
    for name, spec in SCHEMA.items():
        assert spec.validate(spec.default) == spec.default, name


@pytest.mark.parametrize("name", [n for n, p in SCHEMA.items() if p.kind in (Kind.FLOAT, Kind.INT)])
def test_every_numeric_default_lies_within_its_bounds(name):
    spec = SCHEMA[name]
    assert spec.low is not None and spec.high is not None
    assert spec.low <= spec.default <= spec.high


@pytest.mark.parametrize("name", [n for n, p in SCHEMA.items() if p.kind is Kind.CHOICE])
def test_every_choice_default_is_one_of_its_choices(name):
    assert SCHEMA[name].default in SCHEMA[name].choices


def test_every_int_parameter_has_an_int_default():
    for name, spec in SCHEMA.items():
        if spec.kind is Kind.INT:
            assert type(spec.default) is int, name


def test_params_without_arguments_holds_every_default():
    assert dict(Params()) == {name: spec.default for name, spec in SCHEMA.items()}


def test_params_lists_parameters_in_schema_order():
    assert list(Params()) == list(SCHEMA)


def test_params_built_from_the_defaults_equals_params_without_arguments():
    defaults = {name: spec.default for name, spec in SCHEMA.items()}
    assert Params(defaults) == Params()
    assert Params(**defaults) == Params()


def test_default_params_report_no_changes():
    assert Params().changed() == {}
    assert repr(Params()) == "Params()"


def test_params_are_read_as_attributes_and_by_key():
    params = Params(empathy_mean=0.3)
    assert params.empathy_mean == 0.3
    assert params["empathy_mean"] == 0.3


def test_reading_an_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_parameter"):
        _ = Params().no_such_parameter


def test_params_cannot_be_changed_in_place():
    params = Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.empathy_mean = 0.3  # type: ignore[misc]


# --- replace -----------------------------------------------------------------------------------


def test_replace_returns_a_copy_with_the_change_and_leaves_the_original_alone():
    original = Params(n_patients=30)
    changed = original.replace(empathy_mean=0.3)
    assert changed.empathy_mean == 0.3
    assert changed.n_patients == 30
    assert original.empathy_mean == SCHEMA["empathy_mean"].default


def test_replace_validates_the_change():
    with pytest.raises(ParameterError, match="empathy_mean"):
        Params().replace(empathy_mean=1.5)


def test_replace_converts_a_whole_float_to_an_int_for_an_int_parameter():
    value = Params().replace(n_patients=30.0).n_patients
    assert value == 30
    assert type(value) is int


def test_an_int_given_for_a_float_parameter_is_stored_as_a_float():
    value = Params(empathy_mean=1).empathy_mean
    assert value == 1.0
    assert type(value) is float


# --- bad input: one kind per test ---------------------------------------------------------------


def test_unknown_name_is_rejected_with_a_did_you_mean_suggestion():
    with pytest.raises(
        ParameterError, match=r"unknown parameter 'empaty_mean'.*did you mean 'empathy_mean'"
    ):
        Params(empaty_mean=0.3)


def test_a_trait_name_without_suffix_suggests_its_mean_and_spread():
    with pytest.raises(ParameterError) as caught:
        Params(empathy=0.3)
    assert "unknown parameter 'empathy'" in str(caught.value)
    assert "'empathy_mean'" in str(caught.value)
    assert "'empathy_sd'" in str(caught.value)


def test_a_string_for_a_number_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("empathy_mean", "'0.3'", "a number from 0 to 1"),
    ):
        Params(empathy_mean="0.3")


def test_a_bool_for_a_number_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("empathy_mean", "True", "a number from 0 to 1"),
    ):
        Params(empathy_mean=True)


def test_a_bool_for_an_int_parameter_is_rejected():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("n_sessions", "True", "an integer from 1 to 52"),
    ):
        Params(n_sessions=True)


def test_none_for_a_number_is_rejected():
    with pytest.raises(ParameterError, match=r"empathy_mean = None has the wrong type"):
        Params(empathy_mean=None)


def test_nan_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("empathy_mean", "nan", "a number from 0 to 1"),
    ) as caught:
        Params(empathy_mean=float("nan"))
    assert "not a number" in str(caught.value)


def test_a_value_below_the_range_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("empathy_mean", "-0.1", "a number from 0 to 1"),
    ) as caught:
        Params(empathy_mean=-0.1)
    assert "out of range" in str(caught.value)


def test_a_value_above_the_range_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range(
            "patient_rating_bias", "0.75", "a number from -0.5 to 0.5"
        ),
    ):
        Params(patient_rating_bias=0.75)


def test_infinity_is_out_of_range():
    with pytest.raises(ParameterError, match=r"pain_mean = inf is out of range"):
        Params(pain_mean=float("inf"))


def test_an_int_parameter_below_its_range_is_rejected_naming_field_value_and_range():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("n_patients", "0", "an integer from 1 to 5000"),
    ):
        Params(n_patients=0)


def test_a_fraction_for_an_int_parameter_is_rejected_as_not_whole():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("n_patients", "2.5", "an integer from 1 to 5000"),
    ) as caught:
        Params(n_patients=2.5)
    assert "not a whole number" in str(caught.value)


def test_a_choice_outside_the_choices_is_rejected_listing_the_choices():
    with pytest.raises(
        ParameterError,
        match=names_field_value_and_range("device", "'laser'", "one of 'none', 'sham', 'active'"),
    ):
        Params(device="laser")


def test_a_choice_of_the_wrong_type_is_rejected():
    with pytest.raises(ParameterError, match=r"assignment = 1 is not allowed"):
        Params(assignment=1)


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("0", "contains '0'"),
        ("x", "contains 'x'"),
        ("2,,last", "is not a list of sessions"),
        ("", "is not a list of sessions"),
        ("-1", "contains '-1'"),
        ("1.5", "contains '1.5'"),
    ],
)
def test_a_malformed_measurement_sessions_is_rejected_saying_what_is_allowed(spec, why):
    with pytest.raises(ParameterError) as caught:
        Params(measurement_sessions=spec)
    message = str(caught.value)
    assert message.startswith(f"measurement_sessions = {spec!r}")
    assert why in message
    assert "'2,last'" in message  # the example of what is allowed


def test_measurement_sessions_as_a_number_is_rejected_as_the_wrong_type():
    with pytest.raises(ParameterError, match=r"measurement_sessions = 2 has the wrong type"):
        Params(measurement_sessions=2)


def test_measurement_sessions_after_the_last_session_are_skipped():
    params = Params(measurement_sessions="2,12,last", n_sessions=10)
    assert measurement_schedule(params) == frozenset({2, 10})


def test_a_one_session_episode_keeps_the_default_schedule_and_measures_the_last_session():
    params = Params().replace(n_sessions=1)
    assert params.measurement_sessions == "2,last"
    assert measurement_schedule(params) == frozenset({1})


def test_unicode_digits_in_measurement_sessions_raise_a_parameter_error():
    # "²".isdigit() is True but int("²") fails: the schema must still answer with
    # its own error naming the field, not a bare ValueError from int().
    with pytest.raises(ParameterError, match="measurement_sessions"):
        Params(measurement_sessions="²")


def test_a_numpy_integer_is_accepted_for_an_int_parameter():
    # Values read from a pandas design table or np.arange are numpy integers.
    assert Params(n_patients=np.int64(30)).n_patients == 30


def test_measurement_sessions_are_stored_without_spaces():
    assert Params(measurement_sessions=" 2 , last").measurement_sessions == "2,last"


def test_measurement_schedule_resolves_last_to_the_final_session():
    assert measurement_schedule(Params()) == frozenset({2, 10})
    assert measurement_schedule(Params(n_sessions=6, measurement_sessions="1,3,last")) == {1, 3, 6}


# --- parse_value --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("empathy_mean", "0.3", 0.3),
        ("empathy_mean", " 1 ", 1.0),
        ("n_patients", "7", 7),
        ("n_patients", "7.0", 7),
        ("assignment", "match", "match"),
        ("measurement_sessions", "2,last", "2,last"),
    ],
)
def test_parse_value_turns_a_command_line_string_into_a_typed_value(name, text, expected):
    value = parse_value(name, text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("empathy_mean", "abc", "empathy_mean = 'abc' is not a number"),
        ("empathy_mean", "", "empathy_mean = '' is not a number"),
        ("empathy_mean", "nan", "empathy_mean = nan is not a number"),
        ("empathy_mean", "2", "empathy_mean = 2.0 is out of range"),
        ("n_patients", "7.5", "n_patients = 7.5 is not a whole number"),
        ("assignment", "best", "assignment = 'best' is not allowed"),
        ("measurement_sessions", "two", "contains 'two'"),
    ],
)
def test_parse_value_rejects_garbage_naming_the_field_and_value(name, text, why):
    with pytest.raises(ParameterError, match=re.escape(why)):
        parse_value(name, text)


def test_parse_value_rejects_an_unknown_name_with_a_suggestion():
    with pytest.raises(ParameterError, match=r"unknown parameter 'n_patient'.*'n_patients'"):
        parse_value("n_patient", "7")


# --- pickling and hashing --------------------------------------------------------------------------


def test_params_survive_a_pickle_round_trip_unchanged():
    params = Params(empathy_mean=0.3, device="active", measurement_sessions="1,last")
    restored = pickle.loads(pickle.dumps(params))
    assert restored == params
    assert restored.empathy_mean == 0.3


def test_equal_params_hash_alike_and_find_each_other_in_a_dict():
    runs = {Params(empathy_mean=0.3): "low empathy"}
    assert hash(Params(empathy_mean=0.3)) == hash(Params(empathy_mean=0.3))
    assert runs[Params(empathy_mean=0.3)] == "low empathy"


def test_params_that_differ_in_one_value_are_not_equal():
    assert Params(empathy_mean=0.3) != Params(empathy_mean=0.31)


# --- values of any size or type: a message, never OverflowError or ValueError ---------------


def test_a_400_digit_integer_is_out_of_range_not_an_overflow_error():
    with pytest.raises(ParameterError) as caught:
        Params(n_patients=10**400)
    assert str(caught.value) == (
        "n_patients = 1e400-ish is out of range: allowed is an integer from 1 to 5000"
        " (number of patients)"
    )


def test_a_huge_integer_for_a_float_parameter_is_out_of_range():
    with pytest.raises(ParameterError, match=r"empathy_mean = 1e5000-ish is out of range"):
        Params(empathy_mean=10**5000)


def test_a_fraction_beyond_the_float_range_is_out_of_range():
    from fractions import Fraction

    with pytest.raises(ParameterError, match=r"empathy_mean = .* is out of range"):
        Params(empathy_mean=Fraction(10**400, 3))


def test_infinity_for_an_int_parameter_is_out_of_range():
    with pytest.raises(ParameterError, match=r"n_sessions = inf is out of range"):
        Params(n_sessions=float("inf"))


def test_parse_value_of_5000_digits_is_out_of_range_and_short():
    with pytest.raises(ParameterError) as caught:
        parse_value("n_patients", "9" * 5000)
    assert "is out of range: allowed is an integer from 1 to 5000" in str(caught.value)
    assert len(str(caught.value)) < 200


def test_measurement_sessions_of_5000_digits_say_the_most_sessions_an_episode_has():
    with pytest.raises(ParameterError) as caught:
        Params(measurement_sessions="9" * 5000)
    assert "contains a session after 52, the most sessions an episode can have" in str(caught.value)


def test_a_mapping_is_required_for_the_values():
    with pytest.raises(ParameterError, match=r"parameters = 5 are not allowed: a mapping"):
        Params(5)  # type: ignore[arg-type]


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(ParameterError, match=r"parameter name 1 is not allowed"):
        Params({1: 2})  # type: ignore[dict-item]


# --- questionnaires that the episode never reaches ---------------------------------------


def test_questionnaires_only_after_the_last_session_are_refused_naming_both_fields():
    with pytest.raises(ParameterError) as caught:
        Params(measurement_sessions="12", n_sessions=10)
    assert str(caught.value).startswith(
        "measurement_sessions = '12' is not allowed with n_sessions = 10: every session it"
        " names comes after the last session"
    )


def test_replace_refuses_an_episode_that_ends_before_every_questionnaire():
    with pytest.raises(ParameterError, match=r"n_sessions = 2"):
        Params(measurement_sessions="5").replace(n_sessions=2)


def test_last_keeps_a_schedule_valid_in_an_episode_of_any_length():
    assert measurement_schedule(Params(measurement_sessions="12,last", n_sessions=3)) == {3}
