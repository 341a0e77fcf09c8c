"""Reading and writing files, bounded: only regular files, a size limit, nesting, numbers;
results written all-or-nothing with no temporary file left behind."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from alliance_sim.core.errors import AllianceSimError, ScenarioError, shown
from alliance_sim.core.toml_checks import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    decode_upload,
    read_text_file,
    read_toml,
    upload_name,
)
from alliance_sim.records.io import write_files, write_tables
from alliance_sim.scenarios import load_scenario, parse_scenario

SMALL = "[parameters]\nn_patients = 3\n"


def scenario_error(path: str | Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def toml_error(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        read_toml(text, "f.toml", ScenarioError)
    return str(caught.value)


def leftovers(folder: Path) -> list[str]:
    """Temporary files anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


# --- what kind of file ------------------------------------------------------------------------


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    outcome: list[str] = []
    reader = threading.Thread(target=lambda: outcome.append(scenario_error(fifo)), daemon=True)
    reader.start()
    reader.join(60)  # a liveness guard: opening a FIFO for reading would block for ever
    assert outcome, "reading a FIFO blocked"
    assert outcome[0] == (
        f"{fifo}: cannot read the scenario file: it is a FIFO (named pipe);"
        " a scenario file must be a regular file"
    )


def test_a_symlink_to_a_fifo_is_refused_as_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link.toml").symlink_to(tmp_path / "pipe")
    assert "it is a FIFO" in scenario_error(tmp_path / "link.toml")


def test_a_device_is_refused_before_anything_is_read():
    assert scenario_error("/dev/zero") == (
        "/dev/zero: cannot read the scenario file: it is a character device;"
        " a scenario file must be a regular file"
    )


def test_a_folder_is_refused_naming_it(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    assert "folder.toml: cannot read the scenario file: it is a folder" in scenario_error(
        tmp_path / "folder.toml"
    )


def test_a_missing_file_says_so(tmp_path):
    assert (
        scenario_error(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: no such scenario file"
    )


def test_a_file_name_too_long_is_a_message_not_an_os_error(tmp_path):
    message = scenario_error(tmp_path / ("x" * 5000 + ".toml"))
    assert "cannot read the scenario file: File name too long" in message
    assert len(message) < 300


def test_a_nul_character_in_a_path_is_a_message():
    assert "cannot read the scenario file" in scenario_error("a\0b.toml")


def test_an_empty_scenario_name_is_refused_rather_than_read_as_the_current_folder():
    message = scenario_error("")
    assert message.startswith("scenario = '' is empty: give a built-in name (default,")


def test_a_file_over_the_size_limit_is_refused_with_both_sizes(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text(SMALL + "#" * MAX_FILE_BYTES, encoding="utf-8")
    message = scenario_error(big)
    assert f"is too large ({big.stat().st_size:,} bytes); at most 1,000,000 bytes" in message


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path):
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'description = "caf\xe9"\n')
    assert "not UTF-8 text (byte 19 is 0xe9)" in scenario_error(latin)


def test_a_byte_order_mark_is_accepted(tmp_path):
    marked = tmp_path / "marked.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())
    assert load_scenario(marked).overrides == {"n_patients": 3}


def test_a_regular_file_is_read_once_and_whole(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text("x" * 5000, encoding="utf-8")
    assert read_text_file(path, "scenario", ScenarioError) == "x" * 5000


# --- what is in it ------------------------------------------------------------------------------


def test_a_value_nested_3000_deep_is_a_message_not_a_recursion_error():
    message = toml_error("x = " + "[" * 3000 + "]" * 3000)
    assert message == (
        f"f.toml: a value is nested more than {MAX_DEPTH} levels deep (tables and arrays inside"
        f" each other); at most {MAX_DEPTH} are allowed"
    )


def test_inline_tables_nested_deep_are_refused_too():
    assert "nested more than" in toml_error("x = " + "{a = " * 3000 + "1" + "}" * 3000)


def test_dotted_keys_nested_deep_are_refused_naming_the_key():
    message = toml_error("a" + ".a" * 40 + " = 1")
    assert message.startswith("f.toml: a.a.a") and "nested more than" in message


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting():
    text = 'x = "' + "[" * 100 + "\"\ny = '''" + "{" * 100 + "'''\n# " + "[" * 100 + "\n"
    assert read_toml(text, "f.toml", ScenarioError)["x"] == "[" * 100


def test_a_400_digit_parameter_names_the_key_and_its_range():
    message = toml_error("[parameters]\nn_patients = " + "9" * 400)
    assert message == (
        "f.toml: parameters.n_patients: n_patients = 1e400-ish is out of range: allowed is an"
        " integer from 1 to 5000 (number of patients)"
    )


def test_a_huge_whole_number_elsewhere_says_the_64_bit_range():
    message = toml_error("replicates = " + "9" * 30)
    assert message.startswith("f.toml: replicates = 1e30-ish is not allowed: a whole number from")


def test_a_5000_digit_number_is_a_message_with_its_line():
    message = toml_error('name = "x"\nseed = ' + "9" * 5000)
    assert message.startswith("f.toml: a number of more than 4,300 digits (line 2) is not allowed")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_nan_and_infinity_are_refused_in_any_file(value):
    assert toml_error(f"[x]\nwithin = {value}") == (
        f"f.toml: x.within = {float(value)!r} is not allowed: a finite number"
    )


def test_text_over_the_size_limit_is_refused_before_parsing():
    assert "too large" in toml_error("#" * (MAX_FILE_BYTES + 1))


# --- uploads: bytes, never a path ----------------------------------------------------------------


def test_an_uploaded_file_name_is_only_a_label():
    assert upload_name("../../etc/passwd") == "passwd"
    assert upload_name("C:\\Users\\me\\mine.toml") == "mine.toml"
    assert upload_name("bad\nname.toml") == "bad?name.toml"
    assert upload_name("") == "uploaded file"


def test_uploaded_bytes_that_are_not_utf8_are_a_message():
    with pytest.raises(ScenarioError, match=r"up.toml: the scenario file is not UTF-8 text"):
        decode_upload(b"\xff\xfe", "up.toml", "scenario", ScenarioError)


def test_an_uploaded_file_over_the_limit_is_refused():
    with pytest.raises(ScenarioError, match="too large"):
        decode_upload(b"#" * (MAX_FILE_BYTES + 1), "up.toml", "scenario", ScenarioError)


def test_shown_keeps_a_message_to_one_line():
    assert shown(10**5000) == "1e5000-ish"
    assert shown(-(10**30)) == "-1e30-ish"
    assert shown(12) == "12"
    assert len(shown("x" * 10_000)) < 80
    assert "10,000 characters" in shown("x" * 10_000)


def test_a_parse_error_never_reads_a_file_named_in_the_text(tmp_path):
    secret = tmp_path / "secret.toml"
    secret.write_text(SMALL, encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown key 'scenario'"):
        parse_scenario(f'scenario = "{secret}"', "up.toml")


# --- writing: all or nothing ---------------------------------------------------------------------


def frames() -> dict[str, pd.DataFrame]:
    return {"runs": pd.DataFrame({"a": [1, 2]}), "extra": pd.DataFrame({"b": [3]})}


def test_a_sibling_that_is_a_folder_leaves_the_first_file_untouched(tmp_path):
    (tmp_path / "x.parquet").write_text("old", encoding="utf-8")
    (tmp_path / "x_extra.parquet").mkdir()
    with pytest.raises(
        AllianceSimError, match=r"x_extra.parquet'?: cannot write it: it is a folder"
    ):
        write_tables(frames(), tmp_path / "x.parquet")
    assert (tmp_path / "x.parquet").read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


def test_a_writer_that_fails_halfway_leaves_no_file_and_no_temporary(tmp_path):
    def broken(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    good = tmp_path / "good.csv"
    with pytest.raises(AllianceSimError, match=r"cannot write .*bad.csv: No space left on device"):
        write_files({good: lambda p: p.write_text("ok"), tmp_path / "bad.csv": broken})
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_no_temporary(tmp_path):
    def interrupted(path: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_files({tmp_path / "a.csv": interrupted})
    assert list(tmp_path.iterdir()) == []


def test_files_written_together_all_appear(tmp_path):
    paths = write_tables(frames(), tmp_path / "x.csv")
    assert {p.name for p in paths.values()} == {"x.csv", "x_extra.csv"}
    assert pd.read_csv(paths["extra"])["b"].tolist() == [3]
    assert leftovers(tmp_path) == []


@contextlib.contextmanager
def tiny_disk(folder: Path, options: str = "size=64k") -> Iterator[Path]:
    """A 64 kB tmpfs at ``folder`` (root only); skips the test where mounting is not allowed."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_is_one_message_and_leaves_the_old_files_and_no_temporary(tmp_path):
    with tiny_disk(tmp_path / "disk") as disk:
        (disk / "x.csv").write_text("old", encoding="utf-8")
        big = {"runs": pd.DataFrame({"a": range(5000)}), "more": pd.DataFrame({"b": range(20000)})}
        with pytest.raises(AllianceSimError, match=r"cannot write .*: No space left on device"):
            write_tables(big, disk / "x.csv")
        assert (disk / "x.csv").read_text(encoding="utf-8") == "old"
        assert sorted(p.name for p in disk.iterdir()) == ["x.csv"]


def test_a_read_only_folder_is_one_message_and_no_temporary(tmp_path):
    with tiny_disk(tmp_path / "ro", "ro,size=64k") as disk:
        with pytest.raises(AllianceSimError) as caught:
            write_tables(frames(), disk / "x.csv")
        assert str(caught.value) == (
            f"cannot write {disk / 'x.csv'}: Read-only file system (nothing was written)"
        )
        assert list(disk.iterdir()) == []


def test_a_cleanup_that_fails_does_not_hide_the_real_error(tmp_path, monkeypatch):
    def full(path: Path) -> None:
        raise OSError(28, "No space left on device")

    def unremovable(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", unremovable)
    with pytest.raises(AllianceSimError, match=r"No space left on device \(nothing was written\)"):
        write_files({tmp_path / "a.csv": full})
