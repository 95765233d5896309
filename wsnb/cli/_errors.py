"""How the CLI reports problems: one ``error: ...`` line and an exit code.

Exit codes: 0 success, 1 a ``WsnbError`` from the model, synth, export or serve (and lint
errors), 2 a bad command line or TARGET (argparse's usage code), 130 interrupted.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from .._errors import WsnbError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class TargetError(WsnbError):
    """A TARGET that cannot be found, loaded, or does not define the API asked for."""

    exit_code = EXIT_USAGE


def one_line(exc: BaseException) -> str:
    """The first line of a WsnbError's message plus its fix (or ``Type: message`` otherwise)."""
    if isinstance(exc, WsnbError):
        text = _first_line(exc.message)
        if exc.fix:
            text = f"{text} Fix: {_flatten(exc.fix)}"
        return text
    detail = _first_line(str(exc))
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def report(exc: BaseException, *, show_traceback: bool, hint: bool = True) -> int:
    """Print ``exc`` to stderr the CLI way and return the exit code for it."""
    if show_traceback:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    line = one_line(exc)
    if not isinstance(exc, WsnbError) and hint and not show_traceback:
        line += " (rerun with --traceback for details)"
    print(f"error: {line}", file=sys.stderr)
    return exit_code(exc)


def exit_code(exc: BaseException) -> int:
    code: Any = getattr(exc, "exit_code", EXIT_ERROR)
    return code if isinstance(code, int) else EXIT_ERROR


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def _flatten(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())
