"""The command line: ``alliance-sim COMMAND``.

A face over the library: it parses options, calls the library, prints tables
and writes files. A user mistake prints a one-line message and exits with
code 2, never a traceback. Each subcommand lives in its own module with a
``register(subparsers)`` function that adds its parser and sets its handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from alliance_sim import __version__
from alliance_sim.cli import analyse, catalog, compare, lesson, run, sweep, trial, ui, validate
from alliance_sim.cli._common import PROG, Parser, formatter
from alliance_sim.core.errors import AllianceSimError

__all__ = ["build_parser", "main"]

MAIN_EPILOG = """\
examples:
  alliance-sim compare paternalistic shared-power
  alliance-sim run shared-power --set empathy_mean=0.3 --seed 7 --out run.parquet
  alliance-sim params --group therapist
  alliance-sim scenarios
  alliance-sim trial fuentes-2014
  alliance-sim validate
  alliance-sim sweep experiments/style_by_empathy.toml
  alliance-sim lesson
  alliance-sim ui

Each subcommand has its own --help with more examples.
"""

#: The modules whose ``register`` adds a subcommand, in the order ``--help`` lists them.
COMMAND_MODULES = (run, compare, trial, validate, sweep, analyse, lesson, ui, catalog)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``alliance-sim`` and its subcommands."""
    parser = Parser(
        prog=PROG,
        description="Simulate the therapeutic alliance between physiotherapists and patients.",
        epilog=MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 user mistake, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except AllianceSimError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
