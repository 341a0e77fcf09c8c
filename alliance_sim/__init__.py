"""alliance-sim: an agent-based simulation of the therapeutic alliance in physiotherapy.

Physiotherapist and patient agents meet session after session; the alliance
they build (goal agreement, task agreement, bond) drives attendance,
home-exercise adherence, dropout, pain, disability and function.

Quick start::

    from alliance_sim import load_scenario, run_clinic

    run = run_clinic(load_scenario("shared-power").params(), seed=7)
    run.summary["adherence"]
    run.sessions        # one row per patient per session (pandas)

    # a thousand replicate clinics on the cohort engine: one row of metrics each
    many = simulate(load_scenario("shared-power").params(), replicate_seeds(7, 1000))
    many.summary["adherence"].describe()

The library never imports a face (command line, web app, notebooks).
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from alliance_sim.compare import Comparison, compare
from alliance_sim.errors import AllianceSimError, ParameterError, ScenarioError
from alliance_sim.metrics import METRICS
from alliance_sim.model import PHASES, ClinicModel
from alliance_sim.params import SCHEMA, Params
from alliance_sim.scenarios import Scenario, builtin_scenarios, load_scenario
from alliance_sim.simulation import (
    ENGINES,
    ClinicRun,
    Replicates,
    Simulation,
    replicate_seeds,
    run_clinic,
    run_replicates,
    simulate,
)

try:
    __version__ = _version("alliance-sim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "ENGINES",
    "METRICS",
    "PHASES",
    "SCHEMA",
    "AllianceSimError",
    "ClinicModel",
    "ClinicRun",
    "Comparison",
    "ParameterError",
    "Params",
    "Replicates",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "__version__",
    "builtin_scenarios",
    "compare",
    "load_scenario",
    "replicate_seeds",
    "run_clinic",
    "run_replicates",
    "simulate",
]
