"""Reading a route's integration (``AWS::ApiGatewayV2::Integration``) into the wsnb model.

Every integration type becomes a route target (SPEC §9): ``AWS_PROXY`` to a function of the
template is a Lambda proxy (the usual route); ``AWS`` to a function's invoke ARN is a
non-proxy :class:`~wsnb.model.LambdaIntegration` (``X-Amz-Invocation-Type: 'Event'`` becomes
``invocation_type="Event"``); ``AWS`` to another service's ``action/<Action>`` or
``path/<path>`` URI is an :class:`~wsnb.model.AwsIntegration` (its ``CredentialsArn`` a kept
role ARN, or the template role's grants read as the permissions of the role wsnb creates);
``MOCK`` and ``HTTP``/``HTTP_PROXY`` are what their names say. A route's integration responses
(:mod:`._integration_responses`) are part of its integration. What the model cannot say (VPC
links, TLS settings, subtypes, response parameters, …) is reported per integration, and the
route is read all the same.

AWS's pages: "AWS::ApiGatewayV2::Integration", "Set up a WebSocket API integration request in
API Gateway" (the URIs), "Set up asynchronous invocation of the backend Lambda function".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .._errors import IntegrationError, TemplateError
from ..model import (
    INVOCATION_TYPES,
    AwsIntegration,
    HttpIntegration,
    Integration,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
)
from . import _shapes as shapes
from ._context import ReadContext, reads
from ._functions import read_function
from ._intrinsics import markers, strip_markers
from ._kinds import FUNCTION_TYPES
from ._policies import read_role_permissions
from ._references import attr_ref, one_marker, placeholder_text
from ._resources import read_resource

INTEGRATION = "AWS::ApiGatewayV2::Integration"
_ROLE = "AWS::IAM::Role"
T = TypeVar("T")

#: ``arn:<partition>:apigateway:<region>:<service>:action/<Action>`` or ``…:path/<path>``
_SERVICE_URI = re.compile(
    r"^arn:[^:]*:apigateway:(?P<region>[^:]*):(?P<service>[^:/]+):(?P<kind>action|path)/"
    r"(?P<rest>.*)\Z",
    re.S,
)
_LAMBDA_PATH = re.compile(r"^2015-03-31/functions/(?P<function>.+)/invocations\Z", re.S)
_INVOCATION_HEADER = "integration.request.header.x-amz-invocation-type"
#: The integration properties the model keeps, by the Python name of its option.
_OPTIONS = {
    "RequestTemplates": "request_templates",
    "TemplateSelectionExpression": "template_selection_expression",
    "RequestParameters": "request_parameters",
    "PassthroughBehavior": "passthrough_behavior",
    "ContentHandlingStrategy": "content_handling",
    "TimeoutInMillis": "timeout",
}
#: Which of them each integration type takes (the model's constructors).
_TAKES = {
    "AWS_PROXY": (),
    "MOCK": ("RequestTemplates", "TemplateSelectionExpression", "PassthroughBehavior"),
    "HTTP_PROXY": (
        "RequestParameters",
        "PassthroughBehavior",
        "ContentHandlingStrategy",
        "TimeoutInMillis",
    ),
    "HTTP": tuple(_OPTIONS),
    "AWS": tuple(_OPTIONS),
}
#: Properties every type reads or knows (and says what it did with).
_KNOWN = {
    "ApiId",
    "IntegrationType",
    "IntegrationUri",
    "IntegrationMethod",
    "CredentialsArn",
    "PayloadFormatVersion",
    "ConnectionType",
    *_OPTIONS,
}
#: What the model has no place for, and why it matters.
_NOT_MODELLED = {
    "Description": "Description is not kept (wsnb's integrations have none)",
    "TlsConfig": "TlsConfig (the server name a private integration verifies) is not kept",
    "ResponseParameters": "ResponseParameters (response mappings of HTTP APIs) are not kept",
    "ConnectionId": "ConnectionId (a VPC link) is not kept",
    "IntegrationSubtype": "IntegrationSubtype is read as an AWS service integration",
}
#: ``IntegrationSubtype`` prefixes (HTTP APIs' first-class integrations) → endpoint prefix.
_SUBTYPE_SERVICES = {
    "sqs": "sqs",
    "eventbridge": "events",
    "kinesis": "kinesis",
    "stepfunctions": "states",
    "appconfig": "appconfig",
}


@dataclass(frozen=True)
class Target:
    """What a route's integration is in the model: ``integration`` is None for a Lambda proxy;
    ``function`` is the logical id of the Lambda function the route invokes (a proxy's, or a
    non-proxy ``LambdaIntegration``'s, which gets its function once it is finished)."""

    logical_id: str
    function: str | None = None
    integration: Integration | None = None


@reads
def read_integration(
    context: ReadContext,
    lid: str,
    route_lid: str,
    key: str,
    *,
    responses: list[IntegrationResponse],
    returns: bool,
) -> Target:
    """Route ``key``'s integration ``lid`` (with its integration ``responses``; ``returns``:
    the route has a route response)."""
    context.used.add(lid)
    p = context.template.props(lid)
    kind = str(p.get("IntegrationType", "")).upper()
    if kind == "AWS_PROXY" and not p.get("IntegrationSubtype"):
        return _lambda_proxy(context, lid, p)
    if kind not in _TAKES:
        raise TemplateError(
            f"{lid}.Properties.IntegrationType: {kind or 'nothing'!r} is not an integration type "
            "of WebSocket APIs.",
            given=p.get("IntegrationType"),
            allowed="AWS_PROXY, AWS, MOCK, HTTP, HTTP_PROXY",
            path=f"{lid}.Properties.IntegrationType",
        )
    reader = _IntegrationReader(context, lid, p, kind, key)
    integration, function = reader.read(responses, returns)
    return Target(lid, function, integration)


def _lambda_proxy(context: ReadContext, lid: str, p: dict[str, Any]) -> Target:
    """``AWS_PROXY`` to a Lambda function of the template: the route's own function."""
    fn = one_marker(
        context,
        p.get("IntegrationUri"),
        f"{lid}.Properties.IntegrationUri",
        FUNCTION_TYPES,
        "the integration URI",
    )
    context.report.add(lid, INTEGRATION, "read", f"AWS_PROXY to {fn}")
    _report_unread(context, lid, p, "AWS_PROXY")
    read_function(context, fn)
    return Target(lid, fn, None)


class _IntegrationReader:
    """Reads one non-proxy (or HTTP proxy) integration: its options, then its kind's own."""

    def __init__(
        self, context: ReadContext, lid: str, p: dict[str, Any], kind: str, key: str
    ) -> None:
        self.context = context
        self.lid = lid
        self.p = p
        self.kind = kind
        self.key = key
        self.notes: list[str] = []

    def report(self, status: str, note: str, **change: Any) -> None:
        self.context.report.add(self.lid, INTEGRATION, status, note, **change)

    def read(
        self, responses: list[IntegrationResponse], returns: bool
    ) -> tuple[Integration, str | None]:
        options = self.options()
        if self.kind not in ("AWS_PROXY", "HTTP_PROXY"):
            options["responses"] = _with_route_response(self, responses, returns)
        elif responses:
            self.report(
                "ignored",
                f"its IntegrationResponses are not used: a {self.kind} integration answers "
                "with the backend's own response",
            )
        function = None
        integration: Integration
        if self.kind == "MOCK":
            integration = self.build(lambda: MockIntegration(**options))
            label = "MOCK"
        elif self.kind in ("HTTP", "HTTP_PROXY"):
            integration = self.http(options)
            label = f"{self.kind} {integration.url}"
        else:
            integration, function = self.aws(options)
            label = integration.label + (f" to {function}" if function else "")
        _report_unread(self.context, self.lid, self.p, self.kind)
        self.report("read", "; ".join([label, *self.notes]))
        return integration, function

    # ------------------------------------------------------------------ the shared options

    def options(self) -> dict[str, Any]:
        """The options of ``_OPTIONS`` this type takes, in the model's terms."""
        out: dict[str, Any] = {}
        where = f"{self.lid}.Properties"
        for prop in _TAKES[self.kind]:
            value = self.p.get(prop)
            if value is None:
                continue
            here = f"{where}.{prop}"
            if prop == "RequestTemplates":
                templates = shapes.mapping(value, here)
                out["request_templates"] = {
                    k: self.text(shapes.text(v, f"{here}.{k}"), f"RequestTemplates.{k}")
                    for k, v in templates.items()
                }
            elif prop == "RequestParameters":
                parameters = shapes.mapping(value, here)
                out["request_parameters"] = {
                    k: shapes.text(v, f"{here}.{k}", literal=True) for k, v in parameters.items()
                }
            elif prop == "TimeoutInMillis":
                out["timeout"] = shapes.integer(value, here) / 1000
            else:
                out[_OPTIONS[prop]] = shapes.text(value, here, literal=True)
            self.notes.append(prop)
        return out

    def text(self, value: str, where: str) -> str:
        return template_text(self.context, self.lid, INTEGRATION, value, where)

    def build(self, make: Callable[[], T]) -> T:
        """The model object, or a ``TemplateError`` naming this integration."""
        try:
            return make()
        except IntegrationError as exc:
            prop = _property_of(exc.path or "")
            raise TemplateError(
                f"{self.lid}.Properties{'.' + prop if prop else ''}: {exc.message}",
                given=exc.given,
                allowed=exc.allowed,
                fix="check it against the AWS::ApiGatewayV2::Integration reference",
                path=f"{self.lid}.Properties{'.' + prop if prop else ''}",
            ) from None

    # ------------------------------------------------------------------ HTTP

    def http(self, options: dict[str, Any]) -> HttpIntegration:
        uri = self.p.get("IntegrationUri")
        url = shapes.text(uri, f"{self.lid}.Properties.IntegrationUri")
        if markers(url):
            url = self.text(url, "IntegrationUri")
        if str(self.p.get("ConnectionType", "INTERNET")).upper() == "VPC_LINK":
            self.report(
                "approximated",
                "ConnectionType VPC_LINK: the model has no VPC links; wsnb's synth calls "
                "IntegrationUri over the internet, and locally it is called from this machine",
            )
        method = self.p.get("IntegrationMethod") or "POST"
        return self.build(
            lambda: HttpIntegration(url, method=method, proxy=self.kind == "HTTP_PROXY", **options)
        )

    # ------------------------------------------------------------------ AWS

    def aws(self, options: dict[str, Any]) -> tuple[Integration, str | None]:
        """A non-proxy Lambda integration, or an AWS service integration."""
        subtype = self.p.get("IntegrationSubtype")
        if subtype:
            return self.subtype(str(subtype), options), None
        where = f"{self.lid}.Properties.IntegrationUri"
        uri = shapes.text(
            self.context.template.with_placeholders(self.lid, "IntegrationUri"), where
        )
        m = _SERVICE_URI.match(uri)
        if m is None:
            raise TemplateError(
                f"{where}: an AWS integration's URI is an API Gateway service ARN.",
                given=shapes.shown(uri),
                allowed="arn:aws:apigateway:<region>:<service>:action/<Action> or "
                "…:path/<path> (a Lambda function: …:lambda:path/2015-03-31/functions/"
                "<function ARN>/invocations)",
                fix="!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${MyFunction.Arn}/invocations",
                path=where,
            )
        if m["region"] not in ("{region}", ""):
            self.report(
                "approximated",
                f"IntegrationUri names region {m['region']}: wsnb's synth calls the service in "
                "the stack's region",
            )
        if m["service"] == "lambda" and m["kind"] == "path":
            function = self.function(m["rest"])
            if function is not None:
                return self.lambda_integration(options), function
        rest = m["rest"]
        if markers(rest):
            rest = self.text(rest, "IntegrationUri")
        method = self.p.get("IntegrationMethod") or "POST"
        role, permissions = self.credentials()
        kwargs: dict[str, Any] = {"action": rest} if m["kind"] == "action" else {"path": rest}
        integration = self.build(
            lambda: AwsIntegration(
                m["service"],
                method=method,
                credentials_role=role,
                permissions=permissions,
                **kwargs,
                **options,
            )
        )
        return integration, None

    def function(self, rest: str) -> str | None:
        """The template function a Lambda invoke path names (None: a function elsewhere)."""
        m = _LAMBDA_PATH.match(rest)
        if m is None:
            return None
        try:
            fn = one_marker(self.context, m["function"], "", FUNCTION_TYPES, "")
        except TemplateError:
            return None
        read_function(self.context, fn)
        return fn

    def lambda_integration(self, options: dict[str, Any]) -> LambdaIntegration:
        """``AWS`` to a template function: a non-proxy Lambda integration."""
        parameters = dict(options.pop("request_parameters", None) or {})
        invocation = "RequestResponse"
        for name in [k for k in parameters if k.lower() == _INVOCATION_HEADER]:
            value = parameters.pop(name).strip()
            if value.startswith("'") and value.strip("'") in INVOCATION_TYPES:
                invocation = value.strip("'")
                self.notes.append(f"X-Amz-Invocation-Type {value} → invocation_type")
            else:
                self.report(
                    "approximated",
                    f"RequestParameters {name}: {value} is not a static invocation type "
                    f"({', '.join(INVOCATION_TYPES)}); wsnb invokes the function synchronously",
                )
        if parameters:
            options["request_parameters"] = parameters
        elif "RequestParameters" in self.notes:  # only the invocation type
            self.notes.remove("RequestParameters")
        method = str(self.p.get("IntegrationMethod") or "POST").upper()
        if method != "POST":
            self.report(
                "approximated",
                f"IntegrationMethod {method}: Lambda is invoked with POST (wsnb's synth writes POST)",
            )
        if self.p.get("CredentialsArn"):
            self.report(
                "approximated",
                "CredentialsArn: wsnb lets API Gateway invoke the function through a "
                "resource-based permission (AWS::Lambda::Permission) instead of a role",
                change="grant",
            )
        return self.build(lambda: LambdaIntegration(None, invocation_type=invocation, **options))

    def credentials(self) -> tuple[str | None, list[Any]]:
        """``CredentialsArn``: a role ARN kept as it is, or a template role whose grants become
        the permissions of the role wsnb creates."""
        value = self.context.template.with_placeholders(self.lid, "CredentialsArn")
        if value is None:
            return None, []
        template = self.context.template
        roles = [r for r, _ in markers(value) if template.type_of(r) == _ROLE]
        if roles:
            permissions = read_role_permissions(self.context, self.lid, INTEGRATION, roles[0])
            self.notes.append(
                f"CredentialsArn → {roles[0]}: wsnb creates the role API Gateway assumes, "
                "granted what that role grants"
            )
            return None, permissions
        if isinstance(value, str) and not markers(value) and _ROLE_ARN.match(value):
            self.notes.append("CredentialsArn")
            return value, []
        self.report(
            "approximated",
            f"CredentialsArn {shapes.shown(value)!r} is not a role ARN wsnb can keep: wsnb's "
            "synth creates its own role for API Gateway, with no grants",
            change="grant",
        )
        return None, []

    def subtype(self, subtype: str, options: dict[str, Any]) -> AwsIntegration:
        """``AWS_PROXY`` with an ``IntegrationSubtype`` (``SQS-SendMessage``): HTTP APIs'
        first-class integrations, read as the AWS service integration calling that action."""
        prefix, _, action = subtype.partition("-")
        service = _SUBTYPE_SERVICES.get(prefix.lower(), prefix.lower())
        if not action:
            raise TemplateError(
                f"{self.lid}.Properties.IntegrationSubtype: {subtype!r} is not <Service>-<Action>.",
                given=subtype,
                allowed="SQS-SendMessage, EventBridge-PutEvents, Kinesis-PutRecord, …",
                path=f"{self.lid}.Properties.IntegrationSubtype",
            )
        parameters = sorted(shapes.mapping(self.p.get("RequestParameters"), "RequestParameters"))
        role, permissions = self.credentials()
        self.report(
            "approximated",
            f"IntegrationSubtype {subtype} (a first-class integration of HTTP APIs): read as "
            f"an AWS service integration calling {service} {action}"
            + (f", without its RequestParameters ({', '.join(parameters)})" if parameters else ""),
        )
        return self.build(
            lambda: AwsIntegration(
                service, action=action, credentials_role=role, permissions=permissions
            )
        )


def template_text(context: ReadContext, lid: str, kind: str, value: str, where: str) -> str:
    """A text of resource ``lid`` (a mapping template, a URI): a reference to a table, bucket
    or parameter becomes the wsnb placeholder (synth writes the reference back); any other
    becomes a literal, reported."""

    def replace(lid2: str, attr: str) -> str:
        res = read_resource(context, lid2)
        if res is not None:
            return str(attr_ref(res, attr, ""))
        literal = placeholder_text(context, lid2, attr)
        context.report.add(
            lid,
            kind,
            "approximated",
            f"{where}: {lid2}.{attr} ({context.template.type_of(lid2)}) has no wsnb "
            f"equivalent; the text holds the literal {literal!r} locally and in "
            "synth()/export()",
            change="value",
        )
        return literal

    return strip_markers(value, replace)


_ROLE_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:iam::(\d{12}|\*|\{account\}):role/[\w+=,.@/-]+\Z")
#: The model's option names (in an ``IntegrationError``'s path) → CloudFormation's.
_PROPERTY_OF = {
    **{python: cfn for cfn, python in _OPTIONS.items()},
    "url": "IntegrationUri",
    "service": "IntegrationUri",
    "action": "IntegrationUri",
    "path": "IntegrationUri",
    "method": "IntegrationMethod",
    "credentials_role": "CredentialsArn",
    "invocation_type": "RequestParameters",
    "responses": "",
}


def _property_of(path: str) -> str:
    """``LambdaIntegration.request_parameters['x']`` → ``RequestParameters``."""
    parts = re.split(r"[.\[]", path)
    name = parts[1] if len(parts) > 1 else ""
    return _PROPERTY_OF.get(name, "")


def _with_route_response(
    reader: _IntegrationReader, responses: list[IntegrationResponse], returns: bool
) -> list[IntegrationResponse]:
    """The integration's responses as the model holds them: the lone bare ``$default`` one
    that a ``return_response`` route gets anyway (what wsnb's synth writes) is implied."""
    if returns and responses == [IntegrationResponse("$default")]:
        reader.notes.append(
            "its one IntegrationResponse is the $default pass-through of a route that returns "
            "a response (implied by return_response)"
        )
        return []
    if returns and not responses:
        reader.report(
            "approximated",
            f"route {reader.key!r} has a route response but the integration has no "
            "IntegrationResponse, so API Gateway sends no reply; wsnb's synth adds a $default "
            "pass-through integration response (locally the integration's answer is the reply)",
        )
    return responses


def _report_unread(context: ReadContext, lid: str, p: dict[str, Any], kind: str) -> None:
    """What the integration holds that its type does not use, or the model cannot say."""
    takes = set(_TAKES[kind])
    unused = sorted(k for k in p if k in _OPTIONS and k not in takes)
    if unused:
        context.report.add(
            lid,
            INTEGRATION,
            "ignored",
            f"not used by a {kind} integration: " + ", ".join(unused),
        )
    if kind in ("MOCK", "HTTP", "HTTP_PROXY") and p.get("CredentialsArn"):
        context.report.add(
            lid, INTEGRATION, "ignored", f"CredentialsArn is not used by a {kind} integration"
        )
    if kind in ("AWS_PROXY", "MOCK") and p.get("IntegrationMethod"):
        context.report.add(
            lid, INTEGRATION, "ignored", f"IntegrationMethod is not used by a {kind} integration"
        )
    version = p.get("PayloadFormatVersion")
    if version is not None and str(version) != "1.0":
        context.report.add(
            lid,
            INTEGRATION,
            "ignored",
            f"PayloadFormatVersion {version} is not one of WebSocket APIs (1.0)",
        )
    for prop, note in _NOT_MODELLED.items():
        if p.get(prop) and not (prop == "IntegrationSubtype" and kind == "AWS_PROXY"):
            context.report.add(lid, INTEGRATION, "ignored", note)
    rest = sorted(set(p) - _KNOWN - set(_NOT_MODELLED))
    if rest:
        context.report.add(lid, INTEGRATION, "ignored", "not read: " + ", ".join(rest))
