"""The analysis of a whole sweep: the right tables and figures for its design.

:func:`analyse_runs` picks the analysis by design method — Sobol indices for
``sobol``, Morris statistics for ``morris``, per-point summaries with 95%
intervals for ``grid`` and ``csv`` (and per-run scatter plots for ``lhs``) —
and :func:`analyse_folder` does it for a results folder.
:func:`save_analysis` writes the tables (CSV) and figures (PNG).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from alliance_sim.batch.analyse import grid_summary, morris_indices, sobol_indices
from alliance_sim.batch.design import points_table
from alliance_sim.batch.figures import grid_figure, morris_figure, scatter_figure, sobol_figure
from alliance_sim.batch.store import ResultStore, design_digest
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.records.io import Writer, write_files

__all__ = ["Analysis", "analyse_folder", "analyse_runs", "save_analysis"]


@dataclass
class Analysis:
    """The tables and figures of one sweep's analysis."""

    method: str
    factors: list[str]
    outputs: list[str]
    tables: dict[str, pd.DataFrame]
    """``sobol`` (+ ``sobol_second``), ``morris``, or ``grid`` (see :mod:`.analyse`)."""
    figures: dict[str, Figure] = field(default_factory=dict)
    """By file stem, e.g. ``grid_adherence``."""
    n_runs: int = 0
    n_ok: int = 0
    n_errors: int = 0
    n_design: int = 0


def analyse_runs(
    runs: pd.DataFrame,
    design: pd.DataFrame,
    method: str,
    outputs: Sequence[str],
    *,
    second_order: bool = True,
    levels: int = 4,
    figures: bool = True,
) -> Analysis:
    """Analyse a run table according to its design ``method``.

    Raises:
        AllianceSimError: e.g. a Sobol or Morris design with points that have no
            successful run yet.
    """
    points = points_table(design)
    factors = [c for c in points.columns if c != "point"]
    outputs = list(outputs)
    tables: dict[str, pd.DataFrame] = {}
    figs: dict[str, Figure] = {}
    if method == "sobol":
        indices = sobol_indices(runs, factors, outputs, len(points), second_order)
        tables["sobol"] = indices.first_total
        if second_order:
            tables["sobol_second"] = indices.second
        if figures:
            figs = {f"sobol_{o}": sobol_figure(indices.first_total, o) for o in outputs}
    elif method == "morris":
        tables["morris"] = morris_indices(runs, points, factors, outputs, levels)
        if figures:
            figs = {f"morris_{o}": morris_figure(tables["morris"], o) for o in outputs}
    else:
        shown = factors if len(factors) <= 2 else factors[:2]
        tables["grid"] = grid_summary(runs, factors, outputs)
        if figures and method == "lhs":
            figs = {f"scatter_{o}": scatter_figure(runs, o, factors) for o in outputs}
        elif figures:
            figs = {f"grid_{o}": grid_figure(runs, o, shown) for o in outputs}
    n_ok = int((runs["status"] == "ok").sum())
    return Analysis(
        method=method,
        factors=factors,
        outputs=outputs,
        tables=tables,
        figures=figs,
        n_runs=len(runs),
        n_ok=n_ok,
        n_errors=len(runs) - n_ok,
        n_design=len(design),
    )


def analyse_folder(
    folder: str | Path, outputs: Sequence[str] | None = None, figures: bool = True
) -> Analysis:
    """Analyse the results folder ``folder`` (its manifest says which design it holds).

    Raises:
        AllianceSimError: for a folder that is not a results folder, an unknown
            output, or an analysis that cannot run yet.
    """
    store = ResultStore.open(folder)
    with store.reading():  # no sweep writes the folder meanwhile
        manifest = store.manifest()
        method, second_order, levels = _design_settings(store, manifest)
        stored = list(manifest.get("outputs", []))
        chosen = list(outputs) if outputs else stored
        for name in chosen:
            if name not in stored:
                raise AllianceSimError(
                    f"{store.folder}: no output {name!r} in these results;"
                    f" they hold {', '.join(stored)}"
                )
        runs = store.read()
        design = _design(store, manifest)
    return analyse_runs(
        runs,
        design,
        method,
        chosen,
        second_order=second_order,
        levels=levels,
        figures=figures,
    )


def _design_settings(store: ResultStore, manifest: dict[str, Any]) -> tuple[str, bool, int]:
    """The recorded design's method, Sobol ``second_order`` and Morris ``levels``, checked."""
    from alliance_sim.batch.design import METHODS

    experiment = manifest.get("experiment") or {}
    settings = experiment.get("design") or {}
    if isinstance(settings, str):
        settings = {"method": settings}
    where = f"{store.folder}: manifest.json: experiment.design"
    if not isinstance(settings, dict):
        raise AllianceSimError(f"{where} is not a design (a method name or a table)")
    method = settings.get("method", "grid")
    if not isinstance(method, str) or method not in METHODS:
        raise AllianceSimError(f"{where}.method: not one of {', '.join(METHODS)}")
    second_order = settings.get("second_order", True)
    if not isinstance(second_order, bool):
        raise AllianceSimError(f"{where}.second_order: not true or false")
    levels = settings.get("levels", 4)
    if not isinstance(levels, int) or isinstance(levels, bool) or not 2 <= levels <= 1000:
        raise AllianceSimError(f"{where}.levels: not a whole number from 2 to 1,000")
    return method, second_order, levels


def _design(store: ResultStore, manifest: dict[str, Any]) -> pd.DataFrame:
    """The folder's design; rebuilt from its experiment if ``design.parquet`` is damaged.

    The rebuilt design is used only if it matches the digest the manifest records.
    """
    try:
        return store.design()
    except AllianceSimError as error:
        recorded = manifest.get("experiment")
        if not isinstance(recorded, dict) or not manifest.get("design_digest"):
            raise
        problem = error
    from alliance_sim.batch.spec import Experiment

    try:
        design = Experiment.from_mapping(recorded, f"{store.folder}/manifest.json").design()
    except AllianceSimError:
        raise problem from None
    if design_digest(design) != manifest["design_digest"]:
        raise problem
    return design


def save_analysis(analysis: Analysis, folder: str | Path) -> list[Path]:
    """Write the analysis's tables (``<name>.csv``) and figures (``<name>.png``) to ``folder``.

    All or nothing: each file is written under a temporary name and the files are
    renamed into place once all are written (:func:`~alliance_sim.records.io.write_files`).
    """
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AllianceSimError(f"cannot make the folder {out}: {error}") from None
    writers: dict[Path, Writer] = {}
    for name, table in analysis.tables.items():
        writers[out / f"{name}.csv"] = partial(_save_table, table)
    for name, figure in analysis.figures.items():
        writers[out / f"{name}.png"] = partial(_save_figure, figure)
    return write_files(writers, "analysis file")


def _save_table(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def _save_figure(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=110, format="png")
