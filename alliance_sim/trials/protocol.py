"""Trial protocols: a declarative description of a virtual trial, stored as TOML.

A protocol says who is randomised to what, how many, for how long, what is
measured when, how it is analysed, and what the published study found::

    name = "my-trial"
    title = "Enhanced vs limited alliance, one session"
    description = "..."
    source = "Author A et al. (2020). Title. Journal 1(2):3-4."
    analysis = "factorial"            # or "regression"
    n_per_arm = 30                    # patients per arm (an arm may set its own n)
    sessions = 1                      # → parameter n_sessions
    measurement_sessions = "2"        # → parameter measurement_sessions (optional)
    outcome = "first_session_relief_mm"   # factorial: the outcome column
    primary = "effect:alliance"       # the estimate --power looks at

    [factors]                          # factorial: two factors, two levels each
    device = ["active", "sham"]        # effect = first level − second level
    alliance = ["enhanced", "limited"]

    [parameters]                       # common to every arm
    n_therapists = 1

    [[arms]]
    name = "AE"
    label = "Active device + enhanced alliance"
    levels = { device = "active", alliance = "enhanced" }
    parameters = { device = "active", empathy_mean = 0.95 }

    [[contrasts]]                      # factorial: planned comparisons (arm − arm)
    arms = ["SE", "AL"]

    [[models]]                         # regression: one OLS model per outcome, as data ...
    name = "gpe"
    outcome = "gpe"                    # a patient column
    terms = ["wai_patient"]            # the predictors (columns, C(arm), a:b, a*b)
    adjust_for = ["C(arm)"]            # optional: covariates
    term = "wai_patient"               # optional: the coefficient reported (default: terms[0])
    moderator = "C(arm)"               # optional: F test of adding each term × the moderator

    [[models]]                         # ... or as a formula (the same model)
    name = "gpe-formula"
    formula = "gpe ~ wai_patient + C(arm)"
    term = "wai_patient"               # the coefficient reported
    moderation = "wai_patient:C(arm)"  # optional: F test of adding this term

    [[published]]                      # what the study found, by estimate
    estimate = "mean:AE"
    text = "31.4 mm"
    value = 31.4
    low = 26.0                         # optional tolerance (simulated must lie within)
    high = 36.0
    ci_low = 27.2                      # optional: the paper's own 95% interval
    ci_high = 33.3
    expect = "positive"                # optional: positive | negative | significant | not-significant

A formula is read by the whitelist grammar of :mod:`alliance_sim.trials.formula`
(patient columns, ``C(arm)``, ``:`` and ``*``; never evaluated as Python): see
:data:`~alliance_sim.trials.columns.PROTOCOL_COLUMNS` for the columns.

The built-in protocols are the ``protocols/*.toml`` files beside this module.
Every mistake is reported as a :class:`ProtocolError` naming the file, the key,
the value and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import AllianceSimError, ParameterError
from alliance_sim.core.named_files import load_named, read_builtins
from alliance_sim.core.params import SCHEMA, Params, unknown_name_error
from alliance_sim.core.toml_checks import check_keys, not_allowed, read_toml
from alliance_sim.trials.columns import ARM, PATIENT_COLUMNS
from alliance_sim.trials.formula import (
    Design,
    FormulaError,
    Term,
    formula_text,
    interact,
    parse_formula,
    parse_outcome,
    parse_terms,
    terms_text,
    unique_terms,
)

__all__ = [
    "ANALYSES",
    "EXPECTATIONS",
    "Arm",
    "Contrast",
    "Protocol",
    "ProtocolError",
    "Published",
    "Regression",
    "builtin_protocols",
    "category_levels",
    "load_protocol",
    "parse_protocol",
]

ANALYSES: tuple[str, ...] = ("factorial", "regression")
"""The analysis kinds: a 2×2 factorial comparison of arm means; OLS models of outcomes."""

EXPECTATIONS: tuple[str, ...] = ("positive", "negative", "significant", "not-significant")
"""What a published row may expect of an estimate in a trial of the published size."""

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "source",
    "analysis",
    "n_per_arm",
    "sessions",
    "measurement_sessions",
    "outcome",
    "primary",
    "factors",
    "parameters",
    "arms",
    "contrasts",
    "models",
    "published",
)
ARM_KEYS: tuple[str, ...] = ("name", "label", "n", "levels", "parameters")
FORMULA_KEYS: tuple[str, ...] = ("formula", "moderation")
"""A model written as a formula: ``formula`` and, optionally, ``moderation``."""
STRUCTURED_KEYS: tuple[str, ...] = ("outcome", "terms", "adjust_for", "moderator")
"""A model written as data: ``outcome`` and ``terms``, optionally ``adjust_for`` and ``moderator``."""
MODEL_KEYS: tuple[str, ...] = ("name", "label", "term", *FORMULA_KEYS, *STRUCTURED_KEYS)
PUBLISHED_KEYS: tuple[str, ...] = (
    "estimate",
    "text",
    "value",
    "low",
    "high",
    "ci_low",
    "ci_high",
    "expect",
    "note",
)
CONTRAST_KEYS: tuple[str, ...] = ("arms", "label")
MAX_PER_ARM = 100_000
MAX_DEPTH = 8
"""How deeply a protocol's values may nest (the built-ins nest 4 levels: arms[0].parameters.x)."""
SHOWN_LENGTH = 200
"""The longest value (as its repr) an error message shows; longer ones are cut."""
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (C0 but tab and new line, DEL, C1): terminal escape sequences among them."""


class ProtocolError(AllianceSimError):
    """A protocol that cannot be found, read or validated."""


@dataclass(frozen=True)
class Arm:
    """One arm: the patients allocated to it and the parameters they are treated with."""

    name: str
    label: str
    n: int | None
    """Patients in this arm, or None for the protocol's ``n_per_arm``."""
    levels: Mapping[str, str]
    """Factorial: the level of each factor in this arm."""
    overrides: Mapping[str, Any]


@dataclass(frozen=True)
class Contrast:
    """A planned comparison of two arms: mean of ``first`` − mean of ``second``."""

    first: str
    second: str
    label: str

    @property
    def estimate(self) -> str:
        """The estimate's key, ``contrast:FIRST-SECOND``."""
        return f"contrast:{self.first}-{self.second}"


@dataclass(frozen=True)
class Regression:
    """An OLS model of the regression analysis: an outcome on terms of known columns.

    The terms were read by the whitelist grammar (:mod:`alliance_sim.trials.formula`)
    or given as data; every model has an intercept.
    """

    name: str
    label: str
    outcome: str
    terms: tuple[Term, ...]
    """The right-hand side (without the intercept)."""
    term: str
    """The design column whose coefficient is reported (e.g. ``wai_patient``)."""
    moderation: tuple[Term, ...] = ()
    """Terms whose addition is F-tested (effect modification); () for none."""

    @property
    def formula(self) -> str:
        """The model as a formula, written back from the parsed columns."""
        return formula_text(self.outcome, self.terms)

    @property
    def moderation_text(self) -> str | None:
        """The moderation terms as text (``wai_patient:C(arm)``), or None."""
        return terms_text(self.moderation) if self.moderation else None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the model reads: the outcome and each factor's column."""
        factors = (f.column for term in (*self.terms, *self.moderation) for f in term)
        return tuple(dict.fromkeys((self.outcome, *factors)))

    def design(self, levels: Mapping[str, tuple[object, ...]]) -> Design:
        """The design of the model (intercept and terms), categories coded with ``levels``."""
        return Design(self.terms, levels)

    def full_design(self, levels: Mapping[str, tuple[object, ...]]) -> Design | None:
        """The design with the moderation terms added, or None without moderation."""
        return Design((*self.terms, *self.moderation), levels) if self.moderation else None


@dataclass(frozen=True)
class Published:
    """One published result, keyed by the estimate it compares with."""

    estimate: str
    text: str
    value: float | None = None
    low: float | None = None
    """The model's tolerance: the simulated value must lie from ``low`` to ``high``."""
    high: float | None = None
    expect: str | None = None
    note: str = ""
    ci_low: float | None = None
    """The paper's own 95% interval, where it gives one (shown, never checked)."""
    ci_high: float | None = None


@dataclass(frozen=True)
class Protocol:
    """A virtual trial: arms, allocation, sessions, measurement, analysis and published values."""

    name: str
    title: str
    description: str
    source: str
    analysis: str
    n_per_arm: int
    arms: tuple[Arm, ...]
    common: Mapping[str, Any] = field(default_factory=dict)
    """Parameters shared by every arm (``[parameters]``, ``sessions``, ``measurement_sessions``)."""
    outcome: str = ""
    factors: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    contrasts: tuple[Contrast, ...] = ()
    models: tuple[Regression, ...] = ()
    published: tuple[Published, ...] = ()
    primary: str = ""
    origin: str = "built-in"
    """Where the protocol was read from (a file path, or ``built-in NAME.toml``)."""

    def arm(self, name: str) -> Arm:
        """The arm called ``name``."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise ProtocolError(f"{self.name}: no arm {name!r}")

    def params(self, arm: Arm, n: int | None = None) -> Params:
        """The parameters of ``arm``'s patients (``n`` of them, default the arm's allocation)."""
        return Params(self.common, **dict(arm.overrides), n_patients=n or self.allocation(arm))

    def allocation(self, arm: Arm, n_per_arm: int | None = None) -> int:
        """Patients in ``arm``: ``n_per_arm`` if given, else the arm's own n, else the protocol's."""
        if n_per_arm is not None:
            return n_per_arm
        return arm.n if arm.n is not None else self.n_per_arm

    @property
    def levels(self) -> dict[str, tuple[object, ...]]:
        """The levels of each categorical column, reference first (see :func:`category_levels`)."""
        return category_levels(arm.name for arm in self.arms)

    def estimates(self) -> list[str]:
        """The keys of the estimates the analysis reports, in order."""
        if self.analysis == "factorial":
            keys = [f"mean:{arm.name}" for arm in self.arms]
            keys += [f"effect:{factor}" for factor in self.factors]
            keys.append("interaction")
            keys += [c.estimate for c in self.contrasts]
            return keys
        keys = []
        for model in self.models:
            keys.append(f"coef:{model.name}")
            if model.moderation:
                keys.append(f"moderation:{model.name}")
        return keys


def category_levels(arm_names: Iterable[str]) -> dict[str, tuple[object, ...]]:
    """The levels of each categorical column of a trial with these arms, reference first.

    ``arm``: the arm names in sorted order (so ``C(arm)``'s reference is the
    alphabetically first arm, as patsy chose it); a yes/no column: False, True.
    """
    levels: dict[str, tuple[object, ...]] = {ARM: tuple(sorted(arm_names))}
    for name, kind in PATIENT_COLUMNS.items():
        if kind == "yes/no":
            levels[name] = (False, True)
    return levels


class _Shown:
    """A value as messages show it: its repr, cut to :data:`SHOWN_LENGTH` characters."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _error(source: str, key: str, value: Any, allowed: str) -> AllianceSimError:
    return not_allowed(ProtocolError, source, key, _Shown(value), allowed)


def _validate(name: str, value: Any, source: str, key: str) -> Any:
    """``value`` checked by the schema of parameter ``name``; a :class:`ProtocolError` naming ``key``."""
    try:
        return SCHEMA[name].validate(value)
    except ParameterError as error:
        raise ProtocolError(f"{source}: {key}: {error}") from None
    except (OverflowError, ValueError, TypeError):  # e.g. an integer too large for a float
        raise _error(source, key, value, SCHEMA[name].allowed()) from None


def _read(text: str, source: str) -> dict[str, Any]:
    """The TOML ``text`` as a dict, no deeper than :data:`MAX_DEPTH`; else a one-line error."""
    try:
        data = read_toml(text, source, ProtocolError)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError(
            f"{source}: not valid here: values nested too deeply (a protocol nests at most"
            f" {MAX_DEPTH} levels)"
        ) from None
    except ValueError as problem:  # e.g. an integer of more than 4300 digits
        first = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        raise ProtocolError(f"{source}: not valid TOML: {first}") from None
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProtocolError(
                f"{source}: {path}: nested {depth} levels deep; a protocol nests at most"
                f" {MAX_DEPTH} levels"
            )
        if isinstance(value, dict):
            for key in value:
                if _CONTROL.search(key):
                    where = f" in {path}" if path else ""
                    raise _error(source, f"a key{where}", key, "a key without control characters")
            stack += [(f"{path}.{k}" if path else k, v, depth + 1) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(f"{path}[{i}]", v, depth + 1) for i, v in enumerate(value)]
        elif isinstance(value, str) and _CONTROL.search(value):
            # Protocol text is printed to terminals and drawn in figures: no escape sequences.
            raise _error(
                source, path, value, "text without control characters (tabs and new lines are fine)"
            )
    return data


def _string(
    data: Mapping[str, Any], key: str, source: str, where: str = "", default: Any = None
) -> Any:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise _error(source, where + key, value, "a string")
    return value


def _count(value: Any, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= MAX_PER_ARM:
        raise _error(source, key, value, f"a whole number from 2 to {MAX_PER_ARM}")
    return value


def _unknown_keys(
    data: Mapping[str, Any], allowed: tuple[str, ...], source: str, where: str
) -> None:
    check_keys(data, allowed, source, ProtocolError, where, "parameters go under [parameters]")


def _parameters(value: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _error(source, where, value, "a table of parameter names and values")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in SCHEMA:
            raise ProtocolError(f"{source}: {where}.{key}: {unknown_name_error(key)}")
        if key == "n_patients":
            raise ProtocolError(
                f"{source}: {where}.n_patients is not allowed: the allocation sets it"
                " (use n_per_arm, or n in an arm)"
            )
        out[key] = _validate(key, item, source, f"{where}.{key}")
    return out


def _list_of_tables(data: Mapping[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _error(source, key, value, f"a list of tables ([[{key}]])")
    return value


def _arms(data: Mapping[str, Any], source: str) -> tuple[Arm, ...]:
    arms: list[Arm] = []
    tables = _list_of_tables(data, "arms", source)
    if not tables:
        raise ProtocolError(f"{source}: arms: a trial needs at least one arm ([[arms]] table)")
    for i, table in enumerate(tables):
        where = f"arms[{i}]."
        _unknown_keys(table, ARM_KEYS, source, where)
        name = _string(table, "name", source, where)
        if name is None or not NAME_PATTERN.match(name):
            raise _error(
                source, where + "name", name, "a name of letters, digits, '-' and '_', e.g. 'AE'"
            )
        if name in {a.name for a in arms}:
            raise _error(source, where + "name", name, "a name no other arm has")
        label = _string(table, "label", source, where, default=name)
        n = _count(table["n"], source, where + "n") if "n" in table else None
        levels = table.get("levels", {})
        if not isinstance(levels, dict) or not all(isinstance(v, str) for v in levels.values()):
            raise _error(source, where + "levels", levels, "a table of factor = level strings")
        overrides = _parameters(table.get("parameters", {}), source, where + "parameters")
        arms.append(Arm(name=name, label=label, n=n, levels=levels, overrides=overrides))
    return tuple(arms)


def _factors(
    data: Mapping[str, Any], arms: tuple[Arm, ...], source: str
) -> dict[str, tuple[str, str]]:
    raw = data.get("factors")
    if not isinstance(raw, dict) or len(raw) != 2:
        raise _error(
            source, "factors", raw, "a table of exactly two factors, each a list of two levels"
        )
    factors: dict[str, tuple[str, str]] = {}
    for factor, levels in raw.items():
        if (
            not isinstance(levels, list)
            or len(levels) != 2
            or not all(isinstance(x, str) for x in levels)
            or levels[0] == levels[1]
        ):
            raise _error(source, f"factors.{factor}", levels, "a list of two different level names")
        factors[factor] = (levels[0], levels[1])
    if len(arms) != 4:
        raise ProtocolError(
            f"{source}: arms: a factorial protocol needs 4 arms (2×2), not {len(arms)}"
        )
    seen = set()
    for i, arm in enumerate(arms):
        if set(arm.levels) != set(factors):
            raise _error(
                source,
                f"arms[{i}].levels",
                dict(arm.levels),
                "one level for each factor: " + ", ".join(factors),
            )
        for factor, level in arm.levels.items():
            if level not in factors[factor]:
                raise _error(
                    source,
                    f"arms[{i}].levels.{factor}",
                    level,
                    "one of " + ", ".join(repr(x) for x in factors[factor]),
                )
        cell = tuple(arm.levels[f] for f in factors)
        if cell in seen:
            raise _error(
                source, f"arms[{i}].levels", dict(arm.levels), "a combination no other arm has"
            )
        seen.add(cell)
    return factors


def _contrasts(data: Mapping[str, Any], arms: tuple[Arm, ...], source: str) -> tuple[Contrast, ...]:
    names = [a.name for a in arms]
    out = []
    for i, table in enumerate(_list_of_tables(data, "contrasts", source)):
        where = f"contrasts[{i}]."
        _unknown_keys(table, CONTRAST_KEYS, source, where)
        pair = table.get("arms")
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, str) and x in names for x in pair)
            or pair[0] == pair[1]
        ):
            raise _error(
                source,
                where + "arms",
                pair,
                "a list of two different arm names from " + ", ".join(names),
            )
        label = _string(table, "label", source, where, default=f"{pair[0]} − {pair[1]}")
        out.append(Contrast(first=pair[0], second=pair[1], label=label))
    return tuple(out)


def _formula_error(source: str, key: str, value: Any, error: FormulaError) -> ProtocolError:
    return ProtocolError(f"{source}: {key} = {_Shown(value)!r} is not allowed: {error}")


def _term_list(table: Mapping[str, Any], key: str, source: str, where: str) -> list[Term]:
    """The terms of a list of term strings (``terms``, ``adjust_for``), each read by the grammar."""
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(
            source, where + key, value, "a list of terms such as ['wai_patient', 'C(arm)']"
        )
    terms: list[Term] = []
    for k, text in enumerate(value):
        try:
            terms += parse_terms(text)
        except FormulaError as error:
            raise _formula_error(source, f"{where}{key}[{k}]", text, error) from None
    return terms


def _model_terms(
    table: Mapping[str, Any], source: str, where: str
) -> tuple[str, tuple[Term, ...], tuple[Term, ...], str, str]:
    """Outcome, terms, moderation terms, the default reported term and the moderation's key.

    A model is written either as a formula (``formula``, ``moderation``) or as
    data (``outcome``, ``terms``, ``adjust_for``, ``moderator``); the text is
    read by the whitelist grammar, never evaluated.
    """
    if "formula" in table:
        mixed = [key for key in STRUCTURED_KEYS if key in table]
        if mixed:
            raise ProtocolError(
                f"{source}: {where}{mixed[0]}: a model has either formula (with moderation) or "
                "outcome and terms (with adjust_for and moderator), not both"
            )
        text = table["formula"]
        try:
            outcome, terms = parse_formula(text)
        except FormulaError as error:
            raise _formula_error(source, where + "formula", text, error) from None
        moderation: tuple[Term, ...] = ()
        if "moderation" in table:
            try:
                moderation = parse_terms(table["moderation"])
            except FormulaError as error:
                raise _formula_error(
                    source, where + "moderation", table["moderation"], error
                ) from None
        return outcome, terms, moderation, "", "moderation"
    if "moderation" in table:
        raise ProtocolError(
            f"{source}: {where}moderation goes with formula; with outcome and terms write"
            " moderator (e.g. moderator = 'C(arm)')"
        )
    if "outcome" not in table or "terms" not in table:
        raise ProtocolError(
            f"{source}: {where[:-1]}: a model needs formula = 'outcome ~ terms', or outcome"
            " and terms (e.g. outcome = 'gpe', terms = ['wai_patient'])"
        )
    try:
        outcome = parse_outcome(table["outcome"])
    except FormulaError as error:
        raise _formula_error(source, where + "outcome", table["outcome"], error) from None
    predictors = _term_list(table, "terms", source, where)
    if not predictors:
        raise _error(source, where + "terms", table["terms"], "a list of at least one term")
    covariates = _term_list(table, "adjust_for", source, where) if "adjust_for" in table else []
    moderation = ()
    if "moderator" in table:
        try:
            moderator = parse_terms(table["moderator"])
        except FormulaError as error:
            raise _formula_error(source, where + "moderator", table["moderator"], error) from None
        moderation = tuple(interact(predictors, moderator))
    terms = tuple(unique_terms([*predictors, *covariates]))
    return outcome, terms, moderation, ":".join(map(str, predictors[0])), "moderator"


def _models(
    data: Mapping[str, Any], source: str, levels: Mapping[str, tuple[object, ...]]
) -> tuple[Regression, ...]:
    tables = _list_of_tables(data, "models", source)
    if not tables:
        raise ProtocolError(
            f"{source}: models: a regression protocol needs at least one [[models]] table"
        )
    out: list[Regression] = []
    for i, table in enumerate(tables):
        where = f"models[{i}]."
        _unknown_keys(table, MODEL_KEYS, source, where)
        name = _string(table, "name", source, where)
        if name is None or not NAME_PATTERN.match(name) or name in {m.name for m in out}:
            raise _error(
                source, where + "name", name, "a unique name of letters, digits, '-' and '_'"
            )
        outcome, terms, moderation, default_term, moderation_key = _model_terms(
            table, source, where
        )
        try:
            design = Design(terms, levels)
            full = Design((*terms, *moderation), levels) if moderation else None
        except FormulaError as error:
            key = "formula" if "formula" in table else "terms"
            raise ProtocolError(f"{source}: {where}{key}: {error}") from None
        term = _string(table, "term", source, where, default=default_term or None)
        if term is None:
            raise _error(source, where + "term", term, "the name of the coefficient to report")
        if term not in design.columns:
            raise _error(
                source,
                where + "term",
                term,
                "a coefficient of the model: one of " + ", ".join(repr(c) for c in design.columns),
            )
        if full is not None and len(full.columns) == len(design.columns):
            raise _error(
                source,
                where + moderation_key,
                table[moderation_key],
                "terms that add a column to the model (these add none: "
                + terms_text(moderation)
                + ")",
            )
        label = _string(table, "label", source, where, default=name)
        out.append(
            Regression(
                name=name,
                label=label,
                outcome=outcome,
                terms=terms,
                term=term,
                moderation=moderation,
            )
        )
    return tuple(out)


def _number(table: Mapping[str, Any], key: str, source: str, where: str) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(source, where + key, value, "a finite number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _error(source, where + key, value, "a finite number")
    return number


def _published(data: Mapping[str, Any], estimates: list[str], source: str) -> tuple[Published, ...]:
    out = []
    for i, table in enumerate(_list_of_tables(data, "published", source)):
        where = f"published[{i}]."
        _unknown_keys(table, PUBLISHED_KEYS, source, where)
        estimate = _string(table, "estimate", source, where)
        if estimate not in estimates:
            raise _error(source, where + "estimate", estimate, "one of " + ", ".join(estimates))
        text = _string(table, "text", source, where)
        if text is None:
            raise _error(source, where + "text", text, "the published result as a string")
        expect = _string(table, "expect", source, where)
        if expect is not None and expect not in EXPECTATIONS:
            raise _error(source, where + "expect", expect, "one of " + ", ".join(EXPECTATIONS))
        low = _number(table, "low", source, where)
        high = _number(table, "high", source, where)
        if (low is None) != (high is None) or (low is not None and high is not None and low > high):
            raise _error(source, where + "low/high", (low, high), "both given, with low ≤ high")
        ci_low = _number(table, "ci_low", source, where)
        ci_high = _number(table, "ci_high", source, where)
        if (ci_low is None) != (ci_high is None) or (
            ci_low is not None and ci_high is not None and ci_low > ci_high
        ):
            raise _error(
                source,
                where + "ci_low/ci_high",
                (ci_low, ci_high),
                "both given, with ci_low ≤ ci_high",
            )
        out.append(
            Published(
                estimate=estimate,
                text=text,
                value=_number(table, "value", source, where),
                low=low,
                high=high,
                expect=expect,
                note=_string(table, "note", source, where, default=""),
                ci_low=ci_low,
                ci_high=ci_high,
            )
        )
    return tuple(out)


def parse_protocol(text: str, source: str, default_name: str = "protocol") -> Protocol:
    """Parse and validate protocol TOML ``text``; ``source`` names it in error messages.

    Raises:
        ProtocolError: naming the file, the key, the value and what is allowed.
    """
    data = _read(text, source)
    _unknown_keys(data, TOP_LEVEL_KEYS, source, "")
    name = _string(data, "name", source, default=default_name)
    title = _string(data, "title", source, default=name)
    description = _string(data, "description", source, default="")
    origin_source = _string(data, "source", source, default="")
    analysis = data.get("analysis")
    if analysis not in ANALYSES:
        raise _error(source, "analysis", analysis, "one of " + ", ".join(repr(a) for a in ANALYSES))
    n_per_arm = _count(data.get("n_per_arm", 30), source, "n_per_arm")
    common = _parameters(data.get("parameters", {}), source, "parameters")
    for key, parameter in (
        ("sessions", "n_sessions"),
        ("measurement_sessions", "measurement_sessions"),
    ):
        if key in data:
            if parameter in common and key != parameter:
                raise ProtocolError(
                    f"{source}: {key} and parameters.{parameter} both given; keep one"
                )
            common[parameter] = _validate(parameter, data[key], source, key)
    arms = _arms(data, source)
    for arm in arms:  # every arm's parameters must be valid together
        try:
            Params(common, **dict(arm.overrides))
        except ParameterError as error:
            raise ProtocolError(f"{source}: arm {arm.name}: {error}") from None
    factors: dict[str, tuple[str, str]] = {}
    contrasts: tuple[Contrast, ...] = ()
    models: tuple[Regression, ...] = ()
    outcome = ""
    if analysis == "factorial":
        for key in ("models",):
            if key in data:
                raise ProtocolError(
                    f"{source}: {key} is for analysis = 'regression', not 'factorial'"
                )
        outcome = _string(data, "outcome", source)
        if outcome is None:
            raise _error(
                source, "outcome", outcome, "an outcome column, e.g. 'first_session_relief_mm'"
            )
        if outcome not in PATIENT_COLUMNS:
            raise _error(source, "outcome", outcome, "one of " + ", ".join(PATIENT_COLUMNS))
        factors = _factors(data, arms, source)
        contrasts = _contrasts(data, arms, source)
    else:
        for key in ("factors", "contrasts", "outcome"):
            if key in data:
                raise ProtocolError(
                    f"{source}: {key} is for analysis = 'factorial', not 'regression'"
                )
        models = _models(data, source, category_levels(a.name for a in arms))
    protocol = Protocol(
        name=name,
        title=title,
        description=description,
        source=origin_source,
        analysis=analysis,
        n_per_arm=n_per_arm,
        arms=arms,
        common=common,
        outcome=outcome,
        factors=factors,
        contrasts=contrasts,
        models=models,
        primary="",
        origin=source,
    )
    estimates = protocol.estimates()
    published = _published(data, estimates, source)
    default_primary = f"effect:{next(iter(factors))}" if factors else estimates[0]
    primary = _string(data, "primary", source, default=default_primary)
    if primary not in estimates:
        raise _error(source, "primary", primary, "one of " + ", ".join(estimates))
    return Protocol(**{**protocol.__dict__, "published": published, "primary": primary})


def builtin_protocols() -> dict[str, Protocol]:
    """The built-in protocols by name, in alphabetical order (each with title, description, source)."""
    return read_builtins(resources.files("alliance_sim.trials") / "protocols", parse_protocol)


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A built-in protocol by name, or a protocol file by path.

    Raises:
        ProtocolError: for an unknown name, a missing or unreadable file, or an invalid file.
    """
    return load_named(name_or_path, builtin_protocols(), parse_protocol, ProtocolError, "protocol")
