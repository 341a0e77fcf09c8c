"""Batch experiments: designs, a runner over any executor, resumable results, analysis.

The pieces, one responsibility each:

* :mod:`~alliance_sim.batch.spec` — experiment files (TOML) and mappings, validated
  against the parameter schema (:class:`Experiment`, :func:`load_experiment`);
* :mod:`~alliance_sim.batch.design` — grid, LHS, Sobol, Morris and CSV designs with a
  seed per run (:class:`Factor`, :func:`sample_points`, :func:`make_design`);
* :mod:`~alliance_sim.batch.models` — the model contract (parameters in, outputs
  out) and the clinic as a model (:class:`ClinicSweep`);
* :mod:`~alliance_sim.batch.executors` — serial, process pool, Dask;
* :mod:`~alliance_sim.batch.runner` — batching, errors, worker deaths, stopping
  (:func:`run_design`);
* :mod:`~alliance_sim.batch.store` — the results folder (:class:`ResultStore`);
* :mod:`~alliance_sim.batch.sweep` — all of it in one call (:func:`run_experiment`);
* :mod:`~alliance_sim.batch.analyse` — Sobol and Morris indices, grid summaries;
* :mod:`~alliance_sim.batch.figures` — their figures;
* :mod:`~alliance_sim.batch.report` — the analysis a design calls for, for a folder.
"""

from alliance_sim.batch.analyse import (
    SobolIndices,
    grid_summary,
    morris_indices,
    point_means,
    sobol_indices,
)
from alliance_sim.batch.design import Factor, make_design, sample_points
from alliance_sim.batch.executors import Backend, SerialExecutor, open_backend
from alliance_sim.batch.figures import (
    grid_caption,
    grid_figure,
    morris_figure,
    scatter_figure,
    sobol_figure,
)
from alliance_sim.batch.models import ClinicSweep, SweepModel
from alliance_sim.batch.report import Analysis, analyse_folder, analyse_runs, save_analysis
from alliance_sim.batch.runner import RunOutcome, run_design
from alliance_sim.batch.spec import Experiment, ExperimentError, load_experiment, parse_experiment
from alliance_sim.batch.store import ResultStore
from alliance_sim.batch.sweep import SweepResult, open_experiment, run_experiment

__all__ = [
    "Analysis",
    "Backend",
    "ClinicSweep",
    "Experiment",
    "ExperimentError",
    "Factor",
    "ResultStore",
    "RunOutcome",
    "SerialExecutor",
    "SobolIndices",
    "SweepModel",
    "SweepResult",
    "analyse_folder",
    "analyse_runs",
    "grid_caption",
    "grid_figure",
    "grid_summary",
    "load_experiment",
    "make_design",
    "morris_figure",
    "morris_indices",
    "open_backend",
    "open_experiment",
    "parse_experiment",
    "point_means",
    "run_design",
    "run_experiment",
    "sample_points",
    "save_analysis",
    "scatter_figure",
    "sobol_figure",
    "sobol_indices",
]
