"""The model contract of a sweep, and the clinic as such a model.

A model is any picklable callable ``model(values, seeds)``: ``values`` maps each
varied input's name to its value at one design point and ``seeds`` is a list of
run seeds (the replicates of that point); it returns one row of outputs per seed,
in order — a :class:`pandas.DataFrame` or a sequence of mappings. That is all a
model knows: it never sees SALib, the design or the results folder. A model may
also return a mapping of tables, ``{"summary": outputs, "sessions": frame}``,
where every extra table has a ``replicate`` column (the position in ``seeds``);
the runner stores those under ``<table>/`` with each run's ``run_id``.

:class:`Clinic` runs the clinic on the cohort engine, so the replicates of a
point run as one vectorised stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import pandas as pd

from alliance_sim.cohort import run_cohort
from alliance_sim.params import Params

__all__ = ["Clinic", "Model", "ModelOutput"]

ModelOutput: TypeAlias = pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, pd.DataFrame]
"""What a model returns: one row of outputs per seed, or tables keyed by name."""

Model: TypeAlias = Callable[[Mapping[str, Any], list[int]], ModelOutput]
"""A model: parameters of one design point and the seeds of its replicates in, outputs out."""


@dataclass(frozen=True)
class Clinic:
    """The clinic as a sweep model: the base parameters with a point's values applied.

    Calling it runs one replicate clinic per seed on the cohort engine
    (:func:`alliance_sim.cohort.run_cohort`) and returns the ``outputs`` metrics,
    one row per seed; with ``sessions=True`` also the clinic means per session
    (the ``clinic`` table) as a ``sessions`` table.

    Raises:
        ParameterError: when a point's values are not allowed (recorded as an error run).
    """

    base: Mapping[str, Any]
    outputs: tuple[str, ...]
    sessions: bool = False

    def __call__(self, values: Mapping[str, Any], seeds: list[int]) -> ModelOutput:
        """Run the clinic at one design point, once per seed."""
        params = Params(self.base, **dict(values))
        tables = ("summary", "clinic") if self.sessions else ("summary",)
        frames = run_cohort(params, seeds, tables)
        summary = frames["summary"][list(self.outputs)]
        if not self.sessions:
            return summary
        clinic = frames["clinic"].drop(columns=["seed"])
        return {"summary": summary, "sessions": clinic}
