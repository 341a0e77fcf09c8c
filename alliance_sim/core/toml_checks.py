"""The checks shared by the project's TOML files: scenarios, experiments, protocols, lessons.

Each check raises the error class of the file's kind (``ScenarioError``,
``ExperimentError``, …) with a message that names the file, so a user sees
which file, which key and what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.params import SCHEMA

__all__ = ["check_keys", "not_allowed", "read_toml"]


def read_toml(text: str, source: str, error: type[AllianceSimError]) -> dict[str, Any]:
    """The TOML ``text`` as a dict; ``error`` naming ``source`` when it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: not valid TOML: {problem}") from None


def check_keys(
    data: Mapping[str, Any],
    allowed: Iterable[str],
    source: str,
    error: type[AllianceSimError],
    where: str = "",
    parameter_hint: str = "",
) -> None:
    """Refuse the first key of ``data`` that is not ``allowed``.

    ``where`` is the table's prefix in messages (``"question."``). A top-level key
    that is a parameter's name gets ``parameter_hint`` in brackets, such as
    ``"parameters go under [parameters]"``.
    """
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            hint = f" ({parameter_hint})" if parameter_hint and key in SCHEMA and not where else ""
            raise error(
                f"{source}: unknown key {where + key!r}{hint}; allowed keys are "
                + ", ".join(allowed)
            )


def not_allowed(
    error: type[AllianceSimError], source: str, key: str, value: Any, allowed: str
) -> AllianceSimError:
    """The error for ``key = value`` in ``source``, saying what is ``allowed``."""
    return error(f"{source}: {key} = {value!r} is not allowed: {allowed}")
