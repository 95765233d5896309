"""The one module that talks to the Velocity engine (``airspeed``, from the ``airspeed-ext``
distribution: LocalStack's fork, kept at parity with API Gateway's Velocity by tests recorded
against AWS). Swapping the engine means rewriting this file only.

Contract: :func:`compile_template` parses (cached, safe to call from many threads) and raises
:class:`MappingTemplateError` with line/column for a syntax error; :func:`merge` renders a
compiled template against a namespace (a fresh one per call, so calls never share state) and
raises :class:`MappingTemplateError` with the failing expression's position.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from .._errors import require
from ._problems import VTL_ALLOWED, MappingTemplateError, Problem

_CACHE_SIZE = 256
# Velocity on the JVM has no way into the host runtime; Python objects do (``$x.__class__``).
_PYTHON_INTERNALS = re.compile(r"\.\s*(__[A-Za-z0-9_]+__)")
_SINGLE_QUOTED = re.compile(r"'[^'\n]*'")


def _airspeed() -> Any:
    return require("airspeed", extra="local", purpose="Rendering API Gateway mapping templates")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compiled(text: str) -> Any:
    airspeed = _airspeed()
    template = airspeed.Template(text, filename="mapping template")
    template.ensure_compiled()  # parse now; the parsed tree is read-only while rendering
    return template


def compile_template(text: str) -> Any:
    """The parsed template (cached by text); raises :class:`MappingTemplateError`."""
    problem = syntax_problem(text)
    if problem is not None:
        raise MappingTemplateError.from_problem(problem, given=text)
    return _compiled(text)


def syntax_problem(text: str) -> Problem | None:
    """The template's syntax error, or None. Parses only; nothing is rendered."""
    airspeed = _airspeed()
    try:
        _compiled(text)
    except airspeed.TemplateSyntaxError as exc:
        return _syntax_problem(exc, text)
    # Single-quoted Velocity strings are literal text ($input.json('$.__0__') reads a key):
    # blank them (keeping positions) so only references are searched.
    internal = _PYTHON_INTERNALS.search(_SINGLE_QUOTED.sub(lambda m: " " * len(m[0]), text))
    if internal is not None:
        line = text.count("\n", 0, internal.start()) + 1
        return Problem(
            message=f"The mapping template reaches into Python internals ({internal.group(1)}), "
            "which API Gateway's Velocity does not have",
            allowed=VTL_ALLOWED,
            fix="use the payload's keys and the Java methods API Gateway documents; read a key "
            "named like __this__ with $map.get('__this__')",
            line=line,
            column=internal.start() - (text.rfind("\n", 0, internal.start()) + 1) + 1,
            excerpt=_line_of(text, line),
        )
    return None


def _syntax_problem(exc: Any, text: str) -> Problem:
    line, column = int(exc.line), int(exc.column)
    reason = str(exc).split(": ", 1)[-1].removesuffix(" ...").strip()
    parts = re.match(r"(.*?),\s*got:\s*(.*)$", reason, re.S)
    if parts is not None:
        found = parts.group(2).strip()
        reason = parts.group(1) + (f", found {found!r}" if found else ", found the end")
    return Problem(
        message=f"The mapping template does not parse: {reason}",
        allowed=VTL_ALLOWED,
        fix="close every #if/#foreach with #end and every ( [ { with its pair; "
        "write a literal $ or # as \\$ or \\#",
        line=line,
        column=column,
        excerpt=_line_of(text, line),
    )


def merge(compiled: Any, namespace: Mapping[str, Any]) -> str:
    """``compiled`` rendered with ``namespace``; raises :class:`MappingTemplateError`."""
    airspeed = _airspeed()
    try:
        return compiled.merge(dict(namespace))
    except airspeed.TemplateExecutionError as exc:
        raise _execution_error(exc, compiled.content) from exc.__cause__
    except RecursionError:
        raise MappingTemplateError(
            "The mapping template recursed too deeply while rendering.",
            given=compiled.content,
            allowed=VTL_ALLOWED,
            fix="check #macro and #define blocks that call themselves",
        ) from None


def _execution_error(exc: Any, text: str) -> MappingTemplateError:
    start = int(getattr(exc, "start", 0) or 0)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    expression = text[start : int(getattr(exc, "end", start) or start)].strip() or None
    cause = exc.__cause__
    if isinstance(cause, MappingTemplateError):
        message = cause.message.rstrip(".")
        allowed, fix, given = cause.allowed, cause.fix, cause.given
    else:
        message = f"The mapping template failed while rendering: {type(cause).__name__}: {cause}"
        allowed, fix, given = VTL_ALLOWED, "check the values this expression works on", expression
    where = (
        f" (in {expression!r})" if expression and isinstance(cause, MappingTemplateError) else ""
    )
    return MappingTemplateError(
        f"{message}{where} at line {line}, column {column}.",
        given=given,
        allowed=allowed,
        fix=fix,
        line=line,
        column=column,
    )


def _line_of(text: str, line: int) -> str:
    lines = text.splitlines() or [""]
    return lines[min(max(line, 1), len(lines)) - 1]
