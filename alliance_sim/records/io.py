"""Writing result tables: Parquet or CSV, all-or-nothing.

Every file is first written to a temporary name beside its destination and
renamed into place only when all of them have been written, so an error or an
interruption never leaves a half-written result file under a result's name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from alliance_sim.core.errors import AllianceSimError

__all__ = ["FORMATS", "check_output_path", "table_paths", "write_tables"]

FORMATS = (".parquet", ".csv")
"""The file formats tables can be written in, by suffix."""


def check_output_path(path: str | Path) -> Path:
    """Check that ``path`` has a supported suffix and an existing folder; return it as a Path.

    Raises:
        AllianceSimError: naming the path and what is allowed.
    """
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise AllianceSimError(
            f"output file {str(path)!r}: unsupported file type {out.suffix or '(none)'!r}; allowed are "
            + ", ".join(FORMATS)
        )
    folder = out.parent
    if not folder.is_dir():
        raise AllianceSimError(
            f"output file {str(path)!r}: the folder {str(folder)!r} does not exist"
        )
    return out


def table_paths(path: Path, names: list[str]) -> dict[str, Path]:
    """Where each table goes: the first at ``path``, the others beside it as ``<stem>_<name><suffix>``."""
    out = {names[0]: path}
    for name in names[1:]:
        out[name] = path.with_name(f"{path.stem}_{name}{path.suffix}")
    return out


def _write(frame: pd.DataFrame, path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | Path) -> dict[str, Path]:
    """Write ``tables`` (first at ``path``, the rest beside it) all-or-nothing; return the paths."""
    target = check_output_path(path)
    paths = table_paths(target, list(tables))
    temporary: dict[str, Path] = {}
    try:
        for name, frame in tables.items():
            final = paths[name]
            tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
            temporary[name] = tmp
            _write(frame, tmp, final.suffix.lower())
        for name, tmp in temporary.items():
            os.replace(tmp, paths[name])
    except OSError as error:
        raise AllianceSimError(f"cannot write {target}: {error}") from None
    finally:
        for tmp in temporary.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return paths
