"""The command line: ``alliance-sim COMMAND``.

A face over the library: it parses options, calls the library, prints tables
and writes files. Every run ends with one of these exit codes:

* 0 — done (for ``validate``, ``lesson`` and ``trial``: every check held);
* 1 — done, and a check did not hold (a finding, not a mistake);
* 2 — a user mistake, or a file that cannot be read or written: one line
  naming the field or file, never a traceback;
* 3 — an internal error (a bug): one line asking for a report; ``--debug``
  (anywhere on the command line) shows the traceback;
* 130 — interrupted (Ctrl-C).

Each subcommand lives in its own module with a ``register(subparsers)``
function that adds its parser and sets its handler.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from alliance_sim import __version__
from alliance_sim.cli import (
    analyse,
    calibrate,
    catalog,
    compare,
    lesson,
    run,
    sweep,
    trial,
    ui,
    validate,
)
from alliance_sim.cli._common import PROG, Parser, formatter
from alliance_sim.core.errors import AllianceSimError
from alliance_sim.core.toml_checks import display_path

__all__ = ["build_parser", "main"]

MAIN_EPILOG = """\
examples:
  alliance-sim compare paternalistic shared-power
  alliance-sim run shared-power --set empathy_mean=0.3 --seed 7 --out run.parquet
  alliance-sim params --group therapist
  alliance-sim scenarios
  alliance-sim trial fuentes-2014
  alliance-sim validate
  alliance-sim calibrate --help
  alliance-sim sweep experiments/style_by_empathy.toml
  alliance-sim lesson
  alliance-sim ui

Each subcommand has its own --help with more examples.

exit codes: 0 done; 1 done, but a check did not hold (validate, lesson, trial);
2 a mistake (one line names the option, file or field); 3 an internal error
(please report it; --debug anywhere on the line shows the traceback);
130 interrupted.
"""

DEBUG_FLAG = "--debug"
"""The option that shows an internal error's traceback (anywhere on the command line)."""

#: The modules whose ``register`` adds a subcommand, in the order ``--help`` lists them.
COMMAND_MODULES = (run, compare, trial, validate, calibrate, sweep, analyse, lesson, ui, catalog)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``alliance-sim`` and its subcommands."""
    parser = Parser(
        prog=PROG,
        description="Simulate the therapeutic alliance between physiotherapists and patients.",
        epilog=MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        DEBUG_FLAG,
        action="store_true",
        help="show the traceback of an internal error (may stand anywhere on the line)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module's docstring).

    ``--debug`` may stand anywhere before a ``--``; it makes an internal error
    print its traceback.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    end = arguments.index("--") if "--" in arguments else len(arguments)
    debug = DEBUG_FLAG in arguments[:end]
    if debug:
        arguments = [a for a in arguments[:end] if a != DEBUG_FLAG] + arguments[end:]
    try:
        return _main(arguments, debug)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _main(arguments: list[str], debug: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except AllianceSimError as error:
        _say(f"error: {error}")
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # a file the library did not name itself (a bug, but a clear one)
        if debug:
            traceback.print_exc()
        where = f"{display_path(str(error.filename))}: " if error.filename else ""
        _say(f"error: {where}{error.strerror or error}")
        return 2
    except MemoryError:
        if debug:
            traceback.print_exc()
        _say("error: not enough memory for this run; ask for fewer patients, runs or replicates")
        return 2
    except Exception as error:  # the last guard: a bug; one line, the traceback on request
        if debug:
            traceback.print_exc()
        detail = " ".join(str(error).split())[:200]
        _say(
            f"internal error ({type(error).__name__}: {detail}); please report it"
            + ("" if debug else f" — rerun with {DEBUG_FLAG} for the traceback")
        )
        return 3


def _say(line: str) -> None:
    """Print one line to stderr, prefixed with the program's name."""
    print(f"{PROG}: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
