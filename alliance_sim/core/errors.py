"""The exceptions a user can cause: each message names the field, the value and what is allowed."""

from __future__ import annotations

__all__ = ["AllianceSimError", "ParameterError", "ScenarioError"]


class AllianceSimError(ValueError):
    """A mistake in user input (parameters, scenario files, options)."""


class ParameterError(AllianceSimError):
    """A parameter name or value that is not allowed."""


class ScenarioError(AllianceSimError):
    """A scenario that cannot be found, read or validated."""
