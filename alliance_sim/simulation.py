"""The headless entry points: parameters and seeds in, tidy tables out.

These are the seams the command line, the web app, batch experiments and
trials use:

* :func:`run_clinic` runs one episode with the agent engine (a Mesa model)
  and returns every table of that run;
* :func:`simulate` runs one replicate per seed with either engine —
  ``engine="cohort"`` (the default: the rulebook over arrays, for batches) or
  ``engine="agent"`` — and returns the tables asked for, each with
  ``replicate`` and ``seed`` columns. Both engines give the same tables;
* :func:`run_replicates` runs several seeds and keeps the per-run metrics and
  the clinic time course; :func:`replicate_seeds` derives the seeds from one
  with ``SeedSequence``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_sim.core.errors import ParameterError, shown
from alliance_sim.core.params import Params, check_seed
from alliance_sim.engines.agent.agents import Patient
from alliance_sim.engines.agent.model import ClinicModel
from alliance_sim.engines.cohort import run_cohort
from alliance_sim.records.columns import TABLES, check_tables
from alliance_sim.records.metrics import summarise
from alliance_sim.records.tables import patients_table, questionnaire_table

__all__ = [
    "ENGINES",
    "MAX_SEEDS",
    "TABLES",
    "ClinicRun",
    "Replicates",
    "Simulation",
    "replicate_seeds",
    "run_clinic",
    "run_replicates",
    "simulate",
]

ENGINES: tuple[str, ...] = ("cohort", "agent")
"""The engines: ``cohort`` (arrays of replicates × patients) and ``agent`` (the Mesa model)."""

MAX_SEEDS = 10_000_000
"""The most replicate seeds :func:`replicate_seeds` derives at once (a sweep's largest size)."""


def _check_members(params: object, n_seeds: int) -> list[Params] | None:
    """``params`` as one :class:`Params` per seed, or None when it is a single parameter set."""
    if params is None or isinstance(params, (Params | Mapping, str | bytes)):
        return None
    if not isinstance(params, Sequence):
        return None
    if len(params) != n_seeds:
        raise ParameterError(
            f"params has {len(params)} parameter sets for {n_seeds} seeds: give one per seed"
        )
    return [_check_params(member) for member in params]


def _check_params(params: object) -> Params:
    """``params`` as a validated :class:`Params` (``None`` for the defaults)."""
    if params is None:
        return Params()
    if isinstance(params, Params):
        return params
    if isinstance(params, Mapping):
        return Params(params)  # validates every name and value
    raise ParameterError(
        f"params = {shown(params)} is not allowed: a Params, a mapping of parameter names to"
        " values, or None for the defaults"
    )


def _check_progress(progress: object) -> Callable[[int], None] | None:
    if progress is not None and not callable(progress):
        raise ParameterError(
            f"progress = {shown(progress)} is not allowed: a function called with the number"
            " of runs finished, or None"
        )
    return progress  # type: ignore[return-value]


def _check_seeds(seeds: object) -> list[int]:
    """``seeds`` as a list of valid seeds: a list (or other sequence) of whole numbers."""
    if isinstance(seeds, str | bytes | Mapping) or not isinstance(seeds, Iterable):
        raise ParameterError(
            f"seeds = {shown(seeds)} is not allowed: a list of seeds (whole numbers from 0 to"
            f" 2**63 - 1), such as [0, 1, 2]"
        )
    checked = [check_seed(seed) for seed in seeds]
    if not checked:
        raise ParameterError("seeds = [] is not allowed: give at least one seed")
    return checked


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
    """The run-level metrics (see :data:`alliance_sim.records.metrics.METRICS`)."""

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
    params = _check_params(params)
    progress = _check_progress(progress)
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
    """``n`` independent run seeds derived from ``seed`` with ``numpy.random.SeedSequence``.

    Raises:
        ParameterError: for a bad seed, or ``n`` that is not a whole number from 0 to
            :data:`MAX_SEEDS`.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 0 <= n <= MAX_SEEDS:
        raise ParameterError(
            f"n = {shown(n)} replicate seeds is not allowed: a whole number from 0 to {MAX_SEEDS:,}"
        )
    children = np.random.SeedSequence(check_seed(seed)).spawn(n)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


@dataclass
class Simulation:
    """The tables of several replicate runs of the same parameters.

    Every table has ``replicate`` (0, 1, …) and ``seed`` columns first, then
    the columns of the same table of a single run (:class:`ClinicRun`);
    ``summary`` has one row per run with every metric.
    """

    params: Params
    """The parameters (with one set per seed: the first replicate's)."""
    seeds: list[int]
    engine: str
    tables: dict[str, pd.DataFrame]
    members: list[Params] | None = None
    """With one parameter set per seed: each replicate's, in seed order (else None)."""

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name``; an error names the tables that were recorded."""
        if not isinstance(name, str) or name not in self.tables:
            recorded = ", ".join(self.tables)
            raise ParameterError(
                f"the {shown(name)} table was not recorded (recorded: {recorded});"
                f" pass tables=[..., {shown(name)}] to simulate()"
            )
        return self.tables[name]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per run: replicate, seed and every metric."""
        return self.table("summary")

    @property
    def clinic(self) -> pd.DataFrame:
        """One row per run per session: clinic-level means."""
        return self.table("clinic")

    @property
    def patients(self) -> pd.DataFrame:
        """One row per run per patient: baseline, therapist, dyad and outcomes."""
        return self.table("patients")

    @property
    def sessions(self) -> pd.DataFrame:
        """One row per run per patient per session."""
        return self.table("sessions")

    @property
    def questionnaires(self) -> pd.DataFrame:
        """One row per run per answered questionnaire item."""
        return self.table("questionnaires")


def _check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(
            f"{name} = {shown(value)} is not allowed: one of {', '.join(repr(a) for a in allowed)}"
        )
    return value


def _agent_tables(
    params: Sequence[Params],
    seeds: Sequence[int],
    tables: Collection[str],
    progress: Callable[[int], None] | None,
) -> dict[str, pd.DataFrame]:
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in tables}
    for replicate, seed in enumerate(seeds):
        run = run_clinic(params[replicate], seed)
        frames = {
            "summary": pd.DataFrame([run.summary]),
            "clinic": run.clinic,
            "patients": run.patients,
            "sessions": run.sessions,
            "questionnaires": run.questionnaires,
        }
        for name in tables:
            frame = frames[name].reset_index(drop=True).copy()
            frame.insert(0, "seed", np.int64(seed))
            frame.insert(0, "replicate", np.int64(replicate))
            parts[name].append(frame)
        if progress is not None:
            progress(1)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def simulate(
    params: Params | Mapping[str, object] | Sequence[Params] | None = None,
    seeds: Sequence[int] = (0,),
    engine: str = "cohort",
    tables: Collection[str] | str = ("summary",),
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Run one replicate clinic per seed and return the tables asked for.

    Args:
        params: the parameter values (``Params()`` for the defaults; a plain
            mapping of parameter names to values is validated into one), or a
            sequence of them, one per seed (e.g. parameter sets drawn from the
            posterior: :func:`~alliance_sim.core.posterior.posterior_parameter_sets`).
        seeds: one seed per replicate (e.g. from :func:`replicate_seeds`);
            replicate *r* is the same clinic whichever engine runs it.
        engine: ``"cohort"`` (fast: every replicate's patients as numpy arrays)
            or ``"agent"`` (the Mesa model, one run at a time).
        tables: any of ``summary`` (always included), ``clinic``,
            ``patients``, ``sessions`` and ``questionnaires``. Ask only for
            what you need: the per-session and per-item tables of thousands of
            runs are large.
        progress: called with the number of replicates finished.

    Raises:
        ParameterError: for an unknown engine or table, no seeds, a bad seed,
            a bad parameter, or not one parameter set per seed.
    """
    _check_choice("engine", engine, ENGINES)
    if not isinstance(tables, str | Iterable) or isinstance(tables, bytes | Mapping):
        raise ParameterError(
            f"tables = {shown(tables)} is not allowed: a table's name or a list of names from "
            + ", ".join(repr(t) for t in TABLES)
        )
    ordered = check_tables(tables)
    seeds = _check_seeds(seeds)
    members = _check_members(params, len(seeds))
    single = _check_params(params) if members is None else members[0]
    progress = _check_progress(progress)
    each = members if members is not None else [single] * len(seeds)
    if engine == "agent":
        frames = _agent_tables(each, seeds, ordered, progress)
    else:
        frames = run_cohort(
            single if members is None else members, seeds, ordered, progress=progress
        )
    return Simulation(params=single, seeds=seeds, engine=engine, tables=frames, members=members)


@dataclass
class Replicates:
    """Several runs of the same parameters: one summary row and a clinic time course per run."""

    params: Params
    runs: pd.DataFrame
    """One row per run: ``replicate``, ``seed``, every metric and, when the runs' parameter
    sets differ, the values of the parameters that differ (one column each)."""
    clinic: pd.DataFrame
    """Clinic-level means per session, with ``replicate`` and ``seed`` columns."""
    members: list[Params] | None = None
    """With one parameter set per run: each run's (else None)."""


def run_replicates(
    params: Params | Sequence[Params],
    seeds: Sequence[int],
    progress: Callable[[int], None] | None = None,
    engine: str = "cohort",
) -> Replicates:
    """Run ``params`` once per seed; ``progress(k)`` is called as runs finish.

    ``params`` may be one parameter set per seed (e.g. drawn from the posterior); the
    parameters whose values differ between the runs are then recorded in ``runs``, one
    column each, after ``seed``. The cohort engine is the default; ``engine="agent"``
    gives the same numbers.
    """
    simulation = simulate(params, seeds, engine=engine, tables=("clinic",), progress=progress)
    runs = simulation.summary
    if simulation.members is not None:
        varying = [
            name
            for name in simulation.params
            if len({member[name] for member in simulation.members}) > 1
        ]
        values = pd.DataFrame(
            {name: [member[name] for member in simulation.members] for name in varying}
        )
        runs = pd.concat([runs.iloc[:, :2], values, runs.iloc[:, 2:]], axis=1)
    return Replicates(
        params=simulation.params, runs=runs, clinic=simulation.clinic, members=simulation.members
    )
