"""Argparse types shared by the benchmark scripts: each refuses a bad value with a message
that names it and says what is allowed (argparse then exits with status 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def positive_int(text: str) -> int:
    """A whole number ≥ 1 (underscores and commas allowed: ``22_528``, ``22,528``)."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not ≥ 1")
    return value


def two_sizes(example: str) -> Callable[[str], tuple[int, int]]:
    """A type for two sizes, smaller first, such as ``example`` (``"1000,10000"``)."""

    def parse(text: str) -> tuple[int, int]:
        parts = text.split(",")
        if len(parts) != 2:
            raise argparse.ArgumentTypeError(f"{text!r} is not two numbers such as {example}")
        small, large = (positive_int(part) for part in parts)
        if small >= large:
            raise argparse.ArgumentTypeError(f"{text!r}: the first size must be the smaller")
        return small, large

    return parse
