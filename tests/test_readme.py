"""The README's examples run as documented, so the docs cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from alliance_sim.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def commands() -> list[list[str]]:
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("alliance-sim "):
                out.append(shlex.split(line)[1:])
    return out


def test_readme_starts_with_the_install_and_test_commands():
    text = README.read_text(encoding="utf-8")
    first, second = blocks("bash")[:2]
    assert (
        first.strip()
        == "python3 -m pip install -e . && alliance-sim compare paternalistic shared-power"
    )
    assert second.strip() == 'python3 -m pip install -e ".[test]" && python3 -m pytest'
    assert text.index(first) < text.index("## WHAT IS IT?")


def test_readme_has_the_info_tab_sections_in_order():
    text = README.read_text(encoding="utf-8")
    sections = [
        "WHAT IS IT?",
        "HOW IT WORKS",
        "HOW TO USE IT",
        "THINGS TO NOTICE",
        "THINGS TO TRY",
        "EXTENDING THE MODEL",
        "RELATED MODELS",
        "CREDITS AND REFERENCES",
    ]
    positions = [text.index(f"## {s}") for s in sections]
    assert positions == sorted(positions)


def test_every_readme_command_and_python_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    toml = next(b for b in blocks("toml") if 'name = "anxious-patients"' in b)
    (tmp_path / "anxious.toml").write_text(toml)
    cmds = commands()
    assert len(cmds) >= 8
    for args in cmds:
        assert main(args) == 0, args
    capsys.readouterr()
    assert (tmp_path / "run.parquet").exists() and (tmp_path / "compare.png").exists()
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "goal_agreement" in out


def test_readme_error_example_is_the_real_message(tmp_path, capsys):
    text = README.read_text(encoding="utf-8")
    match = re.search(r"for example\n`(anxious\.toml: .*?)`", text, flags=re.S)
    assert match, "README lost its error example"
    documented = " ".join(match.group(1).split())
    path = tmp_path / "anxious.toml"
    path.write_text("[parameters]\nn_sessions = 80\n")
    code = main(["run", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert documented.replace("anxious.toml", str(path)) in err


@pytest.mark.parametrize(
    "parameter",
    [
        "p_prefers_active",
        "responsiveness_mean",
        "self_efficacy_mean",
        "power_sharing_mean",
        "learning_rate",
        "device",
        "caseload",
    ],
)
def test_parameters_named_in_things_to_try_exist(parameter):
    from alliance_sim.core.params import SCHEMA

    assert parameter in SCHEMA
    assert parameter in README.read_text(encoding="utf-8")
