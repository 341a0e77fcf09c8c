"""Sharing a set-up: as a link (its query string) and as a scenario file.

A link reproduces Explore's scenario, changed parameters and seed::

    http://server:8765/?scenario=shared-power&seed=3&empathy_mean=0.3

:func:`share_query` writes the query string: a built-in scenario by name and the
parameters that differ from it; a dropped scenario cannot be named (it is not on
the server), so its values are written out on top of ``default``.
:func:`parse_share_query` reads one back **against the parameter schema** — every
key must be ``scenario`` (a built-in name, never a path), ``seed``,
``projector`` or a parameter's name, every value what that parameter allows
(read by :func:`~alliance_sim.core.params.parse_value`, never evaluated) — and
refuses anything else with one line naming the key, the value and what is
allowed. :func:`setup_scenario` is the set-up as a scenario, for the download.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from alliance_sim.core.errors import AllianceSimError, ParameterError, shown
from alliance_sim.core.params import SCHEMA, Params, check_seed, parse_value, unknown_name_error
from alliance_sim.scenarios import Scenario

__all__ = [
    "MAX_QUERY_CHARS",
    "SharedSetup",
    "changed_values",
    "describe_changes",
    "parse_share_query",
    "setup_scenario",
    "share_query",
    "value_text",
]

MAX_QUERY_CHARS = 4_000
"""The longest query string read (every parameter changed fits in about 2,000)."""
OTHER_KEYS = ("scenario", "seed", "projector")
NOT_APPLIED = "This link was not applied"


@dataclass(frozen=True)
class SharedSetup:
    """What a link asks for."""

    scenario: Scenario
    params: Params
    seed: int
    projector: bool = False


def value_text(value: Any) -> str:
    """A parameter's value as a link, a title or a file shows it (floats exactly, no "0.30000000000000004")."""
    if isinstance(value, float):
        return repr(value) if value != round(value, 4) else f"{value:g}"
    return str(value)


def changed_values(params: Params, baseline: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``params`` that differ from ``baseline``, in the schema's order."""
    return {name: params[name] for name in SCHEMA if params[name] != baseline[name]}


def describe_changes(
    params: Params, baseline: Mapping[str, Any], labels: bool = False
) -> list[str]:
    """Each changed value as ``name = value`` (or ``Label = value`` with ``labels``)."""
    return [
        f"{SCHEMA[name].label if labels else name} = {value_text(value)}"
        for name, value in changed_values(params, baseline).items()
    ]


def share_query(scenario: str, baseline: Mapping[str, Any], params: Params, seed: int) -> str:
    """The query string of a link to this set-up, on top of the built-in ``scenario``.

    ``baseline`` is that scenario's values. For a dropped scenario, pass the
    built-in ``default`` and its values: the link then holds every value that
    differs from them.
    """
    pairs = [("scenario", scenario), ("seed", str(seed))]
    pairs += [(name, value_text(value)) for name, value in changed_values(params, baseline).items()]
    return urlencode(pairs)


def _refuse(message: str) -> AllianceSimError:
    return AllianceSimError(f"{NOT_APPLIED}: {message}")


def parse_share_query(search: str | None, builtins: Mapping[str, Scenario]) -> SharedSetup | None:
    """The set-up a link's query string asks for; None when it asks for nothing.

    Raises:
        AllianceSimError: one line naming the key, the value and what is allowed.
    """
    if not search:
        return None
    if len(search) > MAX_QUERY_CHARS:
        raise _refuse(
            f"the link is too long ({len(search):,} characters; at most {MAX_QUERY_CHARS:,})"
        )
    try:
        pairs = parse_qsl(
            search, keep_blank_values=True, strict_parsing=False, max_num_fields=len(SCHEMA) + 10
        )
    except ValueError:
        raise _refuse("it has too many values") from None
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise _refuse(f"{shown(key)} is given twice; give each value once")
        seen[key] = value
    name = seen.pop("scenario", "default")
    if name not in builtins:
        raise _refuse(
            f"scenario = {shown(name)} is not allowed: a built-in scenario, one of "
            + ", ".join(sorted(builtins))
        )
    seed = 0
    if "seed" in seen:
        text = seen.pop("seed").strip()
        try:
            seed = check_seed(
                int(text) if text.isascii() and text.isdigit() and len(text) < 25 else text
            )
        except ParameterError as error:
            raise _refuse(str(error)) from None
    projector = seen.pop("projector", "0") in ("1", "true", "yes", "on")
    overrides: dict[str, Any] = {}
    for key, text in seen.items():
        if key not in SCHEMA:
            raise _refuse(str(unknown_name_error(key)))
        try:
            overrides[key] = parse_value(key, text)
        except ParameterError as error:
            raise _refuse(str(error)) from None
    scenario = builtins[name]
    try:
        params = scenario.params(overrides)
    except ParameterError as error:
        raise _refuse(str(error)) from None
    return SharedSetup(scenario, params, seed, projector)


def setup_scenario(
    scenario: Scenario, baseline: Mapping[str, Any], params: Params, seed: int
) -> Scenario:
    """The set-up as a scenario file holds it: every value that differs from the defaults.

    ``baseline`` is ``scenario``'s own values (the description names what changed).
    """
    changes = describe_changes(params, baseline)
    said = scenario.description.strip()
    note = (
        f"Saved from the web app: scenario {scenario.name}"
        + (f" with {', '.join(changes)}" if changes else "")
        + f"; it was run with seed {seed}."
    )
    name = scenario.name if not changes else f"{scenario.name}-modified"
    return Scenario(
        name=name,
        description=f"{said} {note}".strip(),
        overrides=params.changed(),
        source="the web app",
    )
