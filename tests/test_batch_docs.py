"""The README's batch-experiment section matches the code: commands, experiments, keys."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from alliance_sim.batch import load_experiment
from alliance_sim.batch.spec import DESIGN_KEYS, TOP_LEVEL_KEYS, VARY_KEYS
from alliance_sim.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[
    README.index("### Batch experiments") : README.index("## PERFORMANCE: TWO ENGINES")
]


def sh_commands() -> list[list[str]]:
    out = []
    for block in re.findall(r"```sh\n(.*?)```", SECTION, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("alliance-sim "):
                out.append(shlex.split(line)[1:])
    return out


def test_the_documented_sweep_commands_parse_and_name_real_experiment_files():
    commands = sh_commands()
    assert {c[0] for c in commands} == {"sweep", "analyse"}
    parser = build_parser()
    for args in commands:
        parser.parse_args(args)  # every option documented exists
        if args[0] == "sweep":
            load_experiment(ROOT / args[1])


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.name
)
def test_every_experiment_file_has_a_line_saying_what_question_it_answers(path):
    row = next(
        line for line in SECTION.splitlines() if line.startswith(f"| `experiments/{path.name}` |")
    )
    assert "?" in row


def test_the_file_format_documents_every_key():
    for key in TOP_LEVEL_KEYS:
        assert re.search(rf"^#? ?{key} = |^\[{key}\]", SECTION, flags=re.M), key
    for method, keys in DESIGN_KEYS.items():
        assert f"| `{method}` |" in SECTION
        for key in keys:
            if key != "method":
                assert f"`{key}`" in SECTION, (method, key)
    for keys in VARY_KEYS.values():
        for key in keys:
            assert key in SECTION, key


def test_the_documented_error_is_the_real_message(tmp_path):
    match = re.search(r"for example\n`(style\.toml: .*?)`", SECTION, flags=re.S)
    assert match
    path = tmp_path / "style.toml"
    path.write_text('[design]\nmethod = "sobol"\nn = 1000\n[vary]\nempathy_mean = {}\n')
    with pytest.raises(Exception) as caught:
        load_experiment(path)
    assert " ".join(match.group(1).split()).replace("style.toml", str(path)) == str(caught.value)
