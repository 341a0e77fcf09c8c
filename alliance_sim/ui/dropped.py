"""A file dropped on a page: read from the upload itself, checked, parsed — or one line why not.

The web app's rule for files: the server reads only the bytes a user uploads, never a
path named inside a file. Before the library sees an upload, :func:`read_dropped`

* refuses a file over :data:`MAX_UPLOAD_BYTES` (by the size the browser announces, and
  again by what actually arrives: at most one byte more is ever read), an empty file,
  and one that is not UTF-8 text;
* reads the TOML once, refusing values nested deeper than :data:`MAX_DEPTH` and whole
  numbers longer than :data:`MAX_DIGITS` digits (a 400-digit ``n_patients``);
* runs the page's own ``check`` on the data — for a lesson, :func:`check_lesson_data`:
  every arm's ``scenario`` must be a built-in scenario's name, so a lesson naming
  ``/etc/shadow`` or ``/dev/zero`` is refused with the same message as one naming a file
  that does not exist (nothing about the server's files is revealed), and names of
  metrics, arms and trials must be texts;

then parses the text with the library's ``parse(text, name)``. Whatever goes wrong
becomes an :class:`~alliance_sim.core.errors.AllianceSimError` naming the file; an
unexpected exception is logged with its traceback on the server as well.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.scenarios import builtin_scenarios
from alliance_sim.ui.guard import log_failure, one_line

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_UPLOAD_BYTES",
    "check_lesson_data",
    "read_dropped",
    "read_upload",
    "toml_data",
]

T = TypeVar("T")

MAX_UPLOAD_BYTES = 1_000_000
"""The largest file a page accepts (the built-in lessons are under 5 kB)."""
MAX_DEPTH = 10
"""The deepest nesting of tables and lists a file may have (lessons need 4)."""
MAX_DIGITS = 15
"""The most digits a whole number in a file may have."""
MAX_NAME_CHARS = 80
"""The longest file name a message repeats."""

LESSON_NAME_KEYS = ("metric", "higher", "lower", "arm")
"""The keys of a lesson's ``[[expect]]`` whose values name a metric or an arm."""


def _file_name(file: Mapping[str, Any]) -> str:
    name = str(file.get("name") or "the file")
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "the file"
    return one_line(name, MAX_NAME_CHARS)


def read_upload(file: Mapping[str, Any]) -> tuple[str, str]:
    """The name and text of a file dropped on a Solara ``FileDrop`` (lazy or not).

    Raises:
        AllianceSimError: for a file that is too large, empty, or not UTF-8 text.
    """
    name = _file_name(file)
    limit = f"{MAX_UPLOAD_BYTES // 1_000_000} MB"
    announced = file.get("size")
    if isinstance(announced, int) and announced > MAX_UPLOAD_BYTES:
        raise AllianceSimError(
            f"{name}: the file is too large ({announced:,} bytes; at most {limit})"
        )
    data = file.get("data")
    if data is None:  # a lazy drop: read from the browser, never more than the limit and a byte
        try:
            data = file["file_obj"].read(MAX_UPLOAD_BYTES + 1)
        except Exception as error:  # the browser went away, or the upload timed out
            log_failure(error, f"receiving {name}")
            raise AllianceSimError(f"{name}: the file did not arrive; drop it again") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise AllianceSimError(f"{name}: the file is too large (more than {limit})")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise AllianceSimError(f"{name}: not a text (UTF-8) file") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    if not text.strip():
        raise AllianceSimError(f"{name}: the file is empty")
    return name, text


def _where(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the file"


def toml_data(text: str, name: str) -> dict[str, Any]:
    """The TOML ``text`` as a dict, within :data:`MAX_DEPTH` and :data:`MAX_DIGITS`.

    Raises:
        AllianceSimError: naming the file (and the key) for text that is not TOML,
            nesting too deep or a number too long.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise AllianceSimError(f"{name}: not valid TOML: {one_line(str(problem))}") from None
    except RecursionError:
        raise AllianceSimError(
            f"{name}: values are nested too deeply (at most {MAX_DEPTH} levels of lists and tables)"
        ) from None
    except ValueError:  # Python refuses to read a whole number of more than 4,300 digits
        raise AllianceSimError(
            f"{name}: a number is too long (whole numbers have at most {MAX_DIGITS} digits)"
        ) from None
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            raise AllianceSimError(
                f"{name}: {_where(path[:MAX_DEPTH])} is nested too deeply "
                f"(at most {MAX_DEPTH} levels of lists and tables)"
            )
        if isinstance(value, dict):
            stack.extend(((*path, str(key)), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            digits = len(str(abs(value)))  # Python reads at most 4,300 digits
            if digits > MAX_DIGITS:
                shown = str(value) if digits <= 30 else f"a whole number of {digits} digits"
                raise AllianceSimError(
                    f"{name}: {_where(path)} = {shown} is too large "
                    f"(whole numbers have at most {MAX_DIGITS} digits)"
                )
    return data


def _shown(value: Any) -> str:
    return one_line(repr(value), 60)


def _must_be_text(name: str, where: str, value: Any, allowed: str) -> None:
    if not isinstance(value, str):
        raise AllianceSimError(f"{name}: {where} = {_shown(value)} is not allowed: {allowed}")


def _texts(name: str, where: str, value: Any, allowed: str) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _must_be_text(name, f"{where}[{index}]", item, allowed)


def check_lesson_data(data: Mapping[str, Any], name: str, scenarios: Iterable[str] = ()) -> None:
    """Refuse a lesson that names anything but built-in scenarios, or names that are not texts.

    ``scenarios`` are the scenario names allowed (default: the built-in ones). The
    message for an arm's scenario is the same whatever it names — a file that
    exists, one that does not, a device — so it tells nothing about the server.

    Raises:
        AllianceSimError: naming the file, the key and what is allowed.
    """
    allowed = sorted(scenarios) or sorted(builtin_scenarios())
    arms = data.get("arms")
    if isinstance(arms, list):
        for index, arm in enumerate(arms):
            if not isinstance(arm, dict) or "scenario" not in arm:
                continue
            scenario = arm["scenario"]
            if not isinstance(scenario, str) or scenario not in allowed:
                raise AllianceSimError(
                    f"{name}: arms[{index}].scenario = {_shown(scenario)} is not allowed: "
                    "a lesson dropped on the web app can use only a built-in scenario ("
                    + ", ".join(allowed)
                    + "); put other settings under the arm's parameters"
                )
    if "trial" in data:
        _must_be_text(name, "trial", data["trial"], "the name of a built-in trial")
    _texts(name, "metrics", data.get("metrics"), "the name of a metric")
    expect = data.get("expect")
    if isinstance(expect, list):
        for index, entry in enumerate(expect):
            if not isinstance(entry, dict):
                continue
            for key in LESSON_NAME_KEYS:
                if key in entry:
                    what = "the name of a metric" if key == "metric" else "the name of an arm"
                    _must_be_text(name, f"expect[{index}].{key}", entry[key], what)
            _texts(name, f"expect[{index}].similar", entry.get("similar"), "the name of an arm")


def read_dropped(
    file: Mapping[str, Any],
    parse: Callable[[str, str], T],
    check: Callable[[dict[str, Any], str], None] | None = None,
    kind: str = "file",
) -> T:
    """``parse(text, name)`` of a dropped file, once it passed the checks above and ``check``.

    ``kind`` names what the file should be in the message of an unexpected failure
    ("a scenario file").

    Raises:
        AllianceSimError: naming the file, for every way the file can be wrong.
    """
    name, text = read_upload(file)
    try:
        data = toml_data(text, name)
        if check is not None:
            check(data, name)
        return parse(text, name)
    except AllianceSimError as mistake:
        raise AllianceSimError(one_line(str(mistake))) from None
    except Exception as error:  # a mistake nobody foresaw: the page says so in one line
        log_failure(error, f"reading {name}")
        raise AllianceSimError(
            f"{name}: cannot be read as {kind} ({type(error).__name__}); "
            "the details are in the server's log"
        ) from None
