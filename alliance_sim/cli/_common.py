"""What every subcommand shares: the parser class, option types, printing and figures."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alliance_sim.core.errors import AllianceSimError
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
                f"{flag} {item!r}: expected NAME=VALUE, e.g. {flag} empathy_mean=0.3"
            )
        out[name.strip()] = parse_value(name.strip(), value)
    return out


def seed_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"seed {value} is out of range: allowed 0 to 2**63 - 1")
    return value


def replicates_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"replicates {text!r} is not a whole number") from None
    if not 2 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"replicates {value} is out of range: allowed 2 to 10000")
    return value


def positive_int(low: int, high: int, what: str) -> Any:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} {text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{what} {value} is out of range: allowed {low} to {high}"
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


def check_figure_path(path: str) -> Path:
    """Check a --figure path before any work is done."""
    target = Path(path)
    if target.suffix.lower() not in FIGURE_TYPES:
        raise AllianceSimError(
            f"--figure {path!r}: unsupported file type; allowed are " + ", ".join(FIGURE_TYPES)
        )
    if not target.parent.is_dir():
        raise AllianceSimError(
            f"--figure {path!r}: the folder {str(target.parent)!r} does not exist"
        )
    return target


def save_figure(fig: Any, path: str) -> Path:
    """Save ``fig`` to ``path`` under a temporary name first, then rename it."""
    target = check_figure_path(path)
    tmp = target.with_name(f".{target.name}.tmp{target.suffix}")
    try:
        fig.savefig(tmp, dpi=110)
        tmp.replace(target)
    except OSError as error:
        raise AllianceSimError(f"cannot write {target}: {error}") from None
    return target
