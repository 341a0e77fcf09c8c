"""A file dropped on a page: read from the upload itself, parsed by the library — or one line why not.

The web app's rule for files: the server reads only the bytes a user uploads, never a
path named inside a file. :func:`read_upload` takes the bytes from the browser —

* refusing a file over :data:`MAX_UPLOAD_BYTES` (by the size the browser announces, and
  again by what actually arrives: at most one byte more is ever read) and an empty one;

then :func:`read_dropped` hands them to the library's parser for uploads
(:func:`~alliance_sim.scenarios.parse_scenario_upload`,
:func:`~alliance_sim.lessons.parse_lesson_upload`), which never touches the
filesystem: it decodes UTF-8, reads the TOML bounded (nesting, numbers), and
validates it — a lesson may name only built-in scenarios and trials, so a lesson
naming ``/etc/shadow`` or ``/dev/zero`` is refused with the same message as one
naming a file that does not exist (nothing about the server's files is revealed).
Whatever goes wrong becomes an :class:`~alliance_sim.core.errors.AllianceSimError`
naming the file, on one line; an unexpected exception is logged with its traceback
on the server as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from alliance_sim.core.errors import AllianceSimError
from alliance_sim.ui.guard import log_failure, one_line

__all__ = ["MAX_UPLOAD_BYTES", "read_dropped", "read_upload"]

T = TypeVar("T")

MAX_UPLOAD_BYTES = 1_000_000
"""The largest file a page accepts (the built-in lessons are under 5 kB)."""
MAX_NAME_CHARS = 80
"""The longest file name a message repeats."""
BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _file_name(file: Mapping[str, Any]) -> str:
    name = str(file.get("name") or "the file")
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "the file"
    return one_line(name, MAX_NAME_CHARS)


def read_upload(file: Mapping[str, Any]) -> tuple[str, bytes]:
    """The name and bytes of a file dropped on a drop zone (lazy or not).

    Raises:
        AllianceSimError: for a file that is too large or empty.
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
    data = bytes(data)
    if not data.removeprefix(BYTE_ORDER_MARK).strip():
        raise AllianceSimError(f"{name}: the file is empty")
    return name, data


def read_dropped(
    file: Mapping[str, Any],
    parse: Callable[[bytes, str], T],
    kind: str = "file",
) -> T:
    """``parse(data, name)`` of a dropped file's bytes, once :func:`read_upload` took them.

    ``parse`` is the library's parser for uploads (it never opens a file);
    ``kind`` names what the file should be in the message of an unexpected
    failure ("a scenario file").

    Raises:
        AllianceSimError: naming the file, on one line, for every way the file can be wrong.
    """
    name, data = read_upload(file)
    try:
        return parse(data, name)
    except AllianceSimError as mistake:
        raise AllianceSimError(one_line(str(mistake))) from None
    except Exception as error:  # a mistake nobody foresaw: the page says so in one line
        log_failure(error, f"reading {name}")
        raise AllianceSimError(
            f"{name}: cannot be read as {kind} ({type(error).__name__}); "
            "the details are in the server's log"
        ) from None
