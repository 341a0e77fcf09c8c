"""Where the runs execute: in-process, a local process pool, or a Dask cluster.

Each backend wraps a :class:`concurrent.futures.Executor`, says how many runs it
works on at once (``workers``) and, where it can, replaces a pool whose worker
died (``restart``) or kills a pool's workers when a task runs past the sweep's
timeout (``kill``: process pools only). The runner needs nothing else, so any
``Executor`` works too (:func:`as_backend`).

* ``serial`` — :class:`SerialExecutor`: each task runs inside ``submit``.
* ``processes`` — a :class:`~concurrent.futures.ProcessPoolExecutor` (the default;
  one worker per core, ``spawn`` start method, workers ignore Ctrl-C so that the
  main process handles it).
* ``dask`` — ``distributed.Client(...).get_executor(pure=False)`` on the cluster at
  ``scheduler`` (e.g. ``tcp://host:8786``), or on a ``LocalCluster`` started for the
  sweep when no address is given. ``pure=False`` matters: with the default, tasks
  that look identical would be computed once. Needs the ``[dask]`` extra, and the
  cluster's workers must be able to import ``alliance_sim``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from alliance_sim.core.errors import AllianceSimError

__all__ = [
    "Backend",
    "SerialExecutor",
    "as_backend",
    "open_backend",
]

SCHEDULER_TIMEOUT_S = 5.0
"""How long to wait for a Dask scheduler before saying it cannot be reached."""


class SerialExecutor(Executor):
    """An executor that runs each task at once, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` now; return a finished future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(error)
        return future


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops the sweep cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while child processes start, so that they ignore it from birth.

    An ignored signal stays ignored across ``exec``, so a worker started meanwhile
    never turns a Ctrl-C meant for the sweep into a ``KeyboardInterrupt`` traceback
    of its own (before its initializer could ignore it). Only the main thread may
    change signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _logging_silenced() -> Iterator[None]:
    """No log records at all (in this process) until the block ends."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers ignore Ctrl-C from the moment they are spawned."""

    def _spawn_process(self) -> None:  # the pool's hook (CPython 3.9+) for each new worker
        with _sigint_ignored():
            super()._spawn_process()  # type: ignore[misc]


def _shutdown(executor: Executor, wait: bool, cancel: bool) -> None:
    """Shut ``executor`` down; Dask's executor knows no ``cancel_futures``."""
    try:
        executor.shutdown(wait=wait, cancel_futures=cancel)
    except TypeError:
        executor.shutdown(wait=wait)


class Backend:
    """An executor, its number of workers, and (optionally) how to replace it."""

    def __init__(
        self,
        name: str,
        executor: Executor,
        workers: int,
        factory: Callable[[], Executor] | None = None,
        on_close: Callable[[], None] | None = None,
        quiet_cancel: bool = False,
    ) -> None:
        self.name = name
        self.executor = executor
        self.workers = max(1, int(workers))
        self._factory = factory
        self._on_close = on_close
        self._quiet_cancel = quiet_cancel

    def restart(self) -> bool:
        """Replace the executor after its workers died; False if this backend cannot."""
        if self._factory is None:
            return False
        _shutdown(self.executor, wait=False, cancel=True)
        self.executor = self._factory()
        return True

    def kill(self) -> bool:
        """Kill the workers and replace the executor; False if this backend cannot.

        Only a process pool that the backend can replace is killed (a task that never
        returns dies with its worker; the other tasks in the pool are lost and must be
        run again). A thread, a Dask worker or a serial call cannot be stopped.
        """
        if self._factory is None or not isinstance(self.executor, ProcessPoolExecutor):
            return False
        _kill_workers(self.executor)
        return self.restart()

    def close(self, cancel: bool = False) -> None:
        """Shut the executor down (cancelling queued tasks when ``cancel``).

        A Dask cluster closed with its tasks cancelled (after Ctrl-C or an error) logs
        a warning or a traceback for each task cut short; those are silenced while it
        closes, so that the sweep's own message is the one line a user sees.
        """
        with _logging_silenced() if cancel and self._quiet_cancel else contextlib.nullcontext():
            _shutdown(self.executor, wait=not cancel, cancel=cancel)
            if self._on_close is not None:
                self._on_close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(cancel=kind is not None)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a process pool's worker processes (it then counts as broken)."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14 and later
    if callable(kill):
        kill()
        return
    processes = getattr(pool, "_processes", None) or {}  # private before 3.14
    for process in list(processes.values()):
        process.kill()


def as_backend(executor: Executor | Backend | None) -> Backend:
    """``executor`` as a backend: ``None`` runs serially; a plain Executor cannot restart."""
    if isinstance(executor, Backend):
        return executor
    if executor is None:
        return Backend("serial", SerialExecutor(), 1)
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    backend = Backend(type(executor).__name__, executor, workers)
    backend.close = lambda cancel=False: None  # type: ignore[method-assign]  # the caller owns it
    return backend


def _noop(_: int) -> None:
    """A task that starts a worker."""


def _process_pool(workers: int) -> ProcessPoolExecutor:
    pool = _Pool(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_ignore_sigint,
    )
    # Start the workers now (each ignores Ctrl-C from birth, see _Pool): a Ctrl-C
    # meanwhile stops the main process alone, which takes the pool down with it.
    try:
        list(pool.map(_noop, range(workers)))
    except BaseException:
        _kill_workers(pool)
        _shutdown(pool, wait=False, cancel=True)
        raise
    return pool


LOCAL_WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Dask configuration for the local cluster's workers: without Dask's MALLOC_TRIM_THRESHOLD_.

Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting it switches off
glibc's adaptive mmap threshold, so every large numpy temporary of the cohort engine is
mapped and unmapped afresh; a sweep then ran 2.5 times slower per run in a Dask worker
than in a pool worker. ``None`` unsets the variable (Dask's documented way).
"""


def _dask_backend(workers: int, scheduler: str | None, where: str) -> Backend:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise AllianceSimError(
            "the dask executor needs the [dask] extra: python3 -m pip install -e '.[dask]'"
        ) from None
    cluster = None
    if scheduler:
        client = _connect(Client, scheduler, where)
    else:
        # The workers are started with Ctrl-C ignored (they inherit it), and the plugin
        # makes a worker started later (after one died) ignore it too: Ctrl-C in the
        # terminal reaches the whole process group, and the sweep, not each worker,
        # should answer it.
        from alliance_sim.batch._dask_plugin import IgnoreSigint

        with dask.config.set(LOCAL_WORKER_CONFIG), _sigint_ignored():
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                scheduler_kwargs={"dashboard": False},
            )
            try:
                client = Client(cluster, set_as_default=False)
                client.register_plugin(IgnoreSigint())
            except BaseException:
                with _logging_silenced(), contextlib.suppress(Exception):
                    cluster.close()
                raise
    try:
        threads = sum(client.nthreads().values()) or workers
    except BaseException:
        with _logging_silenced(), contextlib.suppress(Exception):
            client.close()
            if cluster is not None:
                cluster.close()
        raise

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return Backend(
        "dask", client.get_executor(pure=False), threads, on_close=close, quiet_cancel=True
    )


def _connect(client_class: Any, scheduler: str, where: str) -> Any:
    """A Dask client of the scheduler at ``scheduler``, or a one-line error.

    A client whose connection fails is closed at once: otherwise, when it is
    garbage-collected, Dask's ``Client.__del__`` waits 10 s to close it and prints a
    ``TimeoutError`` traceback after the message.
    """

    class QuietClient(client_class):  # type: ignore[misc, valid-type]
        def start(self, **kwargs: Any) -> None:
            try:
                super().start(**kwargs)
            except BaseException:
                self.status = "closed"  # nothing to close gracefully: __del__ then does nothing
                with contextlib.suppress(Exception):
                    self._loop_runner.stop()
                raise

    try:
        return QuietClient(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s", set_as_default=False)
    except Exception as error:  # OSError, TimeoutError, ValueError, TypeError (TLS), MemoryError…
        text = " ".join(str(error).split())
        text = text if len(text) <= 160 else text[:159] + "…"
        raise AllianceSimError(
            f"{where}: cannot reach the Dask scheduler at {scheduler!r}"
            f" within {SCHEDULER_TIMEOUT_S:g} s ({type(error).__name__}: {text})"
        ) from None


def open_backend(
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    where: str = "--scheduler",
) -> Backend:
    """Start the backend named ``executor`` (``serial``, ``processes`` or ``dask``).

    Args:
        executor: which backend.
        workers: pool size (default: the number of cores); for ``dask`` the
            number of local workers when no scheduler is given.
        scheduler: a Dask scheduler address (``dask`` only).
        where: how an error names the scheduler setting (an option or a file key).

    Raises:
        AllianceSimError: for an unknown executor, a scheduler without ``dask``, a
            missing Dask install or an unreachable scheduler.
    """
    n = workers if workers is not None else (os.cpu_count() or 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise AllianceSimError(f"workers = {workers!r} is not allowed: a whole number ≥ 1")
    if scheduler and executor != "dask":
        raise AllianceSimError(f"{where}: a scheduler address needs the dask executor")
    if executor == "serial":
        return Backend("serial", SerialExecutor(), 1)
    if executor == "processes":
        return Backend("processes", _process_pool(n), n, factory=lambda: _process_pool(n))
    if executor == "dask":
        return _dask_backend(n, scheduler, where)
    raise AllianceSimError(
        f"executor = {executor!r} is not allowed: one of 'processes', 'serial', 'dask'"
    )
