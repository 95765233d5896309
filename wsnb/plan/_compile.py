"""Compile an :class:`~wsnb.model.ApiSpec` plus options into a :class:`~wsnb.plan.Plan`.

Pure Python (no aws_cdk). The plan follows SPEC §2 to the letter; see the module docs of
:mod:`wsnb.synth` for the naming choices (construct ids, log group and secret names).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import _facts
from .._errors import SynthError
from ..model import (
    TOKEN_PATTERN,
    ApiSpec,
    Bucket,
    CallableHandler,
    FileHandler,
    LambdaAuthorizer,
    Parameter,
    Resource,
    Secret,
    Table,
    bind_environment,
    explicit_name,
    find_tokens,
    managed_policy,
    resource_name,
)
from ._assets import EXCLUDE_GLOBS, AssetLayout, shipped_runtime
from ._checks import check_no_cdk_tokens, check_stack_size
from ._integrations import IntegrationSteps
from ._ir import (
    Asset,
    Assign,
    Attr,
    Call,
    Concat,
    Do,
    Expr,
    Lit,
    Plan,
    SetAttr,
    Sym,
    Var,
    call,
    expr,
    method,
)
from ._naming import Names, hosted_zone_context_key, runtime_name, secret_parameter_name
from ._notes import SynthNote
from ._options import Options

SELF = Var("self")
_LOG_GROUP_BAD = re.compile(r"[^A-Za-z0-9._/#-]")


def streamed_tables(spec: ApiSpec) -> frozenset[str]:
    """Ids of the tables whose ``stream_arn`` the API uses: those tables get a stream.

    wsnb's ``Table`` has no ``stream=`` option (SPEC keeps it small); using ``table.stream_arn``
    anywhere is what turns the stream on, with SST's default view (new and old images), so
    the model, the emulator and synth accept the same APIs.
    """
    text = json.dumps(spec.to_json(), ensure_ascii=False)
    return frozenset(
        rid for kind, rid, attr in find_tokens(text) if kind == "Table" and attr == "stream_arn"
    )


def function_handlers(spec: ApiSpec) -> list[tuple[str, FileHandler | CallableHandler]]:
    """Every handler the API ships, with a label naming where it came from."""
    found = [(f"route {fn.route_key!r}", fn.handler) for fn in spec.functions()]
    if isinstance(spec.authorizer, LambdaAuthorizer):
        found.append(("authorizer", spec.authorizer.function.handler))
    return found


def function_sources(
    spec: ApiSpec,
) -> list[tuple[str, FileHandler | CallableHandler, str | None]]:
    """Every handler the API ships with its function's ``runtime`` prop and a label naming
    where it came from (what :func:`~wsnb.plan.collect_assets` takes)."""
    found: list[tuple[str, FileHandler | CallableHandler, str | None]] = [
        (f"route {fn.route_key!r}", fn.handler, fn.runtime) for fn in spec.functions()
    ]
    auth = spec.authorizer_function
    if auth is not None:
        found.append(("authorizer", auth.handler, auth.runtime))
    return found


class _Compiler:
    def __init__(self, spec: ApiSpec, opts: Options, assets: AssetLayout) -> None:
        self.spec = spec
        self.opts = opts
        self.assets = assets
        self.names = Names()
        self.body: list[Any] = []
        self.res_vars: dict[tuple[str, str], str] = {}
        self.need_stack = False
        self.plan = Plan(
            construct_id=spec.construct_id, stack_name=opts.stack_name, context=dict(opts.context)
        )
        cdk = spec.cdk
        stage_props = cdk.web_socket_stage if isinstance(cdk.web_socket_stage, dict) else {}
        if cdk.imports_stage:
            self.stage_name = str(cdk.web_socket_stage)
        else:
            self.stage_name = stage_props.get("stage_name", opts.stage)
        self.base_name = f"{opts.stage}-{opts.app}-{spec.construct_id}"
        self.streamed = streamed_tables(spec)

    def emit(self, step: Any) -> None:
        self.body.append(step)

    # ------------------------------------------------------------ whole plan

    def compile(self) -> Plan:
        spec = self.spec
        if spec.authorizer != "none" and spec.route("$connect") is None:
            raise SynthError(
                f"The API has {'a Lambda' if isinstance(spec.authorizer, LambdaAuthorizer) else 'an IAM'} "
                "authorizer but no $connect route; API Gateway runs authorizers only on $connect.",
                given=spec.route_keys,
                allowed="an authorizer together with a $connect route",
                fix='api.route("$connect", "src/connect.main"), or api.authorizer("none")',
                path="authorizer",
            )
        self.resources()
        api = self.api()
        stage = self.stage(api)
        log_group = self.access_log(stage)
        authorizer = self.authorizer()
        functions, routes = self.routes(api, authorizer)
        domain, certificate = self.domain(api, stage)
        if self.need_stack:
            self.body.insert(0, Assign("stack", call("Stack.of", SELF)))
        self.plan.body = self.body
        self.plan.outputs = {
            "web_socket_api": api,
            "web_socket_stage": stage,
            "access_log_group": log_group,
            "domain_name": domain,
            "certificate": certificate,
            "functions": functions,
            "routes": routes,
            "integrations": {
                r.key: r.integration_label for r in spec.routes if r.integration is not None
            },
            "resources": {f"{k}/{i}": v for (k, i), v in self.res_vars.items()},
            "custom_domain_url": spec.custom_domain.url if spec.custom_domain else None,
        }
        self.plan.app_steps = self.app_steps()
        if self.log_enabled():
            self.plan.warnings.append(SynthNote.note(**_facts.ACCESS_LOG_ROLE_NOTE))
        return self.plan

    def app_steps(self) -> list[Any]:
        env = None
        if self.opts.account or self.opts.region:
            env = call("Environment", account=self.opts.account, region=self.opts.region)
        return [
            Assign("app", call("App", analytics_reporting=False)),
            Assign(
                "stack",
                call("Stack", Var("app"), self.opts.stack_name, env=env, analytics_reporting=False),
            ),
        ]

    # ------------------------------------------------------------ resources

    def resources(self) -> None:
        for res in self.spec.resources():
            if isinstance(res, Table):
                var = self.names.var(f"{res.id}_table")
                kwargs: dict[str, Any] = {
                    "table_name": explicit_name(res)
                    or resource_name(res.id, app=self.opts.app, stage=self.opts.stage),
                    "partition_key": _dynamo_key(res, res.primary_index["partition_key"]),
                    "sort_key": _dynamo_key(res, res.primary_index.get("sort_key")),
                    "billing_mode": Sym("aws_dynamodb.BillingMode.PAY_PER_REQUEST"),
                    # as SST's Table: point-in-time recovery on
                    "point_in_time_recovery_specification": call(
                        "aws_dynamodb.PointInTimeRecoverySpecification",
                        point_in_time_recovery_enabled=True,
                    ),
                }
                if res.id in self.streamed:
                    # its stream_arn is used: the table has a stream (SST's `stream: true`)
                    kwargs["stream"] = Sym("aws_dynamodb.StreamViewType.NEW_AND_OLD_IMAGES")
                self.emit(
                    Assign(
                        var,
                        call("aws_dynamodb.Table", SELF, self.names.cid("Table", res.id), **kwargs),
                        comment=f"DynamoDB table {res.id!r}",
                    )
                )
                for index_name, index in res.global_indexes.items():
                    self.emit(
                        Do(
                            method(
                                var,
                                "add_global_secondary_index",
                                index_name=index_name,
                                partition_key=_dynamo_key(res, index["partition_key"]),
                                sort_key=_dynamo_key(res, index.get("sort_key")),
                            )
                        )
                    )
                self.res_vars[("Table", res.id)] = var
            elif isinstance(res, Bucket):
                var = self.names.var(f"{res.id}_bucket")
                self.emit(
                    Assign(
                        var,
                        call(
                            "aws_s3.Bucket",
                            SELF,
                            self.names.cid("Bucket", res.id),
                            # what S3 does for every new bucket, stated in the template
                            block_public_access=Sym("aws_s3.BlockPublicAccess.BLOCK_ALL"),
                            **({"bucket_name": explicit_name(res)} if explicit_name(res) else {}),
                        ),
                        comment=f"S3 bucket {res.id!r}",
                    )
                )
                self.res_vars[("Bucket", res.id)] = var

    def resource_attr(self, kind: str, rid: str, attr: str) -> Expr:
        res = self.spec.resource(kind, rid)
        if isinstance(res, Secret):
            if attr == "name":
                return Lit(res.id)
            return Lit(secret_parameter_name(self.opts.app, self.opts.stage, res.id))
        if isinstance(res, Parameter):
            if attr == "parameter_name":  # a Parameter read from a template (its SSM name)
                return Lit(explicit_name(res) or res.id)
            return Lit(res.id if attr == "name" else res.value)
        var = self.res_vars.get((kind, rid))
        if var is None:
            raise SynthError(
                f"{kind} {rid!r} is referenced but not part of this API.",
                given=f"{kind}/{rid}.{attr}",
            )
        if attr == "stream_arn":
            return Attr(Var(var), "table_stream_arn")
        return Attr(Var(var), attr)

    def env_value(self, value: str) -> Expr:
        parts: list[Expr] = []
        pos = 0
        for m in TOKEN_PATTERN.finditer(value):
            if m.start() > pos:
                parts.append(Lit(value[pos : m.start()]))
            parts.append(self.resource_attr(m[1], m[2], m[3]))
            pos = m.end()
        if pos < len(value):
            parts.append(Lit(value[pos:]))
        if not parts:
            return Lit("")
        if len(parts) == 1:
            return parts[0]
        return Concat(tuple(parts))

    # ------------------------------------------------------------ API and stage

    def api(self) -> str:
        cdk = self.spec.cdk
        if cdk.imports_api:
            self.emit(
                Assign(
                    "web_socket_api",
                    call(
                        "aws_apigatewayv2.WebSocketApi.from_web_socket_api_attributes",
                        SELF,
                        "Api",
                        web_socket_id=cdk.web_socket_api,
                    ),
                    comment="The existing WebSocket API (imported, not created)",
                )
            )
            return "web_socket_api"
        props = dict(cdk.web_socket_api) if isinstance(cdk.web_socket_api, dict) else {}
        kwargs: dict[str, Any] = {
            "api_name": props.pop("api_name", self.base_name),
            "route_selection_expression": props.pop(
                "route_selection_expression", _facts.ROUTE_SELECTION_EXPRESSION
            ),
        }
        if "description" in props:
            kwargs["description"] = props.pop("description")
        if "api_key_selection_expression" in props:
            kwargs["api_key_selection_expression"] = call(
                "aws_apigatewayv2.WebSocketApiKeySelectionExpression",
                props.pop("api_key_selection_expression"),
            )
        if "ip_address_type" in props:
            value = props.pop("ip_address_type")
            kwargs["ip_address_type"] = Sym(
                "aws_apigatewayv2.IpAddressType."
                + ("DUAL_STACK" if value == "dualstack" else "IPV4")
            )
        self.emit(
            Assign(
                "web_socket_api",
                call("aws_apigatewayv2.WebSocketApi", SELF, "Api", **kwargs),
                comment="The WebSocket API",
            )
        )
        return "web_socket_api"

    def stage(self, api: str) -> str:
        cdk = self.spec.cdk
        if cdk.imports_stage:
            self.emit(
                Assign(
                    "web_socket_stage",
                    call(
                        "aws_apigatewayv2.WebSocketStage.from_web_socket_stage_attributes",
                        SELF,
                        "Stage",
                        stage_name=self.stage_name,
                        api=Var(api),
                    ),
                    comment="The existing stage (imported, not created)",
                )
            )
            return "web_socket_stage"
        props = dict(cdk.web_socket_stage) if isinstance(cdk.web_socket_stage, dict) else {}
        kwargs: dict[str, Any] = {
            "web_socket_api": Var(api),
            "stage_name": self.stage_name,
            "auto_deploy": props.get("auto_deploy", True),
        }
        if "description" in props:
            kwargs["description"] = props["description"]
        if "detailed_metrics_enabled" in props:
            kwargs["detailed_metrics_enabled"] = props["detailed_metrics_enabled"]
        if "throttle" in props:
            kwargs["throttle"] = call("aws_apigatewayv2.ThrottleSettings", **props["throttle"])
        self.emit(
            Assign(
                "web_socket_stage", call("aws_apigatewayv2.WebSocketStage", SELF, "Stage", **kwargs)
            )
        )
        return "web_socket_stage"

    def log_enabled(self) -> bool:
        log = self.spec.access_log
        return log.enabled and not (self.spec.cdk.imports_stage and not log.explicit)

    def access_log(self, stage: str) -> str | None:
        log = self.spec.access_log
        if not self.log_enabled():
            return None
        var = None
        if log.destination_arn:
            destination: Expr = Lit(log.destination_arn)
        else:
            prefix = _LOG_GROUP_BAD.sub("-", f"/aws/vendedlogs/apis/{self.base_name}-")
            suffix = _LOG_GROUP_BAD.sub("-", f"/{self.stage_name}")
            retention = (log.retention or "infinite").upper()
            var = "access_log_group"
            self.emit(
                Assign(
                    var,
                    call(
                        "aws_logs.LogGroup",
                        SELF,
                        "LogGroup",
                        log_group_name=Concat(
                            (Lit(prefix), Attr(Var("web_socket_api"), "api_id"), Lit(suffix))
                        ),
                        retention=Sym(f"aws_logs.RetentionDays.{retention}"),
                    ),
                    comment="Access log (the stage writes one line per connection event)",
                )
            )
            destination = Attr(Var(var), "log_group_arn")
        self.emit(Assign("cfn_stage", Attr(Attr(Var(stage), "node"), "default_child")))
        self.emit(
            SetAttr(
                Var("cfn_stage"),
                "access_log_settings",
                call(
                    "aws_apigatewayv2.CfnStage.AccessLogSettingsProperty",
                    destination_arn=destination,
                    format=log.effective_format,
                ),
            )
        )
        return var

    # ------------------------------------------------------------ functions

    def function(self, var: str, cid: str, props: dict[str, Any], where: str) -> None:
        handler = props["handler"]
        runtime = shipped_runtime(handler, props.get("runtime"))
        asset_dir, lambda_handler = self.assets.lambda_code(handler, runtime)
        kwargs: dict[str, Any] = {
            "runtime": Sym("aws_lambda.Runtime." + runtime_name(runtime)),
            "handler": lambda_handler,
            "code": call(
                "aws_lambda.Code.from_asset", Asset(asset_dir), exclude=list(EXCLUDE_GLOBS)
            ),
            "timeout": call("Duration.seconds", props.get("timeout", _facts.DEFAULT_TIMEOUT)),
            "memory_size": props.get("memory_size", _facts.DEFAULT_MEMORY),
        }
        if props.get("architecture", "x86_64") != "x86_64":
            kwargs["architecture"] = Sym("aws_lambda.Architecture.ARM_64")
        tracing = props.get("tracing", _facts.DEFAULT_TRACING)
        kwargs["tracing"] = Sym("aws_lambda.Tracing." + tracing.upper())
        env: dict[str, Expr] = {
            k: self.env_value(v) for k, v in props.get("environment", {}).items()
        }
        for res in props.get("bind", ()):
            for name, value in bind_environment(res).items():
                env.setdefault(name, self.env_value(value))
        if env:
            kwargs["environment"] = expr(env)
        if props.get("layers"):
            kwargs["layers"] = [
                call(
                    "aws_lambda.LayerVersion.from_layer_version_arn",
                    SELF,
                    self.names.cid(f"{cid}Layer{i + 1}"),
                    arn,
                )
                for i, arn in enumerate(props["layers"])
            ]
        for name in ("description", "reserved_concurrent_executions", "function_name"):
            if name in props:
                kwargs[name] = props[name]
        if "ephemeral_storage_size" in props:
            kwargs["ephemeral_storage_size"] = call(
                "Size.mebibytes", props["ephemeral_storage_size"]
            )
        self.emit(Assign(var, call("aws_lambda.Function", SELF, cid, **kwargs), comment=where))
        self.grants(var, props)

    def grants(self, var: str, props: dict[str, Any], *, role: bool = False) -> None:
        """``props``' permissions and binds granted to the function ``var`` (or, with
        ``role=True``, to the IAM role ``var``)."""
        add_policy = "add_to_policy" if role else "add_to_role_policy"
        role_expr: Expr = Var(var) if role else Attr(Var(var), "role")
        for item in props.get("permissions", ()):
            if isinstance(item, Table):
                self.emit(
                    Do(method(self.res_vars[("Table", item.id)], "grant_read_write_data", Var(var)))
                )
            elif isinstance(item, Bucket):
                self.emit(
                    Do(method(self.res_vars[("Bucket", item.id)], "grant_read_write", Var(var)))
                )
            elif isinstance(item, dict):
                self.emit(
                    Do(
                        method(
                            var,
                            add_policy,
                            call("aws_iam.PolicyStatement.from_json", self.statement(item)),
                        )
                    )
                )
            elif managed_policy(item) is not None:
                self.emit(Do(method(role_expr, "add_managed_policy", self.policy(item))))
            else:
                action = item if item == "*" or ":" in item else f"{item}:*"
                self.emit(
                    Do(
                        method(
                            var,
                            add_policy,
                            call("aws_iam.PolicyStatement", actions=[action], resources=["*"]),
                        )
                    )
                )
        for res in props.get("bind", ()):
            self.bind_grant(var, res)

    def statement(self, item: Any) -> Any:
        """An IAM statement; a resource naming a wsnb placeholder (``table.table_arn``) becomes
        the CDK attribute (e.g. the table's ARN token)."""
        if not any(find_tokens(v) for k in ("Resource", "NotResource") for v in item.get(k, ())):
            return item
        return {
            k: [self.env_value(x) for x in v] if k in ("Resource", "NotResource") else v
            for k, v in item.items()
        }

    def policy(self, arn: str) -> Call:
        """An IAM managed policy: AWS's by name (its ARN in the stack's partition), a
        customer's by ARN (imported under a construct id of its own)."""
        account, name = managed_policy(arn) or ("", "")
        if account == "aws":
            return call("aws_iam.ManagedPolicy.from_aws_managed_policy_name", name)
        cid = self.names.cid("ManagedPolicy", name.rsplit("/", 1)[-1])
        return call("aws_iam.ManagedPolicy.from_managed_policy_arn", SELF, cid, arn)

    def bind_grant(self, var: str, res: Resource) -> None:
        if isinstance(res, Table):
            self.emit(
                Do(method(self.res_vars[("Table", res.id)], "grant_read_write_data", Var(var)))
            )
        elif isinstance(res, Bucket):
            self.emit(Do(method(self.res_vars[("Bucket", res.id)], "grant_read_write", Var(var))))
        elif isinstance(res, Secret):
            name = secret_parameter_name(self.opts.app, self.opts.stage, res.id)
            self.need_stack = True
            arn = method(
                "stack",
                "format_arn",
                service="ssm",
                resource="parameter",
                resource_name=name.lstrip("/"),
            )
            self.emit(
                Do(
                    method(
                        var,
                        "add_to_role_policy",
                        call(
                            "aws_iam.PolicyStatement", actions=["ssm:GetParameter"], resources=[arn]
                        ),
                    )
                )
            )

    def authorizer(self) -> Expr | None:
        auth = self.spec.authorizer
        if auth == "iam":
            return call("aws_apigatewayv2_authorizers.WebSocketIamAuthorizer")
        if not isinstance(auth, LambdaAuthorizer):
            return None
        function = self.spec.authorizer_function  # built-in defaults filled in by the model
        assert function is not None  # a Lambda authorizer always has one
        props = function.props
        self.function(
            "authorizer_function", "AuthorizerFunction", props, "Lambda authorizer function"
        )
        self.emit(
            Assign(
                "authorizer",
                call(
                    "aws_apigatewayv2_authorizers.WebSocketLambdaAuthorizer",
                    "Authorizer",
                    Var("authorizer_function"),
                    identity_source=list(auth.identity_source),
                    authorizer_name=auth.name,
                ),
            )
        )
        return Var("authorizer")

    def connection_arns(self, api: str) -> None:
        """``connection_arns``: what every route function may call (@connections post, get, delete)."""
        arns = [
            method(
                "stack",
                "format_arn",
                service="execute-api",
                resource=Attr(Var(api), "api_id"),
                resource_name=f"{self.stage_name}/{verb}/*",
            )
            for verb in ("POST", "GET", "DELETE")
        ]
        self.emit(
            Assign(
                "connection_arns",
                expr(arns),
                comment="Every route may call the @connections API (post, get, delete)",
            )
        )

    def routes(self, api: str, authorizer: Expr | None) -> tuple[dict[str, str], dict[str, str]]:
        functions: dict[str, str] = {}
        routes: dict[str, str] = {}
        if not self.spec.routes:
            return functions, routes
        merged = {fn.route_key: fn for fn in self.spec.functions()}
        if merged:
            self.need_stack = True
            self.connection_arns(api)
        steps = IntegrationSteps(self)
        for route in self.spec.routes:
            key = route.key
            fvar = None
            fn = merged.get(key)
            if fn is not None:
                fvar = self.names.var(f"{key.lstrip('$')}_function")
                where = f"Route {key!r}"
                if route.integration is not None:
                    where += f": {route.integration_label} integration"
                self.function(fvar, self.names.cid("Lambda", key), fn.props, where)
                self.emit(
                    Do(
                        method(
                            fvar,
                            "add_to_role_policy",
                            call(
                                "aws_iam.PolicyStatement",
                                actions=["execute-api:ManageConnections"],
                                resources=Var("connection_arns"),
                            ),
                        )
                    )
                )
                functions[key] = fvar
            rid = self.names.cid("Route", key)
            rvar = self.names.var(f"{key.lstrip('$')}_route")
            if route.integration is None:
                assert fvar is not None
                integration = call(
                    "aws_apigatewayv2_integrations.WebSocketLambdaIntegration",
                    f"{rid}Integration",
                    Var(fvar),
                )
            else:
                integration = steps.integration(route, rid, fvar)
            kwargs: dict[str, Any] = {
                "web_socket_api": Var(api),
                "route_key": key,
                "integration": integration,
            }
            if key == "$connect" and authorizer is not None:
                kwargs["authorizer"] = authorizer
            if route.return_response:
                kwargs["return_response"] = True
            comment = None
            if fn is None and route.integration is not None:
                comment = f"Route {key!r}: {route.integration_label} integration"
            self.emit(
                Assign(
                    rvar,
                    call("aws_apigatewayv2.WebSocketRoute", SELF, rid, **kwargs),
                    comment=comment,
                )
            )
            if route.integration is not None:
                steps.finish(route, rid, rvar, api, fvar)
            routes[key] = rvar
        return functions, routes

    # ------------------------------------------------------------ custom domain

    def domain(self, api: str, stage: str) -> tuple[str | None, str | None]:
        dom = self.spec.custom_domain
        if dom is None:
            return None, None
        mapping_key = dom.path
        if dom.shared_from:
            self.emit(
                Assign(
                    "api_mapping",
                    call(
                        "aws_apigatewayv2.CfnApiMapping",
                        SELF,
                        "ApiMapping",
                        api_id=Attr(Var(api), "api_id"),
                        domain_name=dom.shared_from["domain_name"],
                        stage=Attr(Var(stage), "stage_name"),
                        api_mapping_key=mapping_key,
                    ),
                    comment=f"Mapping onto the domain of WebSocketApi {dom.shared_from['api']!r}",
                )
            )
            self.emit(Do(method(Attr(Var("api_mapping"), "node"), "add_dependency", Var(stage))))
            return None, None
        certificate = None
        if dom.imported:
            self.emit(
                Assign(
                    "domain_name",
                    call(
                        "aws_apigatewayv2.DomainName.from_domain_name_attributes",
                        SELF,
                        "DomainName",
                        **dom.imported,
                    ),
                    comment="The existing custom domain (imported)",
                )
            )
        else:
            zone = self.hosted_zone(dom)
            certificate = "certificate"
            if dom.certificate_arn:
                self.emit(
                    Assign(
                        certificate,
                        call(
                            "aws_certificatemanager.Certificate.from_certificate_arn",
                            SELF,
                            "Certificate",
                            dom.certificate_arn,
                        ),
                    )
                )
            else:
                assert zone is not None
                self.emit(
                    Assign(
                        certificate,
                        call(
                            "aws_certificatemanager.Certificate",
                            SELF,
                            "Certificate",
                            domain_name=dom.domain_name,
                            validation=call(
                                "aws_certificatemanager.CertificateValidation.from_dns", Var(zone)
                            ),
                        ),
                    )
                )
            self.emit(
                Assign(
                    "domain_name",
                    call(
                        "aws_apigatewayv2.DomainName",
                        SELF,
                        "DomainName",
                        domain_name=dom.domain_name,
                        certificate=Var(certificate),
                    ),
                    comment=f"Custom domain {dom.domain_name!r}",
                )
            )
            if zone is not None:
                target = call(
                    "aws_route53.RecordTarget.from_alias",
                    call(
                        "aws_route53_targets.ApiGatewayv2DomainProperties",
                        Attr(Var("domain_name"), "regional_domain_name"),
                        Attr(Var("domain_name"), "regional_hosted_zone_id"),
                    ),
                )
                for kind, cid in (("ARecord", "AliasRecord"), ("AaaaRecord", "AliasRecordAAAA")):
                    self.emit(
                        Do(
                            call(
                                f"aws_route53.{kind}",
                                SELF,
                                cid,
                                zone=Var(zone),
                                record_name=dom.domain_name,
                                target=target,
                            )
                        )
                    )
        self.emit(
            Assign(
                "api_mapping",
                call(
                    "aws_apigatewayv2.ApiMapping",
                    SELF,
                    "ApiMapping",
                    api=Var(api),
                    domain_name=Var("domain_name"),
                    stage=Var(stage),
                    api_mapping_key=mapping_key,
                ),
            )
        )
        self.emit(Do(method(Attr(Var("api_mapping"), "node"), "add_dependency", Var(stage))))
        return "domain_name", certificate

    def hosted_zone(self, dom: Any) -> str | None:
        if dom.is_external_domain:
            return None
        if dom.hosted_zone_attributes:
            self.emit(
                Assign(
                    "hosted_zone",
                    call(
                        "aws_route53.HostedZone.from_hosted_zone_attributes",
                        SELF,
                        "HostedZone",
                        **dom.hosted_zone_attributes,
                    ),
                )
            )
            return "hosted_zone"
        zone = dom.zone_name
        account, region = self.opts.account, self.opts.region
        if not account or not region:
            missing = " and ".join(
                n for n, v in (("account", account), ("region", region)) if not v
            )
            raise SynthError(
                f"Custom domain {dom.domain_name!r} needs a Route 53 lookup of hosted zone {zone!r}, "
                f"which needs an explicit {missing}.",
                given={"account": account, "region": region},
                allowed="account='<12 digits>' and region='<aws region>'",
                fix='api.synth(account="123456789012", region="us-east-1", context={...}) — or give '
                'custom_domain={"cdk": {"hosted_zone": {"hosted_zone_id": ..., "zone_name": ...}}} (no lookup)',
                path="custom_domain",
            )
        key = hosted_zone_context_key(account, zone, region)
        value = self.opts.context.get(key)
        if not (
            isinstance(value, dict)
            and isinstance(value.get("Id"), str)
            and isinstance(value.get("Name"), str)
        ):
            raise SynthError(
                f"Hosted zone {zone!r} is not in the lookup context, and wsnb never calls AWS at synth.",
                given=value if key in self.opts.context else sorted(self.opts.context),
                allowed=f'context[{key!r}] = {{"Id": "/hostedzone/<zone id>", "Name": "{zone}."}}',
                fix=f"api.synth(account={account!r}, region={region!r}, "
                f'context={{{key!r}: {{"Id": "/hostedzone/Z0123456789ABC", "Name": "{zone}."}}}})',
                path="context",
            )
        self.emit(
            Assign(
                "hosted_zone",
                call("aws_route53.HostedZone.from_lookup", SELF, "HostedZone", domain_name=zone),
                comment=f"Hosted zone {zone!r} (looked up; the value is in cdk.json's context)",
            )
        )
        return "hosted_zone"


def _dynamo_key(table: Table, name: str | None) -> Call | None:
    if name is None:
        return None
    kind = {"string": "STRING", "number": "NUMBER", "binary": "BINARY"}[table.fields[name]]
    return call("aws_dynamodb.Attribute", name=name, type=Sym(f"aws_dynamodb.AttributeType.{kind}"))


def compile_plan(spec: ApiSpec, opts: Options, assets: AssetLayout) -> Plan:
    """The plan for one API (raises :class:`SynthError` for what cannot synthesize)."""
    predicted = check_stack_size(spec)
    plan = _Compiler(spec, opts, assets).compile()
    if predicted >= _facts.CFN_RESOURCE_WARN_AT:
        plan.warnings.insert(
            0,
            f"This API needs {predicted} CloudFormation resources; one stack holds at most "
            f"{_facts.CFN_RESOURCE_LIMIT}. Split the routes over several APIs/stacks, or share functions.",
        )
    if "${Token[" in json.dumps(spec.to_json(), ensure_ascii=False) + opts.key():
        check_no_cdk_tokens(plan.body)
    return plan
