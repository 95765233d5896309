"""API Gateway's route selection expression, parsed and evaluated as a WebSocket API does.

AWS ("WebSocket selection expressions"; "Routes for WebSocket APIs in API Gateway"): a variable
is prefixed with ``$``; curly braces mark its boundaries (``${request.body.version}-beta``);
several variables may appear, evaluated once; ``\\$`` is a literal dollar sign. For routes the
variables read the JSON message body: ``$request.body.<path>`` with a dotted path into nested
objects (``$request.body.meta.type``). A message that is not a JSON object, or that lacks a
variable's value, selects ``$default``.

Stringification (AWS documents none; the emulator's choice, matching what a deployed API was
observed to route on): a string is used as it is; a number as written in the message (``5`` →
``"5"``, ``1.50`` → ``"1.50"``); ``true``/``false`` as ``"true"``/``"false"``. ``null``, an
object or an array gives no key (→ ``$default``).

Pure Python, no dependencies: the model's lint and the local emulator both use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ._errors import EmulatorError

Part = str | tuple[str, ...]  # literal text, or the key path of a $request.body variable

_PATH = r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"
_BRACED = re.compile(r"\$\{request\.body\.(" + _PATH + r")\}")
_BARE = re.compile(r"\$request\.body\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
_SUPPORTED = "$request.body.<path> (dots for nested keys), ${request.body.<path>} inside literal text, \\$ for a literal $"


class SelectionExpressionError(EmulatorError):
    """A route selection expression the emulator cannot evaluate."""


def parse(expression: str) -> tuple[Part, ...]:
    """The expression as literal parts and body-path variables; raises when it has a part
    API Gateway's WebSocket route selection does not evaluate from the message body."""
    if not isinstance(expression, str) or not expression:
        raise SelectionExpressionError(
            "The route selection expression must be a non-empty string.",
            given=expression,
            allowed=_SUPPORTED,
            fix='cdk={"web_socket_api": {"route_selection_expression": "$request.body.action"}}',
        )
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
        match = _BRACED.match(expression, i) or _BARE.match(expression, i)
        if match is None:
            raise SelectionExpressionError(
                f"The route selection expression {expression!r} has a part the local emulator "
                f"cannot evaluate at position {i} ({expression[i : i + 30]!r}).",
                given=expression,
                allowed=_SUPPORTED,
                fix="select on the JSON message body, e.g. $request.body.action or "
                "${request.body.type}-${request.body.version}",
            )
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(tuple(match.group(1).split(".")))
        i = match.end()
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, _Number):
        return str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return None  # null, objects and arrays give no key


class _Number(str):
    """A JSON number kept exactly as written (so 1.50 stringifies as "1.50")."""


def _loads(text: str) -> object:
    return json.loads(text, parse_int=_Number, parse_float=_Number, parse_constant=_Number)


def evaluator(expression: str) -> Callable[[str | bytes], str | None]:
    """``evaluate(message) -> route key or None`` for ``expression`` (parsed once)."""
    parts = parse(expression)
    if parts == (("action",),):
        return _action_key  # the common case, kept fast

    def evaluate(message: str | bytes) -> str | None:
        data = _object(message)
        if data is None:
            return None if any(isinstance(p, tuple) for p in parts) else "".join(parts)  # type: ignore[arg-type]
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = _walk(data, part)
            text = _text(value)
            if text is None:
                return None
            out.append(text)
        return "".join(out)

    return evaluate


def _object(message: str | bytes) -> dict | None:
    if not isinstance(message, str) or not message.lstrip().startswith("{"):
        return None
    try:
        data = _loads(message)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _walk(data: object, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _action_key(message: str | bytes) -> str | None:
    data = _object(message)
    return None if data is None else _text(data.get("action"))


def expression_of(spec: object) -> str:
    """The API's route selection expression (``cdk.web_socket_api.route_selection_expression``,
    else ``$request.body.action``); an imported API's is unknown here, so the default."""
    from . import _facts

    props = getattr(getattr(spec, "cdk", None), "web_socket_api", None)
    if isinstance(props, dict):
        value = props.get("route_selection_expression")
        if value is not None:
            return value
    return _facts.ROUTE_SELECTION_EXPRESSION
