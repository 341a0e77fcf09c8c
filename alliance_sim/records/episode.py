"""Each patient's episode of care summed up from their session-by-session record.

Both engines record the same per-session patient state (the columns of the
sessions table). :func:`episode_outcomes` turns that record into one value per
patient — attendance, dropout, adherence while in care, ruptures, first-session
relief, the first completed questionnaires, the state at the end — with the
sessions on the second-to-last axis and the patients on the last, so it serves
one clinic (sessions × patients) and a stack of replicate clinics (replicates ×
sessions × patients) alike. The patients table, the run metrics and the
cohort engine's summary-only mode all come from here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from alliance_sim.core.population import Population
from alliance_sim.records.columns import (
    FINAL_STATE_COLUMNS,
    FIRST_FORM_COLUMNS,
    OUTCOME_COLUMNS,
)
from alliance_sim.records.metrics import FULL_ADHERENCE

__all__ = ["baseline_of", "episode_outcomes"]

Array = npt.NDArray[np.float64]


def baseline_of(population: Population) -> dict[str, Array]:
    """The baseline state :func:`episode_outcomes` measures change from."""
    return {
        "pain_mm": population.pain_mm,
        "disability": population.disability,
        "function": population.function,
        "self_efficacy": population.self_efficacy,
    }


def _sum_over_sessions(values: np.ndarray) -> np.ndarray:
    """Sum over the sessions axis (-2), adding session after session.

    ``ndarray.sum`` picks its order of additions from the memory layout, which
    differs between one clinic and a stack of clinics; a fixed order makes each
    clinic's sum the same to the last bit however many clinics are stacked.
    """
    total = values[..., 0, :]
    for session in range(1, values.shape[-2]):
        total = total + values[..., session, :]
    return np.asarray(total)


def episode_outcomes(
    final: Mapping[str, Array],
    history: Mapping[str, np.ndarray],
    baseline: Mapping[str, Array],
) -> dict[str, np.ndarray]:
    """Each patient's episode outcomes (arrays whose last axis is the patients).

    Args:
        final: the state after the last session, one entry per
            :data:`~alliance_sim.records.columns.FINAL_STATE_COLUMNS` (shape ``(..., N)``).
        history: per-session records, one entry per :data:`~alliance_sim.records.columns.HISTORY_COLUMNS`,
            shape ``(..., S, N)`` with session 1 first.
        baseline: ``pain_mm``, ``disability``, ``function`` and
            ``self_efficacy`` at the start (shape ``(..., N)``).

    Returns:
        One array per :data:`~alliance_sim.records.columns.OUTCOME_COLUMNS`, shape ``(..., N)``.
        ``dropout_session`` and ``wai_session`` are NaN where the patient never
        dropped out or never completed a questionnaire. Adherence is the mean
        over the sessions in care; the first-form scores come from the first
        session at which the patient completed the questionnaires.
    """
    attended = np.asarray(history["attended"], dtype=bool)
    dropped = np.asarray(history["dropped_out"], dtype=bool)
    in_care = ~dropped

    out: dict[str, np.ndarray] = {name: np.asarray(final[name]) for name in FINAL_STATE_COLUMNS}
    out["dropped_out"] = dropped[..., -1, :]
    ever = dropped.any(axis=-2)
    first_drop = np.argmax(dropped, axis=-2)
    out["dropout_session"] = np.where(ever, first_drop + 1.0, np.nan)
    sessions_in_care = in_care.sum(axis=-2)
    sessions_attended = (attended & in_care).sum(axis=-2)
    out["sessions_in_care"] = sessions_in_care
    out["sessions_attended"] = sessions_attended
    out["attendance"] = sessions_attended / sessions_in_care
    out["missed_any"] = sessions_attended < sessions_in_care
    adherence = _sum_over_sessions(np.where(in_care, history["adherence"], 0.0)) / sessions_in_care
    out["adherence"] = adherence
    out["fully_adherent"] = adherence >= FULL_ADHERENCE
    out["n_ruptures"] = np.asarray(history["ruptured"], dtype=bool).sum(axis=-2)
    out["first_session_relief_mm"] = np.asarray(history["relief_mm"])[..., 0, :]
    out["pain_change_mm"] = out["pain_mm"] - baseline["pain_mm"]
    out["disability_change"] = out["disability"] - baseline["disability"]
    out["function_change"] = out["function"] - baseline["function"]
    out["self_efficacy_change"] = out["self_efficacy"] - baseline["self_efficacy"]

    completed = ~np.isnan(history["wai_patient_total"])
    any_form = completed.any(axis=-2)
    first_form = np.argmax(completed, axis=-2)[..., None, :]
    out["wai_session"] = np.where(any_form, first_form[..., 0, :] + 1.0, np.nan)
    for target, source in FIRST_FORM_COLUMNS.items():
        first = np.take_along_axis(np.asarray(history[source]), first_form, axis=-2)[..., 0, :]
        out[target] = np.where(any_form, first, np.nan)
    return {name: out[name] for name in OUTCOME_COLUMNS}
