"""Tidy tables of a run, for pandas, Parquet and CSV.

* **sessions** — one row per patient per session (the data collector's patient records);
* **patients** — one row per patient: baseline, therapist, dyad and outcomes;
* **questionnaires** — one row per answered item (long format);
* **clinic** — one row per session of clinic-level means;
* **summary** — one row per run (see :mod:`alliance_sim.records.metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from alliance_sim.core.population import THERAPIST_TRAITS, Population
from alliance_sim.records.columns import (
    FINAL_STATE_COLUMNS,
    HISTORY_COLUMNS,
    OUTCOME_COLUMNS,
    QUESTIONNAIRE_COLUMNS,
)
from alliance_sim.records.episode import baseline_of, episode_outcomes
from alliance_sim.rules.fit import GOAL_DOMAINS
from alliance_sim.rules.questionnaires import FORMS, WAI_SR, WATOCI_9, Instrument

__all__ = [
    "QUESTIONNAIRE_DTYPES",
    "baseline_table",
    "dyad_table",
    "patient_frame",
    "patients_table",
    "questionnaire_table",
]

INSTRUMENTS: dict[str, Instrument] = {WAI_SR.name: WAI_SR, WATOCI_9.name: WATOCI_9}

FormRecord = tuple[int, int, int, str, str, tuple[float, ...]]


QUESTIONNAIRE_DTYPES: dict[str, object] = dict(
    zip(
        QUESTIONNAIRE_COLUMNS,
        (
            "int64",
            "int64",
            "int64",
            pd.CategoricalDtype(sorted({rater for rater, _ in FORMS})),
            pd.CategoricalDtype(list(INSTRUMENTS)),
            "int64",
            pd.CategoricalDtype(
                sorted({s for instrument in INSTRUMENTS.values() for s in instrument.subscales})
            ),
            "int64",
        ),
        strict=True,
    )
)
"""The questionnaire table's columns and types (categories fixed, so tables concatenate)."""


def questionnaire_table(forms: Iterable[FormRecord]) -> pd.DataFrame:
    """One row per answered item: session, patient, therapist, rater, instrument, item, subscale, answer."""
    rows = []
    for session, patient_id, therapist_id, rater, instrument, answers in forms:
        subscales = INSTRUMENTS[instrument].subscales
        for item, (subscale, answer) in enumerate(zip(subscales, answers, strict=True), start=1):
            rows.append(
                (session, patient_id, therapist_id, rater, instrument, item, subscale, int(answer))
            )
    return pd.DataFrame(rows, columns=list(QUESTIONNAIRE_DTYPES)).astype(QUESTIONNAIRE_DTYPES)


def dyad_table(population: Population) -> pd.DataFrame:
    """The fit of each patient with their therapist (see :meth:`Population.dyad`)."""
    fit = population.dyad()._asdict()
    return pd.DataFrame({name: np.asarray(values).reshape(-1) for name, values in fit.items()})


def baseline_table(population: Population) -> pd.DataFrame:
    """Each patient's baseline, their therapist's initial traits and the dyad's fit.

    One row per patient; for a stack of replicate clinics, the clinics one
    after the other.
    """
    n = population.n_patients

    def flat(values: np.ndarray) -> np.ndarray:
        return np.asarray(values).reshape(-1)

    frame = pd.DataFrame(
        {
            "patient_id": np.tile(np.arange(n, dtype=np.int64), population.therapist_of.size // n),
            "therapist_id": flat(population.therapist_of),
            "prefers_active": flat(population.prefers_active),
            "preferred_involvement": flat(population.preferred_involvement),
            "expectation": flat(population.expectation),
            "prior_trust": flat(population.prior_trust),
            "structural_share": flat(population.structural_share),
            "self_efficacy_baseline": flat(population.self_efficacy),
            "psychosocial_load_baseline": flat(population.psychosocial_load),
            "pain_baseline_mm": flat(population.pain_mm),
            "disability_baseline": flat(population.disability),
            "function_baseline": flat(population.function),
        }
    )
    goals = population.goals.reshape(-1, len(GOAL_DOMAINS))
    for k, domain in enumerate(GOAL_DOMAINS):
        frame[f"goal_{domain}"] = goals[:, k]
    for name in THERAPIST_TRAITS:
        frame[f"therapist_{name}"] = flat(population.per_patient(name))
    return pd.concat([frame, dyad_table(population)], axis=1)


INTEGER_OUTCOMES = ("sessions_in_care", "sessions_attended", "n_ruptures")
NULLABLE_INTEGER_OUTCOMES = ("dropout_session", "wai_session")
BOOLEAN_OUTCOMES = ("dropped_out", "missed_any", "fully_adherent")


def patient_frame(population: Population, outcomes: dict[str, np.ndarray]) -> pd.DataFrame:
    """The patients table from the population and :func:`~alliance_sim.records.episode.episode_outcomes`."""
    frame = baseline_table(population)
    for name in OUTCOME_COLUMNS:
        values = np.asarray(outcomes[name]).reshape(-1)
        if name in INTEGER_OUTCOMES:
            frame[name] = values.astype(np.int64)
        elif name in NULLABLE_INTEGER_OUTCOMES:
            frame[name] = pd.Series(values, dtype=float).astype("Int64")  # NaN → <NA>
        elif name in BOOLEAN_OUTCOMES:
            frame[name] = values.astype(bool)
        else:
            frame[name] = values.astype(float)
    return frame


def patients_table(sessions: pd.DataFrame, population: Population) -> pd.DataFrame:
    """One row per patient: baseline, therapist, dyad and episode outcomes.

    Outcomes (see :func:`~alliance_sim.records.episode.episode_outcomes`): the state
    at the last session (alliance, self-efficacy, pain, disability, function,
    global perceived effect), attendance and dropout, adherence while in
    care, ruptures, first-session relief, and the scores of the first
    questionnaires each patient completed.
    """
    n = population.n_patients
    s = sessions.sort_values(["session", "patient_id"], kind="stable")
    n_sessions = len(s) // n

    def record(column: str) -> np.ndarray:
        return s[column].to_numpy().reshape(n_sessions, n)

    history = {name: record(name) for name in HISTORY_COLUMNS}
    final = {name: record(name)[-1] for name in FINAL_STATE_COLUMNS}
    return patient_frame(population, episode_outcomes(final, history, baseline_of(population)))
