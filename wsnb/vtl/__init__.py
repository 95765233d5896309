"""API Gateway mapping templates (Velocity) for WebSocket APIs' non-proxy integrations.

Rendering, as AWS's "API Gateway WebSocket API mapping template reference" defines the
variables (``$input``, ``$context``, ``$stageVariables``, ``$util``)::

    from wsnb.vtl import MappingContext, render
    event = render('{"connectionId": "$context.connectionId", "body": $input.body}',
                   MappingContext(body=message, context={"connectionId": cid}))

Selecting, as API Gateway does: :func:`select_request_template`,
:func:`select_integration_response`, :func:`select_response_template`,
:func:`select_route_response`. Checking, for the model and lint (pure, no engine):
``*_problem(...)`` functions returning a :class:`Problem` or None; :func:`check_template`
parses a template (engine, no rendering) and reports a syntax error with line and column.

Errors: :class:`MappingTemplateError` (a :class:`wsnb.WsnbError`) with ``line``/``column``.
The Velocity engine (``airspeed``, from ``pip install 'wsnb[local]'``) is imported only when a
template is compiled.
"""

from __future__ import annotations

from ._expressions import SelectionInput
from ._problems import MappingTemplateError, Problem
from ._render import MappingContext, check_template, render
from ._selection import (
    CONTENT_TYPE_KEY,
    DEFAULT_KEY,
    PASSTHROUGH_BEHAVIORS,
    TemplateChoice,
    default_integration_response_selection_expression,
    integration_response_key_problem,
    integration_response_selection_expression_problem,
    passthrough_behavior_problem,
    request_template_selection_expression_problem,
    response_template_selection_expression_problem,
    route_response_key_problem,
    route_response_selection_expression_problem,
    select_integration_response,
    select_request_template,
    select_response_template,
    select_route_response,
    template_key_problem,
)
from ._variables import escape_javascript

__all__ = [
    "CONTENT_TYPE_KEY",
    "DEFAULT_KEY",
    "PASSTHROUGH_BEHAVIORS",
    "MappingContext",
    "MappingTemplateError",
    "Problem",
    "SelectionInput",
    "TemplateChoice",
    "check_template",
    "default_integration_response_selection_expression",
    "escape_javascript",
    "integration_response_key_problem",
    "integration_response_selection_expression_problem",
    "passthrough_behavior_problem",
    "render",
    "request_template_selection_expression_problem",
    "response_template_selection_expression_problem",
    "route_response_key_problem",
    "route_response_selection_expression_problem",
    "select_integration_response",
    "select_request_template",
    "select_response_template",
    "select_route_response",
    "template_key_problem",
]
