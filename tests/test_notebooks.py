"""The teaching notebooks run top to bottom, assert what they teach, and are stored clean.

Each notebook is executed in a fresh kernel (ipykernel, through nbclient) with
matplotlib's non-interactive Agg backend, in a temporary folder; the executed
copy is thrown away, so the stored files are never modified. A failing
``assert`` in a notebook means its text no longer matches the model.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

LESSONS = (
    "01_meet_the_model.ipynb",
    "02_paternalistic_vs_shared_power.ipynb",
    "03_one_patient_session_by_session.ipynb",
    "04_reproducing_fuentes_2014.ipynb",
    "05_sensitivity_analysis.ipynb",
    "06_virtual_trial_power.ipynb",
)
"""The notebooks, in teaching order. A new notebook is added here deliberately."""

CELL_TIMEOUT_S = 180
"""No cell may take longer (each notebook runs in well under a minute on two cores)."""

OTHER_IMPORTS = {"matplotlib", "numpy", "pandas", "scipy"}
"""What a notebook may import besides the library: plotting and tables, never model code."""

PREDICT = "Before you run the next cell, predict"


def read(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def cells_of(name: str, kind: str) -> list[str]:
    return [cell.source for cell in read(name).cells if cell.cell_type == kind]


def python_of(source: str) -> str:
    """A code cell without its IPython magics (``%matplotlib inline``), as plain Python."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def bullets(text: str) -> list[str]:
    """The top-level bullet items of a Markdown text, each joined into one line."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
    return items


def section(name: str, heading: str) -> str:
    """The Markdown between ``heading`` and the next heading of the same or a higher level."""
    text = "\n\n".join(cells_of(name, "markdown"))
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^#{{1,2}} |\Z)", text, re.S | re.M)
    assert match, f"{name}: no '## {heading}' section"
    return match.group(1)


def test_the_notebooks_are_exactly_the_six_lessons():
    stored = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    assert stored == sorted(LESSONS), "add a new notebook to LESSONS (and notebooks/README.md)"


def test_the_notebooks_readme_lists_every_notebook_in_order():
    text = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    positions = [text.index(name) for name in LESSONS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_is_stored_without_outputs(name):
    for cell in read(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: clear the outputs before committing"
            assert cell.execution_count is None, f"{name}: clear the execution counts"


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_opens_with_a_title_and_three_or_four_learning_goals(name):
    first = read(name).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**Learning goals.**" in first.source
    assert 3 <= len(bullets(first.source)) <= 4


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_ends_with_things_to_notice_and_things_to_try_written_as_questions(name):
    last = read(name).cells[-1]
    assert last.cell_type == "markdown"
    assert last.source.index("## Things to notice") < last.source.index("## Things to try")
    for heading in ("Things to notice", "Things to try"):
        items = bullets(section(name, heading))
        assert len(items) >= 3, f"{name}: {heading} needs at least three questions"
        for item in items:
            assert "?" in item, f"{name}: {heading} should ask, not tell: {item!r}"


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_asks_for_predictions_with_choices_before_running(name):
    nb = read(name)
    prompts = 0
    for cell, following in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type == "markdown" and PREDICT in cell.source:
            prompts += 1
            assert following.cell_type == "code", f"{name}: a prediction must precede a run"
            asked = cell.source[cell.source.index(PREDICT) :]
            assert "(a)" in asked and "(b)" in asked, f"{name}: a prediction without choices"
    assert prompts >= 2


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_asserts_the_claims_its_text_makes(name):
    asserts = sum(
        isinstance(node, ast.Assert)
        for source in cells_of(name, "code")
        for node in ast.walk(ast.parse(python_of(source)))
    )
    assert asserts >= 4, f"{name}: only {asserts} assertions"


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_uses_only_the_public_library_api_and_no_model_code(name):
    for source in cells_of(name, "code"):
        tree = ast.parse(python_of(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in OTHER_IMPORTS, alias.name
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module.split(".")[0] == "alliance_sim":
                    assert not any(part.startswith("_") for part in module.split(".")), module
                    public = getattr(importlib.import_module(module), "__all__", ())
                    for alias in node.names:
                        assert alias.name in public, f"{name}: {module}.{alias.name} is not public"
                else:
                    assert module.split(".")[0] in OTHER_IMPORTS, module
            elif isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_"), f"{name}: private name .{node.attr}"
            elif isinstance(node, ast.Name):
                assert not node.id.startswith("_"), f"{name}: private name {node.id}"
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{name}: defines its own function or class; put it in the library"
            )


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_notebook_code_is_clean_for_ruff():
    paths = [str(NOTEBOOKS / name) for name in LESSONS]
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_notebook_runs_top_to_bottom_and_its_assertions_hold(name, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits it: no display needed
    notebook = read(name)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # runs in an empty folder
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    assert all(
        output.get("output_type") != "error"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
