"""A file dropped on a page: read as text and parsed, or one clear message why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from alliance_sim.core.errors import AllianceSimError

__all__ = ["read_dropped"]

T = TypeVar("T")


def read_dropped(file: Any, parse: Callable[[str, str], T]) -> T:
    """``parse(text, name)`` of a file dropped on a Solara ``FileDrop``.

    Raises:
        AllianceSimError: for a file that is not UTF-8 text (naming it), or whatever
            ``parse`` raises for a file with a mistake.
    """
    try:
        text = file["data"].decode("utf-8")
    except UnicodeDecodeError:
        raise AllianceSimError(f"{file['name']}: not a text (UTF-8) file") from None
    return parse(text, file["name"])
