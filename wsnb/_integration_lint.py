"""``lint()`` for routes whose target is not a Lambda proxy (SPEC §9): mock, non-proxy Lambda,
HTTP and AWS service integrations. Pure Python and fast: mapping templates are parsed once
per text (the Velocity engine is imported on first use, and only when a template exists).

Each rule names the AWS page it follows; tests/model/test_integration_lint.py pins them.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ._errors import MissingDependencyError
from .model import (
    TOKEN_PATTERN,
    ApiSpec,
    AwsIntegration,
    HttpIntegration,
    LambdaIntegration,
    MockIntegration,
    RouteSpec,
)

_DYNAMIC = re.compile(r"(?<!\\)\$")  # an unescaped $ starts a selection variable


def integration_findings(spec: ApiSpec) -> Iterator[Any]:
    """Every finding about the API's integration routes (``wsnb._lint.Finding`` objects)."""
    from ._lint import Finding

    unchecked = False
    for route in spec.integration_routes():
        for level, code, message, fix in _route_problems(route):
            if code == "template-not-checked":
                if unchecked:
                    continue
                unchecked = True
                yield Finding(level, code, message, fix)
                continue
            yield Finding(level, code, f"route {route.key!r}: {message}", fix, route=route.key)


def _route_problems(route: RouteSpec) -> Iterator[tuple[str, str, str, str]]:
    for rule in _RULES:
        yield from rule(route)


# ---------------------------------------------------------------- the rules


def _mock_connect(route: RouteSpec):
    """ "Set up mock integrations in API Gateway": a mock answers with the status code its
    request template gives (``{"statusCode": 200}``); on ``$connect`` that decides whether the
    connection opens. Without one API Gateway fails the request ("statusCode should be an
    integer which defined in request template")."""
    integ = route.integration
    if route.key != "$connect" or not isinstance(integ, MockIntegration):
        return
    if any("statusCode" in text for text in integ.request_templates.values()):
        return
    what = "has no request template" if not integ.request_templates else "never sets statusCode"
    yield (
        "warning",
        "mock-connect-status",
        f"the MOCK integration {what}: API Gateway takes a mock's status from its request "
        'template ({"statusCode": 200}), so without it every connection fails.',
        'MockIntegration(request_templates={"$default": \'{"statusCode": 200}\'})',
    )


def _service_role(route: RouteSpec):
    """ "AWS::ApiGatewayV2::Integration", CredentialsArn: the role API Gateway assumes for an
    AWS integration; without one it can use only the resource's own policy."""
    integ = route.integration
    if not isinstance(integ, AwsIntegration):
        return
    if integ.needs_role:
        yield (
            "warning",
            "integration-without-role",
            f"the AWS integration calls {integ.service} with neither credentials_role nor "
            "permissions: API Gateway calls it with no credentials, which works only if the "
            "target's own resource policy allows apigateway.amazonaws.com.",
            f'AwsIntegration("{integ.service}", ..., permissions=["{integ.service}:<Action>"]) '
            "(wsnb creates the role), or credentials_role=<role ARN>",
        )
    elif integ.credentials_role is not None and integ.permissions:
        yield (
            "info",
            "integration-permissions-unused",
            "the AWS integration uses credentials_role, so wsnb creates no role: what its "
            "permissions list must already be granted to that role.",
            "check the role's policies, or drop credentials_role to let wsnb create a role "
            "with these permissions",
        )


def _wide_role(route: RouteSpec):
    """The role wsnb creates for an AWS integration gets what ``permissions`` list: ``"*"`` or a
    whole service on every resource is far more than API Gateway needs to call one action."""
    from ._lint import _wide_actions

    integ = route.integration
    if not isinstance(integ, AwsIntegration) or integ.credentials_role is not None:
        return
    for action in dict.fromkeys(a for item in integ.permissions for a in _wide_actions(item)):
        yield (
            "warning",
            "integration-wide-grant",
            f"the role wsnb creates for API Gateway gets {action} on every resource, more "
            f"than calling {integ.service} {integ.action or integ.path} needs.",
            f"grant the one action on its resource, e.g. {{'actions': "
            f"['{integ.service}:{integ.action or '<Action>'}'], 'resources': ['<ARN>']}}, "
            "or a wsnb Table",
        )


def _async_response(route: RouteSpec):
    """ "Set up asynchronous invocation of the backend Lambda function": with
    ``X-Amz-Invocation-Type: 'Event'`` Lambda queues the event and API Gateway gets an empty
    202 at once, so a route response has nothing to send."""
    integ = route.integration
    if isinstance(integ, LambdaIntegration) and integ.is_async and route.return_response:
        yield (
            "warning",
            "async-with-response",
            "the function is invoked asynchronously (invocation_type='Event') on a route with "
            "return_response=True: API Gateway allows it, but the function's result never "
            "reaches the client (Lambda only acknowledges the event).",
            "reply through the @connections API and drop return_response, or use "
            "invocation_type='RequestResponse'",
        )


def _default_response(route: RouteSpec):
    """ "Set up a WebSocket API integration response in API Gateway": a non-proxy integration
    answers only through an integration response."""
    integ = route.integration
    if integ is None or integ.responses or not route.integration_responses:
        return
    yield (
        "info",
        "default-integration-response",
        f"return_response=True on a non-proxy integration ({integ.label}) with no integration "
        "responses: "
        "wsnb adds a $default integration response that passes the integration's answer "
        "through unchanged (API Gateway needs one to reply).",
        'give responses=[IntegrationResponse("$default", templates={...})] to shape the reply',
    )


def _no_default_response(route: RouteSpec):
    """ "Set up a WebSocket API integration response in API Gateway": "one of your integration
    responses should act as a catch-all", keyed ``$default``."""
    integ = route.integration
    if integ is None or not integ.responses:
        return
    if any(r.key == "$default" for r in integ.responses):
        return
    keys = ", ".join(r.key for r in integ.responses)
    yield (
        "warning",
        "no-default-integration-response",
        f"no integration response is keyed $default (only {keys}): an answer that matches "
        "none of them gets no reply.",
        'add IntegrationResponse("$default") as the catch-all',
    )


def _connect_only_parameters(route: RouteSpec):
    """ "Set up data mapping for WebSocket APIs in API Gateway": request query strings and
    headers are "supported only for the $connect route"."""
    integ = route.integration
    if integ is None or route.key == "$connect":
        return
    for source in integ.connect_only_sources():
        yield (
            "warning",
            "connect-only-parameter",
            f"request parameter source {source} is supported only on $connect (a WebSocket "
            "message has no headers or query string).",
            "map it on $connect (e.g. store it with the connection), or use "
            "route.request.body.<path>, context.<name> or a 'static' value",
        )


def _plain_http(route: RouteSpec):
    """An ``http://`` backend outside this machine and private networks: unencrypted."""
    integ = route.integration
    if not isinstance(integ, HttpIntegration) or not integ.url.lower().startswith("http://"):
        return
    host = urlsplit(integ.url).hostname or ""
    if _is_local(host):
        return
    yield (
        "info",
        "http-not-https",
        f"the HTTP integration calls {integ.url} without TLS: messages travel unencrypted "
        "between API Gateway and the backend.",
        "use an https:// URL",
    )


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".internal"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def _template_syntax(route: RouteSpec):
    """Templates are Velocity ("API Gateway WebSocket API mapping template reference"); a
    template that does not parse fails every message it applies to."""
    integ = route.integration
    if integ is None:
        return
    texts = [(f"request template {k!r}", t) for k, t in integ.request_templates.items()]
    for r in integ.responses:
        texts += [(f"response template {k!r} of {r.key}", t) for k, t in r.templates.items()]
    for where, text in texts:
        try:
            problem = template_problem(text)
        except MissingDependencyError:
            yield (
                "info",
                "template-not-checked",
                "mapping templates were not checked: the Velocity engine is not installed.",
                "pip install 'wsnb[local]'",
            )
            return
        if problem is not None:
            at = f" at line {problem.line}, column {problem.column}" if problem.line else ""
            yield ("error", "template-syntax", f"{where}: {problem.message}{at}.", problem.fix)


@functools.lru_cache(maxsize=512)
def template_problem(text: str) -> Any:
    """The template's syntax problem (``wsnb.vtl.Problem``) or None, once per text. wsnb
    placeholders (``table.table_name``) become same-length plain text first, so positions hold."""
    from . import vtl

    plain = TOKEN_PATTERN.sub(lambda m: "x" * len(m[0]), text)
    return vtl.check_template(plain)


def _selection(route: RouteSpec):
    """Keys and selection expressions as "WebSocket selection expressions" and "Set up a
    WebSocket API integration response in API Gateway" allow them (wsnb.vtl's validators)."""
    from . import vtl

    integ = route.integration
    if integ is None:
        return
    checks: list[tuple[str, Any]] = []
    if integ.template_selection_expression is not None:
        checks.append(
            (
                "template_selection_expression",
                vtl.request_template_selection_expression_problem(
                    integ.template_selection_expression
                ),
            )
        )
    checks += [
        (f"request template key {k!r}", vtl.template_key_problem(k))
        for k in integ.request_templates
    ]
    for r in integ.responses:
        checks.append(
            (f"integration response key {r.key!r}", vtl.integration_response_key_problem(r.key))
        )
        if r.template_selection_expression is not None:
            checks.append(
                (
                    f"integration response {r.key}: template_selection_expression",
                    vtl.response_template_selection_expression_problem(
                        r.template_selection_expression
                    ),
                )
            )
        checks += [
            (f"response template key {k!r}", vtl.template_key_problem(k)) for k in r.templates
        ]
    for where, problem in checks:
        if problem is not None:
            yield ("warning", "integration-selection", f"{where}: {problem.message}", problem.fix)


def _unused_templates(route: RouteSpec):
    """ "WebSocket selection expressions": with no template selection expression (or a static
    one) every message selects the same template, so the other keys are never used; when none
    is selected, ``PassthroughBehavior`` decides ("AWS::ApiGatewayV2::Integration")."""
    from . import vtl

    integ = route.integration
    if integ is None:
        return
    expression = integ.template_selection_expression
    if integ.request_templates and not (expression and _DYNAMIC.search(expression)):
        choice = vtl.select_request_template(
            integ.request_templates,
            expression,
            "{}",
            passthrough_behavior=integ.passthrough_behavior,
        )
        unused = [k for k in integ.request_templates if k != choice.key]
        if choice.action != "render":
            outcome = "passed through unchanged" if choice.action == "passthrough" else "rejected"
            yield (
                "warning",
                "request-template-never-selected",
                f"no request template is ever selected: {_why_fixed(expression, matches=False)}, "
                f"so every message is {outcome}.",
                'key the template "$default", or set template_selection_expression to pick it',
            )
        elif unused:
            yield (
                "warning",
                "request-template-never-selected",
                f"request template(s) {', '.join(map(repr, unused))} are never selected: "
                f"{_why_fixed(expression, matches=True)}, so every message uses {choice.key!r}.",
                'set template_selection_expression (e.g. "${request.body.action}") to choose '
                "between them, or drop the unused ones",
            )
    for r in integ.responses:
        rexpr = r.template_selection_expression
        if not r.templates or (rexpr and _DYNAMIC.search(rexpr)):
            continue
        choice = vtl.select_response_template(r.templates, rexpr)
        unused = [k for k in r.templates if k != choice.key]
        if unused:
            yield (
                "warning",
                "response-template-never-selected",
                f"integration response {r.key}: response template(s) "
                f"{', '.join(map(repr, unused))} are never selected"
                + (f"; every answer uses {choice.key!r}." if choice.key else "."),
                'key the template "$default", or set the response\'s '
                "template_selection_expression to choose between them",
            )


def _why_fixed(expression: str | None, *, matches: bool) -> str:
    if expression is None:
        return (
            "with no template_selection_expression API Gateway applies only a template keyed "
            "application/json or $default"
        )
    tail = "" if matches else " that matches no key"
    return f"template_selection_expression {expression!r} is a fixed value{tail}"


_RULES = (
    _mock_connect,
    _service_role,
    _wide_role,
    _async_response,
    _default_response,
    _no_default_response,
    _connect_only_parameters,
    _plain_http,
    _template_syntax,
    _selection,
    _unused_templates,
)
