"""Scenarios: named sets of parameter overrides, stored as TOML files.

A scenario file looks like::

    name = "shared-power"
    description = "Therapists negotiate goals and tasks with patients."

    [parameters]
    power_sharing_mean = 0.85

``name`` and ``description`` are optional (a file's name defaults to its stem);
``[parameters]`` holds any parameters of ``alliance-sim params``. A scenario,
``--set`` overrides and a seed fully determine a run. The built-in scenarios
are the ``*.toml`` files beside this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import ParameterError, ScenarioError
from alliance_sim.core.named_files import load_named, read_builtins
from alliance_sim.core.params import SCHEMA, Params, unknown_name_error
from alliance_sim.core.toml_checks import check_keys, read_toml

__all__ = ["Scenario", "builtin_scenarios", "load_scenario", "parse_scenario"]

TOP_LEVEL_KEYS = ("name", "description", "parameters")


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides."""

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = "built-in"

    def params(self, overrides: Mapping[str, Any] | None = None) -> Params:
        """The scenario's parameters, with ``overrides`` applied on top."""
        return Params(self.overrides, **dict(overrides or {}))


def parse_scenario(text: str, source: str, default_name: str = "scenario") -> Scenario:
    """Parse and validate scenario TOML ``text``; ``source`` names it in error messages.

    Raises:
        ScenarioError: naming the file, the key and the reason.
    """
    data = read_toml(text, source, ScenarioError)
    check_keys(
        data,
        TOP_LEVEL_KEYS,
        source,
        ScenarioError,
        parameter_hint="parameters go under [parameters]",
    )
    name = data.get("name", default_name)
    description = data.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise ScenarioError(f"{source}: {key} = {value!r} must be a string")
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ScenarioError(
            f"{source}: parameters must be a table ([parameters]), not {parameters!r}"
        )
    overrides: dict[str, Any] = {}
    for key, value in parameters.items():
        if key not in SCHEMA:
            raise ScenarioError(f"{source}: parameters.{key}: {unknown_name_error(key)}")
        try:
            overrides[key] = SCHEMA[key].validate(value)
        except ParameterError as error:
            raise ScenarioError(f"{source}: parameters.{key}: {error}") from None
    return Scenario(name=name, description=description, overrides=overrides, source=source)


def builtin_scenarios() -> dict[str, Scenario]:
    """The built-in scenarios by name, in alphabetical order."""
    return read_builtins(resources.files(__name__), parse_scenario)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path.

    Raises:
        ScenarioError: for an unknown name, a missing or unreadable file, or an invalid file.
    """
    return load_named(name_or_path, builtin_scenarios(), parse_scenario, ScenarioError, "scenario")
