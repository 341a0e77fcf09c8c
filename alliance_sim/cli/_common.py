"""What every subcommand shares: the parser class, option types, printing and figures."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.core.params import parse_value

PROG = "alliance-sim"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line plus a hint, exit code 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def add_set_options(parser: argparse.ArgumentParser, *flags: tuple[str, str]) -> None:
    for flag, what in flags:
        parser.add_argument(
            flag,
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"override a parameter {what} (repeatable; see 'alliance-sim params')",
        )


def parse_sets(items: Sequence[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AllianceSimError(
                f"{flag} {shown(item)}: expected NAME=VALUE, e.g. {flag} empathy_mean=0.3"
            )
        out[name.strip()] = parse_value(name.strip(), value)
    return out


def seed_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {shown(text)} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(
            f"seed {shown(value)} is out of range: allowed 0 to 2**63 - 1"
        )
    return value


def replicates_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"replicates {shown(text)} is not a whole number"
        ) from None
    if not 2 <= value <= 10_000:
        raise argparse.ArgumentTypeError(
            f"replicates {shown(value)} is out of range: allowed 2 to 10000"
        )
    return value


def positive_int(low: int, high: int, what: str) -> Any:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} {shown(text)} is not a whole number"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{what} {shown(value)} is out of range: allowed {low} to {high}"
            )
        return value

    return parse


def progress_bar(total: int, description: str, unit: str, quiet: bool) -> Any:
    """A progress bar on stderr; hidden when ``quiet`` or when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        disable=quiet or None,
        leave=False,
        file=sys.stderr,
    )


def fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value))


def clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=json_default, ensure_ascii=False))


FIGURE_TYPES = (".png", ".svg", ".pdf")


def check_figure_path(path: str, option: str = "--figure") -> Path:
    """Check a --figure path before any work is done (suffix, folder, not a folder itself)."""
    from alliance_sim.records.io import check_output_path

    return check_output_path(path, FIGURE_TYPES, option)


def figure_writer(fig: Any) -> Callable[[Path], None]:
    """A writer of ``fig`` for :func:`alliance_sim.records.io.write_files` (format from the suffix)."""

    def write(path: Path) -> None:
        fig.savefig(path, dpi=110, format=path.suffix.lstrip(".").lower() or "png")

    return write


def save_figure(fig: Any, path: str, option: str = "--figure") -> Path:
    """Save ``fig`` to ``path`` all-or-nothing: a temporary file first, removed on failure."""
    from alliance_sim.records.io import write_files

    target = check_figure_path(path, option)
    write_files({target: figure_writer(fig)}, option)
    return target
