"""Which template, integration response and route response API Gateway picks, and which keys
and settings it accepts. Pure functions; each rule cites the AWS page it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._expressions import (
    INTEGRATION_RESPONSE,
    REQUEST_TEMPLATE,
    RESPONSE_TEMPLATE,
    SelectionInput,
    evaluate,
    expression_problem,
)
from ._problems import Problem

DEFAULT_KEY = "$default"
#: The key a template gets when the integration has no template selection expression: a
#: WebSocket message is JSON to API Gateway (a deployed SAM app's only template, keyed
#: "application/json" with no expression, is applied to every message).
CONTENT_TYPE_KEY = "application/json"
PASSTHROUGH_BEHAVIORS = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")


@dataclass(frozen=True)
class TemplateChoice:
    """What to do with a payload: ``render`` it with ``template`` (found under ``key``), pass it
    through unchanged (``passthrough``), or refuse it (``reject``, AWS's REST APIs answer 415)."""

    action: Literal["render", "passthrough", "reject"]
    key: str | None = None
    template: str | None = None


def _pick(templates: Mapping[str, str], key: str | None, *, content_type: bool) -> str | None:
    if key is not None and key in templates:
        return key
    if content_type and CONTENT_TYPE_KEY in templates:
        return CONTENT_TYPE_KEY
    if DEFAULT_KEY in templates:  # "$default is supported as a catch-all"
        return DEFAULT_KEY
    return None


def select_request_template(
    templates: Mapping[str, str] | None,
    expression: str | None,
    body: str,
    *,
    passthrough_behavior: str | None = None,
) -> TemplateChoice:
    """The integration request template for a message ("WebSocket selection expressions":
    ``Integration.TemplateSelectionExpression`` selects a key of ``RequestTemplates``, with
    ``$default`` as catch-all; with no expression, the ``application/json`` template).

    No template matches: ``PassthroughBehavior`` decides (AWS::ApiGatewayV2::Integration, "Supported
    only for WebSocket APIs"): ``WHEN_NO_MATCH`` (the default) passes the message through
    unchanged; ``WHEN_NO_TEMPLATES`` passes it only when there are no templates at all, else
    rejects; ``NEVER`` rejects.
    """
    templates = dict(templates or {})
    key = evaluate(expression, SelectionInput(request_body=body)) if expression else None
    chosen = _pick(templates, key, content_type=not expression)
    if chosen is not None:
        return TemplateChoice("render", chosen, templates[chosen])
    behavior = (passthrough_behavior or "WHEN_NO_MATCH").upper()
    if behavior == "WHEN_NO_MATCH" or (behavior == "WHEN_NO_TEMPLATES" and not templates):
        return TemplateChoice("passthrough")
    return TemplateChoice("reject")


def select_response_template(
    templates: Mapping[str, str] | None,
    expression: str | None,
    *,
    request_body: str = "",
    status_code: int | str | None = None,
    headers: Mapping[str, str | list[str]] | None = None,
) -> TemplateChoice:
    """The response template of the chosen integration response ("WebSocket selection
    expressions": ``IntegrationResponse.TemplateSelectionExpression`` selects a key of
    ``ResponseTemplates``; ``$default`` is the catch-all). Variables API Gateway does not offer
    there (e.g. ``$integration.response.body.errorMessage``) select nothing, so ``$default``
    (an AWS-recorded WebSocket test shows exactly this). No template: the integration's body
    is passed through unchanged."""
    templates = dict(templates or {})
    key = None
    if expression and expression_problem(expression, RESPONSE_TEMPLATE) is None:
        values = SelectionInput(request_body, status_code, dict(headers or {}))
        key = evaluate(expression, values)
    chosen = _pick(templates, key, content_type=not expression)
    if chosen is None:
        return TemplateChoice("passthrough")
    return TemplateChoice("render", chosen, templates[chosen])


def default_integration_response_selection_expression(
    integration_type: str, *, lambda_function: bool = False
) -> str | None:
    """What API Gateway evaluates when an integration sets no
    ``IntegrationResponseSelectionExpression`` ("Setting up data transformations for WebSocket
    APIs": Lambda → ``$integration.response.body.errorMessage``; HTTP and MOCK →
    ``$integration.response.statuscode``; proxies → none). An ``AWS`` integration with a service
    other than Lambda is taken as selecting on the status code."""
    kind = integration_type.upper()
    if kind in ("AWS_PROXY", "HTTP_PROXY"):
        return None
    if kind == "AWS" and lambda_function:
        return "$integration.response.body.errorMessage"
    return "$integration.response.statuscode"


def select_integration_response(
    keys: Iterable[str],
    expression: str | None,
    *,
    integration_type: str = "AWS",
    lambda_function: bool = False,
    status_code: int | str | None = None,
    error_message: str | None = None,
    headers: Mapping[str, str | list[str]] | None = None,
    request_body: str = "",
) -> str | None:
    """The ``IntegrationResponseKey`` that answers ("Set up WebSocket API integration responses":
    a key other than ``$default`` is a regular expression written ``/expression/``, matched
    against the selection expression's value; when none matches, ``$default``). Regexes match the
    whole value (AWS's Lambda error regexes: ``.*`` matches every error, "including null", so a
    missing value is matched as ""); among several matching keys the first in sorted order
    wins (AWS documents no order). None: nothing matches and there is no ``$default`` (for
    Lambda errors AWS's REST docs call this an invalid configuration)."""
    keys = list(keys)
    if expression is None:
        expression = default_integration_response_selection_expression(
            integration_type, lambda_function=lambda_function
        )
    value = ""
    if expression:
        values = SelectionInput(request_body, status_code, dict(headers or {}), error_message)
        value = evaluate(expression, values) or ""
    for key in sorted(k for k in keys if k != DEFAULT_KEY):
        pattern = _key_pattern(key)
        if pattern is not None and pattern.fullmatch(value):
            return key
        if pattern is None and key == value:
            return key
    return DEFAULT_KEY if DEFAULT_KEY in keys else None


def _key_pattern(key: str) -> re.Pattern[str] | None:
    if len(key) >= 2 and key.startswith("/") and key.endswith("/"):
        try:
            return re.compile(key[1:-1], re.S)
        except re.error:
            return None
    return None


def select_route_response(keys: Iterable[str], expression: str | None = None) -> str | None:
    """The route response that makes a route two-way ("Set up route responses for a WebSocket
    API": only ``$default`` can be defined), or None for a one-way route: the integration's
    output is then not sent to the client ("Set up WebSocket API integration responses")."""
    keys = set(keys)
    if expression not in (None, DEFAULT_KEY):
        return None
    return DEFAULT_KEY if DEFAULT_KEY in keys else None


# ---- validation: what AWS accepts -------------------------------------------------------------


def request_template_selection_expression_problem(expression: Any) -> Problem | None:
    """``Integration.TemplateSelectionExpression``: ``${request.body.jsonPath}`` and static
    values ("WebSocket selection expressions")."""
    return expression_problem(expression, REQUEST_TEMPLATE)


def response_template_selection_expression_problem(expression: Any) -> Problem | None:
    """``IntegrationResponse.TemplateSelectionExpression`` ("WebSocket selection expressions")."""
    return expression_problem(expression, RESPONSE_TEMPLATE)


def integration_response_selection_expression_problem(expression: Any) -> Problem | None:
    """``Integration.IntegrationResponseSelectionExpression`` ("Setting up data transformations
    for WebSocket APIs")."""
    return expression_problem(expression, INTEGRATION_RESPONSE)


def integration_response_key_problem(key: Any) -> Problem | None:
    """``$default`` or ``/regex/`` ("Set up WebSocket API integration responses": "the
    integration response key functions as a regular expression … a format of "/expression/"")."""
    allowed = "$default, or a regular expression between slashes such as /2\\d\\d/ or /4\\d\\d/"
    if key == DEFAULT_KEY:
        return None
    if not isinstance(key, str) or not (len(key) >= 2 and key[0] == key[-1] == "/"):
        return Problem(
            message=f"The integration response key {key!r} is neither $default nor /regex/.",
            allowed=allowed,
            fix=f"/{key}/" if isinstance(key, str) and key else "$default",
        )
    try:
        re.compile(key[1:-1])
    except re.error as exc:
        return Problem(
            message=f"The integration response key {key!r} is not a valid regular expression "
            f"({exc}).",
            allowed=allowed,
            fix="escape regex characters, e.g. /4\\d\\d/",
        )
    return None


def template_key_problem(key: Any) -> Problem | None:
    """A key of ``RequestTemplates`` / ``ResponseTemplates``: any non-empty text (a static
    selection value, ``$default`` or a content type such as ``application/json``)."""
    if isinstance(key, str) and key.strip() and key == key.strip():
        return None
    return Problem(
        message=f"The template key {key!r} must be non-empty text without surrounding spaces.",
        allowed="$default, application/json, or the value your template selection expression gives",
        fix="$default",
    )


def route_response_key_problem(key: Any) -> Problem | None:
    """``RouteResponseKey``: only ``$default`` ("Set up route responses for a WebSocket API")."""
    if key == DEFAULT_KEY:
        return None
    return Problem(
        message=f"The route response key {key!r} is not $default; WebSocket APIs define only the "
        "$default route response.",
        allowed="$default",
        fix="$default",
    )


def route_response_selection_expression_problem(expression: Any) -> Problem | None:
    """``Route.RouteResponseSelectionExpression``: "restricted to $default only"."""
    if expression == DEFAULT_KEY:
        return None
    return Problem(
        message=f"The route response selection expression {expression!r} is not $default.",
        allowed="$default",
        fix="$default",
    )


def passthrough_behavior_problem(value: Any) -> Problem | None:
    """``PassthroughBehavior``: ``WHEN_NO_MATCH``, ``WHEN_NO_TEMPLATES`` or ``NEVER``."""
    if value in PASSTHROUGH_BEHAVIORS:
        return None
    return Problem(
        message=f"The passthrough behavior {value!r} is not one API Gateway knows.",
        allowed=", ".join(PASSTHROUGH_BEHAVIORS),
        fix="WHEN_NO_MATCH",
    )
