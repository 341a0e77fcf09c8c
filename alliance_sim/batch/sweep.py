"""Running an experiment: design, results folder, executor and runner together.

:func:`run_experiment` is the one call the command line and the web app use::

    from alliance_sim.batch import Experiment, run_experiment

    experiment = Experiment.from_mapping({
        "scenario": "default",
        "parameters": {"n_patients": 20, "n_sessions": 4},
        "design": "grid",
        "vary": {"empathy_mean": [0.3, 0.6, 0.9]},
        "replicates": 5,
        "outputs": ["adherence"],
    })
    result = run_experiment(experiment, progress=lambda done, total: None)
    result.runs          # one row per run (pandas)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from alliance_sim.batch.executors import Backend, as_backend, open_backend
from alliance_sim.batch.models import Clinic, Model
from alliance_sim.batch.runner import Progress, StopSignal, run_design
from alliance_sim.batch.spec import Experiment
from alliance_sim.batch.store import ResultStore
from alliance_sim.core.errors import AllianceSimError

__all__ = ["SweepResult", "default_results_folder", "open_experiment", "run_experiment"]


@dataclass
class SweepResult:
    """The outcome of :func:`run_experiment`."""

    experiment: Experiment
    design: pd.DataFrame
    """One row per run: ``run_id``, ``point``, ``replicate``, ``seed``, varied parameters."""
    runs: pd.DataFrame
    """One row per finished run: the design columns, every output, ``status``, ``error``, ``wall_s``."""
    complete: bool
    """False when the sweep was stopped before every run finished."""
    folder: Path | None = None
    """The results folder, if the sweep wrote one."""
    stored_before: int = 0
    """Runs the folder already held when this call started (a resumed sweep)."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra tables (``sessions``) when there is no folder (with a folder: ``<folder>/sessions``)."""

    @property
    def n_errors(self) -> int:
        """Runs that raised or whose worker died."""
        return int((self.runs["status"] != "ok").sum()) if len(self.runs) else 0


def default_results_folder(experiment: Experiment) -> Path:
    """Where results go unless told: the file's ``results`` or ``results/<name>``."""
    return (
        experiment.results if experiment.results is not None else Path("results") / experiment.name
    )


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def open_experiment(folder: str | Path) -> tuple[ResultStore, Experiment]:
    """Open a results folder and rebuild the experiment its manifest records.

    Raises:
        AllianceSimError: when the folder is not a results folder of an experiment.
    """
    store = ResultStore.open(folder)
    recorded = store.manifest().get("experiment")
    if not isinstance(recorded, Mapping):
        raise AllianceSimError(f"{store.folder}: the manifest records no experiment")
    experiment = Experiment.from_mapping(recorded, f"{store.folder}/manifest.json")
    return store, experiment


def _check_same_experiment(
    store: ResultStore, experiment: Experiment, design: pd.DataFrame
) -> None:
    manifest = store.manifest()
    recorded = manifest.get("experiment") or {}
    if not _same(recorded, experiment.mapping) or not store.design().equals(design):
        raise AllianceSimError(
            f"{store.folder}: holds the results of a different experiment"
            f" ({recorded.get('name', '?')!r}, {manifest.get('n_runs')} runs);"
            " choose another results folder (--results) or delete this one"
        )


def run_experiment(
    experiment: Experiment,
    *,
    results: str | Path | None = None,
    executor: str | Executor | Backend = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    should_stop: StopSignal | None = None,
    model: Model | None = None,
    compact: bool = True,
    task_timeout: float | None = None,
) -> SweepResult:
    """Run ``experiment`` (or resume it in ``results``) and return its run table.

    Args:
        experiment: the validated experiment (:func:`~alliance_sim.batch.load_experiment`
            or :meth:`Experiment.from_mapping`).
        results: the results folder. ``None`` keeps everything in memory (no files).
            If the folder holds this experiment already, only its unfinished runs
            run (resume); if it holds another experiment, an error says so.
        executor: ``"serial"`` (in this process; the default, right for small
            sweeps and the web app), ``"processes"`` (a local pool), ``"dask"``, or
            any ``concurrent.futures.Executor`` / :class:`Backend` you manage.
        workers: pool size for ``processes`` and a local Dask cluster (default: cores).
        scheduler: a Dask scheduler address for ``executor="dask"``.
        progress: ``progress(done, total)`` in runs, after each finished task.
        should_stop: cooperative cancellation — a callable returning True or a
            :class:`threading.Event`, checked between tasks; finished runs are kept
            (and stored), and the result has ``complete = False``.
        model: the model to run instead of the clinic (see
            :mod:`alliance_sim.batch.models`); default
            ``Clinic(experiment.base, experiment.outputs, experiment.sessions)``.
        compact: merge the folder's part files into one when the sweep completes.
        task_timeout: seconds a task may run before its runs are given up and
            recorded as ``failed`` (``None``: no limit; see
            :func:`~alliance_sim.batch.runner.run_design` for what each executor can do).

    Raises:
        AllianceSimError: for a folder holding another experiment, or an executor
            that cannot start (e.g. an unreachable scheduler).
        KeyboardInterrupt: after recording the session; finished runs stay stored.
    """
    design = experiment.design()
    model = (
        model
        if model is not None
        else Clinic(experiment.base, experiment.outputs, experiment.sessions)
    )
    folder = Path(results) if results is not None else None
    if folder is not None and ResultStore.exists(folder):
        _check_same_experiment(ResultStore.open(folder), experiment, design)
    owned = isinstance(executor, str)  # close only what this call opened
    if isinstance(executor, str):
        where = "scheduler"
        if scheduler is None and experiment.scheduler is not None:
            scheduler, where = experiment.scheduler, f"{experiment.source}: scheduler"
        backend = open_backend(executor, workers, scheduler, where=where)
    else:
        backend = as_backend(executor)
    store = None
    stored_before = 0
    try:
        if folder is not None and ResultStore.exists(folder):
            store = ResultStore.open(folder)
            store.clean_temporary()
            stored_before = len(store.done_run_ids())
        elif folder is not None:
            store = ResultStore.create(folder, design, experiment.outputs, experiment.mapping)
    except BaseException:
        if owned:
            backend.close(cancel=True)
        raise
    session = store.start_session(backend.name, backend.workers) if store is not None else -1
    outcome = None
    interrupted = True
    try:
        outcome = run_design(
            design,
            model,
            experiment.outputs,
            executor=backend,
            store=store,
            progress=progress,
            should_stop=should_stop,
            task_timeout=task_timeout,
        )
        interrupted = False
    finally:
        if owned:
            backend.close(cancel=interrupted)
        if store is not None:
            new = (
                outcome.n_new if outcome is not None else len(store.done_run_ids()) - stored_before
            )
            store.end_session(session, new, bool(outcome and outcome.complete))
    if store is not None and outcome.complete and compact:
        store.compact()
        if experiment.sessions:
            store.compact("sessions")
        runs = store.read()
    else:
        runs = outcome.runs
    return SweepResult(
        experiment=experiment,
        design=design,
        runs=runs,
        complete=outcome.complete,
        folder=store.folder if store is not None else None,
        stored_before=stored_before,
        tables=outcome.tables,
    )
