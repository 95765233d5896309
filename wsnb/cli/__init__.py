"""The ``wsnb`` command line: ``routes``, ``lint``, ``synth``, ``export``, ``serve``, ``demo``.

``main(argv)`` parses and runs one command and returns its exit status; ``entrypoint()`` is the
console script. Errors print as one ``error: ...`` line (``--traceback`` shows the whole
traceback); see :mod:`wsnb.cli._errors` for the exit codes. TARGET forms and the working
directory rules are in :mod:`wsnb.cli._target`.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from ._errors import EXIT_INTERRUPTED, EXIT_USAGE, TargetError, report
from ._notebook import verbose_loading
from ._target import template_parameters

__all__ = ["TargetError", "build_parser", "entrypoint", "main"]

EPILOG = """\
TARGET is pkg.module[:variable], path/to/file.py[:variable] or path/to/notebook.ipynb[:variable];
without :variable the single WebSocketApi defined is used. TARGET may also be a CloudFormation/SAM
template (template.yaml[:LogicalId]) or a cdk.out folder (cdk.out[:LogicalId]); --parameter
NAME=VALUE (repeatable) sets its Parameters. Files and notebooks run with their own
folder as the working directory (relative handler paths such as src/connect.main are read from
there); WSNB_CLI=1 is set while a target loads. A notebook runs only what builds the model:
statements that serve, show, synth, export, use the CDK, start processes or await are skipped,
and so is what depends on them; its cells' output is hidden (-v shows it and the skips).

exit status: 0 ok, 1 error (or lint errors), 2 bad command line or TARGET, 130 interrupted."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one ``error: ...`` line (exit status 2) like every other."""

    def error(self, message: str) -> NoReturn:
        if " Fix: " in message:  # the message brings its own fix (a WsnbError's)
            self.exit(EXIT_USAGE, f"error: {message}\n")
        self.exit(EXIT_USAGE, f"error: {message}. Fix: see '{self.prog} --help'\n")


def build_parser(prog: str = "wsnb") -> argparse.ArgumentParser:
    """The argparse parser for every subcommand."""
    from .. import __version__
    from . import demo, export, lint, routes, serve, synth

    parser = _Parser(
        prog=prog,
        description="Design, see, run and ship AWS API Gateway WebSocket APIs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(PARAMETERS_BEFORE)],
    )
    common = _common_options("parameter")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    commands.required = True
    for module in (routes, lint, synth, export, serve, demo):
        module.add_parser(commands, common)
    return parser


# ``--parameter`` is accepted before the command and after it; the two places collect into
# two lists (a subcommand's defaults would otherwise replace what was given before it).
PARAMETERS_BEFORE = "parameter_before_command"


def _common_options(parameter_dest: str) -> argparse.ArgumentParser:
    """The options shown (and accepted) both before and after the command."""
    from ._options import add_parameter_option

    common = _Parser(add_help=False)
    common.add_argument(
        "--traceback",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on error, show the full Python traceback",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show what a notebook TARGET's cells print and which statements were skipped",
    )
    add_parameter_option(common, dest=parameter_dest)
    return common


def main(argv: Sequence[str] | None = None, prog: str = "wsnb") -> int:
    """Run one ``wsnb`` command and return its exit status."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    show_traceback = getattr(args, "traceback", False)
    verbose = verbose_loading.set(getattr(args, "verbose", False))
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            parameters = [*getattr(args, PARAMETERS_BEFORE, ()), *getattr(args, "parameter", ())]
            with template_parameters(parameters):  # template TARGETs
                return int(args.run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except Exception as exc:
        return report(exc, show_traceback=show_traceback)
    finally:
        verbose_loading.reset(verbose)


def entrypoint() -> None:
    """The ``wsnb`` console script."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = code or 1
    raise SystemExit(code)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    name = category.__name__
    text = str(message).strip().splitlines()[0] if str(message).strip() else name
    print(f"warning: {text} ({name})", file=sys.stderr)


def _silence_stdout() -> None:
    """After a closed pipe (``wsnb synth X | head``), send the rest to /dev/null quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
