"""The results folder: one sweep at a time, one experiment, whole files, checked on resume.

Layout::

    RESULTS_DIR/
      sweep.lock           the lock of the sweep writing the folder (who holds it: pid, host, start)
      manifest.json        the experiment and its fingerprint, the resolved parameters, package
                           and dependency versions, the number of runs, every session's times
      design.parquet       one row per run: run_id, point, replicate, seed, varied parameters
      runs/part-*.parquet  one row per finished run (see :data:`RUN_COLUMNS`)
      sessions/part-*.parquet   per-session clinic means per run, when asked for
      quarantine/          files set aside when a resume found them damaged or foreign

**One sweep at a time.** A sweep holds an exclusive :func:`fcntl.flock` on
``sweep.lock`` from before it reads anything until it has finished (compaction
included); a second sweep or resume on the folder is refused at once with
:class:`FolderInUseError`, naming the holder. The operating system releases the
lock when its process dies, so a sweep killed with ``kill -9`` never blocks the
next one. ``alliance-sim analyse`` reads under a shared lock.

**One experiment.** The folder's *fingerprint* — a SHA-256 of the canonical JSON of
the experiment (seed included), its resolved parameters, its outputs and the design
table — is written to the manifest before the first run and into the Parquet
metadata of every part file. A sweep of another experiment (another seed, another
design, a changed scenario file) is refused; a folder whose manifest is missing is
resumed only if every part carries this experiment's fingerprint.

**Whole runs.** Every file is written under a temporary name (``.<name>.tmp``, which
readers skip) and renamed into place with :func:`os.replace`, so a crash leaves
only whole files: ``pandas.read_parquet(RESULTS_DIR / "runs")`` and DuckDB read
every finished run. The rows a run adds to extra tables (``sessions``) are written
first and its run row last, in a runs part that records how many extra rows
belong to its runs: the runs part is the commit record, and rows without one are
not part of the results.

**Checked on resume.** Before a resume runs anything, every part is read in full
(Parquet page checksums verified): a part that is unreadable, carries another
fingerprint, has other columns, or repeats runs stored elsewhere (a copied file),
and extra rows whose runs were never committed (a sweep killed between its
files), are moved to ``quarantine/`` with a one-line note, and their runs run
again. A damaged ``design.parquet`` is rebuilt from the experiment (checked
against the fingerprint) and a damaged ``compacting.json`` is set aside.

**Full disks.** A write that finds the disk full raises :class:`DiskFullError`
(how many runs are kept, about how much space the rest needs, how much is free);
the finished runs stay whole. :meth:`ResultStore.compact` merges parts in groups
that fit the free space and skips with a note when none does: the part files are
complete and readable as they are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import sys
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alliance_sim.batch.design import DESIGN_COLUMNS
from alliance_sim.core.errors import AllianceSimError

__all__ = [
    "FORMAT",
    "RUN_COLUMNS",
    "DiskFullError",
    "FolderInUseError",
    "ResultStore",
    "design_digest",
    "fingerprint",
    "run_schema",
    "versions",
]

FORMAT = 2
"""The version of the folder layout, recorded in the manifest (2: fingerprints and locks)."""

RUN_COLUMNS: tuple[str, ...] = ("status", "error", "wall_s")
"""The columns after the outputs in every run row: ``status`` ("ok", "error" or
"failed" when its worker died), ``error`` (the message, empty when ok) and
``wall_s`` (seconds of work, the point's call divided among its runs)."""

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
COMPACTING = "compacting.json"
LOCK = "sweep.lock"
QUARANTINE = "quarantine"
RUNS = "runs"
NOT_TABLES = (RUNS, QUARANTINE, "analysis")
"""Folder names that are not extra tables."""

STATUSES = ("ok", "error", "failed")
META_FINGERPRINT = b"alliance_sim.fingerprint"
META_UNIT = b"alliance_sim.unit"
"""Parquet metadata keys: the folder's fingerprint; in a runs part, its extra rows per table."""

TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
PART_NAME = re.compile(r"^part-[A-Za-z0-9_-]{1,100}\.parquet$")
STAGED_NAME = re.compile(r"^\.part-[A-Za-z0-9_-]{1,100}\.parquet\.staged$")

COMPACT_GROUP_BYTES = 256 * 2**20
"""The most part-file bytes merged into one file (bounds compaction's memory)."""
SPACE_MARGIN_BYTES = 64 * 2**10
"""Free space compaction leaves beyond the merged file (for its marker and the manifest)."""

PACKAGES = ("alliance-sim", "numpy", "pandas", "scipy", "SALib", "pyarrow", "mesa", "dask")


class FolderInUseError(AllianceSimError):
    """The results folder is locked by another sweep (or read by another process)."""

    holder: str | None = None
    """Who holds it, when the lock file says (``sweep pid … on host, since …: command``)."""


class DiskFullError(AllianceSimError):
    """A write found the disk (or the quota) full; the finished runs are kept."""


def versions() -> dict[str, str]:
    """Python's and the packages' versions (absent packages are left out)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def now() -> str:
    """The time now, UTC, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def run_schema(design: pd.DataFrame, outputs: Sequence[str]) -> pa.Schema:
    """The Arrow schema of the run table: design columns, outputs, status, error, wall_s."""
    fields = list(pa.Schema.from_pandas(design.head(0), preserve_index=False))
    fields += [pa.field(name, pa.float64()) for name in outputs]
    fields += [
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("wall_s", pa.float64()),
    ]
    return pa.schema(fields)


# --- fingerprints ---------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    """``value`` as canonical JSON (sorted keys, no spaces; numpy values as Python values)."""

    def plain(v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, Path):
            return str(v)
        return v

    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), default=str)


def design_digest(design: pd.DataFrame) -> str:
    """A SHA-256 of a design table's column names and values (not of its file)."""
    digest = hashlib.sha256()
    for name in design.columns:
        values = design[name].to_numpy()
        kind = values.dtype.kind
        digest.update(json.dumps([str(name), kind if kind in "iufb" else "text"]).encode())
        if kind in "iu":
            digest.update(values.astype("<i8").tobytes())
        elif kind == "f":
            digest.update(values.astype("<f8").tobytes())
        elif kind == "b":
            digest.update(values.astype("u1").tobytes())
        else:
            digest.update(json.dumps([str(v) for v in values]).encode())
    return digest.hexdigest()


def fingerprint(
    design: pd.DataFrame,
    outputs: Sequence[str],
    experiment: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The folder's identity: a SHA-256 of the experiment, ``extra``, outputs and design."""
    identity = {
        "experiment": experiment,
        "extra": extra or {},
        "outputs": list(outputs),
        "design": design_digest(design),
    }
    return hashlib.sha256(_canonical(identity).encode()).hexdigest()


# --- small helpers ------------------------------------------------------------------------------


def _mb(n_bytes: float) -> str:
    """A size for a message: ``12 kB``, ``3.4 MB``, ``1.5 GB``."""
    if n_bytes >= 2**30:
        return f"{n_bytes / 2**30:.1f} GB"
    if n_bytes >= 2**20:
        mb = n_bytes / 2**20
        return f"{mb:.1f} MB" if mb < 10 else f"{mb:,.0f} MB"
    return f"{max(n_bytes, 0) / 2**10:,.0f} kB"


def _short(error: BaseException, limit: int = 160) -> str:
    """An exception as ``Type: message`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(error).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _fsync(path: Path) -> None:
    with open(path, "rb") as written:
        os.fsync(written.fileno())


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _write_json(path: Path, data: Any) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())

    _write_atomic(path, write)


def _write_parquet(path: Path, table: pa.Table) -> None:
    def write(tmp: Path) -> None:
        pq.write_table(table, tmp, write_page_checksum=True)
        _fsync(tmp)

    _write_atomic(path, write)


def _with_metadata(table: pa.Table, entries: Mapping[bytes, str]) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta.update({key: value.encode() for key, value in entries.items()})
    return table.replace_schema_metadata(meta)


def _part_meta(schema: pa.Schema, key: bytes) -> str | None:
    value = (schema.metadata or {}).get(key)
    return value.decode("utf-8", "replace") if value is not None else None


def _unit(schema: pa.Schema) -> dict[str, int] | None:
    """A runs part's count of extra rows per table (None: not recorded)."""
    text = _part_meta(schema, META_UNIT)
    if text is None:
        return None
    try:
        unit = json.loads(text)
    except ValueError:
        return None
    if not isinstance(unit, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in unit.items()
    ):
        return None
    return unit


def _family(kind: pa.DataType) -> str:
    """A type's family, so that parts written by other library versions still match."""
    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    if pa.types.is_boolean(kind):
        return "bool"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_dictionary(kind):
        return _family(kind.value_type)
    if pa.types.is_null(kind):
        return "null"
    return str(kind)


def _same_columns(schema: pa.Schema, expected: pa.Schema) -> bool:
    if schema.names != expected.names:
        return False
    for got, want in zip(schema, expected, strict=True):
        a, b = _family(got.type), _family(want.type)
        if a != b and "null" not in (a, b):
            return False
    return True


# --- the lock -------------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class _Lock:
    """An flock on ``RESULTS_DIR/sweep.lock``; the exclusive holder records who it is."""

    def __init__(self, fd: int, exclusive: bool) -> None:
        self.fd: int | None = fd
        self.exclusive = exclusive
        self._finalizer = weakref.finalize(self, _close_fd, fd)

    @classmethod
    def take(cls, folder: Path, exclusive: bool) -> _Lock:
        """Lock ``folder`` now or raise :class:`FolderInUseError` (never waits).

        Exclusive for a sweep, shared for a reader; the error's ``holder`` says who
        holds it.
        """
        path = folder / LOCK
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise AllianceSimError(
                f"{folder}: cannot open its lock file {LOCK} ({error.strerror or error})"
            ) from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if exclusive:
                busy = FolderInUseError(
                    f"{folder}: in use by"
                    f" {holder or 'another process (a sweep, or analyse reading it)'};"
                    " a results folder takes one sweep at a time: wait for it to finish, or"
                    " choose another results folder"
                )
            else:
                busy = FolderInUseError(
                    f"{folder}: a sweep is writing it ({holder or 'another process'});"
                    " analyse it when the sweep has finished"
                )
            busy.holder = holder
            raise busy from None
        except OSError as error:
            os.close(fd)
            raise AllianceSimError(
                f"{folder}: cannot lock {LOCK} ({error.strerror or error})"
            ) from None
        lock = cls(fd, exclusive)
        if exclusive:
            lock._record()
        return lock

    def _record(self) -> None:
        """Write who holds the lock (best effort: a full disk must not stop the sweep)."""
        assert self.fd is not None
        command = " ".join(["alliance-sim" if i == 0 else a for i, a in enumerate(sys.argv)])
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": now(),
            "command": command[:300],
        }
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        if self.fd is None:
            return
        if self.exclusive:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
        self._finalizer()  # closing the descriptor releases the flock
        self.fd = None


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _holder(fd: int) -> str | None:
    """Who holds the lock (``sweep pid 12 on host, since …: command``), if it says."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    pid, host = data["pid"], str(data.get("host", "?"))
    if host == socket.gethostname() and not _alive(pid):
        return None  # a sweep that died: the lock is held by someone else (a reader)
    return (
        f"sweep pid {pid} on {host}, since {data.get('started', '?')}: {data.get('command', '?')}"
    )


# --- the store ------------------------------------------------------------------------------------


class ResultStore:
    """One results folder.

    Open it with :meth:`prepare` (a sweep: locked, created or checked and repaired),
    :meth:`create` (a new folder only) or :meth:`open` (to read). A prepared or
    created store holds the folder's lock until :meth:`close` (or the end of a
    ``with`` block, or the process).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.notes: list[str] = []
        """One-line notes on what opening or compacting did (parts set aside, …)."""
        self._lock: _Lock | None = None
        self._fingerprint: str | None = None
        self._n_runs = 0
        self._stored = 0
        self._legacy = False
        self._tables: list[str] = []
        self._design: pd.DataFrame | None = None
        self._new: tuple[Path | None, list[Path]] | None = None

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def prepare(
        cls,
        folder: str | Path,
        design: pd.DataFrame | Callable[[], pd.DataFrame],
        outputs: Sequence[str],
        experiment: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        *,
        resume: bool = True,
    ) -> ResultStore:
        """Lock ``folder`` and make it ready for a sweep of ``design``: new, or checked.

        A new folder gets a manifest (with the fingerprint) and the design before any
        run. An existing one must hold the same experiment (its fingerprint); its parts
        are checked and damaged or foreign ones are set aside (:attr:`notes` says which).

        Args:
            folder: the results folder (made if missing).
            design: the design table, or a function that makes it (called once the
                folder is locked, so that a refusal does not wait for a large design).
            outputs: the output columns.
            experiment: the experiment as plain data (recorded in the manifest).
            extra: more manifest entries, part of the fingerprint too (e.g. the
                resolved parameters).
            resume: False refuses a folder that already holds results.

        Raises:
            FolderInUseError: when another sweep holds the folder.
            DiskFullError: when the disk is full.
            AllianceSimError: for a folder of another experiment, or one that cannot
                be written.
        """
        store = cls(folder)
        created = store._make_folder()
        store._lock = _Lock.take(store.folder, exclusive=True)
        written: list[Path] = []
        try:
            if callable(design):  # made only once the folder is ours: refusals come at once
                design = design()
            store._design = design
            store._set_up(design, outputs, experiment, extra, resume, written)
        except BaseException:
            store._undo(created, written)  # before the lock goes: nobody else writes meanwhile
            store.close()
            raise
        store._new = (created, written) if store._stored == 0 and written else None
        return store

    def discard_new(self) -> None:
        """Undo :meth:`prepare` if it made the folder (or its manifest) and nothing is stored.

        For a sweep that could not start (e.g. its executor cannot): it leaves no
        empty results folder behind. Does nothing to a folder that held results.
        """
        if self._new is not None and self._stored == 0 and self._lock is not None:
            self._undo(*self._new)
            self._new = None

    @classmethod
    def create(
        cls,
        folder: str | Path,
        design: pd.DataFrame,
        outputs: Sequence[str],
        experiment: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ResultStore:
        """Make a new results folder holding ``design`` and a manifest (locked, as :meth:`prepare`).

        Raises:
            AllianceSimError: when the folder already holds results or cannot be written.
        """
        return cls.prepare(folder, design, outputs, experiment, extra, resume=False)

    @classmethod
    def open(cls, folder: str | Path) -> ResultStore:
        """Open an existing results folder to read it.

        Finishes an interrupted compaction when no sweep holds the folder.

        Raises:
            AllianceSimError: when ``folder`` is not a results folder or its manifest
                cannot be read.
        """
        store = cls(folder)
        try:
            found = (store.folder / MANIFEST).is_file()
        except OSError as error:  # e.g. a name too long
            raise AllianceSimError(f"{store.folder}: {error.strerror or error}") from None
        if not found:
            raise AllianceSimError(
                f"{store.folder}: not a results folder (no {MANIFEST});"
                " `alliance-sim sweep` writes one"
            )
        if (store.folder / COMPACTING).exists() or any(store.folder.glob("*/.*.staged")):
            try:
                lock = _Lock.take(store.folder, exclusive=True)
            except AllianceSimError:
                lock = None  # a sweep is at work (or the folder is read-only): read as it is
            if lock is not None:
                try:
                    store._recover()
                finally:
                    lock.release()
        store._load(store.manifest())
        return store

    @staticmethod
    def exists(folder: str | Path) -> bool:
        """Whether ``folder`` holds a results folder."""
        try:
            return (Path(folder) / MANIFEST).is_file()
        except OSError:
            return False

    def close(self) -> None:
        """Release the folder's lock (if this store holds it)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    @property
    def locked(self) -> bool:
        """Whether this store holds the folder's lock (it may write)."""
        return self._lock is not None

    @property
    def stored(self) -> int:
        """How many runs are stored (known after :meth:`prepare` and kept up to date)."""
        return self._stored

    @property
    def fingerprint(self) -> str | None:
        """The folder's fingerprint (None for a folder written before fingerprints)."""
        return self._fingerprint

    def table_names(self) -> list[str]:
        """The folder's tables: ``runs`` and the extra tables (``sessions``)."""
        return [RUNS, *self._extra_tables()]

    @property
    def n_runs(self) -> int:
        """How many runs the design has."""
        return self._n_runs

    @contextlib.contextmanager
    def reading(self) -> Iterator[ResultStore]:
        """Hold a shared lock while reading, so that no sweep writes meanwhile.

        Raises:
            FolderInUseError: when a sweep holds the folder.
        """
        try:
            lock: _Lock | None = _Lock.take(self.folder, exclusive=False)
        except FolderInUseError:
            raise
        except AllianceSimError:
            lock = None  # a read-only folder: nobody can write it either
        try:
            yield self
        finally:
            if lock is not None:
                lock.release()

    # --- setting up ------------------------------------------------------------------------------

    def _make_folder(self) -> Path | None:
        """Make the folder (and missing parents); the highest folder made, if any."""
        made = None
        try:
            for folder in [self.folder, *self.folder.parents]:
                if folder.exists():
                    break
                made = folder
            self.folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise AllianceSimError(
                f"{self.folder}: cannot be a results folder: it is a file"
            ) from None
        except OSError as error:
            raise self._failed(error, self.folder, "cannot make the results folder") from None
        return made

    def _undo(self, made: Path | None, written: list[Path]) -> None:
        """After a failed set-up: remove what it wrote (all of it, if it made the folder)."""
        if made is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            for parent in self.folder.parents:  # the parents it made, if still empty
                if not parent.is_relative_to(made):
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()
            return
        for path in reversed(written):
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()

    def _set_up(
        self,
        design: pd.DataFrame,
        outputs: Sequence[str],
        experiment: Mapping[str, Any] | None,
        extra: Mapping[str, Any] | None,
        resume: bool,
        written: list[Path],
    ) -> None:
        self._recover()
        mark = fingerprint(design, outputs, experiment, extra)
        manifest = self._manifest_or_none()
        parts = self._any_parts()
        if manifest is not None and not resume:
            raise AllianceSimError(f"{self.folder}: already holds results")
        if manifest is None:
            if parts and not resume:
                raise AllianceSimError(f"{self.folder}: already holds part files")
            if parts:
                self._adopt(parts, mark)
            manifest = {
                "format": FORMAT,
                "fingerprint": mark,
                "design_digest": design_digest(design),
                "experiment": dict(experiment) if experiment is not None else None,
                "outputs": list(outputs),
                "factors": [c for c in design.columns if c not in DESIGN_COLUMNS],
                "n_runs": len(design),
                "tables": [],
                "created": now(),
                "finished": None,
                "versions": versions(),
                "sessions": [],
                **dict(extra or {}),
            }
            if parts:
                manifest["rebuilt"] = now()
            self._write_manifest(manifest, written)
        else:
            self._check_identity(manifest, mark, design, outputs, experiment, extra)
            manifest = self.manifest()
        self._load(manifest)
        self._check_design(design, written)
        runs = self.folder / RUNS
        if not runs.is_dir():
            try:
                runs.mkdir()
            except OSError as error:
                raise self._failed(error, runs) from None
            written.append(runs)
        self.clean_temporary()
        self._verify(design)

    def _load(self, manifest: Mapping[str, Any]) -> None:
        self._fingerprint = manifest.get("fingerprint")
        self._legacy = int(manifest.get("format", 1) or 1) < FORMAT
        try:
            self._n_runs = int(manifest.get("n_runs", 0))
        except (TypeError, ValueError):
            self._n_runs = 0
        tables = manifest.get("tables")
        self._tables = [t for t in tables if isinstance(t, str)] if isinstance(tables, list) else []

    def _manifest_or_none(self) -> dict[str, Any] | None:
        """The manifest; None if missing or unreadable (an unreadable one is set aside)."""
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            problem = _manifest_problem(manifest)
        except (OSError, ValueError, RecursionError) as error:
            problem = f"unreadable ({_short(error)})"
        if problem is not None:
            self._quarantine(path, problem, "")
            return None
        return dict(manifest)

    def _any_parts(self) -> list[Path]:
        """Every part file in the folder's table folders."""
        return sorted(
            path
            for path in self.folder.glob("*/*.parquet")
            if path.parent.name not in (QUARANTINE, "analysis") and not path.name.startswith(".")
        )

    def _adopt(self, parts: list[Path], mark: str) -> None:
        """Parts without a manifest: keep them only if all carry this experiment's fingerprint."""
        foreign = []
        for part in parts:
            try:
                got = _part_meta(pq.read_schema(part), META_FINGERPRINT)
            except Exception:
                got = None
            if got != mark:
                foreign.append(part)
        if foreign:
            raise AllianceSimError(
                f"{self.folder}: has no {MANIFEST} but holds {len(parts)} part files, of which"
                f" {len(foreign)} (e.g. {foreign[0].relative_to(self.folder)}) are not of this"
                " experiment (another seed or spec, or unknown): they cannot be resumed without"
                " mixing experiments; choose another results folder or delete this one"
            )
        self.notes.append(
            f"{MANIFEST} was missing; rebuilt it: all {len(parts)} part files carry this"
            " experiment's fingerprint"
        )

    def _check_identity(
        self,
        manifest: Mapping[str, Any],
        mark: str,
        design: pd.DataFrame,
        outputs: Sequence[str],
        experiment: Mapping[str, Any] | None,
        extra: Mapping[str, Any] | None,
    ) -> None:
        recorded = manifest.get("fingerprint")
        if recorded == mark:
            return
        if recorded is None:  # written before fingerprints: compare as before, then record it
            old = manifest.get("experiment")
            same = _canonical(old) == _canonical(experiment) and list(
                manifest.get("outputs", [])
            ) == list(outputs)
            if same:
                try:
                    same = design_digest(pd.read_parquet(self.folder / DESIGN)) == design_digest(
                        design
                    )
                except Exception:
                    same = False
            if same:
                self.update_manifest(fingerprint=mark, design_digest=design_digest(design))
                return
        raise AllianceSimError(
            f"{self.folder}: holds the results of a different experiment"
            f" ({_differences(manifest, experiment, extra, outputs)});"
            " choose another results folder (--results) or delete this one"
        )

    def _check_design(self, design: pd.DataFrame, written: list[Path]) -> None:
        """Rewrite a missing or damaged ``design.parquet`` from the design (same fingerprint)."""
        path = self.folder / DESIGN
        if path.exists():
            try:
                if design_digest(pd.read_parquet(path)) == design_digest(design):
                    return
                why = "it differs from the design this experiment makes"
            except Exception as error:
                why = f"unreadable ({_short(error)})"
            self._quarantine(path, why, "")
            self.notes[-1] += "; rewritten from the experiment (it matches the fingerprint)"
        try:
            _write_parquet(path, pa.Table.from_pandas(design, preserve_index=False))
        except OSError as error:
            raise self._failed(error, path) from None
        written.append(path)

    # --- checking parts on resume ----------------------------------------------------------------

    def _verify(self, design: pd.DataFrame) -> None:
        """Check every part; set aside the damaged, foreign and repeated ones and orphan rows."""
        n_runs = self._n_runs
        expected = run_schema(design, self.manifest()["outputs"])
        committed = np.zeros(n_runs, dtype=bool)
        owner = np.full(n_runs, -1, dtype=np.int64)
        runs_parts: list[tuple[Path, np.ndarray, dict[str, int] | None]] = []
        for part in self.parts(RUNS):
            problem, table = self._check_part(part, expected)
            ids = np.zeros(0, dtype=np.int64)
            if problem is None and table is not None:
                ids, problem = self._check_ids(table, n_runs)
                if problem is None:
                    status = set(table.column("status").to_pylist())
                    if not status <= set(STATUSES):
                        problem = f"unknown status {sorted(map(str, status - set(STATUSES)))[0]!r}"
                if problem is None and committed[ids].any():
                    first = runs_parts[int(owner[ids[committed[ids]][0]])][0]
                    copy = "a copy of runs" if committed[ids].all() else "runs"
                    problem = f"it repeats {copy} already stored in {first.name}"
            if problem is not None:
                self._quarantine(part, problem, "its runs run again")
                continue
            assert table is not None
            committed[ids] = True
            owner[ids] = len(runs_parts)
            runs_parts.append((part, ids, _unit(table.schema)))
        counts = self._verify_extras(committed)
        # a runs part whose extra rows are not all there: its runs run again
        dropped = False
        for part, ids, unit in runs_parts:
            if unit is None:
                continue
            for name, want in unit.items():
                got = int(counts[name][ids].sum()) if name in counts else 0
                if got != want:
                    self._quarantine(
                        part,
                        f"{want} {name} rows belong to its runs but {got} are stored",
                        "its runs run again",
                    )
                    committed[ids] = False
                    dropped = True
                    break
        if dropped:
            self._verify_extras(committed)
        self._stored = int(committed.sum())

    def _extra_tables(self) -> list[str]:
        names = [t for t in self._tables if TABLE_NAME.match(t) and t not in NOT_TABLES]
        if "sessions" not in names and (self.folder / "sessions").is_dir():
            names.append("sessions")
        return names

    def _verify_extras(self, committed: np.ndarray) -> dict[str, np.ndarray]:
        """Check the extra tables' parts; return each table's row count per run."""
        counts: dict[str, np.ndarray] = {}
        for name in self._extra_tables():
            count = np.zeros(len(committed), dtype=np.int64)
            taken = np.zeros(len(committed), dtype=bool)
            reference: pa.Schema | None = None
            for part in self.parts(name):
                problem, table = self._check_part(part, reference)
                ids = np.zeros(0, dtype=np.int64)
                if problem is None and table is not None:
                    ids, problem = self._check_ids(table, len(committed), unique=False)
                if problem is not None or table is None:
                    self._quarantine(part, str(problem), "its runs run again")
                    continue
                if reference is None:
                    reference = table.schema
                orphan = ~committed[ids]
                repeated = taken[ids] & ~orphan
                keep = ~(orphan | repeated)
                if not keep.all():
                    why = (
                        f"{int(orphan.sum())} rows of runs whose run rows are not stored"
                        " (never committed: a sweep stopped between its files, or their runs"
                        " part was set aside)"
                        if orphan.any()
                        else ""
                    )
                    if repeated.any():
                        why += ("; " if why else "") + f"{int(repeated.sum())} rows stored twice"
                    self._split_off(part, table, keep, why)
                kept_ids = ids[keep]
                np.add.at(count, kept_ids, 1)
                taken[np.unique(kept_ids)] = True
            counts[name] = count
        return counts

    def _check_part(
        self, part: Path, expected: pa.Schema | None
    ) -> tuple[str | None, pa.Table | None]:
        """Read ``part`` in full; the problem that excludes it, if any."""
        if not part.is_file() or part.is_symlink():
            return "not a regular part file", None
        try:
            table = pq.read_table(part, page_checksum_verification=True)
        except Exception as error:
            return f"unreadable ({_short(error).replace(str(part), part.name)})", None
        problem = self._foreign(table.schema, expected)
        return problem, (table if problem is None else None)

    def _foreign(self, schema: pa.Schema, expected: pa.Schema | None) -> str | None:
        """Why a part with ``schema`` is not of this folder's experiment, if it is not."""
        mark = _part_meta(schema, META_FINGERPRINT)
        if mark is None and not self._legacy:
            return "it carries no fingerprint (it was not written by this sweep)"
        if mark is not None and mark != self._fingerprint:
            return "it was written by another experiment (its fingerprint differs)"
        if expected is not None and not _same_columns(schema, expected):
            return "its columns differ from this experiment's"
        if "run_id" not in schema.names or not pa.types.is_integer(schema.field("run_id").type):
            return "it has no integer run_id column"
        return None

    @staticmethod
    def _check_ids(
        table: pa.Table, n_runs: int, unique: bool = True
    ) -> tuple[np.ndarray, str | None]:
        column = table.column("run_id")
        if column.null_count:
            return np.zeros(0, np.int64), "a run_id is missing"
        ids = column.to_numpy().astype(np.int64, copy=False)
        if len(ids) and (ids.min() < 0 or ids.max() >= n_runs):
            return ids, f"run ids outside the design (0 to {n_runs - 1})"
        if unique and len(np.unique(ids)) != len(ids):
            return ids, "it holds a run twice"
        return ids, None

    def _split_off(self, part: Path, table: pa.Table, keep: np.ndarray, why: str) -> None:
        """Move the rows of ``part`` not in ``keep`` to quarantine (the whole file if none stay)."""
        if not keep.any():
            self._quarantine(part, f"it holds {why}", "")
            return
        table = _with_metadata(table, {META_FINGERPRINT: self._fingerprint or ""})
        aside = self._quarantine_path(part)
        try:
            _write_parquet(aside, table.filter(pa.array(~keep)))
            _write_parquet(part, table.filter(pa.array(keep)))
        except OSError as error:
            raise self._failed(error, part) from None
        rel = part.relative_to(self.folder)
        self.notes.append(
            f"{rel}: {int((~keep).sum())} of its {len(keep)} rows set aside in"
            f" {QUARANTINE}/{aside.name}: {why}"
        )

    def _quarantine_path(self, path: Path) -> Path:
        folder = self.folder / QUARANTINE
        folder.mkdir(exist_ok=True)
        stem = path.name if path.parent == self.folder else f"{path.parent.name}-{path.name}"
        target = folder / stem
        while target.exists():
            target = folder / f"{uuid.uuid4().hex[:6]}-{stem}"
        return target

    def _quarantine(self, path: Path, why: str, then: str) -> None:
        """Move ``path`` to ``quarantine/`` with a note saying why."""
        try:
            target = self._quarantine_path(path)
            os.replace(path, target)
        except OSError as error:
            raise self._failed(error, path, "cannot set aside a damaged file") from None
        self._note_quarantine(path, target, why, then)

    def _note_quarantine(self, path: Path, target: Path, why: str, then: str) -> None:
        rel = path.relative_to(self.folder)
        self.notes.append(
            f"{rel} set aside in {QUARANTINE}/{target.name}: {why}" + (f"; {then}" if then else "")
        )

    # --- reading ---------------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        """The manifest as a dict."""
        try:
            data = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            problem = _manifest_problem(data)
        except (OSError, ValueError, RecursionError) as error:
            problem = f"cannot read it ({_short(error)})"
        if problem is not None:
            raise AllianceSimError(
                f"{self.folder}: {MANIFEST}: {problem}; running the sweep again sets it"
                " aside and rebuilds it if the parts are of that experiment"
            )
        return dict(data)

    def design(self) -> pd.DataFrame:
        """The design table (as checked by :meth:`prepare`, or read from ``design.parquet``).

        Raises:
            AllianceSimError: when ``design.parquet`` is missing or damaged.
        """
        if self._design is not None:
            return self._design
        try:
            return pd.read_parquet(self.folder / DESIGN)
        except Exception as error:
            raise AllianceSimError(
                f"{self.folder}: cannot read {DESIGN} ({_short(error)}); running the sweep"
                " again rebuilds it from the experiment"
            ) from None

    def parts(self, table: str = RUNS) -> list[Path]:
        """The finished part files of ``table``, in name order."""
        folder = self.folder / table
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))

    def done_run_ids(self) -> set[int]:
        """The run ids already stored (ok, error or failed)."""
        done: set[int] = set()
        for part in self.parts():
            try:
                column = pq.read_table(part, columns=["run_id"]).column("run_id")
            except Exception as error:
                raise self._unreadable(part, error) from None
            done.update(int(x) for x in column.to_pylist())
        return done

    def read(self, table: str = RUNS) -> pd.DataFrame:
        """Every stored row of ``table``, sorted by ``run_id`` (and session).

        Raises:
            AllianceSimError: for a part that cannot be read or a run stored twice
                (running the sweep again repairs both).
        """
        parts = self.parts(table)
        if not parts:
            if table == RUNS:
                schema = run_schema(self.design(), self.manifest()["outputs"])
                return schema.empty_table().to_pandas()
            return pd.DataFrame()
        tables = []
        expected = None
        if table == RUNS:
            with contextlib.suppress(AllianceSimError):  # a damaged design: checked elsewhere
                expected = run_schema(self.design(), self.manifest()["outputs"])
        for part in parts:
            try:
                read = pq.read_table(part)
            except Exception as error:
                raise self._unreadable(part, error) from None
            problem = self._foreign(read.schema, expected)
            if problem is None and table == RUNS and len(read):
                ids = read.column("run_id").to_numpy(zero_copy_only=False)
                if read.column("run_id").null_count or ids.min() < 0 or ids.max() >= self._n_runs:
                    problem = f"run ids outside the design (0 to {self._n_runs - 1})"
            if problem is not None:
                raise AllianceSimError(
                    f"{self.folder}: {part.relative_to(self.folder)} is not part of these"
                    f" results: {problem}; running the sweep again sets it aside"
                )
            tables.append(read)
        try:
            merged = pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise AllianceSimError(
                f"{self.folder}/{table}: parts with different columns ({_short(error)});"
                " running the sweep again sets the foreign ones aside"
            ) from None
        frame = merged.to_pandas()
        if table == RUNS and "run_id" in frame.columns and not frame["run_id"].is_unique:
            twice = int(frame.loc[frame["run_id"].duplicated(), "run_id"].iloc[0])
            raise AllianceSimError(
                f"{self.folder}: run {twice} is stored twice (a copied part file?);"
                " running the sweep again sets the copies aside"
            )
        keys = [k for k in ("run_id", "session") if k in frame.columns]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)

    def _unreadable(self, part: Path, error: BaseException) -> AllianceSimError:
        if isinstance(error, FileNotFoundError):
            return AllianceSimError(
                f"{self.folder}: {part.name} went away while being read (a sweep compacting"
                " the folder?); try again when it has finished"
            )
        return AllianceSimError(
            f"{self.folder}: cannot read {part.relative_to(self.folder)} ({_short(error)});"
            " running the sweep again sets it aside and runs its runs again"
        )

    # --- writing ---------------------------------------------------------------------------------

    def _require_lock(self) -> None:
        if self._lock is None:
            raise AllianceSimError(
                f"{self.folder}: this store was opened to read; ResultStore.prepare opens"
                " a folder to write"
            )

    def write_part(self, table: pa.Table, name: str = RUNS) -> Path:
        """Write one part file of table ``name`` atomically; return its path.

        Raises:
            DiskFullError: when the disk is full (nothing of this part is left).
            AllianceSimError: for a table name that is not a plain name, or another
                write failure.
        """
        return self._write_part(table, name, None)

    def write_runs(self, runs: pa.Table, extras: Mapping[str, pa.Table] | None = None) -> None:
        """Store finished runs as one unit: their extra tables' rows, then their run rows.

        The runs part, written last, records how many rows of each extra table belong
        to its runs, so that a crash between the files leaves rows that a resume
        recognises as never committed (and sets aside) instead of duplicating them.
        """
        extras = dict(extras or {})
        new = [name for name in extras if name not in self._tables]
        for name in new:
            self._check_table_name(name)
        if new:
            self._tables = sorted({*self._tables, *new})
            self.update_manifest(tables=self._tables)
        cost = (runs.nbytes + sum(t.nbytes for t in extras.values()), runs.num_rows)
        written: list[Path] = []
        try:
            for name, table in extras.items():
                written.append(self._write_part(table, name, None, cost))
            self._write_part(runs, RUNS, {name: t.num_rows for name, t in extras.items()}, cost)
        except BaseException:
            for path in written:  # never committed: take them back (a crash leaves them to resume)
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        self._stored += runs.num_rows

    def _check_table_name(self, name: str) -> None:
        if not isinstance(name, str) or not TABLE_NAME.match(name) or name in NOT_TABLES:
            raise AllianceSimError(
                f"a table named {name!r} cannot be stored: a name of letters, digits and _"
                f" other than {', '.join(NOT_TABLES)}"
            )

    def _write_part(
        self,
        table: pa.Table,
        name: str,
        unit: Mapping[str, int] | None,
        cost: tuple[int, int] | None = None,
    ) -> Path:
        """Write a part; ``cost`` is (bytes, runs) of its unit, for a full disk's message."""
        if name != RUNS:
            self._check_table_name(name)
        folder = self.folder / name
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"
        entries = {META_FINGERPRINT: self._fingerprint or ""}
        if unit is not None:
            entries[META_UNIT] = json.dumps(dict(unit), sort_keys=True)
        try:
            folder.mkdir(exist_ok=True)
            _write_parquet(path, _with_metadata(table, entries))
        except OSError as error:
            size, runs = cost if cost is not None else (table.nbytes, table.num_rows)
            raise self._failed(error, path, size=size, runs=runs) from None
        return path

    def _failed(
        self,
        error: OSError,
        path: Path,
        what: str = "cannot write",
        size: int = 0,
        runs: int = 0,
    ) -> AllianceSimError:
        """A write failure as a one-line error; a full disk says what is kept and needed."""
        try:
            rel: Any = path.relative_to(self.folder)
        except ValueError:
            rel = path
        doing = what if path == self.folder else f"{what} {rel}"
        reason = os.strerror(error.errno) if error.errno else _short(error)
        kept = (
            f"{self._stored:,} of {self._n_runs:,} runs are stored and kept; "
            if self._n_runs
            else ""
        )
        if not _disk_full(error):
            return AllianceSimError(f"{self.folder}: {doing} ({reason}); {kept}".rstrip("; "))
        free = _free_bytes(self.folder if self.folder.exists() else self.folder.parent)
        left = max(self._n_runs - self._stored, 0)
        if self._stored:
            stored_bytes = sum(
                _size(p) for t in (RUNS, *self._extra_tables()) for p in self.parts(t)
            )
            need = stored_bytes / self._stored * left
        elif runs:
            need = size / runs * left
        else:
            need = size or 64 * 2**10
        return DiskFullError(
            f"{self.folder}: the disk is full ({doing}: {reason}); {kept}"
            f"{'the ' + format(left, ',') + ' runs left need' if left else 'it needs'}"
            f" about {_mb(need)} more and {_mb(free)} is free: free some space and run the"
            " same command again" + (" to resume" if self._stored else "")
        )

    def _write_manifest(
        self, manifest: Mapping[str, Any], written: list[Path] | None = None
    ) -> None:
        path = self.folder / MANIFEST
        try:
            _write_json(path, manifest)
        except OSError as error:
            raise self._failed(error, path) from None
        if written is not None:
            written.append(path)

    def update_manifest(self, **changes: Any) -> None:
        """Rewrite the manifest with ``changes`` applied (atomically)."""
        manifest = self.manifest()
        manifest.update(changes)
        self._write_manifest(manifest)

    def start_session(self, executor: str, workers: int) -> int:
        """Record that a sweep session started; return its index."""
        manifest = self.manifest()
        sessions = manifest.setdefault("sessions", [])
        sessions.append(
            {"started": now(), "finished": None, "executor": executor, "workers": workers}
        )
        quarantined = [note for note in self.notes if f" in {QUARANTINE}/" in note]
        if quarantined:
            sessions[-1]["set_aside"] = quarantined
        self._write_manifest(manifest)
        return len(sessions) - 1

    def end_session(self, index: int, runs: int, complete: bool) -> None:
        """Record that a sweep session ended, with the runs it stored.

        Best effort: when the manifest cannot be written (a full disk), a note says so
        and the results stay as they are.
        """
        try:
            manifest = self.manifest()
            manifest["sessions"][index].update({"finished": now(), "runs": runs})
            if complete and manifest.get("finished") is None:
                manifest["finished"] = now()
            self._write_manifest(manifest)
        except (AllianceSimError, LookupError, TypeError) as error:
            self.notes.append(f"the end of this session is not recorded in {MANIFEST}: {error}")

    def clean_temporary(self) -> int:
        """Delete temporary files left by an interrupted writer; return how many."""
        removed = 0
        for path in self.folder.rglob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    # --- compaction ------------------------------------------------------------------------------

    def compact(self, table: str = RUNS) -> Path | None:
        """Merge the part files of ``table``; return the last merged file (None: nothing done).

        The parts are merged in groups that fit the free disk space (and at most
        :data:`COMPACT_GROUP_BYTES` each), so compaction never needs room for a
        second copy of the whole table; when not even two parts fit, or the disk
        fills meanwhile, it stops with a note — the parts are complete and readable
        as they are. Crash-safe: each group is written under a temporary name, then
        a marker listing the parts it replaces; the parts are deleted and the
        merged file renamed into place; the marker goes last. Opening the folder
        finishes a compaction the marker shows was interrupted.
        """
        parts = self.parts(table)
        if len(parts) < 2:
            return None
        sizes = [_size(p) for p in parts]
        budget = min(COMPACT_GROUP_BYTES, _free_bytes(self.folder) - SPACE_MARGIN_BYTES)
        groups: list[list[Path]] = [[]]
        used = 0
        for part, size in zip(parts, sizes, strict=True):
            if groups[-1] and used + size > budget:
                groups.append([])
                used = 0
            if size <= budget:
                groups[-1].append(part)
                used += size
        groups = [g for g in groups if len(g) >= 2]
        if not groups:
            need = sum(sorted(sizes)[:2]) + SPACE_MARGIN_BYTES
            self.notes.append(
                f"{table}/ not compacted: merging needs at least {_mb(need)} free and"
                f" {_mb(_free_bytes(self.folder))} is free; its {len(parts)} part files"
                " are complete and readable as they are"
            )
            return None
        final = None
        for group in groups:
            try:
                final = self._compact_group(table, group)
            except OSError as error:
                reason = "the disk is full" if _disk_full(error) else _short(error)
                self.notes.append(
                    f"{table}/ compaction stopped ({reason}); its part files are complete and"
                    " readable as they are"
                )
                break
        return final

    def _compact_group(self, table: str, group: list[Path]) -> Path:
        tables = [pq.read_table(p) for p in group]
        meta = {
            k: v
            for k, v in (tables[0].schema.metadata or {}).items()
            if not k.startswith(b"alliance_sim.")
        }
        merged = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
        keys = [(k, "ascending") for k in ("run_id", "session") if k in merged.column_names]
        merged = merged.sort_by(keys).replace_schema_metadata(meta)
        entries = {META_FINGERPRINT: self._fingerprint or ""}
        units = [_unit(t.schema) for t in tables]
        if table == RUNS and all(u is not None for u in units):
            total: dict[str, int] = {}
            for unit in units:
                for name, count in (unit or {}).items():
                    total[name] = total.get(name, 0) + count
            entries[META_UNIT] = json.dumps(total, sort_keys=True)
        if self._fingerprint is None:
            entries.pop(META_FINGERPRINT)
        merged = _with_metadata(merged, entries)
        del tables
        final = self.folder / table / f"part-compacted-{uuid.uuid4().hex[:8]}.parquet"
        staged = final.with_name(f".{final.name}.staged")
        try:
            pq.write_table(merged, staged, write_page_checksum=True)
            _fsync(staged)
            _write_json(
                self.folder / COMPACTING,
                {
                    "table": table,
                    "staged": staged.name,
                    "final": final.name,
                    "parts": [p.name for p in group],
                },
            )
        except BaseException:
            with contextlib.suppress(OSError):
                staged.unlink()
            raise
        self._recover()
        return final

    def _plan(self, marker: Path) -> dict[str, Any] | str:
        """The compaction marker, checked; a string says why it is not a valid one."""
        try:
            plan = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return f"not valid JSON ({_short(error, 80)})"
        if not isinstance(plan, dict):
            return "not a compaction record"
        table, staged, final, parts = (plan.get(k) for k in ("table", "staged", "final", "parts"))
        if not (
            isinstance(table, str)
            and TABLE_NAME.match(table)
            and table not in (QUARANTINE, "analysis")
            and isinstance(staged, str)
            and STAGED_NAME.match(staged)
            and isinstance(final, str)
            and PART_NAME.match(final)
            and isinstance(parts, list)
            and all(isinstance(p, str) and PART_NAME.match(p) for p in parts)
        ):
            return "not a compaction record of this folder (names that are not part files)"
        return plan

    def _recover(self) -> None:
        """Finish an interrupted compaction, or drop one that never got its marker."""
        marker = self.folder / COMPACTING
        if marker.exists():
            plan = self._plan(marker)
            if isinstance(plan, str):
                self._quarantine(
                    marker,
                    plan,
                    "the merge it described is dropped and any runs it lacked run again",
                )
            else:
                folder = self.folder / plan["table"]
                staged = folder / plan["staged"]
                if staged.is_file():  # the merge is whole: it replaces the parts
                    for name in plan["parts"]:
                        with contextlib.suppress(FileNotFoundError):
                            (folder / name).unlink()
                    os.replace(staged, folder / plan["final"])
                marker.unlink()
        for staged in self.folder.glob("*/.*.staged"):
            with contextlib.suppress(OSError):
                staged.unlink()


MAX_MANIFEST_RUNS = 10**9
"""The largest ``n_runs`` a manifest may record (far above any experiment's cap)."""


def _manifest_problem(data: Any) -> str | None:
    """What is wrong with a manifest's shape (the keys this module and analyse use), if anything."""
    if not isinstance(data, dict):
        return "not a manifest (a JSON object)"

    def bad(key: str, allowed: str) -> str:
        value = repr(data.get(key))
        value = value if len(value) <= 60 else value[:59] + "…"
        return f"{key} = {value} is not allowed: {allowed}"

    n_runs = data.get("n_runs")
    if (
        not isinstance(n_runs, int)
        or isinstance(n_runs, bool)
        or not 0 <= n_runs <= MAX_MANIFEST_RUNS
    ):
        return bad("n_runs", "a whole number of runs")
    outputs = data.get("outputs")
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) for o in outputs):
        return bad("outputs", "a non-empty list of output names")
    if len(set(outputs)) != len(outputs):
        return bad("outputs", "names listed once each")
    form = data.get("format", 1)
    if not isinstance(form, int) or isinstance(form, bool) or not 1 <= form <= FORMAT:
        return bad("format", f"a layout version from 1 to {FORMAT}")
    if not isinstance(data.get("fingerprint"), str | None):
        return bad("fingerprint", "a string")
    for key in ("tables", "sessions"):
        if not isinstance(data.get(key, []), list):
            return bad(key, "a list")
    if not all(isinstance(t, str) for t in data.get("tables", [])):
        return bad("tables", "a list of table names")
    experiment = data.get("experiment")
    if experiment is not None and not isinstance(experiment, dict):
        return bad("experiment", "a table (the experiment) or null")
    return None


def _differences(
    manifest: Mapping[str, Any],
    experiment: Mapping[str, Any] | None,
    extra: Mapping[str, Any] | None,
    outputs: Sequence[str],
) -> str:
    """What differs between the recorded experiment and this one, for a message."""
    old = manifest.get("experiment")
    name = old.get("name", "?") if isinstance(old, Mapping) else "?"
    head = f"{name!r}, {manifest.get('n_runs', '?')} runs"
    if isinstance(old, Mapping) and isinstance(experiment, Mapping):
        keys = sorted(
            k
            for k in set(old) | set(experiment)
            if _canonical(old.get(k)) != _canonical(experiment.get(k))
        )
        shown = []
        for key in keys[:3]:
            a, b = _canonical(old.get(key)), _canonical(experiment.get(key))
            if len(a) + len(b) <= 60:
                shown.append(f"{key} {a} here, {b} now")
            else:
                shown.append(f"{key} differs")
        if shown:
            return f"{head}; " + ", ".join(shown)
    if list(manifest.get("outputs", [])) != list(outputs):
        return f"{head}; other outputs"
    for key, value in (extra or {}).items():
        if _canonical(manifest.get(key)) != _canonical(value):
            return f"{head}; its {key} differ (a changed scenario file?)"
    return f"{head}; its design differs"
