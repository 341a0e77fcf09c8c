"""Named TOML files: the built-ins shipped in a package folder, or a user's file by path.

Scenarios and trial protocols are both found this way; each passes its own parser
and error class, so their messages name what they are ("scenario", "protocol").
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

__all__ = ["load_named", "read_builtins"]

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


def load_named(
    name_or_path: str | Path,
    builtins: dict[str, T],
    parse: Parse[T],
    error: type[Exception],
    kind: str,
) -> T:
    """A built-in by name, or a file by path; a clear ``error`` naming ``kind`` otherwise."""
    text = str(name_or_path)
    if text in builtins:
        return builtins[text]
    path = Path(text)
    if path.suffix == ".toml" or path.exists():
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise error(f"{path}: no such {kind} file") from None
        except (OSError, UnicodeDecodeError) as problem:
            raise error(f"{path}: cannot read the {kind} file: {problem}") from None
        return parse(content, str(path), path.stem)
    raise error(
        f"unknown {kind} {text!r}: use a built-in name ({', '.join(builtins)})"
        " or a path to a .toml file"
    )
