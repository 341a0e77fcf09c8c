"""Tidy tables of a run, for pandas, Parquet and CSV.

* **sessions** — one row per patient per session (the data collector's patient records);
* **patients** — one row per patient: baseline, therapist, dyad and outcomes;
* **questionnaires** — one row per answered item (long format);
* **clinic** — one row per session of clinic-level means;
* **summary** — one row per run (see :mod:`alliance_sim.metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from alliance_sim import rules
from alliance_sim.measures import WAI_SR, WATOCI_9, Instrument
from alliance_sim.metrics import FULL_ADHERENCE
from alliance_sim.population import THERAPIST_TRAITS, Population
from alliance_sim.rules.fit import GOAL_DOMAINS

__all__ = [
    "FINAL_STATE_COLUMNS",
    "patients_table",
    "questionnaire_table",
]

INSTRUMENTS: dict[str, Instrument] = {WAI_SR.name: WAI_SR, WATOCI_9.name: WATOCI_9}

FINAL_STATE_COLUMNS: tuple[str, ...] = (
    "goal_agreement",
    "task_agreement",
    "bond",
    "collaborative",
    "alliance",
    "self_efficacy",
    "psychosocial_load",
    "pain_mm",
    "disability",
    "function",
    "gpe",
)
"""Patient state taken from the last session of the episode."""

FormRecord = tuple[int, int, int, str, str, tuple[float, ...]]


def questionnaire_table(forms: Iterable[FormRecord]) -> pd.DataFrame:
    """One row per answered item: session, patient, therapist, rater, instrument, item, subscale, answer."""
    rows = []
    for session, patient_id, therapist_id, rater, instrument, answers in forms:
        subscales = INSTRUMENTS[instrument].subscales
        for item, (subscale, answer) in enumerate(zip(subscales, answers, strict=True), start=1):
            rows.append(
                (session, patient_id, therapist_id, rater, instrument, item, subscale, int(answer))
            )
    return pd.DataFrame(
        rows,
        columns=[
            "session",
            "patient_id",
            "therapist_id",
            "rater",
            "instrument",
            "item",
            "subscale",
            "answer",
        ],
    ).astype(
        {
            "session": "int64",
            "patient_id": "int64",
            "therapist_id": "int64",
            "item": "int64",
            "answer": "int64",
        }
    )


def dyad_table(population: Population) -> pd.DataFrame:
    """The fit of each patient with their therapist, from the rules over arrays."""
    t = population.therapist_of
    style = rules.effective_style(
        population.power_sharing[t], population.responsiveness[t], population.preferred_involvement
    )
    plan = rules.plan_goals(
        style,
        population.patient_as_person[t],
        rules.therapist_goals(population.biopsychosocial[t]),
        population.goals,
    )
    return pd.DataFrame(
        {
            "style_in_use": style,
            "misfit": rules.involvement_misfit(style, population.preferred_involvement),
            "goal_fit": rules.goal_fit(plan, population.goals),
        }
    )


def baseline_table(population: Population) -> pd.DataFrame:
    """Each patient's baseline and their therapist's initial traits."""
    t = population.therapist_of
    frame = pd.DataFrame(
        {
            "patient_id": np.arange(population.n_patients),
            "therapist_id": t,
            "prefers_active": population.prefers_active,
            "preferred_involvement": population.preferred_involvement,
            "expectation": population.expectation,
            "prior_trust": population.prior_trust,
            "structural_share": population.structural_share,
            "self_efficacy_baseline": population.self_efficacy,
            "psychosocial_load_baseline": population.psychosocial_load,
            "pain_baseline_mm": population.pain_mm,
            "disability_baseline": population.disability,
            "function_baseline": population.function,
        }
    )
    for k, domain in enumerate(GOAL_DOMAINS):
        frame[f"goal_{domain}"] = population.goals[:, k]
    for name in THERAPIST_TRAITS:
        frame[f"therapist_{name}"] = getattr(population, name)[t]
    return pd.concat([frame, dyad_table(population)], axis=1)


def patients_table(sessions: pd.DataFrame, population: Population) -> pd.DataFrame:
    """One row per patient: baseline, therapist, dyad and episode outcomes.

    Outcomes: the state at the last session (alliance, self-efficacy, pain,
    disability, function, global perceived effect), attendance and dropout,
    adherence while in care, ruptures, first-session relief, and the scores
    of the first questionnaires each patient completed.
    """
    s = sessions.sort_values(["patient_id", "session"])
    by_patient = s.groupby("patient_id", sort=True)
    last = by_patient.tail(1).set_index("patient_id")
    in_care = s[~s["dropped_out"]]
    care = in_care.groupby("patient_id")
    out = baseline_table(population).set_index("patient_id")
    for column in FINAL_STATE_COLUMNS:
        out[column] = last[column]
    out["dropped_out"] = last["dropped_out"].astype(bool)
    first_drop = s[s["dropped_out"]].groupby("patient_id")["session"].min()
    out["dropout_session"] = first_drop.reindex(out.index).astype("Int64")
    out["sessions_in_care"] = care.size().reindex(out.index, fill_value=0)
    out["sessions_attended"] = (
        care["attended"].sum().reindex(out.index, fill_value=0).astype("int64")
    )
    out["attendance"] = out["sessions_attended"] / out["sessions_in_care"]
    out["missed_any"] = out["sessions_attended"] < out["sessions_in_care"]
    out["adherence"] = care["adherence"].mean().reindex(out.index)
    out["fully_adherent"] = out["adherence"] >= FULL_ADHERENCE
    out["n_ruptures"] = by_patient["ruptured"].sum().astype("int64")
    first = s[s["session"] == 1].set_index("patient_id")
    out["first_session_relief_mm"] = first["relief_mm"]
    out["pain_change_mm"] = out["pain_mm"] - out["pain_baseline_mm"]
    out["disability_change"] = out["disability"] - out["disability_baseline"]
    out["function_change"] = out["function"] - out["function_baseline"]
    out["self_efficacy_change"] = out["self_efficacy"] - out["self_efficacy_baseline"]
    measured = (
        s.dropna(subset=["wai_patient_total"]).groupby("patient_id").head(1).set_index("patient_id")
    )
    out["wai_session"] = measured["session"].reindex(out.index).astype("Int64")
    for target, source in (
        ("wai_patient", "wai_patient_total"),
        ("wai_therapist", "wai_therapist_total"),
        ("watoci_patient", "watoci_patient"),
        ("wai_patient_goal", "wai_patient_goal"),
        ("wai_patient_task", "wai_patient_task"),
        ("wai_patient_bond", "wai_patient_bond"),
    ):
        out[target] = measured[source].reindex(out.index)
    return out.reset_index()
