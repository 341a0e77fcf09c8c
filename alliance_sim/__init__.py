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

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

from alliance_sim.core.errors import AllianceSimError, ParameterError, ScenarioError

if TYPE_CHECKING:  # type checkers see the names; at run time __getattr__ imports them
    from alliance_sim.comparison import Comparison, compare
    from alliance_sim.core.params import SCHEMA, Params
    from alliance_sim.core.reference import parameter_frame
    from alliance_sim.engines.agent.model import ClinicModel
    from alliance_sim.records.metrics import METRICS
    from alliance_sim.rules.phases import PHASES
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

#: The public names imported on first use, and the module each comes from: importing
#: them all up front would load pandas, Mesa and SciPy, which `alliance-sim --help`
#: and any face that needs one name should not wait for.
_LAZY: dict[str, str] = {
    "Comparison": "alliance_sim.comparison",
    "compare": "alliance_sim.comparison",
    "METRICS": "alliance_sim.records.metrics",
    "PHASES": "alliance_sim.rules.phases",
    "ClinicModel": "alliance_sim.engines.agent.model",
    "SCHEMA": "alliance_sim.core.params",
    "Params": "alliance_sim.core.params",
    "parameter_frame": "alliance_sim.core.reference",
    "Scenario": "alliance_sim.scenarios",
    "builtin_scenarios": "alliance_sim.scenarios",
    "load_scenario": "alliance_sim.scenarios",
    "ENGINES": "alliance_sim.simulation",
    "ClinicRun": "alliance_sim.simulation",
    "Replicates": "alliance_sim.simulation",
    "Simulation": "alliance_sim.simulation",
    "replicate_seeds": "alliance_sim.simulation",
    "run_clinic": "alliance_sim.simulation",
    "run_replicates": "alliance_sim.simulation",
    "simulate": "alliance_sim.simulation",
}


def __getattr__(name: str) -> Any:
    """Import a public name of :data:`_LAZY` from its module on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    """The module's names, the ones not imported yet included."""
    return sorted(set(globals()) | set(_LAZY))


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
    "parameter_frame",
    "replicate_seeds",
    "run_clinic",
    "run_replicates",
    "simulate",
]
