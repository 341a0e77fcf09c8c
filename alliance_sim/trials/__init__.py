"""Virtual trials: published studies re-run on simulated patients.

A :class:`Protocol` (a TOML file) says which arms patients are randomised to
(parameter overrides), how many, for how many sessions, when the
questionnaires are filled in, how the trial is analysed and what the
published study found. :func:`run_trial` simulates it (optionally many
times, to show the spread of results a real trial could get, and over a range
of sizes for power) and returns a :class:`TrialResult` whose ``table`` sets
each simulated estimate beside the published one; :func:`trial_figure` draws
it.
"""

from alliance_sim.trials.analysis import analyse, summarise_estimates
from alliance_sim.trials.figures import power_figure, trial_caption, trial_figure
from alliance_sim.trials.protocol import (
    Arm,
    Contrast,
    Protocol,
    ProtocolError,
    Published,
    Regression,
    builtin_protocols,
    load_protocol,
    parse_protocol,
)
from alliance_sim.trials.run import Progress, TrialResult, power_curve, run_trial, simulate_arms

__all__ = [
    "Arm",
    "Contrast",
    "Progress",
    "Protocol",
    "ProtocolError",
    "Published",
    "Regression",
    "TrialResult",
    "analyse",
    "builtin_protocols",
    "load_protocol",
    "parse_protocol",
    "power_curve",
    "power_figure",
    "run_trial",
    "simulate_arms",
    "summarise_estimates",
    "trial_caption",
    "trial_figure",
]
