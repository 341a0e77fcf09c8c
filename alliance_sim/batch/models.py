"""The model contract of a sweep, and the clinic as such a model.

A model is any picklable callable ``model(values, seeds)``: ``values`` maps each
varied input's name to its value at one design point and ``seeds`` is a list of
run seeds (the replicates of that point); it returns one row of outputs per seed,
in order — a :class:`pandas.DataFrame` or a sequence of mappings. That is all a
model knows: it never sees SALib, the design or the results folder. A model may
also return a mapping of tables, ``{"summary": outputs, "sessions": frame}``,
where every extra table has a ``replicate`` column (the position in ``seeds``);
the runner stores those under ``<table>/`` with each run's ``run_id``. A row of
outputs whose ``error`` column holds a non-empty string is recorded as a run that
failed with that message.

Optionally, a model also runs many points in one call: ``model.run_points(points)``
takes a list of ``(values, seeds)`` pairs and returns what ``model(values, seeds)``
would return for all of them at once — one row per seed, the points one after
another (an extra table's ``replicate`` is the run's position in that order). A
point that cannot run is reported in its rows' ``error`` column rather than
raised. The runner hands all the points of a task to ``run_points`` when the model
has it; if the call raises, it calls the model point by point instead (and run by
run within a point that raises), so a result never depends on which path ran it.

:class:`ClinicSweep` runs the clinic on the cohort engine. Its ``run_points`` runs the
points of a task as one stack (each replicate clinic with its point's values; see
:mod:`alliance_sim.core.stacking`), which is what makes a sweep with one run per point
(Sobol, LHS, Morris) fast; the replicates of one point stack too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from alliance_sim.core.params import Params
from alliance_sim.engines.cohort import run_cohort

__all__ = ["ERROR_COLUMN", "ClinicSweep", "ModelOutput", "Point", "SweepModel"]

ModelOutput: TypeAlias = pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, pd.DataFrame]
"""What a model returns: one row of outputs per seed, or tables keyed by name."""

SweepModel: TypeAlias = Callable[[Mapping[str, Any], list[int]], ModelOutput]
"""A model: parameters of one design point and the seeds of its replicates in, outputs out."""

Point: TypeAlias = tuple[Mapping[str, Any], list[int]]
"""One design point for ``run_points``: its values and the seeds of its runs."""

ERROR_COLUMN = "error"
"""An output column that, when a row holds a non-empty string, marks that run as failed."""


@dataclass(frozen=True)
class ClinicSweep:
    """The clinic as a sweep model: the base parameters with a point's values applied.

    Calling it runs one replicate clinic per seed on the cohort engine
    (:func:`alliance_sim.engines.cohort.run_cohort`) and returns the ``outputs`` metrics,
    one row per seed; with ``sessions=True`` also the clinic means per session
    (the ``clinic`` table) as a ``sessions`` table. :meth:`run_points` does the
    same for many points in one stacked cohort-engine call, with the same numbers.

    Raises:
        ParameterError: when a point's values are not allowed (recorded as an error run).
    """

    base: Mapping[str, Any]
    outputs: tuple[str, ...]
    sessions: bool = False

    def __call__(self, values: Mapping[str, Any], seeds: list[int]) -> ModelOutput:
        """Run the clinic at one design point, once per seed."""
        return self._output(self._tables(self._params(values), list(seeds)))

    def run_points(self, points: Sequence[Point]) -> ModelOutput:
        """Run the clinic at several design points in one stacked call.

        Each point's values are validated on their own: the runs of a point whose
        values are not allowed get an ``error`` (``"ParameterError: …"``) and no
        outputs, and the other points run. Every run is number for number what
        ``self(values, seeds)`` gives it.
        """
        members: list[Params] = []
        seeds: list[int] = []
        errors: list[str] = []
        for values, point_seeds in points:
            try:
                params = self._params(values)
            except Exception as error:  # as the point alone would: an error run
                errors += [f"{type(error).__name__}: {error}"] * len(point_seeds)
                continue
            members += [params] * len(point_seeds)
            seeds += list(point_seeds)
            errors += [""] * len(point_seeds)
        if not any(errors):
            return self._output(self._tables(members, seeds))
        ran = np.flatnonzero(np.array(errors, dtype=object) == "")  # the runs that ran
        summary = pd.DataFrame({name: np.full(len(errors), np.nan) for name in self.outputs})
        tables = self._tables(members, seeds) if len(ran) else {}
        if tables:
            summary.iloc[ran] = tables["summary"].to_numpy()
        summary[ERROR_COLUMN] = errors
        if not self.sessions:
            return summary
        out = {"summary": summary}
        if tables:  # the sessions of the runs that ran, at their positions among all
            sessions = tables["sessions"]
            sessions["replicate"] = ran[sessions["replicate"].to_numpy()]
            out["sessions"] = sessions
        return out

    @cached_property
    def _base_params(self) -> Params:
        return Params(self.base)

    def _params(self, values: Mapping[str, Any]) -> Params:
        """The base parameters with a point's values applied (validated)."""
        return self._base_params.replace(**dict(values))

    def _tables(self, params: Params | list[Params], seeds: list[int]) -> dict[str, pd.DataFrame]:
        """Run one clinic per seed on the cohort engine (``params``: shared or one per seed)."""
        tables = ("summary", "clinic") if self.sessions else ("summary",)
        frames = run_cohort(params, seeds, tables)
        out = {"summary": frames["summary"][list(self.outputs)]}
        if self.sessions:
            out["sessions"] = frames["clinic"].drop(columns=["seed"])
        return out

    def _output(self, tables: dict[str, pd.DataFrame]) -> ModelOutput:
        return tables if self.sessions else tables["summary"]
