"""What API Gateway makes of a route request for a non-proxy integration, and of its answer.

Request side ("Set up a WebSocket API integration request in API Gateway", "Set up data mapping
for WebSocket APIs in API Gateway"): the request template chosen by the integration's template
selection expression (or passthrough, as ``PassthroughBehavior`` says), rendered with
``$input`` (the message), ``$context`` (the same values a Lambda proxy's ``requestContext``
holds), ``$stageVariables`` (none: the model has no stage variables) and ``$util``; request
parameters (``integration.request.header|querystring|path.NAME``) from the route request, the
context, or static values.

Response side ("Set up a WebSocket API integration response in API Gateway"): the integration
response selected by the integration's answer (its status code, or a Lambda error message),
then its response template (or the answer passed through).

Rendering is :mod:`wsnb.vtl`'s; a template that does not parse or fails raises
:class:`MappingFailure` with the template's line and column.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..vtl import (
    MappingContext,
    MappingTemplateError,
    render,
    select_integration_response,
    select_request_template,
    select_response_template,
)

__all__ = [
    "IntegrationRequest",
    "MappingFailure",
    "add_parameters",
    "mapping_context",
    "request_side",
    "response_side",
]


class MappingFailure(Exception):
    """API Gateway could not map the request or the answer (the client gets ``Internal server
    error``); ``reason`` is what the server log says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class IntegrationRequest:
    """The integration request: its body and the request parameters' values."""

    body: str
    template_key: str | None = None  # the request template used (None: passed through)
    headers: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)


def mapping_context(event: Mapping[str, Any]) -> MappingContext:
    """The values a template sees, from the event a Lambda proxy would get for the same request:
    ``$context`` is its ``requestContext``; ``$input`` its body; ``$input.params()`` the
    ``$connect`` request's headers and query string."""
    context = copy.deepcopy(dict(event.get("requestContext") or {}))
    headers = dict(event.get("headers") or {})
    query = dict(event.get("queryStringParameters") or {})
    params = {"header": headers, "querystring": query, "path": {}} if headers or query else {}
    return MappingContext(body=event.get("body") or "", context=context, params=params)


def _template_error(what: str, key: str | None, exc: MappingTemplateError) -> MappingFailure:
    where = ""
    if exc.line is not None:
        where = f" (line {exc.line}, column {exc.column})"
    named = f" {key!r}" if key else ""
    return MappingFailure(f"{what}{named} failed{where}: {exc.message}")


def request_side(
    integration: Any, ctx: MappingContext, templates: Mapping[str, str]
) -> IntegrationRequest:
    """The integration request for ``ctx``'s message (``templates``: the integration's request
    templates with wsnb placeholders already resolved)."""
    choice = select_request_template(
        templates,
        integration.template_selection_expression,
        ctx.body,
        passthrough_behavior=integration.passthrough_behavior,
    )
    if choice.action == "reject":
        raise MappingFailure(
            "no request template matches the message and passthrough_behavior is "
            f"{integration.passthrough_behavior} (API Gateway rejects it)"
        )
    if choice.action == "render":
        assert choice.template is not None
        try:
            body = render(choice.template, ctx)
        except MappingTemplateError as exc:
            raise _template_error("request template", choice.key, exc) from None
    else:
        body = ctx.body
    request = IntegrationRequest(body, choice.key if choice.action == "render" else None)
    add_parameters(request, integration.request_parameters, ctx)
    return request


def add_parameters(
    request: IntegrationRequest, parameters: Mapping[str, str], ctx: MappingContext
) -> None:
    """Set the integration's request parameters (``integration.request.header|querystring|
    path.NAME``) that have a value for this request."""
    for name, source in parameters.items():
        where, _, param = name[len("integration.request.") :].partition(".")
        value = parameter_value(source, ctx)
        if value is None:
            continue
        target = {"header": request.headers, "querystring": request.querystring}.get(where)
        (request.path if target is None else target)[param] = value


def parameter_value(source: str, ctx: MappingContext) -> str | None:
    """A request parameter's mapping expression evaluated ("Set up data mapping for WebSocket
    APIs in API Gateway"): ``route.request.header|querystring.NAME`` ($connect only),
    ``route.request.body.JSONPATH``, ``context.NAME``, ``stageVariables.NAME``, ``'static'``.
    None: the value does not exist (the parameter is left out)."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("route.request.body."):
        path = source[len("route.request.body.") :]
        try:
            data = json.loads(ctx.body)
        except ValueError:
            return None
        return _text(_walk(data, path.lstrip("$").lstrip(".")))
    if source.startswith("context."):
        return _text(_walk(ctx.context, source[len("context.") :]))
    if source.startswith("stageVariables."):
        return _text(ctx.stage_variables.get(source[len("stageVariables.") :]))
    kind, _, name = source[len("route.request.") :].partition(".")
    values = {
        "header": ctx.params.get("header", {}),
        "multivalueheader": ctx.params.get("header", {}),
        "querystring": ctx.params.get("querystring", {}),
        "multivaluequerystring": ctx.params.get("querystring", {}),
    }.get(kind, {})
    if kind.endswith("header"):
        lowered = {k.lower(): v for k, v in values.items()}
        return _text(lowered.get(name.lower()))
    return _text(values.get(name))


def _walk(data: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def response_side(
    route: Any,
    ctx: MappingContext,
    *,
    integration_type: str,
    lambda_function: bool,
    status: int,
    body: str,
    headers: Mapping[str, str] | None = None,
    error_message: str | None = None,
    resolve: Any = None,
) -> str | bytes:
    """The route response's body: the integration response chosen for the integration's answer
    (``status``, ``headers``, a Lambda ``error_message``), its template rendered with ``$input``
    the answer's ``body``, or the body passed through. ``resolve(text)`` resolves wsnb
    placeholders in a template."""
    responses = {r.key: r for r in route.integration_responses}
    key = select_integration_response(
        responses,
        None,
        integration_type=integration_type,
        lambda_function=lambda_function,
        status_code=status,
        error_message=error_message,
        headers=dict(headers or {}),
        request_body=ctx.body,
    )
    if key is None:
        selected = f"error message {error_message!r}" if error_message is not None else status
        raise MappingFailure(
            f"no integration response matches {selected} and there is no $default one "
            f"(keys: {', '.join(sorted(responses)) or 'none'})"
        )
    chosen = responses[key]
    templates = {k: (resolve(v) if resolve else v) for k, v in chosen.templates.items()}
    choice = select_response_template(
        templates,
        chosen.template_selection_expression,
        request_body=ctx.body,
        status_code=status,
        headers=dict(headers or {}),
    )
    if choice.action == "render":
        assert choice.template is not None
        answer = MappingContext(
            body=body, context=ctx.context, stage_variables=ctx.stage_variables, params=ctx.params
        )
        try:
            out = render(choice.template, answer)
        except MappingTemplateError as exc:
            raise _template_error(
                f"response template of integration response {key!r}:", choice.key, exc
            ) from None
    else:
        out = body
    if chosen.content_handling == "CONVERT_TO_BINARY":
        try:
            return base64.b64decode(out, validate=True)
        except (binascii.Error, ValueError):
            raise MappingFailure(
                f"integration response {key!r} converts to binary, but the body is not base64"
            ) from None
    if chosen.content_handling == "CONVERT_TO_TEXT":
        return base64.b64encode(out.encode("utf-8")).decode("ascii")
    return out
