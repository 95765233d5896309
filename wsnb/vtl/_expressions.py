"""Selection expressions of non-proxy integrations, parsed, checked and evaluated.

AWS, "WebSocket selection expressions": a variable is prefixed with ``$``; curly braces mark
its boundaries (``${request.body.version}-beta``); several variables may appear, evaluated once;
``\\$`` is a literal dollar sign (``\\$default`` is the static key ``$default``). What each
expression may use (same page, "WebSocket selection expression summary", and "Setting up data
transformations for WebSocket APIs"):

- ``Integration.TemplateSelectionExpression``: ``${request.body.jsonPath}`` and static values.
- ``IntegrationResponse.TemplateSelectionExpression``: ``${request.body.jsonPath}``,
  ``${integration.response.statuscode}``, ``${integration.response.header.headerName}``,
  ``${integration.response.multivalueheader.headerName}`` and static values.
- ``Integration.IntegrationResponseSelectionExpression``: ``$integration.response.body.errorMessage``
  for Lambda, ``$integration.response.statuscode`` for HTTP and MOCK (AWS itself reports a mock's
  default as ``${response.statuscode}``, read here as the same).
- ``Route.RouteResponseSelectionExpression``: only ``$default``.

Pure Python: the model validates with it, the emulator evaluates with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._problems import Problem

Part = str | tuple[str, ...]  # literal text, or a variable's dotted name split on "."

_BRACED = re.compile(r"\$\{([^}]*)\}")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)")
_PATH_PART = re.compile(r"[A-Za-z0-9_\-]+")

REQUEST_TEMPLATE = "request template"
RESPONSE_TEMPLATE = "response template"
INTEGRATION_RESPONSE = "integration response"

_ALLOWED = {
    REQUEST_TEMPLATE: "${request.body.<path>} and static text (\\$default for the $default key)",
    RESPONSE_TEMPLATE: "${request.body.<path>}, ${integration.response.statuscode}, "
    "${integration.response.header.<name>}, ${integration.response.multivalueheader.<name>} "
    "and static text (\\$default for the $default key)",
    INTEGRATION_RESPONSE: "$integration.response.statuscode (HTTP, MOCK) or "
    "$integration.response.body.errorMessage (Lambda)",
}


class ExpressionSyntaxError(ValueError):
    """An expression that does not parse (an unclosed ``${``); carries the position."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def parse(expression: str) -> tuple[Part, ...]:
    """``expression`` as literal text and variable names (``("request", "body", "action")``)."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(expression):
        ch = expression[i]
        if ch == "\\" and expression.startswith("$", i + 1):
            literal.append("$")
            i += 2
            continue
        if ch != "$":
            literal.append(ch)
            i += 1
            continue
        if expression.startswith("${", i):
            match = _BRACED.match(expression, i)
            if match is None:
                raise ExpressionSyntaxError("'${' is not closed with '}'", i)
            name = match.group(1).strip()
        else:
            match = _BARE.match(expression, i)
            if match is None:  # a lone "$": literal text
                literal.append(ch)
                i += 1
                continue
            name = match.group(1)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(tuple(name.split(".")))
        i = match.end()
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _variable_ok(name: tuple[str, ...], kind: str) -> bool:
    if not all(_PATH_PART.fullmatch(p) for p in name):
        return False
    if name[:2] == ("request", "body") and len(name) > 2:
        return kind in (REQUEST_TEMPLATE, RESPONSE_TEMPLATE)
    if name in (("integration", "response", "statuscode"), ("response", "statuscode")):
        return kind in (RESPONSE_TEMPLATE, INTEGRATION_RESPONSE)
    if name[:3] in (
        ("integration", "response", "header"),
        ("integration", "response", "multivalueheader"),
    ):
        return kind == RESPONSE_TEMPLATE and len(name) == 4
    if name == ("integration", "response", "body", "errorMessage"):
        return kind == INTEGRATION_RESPONSE
    return False


def expression_problem(expression: Any, kind: str) -> Problem | None:
    """What is wrong with a selection expression of ``kind`` (:data:`REQUEST_TEMPLATE`,
    :data:`RESPONSE_TEMPLATE`, :data:`INTEGRATION_RESPONSE`), or None."""
    allowed = _ALLOWED[kind]
    if not isinstance(expression, str) or not expression.strip():
        return Problem(
            message=f"A {kind} selection expression must be a non-empty string.",
            allowed=allowed,
            fix="leave it unset, or give e.g. \\$default",
        )
    try:
        parts = parse(expression)
    except ExpressionSyntaxError as exc:
        return Problem(
            message=f"The {kind} selection expression {expression!r} does not parse: {exc} "
            f"(position {exc.position}).",
            allowed=allowed,
            fix="close the variable with '}', e.g. ${request.body.action}",
        )
    for part in parts:
        if isinstance(part, str):
            continue
        dotted = "$" + ".".join(part)
        if part == ("default",):
            return Problem(
                message=f"The {kind} selection expression {expression!r} reads $default as a "
                "variable; the static $default key is written \\$default.",
                allowed=allowed,
                fix=expression.replace("$default", "\\$default"),
            )
        if not _variable_ok(part, kind):
            return Problem(
                message=f"The {kind} selection expression {expression!r} uses {dotted}, which "
                f"API Gateway does not offer there.",
                allowed=allowed,
                fix=f"use one of: {allowed}",
            )
    return None


@dataclass(frozen=True)
class SelectionInput:
    """The values a selection expression reads: the client's message (``request.body``) and,
    after the integration ran, its status code, headers and (Lambda) error message."""

    request_body: str = ""
    status_code: int | str | None = None
    headers: Mapping[str, str | list[str]] = field(default_factory=dict)
    error_message: str | None = None


def evaluate(expression: str, values: SelectionInput) -> str | None:
    """The key ``expression`` selects, or None when a variable it reads has no value (the caller
    then falls back to ``$default``). A bare ``$default`` is read as the static key."""
    try:
        parts = parse(expression)
    except ExpressionSyntaxError:
        return None
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        text = "$default" if part == ("default",) else _lookup(part, values)
        if text is None:
            return None
        out.append(text)
    return "".join(out)


def _lookup(name: tuple[str, ...], values: SelectionInput) -> str | None:
    if name[:2] == ("request", "body") and len(name) > 2:
        return _body_value(values.request_body, name[2:])
    if name in (("integration", "response", "statuscode"), ("response", "statuscode")):
        return None if values.status_code is None else str(values.status_code)
    if name[:3] == ("integration", "response", "header") and len(name) == 4:
        found = _header(values.headers, name[3])
        return found[-1] if found else None
    if name[:3] == ("integration", "response", "multivalueheader") and len(name) == 4:
        found = _header(values.headers, name[3])
        return ",".join(found) if found else None
    if name == ("integration", "response", "body", "errorMessage"):
        return values.error_message
    return None


def _header(headers: Mapping[str, str | list[str]], wanted: str) -> list[str]:
    for key, value in headers.items():
        if key.lower() == wanted.lower():
            return [value] if isinstance(value, str) else [str(v) for v in value]
    return []


class _Number(str):
    """A JSON number kept as written (``1.50`` selects the key ``"1.50"``)."""


def _body_value(body: str, path: tuple[str, ...]) -> str | None:
    """A message value as a key: a string as it is, a number as written, ``true``/``false``;
    null, an object, an array or a missing value give none (as the emulator's route selection)."""
    try:
        data: Any = json.loads(body, parse_int=_Number, parse_float=_Number)
    except (ValueError, TypeError):
        return None
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    if isinstance(data, str):
        return str(data)
    if data is True or data is False:
        return "true" if data else "false"
    return None
