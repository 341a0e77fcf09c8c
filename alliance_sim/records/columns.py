"""The output schema: the tables a run can return and the columns of each, declared once.

Both engines record exactly these columns (the agent engine's Mesa reporters are built
from them; the cohort engine fills them from its arrays), the tables and metrics are
computed from them, and a trial protocol is checked against them without running the
model. A test checks that what the engines produce equals what is declared here.

* **summary** — one row per run: :data:`SUMMARY_COLUMNS` (the metrics);
* **clinic** — one row per session: :data:`CLINIC_COLUMNS`;
* **patients** — one row per patient: :data:`PATIENT_COLUMNS`;
* **sessions** — one row per patient per session: :data:`SESSION_COLUMNS`;
* **questionnaires** — one row per answered item: :data:`QUESTIONNAIRE_COLUMNS`.

Tables of several runs (:func:`alliance_sim.simulation.simulate`) put ``replicate`` and
``seed`` first.
"""

from __future__ import annotations

from collections.abc import Collection

from alliance_sim.core.errors import ParameterError
from alliance_sim.core.population import THERAPIST_TRAITS
from alliance_sim.records.metrics import METRICS
from alliance_sim.rules.fit import GOAL_DOMAINS

__all__ = [
    "BASELINE_COLUMNS",
    "BOOLEAN_SESSION_COLUMNS",
    "CLINIC_COLUMNS",
    "CLINIC_MEANS",
    "DYAD_COLUMNS",
    "FINAL_STATE_COLUMNS",
    "FIRST_FORM_COLUMNS",
    "HISTORY_COLUMNS",
    "OUTCOME_COLUMNS",
    "PATIENT_COLUMNS",
    "QUESTIONNAIRE_COLUMNS",
    "RUN_COLUMNS",
    "SCORE_COLUMNS",
    "SESSION_COLUMNS",
    "SESSION_KEYS",
    "STATE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TABLES",
    "check_tables",
]

TABLES: tuple[str, ...] = ("summary", "clinic", "patients", "sessions", "questionnaires")
"""The tables an engine can return (``summary`` always)."""

RUN_COLUMNS: tuple[str, ...] = ("replicate", "seed")
"""The columns every table of several runs starts with."""


def check_tables(tables: Collection[str] | str) -> list[str]:
    """The tables asked for, in :data:`TABLES` order, ``summary`` included.

    Raises:
        ParameterError: for a name that is not one of :data:`TABLES`.
    """
    names = [tables] if isinstance(tables, str) else list(tables)
    for name in names:
        if not isinstance(name, str) or name not in TABLES:
            allowed = ", ".join(repr(t) for t in TABLES)
            raise ParameterError(f"table = {name!r} is not allowed: one of {allowed}")
    return [name for name in TABLES if name == "summary" or name in names]


# --- sessions: one row per patient per session ------------------------------------------------
SESSION_KEYS: tuple[str, ...] = ("session", "patient_id", "therapist_id")
"""The columns that say whose session a row is."""

SCORE_COLUMNS: tuple[str, ...] = (
    "wai_patient_goal",
    "wai_patient_task",
    "wai_patient_bond",
    "wai_patient_total",
    "wai_therapist_goal",
    "wai_therapist_task",
    "wai_therapist_bond",
    "wai_therapist_total",
    "watoci_patient",
)
"""The questionnaire scores of a session (NaN when not measured or not attended)."""

STATE_COLUMNS: tuple[str, ...] = (
    "attended",
    "dropped_out",
    "goal_agreement",
    "task_agreement",
    "bond",
    "collaborative",
    "alliance",
    "ruptured",
    "self_efficacy",
    "adherence",
    "pain_before_mm",
    "pain_after_mm",
    "relief_mm",
    "pain_mm",
    "impairment",
    "disability",
    "function",
    "psychosocial_load",
    "gpe",
    *SCORE_COLUMNS,
)
"""A patient's state recorded after each session (an attribute of the same name in both
engines)."""

BOOLEAN_SESSION_COLUMNS: tuple[str, ...] = ("attended", "dropped_out", "ruptured")
"""The state columns that are true/false (the others are numbers)."""

SESSION_COLUMNS: tuple[str, ...] = (*SESSION_KEYS, *STATE_COLUMNS)
"""The sessions table's columns."""

# --- clinic: one row per session of clinic-level means ----------------------------------------
CLINIC_MEANS: dict[str, tuple[str, str]] = {
    "goal_agreement": ("goal_agreement", "in_care"),
    "task_agreement": ("task_agreement", "in_care"),
    "bond": ("bond", "in_care"),
    "alliance": ("alliance", "in_care"),
    "self_efficacy": ("self_efficacy", "in_care"),
    "adherence": ("adherence", "in_care"),
    "attendance": ("attended", "in_care"),
    "dropout": ("dropped_out", "all"),
    "pain_mm": ("pain_mm", "all"),
    "disability": ("disability", "all"),
}
"""Each clinic-level measure: (patient state column averaged, over which patients).

``"in_care"`` = the patients who have not dropped out; ``"all"`` = every patient."""

CLINIC_COLUMNS: tuple[str, ...] = ("session", *CLINIC_MEANS)
"""The clinic table's columns."""

# --- patients: one row per patient ------------------------------------------------------------
BASELINE_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "therapist_id",
    "prefers_active",
    "preferred_involvement",
    "expectation",
    "prior_trust",
    "structural_share",
    "self_efficacy_baseline",
    "psychosocial_load_baseline",
    "pain_baseline_mm",
    "disability_baseline",
    "function_baseline",
    *(f"goal_{domain}" for domain in GOAL_DOMAINS),
    *(f"therapist_{trait}" for trait in THERAPIST_TRAITS),
)
"""A patient's baseline, goals and their therapist's initial traits."""

DYAD_COLUMNS: tuple[str, ...] = ("style_in_use", "misfit", "goal_fit")
"""The dyad's fit (:class:`~alliance_sim.rules.phases.Dyad`)."""

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

HISTORY_COLUMNS: tuple[str, ...] = (
    "attended",
    "dropped_out",
    "ruptured",
    "adherence",
    "relief_mm",
    "wai_patient_goal",
    "wai_patient_task",
    "wai_patient_bond",
    "wai_patient_total",
    "wai_therapist_total",
    "watoci_patient",
)
"""The per-session columns the episode outcomes read besides the final state."""

FIRST_FORM_COLUMNS: dict[str, str] = {
    "wai_patient": "wai_patient_total",
    "wai_therapist": "wai_therapist_total",
    "watoci_patient": "watoci_patient",
    "wai_patient_goal": "wai_patient_goal",
    "wai_patient_task": "wai_patient_task",
    "wai_patient_bond": "wai_patient_bond",
}
"""Outcome column → the sessions-table score taken from the first completed questionnaire."""

OUTCOME_COLUMNS: tuple[str, ...] = (
    *FINAL_STATE_COLUMNS,
    "dropped_out",
    "dropout_session",
    "sessions_in_care",
    "sessions_attended",
    "attendance",
    "missed_any",
    "adherence",
    "fully_adherent",
    "n_ruptures",
    "first_session_relief_mm",
    "pain_change_mm",
    "disability_change",
    "function_change",
    "self_efficacy_change",
    "wai_session",
    *FIRST_FORM_COLUMNS,
)
"""Each patient's episode outcomes (:func:`~alliance_sim.records.episode.episode_outcomes`)."""

PATIENT_COLUMNS: tuple[str, ...] = (*BASELINE_COLUMNS, *DYAD_COLUMNS, *OUTCOME_COLUMNS)
"""The patients table's columns: what a trial protocol's analysis may use."""

# --- questionnaires and summary ---------------------------------------------------------------
QUESTIONNAIRE_COLUMNS: tuple[str, ...] = (
    "session",
    "patient_id",
    "therapist_id",
    "rater",
    "instrument",
    "item",
    "subscale",
    "answer",
)
"""The questionnaires table's columns (long format: one row per answered item)."""

SUMMARY_COLUMNS: tuple[str, ...] = tuple(METRICS)
"""The summary table's columns: one per metric (:data:`~alliance_sim.records.metrics.METRICS`)."""
