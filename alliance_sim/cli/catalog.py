"""``alliance-sim params`` and ``alliance-sim scenarios``: what there is to set and run."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from alliance_sim.cli._common import formatter, print_json
from alliance_sim.core.params import GROUPS, SCHEMA, Kind
from alliance_sim.scenarios import builtin_scenarios


def register(sub: Any) -> None:
    """Add ``params`` and ``scenarios`` to the subcommands."""
    params = sub.add_parser(
        "params",
        help="list every parameter: name, default, range, unit, meaning, reference",
        description=(
            "List the model's parameters (the names --set and scenario files use). A calibrated"
            " parameter also shows its 90% credible interval, read from the posterior of the"
            " Bayesian calibration (alliance-sim calibrate) that ships with the package."
        ),
        formatter_class=formatter,
    )
    params.add_argument("--group", choices=list(GROUPS), help="only one group")
    params.add_argument("--json", action="store_true", help="print as JSON")

    params.set_defaults(handler=cmd_params)

    scenarios = sub.add_parser(
        "scenarios",
        help="list the built-in scenarios",
        description="List the built-in scenarios, one line each.",
        formatter_class=formatter,
    )
    scenarios.add_argument("--json", action="store_true", help="print as JSON")
    scenarios.set_defaults(handler=cmd_scenarios)


def cmd_params(args: argparse.Namespace) -> int:
    """``alliance-sim params``."""
    from alliance_sim.core.posterior import credible_text, default_posterior

    selected = [p for p in SCHEMA.values() if args.group is None or p.group == args.group]
    posterior = default_posterior()  # a missing or bad file is an error naming it
    intervals = posterior.interval()
    if args.json:
        print_json(
            [
                {
                    "name": p.name,
                    "group": p.group,
                    "label": p.label,
                    "default": p.default,
                    "kind": p.kind.value,
                    "low": p.low,
                    "high": p.high,
                    "choices": list(p.choices) or None,
                    "unit": p.unit,
                    "help": p.help,
                    "reference": p.reference,
                    "credible_interval": list(intervals[p.name]) if p.name in intervals else None,
                }
                for p in selected
            ]
        )
        return 0
    for group, title in GROUPS.items():
        members = [p for p in selected if p.group == group]
        if not members:
            continue
        print(f"{title} [{group}]")
        for p in members:
            if p.kind in (Kind.CHOICE, Kind.SESSIONS):
                allowed = " | ".join(p.choices) if p.choices else "sessions, e.g. 2,last"
            else:
                allowed = f"{p.low:g} – {p.high:g}"
            unit = f" {p.unit}" if p.unit else ""
            print(f"  {p.name}  (default {p.default}; {allowed}{unit})")
            for line in textwrap.wrap(f"{p.label}. {p.help}", 88):
                print(f"      {line}")
            if p.reference:
                print(f"      Reference: {p.reference}")
            if p.name in intervals:
                print(f"      Posterior: {credible_text(p.name, posterior)}")
        print()
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """``alliance-sim scenarios``."""
    scenarios = builtin_scenarios()
    if args.json:
        print_json(
            [
                {"name": s.name, "description": s.description, "parameters": dict(s.overrides)}
                for s in scenarios.values()
            ]
        )
        return 0
    width = max(len(name) for name in scenarios)
    for scenario in scenarios.values():
        print(f"  {scenario.name:<{width}}  {scenario.description}")
    print("\nRun one with 'alliance-sim run NAME'; write your own as a .toml file (see README).")
    return 0
