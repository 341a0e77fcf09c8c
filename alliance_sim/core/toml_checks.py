"""Reading the project's TOML files, bounded: scenarios, experiments, protocols, lessons.

Every file format goes through the same two steps, whatever the file's kind:

* :func:`read_text_file` reads a file named on the command line: a regular file
  only (never a folder, a FIFO, a device or a symlink to one — checked with
  ``os.stat`` before opening, and opened non-blocking, so nothing can hang), at
  most :data:`MAX_FILE_BYTES`, read once, decoded as UTF-8.
  :func:`decode_upload` does the same for the bytes of an uploaded file, which
  never touches the filesystem.
* :func:`read_toml` parses the text: at most :data:`MAX_FILE_BYTES` characters,
  tables and arrays nested at most :data:`MAX_DEPTH` deep (checked by a scan
  *before* parsing, since Python's TOML parser recurses), whole numbers within
  TOML's 64-bit range and every float finite (no ``nan`` or ``inf``).

Each check raises the error class of the file's kind (``ScenarioError``,
``ExperimentError``, …) with a message that names the file, the key and what is
allowed. :func:`check_keys`, :func:`name_value` and :func:`not_allowed` are the
checks the formats' validators share.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.core.params import SCHEMA

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_INTEGER",
    "check_keys",
    "decode_upload",
    "display_path",
    "key_text",
    "name_value",
    "not_allowed",
    "read_text_file",
    "read_toml",
    "upload_name",
]

MAX_FILE_BYTES = 1_000_000
"""The largest file (scenario, experiment, protocol, lesson) read, in bytes: 1 MB.

The built-in files are at most a few kilobytes; a megabyte leaves room for a
hand-written file with long texts and stops a stray multi-gigabyte file (or
``/dev/zero``) from filling the memory."""

MAX_DEPTH = 32
"""The deepest nesting of tables and arrays in a file (the formats need at most 4)."""

MAX_INTEGER = 2**63 - 1
"""TOML's whole numbers are 64-bit: from ``-MAX_INTEGER - 1`` to ``MAX_INTEGER``."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as a message shows it: in full when short, cut in the middle when long."""
    text = os.fspath(path)
    if len(text) <= 80:
        return text
    return f"{text[:40]}…{text[-30:]} ({len(text):,} characters)"


def key_text(key: str) -> str:
    """A key as a message shows it: as is when it is a plain short name, else quoted and cut."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,60}", key):
        return key
    return shown(key)


def _kind_of(mode: int) -> str:
    for test, what in _KINDS:
        if test(mode):
            return what
    return "not a regular file"


def read_text_file(path: str | os.PathLike[str], kind: str, error: type[AllianceSimError]) -> str:
    """The text of the ``kind`` file at ``path`` (``kind`` such as ``"scenario"``).

    Refuses anything but a regular file before opening it (a FIFO would block, a
    device such as ``/dev/zero`` never ends), a file over :data:`MAX_FILE_BYTES`
    and a file that is not UTF-8 text (a leading byte-order mark is dropped).

    Raises:
        error: naming the file, what it is and what is allowed, for every case
            above and for an ``OSError`` (missing file, name too long, no permission).
    """
    name = display_path(path)
    what = f"the {kind} file"
    try:
        info = os.stat(path)  # follows symlinks: a link to a FIFO is a FIFO
    except FileNotFoundError:
        raise error(f"{name}: no such {kind} file") from None
    except (OSError, ValueError) as problem:  # ValueError: a NUL character in the name
        raise error(f"{name}: cannot read {what}: {_reason(problem)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(
            f"{name}: cannot read {what}: it is {_kind_of(info.st_mode)};"
            f" a {kind} file must be a regular file"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise _too_large(error, name, kind, info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as problem:
        raise error(f"{name}: cannot read {what}: {_reason(problem)}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped since the os.stat
            raise error(f"{name}: cannot read {what}: it is no longer a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(descriptor, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as problem:
        raise error(f"{name}: cannot read {what}: {_reason(problem)}") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(error, name, kind, len(data))
    return _decode(data, name, kind, error)


def upload_name(file_name: object, default: str = "uploaded file") -> str:
    """The name of an uploaded file as messages show it: its last part, printable, short.

    A browser sends whatever name it likes (``../../etc/passwd``); the name is
    only ever a label, never opened.
    """
    if not isinstance(file_name, str) or not file_name.strip():
        return default
    last = PurePath(file_name.replace("\\", "/")).name or default
    printable = "".join(c if c.isprintable() else "?" for c in last)
    return printable if len(printable) <= 80 else printable[:60] + "…" + printable[-15:]


def decode_upload(data: bytes | str, source: str, kind: str, error: type[AllianceSimError]) -> str:
    """The text of an uploaded ``kind`` file (bytes or already text), bounded like a file.

    Raises:
        error: for more than :data:`MAX_FILE_BYTES`, or bytes that are not UTF-8 text.
    """
    if isinstance(data, str):
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(error, source, kind, len(data), "characters")
        return data.removeprefix("\ufeff")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise error(f"{source}: the {kind} file's contents must be bytes or text")
    data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(error, source, kind, len(data))
    return _decode(data, source, kind, error)


def _decode(data: bytes, source: str, kind: str, error: type[AllianceSimError]) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as problem:
        raise error(
            f"{source}: the {kind} file is not UTF-8 text (byte {problem.start + 1} is"
            f" {data[problem.start]:#04x}); save it as UTF-8 text"
        ) from None


def _too_large(
    error: type[AllianceSimError], source: str, kind: str, size: int, unit: str = "bytes"
) -> AllianceSimError:
    return error(
        f"{source}: the {kind} file is too large ({size:,} {unit}); at most"
        f" {MAX_FILE_BYTES:,} {unit} are allowed"
    )


def _reason(problem: BaseException) -> str:
    if isinstance(problem, OSError) and problem.strerror:
        return problem.strerror
    return str(problem)


_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # multi-line basic string (escapes inside)
    r"|'''.*?'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[{]|[\]}]"  # what nests
    r"|[^\"'#\[\]{}]+"  # everything else, in runs
    r"|.",  # an unterminated quote: the parser will say so
    re.DOTALL,
)


def _bracket_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings and comments (no recursion)."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
    return deepest


def read_toml(text: str, source: str, error: type[AllianceSimError]) -> dict[str, Any]:
    """The TOML ``text`` as a dict, checked to be bounded; ``error`` naming ``source`` otherwise.

    Refuses text over :data:`MAX_FILE_BYTES` characters, tables or arrays nested
    more than :data:`MAX_DEPTH` deep (before parsing: the parser recurses), whole
    numbers outside TOML's 64-bit range and floats that are ``nan`` or ``inf``.
    A message names the key (``arms[1].parameters.n_patients``) and, for a
    parameter, its allowed values.
    """
    if not isinstance(text, str):
        raise error(f"{source}: the file's contents must be text, not {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise _too_large(error, source, "TOML", len(text), "characters")
    if _bracket_depth(text) > MAX_DEPTH:
        raise _too_deep(error, source, "a value")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: not valid TOML: {problem}") from None
    except RecursionError:  # the scan above should have stopped it; never a traceback
        raise _too_deep(error, source, "a value") from None
    except ValueError:  # Python refuses to read a whole number of more than 4,300 digits
        long = re.search(r"[0-9_]{4300,}", text)
        line = f" (line {text.count(chr(10), 0, long.start()) + 1})" if long else ""
        raise error(
            f"{source}: a number of more than 4,300 digits{line} is not allowed:"
            f" whole numbers go from {-MAX_INTEGER - 1} to {MAX_INTEGER}"
        ) from None
    _check_values(data, source, error)
    return data


def _too_deep(error: type[AllianceSimError], source: str, where: str) -> AllianceSimError:
    return error(
        f"{source}: {where} is nested more than {MAX_DEPTH} levels deep (tables and arrays"
        f" inside each other); at most {MAX_DEPTH} are allowed"
    )


def _check_values(data: dict[str, Any], source: str, error: type[AllianceSimError]) -> None:
    """Walk ``data`` without recursion: depth, 64-bit whole numbers, finite floats."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                raise _too_deep(error, source, key or "a value")
            for name, item in value.items():
                stack.append((item, f"{key}.{name}" if key else str(name), depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                raise _too_deep(error, source, key or "a value")
            for index, item in enumerate(value):
                stack.append((item, f"{key}[{index}]", depth + 1))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            raise _bad_number(
                error,
                source,
                key,
                value,
                f"a whole number from {-MAX_INTEGER - 1} to {MAX_INTEGER}",
            )
        elif isinstance(value, float) and not math.isfinite(value):
            raise _bad_number(error, source, key, value, "a finite number")


def _bad_number(
    error: type[AllianceSimError], source: str, key: str, value: float, allowed: str
) -> AllianceSimError:
    """The error for a number no file may hold; a parameter's says the parameter's range."""
    last = re.split(r"[.\[]", key)[-1]
    if last in SCHEMA:
        try:
            SCHEMA[last].validate(value)
        except AllianceSimError as problem:  # "n_patients = 1e400-ish is out of range: …"
            return error(f"{source}: {key}: {problem}")
    return not_allowed(error, source, key, value, allowed)


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
                f"{source}: unknown key {shown(where + key)}{hint}; allowed keys are "
                + ", ".join(allowed)
            )


def not_allowed(
    error: type[AllianceSimError], source: str, key: str, value: Any, allowed: str
) -> AllianceSimError:
    """The error for ``key = value`` in ``source``, saying what is ``allowed``."""
    return error(f"{source}: {key} = {shown(value)} is not allowed: {allowed}")


def name_value(
    value: Any,
    names: Iterable[str],
    source: str,
    key: str,
    error: type[AllianceSimError],
    what: str,
) -> str:
    """``value`` if it is one of ``names``; otherwise ``error`` naming the key and the names.

    A list or a table where a name is expected gets the same message as a wrong
    name (never ``TypeError: unhashable``). ``what`` describes a name, such as
    ``"a metric"``.
    """
    allowed = tuple(names)
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(name if len(name) <= 60 else shown(name) for name in allowed)
        raise not_allowed(error, source, key, value, f"{what}, one of {listed}")
    return value
