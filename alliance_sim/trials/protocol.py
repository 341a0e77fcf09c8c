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

    [[models]]                         # regression: one OLS model per outcome
    name = "gpe"
    formula = "gpe ~ wai_patient + C(arm)"
    term = "wai_patient"               # the coefficient reported
    moderation = "wai_patient:C(arm)"  # optional: F test of adding this term

    [[published]]                      # what the study found, by estimate
    estimate = "mean:AE"
    text = "31.4 mm"
    value = 31.4
    low = 26.0                         # optional tolerance (simulated must lie within)
    high = 36.0
    expect = "positive"                # optional: positive | negative | significant | not-significant

The built-in protocols are the ``protocols/*.toml`` files beside this module.
Every mistake is reported as a :class:`ProtocolError` naming the file, the key,
the value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import AllianceSimError, ParameterError
from alliance_sim.core.named_files import load_named, read_builtins
from alliance_sim.core.params import SCHEMA, Params, unknown_name_error
from alliance_sim.core.toml_checks import check_keys, not_allowed, read_toml

__all__ = [
    "ANALYSES",
    "EXPECTATIONS",
    "Arm",
    "Contrast",
    "Model",
    "Protocol",
    "ProtocolError",
    "Published",
    "builtin_protocols",
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
MODEL_KEYS: tuple[str, ...] = ("name", "label", "formula", "term", "moderation")
PUBLISHED_KEYS: tuple[str, ...] = ("estimate", "text", "value", "low", "high", "expect", "note")
CONTRAST_KEYS: tuple[str, ...] = ("arms", "label")
MAX_PER_ARM = 100_000
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


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
class Model:
    """An OLS model of the regression analysis (a statsmodels/patsy formula)."""

    name: str
    label: str
    formula: str
    term: str
    moderation: str | None = None

    @property
    def outcome(self) -> str:
        """The formula's left-hand side."""
        return self.formula.split("~", 1)[0].strip()


@dataclass(frozen=True)
class Published:
    """One published result, keyed by the estimate it compares with."""

    estimate: str
    text: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    expect: str | None = None
    note: str = ""


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
    models: tuple[Model, ...] = ()
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


def _error(source: str, key: str, value: Any, allowed: str) -> AllianceSimError:
    return not_allowed(ProtocolError, source, key, value, allowed)


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
        try:
            out[key] = SCHEMA[key].validate(item)
        except ParameterError as error:
            raise ProtocolError(f"{source}: {where}.{key}: {error}") from None
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


def _models(data: Mapping[str, Any], source: str) -> tuple[Model, ...]:
    tables = _list_of_tables(data, "models", source)
    if not tables:
        raise ProtocolError(
            f"{source}: models: a regression protocol needs at least one [[models]] table"
        )
    out: list[Model] = []
    for i, table in enumerate(tables):
        where = f"models[{i}]."
        _unknown_keys(table, MODEL_KEYS, source, where)
        name = _string(table, "name", source, where)
        if name is None or not NAME_PATTERN.match(name) or name in {m.name for m in out}:
            raise _error(
                source, where + "name", name, "a unique name of letters, digits, '-' and '_'"
            )
        formula = _string(table, "formula", source, where)
        if formula is None or formula.count("~") != 1:
            raise _error(source, where + "formula", formula, "a formula 'outcome ~ terms'")
        term = _string(table, "term", source, where)
        if term is None:
            raise _error(source, where + "term", term, "the name of the coefficient to report")
        moderation = _string(table, "moderation", source, where)
        label = _string(table, "label", source, where, default=name)
        out.append(Model(name=name, label=label, formula=formula, term=term, moderation=moderation))
    return tuple(out)


def _number(table: Mapping[str, Any], key: str, source: str, where: str) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(source, where + key, value, "a number")
    return float(value)


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
        out.append(
            Published(
                estimate=estimate,
                text=text,
                value=_number(table, "value", source, where),
                low=low,
                high=high,
                expect=expect,
                note=_string(table, "note", source, where, default=""),
            )
        )
    return tuple(out)


def parse_protocol(text: str, source: str, default_name: str = "protocol") -> Protocol:
    """Parse and validate protocol TOML ``text``; ``source`` names it in error messages.

    Raises:
        ProtocolError: naming the file, the key, the value and what is allowed.
    """
    data = read_toml(text, source, ProtocolError)
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
            try:
                common[parameter] = SCHEMA[parameter].validate(data[key])
            except ParameterError as error:
                raise ProtocolError(f"{source}: {key}: {error}") from None
    arms = _arms(data, source)
    for arm in arms:  # every arm's parameters must be valid together
        try:
            Params(common, **dict(arm.overrides))
        except ParameterError as error:
            raise ProtocolError(f"{source}: arm {arm.name}: {error}") from None
    factors: dict[str, tuple[str, str]] = {}
    contrasts: tuple[Contrast, ...] = ()
    models: tuple[Model, ...] = ()
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
        from alliance_sim.trials.analysis import available_columns

        if outcome not in available_columns():
            raise _error(source, "outcome", outcome, "one of " + ", ".join(available_columns()))
        factors = _factors(data, arms, source)
        contrasts = _contrasts(data, arms, source)
    else:
        for key in ("factors", "contrasts", "outcome"):
            if key in data:
                raise ProtocolError(
                    f"{source}: {key} is for analysis = 'factorial', not 'regression'"
                )
        models = _models(data, source)
        from alliance_sim.trials.analysis import check_model

        for i, model in enumerate(models):
            why = check_model(model, [a.name for a in arms])
            if why:
                raise ProtocolError(f"{source}: models[{i}]: {why}")
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
