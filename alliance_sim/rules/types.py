"""Type aliases shared by the rules."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["Bool", "Count", "Number"]

Number: TypeAlias = float | npt.NDArray[np.float64]
"""A float (one patient, agent engine) or an array of floats (many patients)."""

Bool: TypeAlias = bool | np.bool_ | npt.NDArray[np.bool_]
"""A truth value (one patient) or an array of them (many patients)."""

Count: TypeAlias = int | npt.NDArray[np.integer]
"""A whole number (one therapist) or an array of them (many)."""
