"""``wsnb serve TARGET``: run the API on the local emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._target import TARGET_HELP, open_target, template_environment

LOGGER = "wsnb.local"
POLL_SECONDS = 0.1


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[parent],
        help="run the API locally (Ctrl-C stops)",
        description="Serve the API on the local emulator. Prints the ws:// URL, logs each "
        "connect, message, disconnect and error to stderr; Ctrl-C (or SIGTERM) stops it.",
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument(
        "--port", type=port_number, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--stage",
        default=None,
        help="stage name in events and URLs (default: a template TARGET's StageName, as "
        "api.serve() uses; otherwise dev)",
    )
    parser.add_argument(
        "--app", default="app", help="app name in local resource names (default app)"
    )
    parser.add_argument(
        "--region",
        default=None,
        help="the region handlers see (AWS_REGION, ARNs, local tables); a template TARGET is "
        "also read with it (default: us-east-1)",
    )
    parser.add_argument(
        "--account",
        default=None,
        help="the 12-digit account in the ARNs handlers see; a template TARGET is also read "
        "with it (default: 123456789012)",
    )
    parser.add_argument(
        "--secret",
        dest="secrets",
        action="append",
        default=[],
        type=secret_item,
        metavar="NAME[=VALUE]",
        help="a local value for a bound Secret; NAME alone reads it from the environment variable "
        "NAME (keeps it out of shell history). Repeatable.",
    )
    parser.set_defaults(run=run)


def secret_item(text: str) -> tuple[str, str]:
    """``NAME=VALUE``, or ``NAME`` taken from the environment variable of that name."""
    import os

    name, sep, value = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError(
            "a secret is NAME=VALUE or NAME (read from the environment)"
        )
    if not sep:
        if name not in os.environ:
            raise argparse.ArgumentTypeError(
                f"--secret {name}: the environment variable {name} is not set"
            )
        value = os.environ[name]
    return name, value


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number (0 to 65535; 0 picks a free one)"
        )
    return port


def configure_logging() -> logging.Handler:
    """INFO and above from ``wsnb.local`` to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


@contextmanager
def _stop_signals(signalled: list[int]) -> Iterator[None]:
    """SIGINT and SIGTERM are recorded instead of raising, so shutdown is orderly.

    The handler only appends to a list: it must not take locks the main thread may hold."""
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda signum, _frame: signalled.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    handler = configure_logging()
    signalled: list[int] = []
    try:
        with (
            template_environment(args.region, args.account),
            open_target(args.target) as api,
            _stop_signals(signalled),
        ):
            options: dict[str, Any] = {"secrets": dict(args.secrets)} if args.secrets else {}
            if args.stage is not None:  # else api.serve()'s own default, as in Python
                options["stage"] = args.stage
            for name in ("region", "account"):
                if getattr(args, name) is not None:
                    options[name] = getattr(args, name)
            server = api.serve(port=args.port, host=args.host, app=args.app, **options)
            try:
                print(f"serving {api.id} at {server.url}  (Ctrl-C to stop)", flush=True)
                stopped = False
                while not signalled and not stopped:  # until Ctrl-C/SIGTERM, or the server ends
                    stopped = server.wait(POLL_SECONDS)
            finally:
                server.stop()
        if not signalled:
            print("error: the local server stopped by itself (see the log above)", file=sys.stderr)
            return 1
        print("stopped", file=sys.stderr)
        return 0
    finally:
        logging.getLogger(LOGGER).removeHandler(handler)
