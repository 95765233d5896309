"""Plan steps for a route whose target is not a Lambda proxy (SPEC §9).

Every route is an ``aws_apigatewayv2.WebSocketRoute`` (so an authorizer on ``$connect`` and
``return_response`` work as for proxies); its integration is the aws-cdk-lib class that fits:

- ``MockIntegration`` → ``WebSocketMockIntegration`` (``PassthroughBehavior``, which it does not
  take, is set on its ``CfnIntegration``);
- ``AwsIntegration`` → ``WebSocketAwsIntegration`` (URI ``arn:<partition>:apigateway:<region>:
  <service>:action/<Action>`` or ``…:path/<path>``, ``{region}``/``{account}`` resolved to the
  stack's), with an imported role (``credentials_role``) or a role wsnb creates, assumed by
  API Gateway and granted ``permissions`` as a function's are;
- ``LambdaIntegration`` (non-proxy) → ``WebSocketAwsIntegration`` too: an ``AWS`` integration
  whose URI is the function's invoke ARN (CDK's ``WebSocketLambdaIntegration`` is always a
  proxy), plus the ``AWS::Lambda::Permission`` for API Gateway that CDK's Lambda integration
  would add;
- ``HttpIntegration`` → ``WebSocketAwsIntegration`` with the URL as URI and its
  ``CfnIntegration``'s ``IntegrationType`` set to ``HTTP``/``HTTP_PROXY`` (aws-cdk-lib's
  ``WebSocketIntegrationType`` stops at ``AWS``).

Integration responses are ``CfnIntegrationResponse`` (no L2 exists) under the route, named
``IntegrationResponse_<key letters>``. wsnb placeholders in templates become CloudFormation
references, as in environment values.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import (
    AwsIntegration,
    HttpIntegration,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
    RouteSpec,
)
from ._ir import Assign, Attr, Call, Concat, Do, Expr, Lit, Sym, Var, call, method

SELF = Var("self")
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
_INTEGRATIONS = "aws_apigatewayv2_integrations"
_PLACEHOLDER = re.compile(r"\{(region|account)\}")


def integration_construct_id(route_id: str) -> str:
    """The integration's construct id under its route (as for a Lambda proxy)."""
    return f"{route_id}Integration"


class IntegrationSteps:
    """Emits one non-proxy route's steps through the compiler (names, emit, grants, env values)."""

    def __init__(self, compiler: Any) -> None:
        self.c = compiler

    # ------------------------------------------------------------ before the route

    def integration(self, route: RouteSpec, rid: str, fvar: str | None) -> Call:
        """The ``WebSocketRouteIntegration`` expression for ``route`` (emits its role first)."""
        integ = route.integration
        iid = integration_construct_id(rid)
        if isinstance(integ, MockIntegration):
            return call(
                f"{_INTEGRATIONS}.WebSocketMockIntegration",
                iid,
                request_templates=self.templates(integ.request_templates),
                template_selection_expression=integ.template_selection_expression,
            )
        kwargs: dict[str, Any]
        if isinstance(integ, LambdaIntegration):
            assert fvar is not None
            kwargs = {
                "integration_uri": self.arn(
                    "lambda",
                    "path/2015-03-31/functions",
                    Concat((Attr(Var(fvar), "function_arn"), Lit("/invocations"))),
                ),
                "integration_method": "POST",
            }
            parameters = integ.effective_request_parameters()
        elif isinstance(integ, AwsIntegration):
            kind, _, rest = integ.service_api.partition("/")
            kwargs = {
                "integration_uri": self.arn(integ.service, kind, self.placeholders(rest)),
                "integration_method": integ.method,
                "credentials_role": self.role(route, integ),
            }
            parameters = integ.request_parameters
        elif isinstance(integ, HttpIntegration):
            kwargs = {"integration_uri": integ.url, "integration_method": integ.method}
            parameters = integ.request_parameters
        else:  # pragma: no cover - the model has no other kinds
            raise TypeError(f"not an integration: {integ!r}")
        kwargs.update(
            request_parameters=dict(parameters) or None,
            request_templates=self.templates(integ.request_templates),
            template_selection_expression=integ.template_selection_expression,
            passthrough_behavior=_enum("PassthroughBehavior", integ.passthrough_behavior),
            content_handling=_enum("ContentHandling", integ.content_handling),
            timeout=None if integ.timeout is None else call("Duration.millis", integ.timeout),
        )
        return call(f"{_INTEGRATIONS}.WebSocketAwsIntegration", iid, **kwargs)

    def arn(self, service: str, resource: str, name: Expr) -> Call:
        """``arn:<partition>:apigateway:<region>:<service>:<resource>/<name>`` (API Gateway's
        integration URI for an AWS service), formatted by the stack as CDK's Lambda integration does."""
        self.c.need_stack = True
        return method(
            "stack",
            "format_arn",
            service="apigateway",
            account=service,
            resource=resource,
            resource_name=name,
        )

    def placeholders(self, text: str) -> Expr:
        """``{region}``/``{account}`` in ``text`` → the stack's region/account."""
        parts: list[Expr] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            if m.start() > pos:
                parts.append(Lit(text[pos : m.start()]))
            parts.append(Attr(Var("stack"), m[1]))
            self.c.need_stack = True
            pos = m.end()
        if pos < len(text):
            parts.append(Lit(text[pos:]))
        if len(parts) == 1:
            return parts[0]
        return Concat(tuple(parts)) if parts else Lit("")

    def templates(self, templates: Any) -> Any:
        """Template texts, with wsnb placeholders (``table.table_name``) as references."""
        if not templates:
            return None
        return {key: self.c.env_value(text) for key, text in templates.items()}

    def role(self, route: RouteSpec, integ: AwsIntegration) -> Var | None:
        """The role API Gateway assumes to call the service: imported, or created and granted."""
        if integ.credentials_role is None and not integ.permissions:
            return None  # lint reports it (API Gateway could not call the service)
        names = self.c.names
        key = route.key
        var = names.var(f"{key.lstrip('$')}_integration_role")
        cid = names.cid("IntegrationRole", key)
        if integ.credentials_role is not None:
            self.c.emit(
                Assign(
                    var,
                    call(
                        "aws_iam.Role.from_role_arn",
                        SELF,
                        cid,
                        self.placeholders(integ.credentials_role),
                        mutable=False,
                    ),
                    comment=f"The role API Gateway assumes to call {integ.service} for route "
                    f"{key!r} (imported)",
                )
            )
            return Var(var)
        self.c.emit(
            Assign(
                var,
                call(
                    "aws_iam.Role",
                    SELF,
                    cid,
                    assumed_by=call("aws_iam.ServicePrincipal", APIGATEWAY_PRINCIPAL),
                ),
                comment=f"The role API Gateway assumes to call {integ.service} for route {key!r}",
            )
        )
        self.c.grants(var, {"permissions": integ.permissions}, role=True)
        return Var(var)

    # ------------------------------------------------------------ after the route

    def finish(self, route: RouteSpec, rid: str, rvar: str, api: str, fvar: str | None) -> None:
        """What the L2 classes cannot say: overrides, the integration responses, and the
        Lambda permission of a non-proxy function."""
        integ = route.integration
        key = route.key
        overrides: dict[str, str] = {}
        if isinstance(integ, HttpIntegration):
            overrides["IntegrationType"] = integ.cfn_type
        if isinstance(integ, MockIntegration) and integ.passthrough_behavior is not None:
            overrides["PassthroughBehavior"] = integ.passthrough_behavior
        responses = route.integration_responses
        if overrides or responses:
            ivar = self.c.names.var(f"{key.lstrip('$')}_integration")
            self.c.emit(
                Assign(
                    ivar,
                    method(Attr(Var(rvar), "node"), "find_child", integration_construct_id(rid)),
                )
            )
            for name, value in overrides.items():
                self.c.emit(
                    Do(
                        method(
                            Attr(Attr(Var(ivar), "node"), "default_child"),
                            "add_property_override",
                            name,
                            value,
                        ),
                        comment=_OVERRIDE_WHY[name],
                    )
                )
            taken: set[str] = set()
            for response in responses:
                self.c.emit(Do(self.response(response, rvar, api, ivar, taken)))
        if isinstance(integ, LambdaIntegration):
            assert fvar is not None
            self.c.emit(
                Do(
                    method(
                        fvar,
                        "add_permission",
                        f"{integration_construct_id(rid)}-Permission",
                        principal=call("aws_iam.ServicePrincipal", APIGATEWAY_PRINCIPAL),
                        source_arn=method(
                            "stack",
                            "format_arn",
                            service="execute-api",
                            resource=Attr(Var(api), "api_id"),
                            resource_name=f"*{key}",
                        ),
                        scope=Var(rvar),
                    ),
                    comment=f"API Gateway may invoke the function of route {key!r}",
                )
            )

    def response(
        self, response: IntegrationResponse, rvar: str, api: str, ivar: str, taken: set[str]
    ) -> Call:
        clean = re.sub(r"[^A-Za-z0-9]+", "", response.key) or "key"
        cid, n = f"IntegrationResponse_{clean}", 2
        while cid in taken:
            cid, n = f"IntegrationResponse_{clean}{n}", n + 1
        taken.add(cid)
        return call(
            "aws_apigatewayv2.CfnIntegrationResponse",
            Var(rvar),
            cid,
            api_id=Attr(Var(api), "api_id"),
            integration_id=Attr(Var(ivar), "integration_id"),
            integration_response_key=response.key,
            response_templates=self.templates(response.templates),
            template_selection_expression=response.template_selection_expression,
            content_handling_strategy=response.content_handling,
        )


_OVERRIDE_WHY = {
    "IntegrationType": "aws-cdk-lib's WebSocket integration types stop at AWS; API Gateway "
    "also has HTTP and HTTP_PROXY",
    "PassthroughBehavior": "WebSocketMockIntegration takes no passthrough behavior",
}


def _enum(name: str, value: str | None) -> Sym | None:
    return None if value is None else Sym(f"aws_apigatewayv2.{name}.{value}")
