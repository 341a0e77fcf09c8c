"""The runner: a design's runs on any executor, batched, fault-tolerant, resumable.

:func:`run_design` turns the design's unfinished runs into tasks and hands them to
a :class:`~concurrent.futures.Executor` (through a
:class:`~alliance_sim.batch.executors.Backend`):

* **Batching.** A task holds several design points: the first tasks hold one
  point each; later tasks are sized from the measured time per run to take about
  ``task_seconds`` (default 0.25 s; process pools cost ~70 µs and Dask ~1.5 ms
  per task, so tasks of ≥ 50 ms keep overheads small). A model with
  ``run_points`` (:class:`~alliance_sim.batch.models.Clinic`) gets all the points
  of a task in one call — the cohort engine runs them as one stack, different
  values and all; any other model gets one call per point (all its replicates).
  Task boundaries never change results: each run depends only on its point and seed.
* **Errors.** A row the model marks with an ``error`` (e.g. a point whose values
  are not allowed) is recorded with ``status = "error"`` and the message. A
  ``run_points`` call that raises is retried point by point, and a point's call
  that raises is retried run by run, so the runs that raise become error rows and
  the others finish. A task that raises as a whole while its worker lives (e.g. its
  result does not pickle) is retried run by run the same way; the pool is kept.
* **Worker death.** When a worker dies (a hard crash, out of memory), the pool is
  replaced and the tasks it held run again, one at a time; a task that kills its
  worker alone is split into single runs, and a run that kills its worker alone
  is recorded with ``status = "failed"``. Before the first task the model is sent
  to a worker once, so a model the workers cannot load (it does not pickle, or
  they cannot import it) stops the sweep at once with a message instead of killing
  one pool after another.
* **Timeouts.** With ``task_timeout``, a task that runs longer is given up and its
  runs are found out one at a time; the runs that time out alone are ``failed``.
  A process pool's workers are killed to free them; other executors cannot stop
  a running call (see :func:`run_design`).
* **Never waiting forever.** A future that its executor cancels without saying so
  (:func:`concurrent.futures.wait` never reports such a future) is looked for on
  every pass and its task runs again; an executor that refuses tasks stops the
  sweep with an error. Finished runs are kept in every case.
* **Results.** Each finished task's rows are written to the results folder before
  the next progress report (:meth:`~alliance_sim.batch.store.ResultStore.write_runs`:
  its extra tables' rows first, its run rows last, as the commit), so an
  interruption loses only unfinished runs; without a folder the rows are kept in
  memory. A full disk stops the sweep with
  :class:`~alliance_sim.batch.store.DiskFullError`; the stored runs are kept.
* **Stopping.** ``should_stop`` (a callable or a :class:`threading.Event`) is
  checked between tasks (at least once a second): no new tasks start, running
  ones finish and are kept, and the result says ``complete = False``.
  Ctrl-C (:class:`KeyboardInterrupt`) cancels queued tasks and propagates.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from alliance_sim.batch.design import DESIGN_COLUMNS
from alliance_sim.batch.executors import Backend, SerialExecutor, as_backend
from alliance_sim.batch.models import ERROR_COLUMN, Model, Point
from alliance_sim.batch.store import ResultStore, run_schema
from alliance_sim.core.errors import AllianceSimError

__all__ = ["Progress", "RunOutcome", "StopSignal", "run_design", "run_task"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished task (runs, including stored ones)."""

StopSignal = Callable[[], bool] | threading.Event
"""Ask a sweep to stop: a callable returning True, or an Event that is set."""

TASK_SECONDS = 0.25
"""The work a task aims at once the time per run is known."""


@dataclass
class _Chunk:
    """Runs of one design point that go to the model in one call."""

    point: int
    values: dict[str, Any]
    run_ids: list[int]
    seeds: list[int]

    def split(self, n: int) -> tuple[_Chunk, _Chunk]:
        head = _Chunk(self.point, self.values, self.run_ids[:n], self.seeds[:n])
        tail = _Chunk(self.point, self.values, self.run_ids[n:], self.seeds[n:])
        return head, tail


@dataclass
class _Task:
    chunks: list[_Chunk]
    isolated: bool = False
    generation: int = 0

    @property
    def n_runs(self) -> int:
        return sum(len(c.run_ids) for c in self.chunks)

    def singles(self, isolated: bool) -> list[_Task]:
        """One task per run."""
        return [
            _Task([_Chunk(c.point, c.values, c.run_ids[i : i + 1], c.seeds[i : i + 1])], isolated)
            for c in self.chunks
            for i in range(len(c.run_ids))
        ]


TaskResult = tuple[list[dict[str, Any]], dict[str, list[pd.DataFrame]]]
"""What a task sends back: one row per run, and the extra tables' parts."""


def _normalise(out: Any, n: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """A model's return value as (one row of outputs per seed, extra tables)."""
    extra: dict[str, pd.DataFrame] = {}
    if isinstance(out, Mapping) and "summary" in out:
        extra = {k: v for k, v in out.items() if k != "summary"}
        out = out["summary"]
    frame = out if isinstance(out, pd.DataFrame) else pd.DataFrame(list(out))
    if len(frame) != n:
        raise AllianceSimError(f"the model returned {len(frame)} rows of outputs for {n} seeds")
    return frame.reset_index(drop=True), extra


def _checked(out: Any, n: int, outputs: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """A model's return value for ``n`` runs, normalised; raises if an output is missing."""
    frame, extra = _normalise(out, n)
    missing = [name for name in outputs if name not in frame.columns]
    if missing:
        raise AllianceSimError(f"the model returned no output {missing[0]!r}")
    return frame, extra


def _rows(
    frame: pd.DataFrame,
    extra: dict[str, pd.DataFrame],
    run_ids: Sequence[int],
    wall: float,
    outputs: Sequence[str],
) -> TaskResult:
    """A model's outputs for ``run_ids`` (in order) as run rows and extra tables.

    Raises (e.g. for an output that is not a number) without keeping anything.
    """
    rows: list[dict[str, Any]] = []
    extras: dict[str, list[pd.DataFrame]] = {}
    values = frame[list(outputs)].to_numpy(dtype=float, na_value=np.nan)
    errors = (
        frame[ERROR_COLUMN].to_numpy(dtype=object)
        if ERROR_COLUMN in frame.columns
        else [""] * len(run_ids)
    )
    for i, run_id in enumerate(run_ids):
        error = errors[i] if isinstance(errors[i], str) else ""
        row: dict[str, Any] = {
            "run_id": run_id,
            "status": "error" if error else "ok",
            "error": error,
            "wall_s": wall,
        }
        if not error:
            row.update(zip(outputs, values[i].tolist(), strict=True))
        rows.append(row)
    for name, table in extra.items():
        table = table.copy()
        positions = table.pop("replicate").to_numpy()
        table.insert(0, "run_id", np.asarray(run_ids, dtype=np.int64)[positions])
        extras.setdefault(name, []).append(table)
    return rows, extras


def _keep(result: TaskResult, rows: list[dict[str, Any]], extras: dict) -> None:
    rows += result[0]
    for name, tables in result[1].items():
        extras.setdefault(name, []).extend(tables)


def _run_points(
    run_points: Callable[[list[Point]], Any],
    outputs: Sequence[str],
    chunks: Sequence[_Chunk],
    rows: list[dict[str, Any]],
    extras: dict[str, list[pd.DataFrame]],
) -> bool:
    """Every chunk's runs in one ``run_points`` call; False (nothing kept) if it raises."""
    start = time.perf_counter()
    run_ids = [run_id for chunk in chunks for run_id in chunk.run_ids]
    try:
        out = run_points([(dict(chunk.values), list(chunk.seeds)) for chunk in chunks])
        frame, extra = _checked(out, len(run_ids), outputs)
        wall = (time.perf_counter() - start) / len(run_ids)
        result = _rows(frame, extra, run_ids, wall, outputs)
    except Exception:
        return False
    _keep(result, rows, extras)
    return True


def _run_chunk(
    model: Model, outputs: Sequence[str], chunk: _Chunk, rows: list[dict[str, Any]], extras: dict
) -> None:
    start = time.perf_counter()
    try:
        out = model(dict(chunk.values), list(chunk.seeds))
        frame, extra = _checked(out, len(chunk.seeds), outputs)
        wall = (time.perf_counter() - start) / len(chunk.run_ids)
        result = _rows(frame, extra, chunk.run_ids, wall, outputs)
    except Exception as error:
        if len(chunk.run_ids) > 1:  # find the runs that raise
            for i in range(len(chunk.run_ids)):
                one = _Chunk(
                    chunk.point, chunk.values, chunk.run_ids[i : i + 1], chunk.seeds[i : i + 1]
                )
                _run_chunk(model, outputs, one, rows, extras)
            return
        rows.append(
            {
                "run_id": chunk.run_ids[0],
                "status": "error",
                "error": f"{type(error).__name__}: {error}",
                "wall_s": time.perf_counter() - start,
            }
        )
        return
    _keep(result, rows, extras)


def run_task(model: Model, outputs: Sequence[str], chunks: Sequence[_Chunk]) -> TaskResult:
    """Run one task (in a worker): every chunk's runs; returns run rows and extra tables.

    With the model's ``run_points``, all chunks in one call; if that raises (or
    the model has none), one call per chunk.
    """
    rows: list[dict[str, Any]] = []
    extras: dict[str, list[pd.DataFrame]] = {}
    run_points = getattr(model, "run_points", None)
    if callable(run_points) and _run_points(run_points, outputs, chunks, rows, extras):
        return rows, extras
    for chunk in chunks:
        _run_chunk(model, outputs, chunk, rows, extras)
    return rows, extras


@dataclass
class RunOutcome:
    """What :func:`run_design` did."""

    runs: pd.DataFrame
    """The run table: every stored run with a folder, else the runs of this call."""
    complete: bool
    """Whether every run of the design is now finished (stopped early: False)."""
    n_new: int
    """Runs finished by this call."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra tables (e.g. ``sessions``) of this call, when there is no folder."""


def _worker_died(error: BaseException) -> bool:
    """Whether a task's exception says that its worker died (not that the task raised)."""
    # Dask gives up on a task whose workers keep dying with distributed's KilledWorker.
    return isinstance(error, BrokenExecutor) or type(error).__name__ == "KilledWorker"


def _should_stop(signal: StopSignal | None) -> bool:
    if signal is None:
        return False
    if isinstance(signal, threading.Event):
        return signal.is_set()
    return bool(signal())


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


class _Pending:
    """The runs still to submit, as chunks made on demand (memory stays flat).

    One chunk per run of consecutive rows of the same point; a chunk split to fit a
    task goes back to the front.
    """

    def __init__(self, todo: pd.DataFrame, factors: Sequence[str]) -> None:
        points = todo["point"].to_numpy()
        self.points = points
        self.run_ids = todo["run_id"].to_numpy()
        self.seeds = todo["seed"].to_numpy()
        self.columns = {name: todo[name].to_numpy() for name in factors}  # types kept
        changes = points[1:] != points[:-1]
        self.starts: np.ndarray = (
            np.flatnonzero(np.r_[True, changes]) if len(todo) else np.zeros(0, int)
        )
        self.ends: np.ndarray = np.r_[self.starts[1:], len(todo)]
        self.next = 0
        self.front: deque[_Chunk] = deque()
        self.remaining = len(todo)

    def __bool__(self) -> bool:
        return self.remaining > 0

    def peek_size(self) -> int:
        """The number of runs of the next chunk."""
        if self.front:
            return len(self.front[0].run_ids)
        return int(self.ends[self.next] - self.starts[self.next])

    def popleft(self) -> _Chunk:
        if self.front:
            chunk = self.front.popleft()
        else:
            a, b = int(self.starts[self.next]), int(self.ends[self.next])
            self.next += 1
            chunk = _Chunk(
                int(self.points[a]),
                {name: _plain(column[a]) for name, column in self.columns.items()},
                [int(x) for x in self.run_ids[a:b]],
                [int(x) for x in self.seeds[a:b]],
            )
        self.remaining -= len(chunk.run_ids)
        return chunk

    def appendleft(self, chunk: _Chunk) -> None:
        self.front.appendleft(chunk)
        self.remaining += len(chunk.run_ids)


class _Run:
    """The state of one call of :func:`run_design`."""

    def __init__(
        self,
        design: pd.DataFrame,
        model: Model,
        outputs: Sequence[str],
        backend: Backend,
        store: ResultStore | None,
        progress: Progress | None,
        task_seconds: float,
        task_timeout: float | None = None,
    ) -> None:
        self.design = design.set_index("run_id", drop=False)
        self.model = model
        self.outputs = list(outputs)
        self.backend = backend
        self.store = store
        self.progress = progress
        self.task_seconds = task_seconds
        self.schema = run_schema(design, outputs)
        self.design_columns = [c for c in design.columns]
        self.collected: list[pa.Table] = []
        self.extra: dict[str, list[pd.DataFrame]] = {}
        self.generation = 0
        self.seconds = 0.0
        self.timed_runs = 0
        self.total = len(design)
        self.finished = 0
        self.n_new = 0
        self.task_timeout = task_timeout
        self.reports_running = isinstance(
            backend.executor, ProcessPoolExecutor | ThreadPoolExecutor | SerialExecutor
        )
        self.in_flight: dict[Future[Any], _Task] = {}
        self.submitted: dict[Future[Any], float] = {}
        self.started: dict[Future[Any], float] = {}
        self.stuck: set[Future[Any]] = set()
        """Calls given up after the timeout that could not be stopped (they hold a worker)."""
        self.suspects: deque[_Task] = deque()
        """Tasks whose worker died: run one at a time, alone, to find the run that kills it."""
        self.retry: deque[_Task] = deque()
        """Tasks to run again as they are: they never ran, their pool was killed under them,
        or they are the single runs of a task that raised as a whole."""

    def task_size(self, remaining: int) -> int:
        if self.timed_runs == 0 or self.seconds <= 0:
            return 1
        per_run = self.seconds / self.timed_runs
        size = max(1, int(self.task_seconds / per_run))
        balance = max(1, math.ceil(remaining / (3 * self.backend.workers)))
        return min(size, balance)

    def next_task(self, queue: _Pending) -> _Task:
        size = self.task_size(queue.remaining)
        if self.timed_runs == 0:
            size = queue.peek_size()  # first tasks: one whole point each
        chunks: list[_Chunk] = []
        taken = 0
        while queue and taken < size:
            chunk = queue.popleft()
            room = size - taken
            if len(chunk.run_ids) > room:
                chunk, rest = chunk.split(room)
                queue.appendleft(rest)
            chunks.append(chunk)
            taken += len(chunk.run_ids)
        return _Task(chunks)

    def record(self, rows: list[dict[str, Any]], extras: dict[str, list[pd.DataFrame]]) -> None:
        if not rows:
            return
        results = pd.DataFrame(rows).set_index("run_id")
        run_ids = results.index.to_numpy()
        frame = self.design.loc[run_ids, self.design_columns].reset_index(drop=True)
        for name in self.outputs:
            frame[name] = results[name].to_numpy(dtype=float) if name in results else np.nan
        frame["status"] = results["status"].to_numpy()
        frame["error"] = results["error"].to_numpy()
        frame["wall_s"] = results["wall_s"].to_numpy(dtype=float)
        frame = frame.sort_values("run_id", kind="stable")
        table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        if self.store is not None:  # the run rows last: they commit the extra rows
            self.store.write_runs(
                table,
                {
                    name: pa.Table.from_pandas(
                        pd.concat(parts, ignore_index=True), preserve_index=False
                    )
                    for name, parts in extras.items()
                },
            )
        else:
            self.collected.append(table)
            for name, parts in extras.items():
                self.extra.setdefault(name, []).extend(parts)
        ok = frame["status"] == "ok"
        self.seconds += float(frame.loc[ok, "wall_s"].sum())
        self.timed_runs += int(ok.sum())
        self.finished += len(frame)
        self.n_new += len(frame)
        if self.progress is not None:
            self.progress(self.finished, self.total)

    def fail(self, task: _Task, why: str) -> None:
        rows = [
            {"run_id": run_id, "status": "failed", "error": why, "wall_s": 0.0}
            for chunk in task.chunks
            for run_id in chunk.run_ids
        ]
        self.record(rows, {})

    # --- submitting, waiting, collecting ---------------------------------------------------------
    def submit(self, task: _Task) -> None:
        """Hand ``task`` to the executor (replacing a broken pool once)."""
        task.generation = self.generation
        try:
            try:
                future = self.backend.executor.submit(
                    run_task, self.model, self.outputs, task.chunks
                )
            except BrokenExecutor:  # a worker died between tasks: a new pool, once
                if not self.backend.restart():
                    raise
                self.generation += 1
                task.generation = self.generation
                future = self.backend.executor.submit(
                    run_task, self.model, self.outputs, task.chunks
                )
        except Exception as error:
            raise AllianceSimError(
                f"the executor cannot run tasks ({type(error).__name__}: {error});"
                " the finished runs are kept"
            ) from error
        self.in_flight[future] = task
        self.submitted[future] = time.monotonic()

    def fill(self, queue: _Pending, should_stop: StopSignal | None) -> None:
        """Submit tasks up to the capacity; a suspect runs alone, with nothing else in flight."""
        if self.suspects:
            if not self.in_flight:
                self.submit(self.suspects.popleft())
            return
        while (self.retry or queue) and len(self.in_flight) < 2 * self.backend.workers:
            self.submit(self.retry.popleft() if self.retry else self.next_task(queue))
            if _should_stop(should_stop):
                return

    def wait_for_some(self) -> None:
        """Wait (at most a second) for tasks to finish and collect them; enforce the timeout."""
        timeout = 1.0
        if self.task_timeout is not None:
            timeout = min(timeout, max(0.01, self.next_deadline() - time.monotonic()))
        finished, _ = wait(list(self.in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        # A future cancelled without its executor saying so (e.g. by a pool's shutdown with
        # cancel_futures) is never reported by wait(): look for it, or it is waited on forever.
        finished |= {future for future in self.in_flight if future.cancelled()}
        for future in finished:
            task = self.in_flight.pop(future)
            self.forget(future)
            self.collect(future, task)
        if self.task_timeout is not None:
            self.enforce_timeout()

    def forget(self, future: Future[Any]) -> None:
        self.submitted.pop(future, None)
        self.started.pop(future, None)

    def collect(self, future: Future[Any], task: _Task) -> None:
        if future.cancelled():  # it never ran: run it again as it was
            self.retry.append(task)
            return
        try:
            rows, extras = future.result()
        except Exception as error:
            if _worker_died(error):
                self.lost(task, error)
            else:
                self.raised(task, error)
            return
        self.record(rows, extras)

    def lost(self, task: _Task, error: BaseException) -> None:
        """A task whose worker died."""
        if task.generation == self.generation and self.backend.restart():
            self.generation += 1
        why = f"its worker died ({type(error).__name__}: {error or 'no message'})"
        if not task.isolated:
            self.suspects.append(_Task(task.chunks, isolated=True))
        elif task.n_runs > 1:
            self.suspects.extend(task.singles(isolated=True))
        else:
            self.fail(task, why)

    def raised(self, task: _Task, error: BaseException) -> None:
        """A task that raised as a whole while its worker lived (e.g. its result would not pickle).

        Its runs go again one by one, and a run that raises so is an error row. The
        pool is sound, so it is kept, and so are the other tasks in it.
        """
        if task.n_runs > 1:
            self.retry.extend(task.singles(isolated=False))
            return
        row = {
            "run_id": task.chunks[0].run_ids[0],
            "status": "error",
            "error": f"{type(error).__name__}: {error}",
            "wall_s": 0.0,
        }
        self.record([row], {})

    # --- the task timeout --------------------------------------------------------------------------
    def clock_start(self, future: Future[Any]) -> float:
        """When a task's clock started (``inf``: not yet).

        When it was seen running, or, for executors whose futures never say so
        (Dask's), when it was submitted.
        """
        if future in self.started:
            return self.started[future]
        if future.running() or not self.reports_running:
            self.started[future] = time.monotonic() if future.running() else self.submitted[future]
            return self.started[future]
        return math.inf  # waiting in the pool's queue: not started

    def next_deadline(self) -> float:
        assert self.task_timeout is not None
        starts = [self.clock_start(future) for future in self.in_flight]
        return min(starts, default=math.inf) + self.task_timeout

    def enforce_timeout(self) -> None:
        """Tasks running longer than ``task_timeout``: their runs fail (see :func:`run_design`)."""
        assert self.task_timeout is not None
        now = time.monotonic()
        late = [
            future
            for future in self.in_flight
            if not future.done() and now - self.clock_start(future) > self.task_timeout
        ]
        if not late:
            return
        why = f"timed out after {self.task_timeout:g} s"
        tasks = [self.in_flight.pop(future) for future in late]
        if self.backend.kill():  # the pool's workers are killed and the pool replaced
            self.generation += 1
            for future, task in self.in_flight.items():  # their work died with the pool
                self.forget(future)
                self.retry.append(task)
            self.in_flight.clear()
        else:  # a running call cannot be stopped: it keeps its worker busy until it returns
            for future in late:
                future.cancel()
            self.stuck = {future for future in self.stuck | set(late) if not future.done()}
            if len(self.stuck) >= self.backend.workers:
                for task in tasks:
                    self.fail(task, why)
                raise AllianceSimError(
                    f"every worker ({self.backend.workers}) is busy with a task that {why}"
                    " and cannot be stopped on this executor; the finished runs are kept"
                )
        for future in late:
            self.forget(future)
        for task in tasks:
            if task.n_runs > 1:  # find the runs that time out, each alone
                self.suspects.extend(task.singles(isolated=True))
            else:
                self.fail(task, why)

    # --- the loop ------------------------------------------------------------------------------------
    def run(self, queue: _Pending, should_stop: StopSignal | None) -> bool:
        stopped = False
        try:
            while queue or self.in_flight or self.suspects or self.retry:
                if _should_stop(should_stop):
                    stopped = True
                    break
                self.fill(queue, should_stop)
                if self.in_flight:
                    self.wait_for_some()
            if stopped:  # queued tasks are dropped, running ones finish and are kept
                for future in [f for f in self.in_flight if f.cancel()]:
                    del self.in_flight[future]
                while self.in_flight:
                    self.wait_for_some()
        except BaseException:
            for future in self.in_flight:
                future.cancel()
            raise
        return not stopped and not queue and not self.suspects and not self.retry

    def table(self) -> pd.DataFrame:
        if self.store is not None:
            return self.store.read()
        if not self.collected:
            return self.schema.empty_table().to_pandas()
        table = pa.concat_tables(self.collected).sort_by("run_id")
        return table.to_pandas()


def _check_workers_can_run(
    backend: Backend, model: Model, outputs: Sequence[str], timeout: float | None
) -> None:
    """Send the model to a worker once, with no runs: fail fast if it cannot get there.

    A model that does not pickle, or that the workers cannot import (defined in a
    notebook, in ``python -c``, or in a script run under another tool such as
    ``python -m cProfile``), would otherwise fail every task, one pool restart at a time.
    """
    if isinstance(backend.executor, SerialExecutor):
        return
    try:
        backend.executor.submit(run_task, model, list(outputs), []).result(timeout)
    except Exception as error:
        died = " (a worker died receiving it)" if _worker_died(error) else ""
        raise AllianceSimError(
            f"the workers cannot run the model{died}: {type(error).__name__}: {error}. A model"
            " must pickle and the workers must import it: define it in a module (a file they"
            " can import), not in a notebook, `python -c` or a script run by another tool"
        ) from error


def run_design(
    design: pd.DataFrame,
    model: Model,
    outputs: Sequence[str],
    *,
    executor: Executor | Backend | None = None,
    store: ResultStore | None = None,
    progress: Progress | None = None,
    should_stop: StopSignal | None = None,
    task_seconds: float = TASK_SECONDS,
    task_timeout: float | None = None,
) -> RunOutcome:
    """Run the design's runs that ``store`` does not hold yet; return the run table.

    Args:
        design: the design table (:func:`alliance_sim.batch.design.make_design`):
            ``run_id``, ``point``, ``replicate``, ``seed`` and one column per factor.
        model: ``model(values, seeds)`` → one row of outputs per seed (see
            :mod:`alliance_sim.batch.models`); must pickle for process pools and Dask.
        outputs: the output columns to keep.
        executor: any ``concurrent.futures.Executor`` or a
            :class:`~alliance_sim.batch.executors.Backend`; ``None`` runs in-process.
        store: the results folder to write part files to and resume from; ``None``
            keeps the rows in memory.
        progress: ``progress(done, total)`` after each task.
        should_stop: checked between tasks; when it says stop, running tasks
            finish and the call returns with ``complete = False``.
        task_seconds: the work per task to aim at.
        task_timeout: seconds a task may run (``None``: no limit). A task that runs
            longer is given up: on a process pool that this call can replace (the
            default ``processes`` backend) its workers are killed and the pool
            replaced, the other tasks in the pool run again, and the late task's
            runs run again one at a time, so that only the runs that time out alone
            are recorded as ``failed`` ("timed out after … s"). A thread, a Dask
            worker or a plain executor cannot be stopped: the runs are recorded all
            the same, but the call goes on in its worker until it returns (and keeps
            that worker busy; when every worker is busy so, the sweep stops with an
            error rather than wait). The serial executor runs a task inside ``submit``, so
            a timeout cannot apply. The clock starts when the executor reports the
            task running (a process pool does so when the task enters its queue,
            where it may wait behind one task); Dask's futures never do, so there it
            starts at submission.

    Returns:
        The run table (one row per run: the design columns, the outputs, ``status``,
        ``error`` and ``wall_s``; sorted by ``run_id``) and whether the design is complete.

    Raises:
        AllianceSimError: for a design without its columns, a bad ``task_timeout``,
            workers that cannot run the model at all (it does not pickle, or the
            workers cannot import it), or an executor that refuses tasks; the runs
            finished before are kept.
    """
    missing = [c for c in DESIGN_COLUMNS if c not in design.columns]
    if missing:
        raise AllianceSimError(f"the design has no {missing[0]!r} column")
    if task_timeout is not None and (
        isinstance(task_timeout, bool)
        or not isinstance(task_timeout, int | float)
        or not task_timeout > 0
    ):
        raise AllianceSimError(
            f"task_timeout = {task_timeout!r} is not allowed: a number of seconds > 0, or None"
        )
    factors = [c for c in design.columns if c not in DESIGN_COLUMNS]
    backend = as_backend(executor)
    done = store.done_run_ids() if store is not None else set()
    todo = design[~design["run_id"].isin(list(done))].sort_values("run_id", kind="stable")
    if len(todo):
        _check_workers_can_run(backend, model, outputs, task_timeout)
    state = _Run(design, model, outputs, backend, store, progress, task_seconds, task_timeout)
    state.finished = len(design) - len(todo)
    if progress is not None:
        progress(state.finished, state.total)
    complete = state.run(_Pending(todo, factors), should_stop)
    tables = {
        name: pd.concat(parts, ignore_index=True).sort_values("run_id", kind="stable")
        for name, parts in state.extra.items()
    }
    return RunOutcome(state.table(), complete, state.n_new, tables)
