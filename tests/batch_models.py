"""Sweep models for the batch tests (importable by pool and Dask workers).

Each follows the model contract of alliance_sim.batch.models: values and seeds
in, one row of outputs per seed out.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from alliance_sim.batch.models import ClinicSweep

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
"""The usual constants; the published indices below are for these."""

ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(values: dict[str, Any], seeds: list[int]) -> list[dict[str, float]]:
    """The Ishigami function (deterministic: every seed gives the same value)."""
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    return [{"y": y} for _ in seeds]


def linear(values: dict[str, Any], seeds: list[int]) -> list[dict[str, float]]:
    """y = 3 a + 1 b + 0 c: Morris μ* is |slope| × range."""
    return [{"y": 3.0 * values["a"] + 1.0 * values["b"]} for _ in seeds]


@dataclass(frozen=True)
class RaisingClinic:
    """The clinic, except that the run with seed ``bad_seed`` raises (an output that fails)."""

    clinic: ClinicSweep
    bad_seed: int

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        if self.bad_seed in seeds:
            raise ZeroDivisionError(f"no output for seed {self.bad_seed}")
        return self.clinic(values, seeds)


@dataclass(frozen=True)
class DyingClinic:
    """The clinic, except that the run with seed ``bad_seed`` kills its worker process."""

    clinic: ClinicSweep
    bad_seed: int

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        if self.bad_seed in seeds:
            os._exit(13)  # a hard crash: no exception, no cleanup
        return self.clinic(values, seeds)


@dataclass(frozen=True)
class PointByPoint:
    """The clinic without ``run_points``: the runner calls it once per point."""

    clinic: ClinicSweep

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        return self.clinic(values, seeds)


@dataclass(frozen=True)
class StackOnlyClinic:
    """The clinic that runs only through ``run_points``: a call per point raises."""

    clinic: ClinicSweep

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        raise RuntimeError("called point by point")

    def run_points(self, points: list[tuple[dict[str, Any], list[int]]]) -> Any:
        return self.clinic.run_points(points)


@dataclass(frozen=True)
class StackFailingClinic:
    """The clinic whose ``run_points`` always raises: the runner must go point by point."""

    clinic: ClinicSweep

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        return self.clinic(values, seeds)

    def run_points(self, points: list[tuple[dict[str, Any], list[int]]]) -> Any:
        raise MemoryError("no room for a stack")


@dataclass(frozen=True)
class UnsendableResultClinic:
    """The clinic, except that the task holding seed ``bad_seed`` cannot send its result back.

    Its runs finish in the worker, but the result holds an object that does not pickle,
    so the task's future fails with an exception while its worker lives on.
    """

    clinic: ClinicSweep
    bad_seed: int

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        summary = self.clinic(values, seeds)
        if self.bad_seed not in seeds:
            return summary
        note = pd.DataFrame({"replicate": [0], "lock": [threading.Lock()]})
        return {"summary": summary, "note": note}


RELEASE = threading.Event()
"""Set it to let a waiting :class:`HangingClinic` call return (threads only)."""


@dataclass(frozen=True)
class HangingClinic:
    """The clinic, except that the run with seed ``bad_seed`` never returns.

    In a worker process it sleeps for an hour; in the test's own process (a thread
    pool) it waits until :data:`RELEASE` is set.
    """

    clinic: ClinicSweep
    bad_seed: int

    def __call__(self, values: dict[str, Any], seeds: list[int]) -> Any:
        if self.bad_seed in seeds:
            if multiprocessing.parent_process() is None:
                RELEASE.wait()
            else:
                time.sleep(3600)
        return self.clinic(values, seeds)
