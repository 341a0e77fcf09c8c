"""``alliance-sim ui``: start the web app (Explore, Compare, About) and open it."""

from __future__ import annotations

import argparse
from typing import Any

from alliance_sim.cli._common import formatter
from alliance_sim.core.errors import AllianceSimError, shown
from alliance_sim.ui.server import DEFAULT_HOST, DEFAULT_PORT  # stdlib only

UI_EPILOG = """\
examples:
  alliance-sim ui                       # http://127.0.0.1:8765, opens the browser
  alliance-sim ui --port 9000 --no-browser
  alliance-sim ui --host 0.0.0.0        # let other machines on the network connect

The app works without internet: its front-end files are installed with it and
it sends no telemetry. Each browser tab gets its own clinic. Ctrl-C stops it.
"""


def port_type(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port {shown(text)} is not a whole number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {shown(value)} is out of range: allowed 1 to 65535")
    return value


def register(sub: Any) -> None:
    """Add ``ui`` to the subcommands."""
    ui = sub.add_parser(
        "ui",
        help="start the web app in the browser (explore, compare, sweep, trials)",
        description="Start the alliance-sim web app and open it in the browser.",
        epilog=UI_EPILOG,
        formatter_class=formatter,
    )
    ui.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    ui.add_argument(
        "--port", type=port_type, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    ui.add_argument(
        "--no-browser", action="store_true", help="do not open a browser; just print the address"
    )
    ui.set_defaults(handler=cmd_ui)


def cmd_ui(args: argparse.Namespace) -> int:
    """``alliance-sim ui``."""
    import socket

    from alliance_sim.ui.server import serve

    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as error:
        raise AllianceSimError(
            f"--host {args.host} --port {args.port}: cannot listen there ({error.strerror}); "
            "choose another --port, or stop the program that uses it"
        ) from None
    return serve(args.host, args.port, open_browser=not args.no_browser)
