"""Lint advice in the terms of someone who owns a template, not a Python model.

``api.lint()`` of an API read by ``from_template`` keeps each finding's Python ``fix`` (the
model can be edited in Python) and adds ``template_fix``: the same advice as an edit of the
template, naming the resources it read (the route's ``AWS::ApiGatewayV2::Route``, its
``Integration``, its function). The CLI shows that for a template TARGET. Advice is chosen by
the finding's stable ``code`` and ``route``, never by its wording.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .. import _facts
from .._lint import Finding
from ._origin import TemplateOrigin


@dataclasses.dataclass(frozen=True)
class _Names:
    """The template's names for what a finding is about (generic words when it is about no
    one route)."""

    key: str
    route: str
    integration: str
    function: str

    @classmethod
    def of(cls, origin: TemplateOrigin, key: str | None) -> _Names:
        key = key or ""
        route = origin.route_ids.get(key)
        integration = origin.route_integrations.get(key)
        function = origin.route_functions.get(key)
        return cls(
            key=key,
            route=route or "the route's AWS::ApiGatewayV2::Route",
            integration=integration or "the route's AWS::ApiGatewayV2::Integration",
            function=function or "the function",
        )


def _handler(n: _Names) -> str:
    return f"check Handler and CodeUri (or Code) of {n.function} in the template"


def _runtime(n: _Names) -> str:
    return f"set Runtime of {n.function} to the language of its Handler file"


def _secret(n: _Names) -> str:
    return (
        "keep the secret out of the function's Environment.Variables: a "
        "{{resolve:secretsmanager:NAME:SecretString}} dynamic reference, or read it from "
        "Secrets Manager or SSM Parameter Store in the handler"
    )


def _grant(n: _Names) -> str:
    return (
        "narrow the statement in the function's Policies (SAM) or its Role's policies: name "
        "the actions and resources the handler uses"
    )


#: finding code → the advice as a template edit
TEMPLATE_FIXES: dict[str, Callable[[_Names], str]] = {
    "no-routes": lambda n: (
        "add an AWS::ApiGatewayV2::Route with RouteKey: $default and a "
        "Target integration to the template"
    ),
    "no-default-route": lambda n: (
        "add an AWS::ApiGatewayV2::Route with RouteKey: $default "
        "(Target: an integration to the function that handles them) to the template"
    ),
    "authorizer-without-connect": lambda n: (
        "add an AWS::ApiGatewayV2::Route with RouteKey: "
        "$connect (the authorizer goes on it: AuthorizationType, AuthorizerId)"
    ),
    "route-looks-reserved": lambda n: (
        f"set RouteKey: ${n.key} on {n.route} if you meant API Gateway's ${n.key} route"
    ),
    "access-log-role": lambda n: (
        "set the account's CloudWatch role once (AWS::ApiGateway::Account "
        "CloudWatchRoleArn, or aws apigateway update-account), or remove AccessLogSettings from the "
        "AWS::ApiGatewayV2::Stage"
    ),
    "timeout-over-integration-limit": lambda n: (
        f"set Timeout to {_facts.INTEGRATION_TIMEOUT_SECONDS} "
        f"or less on {n.function}, or reply later through the @connections API (or invoke it "
        "asynchronously: X-Amz-Invocation-Type 'Event' on a non-proxy integration)"
    ),
    "handler-file-missing": _handler,
    "handler-names-file": _handler,
    "handler-function-missing": _handler,
    "handler-export-missing": _handler,
    "handler-needs-node-runtime": _runtime,
    "handler-needs-python-runtime": _runtime,
    "runtime-deprecated": lambda n: (
        f"set Runtime: {_facts.DEFAULT_NODE_RUNTIME} on those "
        "functions (or Globals.Function.Runtime in SAM)"
    ),
    "secret-in-environment": _secret,
    "secret-parameter": _secret,
    "dynamic-reference": _secret,
    "dynamic-reference-unsupported": _secret,
    "environment-name": lambda n: f"rename the variable in {n.function}'s Environment.Variables",
    "admin-grant": _grant,
    "escalating-grant": _grant,
    "service-wide-grant": _grant,
    "mock-connect-status": lambda n: (
        f"set RequestTemplates: {{$default: '{{\"statusCode\": 200}}'}} on {n.integration}"
    ),
    "integration-without-role": lambda n: (
        f"set CredentialsArn on {n.integration} to a role "
        "API Gateway can assume that may call the service"
    ),
    "integration-wide-grant": lambda n: (
        f"narrow the policy of the role that {n.integration}'s CredentialsArn names"
    ),
    "async-with-response": lambda n: (
        f"drop the RouteResponse (and "
        f"RouteResponseSelectionExpression) of {n.route}, or the X-Amz-Invocation-Type request "
        f"parameter of {n.integration}"
    ),
    "default-integration-response": lambda n: (
        f"give the $default AWS::ApiGatewayV2::IntegrationResponse of {n.integration} "
        "ResponseTemplates to shape the reply (add one with IntegrationResponseKey: $default "
        "if the template has none)"
    ),
    "no-default-integration-response": lambda n: (
        "add an AWS::ApiGatewayV2::IntegrationResponse "
        f"with IntegrationResponseKey: $default for {n.integration} as the catch-all"
    ),
    "connect-only-parameter": lambda n: (
        f"remove it from {n.integration}'s RequestParameters (map "
        "it on the $connect integration), or use route.request.body.<path>, context.<name> or a "
        "'static' value"
    ),
    "http-not-https": lambda n: f"use an https:// IntegrationUri on {n.integration}",
    "template-syntax": lambda n: (
        f"fix the mapping template in {n.integration}'s RequestTemplates "
        "(or its IntegrationResponses' ResponseTemplates)"
    ),
    "integration-selection": lambda n: (
        f"fix it on {n.integration} (TemplateSelectionExpression, "
        "RequestTemplates keys) or on its IntegrationResponses"
    ),
    "request-template-never-selected": lambda n: (
        "key the template $default in "
        f"{n.integration}'s RequestTemplates, or set its TemplateSelectionExpression to choose "
        "between them"
    ),
    "route-selection-expression": lambda n: (
        "set RouteSelectionExpression of the AWS::ApiGatewayV2::Api to an expression the "
        "emulator evaluates, e.g. $request.body.action"
    ),
    "response-template-never-selected": lambda n: (
        "key the response template $default, or set "
        f"the TemplateSelectionExpression of {n.integration}'s IntegrationResponse"
    ),
}


def in_template_terms(finding: Finding, origin: TemplateOrigin) -> Finding:
    """``finding`` with ``template_fix`` set when its advice has a template edit (a finding
    that already has one keeps it)."""
    if finding.template_fix is not None:
        return finding
    make = TEMPLATE_FIXES.get(finding.code)
    if make is None:
        return finding
    return dataclasses.replace(finding, template_fix=make(_Names.of(origin, finding.route)))
