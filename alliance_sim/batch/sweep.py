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

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from alliance_sim.batch.executors import Backend, as_backend, open_backend
from alliance_sim.batch.models import ClinicSweep, SweepModel
from alliance_sim.batch.runner import Progress, StopSignal, run_design
from alliance_sim.batch.spec import Experiment
from alliance_sim.batch.store import ResultStore, fingerprint
from alliance_sim.core.errors import AllianceSimError

__all__ = [
    "SweepResult",
    "default_results_folder",
    "experiment_fingerprint",
    "open_experiment",
    "open_results",
    "run_experiment",
]


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
    notes: list[str] = field(default_factory=list)
    """One-line notes from the results folder: parts set aside on resume, compaction skipped."""

    @property
    def n_errors(self) -> int:
        """Runs that raised or whose worker died."""
        return int((self.runs["status"] != "ok").sum()) if len(self.runs) else 0


def default_results_folder(experiment: Experiment) -> Path:
    """Where results go unless told: the file's ``results`` or ``results/<name>``."""
    return (
        experiment.results if experiment.results is not None else Path("results") / experiment.name
    )


def open_experiment(folder: str | Path) -> tuple[ResultStore, Experiment]:
    """Open a results folder (to read) and rebuild the experiment its manifest records.

    Raises:
        AllianceSimError: when the folder is not a results folder of an experiment.
    """
    store = ResultStore.open(folder)
    recorded = store.manifest().get("experiment")
    if not isinstance(recorded, Mapping):
        raise AllianceSimError(f"{store.folder}: the manifest records no experiment")
    experiment = Experiment.from_mapping(recorded, f"{store.folder}/manifest.json")
    return store, experiment


def _identity(experiment: Experiment) -> dict[str, Any]:
    """What the manifest records beside the experiment, and the fingerprint covers."""
    return {"parameters": {name: _plain(value) for name, value in experiment.base.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


def experiment_fingerprint(experiment: Experiment, design: pd.DataFrame | None = None) -> str:
    """The fingerprint a results folder of ``experiment`` carries (see :mod:`.store`)."""
    design = experiment.design() if design is None else design
    return fingerprint(design, experiment.outputs, experiment.mapping, _identity(experiment))


def open_results(
    folder: str | Path, experiment: Experiment, design: pd.DataFrame | None = None
) -> ResultStore:
    """Lock ``folder`` for a sweep of ``experiment``: create it, or check it for a resume.

    The returned store holds the folder's lock until it is closed (use it in a
    ``with`` block); its :attr:`~ResultStore.notes` say what the check set aside,
    and :attr:`~ResultStore.stored` how many runs are already stored. Pass it to
    :func:`run_experiment` as ``results``.

    Raises:
        FolderInUseError: when another sweep holds the folder (the message names it).
        DiskFullError: when the disk is full.
        AllianceSimError: for a folder of another experiment (another seed, design,
            scenario, outputs), or one whose parts without a manifest are not all of
            this experiment.
    """
    return ResultStore.prepare(
        folder,
        experiment.design if design is None else design,
        experiment.outputs,
        experiment.mapping,
        _identity(experiment),
    )


def run_experiment(
    experiment: Experiment,
    *,
    results: str | Path | ResultStore | None = None,
    executor: str | Executor | Backend = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    should_stop: StopSignal | None = None,
    model: SweepModel | None = None,
    compact: bool = True,
    task_timeout: float | None = None,
) -> SweepResult:
    """Run ``experiment`` (or resume it in ``results``) and return its run table.

    Args:
        experiment: the validated experiment (:func:`~alliance_sim.batch.load_experiment`
            or :meth:`Experiment.from_mapping`).
        results: the results folder, or a store :func:`open_results` opened. ``None``
            keeps everything in memory (no files). If the folder holds this
            experiment already, its parts are checked (damaged or foreign ones set
            aside) and only its unfinished runs run (resume); if it holds another
            experiment, or another sweep is writing it, an error says so.
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
            ``ClinicSweep(experiment.base, experiment.outputs, experiment.sessions)``.
        compact: merge the folder's part files when the sweep completes (in groups
            that fit the free disk space; skipped with a note when none does).
        task_timeout: seconds a task may run before its runs are given up and
            recorded as ``failed`` (``None``: no limit; see
            :func:`~alliance_sim.batch.runner.run_design` for what each executor can do).

    Raises:
        FolderInUseError: when another sweep holds the results folder.
        DiskFullError: when the disk fills; the finished runs are kept.
        AllianceSimError: for a folder holding another experiment, or an executor
            that cannot start (e.g. an unreachable scheduler).
        KeyboardInterrupt: after recording the session; finished runs stay stored.
    """
    model = (
        model
        if model is not None
        else ClinicSweep(experiment.base, experiment.outputs, experiment.sessions)
    )
    if isinstance(results, ResultStore):
        store: ResultStore | None = results
        owned_store = False
        if not results.locked:
            raise AllianceSimError(
                f"{results.folder}: the store is open to read; open_results opens it for a sweep"
            )
        design = results.design()
        if results.fingerprint != experiment_fingerprint(experiment, design):
            raise AllianceSimError(f"{results.folder}: the store is of another experiment")
    elif results is not None:
        store, owned_store = open_results(results, experiment), True
        design = store.design()
    else:
        store, owned_store = None, False
        design = experiment.design()
    try:
        return _run(
            experiment,
            design,
            model,
            store,
            executor,
            workers,
            scheduler,
            progress,
            should_stop,
            compact,
            task_timeout,
        )
    except BaseException:
        if owned_store and store is not None:
            store.discard_new()  # a sweep that stored nothing leaves no new folder
        raise
    finally:
        if owned_store and store is not None:
            store.close()


def _run(
    experiment: Experiment,
    design: pd.DataFrame,
    model: SweepModel,
    store: ResultStore | None,
    executor: str | Executor | Backend,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    should_stop: StopSignal | None,
    compact: bool,
    task_timeout: float | None,
) -> SweepResult:
    owned = isinstance(executor, str)  # close only what this call opened
    if isinstance(executor, str):
        backend = open_backend(executor, workers, scheduler, where="scheduler")
    else:
        backend = as_backend(executor)
    stored_before = store.stored if store is not None else 0
    try:
        session = store.start_session(backend.name, backend.workers) if store is not None else -1
    except BaseException:
        if owned:
            backend.close(cancel=True)
        raise
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
            new = outcome.n_new if outcome is not None else store.stored - stored_before
            store.end_session(session, new, bool(outcome and outcome.complete))
    if store is not None and outcome.complete and compact:
        for table in store.table_names():
            store.compact(table)
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
        notes=list(store.notes) if store is not None else [],
    )
