"""Rendering a mapping template with API Gateway's WebSocket variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _engine
from ._problems import MappingTemplateError, Problem
from ._variables import InputVariable, UtilVariable, context_variable, stage_variables

_UTIL = UtilVariable()  # stateless


@dataclass(frozen=True)
class MappingContext:
    """What one template rendering sees.

    ``body``: the payload ``$input`` reads (the client's message for a request template, the
    integration's response body for a response template). ``context``: the ``$context`` values
    (``routeKey``, ``eventType``, ``connectionId``, ``requestId``, ``messageId``, ``domainName``,
    ``stage``, ``apiId``, ``requestTime``, ``requestTimeEpoch``, ``connectedAt``, ``identity``
    {``sourceIp``, ``userAgent``…}, ``authorizer`` {…}, ``error`` {``message``…},
    ``integrationLatency``…); nested dicts for the dotted names. ``stage_variables``: the
    ``$stageVariables``. ``params``: ``{"header": {...}, "querystring": {...}, "path": {...}}``
    for ``$input.params()`` ($connect only has headers and a query string).
    """

    body: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def render(template: str, ctx: MappingContext) -> str:
    """``template`` rendered as API Gateway renders a WebSocket mapping template.

    Raises :class:`MappingTemplateError` (with ``line``/``column``) when the template does not
    parse or fails while rendering. Compiled templates are cached; safe from many threads.
    """
    if not isinstance(template, str):
        raise MappingTemplateError(
            "A mapping template must be a string.",
            given=template,
            allowed="a Velocity template string",
            fix="pass the template text, e.g. '{\"statusCode\": 200}'",
        )
    if not isinstance(ctx, MappingContext):
        raise MappingTemplateError(
            "render() needs a MappingContext.",
            given=ctx,
            allowed="wsnb.vtl.MappingContext(body=..., context=..., stage_variables=...)",
            fix="wrap the values: render(template, MappingContext(body=message))",
        )
    compiled = _engine.compile_template(template)
    namespace = {
        "input": InputVariable(ctx.body, ctx.params),
        "context": context_variable(ctx.context),
        "stageVariables": stage_variables(ctx.stage_variables),
        "util": _UTIL,
    }
    return _engine.merge(compiled, namespace)


def check_template(text: str) -> Problem | None:
    """The template's syntax error (message, ``line``, ``column``, ``excerpt``), or None.

    Parses only (nothing is rendered), so lint can report a broken template before it runs.
    """
    if not isinstance(text, str):
        return Problem(
            message=f"A mapping template must be a string, not {type(text).__name__}.",
            allowed="a Velocity template string",
            fix="give the template text",
        )
    return _engine.syntax_problem(text)
