"""Named TOML files: the built-ins shipped in a package folder, or a user's file by path.

Scenarios, lessons and trial protocols are all found this way; each passes its
own parser and error class, so their messages name what they are ("scenario",
"protocol"). A path is read only through :func:`load_named`, which the command
line calls with the path the user typed; a file never names another file to
read (see :func:`builtin_named`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.core.toml_checks import display_path, read_text_file

__all__ = ["builtin_named", "load_named", "read_builtins"]

T = TypeVar("T")
Parse = Callable[[str, str, str], T]
"""``parse(text, source, default_name)`` → the parsed object (which has a ``name``)."""


def read_builtins(folder: Traversable, parse: Parse[T]) -> dict[str, T]:
    """Every ``*.toml`` in ``folder``, parsed, by name in alphabetical order."""
    out: dict[str, T] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            item = parse(
                entry.read_text(encoding="utf-8"), f"built-in {entry.name}", entry.name[:-5]
            )
            out[item.name] = item  # type: ignore[attr-defined]
    return out


def builtin_named(
    name: object, builtins: dict[str, T], error: type[AllianceSimError], kind: str
) -> T:
    """The built-in ``kind`` called ``name``; never a file, whatever ``name`` looks like.

    Raises:
        error: for anything but a built-in name (a path included), listing the names.
    """
    if isinstance(name, str) and name in builtins:
        return builtins[name]
    raise error(
        f"{kind} = {shown(name)} is not allowed: a built-in {kind} name, one of"
        f" {', '.join(builtins)}"
    )


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except (OSError, ValueError):  # missing, name too long, a NUL character…
        return False
    return True


def load_named(
    name_or_path: str | os.PathLike[str],
    builtins: dict[str, T],
    parse: Parse[T],
    error: type[AllianceSimError],
    kind: str,
) -> T:
    """A built-in by name, or a file by path; a clear ``error`` naming ``kind`` otherwise.

    A name that is not a built-in is read as a file when it ends in ``.toml``,
    contains a folder separator or names an existing file. The file is read with
    :func:`~alliance_sim.core.toml_checks.read_text_file`: a regular file, at most a
    megabyte, UTF-8 text.
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise error(f"{kind} = {shown(name_or_path)} is not allowed: a name or a path to a file")
    text = os.fspath(name_or_path)
    if not isinstance(text, str):
        raise error(f"{kind} = {shown(text)} is not allowed: a name or a path (as text)")
    if text in builtins:
        return builtins[text]
    if not text.strip():
        raise error(
            f"{kind} = {text!r} is empty: give a built-in name ({', '.join(builtins)})"
            " or a path to a .toml file"
        )
    path = Path(text)
    if path.suffix.lower() == ".toml" or os.sep in text or "/" in text or _exists(path):
        content = read_text_file(path, kind, error)
        return parse(content, display_path(path), path.stem or kind)
    raise error(
        f"unknown {kind} {shown(text)}: use a built-in name ({', '.join(builtins)})"
        " or a path to a .toml file"
    )
