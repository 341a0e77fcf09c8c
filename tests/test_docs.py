"""The ODD document matches the code: generated parameter tables, phases and rules."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from alliance_sim import rules
from alliance_sim.core.params import SCHEMA
from alliance_sim.engines.agent.model import PHASES, ClinicModel

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"


def load_updater():
    spec = importlib.util.spec_from_file_location("update_odd", ROOT / "docs" / "update_odd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_odd_parameter_tables_are_generated_from_the_current_schema():
    text = ODD.read_text(encoding="utf-8")
    assert load_updater().updated(text) == text, "run: python docs/update_odd.py"


def test_odd_lists_every_parameter_with_its_default():
    text = ODD.read_text(encoding="utf-8")
    for name in SCHEMA:
        assert re.search(rf"^\| `{name}` \| ", text, flags=re.M), name


def test_odd_schedule_names_the_phases_in_the_order_step_runs_them():
    text = ODD.read_text(encoding="utf-8")
    section = text[text.index("### 3.1") : text.index("### 3.2")]
    positions = [section.index(f"{i}. **{phase}**") for i, phase in enumerate(PHASES, start=1)]
    assert positions == sorted(positions)
    for phase in PHASES:
        assert f"{phase} —" in ClinicModel.step.__doc__


def test_odd_describes_every_rule_of_the_rulebook():
    text = ODD.read_text(encoding="utf-8")
    for name in rules.__all__:
        assert f"`{name}`" in text, name


def test_every_rule_cites_its_references():
    for name in rules.__all__:
        doc = getattr(rules, name).__doc__ or ""
        assert "References:" in doc, name


def test_odd_scenario_table_shows_each_builtin_scenarios_overrides():
    from alliance_sim.scenarios import builtin_scenarios

    text = ODD.read_text(encoding="utf-8")
    for scenario in builtin_scenarios().values():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{scenario.name}` |"))
        for name, value in scenario.overrides.items():
            shown = f'"{value}"' if isinstance(value, str) else f"{value:g}"
            assert f"`{name} = {shown}`" in row, (scenario.name, name)
        assert scenario.description in row
