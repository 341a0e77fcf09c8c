"""Writing result files — tables (Parquet or CSV) and figures — all-or-nothing.

:func:`write_files` is the one way results reach the disk: it checks every
target first (a file name with a supported suffix, in an existing folder, not a
folder itself), writes every file to a temporary name beside its target, and
renames them all into place only when all have been written. An error or an
interruption never leaves a half-written file under a result's name, never
replaces one file of a set when another cannot be written, and never leaves a
temporary file behind.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.core.toml_checks import display_path

__all__ = [
    "FORMATS",
    "check_output_path",
    "check_targets",
    "table_paths",
    "table_writer",
    "write_files",
    "write_tables",
]

FORMATS = (".parquet", ".csv")
"""The file formats tables can be written in, by suffix."""

Writer = Callable[[Path], None]
"""Writes one file's contents to the path it is given (a temporary name)."""

_counter = itertools.count()


def check_output_path(
    path: str | os.PathLike[str], formats: Iterable[str] = FORMATS, what: str = "output file"
) -> Path:
    """Check that ``path`` can be a result file of one of ``formats``; return it as a Path.

    The name must be non-empty and end in one of ``formats``; its folder must
    exist; the path must not be a folder or anything but a regular file.

    Raises:
        AllianceSimError: naming ``what``, the path and what is allowed.
    """
    text = os.fspath(path)
    name = repr(display_path(text))
    formats = tuple(formats)
    if not text.strip():
        raise AllianceSimError(
            f"{what} {text!r}: an empty file name; give a file name ending in " + ", ".join(formats)
        )
    out = Path(text)
    if out.suffix.lower() not in formats:
        raise AllianceSimError(
            f"{what} {name}: unsupported file type {shown(out.suffix or '(none)')}; allowed are "
            + ", ".join(formats)
        )
    _check_target(out, what, name)
    return out


def _check_target(target: Path, what: str, name: str) -> None:
    """Refuse a target that is a folder or a special file, or whose folder does not exist."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as error:  # name too long, a NUL character, not a folder…
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        if isinstance(error, NotADirectoryError):
            reason = "a part of its folder is a file, not a folder"
        raise AllianceSimError(f"{what} {name}: cannot write it: {reason}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise AllianceSimError(f"{what} {name}: cannot write it: it is {kind}")
    folder = target.parent
    try:
        folder_ok = stat.S_ISDIR(os.stat(folder).st_mode)
    except (OSError, ValueError):
        folder_ok = False
    if not folder_ok:
        raise AllianceSimError(
            f"{what} {name}: the folder {display_path(str(folder))!r} does not exist"
        )


def check_targets(targets: Iterable[Path], what: str = "output file") -> None:
    """Check that every one of ``targets`` can be written (see :func:`check_output_path`)."""
    for target in targets:
        _check_target(target, what, repr(display_path(str(target))))


def _temporary(target: Path) -> Path:
    """A new, empty file beside ``target`` with a short name of its own (umask applies)."""
    suffix = target.suffix if len(target.suffix) <= 10 else ""
    while True:
        tmp = target.with_name(f".alliance-sim-{os.getpid()}-{next(_counter)}.tmp{suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


def write_files(writers: Mapping[Path, Writer], what: str = "output file") -> list[Path]:
    """Write every file of ``writers`` (target → writer) all-or-nothing; return the targets.

    Every target is checked before anything is written; each writer writes to a
    temporary file beside its target; only when all have succeeded are they
    renamed into place. On any failure (or Ctrl-C) every temporary file is
    removed and no target is touched.

    Raises:
        AllianceSimError: naming the file that could not be checked or written, and why.
    """
    targets = [Path(target) for target in writers]
    check_targets(targets, what)
    temporary: dict[Path, Path] = {}
    current = targets[0] if targets else Path()
    try:
        for target, write in zip(targets, writers.values(), strict=True):
            current = target
            temporary[target] = _temporary(target)
            write(temporary[target])
        for target, tmp in temporary.items():
            current = target
            os.replace(tmp, target)
    except OSError as error:
        reason = error.strerror or str(error)
        raise AllianceSimError(
            f"cannot write {display_path(str(current))}: {reason} (nothing was written)"
        ) from None
    finally:
        for tmp in temporary.values():
            with contextlib.suppress(OSError):  # never hide the real error behind this one
                tmp.unlink()
    return targets


def table_paths(path: Path, names: list[str]) -> dict[str, Path]:
    """Where each table goes: the first at ``path``, the others beside it as ``<stem>_<name><suffix>``."""
    out = {names[0]: path}
    for name in names[1:]:
        out[name] = path.with_name(f"{path.stem}_{name}{path.suffix}")
    return out


def table_writer(frame: pd.DataFrame, suffix: str) -> Writer:
    """A writer of ``frame`` as Parquet or CSV (by ``suffix``), for :func:`write_files`."""

    def write(path: Path) -> None:
        if suffix.lower() == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)

    return write


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    extra: Mapping[Path, Writer] | None = None,
) -> dict[str, Path]:
    """Write ``tables`` (first at ``path``, the rest beside it) all-or-nothing; return the paths.

    ``extra`` files (such as a figure) are written in the same all-or-nothing step.
    """
    target = check_output_path(path)
    paths = table_paths(target, list(tables))
    writers: dict[Path, Writer] = {
        paths[name]: table_writer(frame, target.suffix) for name, frame in tables.items()
    }
    writers.update(extra or {})
    write_files(writers)
    return paths
