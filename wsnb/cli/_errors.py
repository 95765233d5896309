"""How the CLI reports problems: one ``error: ...`` line and an exit code.

Exit codes: 0 success, 1 a ``WsnbError`` from the model, synth, export or serve (and lint
errors), 2 a bad command line or TARGET (argparse's usage code), 130 interrupted.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
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


_ALLOWED_MAX = 100  # longer "allowed" lists (every function prop) stay out of the one line
# Keyword arguments of api.synth/export/serve that are command-line options, and their flags.
_FLAGS = {
    "app": "--app",
    "stage": "--stage",
    "region": "--region",
    "account": "--account",
    "context": "--context",
    "overwrite": "--overwrite",
    "port": "--port",
    "host": "--host",
    "secrets": "--secret",
}
_CALL_START = re.compile(r"\b(?:api|wsnb\.local)\.(?:synth|export|serve)\(")
_KEYWORD = re.compile(
    r"(?<![\w.-])(" + "|".join(_FLAGS) + r")=(\"[^\"]*\"|'[^']*'|True|[\w.-]+)(?=[\s,;)]|$)"
)


def one_line(exc: BaseException) -> str:
    """The first line of a WsnbError's message, what is allowed (when short) and its fix in
    command-line terms: the error's own ``cli_fix`` when it carries one (advice written for
    the command line, e.g. export's), else its Python fix translated (or ``Type: message`` for
    other exceptions)."""
    if isinstance(exc, WsnbError):
        text = _first_line(exc.message)
        given_fix = getattr(exc, "cli_fix", None) or exc.fix
        if given_fix:
            fix = cli_fix(_flatten(given_fix))
            allowed = _flatten(exc.allowed or "")
            if allowed and len(allowed) <= _ALLOWED_MAX and fix != _flatten(given_fix):
                text = f"{text} Allowed: {allowed}."
            text = f"{text} Fix: {fix}"
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


def cli_fix(fix: str) -> str:
    """A fix written for Python, in the command line's words.

    ``api.export('out', overwrite=True)`` becomes ``--overwrite``, ``port=0`` becomes
    ``--port 0``, ``stage="dev"`` becomes ``--stage dev`` and ``context={KEY: VALUE}`` becomes
    ``--context 'KEY=JSON'``. Other Python (a route, a prop) is left alone: that advice is
    about the user's own code.
    """
    out, pos = [], 0
    for match in _CALL_START.finditer(fix):
        if match.start() < pos:
            continue
        end = _closing_paren(fix, match.end() - 1)
        if end is None:
            continue
        flags = _call_flags(fix[match.start() : end + 1])
        if flags is None:
            continue
        out.append(fix[pos : match.start()] + flags)
        pos = end + 1
    return _outside_parentheses("".join(out) + fix[pos:])


def finding_fix(finding: Any, target: str | None = None, *, template: bool = False) -> str:
    """A lint finding's advice in the command line's words: for a template TARGET
    (``template``) the template edit (``template_fix``) when it has one; else its own
    ``cli_fix`` (``TARGET`` there naming the TARGET given); else its Python fix through
    :func:`cli_fix`."""
    if template and getattr(finding, "template_fix", None):
        return finding.template_fix
    own = getattr(finding, "cli_fix", None)
    if own:
        return with_target(own, target)
    return cli_fix(getattr(finding, "fix", "") or "")


def with_target(text: str, target: str | None) -> str:
    """``TARGET`` in command-line advice → the TARGET the user gave (quoted for a shell)."""
    if not target:
        return text
    return re.sub(r"\bTARGET\b", lambda _: shlex.quote(target), text)


def _outside_parentheses(text: str) -> str:
    """``port=0`` → ``--port 0`` in prose, but not inside a call left in Python."""
    out, pos = [], 0
    while (start := text.find("(", pos)) != -1:
        end = _closing_paren(text, start)
        if end is None:
            break
        out.append(_KEYWORD.sub(lambda m: _flag(m[1], _literal(m[2])), text[pos:start]))
        out.append(text[start : end + 1])
        pos = end + 1
    out.append(_KEYWORD.sub(lambda m: _flag(m[1], _literal(m[2])), text[pos:]))
    return "".join(out)


def _closing_paren(text: str, start: int) -> int | None:
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _call_flags(call: str) -> str | None:
    """``api.export('out', overwrite=True)`` → ``--overwrite``; None when not translatable."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or any(k.arg not in _FLAGS for k in node.keywords):
        return None
    parts = []
    for keyword in node.keywords:
        try:
            value = ast.literal_eval(keyword.value)
        except ValueError:
            return None
        parts.append(_flag(str(keyword.arg), value))
    return " ".join(parts) if parts else None


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _flag(name: str, value: Any) -> str:
    flag = _FLAGS[name]
    if value is True:
        return flag
    if value is Ellipsis or value == {Ellipsis}:  # a placeholder in the advice: name the form
        return f"{flag} KEY=VALUE" if name in ("context", "secrets") else f"{flag} VALUE"
    if isinstance(value, dict):
        items = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in value.items()]
        return " ".join(f"{flag} {shlex.quote(item)}" for item in items) or flag
    return f"{flag} {shlex.quote(str(value))}"
