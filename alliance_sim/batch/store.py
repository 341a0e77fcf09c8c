"""The results folder: design, manifest and Parquet part files, written atomically.

Layout::

    RESULTS_DIR/
      manifest.json        the experiment, package and dependency versions, the
                           number of runs, start and finish times of every session
      design.parquet       one row per run: run_id, point, replicate, seed, varied parameters
      runs/part-*.parquet  one row per finished run (see :data:`RUN_COLUMNS`)
      sessions/part-*.parquet   per-session clinic means per run, when asked for

Every file is written under a temporary name (``.<name>.tmp``, which readers skip)
and renamed into place with :func:`os.replace`, so a crash or ``kill -9`` leaves
only whole part files: ``pandas.read_parquet(RESULTS_DIR / "runs")`` and DuckDB
(``read_parquet('RESULTS_DIR/runs/*.parquet')``) read every finished run. Resuming
runs the design's run ids that are not in ``runs/`` yet. :meth:`ResultStore.compact`
merges the part files of a finished sweep into one, crash-safely.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import uuid
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alliance_sim.batch.design import DESIGN_COLUMNS
from alliance_sim.core.errors import AllianceSimError

__all__ = ["FORMAT", "RUN_COLUMNS", "ResultStore", "run_schema", "versions"]

FORMAT = 1
"""The version of the folder layout, recorded in the manifest."""

RUN_COLUMNS: tuple[str, ...] = ("status", "error", "wall_s")
"""The columns after the outputs in every run row: ``status`` ("ok", "error" or
"failed" when its worker died), ``error`` (the message, empty when ok) and
``wall_s`` (seconds of work, the point's call divided among its runs)."""

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
COMPACTING = "compacting.json"

PACKAGES = ("alliance-sim", "numpy", "pandas", "scipy", "SALib", "pyarrow", "mesa", "dask")


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


def _write_atomic(path: Path, write: Any) -> None:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
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
        pq.write_table(table, tmp)
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())

    _write_atomic(path, write)


class ResultStore:
    """One results folder. Open it with :meth:`create` or :meth:`open`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    # --- creating and opening -------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: str | Path,
        design: pd.DataFrame,
        outputs: Sequence[str],
        experiment: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ResultStore:
        """Make a new results folder holding ``design`` and a manifest.

        Raises:
            AllianceSimError: when the folder already holds results or cannot be written.
        """
        store = cls(folder)
        if (store.folder / MANIFEST).exists():
            raise AllianceSimError(f"{store.folder}: already holds results")
        try:
            (store.folder / "runs").mkdir(parents=True, exist_ok=True)
            _write_parquet(
                store.folder / DESIGN, pa.Table.from_pandas(design, preserve_index=False)
            )
            manifest = {
                "format": FORMAT,
                "experiment": dict(experiment) if experiment is not None else None,
                "outputs": list(outputs),
                "factors": [c for c in design.columns if c not in DESIGN_COLUMNS],
                "n_runs": len(design),
                "created": now(),
                "finished": None,
                "versions": versions(),
                "sessions": [],
                **dict(extra or {}),
            }
            _write_json(store.folder / MANIFEST, manifest)
        except OSError as error:
            raise AllianceSimError(
                f"cannot write the results folder {store.folder}: {error}"
            ) from None
        return store

    @classmethod
    def open(cls, folder: str | Path) -> ResultStore:
        """Open an existing results folder (finishing an interrupted compaction).

        Raises:
            AllianceSimError: when ``folder`` is not a results folder.
        """
        store = cls(folder)
        if not (store.folder / MANIFEST).is_file() or not (store.folder / DESIGN).is_file():
            raise AllianceSimError(
                f"{store.folder}: not a results folder (no {MANIFEST} and {DESIGN});"
                " `alliance-sim sweep` writes one"
            )
        store._recover()
        return store

    @staticmethod
    def exists(folder: str | Path) -> bool:
        """Whether ``folder`` holds a results folder."""
        return (Path(folder) / MANIFEST).is_file()

    # --- reading -----------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        """The manifest as a dict."""
        try:
            return dict(json.loads((self.folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise AllianceSimError(f"{self.folder}: cannot read {MANIFEST}: {error}") from None

    def design(self) -> pd.DataFrame:
        """The design table."""
        return pd.read_parquet(self.folder / DESIGN)

    def parts(self, table: str = "runs") -> list[Path]:
        """The finished part files of ``table``, in name order."""
        folder = self.folder / table
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith((".", "_")))

    def done_run_ids(self) -> set[int]:
        """The run ids already stored (ok, error or failed)."""
        done: set[int] = set()
        for part in self.parts():
            column = pq.read_table(part, columns=["run_id"]).column("run_id")
            done.update(int(x) for x in column.to_pylist())
        return done

    def read(self, table: str = "runs") -> pd.DataFrame:
        """Every stored row of ``table``, sorted by ``run_id`` (and session)."""
        parts = self.parts(table)
        if not parts:
            if table == "runs":
                design = self.design()
                schema = run_schema(design, self.manifest()["outputs"])
                return schema.empty_table().to_pandas()
            return pd.DataFrame()
        frame = pa.concat_tables([pq.read_table(p) for p in parts]).to_pandas()
        keys = [k for k in ("run_id", "session") if k in frame.columns]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)

    # --- writing -----------------------------------------------------------------

    def write_part(self, table: pa.Table, name: str = "runs") -> Path:
        """Write one part file of ``name`` atomically; return its path."""
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"
        _write_parquet(path, table)
        return path

    def update_manifest(self, **changes: Any) -> None:
        """Rewrite the manifest with ``changes`` applied (atomically)."""
        manifest = self.manifest()
        manifest.update(changes)
        _write_json(self.folder / MANIFEST, manifest)

    def start_session(self, executor: str, workers: int) -> int:
        """Record that a sweep session started; return its index."""
        manifest = self.manifest()
        manifest["sessions"].append(
            {"started": now(), "finished": None, "executor": executor, "workers": workers}
        )
        _write_json(self.folder / MANIFEST, manifest)
        return len(manifest["sessions"]) - 1

    def end_session(self, index: int, runs: int, complete: bool) -> None:
        """Record that a sweep session ended, with the runs it stored."""
        manifest = self.manifest()
        manifest["sessions"][index].update({"finished": now(), "runs": runs})
        if complete and manifest.get("finished") is None:
            manifest["finished"] = now()
        _write_json(self.folder / MANIFEST, manifest)

    def clean_temporary(self) -> int:
        """Delete temporary files left by an interrupted writer; return how many."""
        removed = 0
        for path in self.folder.rglob(".*.tmp"):
            path.unlink()
            removed += 1
        return removed

    # --- compaction --------------------------------------------------------------

    def compact(self, table: str = "runs") -> Path | None:
        """Merge the part files of ``table`` into one; return it (None if nothing to do).

        Crash-safe: the merged file is written under a temporary name, then a
        marker listing the parts it replaces; the parts are deleted and the merged
        file renamed into place; the marker goes last. :meth:`open` finishes a
        compaction the marker shows was interrupted.
        """
        parts = self.parts(table)
        if len(parts) < 2:
            return None
        merged = pa.concat_tables([pq.read_table(p) for p in parts])
        keys = [(k, "ascending") for k in ("run_id", "session") if k in merged.column_names]
        merged = merged.sort_by(keys)
        final = self.folder / table / f"part-compacted-{uuid.uuid4().hex[:8]}.parquet"
        staged = final.with_name(f".{final.name}.staged")
        pq.write_table(merged, staged)
        with open(staged, "rb") as written:
            os.fsync(written.fileno())
        _write_json(
            self.folder / COMPACTING,
            {
                "table": table,
                "staged": staged.name,
                "final": final.name,
                "parts": [p.name for p in parts],
            },
        )
        self._recover()
        return final

    def _recover(self) -> None:
        """Finish an interrupted compaction, or drop one that never got its marker."""
        marker = self.folder / COMPACTING
        if marker.exists():
            plan = json.loads(marker.read_text(encoding="utf-8"))
            folder = self.folder / plan["table"]
            for name in plan["parts"]:
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
            staged = folder / plan["staged"]
            if staged.exists():
                os.replace(staged, folder / plan["final"])
            marker.unlink()
        for staged in self.folder.glob("*/.*.staged"):
            staged.unlink()
