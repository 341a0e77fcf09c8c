"""Trial protocols never run text from the file: formulas are read by a whitelist grammar, the
design matrix is built by us (and equals patsy's on trusted formulas), the protocol columns are
declared (and equal the simulated ones), and every malformed protocol is one line, exit 2."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim.simulation import simulate
from alliance_sim.trials import ProtocolError, load_protocol, parse_protocol, run_trial
from alliance_sim.trials.analysis import add_derived_columns, analyse
from alliance_sim.trials.columns import CATEGORICAL_COLUMNS, PATIENT_COLUMNS, PROTOCOL_COLUMNS
from alliance_sim.trials.formula import (
    MAX_COLUMNS,
    MAX_FORMULA_LENGTH,
    MAX_TERMS,
    Design,
    Factor,
    FormulaError,
    parse_formula,
    parse_terms,
)
from alliance_sim.trials.protocol import category_levels
from alliance_sim.trials.run import simulate_arms

PROTOCOLS = Path(__file__).resolve().parents[1] / "alliance_sim" / "trials" / "protocols"
BUILT_IN = ("burns-evon-2007", "ferreira-2013", "fuentes-2014")

BUILT_IN_DATA = {
    name: tomllib.loads((PROTOCOLS / f"{name}.toml").read_text(encoding="utf-8"))
    for name in BUILT_IN
}

REGRESSION = """\
name = "cohort"
analysis = "regression"
n_per_arm = 12
sessions = 4
measurement_sessions = "2"

[[arms]]
name = "A"

[[arms]]
name = "B"
parameters = { caseload = 45 }

[[models]]
name = "gpe"
formula = "gpe ~ wai_patient + C(arm)"
term = "wai_patient"
moderation = "wai_patient:C(arm)"
"""


def with_model(lines: str) -> str:
    """REGRESSION with its model replaced by ``lines`` (the body of one [[models]] table)."""
    return REGRESSION[: REGRESSION.index("[[models]]")] + '[[models]]\nname = "m"\n' + lines


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's, DEL escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


# --- formula escapes: refused before anything runs ----------------------------------------------


def escapes(marker: Path) -> list[tuple[str, str]]:
    """(what, formula) pairs; each would create ``marker`` if evaluated as Python."""
    touch = f"__import__('os').system('touch {marker}')"
    return [
        ("__import__ in I()", f"gpe ~ I({touch})"),
        ("__import__ bare", f"gpe ~ wai_patient + {touch}"),
        ("attribute access", "gpe ~ wai_patient.__class__"),
        (
            "attribute chain",
            f"gpe ~ wai_patient.__class__.__init__.__globals__['os'].system('touch {marker}')",
        ),
        ("lambda", f"gpe ~ (lambda: {touch})()"),
        ("lambda without call", "gpe ~ lambda x: x"),
        ("list comprehension", f"gpe ~ [{touch} for x in wai_patient]"),
        ("generator in a call", f"gpe ~ C(arm) + sum({touch} for x in [1])"),
        ("call to another function", f"gpe ~ np.log(wai_patient) + exec('{touch}')"),
        ("call to a bare name", f"gpe ~ log(wai_patient) + eval({touch!r})"),
        ("C with a second argument", f"gpe ~ C(arm, {touch})"),
        ("number", "gpe ~ wai_patient + 1"),
        ("intercept removal", "gpe ~ wai_patient - 1"),
        ("string literal", f"gpe ~ wai_patient + '{marker}'"),
        ("unknown column", "gpe ~ wai + C(arm)"),
        ("Python builtin name", "gpe ~ open"),
        ("outcome with a call", f"I({touch}) ~ wai_patient"),
        ("f-string", f"gpe ~ f'{{{touch}}}'"),
        ("walrus", f"gpe ~ (x := {touch})"),
        ("subscript", "gpe ~ wai_patient[0]"),
        ("power", "gpe ~ wai_patient ** 2"),
        ("keyword import", "gpe ~ import_os"),
    ]


ESCAPE_NAMES = [what for what, _ in escapes(Path("m"))]


@pytest.mark.parametrize("what", ESCAPE_NAMES)
def test_a_formula_escape_is_refused_naming_the_file_and_key_and_runs_nothing(tmp_path, what):
    marker = tmp_path / "pwned"
    formula = dict(escapes(marker))[what]
    path = tmp_path / "evil.toml"
    path.write_text(
        with_model(f'formula = {toml_string(formula)}\nterm = "wai_patient"\n'), encoding="utf-8"
    )
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: models[0].formula = "), message
    assert "is not allowed:" in message
    assert "\n" not in message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("moderation", "I(__import__('os').system('touch {marker}'))"),
        ("terms", ["wai_patient", "__import__('os').system('touch {marker}')"]),
        ("adjust_for", ["C(arm)", "I(__import__('os').system('touch {marker}'))"]),
        ("moderator", "(lambda: __import__('os').system('touch {marker}'))()"),
        ("outcome", "I(__import__('os').system('touch {marker}'))"),
    ],
)
def test_an_escape_in_any_model_key_is_refused_naming_that_key(tmp_path, key, value):
    marker = tmp_path / "pwned"
    fill = (
        [v.format(marker=marker) for v in value]
        if isinstance(value, list)
        else value.format(marker=marker)
    )
    if key == "moderation":
        body = 'formula = "gpe ~ wai_patient + C(arm)"\nterm = "wai_patient"\n'
    else:
        body = 'outcome = "gpe"\nterms = ["wai_patient"]\n'
        body = "\n".join(line for line in body.splitlines() if not line.startswith(key)) + "\n"
    shown = (
        "[" + ", ".join(toml_string(v) for v in fill) + "]"
        if isinstance(fill, list)
        else toml_string(fill)
    )
    text = with_model(body + f"{key} = {shown}\n")
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "shared.toml")
    expected_key = f"models[0].{key}" + ("[1]" if isinstance(value, list) else "")
    assert str(caught.value).startswith(f"shared.toml: {expected_key} = "), str(caught.value)
    assert not marker.exists()


def test_the_cli_refuses_the_reported_escape_with_exit_2_and_creates_no_file(tmp_path):
    # The reproduction: a copy of ferreira-2013.toml with a formula that runs a command.
    text = (PROTOCOLS / "ferreira-2013.toml").read_text(encoding="utf-8")
    evil = text.replace(
        'formula = "gpe ~ wai_patient + C(arm)"',
        "formula = \"gpe ~ I(__import__('os').system('touch pwned'))\"",
    )
    assert evil != text
    (tmp_path / "evil.toml").write_text(evil, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "alliance_sim", "trial", "evil.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "evil.toml: models[0].formula = " in done.stderr
    assert "a call to I() is not part of a formula" in done.stderr
    assert not (tmp_path / "pwned").exists()


def test_a_user_protocol_is_parsed_and_analysed_without_patsy_or_formula_apis(monkeypatch):
    import patsy
    import statsmodels.formula.api as smf

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("patsy or a statsmodels formula API was called")

    for name in ("dmatrices", "dmatrix", "incr_dbuilders", "incr_dbuilder"):
        monkeypatch.setattr(patsy, name, refuse)
    monkeypatch.setattr(patsy.ModelDesc, "from_formula", refuse)
    monkeypatch.setattr(smf, "ols", refuse)
    protocol = parse_protocol(REGRESSION, "user.toml")
    result = run_trial(protocol, replicates=2, seed=1)
    assert set(result.estimates["estimate"]) == {"coef:gpe", "moderation:gpe"}


# --- the grammar ---------------------------------------------------------------------------------

A, B, ARM_C = Factor("wai_patient"), Factor("self_efficacy_baseline"), Factor("arm", True)


def test_a_star_expands_to_both_terms_and_their_interaction():
    assert parse_formula("gpe ~ wai_patient * self_efficacy_baseline") == (
        "gpe",
        ((A,), (B,), (A, B)),
    )


def test_an_interaction_written_twice_in_either_order_is_one_term():
    _, terms = parse_formula("gpe ~ wai_patient:C(arm) + C(arm):wai_patient + wai_patient")
    assert terms == ((A, ARM_C), (A,))


def test_interaction_binds_tighter_than_star_and_star_tighter_than_plus():
    _, terms = parse_formula("gpe ~ C(arm) + wai_patient * self_efficacy_baseline:C(arm)")
    assert terms == ((ARM_C,), (A,), (B, ARM_C), (A, B, ARM_C))


def test_arm_outside_c_is_refused_with_a_hint():
    with pytest.raises(FormulaError, match=re.escape("arm is a category: write C(arm)")):
        parse_terms("arm")


def test_c_around_a_number_column_lists_the_categorical_columns():
    with pytest.raises(FormulaError) as caught:
        parse_terms("C(wai_patient)")
    assert "C() holds a category: " + ", ".join(CATEGORICAL_COLUMNS) in str(caught.value)


def test_an_unknown_column_lists_every_allowed_column():
    with pytest.raises(FormulaError) as caught:
        parse_terms("wai")
    for column in PATIENT_COLUMNS:
        assert column in str(caught.value)


def test_a_formula_longer_than_the_limit_is_refused():
    text = "gpe ~ " + " + ".join(["wai_patient"] * (MAX_FORMULA_LENGTH // 10))
    with pytest.raises(FormulaError, match=f"at most {MAX_FORMULA_LENGTH} characters"):
        parse_formula(text)


def test_a_product_expanding_past_the_term_limit_is_refused_before_it_is_expanded():
    columns = [c for c, kind in PATIENT_COLUMNS.items() if kind == "number"][:30]
    with pytest.raises(FormulaError, match=f"more than {MAX_TERMS} terms"):
        parse_formula("gpe ~ " + "*".join(columns))  # 2**30 terms if expanded


def test_a_design_with_too_many_columns_is_refused():
    levels = category_levels(f"arm{i}" for i in range(MAX_COLUMNS))
    with pytest.raises(FormulaError, match=f"at most {MAX_COLUMNS}"):
        Design(parse_terms("C(arm):C(dropped_out)"), levels)


# --- declared columns ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trial_data() -> pd.DataFrame:
    protocol = load_protocol("ferreira-2013")
    return simulate_arms(protocol, n_per_arm=15, replicates=2, seed=3)


def test_the_declared_protocol_columns_are_exactly_the_columns_of_a_simulated_trial(trial_data):
    assert list(trial_data.columns) == ["replicate", "arm", *PATIENT_COLUMNS]
    assert list(PROTOCOL_COLUMNS) == ["arm", *PATIENT_COLUMNS]


@pytest.mark.parametrize("engine", ["cohort", "agent"])
def test_the_declared_patient_columns_are_the_patients_table_of_either_engine(engine):
    sim = simulate(
        {"n_patients": 6, "n_therapists": 2, "n_sessions": 3, "measurement_sessions": "1"},
        seeds=(0,),
        engine=engine,
        tables=("patients",),
    )
    patients = add_derived_columns(sim.patients).drop(columns=["replicate", "seed"])
    assert list(patients.columns) == list(PATIENT_COLUMNS)
    yes_no = [c for c in patients.columns if patients[c].dtype == bool]
    assert yes_no == [c for c, kind in PATIENT_COLUMNS.items() if kind == "yes/no"]


# --- the design matrix equals patsy's on trusted formulas ---------------------------------------

# Trusted constant formulas only (never user text): the built-in protocols' formulas and
# moderation models, and a few shapes that exercise patsy's coding rules.
BUILT_IN_FORMULAS = sorted(
    {
        text
        for name in BUILT_IN
        for table in tomllib.loads((PROTOCOLS / f"{name}.toml").read_text(encoding="utf-8")).get(
            "models", []
        )
        for text in (
            table["formula"],
            f"{table['formula']} + {table['moderation']}" if "moderation" in table else None,
        )
        if text is not None
    }
)
CODING_SHAPES = [
    "gpe ~ wai_patient:C(arm)",  # no main effect: C(arm) coded full-rank in the interaction
    "gpe ~ C(arm):C(dropped_out)",
    "gpe ~ C(arm) + C(arm):C(dropped_out) + wai_patient:C(arm)",
    "gpe ~ wai_patient * self_efficacy_baseline * C(arm)",
    "gpe ~ C(dropped_out) + wai_patient + C(arm):wai_patient:self_efficacy_baseline",
    "function_change ~ self_efficacy_baseline:wai_patient_collaborative + wai_patient",
    "pain_mm ~ C(missed_any):C(arm) + disability_baseline * C(missed_any)",
]


def test_the_built_in_formulas_are_the_ones_the_equivalence_test_covers():
    assert "gpe ~ wai_patient + C(arm) + wai_patient:C(arm)" in BUILT_IN_FORMULAS
    assert "function_change ~ self_efficacy_baseline * wai_patient_collaborative" in (
        BUILT_IN_FORMULAS
    )
    assert len(BUILT_IN_FORMULAS) == 10  # 2 Burns & Evon, 4 Ferreira models + 4 moderations


@pytest.mark.parametrize("formula", BUILT_IN_FORMULAS + CODING_SHAPES)
def test_our_design_matrix_equals_patsys_to_the_bit_on_trusted_formulas(trial_data, formula):
    import patsy

    data = trial_data.copy()
    for column in ("dropped_out", "missed_any"):  # both levels present, as patsy needs them
        data.loc[data.index[::3], column] = ~data.loc[data.index[::3], column]
    outcome, terms = parse_formula(formula)
    y_patsy, x_patsy = patsy.dmatrices(formula, data, return_type="dataframe")
    columns = [f.column for term in terms for f in term]
    kept = data[data[[outcome, *columns]].notna().all(axis=1)]
    design = Design(terms, category_levels(data["arm"].unique()))
    assert design.columns == tuple(x_patsy.columns)
    x = design.matrix(kept)
    np.testing.assert_array_equal(kept.index, x_patsy.index)
    assert x.tobytes() == np.ascontiguousarray(x_patsy.to_numpy()).tobytes()
    assert kept[outcome].to_numpy(dtype=float).tobytes() == y_patsy.to_numpy()[:, 0].tobytes()


def reference_regression(protocol: Any, data: pd.DataFrame) -> pd.DataFrame:
    """The previous analysis (patsy on the protocol's formula), for trusted built-in formulas only."""
    import patsy
    import statsmodels.api as sm

    tables = {table["name"]: table for table in BUILT_IN_DATA[protocol.name]["models"]}
    rows = []
    for model in protocol.models:
        formula = tables[model.name]["formula"]  # the file's own text, as the old code read it
        y, x = patsy.dmatrices(formula, data, return_type="dataframe")
        full_x = None
        if model.moderation:
            full = f"{formula} + {tables[model.name]['moderation']}"
            _, full_x = patsy.dmatrices(full, data, return_type="dataframe")
            keep = x.index.intersection(full_x.index)
            y, x, full_x = y.loc[keep], x.loc[keep], full_x.loc[keep]
        replicate = data.loc[x.index, "replicate"].to_numpy()
        column = list(x.columns).index(model.term)
        for r in np.unique(replicate):
            rows_r = replicate == r
            fit = sm.OLS(y.to_numpy()[rows_r, 0], x.to_numpy()[rows_r]).fit()
            rows.append((f"coef:{model.name}", int(r), fit.params[column], fit.pvalues[column]))
            if full_x is not None:
                bigger = sm.OLS(y.to_numpy()[rows_r, 0], full_x.to_numpy()[rows_r]).fit()
                f_value, p_value, _ = bigger.compare_f_test(fit)
                rows.append((f"moderation:{model.name}", int(r), f_value, p_value))
    return pd.DataFrame(rows, columns=["estimate", "replicate", "value", "p_value"])


@pytest.mark.parametrize("name", ["ferreira-2013", "burns-evon-2007"])
def test_built_in_regression_trials_give_the_same_numbers_as_the_previous_patsy_analysis(name):
    # The whole analysis, against the code it replaced (patsy on the built-in, trusted formula):
    # every coefficient, p-value and F test equal to the last bit.
    protocol = load_protocol(name)
    data = simulate_arms(protocol, n_per_arm=40, replicates=3, seed=11)
    ours = analyse(protocol, data).sort_values(["estimate", "replicate"], kind="stable")
    reference = reference_regression(protocol, data).sort_values(
        ["estimate", "replicate"], kind="stable"
    )
    assert list(ours["estimate"]) == list(reference["estimate"])
    assert ours["value"].to_numpy().tobytes() == reference["value"].to_numpy().tobytes()
    assert ours["p_value"].to_numpy().tobytes() == reference["p_value"].to_numpy().tobytes()


def test_a_model_written_as_data_gives_the_same_estimates_as_the_same_formula():
    as_formula = parse_protocol(REGRESSION, "formula.toml")
    as_data = parse_protocol(
        with_model(
            'outcome = "gpe"\nterms = ["wai_patient"]\nadjust_for = ["C(arm)"]\n'
            'moderator = "C(arm)"\n'
        ).replace('name = "m"', 'name = "gpe"'),
        "data.toml",
    )
    (model,) = as_data.models
    assert (model.formula, model.term, model.moderation_text) == (
        "gpe ~ wai_patient + C(arm)",
        "wai_patient",
        "wai_patient:C(arm)",
    )
    data = simulate_arms(as_formula, replicates=2, seed=4)
    pd.testing.assert_frame_equal(analyse(as_formula, data), analyse(as_data, data))


def test_a_model_with_both_a_formula_and_terms_is_refused():
    with pytest.raises(ProtocolError, match=r"models\[0\]\.terms: a model has either formula"):
        parse_protocol(
            with_model('formula = "gpe ~ wai_patient"\nterm = "wai_patient"\nterms = ["bond"]\n'),
            "both.toml",
        )


def test_a_moderation_that_adds_no_column_is_refused():
    with pytest.raises(ProtocolError, match=r"models\[0\]\.moderation = 'wai_patient' is not"):
        parse_protocol(
            with_model(
                'formula = "gpe ~ wai_patient"\nterm = "wai_patient"\nmoderation = "wai_patient"\n'
            ),
            "same.toml",
        )


# --- malformed protocols: one line, exit 2, never a traceback ------------------------------------


class Raw:
    """A TOML value written as is (numbers beyond Python's int-to-text limit, deep nesting)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:20]!r}…)"


def to_toml(value: Any) -> str:
    """``value`` as a TOML inline value."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {to_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(key)} = {to_toml(value)}\n" for key, value in data.items())


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into ``value`` (tables and lists)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += paths(item, (*prefix, i))
    return out


def replace(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: replace(data[head], rest, new)}
    copy = list(data)
    copy[head] = replace(copy[head], rest, new)
    return copy


scalars = st.one_of(
    st.integers(),
    st.integers(min_value=2**63, max_value=10**400),
    st.integers(min_value=-(10**400), max_value=-(2**63)),
    st.builds(lambda n: Raw("9" * n), st.integers(4301, 6000)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "gpe ~ I(__import__('os').system('true'))",
            "wai_patient:C(arm)",
            "C(arm)",
            "x" * 3000,
            "last",
            "2,last",
            "9" * 5000,
        ]
    ),
)
deep = st.builds(
    lambda depth, kind: Raw(
        ("[" * depth + "1" + "]" * depth) if kind else ("{a=" * depth + "1" + "}" * depth)
    ),
    st.integers(9, 3000),
    st.booleans(),
)
bad_values = st.one_of(
    scalars,
    deep,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
)


@st.composite
def mutated_protocols(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(BUILT_IN))
    data: Any = BUILT_IN_DATA[name]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(data)))
        old = _get(data, path)
        action = draw(st.sampled_from(["value", "wrap in a list", "wrap in a table", "delete"]))
        if action == "value":
            new = draw(bad_values)
        elif action == "wrap in a list":
            new = [old]  # a list where a name (or a number, or a table) is expected
        elif action == "wrap in a table":
            new = {"name": old}
        else:
            data = _delete(data, path)
            continue
        data = replace(data, path, new)
    return document(data)


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _delete(data: Any, path: tuple[Any, ...]) -> Any:
    parent = _get(data, path[:-1])
    if isinstance(parent, dict):
        smaller: Any = {k: v for k, v in parent.items() if k != path[-1]}
    else:
        smaller = [v for i, v in enumerate(parent) if i != path[-1]]
    return replace(data, path[:-1], smaller) if path[:-1] else smaller


@settings(max_examples=300)
@given(mutated_protocols())
def test_a_mutated_built_in_protocol_parses_or_fails_with_one_line_naming_the_file(text):
    try:
        parse_protocol(text, "mutated.toml")
    except ProtocolError as error:
        message = str(error)
        assert message.startswith("mutated.toml: "), message[:300]
        assert "\n" not in message


MALFORMED = {
    "deeply nested": 'name = "x"\nanalysis = ' + "[" * 3000 + "]" * 3000 + "\n",
    "deep table": 'name = "x"\nparameters = ' + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
    "huge integer": "n_per_arm = " + "9" * 5000 + "\n",
    "huge published value": (PROTOCOLS / "fuentes-2014.toml")
    .read_text(encoding="utf-8")
    .replace("value = 31.4", "value = " + "9" * 400),
    "huge parameter": (PROTOCOLS / "fuentes-2014.toml")
    .read_text(encoding="utf-8")
    .replace("n_therapists = 1", "n_therapists = " + "9" * 400),
    "list where a name is expected": (PROTOCOLS / "ferreira-2013.toml")
    .read_text(encoding="utf-8")
    .replace('name = "GE"', 'name = ["GE"]'),
    "table as a formula": (PROTOCOLS / "ferreira-2013.toml")
    .read_text(encoding="utf-8")
    .replace('formula = "gpe ~ wai_patient + C(arm)"', 'formula = { a = "gpe" }'),
    "list of lists as the term": (PROTOCOLS / "burns-evon-2007.toml")
    .read_text(encoding="utf-8")
    .replace('term = "self_efficacy_baseline"\n', 'term = [["self_efficacy_baseline"]]\n', 1),
    "sessions of 5000 digits": (PROTOCOLS / "fuentes-2014.toml")
    .read_text(encoding="utf-8")
    .replace('measurement_sessions = "1"', 'measurement_sessions = "' + "9" * 5000 + '"'),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_protocol_is_one_line_naming_the_file(case):
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(MALFORMED[case], "bad.toml")
    assert str(caught.value).startswith("bad.toml: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", ["deeply nested", "huge integer", "huge parameter"])
def test_the_cli_exits_2_with_one_line_for_a_malformed_protocol(tmp_path, case):
    path = tmp_path / "bad.toml"
    path.write_text(MALFORMED[case], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "alliance_sim", "trial", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1, done.stderr[-2000:]
    assert done.stderr.startswith(f"alliance-sim: error: {path}: ")
    assert "Traceback" not in done.stderr and done.stdout == ""


# --- text from the file is shown, never interpreted --------------------------------------------


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("title", "Trial \\u001b]0;owned\\u0007 \\u001b[2J"),
        ("source", "Somebody\\rhidden"),
        ("published[0].text", "31 mm \\u009b31m"),
    ],
)
def test_text_with_terminal_control_characters_is_refused_naming_the_key(where, text):
    data = dict(BUILT_IN_DATA["fuentes-2014"])
    if where.startswith("published"):
        data["published"] = [{**data["published"][0], "text": "PLACEHOLDER"}]
    else:
        data[where] = "PLACEHOLDER"
    document_text = document(data).replace('"PLACEHOLDER"', f'"{text}"')
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(document_text, "ansi.toml")
    message = str(caught.value)
    assert message.startswith(f"ansi.toml: {where} = "), message
    assert "text without control characters" in message
    assert "\x1b" not in message and "\x9b" not in message and "\r" not in message


def test_a_key_with_a_control_character_is_refused():
    text = (PROTOCOLS / "fuentes-2014.toml").read_text(encoding="utf-8")
    text = text.replace("device = [", '"dev\\u001b[31mice" = [', 1)
    with pytest.raises(ProtocolError, match=r"^keys\.toml: a key in factors = 'dev\\x1b"):
        parse_protocol(text, "keys.toml")


MATH = r"$\foo$ and $\frac{a}$"  # mathtext would raise on both
MATH_TOML = MATH.replace("\\", "\\\\")  # the same as a TOML basic string's content


@pytest.mark.parametrize("name", ["fuentes-2014", "ferreira-2013"])
def test_dollar_signs_in_protocol_text_are_drawn_as_text_not_parsed_as_mathtext(name):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from alliance_sim.trials import power_figure, trial_figure

    text = (PROTOCOLS / f"{name}.toml").read_text(encoding="utf-8")
    for key in ("title", "label", "text"):
        text = re.sub(f'^{key} = ".*"$', lambda _, k=key: f'{k} = "{MATH_TOML}"', text, flags=re.M)
    protocol = parse_protocol(text, "math.toml")
    assert protocol.title == MATH
    result = run_trial(protocol, n_per_arm=8, replicates=2, seed=1)
    fig = trial_figure(result)
    FigureCanvasAgg(fig).draw()
    drawn = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any(MATH in t for t in drawn)
    curve = pd.DataFrame(
        {
            "n_per_arm": [8],
            "estimate": [f"effect:{MATH}"],
            "power": [0.5],
            "power_low": [0.2],
            "power_high": [0.8],
        }
    )
    FigureCanvasAgg(power_figure(curve)).draw()


# --- the documentation ---------------------------------------------------------------------------

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_regression_protocol_parses_and_its_two_models_are_the_same():
    text = README.read_text(encoding="utf-8")
    block = next(
        b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if "my-alliance-cohort" in b
    )
    first, second = parse_protocol(block, "README.md").models
    assert (first.formula, first.term, first.moderation_text) == (
        second.formula,
        second.term,
        second.moderation_text,
    )


def test_the_readme_formula_error_example_is_the_real_message():
    text = " ".join(README.read_text(encoding="utf-8").split())
    documented = re.search(r"e\.g\. `(my\.toml: models\[0\]\.formula = .*?); \.\.\.`", text)
    assert documented, "README lost its formula error example"
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(
            with_model('formula = "gpe ~ log(wai_patient)"\nterm = "wai_patient"\n'), "my.toml"
        )
    assert str(caught.value).startswith(documented.group(1))


def test_trial_help_says_formulas_are_never_run_as_python(capsys):
    from alliance_sim.cli import main

    with pytest.raises(SystemExit):
        main(["trial", "--help"])
    assert "never run as Python" in capsys.readouterr().out
