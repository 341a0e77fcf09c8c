"""Shared Hypothesis strategies: valid parameter sets drawn from the schema, and seeds.

Sizes are kept small (at most 25 patients, 6 therapists, 12 sessions) so that a
property can run a whole clinic for every example.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from alliance_sim.core.params import SCHEMA, Kind, Parameter, Params

__all__ = [
    "SESSION_SPECS",
    "SMALL_BOUNDS",
    "measurement_specs",
    "overrides",
    "params",
    "seeds",
    "value_of",
]

SMALL_BOUNDS: dict[str, tuple[int, int]] = {
    "n_patients": (1, 25),
    "n_therapists": (1, 6),
    "n_sessions": (1, 12),
}
"""Tighter bounds than the schema's for the sizes, so that runs stay fast."""

SESSION_SPECS: tuple[str, ...] = (
    "2,last",
    "1",
    "last",
    "1,3",
    "1,last",
    "2",
    "3,6,last",
    "1,2,3",
    "4, last",
    "12",
)
"""Valid measurement_sessions strings (some name sessions that short episodes lack)."""


def _names(spec: str) -> list[int]:
    return [int(part) for part in spec.split(",") if part.strip() != "last"]


def measurement_specs(n_sessions: int) -> st.SearchStrategy[str]:
    """A measurement_sessions string valid for an episode of ``n_sessions`` sessions."""
    valid = [s for s in SESSION_SPECS if all(k <= n_sessions for k in _names(s))]
    return st.sampled_from(valid)


def value_of(spec: Parameter) -> st.SearchStrategy[Any]:
    """Any valid value of one parameter (sessions excluded: they depend on n_sessions)."""
    if spec.kind is Kind.CHOICE:
        return st.sampled_from(spec.choices)
    if spec.kind is Kind.INT:
        low, high = SMALL_BOUNDS.get(spec.name, (int(spec.low or 0), int(spec.high or 0)))
        return st.integers(low, high)
    if spec.kind is Kind.FLOAT:
        assert spec.low is not None and spec.high is not None
        return st.floats(spec.low, spec.high, allow_nan=False, allow_infinity=False)
    raise ValueError(f"no strategy for {spec.name} ({spec.kind})")


@st.composite
def params(draw: st.DrawFn) -> Params:
    """A valid Params: every parameter drawn within its allowed values."""
    values: dict[str, Any] = {}
    for name, spec in SCHEMA.items():
        if spec.kind is not Kind.SESSIONS:
            values[name] = draw(value_of(spec), label=name)
    values["measurement_sessions"] = draw(measurement_specs(int(values["n_sessions"])))
    return Params(values)


def overrides(group: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid values for every parameter of one schema group (e.g. ``"therapist"``)."""
    return st.fixed_dictionaries(
        {
            name: value_of(spec)
            for name, spec in SCHEMA.items()
            if spec.group == group and spec.kind is not Kind.SESSIONS
        }
    )


seeds = st.integers(min_value=0, max_value=2**32 - 1)
"""Seeds for the model's random number generator."""
