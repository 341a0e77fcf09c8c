"""The exceptions a user can cause: each message names the field, the value and what is allowed.

:func:`shown` writes a value for such a message: short values as ``repr`` gives
them, a 400-digit number as ``1e399-ish`` and a long text cut short, so that a
message stays one readable line whatever was typed or uploaded.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["AllianceSimError", "ParameterError", "PosteriorError", "ScenarioError", "shown"]

SHOWN_CHARACTERS = 60
"""The longest value :func:`shown` writes out in full."""


class AllianceSimError(ValueError):
    """A mistake in user input (parameters, scenario files, options)."""


class ParameterError(AllianceSimError):
    """A parameter name or value that is not allowed."""


class ScenarioError(AllianceSimError):
    """A scenario that cannot be found, read or validated."""


class PosteriorError(AllianceSimError):
    """A posterior file (the calibrated parameters' particles) that is missing or invalid."""


def shown(value: Any) -> str:
    """``value`` as an error message shows it: ``repr``, but never longer than a line.

    Whole numbers of more than 18 digits show as ``1e399-ish`` (their order of
    magnitude; Python refuses to print integers of more than 4,300 digits);
    texts, lists and tables longer than :data:`SHOWN_CHARACTERS` characters are
    cut, saying how long they were.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
        if abs(number) >= 10**18:
            digits = int(number.bit_length() * math.log10(2))  # no str(): it can refuse
            return f"{'-' if number < 0 else ''}1e{digits}-ish"
        return repr(number)
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # a nested list thousands deep; a huge integer inside
        return f"(a {type(value).__name__} too large to show)"
    if len(text) <= SHOWN_CHARACTERS:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters"
    return f"{text[: SHOWN_CHARACTERS - 10]}… ({size})"
