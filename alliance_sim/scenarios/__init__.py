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

Where a scenario comes from decides how it is read:

* :func:`load_scenario` — a built-in name or a path typed on the command line;
* :func:`builtin_scenario` — a built-in name only: what a file (a lesson) may
  name, so that a file can never make the program read another file;
* :func:`parse_scenario_upload` — the bytes of a file uploaded to the web app,
  never touching the filesystem (the name is only a label).

:func:`scenario_toml` writes a scenario as a file's text, which
:func:`parse_scenario` reads back to the same scenario (the web app's "download
this set-up").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import ParameterError, ScenarioError, shown
from alliance_sim.core.named_files import builtin_named, load_named, read_builtins
from alliance_sim.core.params import SCHEMA, Params, unknown_name_error
from alliance_sim.core.toml_checks import (
    check_keys,
    decode_upload,
    key_text,
    read_toml,
    upload_name,
)

__all__ = [
    "Scenario",
    "builtin_scenario",
    "builtin_scenarios",
    "load_scenario",
    "parse_scenario",
    "parse_scenario_upload",
    "scenario_toml",
]

TOP_LEVEL_KEYS = ("name", "description", "parameters")


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides."""

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = "built-in"

    def params(self, overrides: Mapping[str, Any] | None = None) -> Params:
        """The scenario's parameters, with ``overrides`` applied on top.

        Raises:
            ParameterError: for overrides that are not a mapping of names to valid values.
        """
        if overrides is not None and not isinstance(overrides, Mapping):
            raise ParameterError(
                f"overrides = {shown(overrides)} are not allowed: a mapping of parameter names"
                " to values"
            )
        return Params({**self.overrides, **(overrides or {})})


def parse_scenario(text: str, source: str, default_name: str = "scenario") -> Scenario:
    """Parse and validate scenario TOML ``text``; ``source`` names it in error messages.

    Raises:
        ScenarioError: naming the file, the key and the reason.
    """
    if not isinstance(source, str):
        source = "scenario"
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
            raise ScenarioError(f"{source}: {key} = {shown(value)} must be a string")
    if not name.strip():
        raise ScenarioError(f"{source}: name = {name!r} is not allowed: a non-empty text")
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ScenarioError(
            f"{source}: parameters must be a table ([parameters]), not {shown(parameters)}"
        )
    overrides: dict[str, Any] = {}
    for key, value in parameters.items():
        if key not in SCHEMA:
            raise ScenarioError(f"{source}: parameters.{key_text(key)}: {unknown_name_error(key)}")
        try:
            overrides[key] = SCHEMA[key].validate(value)
        except ParameterError as error:
            raise ScenarioError(f"{source}: parameters.{key}: {error}") from None
    return Scenario(name=name, description=description, overrides=overrides, source=source)


def parse_scenario_upload(data: bytes | str, file_name: str) -> Scenario:
    """The scenario in an uploaded file's contents (the web app's upload), validated.

    Never touches the filesystem: ``file_name`` (whatever the browser sent) is only
    the label in messages and the default name (its stem). The contents are
    bounded like a file's (at most a megabyte, UTF-8, nesting, numbers).

    Raises:
        ScenarioError: naming the file, the key and what is allowed.
    """
    label = upload_name(file_name, "uploaded scenario")
    text = decode_upload(data, label, "scenario", ScenarioError)
    stem = label.rsplit(".", 1)[0] if "." in label else label
    return parse_scenario(text, label, stem or "scenario")


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return _toml_string(str(value))


def scenario_toml(scenario: Scenario) -> str:
    """``scenario`` as the text of a scenario file; :func:`parse_scenario` reads it back.

    Only the scenario's overrides are written (the defaults need no line), in the
    schema's order.
    """
    lines = [f"name = {_toml_string(scenario.name)}"]
    if scenario.description:
        lines.append(f"description = {_toml_string(scenario.description)}")
    lines += ["", "[parameters]"]
    for name in SCHEMA:
        if name in scenario.overrides:
            lines.append(f"{name} = {_toml_value(scenario.overrides[name])}")
    return "\n".join(lines) + "\n"


def builtin_scenarios() -> dict[str, Scenario]:
    """The built-in scenarios by name, in alphabetical order."""
    return read_builtins(resources.files(__name__), parse_scenario)


def builtin_scenario(name: str) -> Scenario:
    """The built-in scenario called ``name``; never a file, whatever ``name`` looks like.

    What a file may refer to (a lesson's ``scenario``): a path in a file is
    refused, so an uploaded file cannot make a server read its files.

    Raises:
        ScenarioError: for anything but a built-in name, listing the names and how
            to use one's own values instead.
    """
    scenarios = builtin_scenarios()
    try:
        return builtin_named(name, scenarios, ScenarioError, "scenario")
    except ScenarioError as error:
        raise ScenarioError(
            f"{error}; to use your own scenario, put its values under `parameters`"
        ) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path (from the command line).

    The file is read bounded (a regular file, at most a megabyte, UTF-8; see
    :func:`~alliance_sim.core.toml_checks.read_text_file`). Only the command line and
    the user's own code should pass a path: a name inside a file goes through
    :func:`builtin_scenario`.

    Raises:
        ScenarioError: for an unknown name, a missing or unreadable file, or an invalid file.
    """
    return load_named(name_or_path, builtin_scenarios(), parse_scenario, ScenarioError, "scenario")
