"""Stacks of parameter sets: replicate clinics whose parameter values differ, run as one.

The cohort engine runs a stack of replicate clinics as arrays of shape
(replicates, patients). The replicates of a stack may have different parameter
values: a :class:`ParamStack` holds one :class:`~alliance_sim.core.params.Params` per
replicate and gives each value as a per-replicate column, shape (replicates, 1)
(or (replicates, 1, 1) against a trailing axis of items or goal domains), which
broadcasts against the state arrays; the rules already work on arrays, so the same
rule computes every replicate with its own values, number for number what it
computes for that replicate alone.

What cannot differ within a stack is the **structure** (:data:`STRUCTURAL`): the
values that set array shapes, which random numbers are drawn, or the schedule —
the numbers of patients, therapists and sessions, the measurement sessions and the
assignment rule. :func:`structure_of` is the key to group parameter sets by before
stacking them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from alliance_sim.core.errors import ParameterError
from alliance_sim.core.params import SCHEMA, Kind, Params, measurement_schedule

__all__ = ["STRUCTURAL", "ParamStack", "structure_of"]

STRUCTURAL: tuple[str, ...] = (
    "n_patients",
    "n_therapists",
    "n_sessions",
    "measurement_sessions",
    "assignment",
)
"""The parameters every member of a stack shares: they set shapes, draws and schedule.

Every other parameter (``caseload`` and ``device`` included: they only enter
arithmetic) may differ from replicate to replicate."""


def structure_of(params: Params) -> tuple[Hashable, ...]:
    """What must be equal for two parameter sets to share a stack (sessions resolved).

    ``measurement_sessions`` counts by the sessions it names, so ``"2,last"`` and
    ``"2,12"`` stack together in a 12-session episode.
    """
    return (
        int(params.n_patients),
        int(params.n_therapists),
        int(params.n_sessions),
        tuple(sorted(measurement_schedule(params))),
        str(params.assignment),
    )


class ParamStack:
    """The parameter sets of a stack of replicate clinics, one per replicate.

    ``stack.n_patients`` (and every :data:`STRUCTURAL` parameter) is the shared
    value; ``stack.empathy_mean`` (every other parameter) is a per-replicate column
    of shape (replicates, 1); :meth:`column` gives other shapes.

    Raises:
        ParameterError: for no members, or members whose structure differs (naming
            the parameter and the two values).
    """

    def __init__(self, members: Sequence[Params]) -> None:
        """Check that ``members`` share their structure and hold them."""
        if not members:
            raise ParameterError("a stack needs at least one parameter set")
        first = members[0]
        key = structure_of(first)
        for r, member in enumerate(members):
            if member is not first and structure_of(member) != key:
                name = next(n for n in STRUCTURAL if member[n] != first[n])
                raise ParameterError(
                    f"{name} = {member[name]!r} (replicate {r}) differs from {first[name]!r}"
                    f" (replicate 0): {', '.join(STRUCTURAL)} must be equal within a stack"
                )
        self.members: tuple[Params, ...] = tuple(members)
        self.structure: Params = first
        """The first member: read the shared (structural) values from it."""
        self._columns: dict[str, np.ndarray] = {}

    @classmethod
    def shared(cls, params: Params, size: int) -> ParamStack:
        """A stack of ``size`` replicates that all have ``params``."""
        return cls([params] * size)

    def __len__(self) -> int:
        """The number of replicates."""
        return len(self.members)

    def column(self, name: str, trailing: int = 1) -> npt.NDArray[Any]:
        """Parameter ``name`` per replicate, shape (replicates,) + (1,) × ``trailing``.

        Numbers come as float64, choices as strings (``stack.device == "active"``
        is a boolean column).
        """
        values = self._columns.get(name)
        if values is None:
            raw = [member[name] for member in self.members]
            kind = SCHEMA[name].kind
            values = np.array(raw) if kind is Kind.CHOICE else np.array(raw, dtype=np.float64)
            self._columns[name] = values
        return values.reshape(values.shape + (1,) * trailing)

    def __getattr__(self, name: str) -> Any:
        """A structural parameter's shared value, or any other parameter's column."""
        if name.startswith("_") or name not in SCHEMA:
            raise AttributeError(name)
        if name in STRUCTURAL:
            return self.structure[name]
        return self.column(name)

    def __repr__(self) -> str:
        """The number of replicates and the shared structure."""
        shared = ", ".join(f"{name}={self.structure[name]!r}" for name in STRUCTURAL)
        return f"ParamStack({len(self)} replicates; {shared})"
