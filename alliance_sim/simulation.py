"""The headless entry point: parameters and a seed in, tidy tables out.

This is the seam the command line, the web app, batch experiments and trials
use. ``run_clinic`` runs the agent engine (a Mesa model) for one episode;
``run_replicates`` runs several seeds derived from one with ``SeedSequence``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_sim.agents import Patient
from alliance_sim.metrics import summarise
from alliance_sim.model import ClinicModel
from alliance_sim.params import Params, check_seed
from alliance_sim.tables import patients_table, questionnaire_table

__all__ = ["ClinicRun", "Replicates", "replicate_seeds", "run_clinic", "run_replicates"]


@dataclass
class ClinicRun:
    """The tidy tables of one run (one clinic, one episode of care)."""

    params: Params
    seed: int
    sessions: pd.DataFrame
    """One row per patient per session."""
    patients: pd.DataFrame
    """One row per patient."""
    questionnaires: pd.DataFrame
    """One row per answered questionnaire item."""
    clinic: pd.DataFrame
    """One row per session: clinic-level means."""
    summary: dict[str, float] = field(default_factory=dict)
    """The run-level metrics (see :data:`alliance_sim.metrics.METRICS`)."""

    def summary_frame(self) -> pd.DataFrame:
        """The run as a one-row table: seed, every parameter value, every metric."""
        row: dict[str, object] = {"seed": self.seed}
        row.update(self.params.to_dict())
        row.update(self.summary)
        return pd.DataFrame([row])


def sessions_table(model: ClinicModel) -> pd.DataFrame:
    """The data collector's patient records as a tidy table (one row per patient per session)."""
    # The index (step or time, agent id) differs between Mesa versions; the
    # reporters carry session and patient_id themselves.
    frame = model.datacollector.get_agenttype_vars_dataframe(Patient).reset_index(drop=True)
    frame = frame.sort_values(["session", "patient_id"], kind="stable").reset_index(drop=True)
    return frame.astype({"attended": bool, "dropped_out": bool, "ruptured": bool})


def run_clinic(
    params: Params | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ClinicRun:
    """Run one episode of care with the agent engine and return its tidy tables.

    ``progress(1)`` is called after each session, if given.
    """
    params = params if params is not None else Params()
    model = ClinicModel(params, check_seed(seed))
    try:
        model.run(progress)
        sessions = sessions_table(model)
        patients = patients_table(sessions, model.population)
        clinic = model.datacollector.get_model_vars_dataframe()
        questionnaires = questionnaire_table(model.forms)
    finally:
        model.close()
    return ClinicRun(
        params=params,
        seed=int(seed),
        sessions=sessions,
        patients=patients,
        questionnaires=questionnaires,
        clinic=clinic,
        summary=summarise(patients),
    )


def replicate_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent run seeds derived from ``seed`` with ``numpy.random.SeedSequence``."""
    children = np.random.SeedSequence(check_seed(seed)).spawn(n)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


@dataclass
class Replicates:
    """Several runs of the same parameters: one summary row and a clinic time course per run."""

    params: Params
    runs: pd.DataFrame
    """One row per run: ``replicate``, ``seed`` and every metric."""
    clinic: pd.DataFrame
    """Clinic-level means per session, with ``replicate`` and ``seed`` columns."""


def run_replicates(
    params: Params,
    seeds: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> Replicates:
    """Run ``params`` once per seed; ``progress(1)`` is called after each run."""
    rows = []
    clinics = []
    for replicate, seed in enumerate(seeds):
        run = run_clinic(params, seed)
        rows.append({"replicate": replicate, "seed": seed, **run.summary})
        clinic = run.clinic.copy()
        clinic.insert(0, "seed", seed)
        clinic.insert(0, "replicate", replicate)
        clinics.append(clinic)
        if progress is not None:
            progress(1)
    return Replicates(
        params=params, runs=pd.DataFrame(rows), clinic=pd.concat(clinics, ignore_index=True)
    )
