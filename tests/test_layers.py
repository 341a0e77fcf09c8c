"""The package's folders are its layers: each imports only from the layers below it.

Read from every module's source (imports inside functions included), so a lazy import
that crosses a layer is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "alliance_sim"

# What each part of the package may import from alliance_sim (besides itself).
LOWER: dict[str, set[str]] = {
    "rules": set(),
    "core": {"rules"},
    "scenarios": {"core", "rules"},
    "records": {"core", "rules"},
    "engines.agent": {"core", "rules", "records"},
    "engines.cohort": {"core", "rules", "records"},
    "simulation": {"core", "rules", "records", "engines.agent", "engines.cohort"},
    "comparison": {"core", "rules", "records", "simulation"},
    "plotting": {"core", "rules", "records", "simulation", "comparison"},
}
LIBRARY_TOP = {"core", "rules", "records", "engines", "scenarios", "simulation", "comparison"}
HIGHER = ("batch", "trials", "lessons", "validation")
FACES = ("cli", "ui", "__main__")  # `python -m alliance_sim` is the command line


def part_of(module: str) -> str:
    """The layer of a dotted module name below ``alliance_sim`` ('' for the package itself)."""
    parts = module.split(".")
    if parts[0] == "engines" and len(parts) > 1:
        return "engines." + parts[1]
    return parts[0]


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        name = ".".join(part for part in relative.parts if part != "__init__")
        out[name] = path
    return out


def imported(path: Path, name: str) -> set[str]:
    """The alliance_sim modules ``path`` imports, as names below the package."""
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                targets = [".".join(["alliance_sim", *base, *(node.module or "").split(".")])]
            else:
                targets = [node.module or ""]
        else:
            continue
        for target in targets:
            if target.startswith("alliance_sim."):
                found.add(target.removeprefix("alliance_sim.").strip("."))
    return found


MODULES = modules()


@pytest.mark.parametrize("name", [n for n in MODULES if part_of(n) in LOWER])
def test_each_library_layer_imports_only_the_layers_below_it(name):
    own = part_of(name)
    crossing = {
        target
        for target in imported(MODULES[name], name)
        if part_of(target) != own and part_of(target) not in LOWER[own]
    }
    assert not crossing, f"{name} imports {sorted(crossing)}; allowed: {sorted(LOWER[own])}"


@pytest.mark.parametrize("name", [n for n in MODULES if n and part_of(n) not in FACES])
def test_the_library_never_imports_a_face(name):
    faces = {t for t in imported(MODULES[name], name) if part_of(t) in FACES}
    assert not faces, f"{name} imports the faces {sorted(faces)}"


@pytest.mark.parametrize("name", [n for n in MODULES if part_of(n) in HIGHER])
def test_batch_trials_lessons_and_validation_build_on_the_library_not_on_the_faces(name):
    allowed = LIBRARY_TOP | set(HIGHER)
    crossing = {t for t in imported(MODULES[name], name) if t.split(".")[0] not in allowed}
    assert not crossing, f"{name} imports {sorted(crossing)}"


def test_the_import_reader_sees_a_lazy_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from alliance_sim.engines.cohort import run_cohort\n")
    assert imported(module, "core.m") == {"engines.cohort"}


def test_every_module_belongs_to_a_known_layer():
    known = set(LOWER) | {"engines"} | set(HIGHER) | set(FACES) | {""}
    assert {part_of(n) for n in MODULES} <= known
