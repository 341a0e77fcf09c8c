"""Hostile inputs for the fuzzing tests: values, TOML files mutated from small valid ones,
special paths, and the checks every answer must pass.

Shared by ``test_fuzz_cli.py`` and ``test_fuzz_api.py``. Everything is sized so that
an input that happens to be valid runs a clinic of a few patients for a few sessions.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from alliance_sim.core.params import SCHEMA

__all__ = [
    "BASE_EXAMPLES",
    "DOCUMENTS",
    "HOSTILE",
    "SPECIAL_PATHS",
    "Raw",
    "check_written_files",
    "fuzz_settings",
    "hostile_files",
    "leftover_temporaries",
    "mentions_a_field_or_file",
    "mutated_document",
    "to_toml",
]

BASE_EXAMPLES = settings().max_examples
"""The loaded profile's examples per test (200 with CI=true, 50 otherwise)."""


def fuzz_settings(share: float) -> settings:
    """Deterministic settings for ``share`` × the profile's examples (no database, no deadline)."""
    return settings(
        max_examples=max(10, int(BASE_EXAMPLES * share)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@dataclass(frozen=True)
class Raw:
    """TOML text written as is (a value too large or too deep to build as a Python object)."""

    text: str


DEEP = Raw("[" * 3000 + "]" * 3000)
HUGE_DIGITS = Raw("9" * 5000)

HOSTILE: tuple[Any, ...] = (
    0,
    -1,
    1,
    2,
    3,
    2**63 - 1,
    10**18,
    10**400,
    -(10**400),
    HUGE_DIGITS,
    0.5,
    -0.0,
    1.5,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
    True,
    "",
    " ",
    "x" * 5000,
    "default",
    "adherence",
    "last",
    "1,last",
    "99",
    "/dev/zero",
    "/etc/passwd",
    "../../etc/passwd",
    "fifo.toml",
    "folder.toml",
    "scenario.toml",
    "é\n\t\u2028",
    [],
    ["adherence"],
    [["adherence"]],
    [1, "a"],
    {},
    {"a": 1},
    {"adherence": {"bond": [1]}},
    DEEP,
    Raw("[" * 40 + "]" * 40),
    Raw("1979-05-27T07:32:00Z"),
)
"""Values a mutation puts where a file or a call expects something else."""

SPECIAL_PATHS: tuple[str, ...] = (
    "fifo.toml",
    "folder.toml",
    "missing.toml",
    "/dev/zero",
    "",
    " ",
    "x" * 300 + ".toml",
    "../../etc/passwd",
    "link-to-fifo.toml",
    "no/such/folder/file.toml",
    "scenario.toml/inside.toml",
)
"""Paths every file argument is also tried with (created by :func:`hostile_files`)."""

SMALL = {"n_patients": 3, "n_therapists": 2, "n_sessions": 2, "measurement_sessions": "1,last"}

DOCUMENTS: dict[str, dict[str, Any]] = {
    "scenario": {
        "name": "fuzzed",
        "description": "a scenario to mutate",
        "parameters": {**SMALL, "empathy_mean": 0.5, "device": "sham"},
    },
    "lesson": {
        "title": "A lesson",
        "summary": "One line.",
        "introduction": "Some text.",
        "metrics": ["adherence", "bond"],
        "explanation": "Why.",
        "replicates": 2,
        "seed": 1,
        "sources": ["A source"],
        "question": {"text": "What happens?", "choices": ["Up", "Down"], "answer": "Up"},
        "arms": [
            {"name": "a", "scenario": "paternalistic", "parameters": dict(SMALL)},
            {"name": "b", "label": "B", "scenario": "shared-power", "parameters": dict(SMALL)},
        ],
        "expect": [
            {"metric": "adherence", "higher": "b", "lower": "a", "by": 0.0},
            {"metric": "bond", "similar": ["a", "b"], "within": 1.0},
            {"metric": "adherence", "arm": "a", "at_least": 0.0, "at_most": 1.0},
        ],
    },
    "protocol": {
        "name": "tiny-trial",
        "title": "A tiny 2x2",
        "description": "d",
        "source": "s",
        "analysis": "factorial",
        "n_per_arm": 4,
        "sessions": 1,
        "measurement_sessions": "1",
        "outcome": "first_session_relief_mm",
        "primary": "effect:alliance",
        "factors": {"device": ["active", "sham"], "alliance": ["enhanced", "limited"]},
        "parameters": {"n_therapists": 1},
        "arms": [
            {
                "name": name,
                "levels": {"device": device, "alliance": alliance},
                "parameters": {"device": device, "empathy_mean": empathy},
            }
            for name, device, alliance, empathy in (
                ("AE", "active", "enhanced", 0.9),
                ("SE", "sham", "enhanced", 0.9),
                ("AL", "active", "limited", 0.1),
                ("SL", "sham", "limited", 0.1),
            )
        ],
        "contrasts": [{"arms": ["SE", "AL"]}],
        "published": [{"estimate": "mean:AE", "text": "31.4 mm", "value": 31.4}],
    },
    "experiment": {
        "name": "tiny",
        "scenario": "default",
        "replicates": 2,
        "seed": 1,
        "outputs": ["alliance", "adherence"],
        "parameters": {"n_patients": 3, "n_sessions": 2},
        "design": {"method": "grid"},
        "vary": {"empathy_mean": [0.3, 0.9]},
    },
}
"""A small valid file of each kind, as data: the fuzz mutates one place of it."""


# --- writing TOML -----------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(document: dict[str, Any]) -> str:
    """``document`` as TOML text: one ``key = value`` line per top-level key."""
    return "".join(f"{_key(key)} = {_value(value)}\n" for key, value in document.items())


# --- mutating a document ----------------------------------------------------------------------


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


PLACES = {kind: list(_places(document))[1:] for kind, document in DOCUMENTS.items()}

TEXT_DAMAGE = ("none",) * 10 + ("truncate", "latin-1", "bom", "huge", "garbage")


@st.composite
def mutated_document(draw: st.DrawFn, kind: str) -> bytes:
    """The small valid ``kind`` file with one place changed, and sometimes its text damaged."""
    document = copy.deepcopy(DOCUMENTS[kind])
    for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
        place = draw(st.sampled_from(PLACES[kind]))
        parent: Any = document
        try:
            for step in place[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(("set", "set", "set", "delete", "add")))
            if action == "delete":
                del parent[place[-1]]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.sampled_from(("colour", "n_patients", "", "x" * 100)))] = 1
            else:
                parent[place[-1]] = draw(st.sampled_from(HOSTILE))
        except (KeyError, IndexError, TypeError):  # an earlier mutation moved the place
            pass
    text = to_toml(document)
    damage = draw(st.sampled_from(TEXT_DAMAGE))
    data = text.encode("utf-8")
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "latin-1":
        data = data.replace(b"A", b"\xc0", 1) + b"# caf\xe9\n"
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "huge":
        data += b"#" * 1_000_001
    elif damage == "garbage":
        data = draw(st.binary(max_size=200))
    return data


# --- the working folder ------------------------------------------------------------------------


def hostile_files(folder: Path, documents: dict[str, bytes]) -> set[Path]:
    """Make the special paths of :data:`SPECIAL_PATHS` and the ``documents`` in ``folder``.

    Returns every path made (so that checks can tell inputs from outputs).
    """
    os.mkfifo(folder / "fifo.toml")
    (folder / "link-to-fifo.toml").symlink_to(folder / "fifo.toml")
    (folder / "folder.toml").mkdir()
    (folder / "scenario.toml").write_text(to_toml(DOCUMENTS["scenario"]), encoding="utf-8")
    for name, data in documents.items():
        (folder / name).write_bytes(data)
    return set(folder.rglob("*"))


def leftover_temporaries(folder: Path) -> list[str]:
    """Temporary files anywhere under ``folder`` (every writer's naming included)."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if re.search(r"\.tmp|tmp-|\.partial|~$", p.name)
    )


def check_written_files(folder: Path, inputs: set[Path]) -> list[str]:
    """The files written under ``folder`` that are not whole (unreadable tables or figures)."""
    import pandas as pd
    import pyarrow.parquet as pq

    broken = []
    for path in sorted(folder.rglob("*")):
        if path in inputs or not path.is_file() or path.is_symlink():
            continue
        try:
            if path.suffix == ".parquet":
                pq.read_table(path)
            elif path.suffix == ".csv":
                if path.stat().st_size:
                    pd.read_csv(path)
            elif path.suffix == ".png":
                data = path.read_bytes()
                if not (data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")):
                    raise ValueError("not a whole PNG")
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
        except Exception as error:  # any failure to read back is a partial file
            broken.append(f"{path.relative_to(folder)}: {type(error).__name__}: {error}")
    return broken


FIELD_WORDS = (
    "scenario",
    "lesson",
    "protocol",
    "experiment",
    "file",
    "folder",
    "argument",
    "parameter",
    "seed",
    "replicates",
    "metric",
    "table",
    "engine",
    "results",
    "params",
    "progress",
    "label",
    "overrides",
    "command",
    "choice",
)


def mentions_a_field_or_file(message: str, arguments: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether ``message`` names a field or a file: an option, a parameter, a key or a path given."""
    if re.search(r"--[a-z]", message) or re.search(
        r"\.(toml|parquet|csv|png|svg|pdf|md)\b", message
    ):
        return True
    if any(name in message for name in SCHEMA) or any(w in message for w in FIELD_WORDS):
        return True
    return any(len(a) >= 2 and (a in message or a[:40] in message) for a in arguments)
