"""The random numbers of a session, drawn in one documented block.

The agent engine draws exactly these numbers in exactly this order, and any
engine that runs the same rules over arrays must draw the same, so that for
the same parameters and seed they give identical trajectories:

* **Block A**, at the start of every session: ``uniform`` of shape
  (patients, 3) then ``normal`` of shape (patients, 8), row *i* for patient
  *i* (patient order), whether or not the patient is still in care.
* **Block B**, in the observation phase of a measured session only: ``normal``
  of shape (patients, 33) (see :data:`alliance_sim.rules.questionnaires.N_QUESTIONNAIRE_DRAWS`).

Column meanings are the constants below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alliance_sim.rules.questionnaires import N_QUESTIONNAIRE_DRAWS

__all__ = [
    "N_NORMAL",
    "N_UNIFORM",
    "U_ATTEND",
    "U_DROPOUT",
    "U_RUPTURE",
    "Z_ADHERENCE",
    "Z_BOND",
    "Z_DISABILITY",
    "Z_GOAL",
    "Z_GPE",
    "Z_PAIN",
    "Z_RELIEF",
    "Z_TASK",
    "SessionDraws",
    "draw_questionnaires",
    "draw_session",
]

# Columns of the uniform block.
U_DROPOUT, U_ATTEND, U_RUPTURE = range(3)
N_UNIFORM = 3

# Columns of the normal block.
Z_BOND, Z_GOAL, Z_TASK, Z_RELIEF, Z_ADHERENCE, Z_PAIN, Z_GPE, Z_DISABILITY = range(8)
N_NORMAL = 8


@dataclass(frozen=True)
class SessionDraws:
    """Block A of one session: uniforms (patients, 3) and standard normals (patients, 8)."""

    uniform: npt.NDArray[np.float64]
    normal: npt.NDArray[np.float64]


def draw_session(
    rng: np.random.Generator,
    n_patients: int,
    uniform: npt.NDArray[np.float64] | None = None,
    normal: npt.NDArray[np.float64] | None = None,
) -> SessionDraws:
    """Draw block A of a session for ``n_patients`` patients.

    ``uniform`` and ``normal``, if given, are C-contiguous arrays of shape
    (patients, 3) and (patients, 8) to fill in place (the same numbers).
    """
    if uniform is None:
        uniform = rng.random((n_patients, N_UNIFORM))
    else:
        rng.random(out=uniform)
    if normal is None:
        normal = rng.standard_normal((n_patients, N_NORMAL))
    else:
        rng.standard_normal(out=normal)
    return SessionDraws(uniform=uniform, normal=normal)


def draw_questionnaires(
    rng: np.random.Generator,
    n_patients: int,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Draw block B (questionnaire item noise, standard normal) for ``n_patients`` patients.

    ``out``, if given, is a C-contiguous (patients, 33) array to fill in place.
    """
    if out is None:
        return rng.standard_normal((n_patients, N_QUESTIONNAIRE_DRAWS))
    rng.standard_normal(out=out)
    return out
