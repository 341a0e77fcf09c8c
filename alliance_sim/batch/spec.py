"""Experiment files: loading and validating an experiment (TOML or a plain mapping).

An experiment file names a base scenario, the parameters to vary, the design, the
replicates per point, the outputs and a seed (the README documents every key)::

    name = "style_by_empathy"
    scenario = "default"
    replicates = 20
    seed = 1
    outputs = ["adherence", "dropout", "disability_change"]

    [parameters]            # fixed on top of the scenario
    n_patients = 100

    [design]
    method = "grid"         # grid | lhs | sobol | morris | csv

    [vary]
    power_sharing_mean = [0.1, 0.5, 0.9]
    empathy_mean = { low = 0.3, high = 0.9, levels = 4 }

Parameter names and bounds come from the parameter schema
(:data:`alliance_sim.core.params.SCHEMA`). Every mistake raises
:class:`~alliance_sim.core.errors.AllianceSimError` with the file, the key, the value
and what is allowed. A Sobol ``n`` that is not a power of two is refused (the
message names the nearest powers of two), not rounded.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alliance_sim.batch.design import (
    DISTRIBUTIONS,
    METHODS,
    Factor,
    make_design,
    nearest_powers_of_two,
    sample_points,
    sobol_runs,
)
from alliance_sim.core.errors import AllianceSimError, ParameterError
from alliance_sim.core.params import SCHEMA, Kind, Params, check_seed, unknown_name_error
from alliance_sim.core.toml_checks import check_keys, read_text_file, read_toml
from alliance_sim.records.metrics import METRICS
from alliance_sim.scenarios import load_scenario

__all__ = ["EXECUTORS", "Experiment", "ExperimentError", "load_experiment", "parse_experiment"]

EXECUTORS: tuple[str, ...] = ("processes", "serial", "dask")
"""Where runs execute: a local process pool (the default), in-process, or a Dask cluster."""

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "parameters",
    "vary",
    "design",
    "replicates",
    "outputs",
    "seed",
    "results",
    "sessions",
    "executor",
    "scheduler",
)

DESIGN_KEYS: dict[str, tuple[str, ...]] = {
    "grid": ("method",),
    "lhs": ("method", "n"),
    "sobol": ("method", "n", "second_order"),
    "morris": ("method", "trajectories", "levels"),
    "csv": ("method", "file"),
}

VARY_KEYS: dict[str, tuple[str, ...]] = {
    "grid": ("values", "low", "high", "levels"),
    "lhs": ("low", "high", "distribution", "mean", "sd", "peak"),
    "sobol": ("low", "high", "distribution", "mean", "sd", "peak"),
    "morris": ("low", "high"),
}

MAX_RUNS = 1_000_000
"""The most runs one experiment may have (a guard against a typo such as n = 10**9).

Checked arithmetically, before any design is built: a million runs are a day of a
200-patient clinic on two cores, and their design table alone takes ~100 MB.
"""

MAX_MORRIS_LEVELS = 1_000
"""The most grid levels a Morris design may have (SALib's usual values are 4 to 10)."""

MAX_CSV_BYTES = 64 * 2**20
"""The largest csv file of design points read."""

BIG_INT = 2**63
"""Integers beyond this are refused before any arithmetic on them (no OverflowError)."""


class ExperimentError(AllianceSimError):
    """An experiment file or mapping that cannot be read or validated."""


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _is_number(value: Any) -> bool:
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, numbers.Integral):
        return abs(int(value)) < BIG_INT
    return not math.isnan(float(value))


def _digits(n: int) -> int:
    """About how many decimal digits ``n`` has (without ``str``, which refuses huge ints)."""
    return int(abs(n).bit_length() * math.log10(2)) + 1


def _show(value: Any) -> str:
    """``repr(value)`` for a message, shortened when long (a 400-digit number, a big table)."""
    if _is_int(value) and abs(int(value)) >= 10**15:
        return f"{'-' if value < 0 else ''}(a number of about {_digits(int(value))} digits)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _count(n: int) -> str:
    """A count for a message: ``6,000,000``, or ``about 10^400`` when absurd."""
    return f"{n:,}" if n < 10**15 else f"about 10^{_digits(n) - 1}"


def _validate(name: str, value: Any) -> Any:
    """``SCHEMA[name].validate(value)``, with huge integers refused before any arithmetic."""
    if _is_int(value) and abs(int(value)) >= BIG_INT:
        raise ParameterError(
            f"{name} = {_show(value)} is far out of range: allowed is {SCHEMA[name].allowed()}"
        )
    return SCHEMA[name].validate(value)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: base parameters, factors, design, replicates, outputs, seed.

    Build one with :func:`load_experiment` (a TOML file) or
    :meth:`Experiment.from_mapping` (a dict shaped like the file, validated alike).
    :meth:`design` gives the design table; :func:`alliance_sim.batch.run_experiment`
    runs it.
    """

    name: str
    description: str
    scenario: str
    base: Mapping[str, Any]
    """Every parameter value shared by all runs (the scenario plus ``[parameters]``)."""
    factors: tuple[Factor, ...]
    method: str
    replicates: int = 1
    outputs: tuple[str, ...] = tuple(METRICS)
    seed: int = 0
    n: int | None = None
    second_order: bool = True
    trajectories: int = 10
    levels: int = 4
    csv_points: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """The points of a ``csv`` design, as read from its file."""
    results: Path | None = None
    sessions: bool = False
    executor: str | None = None
    source: str = "<mapping>"
    mapping: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The experiment as a plain mapping (what the manifest records; paths resolved)."""

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        source: str = "<mapping>",
        base_dir: str | Path | None = None,
    ) -> Experiment:
        """Validate ``data`` (shaped like an experiment file) exactly as a file is validated.

        Args:
            data: the experiment, e.g. ``{"scenario": "default", "replicates": 5,
                "design": "grid", "vary": {"empathy_mean": [0.3, 0.6, 0.9]},
                "outputs": ["adherence"]}``.
            source: how error messages name it (a file name, or "<mapping>").
            base_dir: the folder relative paths (scenario files, csv points) start from.

        Raises:
            ExperimentError: naming ``source``, the key, the value and what is allowed.
        """
        return _Parser(source, Path(base_dir) if base_dir is not None else Path.cwd()).parse(data)

    @property
    def factor_names(self) -> list[str]:
        """The varied parameters, in column order."""
        return [f.name for f in self.factors]

    def params(self, values: Mapping[str, Any] | None = None) -> Params:
        """The parameters of one design point (the base with ``values`` applied)."""
        return Params(self.base, **dict(values or {}))

    def points(self) -> pd.DataFrame:
        """The design points (one row per point, one column per varied parameter)."""
        return sample_points(
            self.factors,
            self.method,
            self.seed,
            n=self.n,
            second_order=self.second_order,
            trajectories=self.trajectories,
            levels=self.levels,
            points=self.csv_points,
        )

    def design(self) -> pd.DataFrame:
        """The design table: one row per run with ``run_id``, ``point``, ``replicate``, ``seed``."""
        return make_design(self.points(), self.replicates, self.seed)

    def n_points(self) -> int:
        """How many design points the design has (without sampling them)."""
        k = len(self.factors)
        if self.method == "grid":
            return math.prod(len(f.values) for f in self.factors)
        if self.method == "lhs":
            return int(self.n or 0)
        if self.method == "sobol":
            return sobol_runs(int(self.n or 0), k, self.second_order)
        if self.method == "morris":
            return self.trajectories * (k + 1)
        return len(self.csv_points) if self.csv_points is not None else 0

    def n_runs(self) -> int:
        """How many runs the design has."""
        return self.n_points() * self.replicates


class _Parser:
    """Validation of one experiment; every error names ``source`` and the key."""

    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir

    def error(self, key: str, message: str) -> ExperimentError:
        return ExperimentError(f"{self.source}: {key}: {message}")

    def parse(self, data: Mapping[str, Any]) -> Experiment:
        if not isinstance(data, Mapping):
            raise ExperimentError(f"{self.source}: an experiment must be a table of keys")
        check_keys(
            data,
            TOP_LEVEL_KEYS,
            self.source,
            ExperimentError,
            parameter_hint="fixed parameters go under [parameters]",
        )
        name = self.string(data, "name", Path(self.source).stem or "experiment")
        description = self.string(data, "description", "")
        scenario_name = self.string(data, "scenario", "default")
        scenario_ref = scenario_name
        if scenario_name.endswith(".toml") or "/" in scenario_name or "\\" in scenario_name:
            scenario_ref = str(self.local_path("scenario", scenario_name))
        try:
            scenario = load_scenario(scenario_ref)
        except AllianceSimError as error:
            raise self.error("scenario", str(error)) from None
        fixed = self.parameters(data.get("parameters", {}))
        base = scenario.params(fixed).to_dict()

        method, design = self.design(data.get("design"))
        replicates = data.get("replicates", 1)
        if not _is_int(replicates) or not 1 <= replicates <= MAX_RUNS:
            raise self.error(
                "replicates",
                f"replicates = {_show(replicates)} is not allowed: a whole number from 1 to"
                f" {MAX_RUNS:,}",
            )
        seed = data.get("seed", 0)
        try:
            seed = check_seed(seed)
        except ParameterError:
            raise self.error(
                "seed", f"seed = {_show(seed)} is not allowed: a whole number from 0 to 2**63 - 1"
            ) from None
        outputs = self.outputs(data.get("outputs"))
        points = None
        if method == "csv":
            if "vary" in data:
                raise self.error(
                    "vary", "a csv design takes its varied parameters from the file's columns"
                )
            points, factors = self.csv_points(design["file"], fixed, replicates)
        else:
            factors = self.vary(data.get("vary"), method, fixed, replicates)
        results = data.get("results")
        if results is not None and not isinstance(results, str):
            raise self.error("results", f"results = {results!r} must be a folder path (a string)")
        if results is not None:
            self.local_path("results", results)  # relative to where the sweep runs, as before
        sessions = data.get("sessions", False)
        if not isinstance(sessions, bool):
            raise self.error("sessions", f"sessions = {sessions!r} must be true or false")
        executor = data.get("executor")
        if executor is not None and executor not in EXECUTORS:
            raise self.error(
                "executor", f"executor = {executor!r} is not allowed: one of {', '.join(EXECUTORS)}"
            )
        if "scheduler" in data:
            # A file shared by someone else must not choose the machine this one talks to:
            # a hostile Dask scheduler can send back what the client unpickles.
            raise self.error(
                "scheduler",
                "a scheduler is given on the command line only (--executor dask"
                " --scheduler ADDRESS), never in a file that may have been shared",
            )
        n = design.get("n")
        experiment = Experiment(
            name=name,
            description=description,
            scenario=scenario_name,
            base=base,
            factors=tuple(factors),
            method=method,
            replicates=int(replicates),
            outputs=tuple(outputs),
            seed=seed,
            n=n,
            second_order=design.get("second_order", True),
            trajectories=design.get("trajectories", 10),
            levels=design.get("levels", 4),
            csv_points=points,
            results=Path(results) if results is not None else None,
            sessions=sessions,
            executor=executor,
            source=self.source,
            mapping=self.mapping(data, scenario_ref, design),
        )
        self.check_size(experiment, data.get("vary"))
        return experiment

    def check_size(self, experiment: Experiment, vary: Any) -> None:
        """Refuse a design of more than :data:`MAX_RUNS` runs, naming the key responsible.

        Counted arithmetically (nothing is sampled or allocated); called before
        :meth:`Experiment.design` can ever run.
        """
        n_points = experiment.n_points()
        runs = n_points * experiment.replicates
        if runs <= MAX_RUNS:
            return
        method = experiment.method
        if method == "grid":
            factor = max(experiment.factors, key=lambda f: len(f.values))
            entry = vary.get(factor.name) if isinstance(vary, Mapping) else None
            sub = "levels" if isinstance(entry, Mapping) and "levels" in entry else "values"
            key = f"vary.{factor.name}.{sub}"
            shown = (
                f"levels = {entry['levels']}"
                if sub == "levels" and isinstance(entry, Mapping)
                else f"{len(factor.values):,} values"
            )
            sizes = " × ".join(f"{len(f.values):,}" for f in experiment.factors)
            points = (
                f"{sizes} = {_count(n_points)} points"
                if len(experiment.factors) > 1
                else (f"{_count(n_points)} points")
            )
        else:
            key, setting = {
                "lhs": ("design.n", "n"),
                "sobol": ("design.n", "n"),
                "morris": ("design.trajectories", "trajectories"),
                "csv": ("design.file", "file"),
            }[method]
            value = getattr(experiment, setting, None) if setting != "file" else None
            shown = f"{setting} = {_show(value)}" if value is not None else "its rows"
            points = f"{_count(n_points)} points"
        raise self.error(
            key,
            f"{shown} gives {points} × {experiment.replicates:,} replicates ="
            f" {_count(runs)} runs, more than the {MAX_RUNS:,} an experiment may have;"
            " use fewer points or replicates, or split the experiment",
        )

    def mapping(
        self, data: Mapping[str, Any], scenario_ref: str, design: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The experiment as plain data, paths resolved, for the manifest."""
        out = {k: v for k, v in data.items() if k not in ("executor", "scheduler", "results")}
        out["name"] = self.string(data, "name", Path(self.source).stem or "experiment")
        out["scenario"] = scenario_ref
        out["design"] = dict(design)
        if "file" in design:
            out["design"]["file"] = str(self.base_dir / str(design["file"]))
        return _plain(out)

    def local_path(self, key: str, value: str) -> Path:
        """``value``, a path written in the file, inside the file's own folder.

        A file may be shared: the paths it names are relative, without ``..`` (a scenario
        or a csv of points beside the file; a results folder under where the sweep runs),
        and any other path is given on the command line.

        Raises:
            ExperimentError: naming the key and the value for an absolute path or a ``..``.
        """
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or "\\" in value or not value.strip():
            raise self.error(
                key,
                f"{key} = {_show(value)} is not allowed: a path in an experiment file is"
                " relative, without '..'; give a path elsewhere on the command line"
                + (" (--results FOLDER)" if key == "results" else " or copy it beside this file"),
            )
        return self.base_dir / path

    def string(self, data: Mapping[str, Any], key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"{key} = {value!r} must be a string")
        return value

    def parameters(self, table: Any) -> dict[str, Any]:
        if not isinstance(table, Mapping):
            raise self.error("parameters", f"must be a table ([parameters]), not {table!r}")
        out: dict[str, Any] = {}
        for key, value in table.items():
            if not isinstance(key, str):
                raise self.error("parameters", f"{_show(key)} is not a parameter name")
            if key not in SCHEMA:
                raise self.error(f"parameters.{key}", str(unknown_name_error(key)))
            try:
                out[key] = _validate(key, value)
            except ParameterError as error:
                raise self.error(f"parameters.{key}", str(error)) from None
        return out

    def design(self, value: Any) -> tuple[str, dict[str, Any]]:
        if value is None:
            raise self.error(
                "design", f"missing: give design = one of {', '.join(repr(m) for m in METHODS)}"
            )
        table: dict[str, Any] = {"method": value} if isinstance(value, str) else value
        if not isinstance(table, Mapping):
            raise self.error("design", f"design = {value!r} must be a method name or a table")
        method = table.get("method")
        if method not in METHODS:
            raise self.error(
                "design.method" if not isinstance(value, str) else "design",
                f"unknown design {method!r}; allowed are {', '.join(METHODS)}",
            )
        for key in table:
            if key not in DESIGN_KEYS[method]:
                raise self.error(
                    f"design.{key}",
                    f"not a setting of a {method} design; allowed are "
                    + ", ".join(DESIGN_KEYS[method]),
                )
        out = dict(table)
        if method == "lhs":
            self.whole(out, "n", 1, MAX_RUNS, required=True)
        elif method == "sobol":
            n = self.whole(out, "n", 1, MAX_RUNS, required=True)
            if n & (n - 1):
                below, above = nearest_powers_of_two(n)
                raise self.error(
                    "design.n",
                    f"n = {n} is not a power of two (Sobol sequences need one; not rounded):"
                    f" use {below} or {above}",
                )
            second = out.get("second_order", True)
            if not isinstance(second, bool):
                raise self.error("design.second_order", f"{second!r} must be true or false")
        elif method == "morris":
            out.setdefault("trajectories", 10)
            out.setdefault("levels", 4)
            self.whole(out, "trajectories", 2, MAX_RUNS)
            levels = self.whole(out, "levels", 2, MAX_MORRIS_LEVELS)
            if levels % 2:
                raise self.error(
                    "design.levels", f"levels = {levels} must be even (Morris grids need it)"
                )
        elif method == "csv" and not isinstance(out.get("file"), str):
            raise self.error("design.file", "a csv design needs file = the path of its points")
        return method, out

    def whole(
        self, table: Mapping[str, Any], key: str, low: int, high: int, required: bool = False
    ) -> int:
        allowed = f"a whole number from {low} to {high:,}"
        if key not in table and required:
            raise self.error(f"design.{key}", f"missing: {allowed}")
        value: Any = table.get(key)
        if not _is_int(value) or not low <= value <= high:
            raise self.error(f"design.{key}", f"{key} = {_show(value)} is not allowed: {allowed}")
        return int(value)

    def outputs(self, value: Any) -> list[str]:
        if value is None:
            return list(METRICS)
        if not isinstance(value, list) or not value:
            raise self.error("outputs", f"outputs = {value!r} must be a non-empty list of metrics")
        for name in value:
            if not isinstance(name, str):
                raise self.error(
                    "outputs",
                    f"{_show(name)} is not a metric name: outputs is a list of names such as"
                    ' ["adherence", "dropout"]',
                )
            if name not in METRICS:
                raise self.error(
                    "outputs", f"unknown metric {_show(name)}; allowed are {', '.join(METRICS)}"
                )
        if len(set(value)) != len(value):
            raise self.error("outputs", "a metric is listed twice")
        return list(value)

    def vary(
        self, table: Any, method: str, fixed: Mapping[str, Any], replicates: int
    ) -> list[Factor]:
        if not isinstance(table, Mapping) or not table:
            raise self.error("vary", "missing: a [vary] table with at least one parameter")
        factors = []
        for name, entry in table.items():
            if not isinstance(name, str):
                raise self.error("vary", f"{_show(name)} is not a parameter name")
            key = f"vary.{name}"
            if name not in SCHEMA:
                raise self.error(key, str(unknown_name_error(name)))
            if name in fixed:
                raise self.error(key, f"{name} is both fixed under [parameters] and varied")
            factors.append(self.factor(name, entry, method, key, replicates))
        return factors

    def factor(self, name: str, entry: Any, method: str, key: str, replicates: int) -> Factor:
        spec = SCHEMA[name]
        if isinstance(entry, list):
            entry = {"values": entry}
        if not isinstance(entry, Mapping):
            raise self.error(
                key,
                f"{entry!r} must be a list of values or a table such as {{ low = 0.2, high = 0.8 }}",
            )
        for sub in entry:
            if not isinstance(sub, str) or sub not in VARY_KEYS[method]:
                raise self.error(
                    f"{key}.{sub}",
                    f"not a setting of a factor in a {method} design; allowed are "
                    + ", ".join(VARY_KEYS[method]),
                )
        numeric = spec.kind in (Kind.FLOAT, Kind.INT)
        if not numeric and (method != "grid" or "values" not in entry):
            raise self.error(
                key,
                f"{name} is not numeric ({spec.allowed()}): vary it in a grid design with values = [...]",
            )
        if method == "grid":
            return self.grid_factor(name, entry, key, replicates)
        low = self.bound(name, entry, "low", key, spec.low)
        high = self.bound(name, entry, "high", key, spec.high)
        if not low < high:
            raise self.error(f"{key}.high", f"high = {high:g} must be greater than low = {low:g}")
        distribution = entry.get("distribution", "uniform")
        if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
            raise self.error(
                f"{key}.distribution",
                f"unknown distribution {_show(distribution)}; allowed are"
                f" {', '.join(DISTRIBUTIONS)}",
            )
        needs = {"uniform": (), "normal": ("mean", "sd"), "triangular": ("peak",)}[distribution]
        for sub in ("mean", "sd", "peak"):
            if sub in entry and sub not in needs:
                raise self.error(f"{key}.{sub}", f"not a setting of a {distribution} distribution")
            if sub in needs:
                value = entry.get(sub)
                if not _is_number(value):
                    raise self.error(
                        f"{key}.{sub}", f"a {distribution} distribution needs {sub} = a number"
                    )
        if distribution == "normal" and not entry["sd"] > 0:
            raise self.error(f"{key}.sd", f"sd = {entry['sd']!r} must be greater than 0")
        if distribution == "normal" and not low <= entry["mean"] <= high:
            raise self.error(
                f"{key}.mean", f"mean = {entry['mean']!r} is outside [{low:g}, {high:g}]"
            )
        if distribution == "triangular" and not low <= entry["peak"] <= high:
            raise self.error(
                f"{key}.peak", f"peak = {entry['peak']!r} is outside [{low:g}, {high:g}]"
            )
        return Factor(
            name,
            low=low,
            high=high,
            distribution=distribution,
            mean=float(entry["mean"]) if "mean" in entry else None,
            sd=float(entry["sd"]) if "sd" in entry else None,
            peak=float(entry["peak"]) if "peak" in entry else None,
            integer=spec.kind is Kind.INT,
        )

    def bound(self, name: str, entry: Mapping[str, Any], sub: str, key: str, default: Any) -> float:
        value = entry.get(sub, default)
        try:
            return float(_validate(name, value))
        except ParameterError as error:
            raise self.error(
                f"{key}.{sub}", f"bounds outside the parameter's range: {error}"
            ) from None

    def grid_factor(self, name: str, entry: Mapping[str, Any], key: str, replicates: int) -> Factor:
        spec = SCHEMA[name]
        if "values" in entry:
            for sub in ("low", "high", "levels"):
                if sub in entry:
                    raise self.error(f"{key}.{sub}", "give either values or low, high and levels")
            values = entry["values"]
            if not isinstance(values, list) or not values:
                raise self.error(f"{key}.values", f"{_show(values)} must be a non-empty list")
            if len(values) * replicates > MAX_RUNS:
                raise self.error(
                    f"{key}.values",
                    f"{len(values):,} values × {replicates:,} replicates are more than the"
                    f" {MAX_RUNS:,} runs an experiment may have",
                )
            checked = []
            for value in values:
                try:
                    checked.append(_validate(name, value))
                except ParameterError as error:
                    raise self.error(f"{key}.values", str(error)) from None
            if len(set(checked)) != len(checked):
                raise self.error(f"{key}.values", "a value is listed twice")
            return Factor(name, values=tuple(checked), integer=spec.kind is Kind.INT)
        for sub in ("low", "high", "levels"):
            if sub not in entry:
                raise self.error(
                    f"{key}.{sub}",
                    "missing: a grid factor needs values = [...] or low, high and levels",
                )
        low = self.bound(name, entry, "low", key, None)
        high = self.bound(name, entry, "high", key, None)
        levels = entry["levels"]
        if not _is_int(levels) or levels < 2:
            raise self.error(
                f"{key}.levels", f"levels = {_show(levels)} is not allowed: a whole number ≥ 2"
            )
        if levels * replicates > MAX_RUNS:  # refused before a single level is made
            raise self.error(
                f"{key}.levels",
                f"levels = {_show(levels)} gives {_count(levels * replicates)} runs with"
                f" {replicates:,} replicates, more than the {MAX_RUNS:,} an experiment may have",
            )
        if not low < high:
            raise self.error(f"{key}.high", f"high = {high:g} must be greater than low = {low:g}")
        grid = np.linspace(low, high, int(levels))
        if spec.kind is Kind.INT:
            values_int = sorted({round(v) for v in grid})
            return Factor(name, values=tuple(values_int), integer=True)
        return Factor(name, values=tuple(float(round(v, 12)) for v in grid))

    def csv_points(
        self, file: str, fixed: Mapping[str, Any], replicates: int
    ) -> tuple[pd.DataFrame, list[Factor]]:
        path = self.local_path("design.file", file)
        if not path.exists():
            raise self.error("design.file", f"no such file: {path}")
        if not path.is_file():  # a folder, a FIFO or a device would hang or never end
            raise self.error("design.file", f"{path} is not a regular file")
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise self.error(
                "design.file",
                f"{path} is {size / 2**20:,.0f} MB; a design file may have at most"
                f" {MAX_CSV_BYTES // 2**20} MB",
            )
        try:
            points = pd.read_csv(path)
        except (OSError, ValueError, pd.errors.ParserError) as error:
            raise self.error("design.file", f"cannot read {path}: {error}") from None
        if points.empty or not len(points.columns):
            raise self.error("design.file", f"{path} has no points")
        if len(points) * replicates > MAX_RUNS:
            raise self.error(
                "design.file",
                f"{path} has {len(points):,} points × {replicates:,} replicates ="
                f" {len(points) * replicates:,} runs, more than the {MAX_RUNS:,} an"
                " experiment may have",
            )
        factors = []
        for column in points.columns:
            where = f"design.file ({path}, column {_show(column)})"
            if not isinstance(column, str) or column not in SCHEMA:
                raise self.error(where, str(unknown_name_error(str(column))))
            if column in fixed:
                raise self.error(where, f"{column} is both fixed under [parameters] and varied")
            spec = SCHEMA[column]
            values = []
            for row, value in enumerate(points[column].tolist()):
                if spec.kind is Kind.INT and isinstance(value, float) and value.is_integer():
                    value = int(value)
                try:
                    values.append(_validate(column, value))
                except ParameterError as error:
                    raise self.error(f"{where}, row {row + 1}", str(error)) from None
            points[column] = values
            factors.append(
                Factor(column, values=tuple(dict.fromkeys(values)), integer=spec.kind is Kind.INT)
            )
        return points, factors


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and tuples turned into JSON-friendly Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def parse_experiment(text: str, source: str, base_dir: str | Path | None = None) -> Experiment:
    """Parse and validate experiment TOML ``text``; ``source`` names it in error messages.

    Raises:
        ExperimentError: naming the file, the key and the reason.
    """
    try:
        data = read_toml(text, source, ExperimentError)
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        if isinstance(error, ExperimentError):
            raise
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        raise ExperimentError(f"{source}: not valid TOML: {reason}") from None
    return Experiment.from_mapping(data, source, base_dir)


def load_experiment(path: str | Path) -> Experiment:
    """Load and validate the experiment file at ``path``.

    Relative paths inside the file (a scenario file, a csv of points) start from the
    file's folder.

    Raises:
        ExperimentError: for a missing or unreadable file (a FIFO, a device, a file
            over the size limit: see :func:`~alliance_sim.core.toml_checks.read_text_file`),
            or an invalid one.
    """
    path = Path(path)
    text = read_text_file(path, "experiment", ExperimentError)
    return parse_experiment(text, str(path), path.parent)
