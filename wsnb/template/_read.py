"""From one CloudFormation/SAM template to the arguments of a ``WebSocketApi``.

:class:`Reader` picks the ``AWS::ApiGatewayV2::Api``, follows its routes to integrations and
Lambda functions, reads functions (plain and SAM, with ``Globals``), the tables, buckets and SSM
parameters they refer to, the authorizer, stage and domain — and records in a
:class:`~._report.TemplateReport` what it read, approximated or ignored, resource by resource.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import HandlerFileWarning, TemplateError, WsnbError
from ..model import Bucket, Parameter, Table
from ..model._physical import ForeignHandler, NamedBucket, NamedParameter, NamedTable
from ..model._resources import Ref, Resource
from ._intrinsics import NO_VALUE, Evaluator, markers, strip_markers
from ._load import Loaded
from ._report import TemplateReport

API_TYPE = "AWS::ApiGatewayV2::Api"
LAMBDA = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"
FUNCTION_TYPES = (LAMBDA, SAM_FUNCTION)
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
BUCKET_TYPE = "AWS::S3::Bucket"
SSM_TYPE = "AWS::SSM::Parameter"
_FUNCTION_ARN = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]*:\d*:function:([A-Za-z0-9_-]+)")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_API_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_DYNAMO_TYPES = {"S": "string", "N": "number", "B": "binary"}
_SIMPLE_TYPES = {"String": "string", "Number": "number", "Binary": "binary"}
_IGNORED_QUIETLY = {
    "AWS::Lambda::Permission": "API Gateway's invoke permission; wsnb grants it per route",
    "AWS::ApiGatewayV2::Deployment": "deployments are implicit locally (wsnb synth uses AutoDeploy)",
    "AWS::Logs::LogGroup": "the stage's access log group (read with the stage when it is the destination)",
}
_DEFAULT_RSE = _facts.ROUTE_SELECTION_EXPRESSION


@dataclass
class FunctionInfo:
    logical_id: str
    props: dict[str, Any]
    runtime: str
    resources: list[Resource] = field(default_factory=list)


@dataclass
class ReadResult:
    """Everything ``from_template`` needs to build the ``WebSocketApi``."""

    api_id: str
    routes: dict[str, Any]
    authorizer: Any
    access_log: Any
    custom_domain: Any
    cdk: dict[str, Any]
    root: Path
    stage: str
    report: TemplateReport
    runtimes: dict[str, str]  # function logical id -> runtime
    route_functions: dict[str, str]  # route key -> function logical id
    temp_dir: str | None = None


def find_apis(loaded: list[Loaded]) -> list[tuple[Loaded, str]]:
    """Every WebSocket ``AWS::ApiGatewayV2::Api`` in the templates, in order."""
    out = []
    for item in loaded:
        for logical, res in item.template["Resources"].items():
            if isinstance(res, dict) and res.get("Type") == API_TYPE:
                proto = (res.get("Properties") or {}).get("ProtocolType")
                if proto == "WEBSOCKET":
                    out.append((item, logical))
    return out


def pick_api(loaded: list[Loaded], api: str | None) -> tuple[Loaded, str]:
    found = find_apis(loaded)
    names = [logical for _, logical in found]
    where = loaded[0].origin if len(loaded) == 1 else "the cloud assembly"
    if api is not None:
        for item, logical in found:
            if logical == api:
                return item, logical
        raise TemplateError(
            f"{where} has no WebSocket API with logical id {api!r}.",
            given=api,
            allowed=", ".join(names) or "(no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET)",
            fix=f"api={names[0]!r} (CLI: FILE:{names[0]})"
            if names
            else "load a template that defines a WebSocket API",
        )
    if not found:
        raise TemplateError(
            f"{where} defines no WebSocket API (no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET).",
            given=where,
            fix="load the template of a WebSocket API (HTTP and REST APIs are not read)",
        )
    if len(found) > 1:
        raise TemplateError(
            f"{where} defines {len(found)} WebSocket APIs; say which one to load.",
            given=names,
            allowed=", ".join(names),
            fix=f"WebSocketApi.from_template(..., api={names[0]!r})  or  TARGET FILE:{names[0]}",
        )
    return found[0]


def template_parameters(template: dict[str, Any], given: dict[str, Any] | None) -> dict[str, Any]:
    """Parameter values: ``given`` over ``Default``; a parameter with neither is an error."""
    declared = template.get("Parameters") or {}
    given = dict(given or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(
            f"parameters: the template has no parameter {unknown[0]!r}.",
            given=unknown,
            allowed=", ".join(declared) or "(the template declares no Parameters)",
            path=f"Parameters.{unknown[0]}",
        )
    out: dict[str, Any] = {}
    for name, decl in declared.items():
        decl = decl if isinstance(decl, dict) else {}
        if name in given:
            value = given[name]
        elif "Default" in decl:
            value = decl["Default"]
        else:
            raise TemplateError(
                f"Parameters.{name}: the parameter has no Default and no value was given.",
                given=name,
                fix=f"WebSocketApi.from_template(..., parameters={{{name!r}: '...'}})  or  --parameter {name}=...",
                path=f"Parameters.{name}",
            )
        kind = str(decl.get("Type", "String"))
        if kind in ("CommaDelimitedList", "List<Number>") or kind.startswith("List<"):
            value = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
        elif not isinstance(value, (list, dict)):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        allowed = decl.get("AllowedValues")
        if (
            isinstance(allowed, list)
            and not isinstance(value, list)
            and allowed
            and value not in [str(a) for a in allowed]
        ):
            raise TemplateError(
                f"Parameters.{name}: {value!r} is not one of its AllowedValues.",
                given=value,
                allowed=", ".join(str(a) for a in allowed),
                path=f"Parameters.{name}",
            )
        out[name] = value
    return out


class Reader:
    """Reads one WebSocket API out of one template (see the module docstring)."""

    def __init__(
        self,
        loaded: Loaded,
        api_logical: str,
        *,
        parameters: dict[str, Any] | None,
        region: str | None,
        account: str | None,
    ) -> None:
        self.loaded = loaded
        self.template = loaded.template
        self.raw = self.template["Resources"]
        self.api_logical = api_logical
        self.params = template_parameters(self.template, parameters)
        self.ev = Evaluator(
            self.template,
            parameters=self.params,
            region=region,
            account=account,
            stack_name=loaded.stack_name,
        )
        self.report = TemplateReport(loaded.origin, api_logical)
        self.globals = self._sam_globals()
        self._props: dict[str, dict[str, Any]] = {}
        self._functions: dict[str, FunctionInfo] = {}
        self._resources: dict[str, Resource] = {}
        self._names: dict[str, Resource] = {}  # physical names -> resource
        self._temp: Path | None = None
        self._code: dict[str, tuple[Path | None, str | None]] = {}
        self._used: set[str] = {api_logical}

    # ------------------------------------------------------------------ basics

    def type_of(self, logical: str) -> str:
        res = self.raw.get(logical)
        return res.get("Type", "?") if isinstance(res, dict) else "?"

    def active(self, logical: str) -> bool:
        res = self.raw.get(logical) or {}
        cond = res.get("Condition")
        return True if cond is None else self.ev.condition(cond, f"{logical}.Condition")

    def props(self, logical: str) -> dict[str, Any]:
        """The evaluated Properties of a resource (SAM Globals merged for functions)."""
        if logical not in self._props:
            res = self.raw.get(logical)
            if not isinstance(res, dict):
                raise TemplateError(
                    f"Resources.{logical} is not a mapping.", given=res, path=f"Resources.{logical}"
                )
            raw = res.get("Properties") or {}
            if res.get("Type") == SAM_FUNCTION and self.globals:
                raw = _merge_globals(self.globals, raw)
            value = self.ev.value(raw, f"{logical}.Properties")
            self._props[logical] = value if isinstance(value, dict) else {}
        return self._props[logical]

    def _sam_globals(self) -> dict[str, Any]:
        g = (self.template.get("Globals") or {}).get("Function") or {}
        return g if isinstance(g, dict) else {}

    def _refers_to_api(self, value: Any) -> bool:
        return any(lid == self.api_logical for lid, _ in markers(value))

    def _one_marker(self, value: Any, where: str, types: tuple[str, ...], what: str) -> str:
        """The logical id of the resource of one of ``types`` that ``value`` refers to."""
        for lid, _attr in markers(value):
            if self.type_of(lid) in types:
                return lid
        if isinstance(value, str):
            m = _FUNCTION_ARN.search(value)
            if m and LAMBDA in types:
                for lid in self.raw:
                    if self.type_of(lid) in FUNCTION_TYPES and self._function_name(lid) == m[1]:
                        return lid
        refs = [lid for lid, _ in markers(value)]
        raise TemplateError(
            f"{where}: {what} points at "
            + (
                f"{refs[0]!r}, which is a {self.type_of(refs[0])}"
                if refs
                else "no resource of this template"
            )
            + ".",
            given=strip_markers(value, lambda lid, a: f"${{{lid}.{a}}}")
            if isinstance(value, str)
            else value,
            allowed=" or ".join(types) + " defined in the template",
            fix="point it at a resource the template defines (e.g. !GetAtt MyFunction.Arn)",
            path=where,
        )

    def _function_name(self, logical: str) -> str | None:
        name = (self.raw.get(logical, {}).get("Properties") or {}).get("FunctionName")
        return name if isinstance(name, str) else None

    # ------------------------------------------------------------------ the API

    def read(self) -> ReadResult:
        api_props = self.props(self.api_logical)
        cdk_api: dict[str, Any] = {}
        rse = api_props.get("RouteSelectionExpression", _DEFAULT_RSE)
        if rse != _DEFAULT_RSE:
            cdk_api["route_selection_expression"] = str(rse)
        if isinstance(api_props.get("Name"), str) and "\x00" not in api_props["Name"]:
            cdk_api["api_name"] = api_props["Name"]
        if isinstance(api_props.get("Description"), str):
            cdk_api["description"] = api_props["Description"][:1024]
        notes = ["ProtocolType WEBSOCKET"] + [
            k for k in ("RouteSelectionExpression", "Name", "Description") if k in api_props
        ]
        skipped = sorted(
            set(api_props) - {"ProtocolType", "RouteSelectionExpression", "Name", "Description"}
        )
        self.report.add(self.api_logical, API_TYPE, "read", "read " + ", ".join(notes))
        if skipped:
            self.report.add(
                self.api_logical, API_TYPE, "ignored", "not read: " + ", ".join(skipped)
            )

        routes, route_functions, auth = self._routes()
        stage_name, cdk_stage, access_log = self._stage()
        domain = self._domain()
        cdk: dict[str, Any] = {}
        if cdk_api:
            cdk["web_socket_api"] = cdk_api
        if cdk_stage:
            cdk["web_socket_stage"] = cdk_stage
        self._report_rest()
        root = self._root()
        for _key, value in routes.items():
            value["function"] = self._finish_function(value["function"], root)
        if auth is not None and not isinstance(auth, str):
            auth["function"] = self._finish_function(auth["function"], root)
        return ReadResult(
            api_id=self._api_id(),
            routes=routes,
            authorizer=auth,
            access_log=access_log,
            custom_domain=domain,
            cdk=cdk,
            root=root,
            stage=stage_name,
            report=self.report,
            runtimes={lid: f.runtime for lid, f in self._functions.items()},
            route_functions=route_functions,
            temp_dir=str(self._temp) if self._temp else None,
        )

    def _api_id(self) -> str:
        meta = (self.raw[self.api_logical].get("Metadata") or {}).get("aws:cdk:path")
        if isinstance(meta, str):  # Stack/Api/Api/Resource: the wsnb/CDK construct id
            parts = meta.split("/")
            if len(parts) >= 3 and _API_ID.match(parts[1]):
                return parts[1]
        lid = self.api_logical
        return lid if _API_ID.match(lid) else ("Api" + re.sub(r"[^A-Za-z0-9-]", "", lid))[:64]

    # ------------------------------------------------------------------ routes

    def _routes(self) -> tuple[dict[str, Any], dict[str, str], Any]:
        routes: dict[str, Any] = {}
        route_functions: dict[str, str] = {}
        route_ids: dict[str, str] = {}
        authorizer: Any = None
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ApiGatewayV2::Route":
                continue
            if not self._refers_to_api(self.props(lid).get("ApiId")):
                continue
            self._used.add(lid)
            if not self.active(lid):
                self.report.add(
                    lid, "AWS::ApiGatewayV2::Route", "ignored", "its Condition is false"
                )
                continue
            p = self.props(lid)
            key = p.get("RouteKey")
            if not isinstance(key, str) or not key.strip():
                raise TemplateError(
                    f"{lid}.Properties.RouteKey: a route needs a RouteKey string.",
                    given=key,
                    path=f"{lid}.Properties.RouteKey",
                )
            key = key.strip()
            target = p.get("Target")
            if target is None:
                self.report.add(
                    lid,
                    "AWS::ApiGatewayV2::Route",
                    "ignored",
                    f"route {key!r} has no Target (no integration), so it is not served",
                )
                continue
            integ = self._one_marker(
                target,
                f"{lid}.Properties.Target",
                ("AWS::ApiGatewayV2::Integration",),
                "the route's Target",
            )
            fn_lid = self._integration(integ, lid, key)
            if fn_lid is None:
                continue
            route: dict[str, Any] = {"function": fn_lid}
            notes = [f"RouteKey {key!r}", f"Target → {integ} → {fn_lid}"]
            if p.get("RouteResponseSelectionExpression"):
                route["return_response"] = True
                notes.append("RouteResponseSelectionExpression → return_response")
            auth_type = str(p.get("AuthorizationType", "NONE")).upper()
            if auth_type == "AWS_IAM":
                authorizer = "iam"
                notes.append("AuthorizationType AWS_IAM → authorizer 'iam'")
            elif auth_type == "CUSTOM":
                auth_lid = self._one_marker(
                    p.get("AuthorizerId"),
                    f"{lid}.Properties.AuthorizerId",
                    ("AWS::ApiGatewayV2::Authorizer",),
                    "the route's AuthorizerId",
                )
                authorizer = self._authorizer(auth_lid)
                notes.append(f"AuthorizationType CUSTOM → authorizer {auth_lid}")
            if auth_type != "NONE" and key != "$connect":
                self.report.add(
                    lid,
                    "AWS::ApiGatewayV2::Route",
                    "approximated",
                    f"AuthorizationType {auth_type} on {key!r}: API Gateway authorizes $connect only; wsnb attaches the authorizer to $connect",
                )
            rest = sorted(
                set(p)
                - {
                    "ApiId",
                    "RouteKey",
                    "Target",
                    "RouteResponseSelectionExpression",
                    "AuthorizationType",
                    "AuthorizerId",
                    "OperationName",
                }
            )
            self.report.add(lid, "AWS::ApiGatewayV2::Route", "read", "; ".join(notes))
            if rest:
                self.report.add(
                    lid, "AWS::ApiGatewayV2::Route", "ignored", "not read: " + ", ".join(rest)
                )
            if key in routes:
                raise TemplateError(
                    f"{lid}.Properties.RouteKey: route key {key!r} is defined twice for this API.",
                    given=key,
                    path=f"{lid}.Properties.RouteKey",
                )
            routes[key] = route
            route_functions[key] = fn_lid
            route_ids[lid] = key
        self._route_responses(routes, route_ids)
        return routes, route_functions, authorizer

    def _route_responses(self, routes: dict[str, Any], route_ids: dict[str, str]) -> None:
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ApiGatewayV2::RouteResponse":
                continue
            p = self.props(lid)
            if not self._refers_to_api(p.get("ApiId")):
                continue
            self._used.add(lid)
            route_lid = next((r for r, _ in markers(p.get("RouteId")) if r in route_ids), None)
            if route_lid is None:
                raise TemplateError(
                    f"{lid}.Properties.RouteId: the route response points at no route of this API.",
                    given=p.get("RouteId"),
                    path=f"{lid}.Properties.RouteId",
                )
            key = route_ids[route_lid]
            routes[key]["return_response"] = True
            rkey = p.get("RouteResponseKey", "$default")
            self.report.add(
                lid,
                "AWS::ApiGatewayV2::RouteResponse",
                "read" if rkey == "$default" else "approximated",
                f"route {key!r} returns the handler's body (return_response=True)"
                + ("" if rkey == "$default" else f"; RouteResponseKey {rkey!r} read as $default"),
            )

    def _integration(self, lid: str, route_lid: str, key: str) -> str | None:
        self._used.add(lid)
        p = self.props(lid)
        kind = str(p.get("IntegrationType", "")).upper()
        if kind != "AWS_PROXY":
            self.report.add(
                lid,
                "AWS::ApiGatewayV2::Integration",
                "ignored",
                f"IntegrationType {kind or '?'} is not emulated (only AWS_PROXY to Lambda); route {key!r} is not served",
            )
            self.report.add(
                route_lid,
                "AWS::ApiGatewayV2::Route",
                "ignored",
                f"route {key!r}: its integration {lid} is not AWS_PROXY",
            )
            return None
        uri = p.get("IntegrationUri")
        fn = self._one_marker(
            uri, f"{lid}.Properties.IntegrationUri", FUNCTION_TYPES, "the integration URI"
        )
        self.report.add(lid, "AWS::ApiGatewayV2::Integration", "read", f"AWS_PROXY to {fn}")
        self._function(fn)
        return fn

    def _authorizer(self, lid: str) -> dict[str, Any]:
        self._used.add(lid)
        p = self.props(lid)
        kind = str(p.get("AuthorizerType", "")).upper()
        if kind != "REQUEST":
            raise TemplateError(
                f"{lid}.Properties.AuthorizerType: {kind!r} authorizers are not supported for WebSocket APIs.",
                given=kind,
                allowed="REQUEST (a Lambda authorizer)",
                path=f"{lid}.Properties.AuthorizerType",
            )
        fn = self._one_marker(
            p.get("AuthorizerUri"),
            f"{lid}.Properties.AuthorizerUri",
            FUNCTION_TYPES,
            "the authorizer URI",
        )
        self._function(fn)
        sources = p.get("IdentitySource") or list(_facts.DEFAULT_IDENTITY_SOURCE)
        if isinstance(sources, str):
            sources = [s.strip() for s in sources.split(",")]
        out: dict[str, Any] = {"type": "lambda", "function": fn, "identity_source": list(sources)}
        if isinstance(p.get("Name"), str):
            out["name"] = p["Name"]
        self.report.add(
            lid,
            "AWS::ApiGatewayV2::Authorizer",
            "read",
            f"REQUEST Lambda authorizer {fn}, identity source {', '.join(sources)}",
        )
        return out

    # ------------------------------------------------------------------ stage and domain

    def _stage(self) -> tuple[str, dict[str, Any], Any]:
        stages = [
            lid
            for lid, res in self.raw.items()
            if isinstance(res, dict)
            and res.get("Type") == "AWS::ApiGatewayV2::Stage"
            and self._refers_to_api(self.props(lid).get("ApiId"))
            and self.active(lid)
        ]
        if not stages:
            return "dev", {}, False
        lid = stages[0]
        for other in stages[1:]:
            self._used.add(other)
            self.report.add(
                other,
                "AWS::ApiGatewayV2::Stage",
                "ignored",
                f"only the first stage ({lid}) is read",
            )
        self._used.add(lid)
        p = self.props(lid)
        name = str(p.get("StageName", "dev"))
        cdk: dict[str, Any] = {"stage_name": name}
        notes = [f"StageName {name!r}"]
        if isinstance(p.get("AutoDeploy"), bool):
            cdk["auto_deploy"] = p["AutoDeploy"]
        if isinstance(p.get("Description"), str):
            cdk["description"] = p["Description"][:1024]
        routes_default = p.get("DefaultRouteSettings") or {}
        throttle = {}
        if "ThrottlingRateLimit" in routes_default:
            throttle["rate_limit"] = float(routes_default["ThrottlingRateLimit"])
        if "ThrottlingBurstLimit" in routes_default:
            throttle["burst_limit"] = int(routes_default["ThrottlingBurstLimit"])
        if throttle:
            cdk["throttle"] = throttle
            notes.append("throttling")
        if isinstance(routes_default.get("DetailedMetricsEnabled"), bool):
            cdk["detailed_metrics_enabled"] = routes_default["DetailedMetricsEnabled"]
        access_log: Any = False
        settings = p.get("AccessLogSettings")
        if isinstance(settings, dict):
            access_log = self._access_log(lid, settings)
            notes.append("AccessLogSettings")
        self.report.add(lid, "AWS::ApiGatewayV2::Stage", "read", ", ".join(notes))
        rest = sorted(
            set(p)
            - {
                "ApiId",
                "StageName",
                "AutoDeploy",
                "Description",
                "DefaultRouteSettings",
                "AccessLogSettings",
                "DeploymentId",
            }
        )
        if rest:
            self.report.add(
                lid, "AWS::ApiGatewayV2::Stage", "ignored", "not read: " + ", ".join(rest)
            )
        return name, cdk, access_log

    def _access_log(self, stage_lid: str, settings: dict[str, Any]) -> Any:
        out: dict[str, Any] = {}
        fmt = settings.get("Format")
        if isinstance(fmt, str):
            if "$context.requestId" in fmt and "\n" not in fmt:
                out["format"] = fmt
            else:
                self.report.add(
                    stage_lid,
                    "AWS::ApiGatewayV2::Stage",
                    "approximated",
                    "access-log Format without $context.requestId: wsnb's default JSON format is used",
                )
        dest = settings.get("DestinationArn")
        groups = [lid for lid, a in markers(dest) if self.type_of(lid) == "AWS::Logs::LogGroup"]
        if groups:
            self._used.add(groups[0])
            days = self.props(groups[0]).get("RetentionInDays")
            if days is not None:
                names = {v: k for k, v in _facts.RETENTION_DAYS.items()}
                if int(days) in names:
                    out["retention"] = names[int(days)]
            self.report.add(
                groups[0],
                "AWS::Logs::LogGroup",
                "approximated",
                "the access log's group: wsnb creates its own log group (retention kept)",
            )
        elif isinstance(dest, str) and "\x00" not in dest:
            out["destination_arn"] = dest
        return out or True

    def _domain(self) -> Any:
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ApiGatewayV2::ApiMapping":
                continue
            p = self.props(lid)
            if not self._refers_to_api(p.get("ApiId")):
                continue
            self._used.add(lid)
            dom = p.get("DomainName")
            dom_lids = [
                d for d, _ in markers(dom) if self.type_of(d) == "AWS::ApiGatewayV2::DomainName"
            ]
            if dom_lids:
                self._used.add(dom_lids[0])
                dp = self.props(dom_lids[0])
                name = dp.get("DomainName")
                configs = dp.get("DomainNameConfigurations") or [{}]
                cert = configs[0].get("CertificateArn") if configs else None
            else:
                name, cert = dom, None
            if not isinstance(name, str) or "\x00" in name:
                self.report.add(
                    lid,
                    "AWS::ApiGatewayV2::ApiMapping",
                    "ignored",
                    "its domain name does not resolve to a string",
                )
                return None
            out: dict[str, Any] = {"domain_name": name, "is_external_domain": True}
            approx = []
            if isinstance(cert, str) and "\x00" not in cert:
                out["cdk"] = {"certificate": cert}
            else:
                out["cdk"] = {
                    "certificate": f"arn:aws:acm:{self.ev.pseudo['AWS::Region']}:{self.ev.pseudo['AWS::AccountId']}:certificate/imported-from-template"
                }
                approx.append("certificate ARN is not a literal; a placeholder ARN is used")
            key = p.get("ApiMappingKey")
            if isinstance(key, str) and key:
                out["path"] = key
            self.report.add(
                lid,
                "AWS::ApiGatewayV2::ApiMapping",
                "read",
                f"custom domain {name}" + (f", path {key}" if key else ""),
            )
            if dom_lids:
                self.report.add(
                    dom_lids[0],
                    "AWS::ApiGatewayV2::DomainName",
                    "approximated",
                    "read as an external domain (Route 53 records are not read); "
                    + ("; ".join(approx) or "certificate kept"),
                )
            return out
        return None

    # ------------------------------------------------------------------ functions

    def _function(self, lid: str) -> FunctionInfo:
        if lid in self._functions:
            return self._functions[lid]
        self._used.add(lid)
        kind = self.type_of(lid)
        if not self.active(lid):
            raise TemplateError(
                f"{lid}.Condition: the function's Condition is false, but a route or authorizer uses it.",
                given=self.raw[lid].get("Condition"),
                path=f"{lid}.Condition",
            )
        p = self.props(lid)
        where = f"{lid}.Properties"
        runtime = str(p.get("Runtime") or "")
        handler = p.get("Handler")
        if not runtime and (
            p.get("ImageUri")
            or p.get("PackageType") == "Image"
            or (isinstance(p.get("Code"), dict) and "ImageUri" in p["Code"])
        ):
            runtime = "image"
        if not isinstance(handler, str) or not handler:
            if runtime == "image":
                handler = "image.handler"
            else:
                raise TemplateError(
                    f"{where}.Handler: the function has no Handler.",
                    given=handler,
                    path=f"{where}.Handler",
                )
        props: dict[str, Any] = {}
        notes = [f"Handler {handler}", f"Runtime {runtime or '?'}"]
        python = runtime.startswith("python")
        if python:
            norm = runtime.replace("python", "python", 1)
            if norm in _facts.PYTHON_RUNTIMES:
                props["runtime"] = norm
            else:
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"Runtime {runtime} is not one wsnb synthesizes; the model keeps {_facts.DEFAULT_RUNTIME} (the handler runs on this interpreter locally)",
                )
        else:
            self.report.add(
                lid,
                kind,
                "approximated",
                f"Runtime {runtime or '?'} is not Python: shown, but serve() refuses it",
            )
        for prop, name in (("Timeout", "timeout"), ("MemorySize", "memory_size")):
            if prop in p:
                props[name] = int(p[prop])
                notes.append(prop)
        props.setdefault("timeout", 3)  # Lambda's own defaults (not wsnb's SST defaults)
        props.setdefault("memory_size", 128)
        if isinstance(p.get("Description"), str):
            props["description"] = p["Description"][:256]
        if isinstance(p.get("FunctionName"), str) and "\x00" not in p["FunctionName"]:
            props["function_name"] = p["FunctionName"][:64]
        arch = p.get("Architectures")
        if isinstance(arch, list) and arch:
            props["architecture"] = "arm_64" if arch[0] == "arm64" else "x86_64"
        tracing = (
            p.get("Tracing") if kind == SAM_FUNCTION else (p.get("TracingConfig") or {}).get("Mode")
        )
        props["tracing"] = {"Active": "active", "PassThrough": "pass_through"}.get(
            str(tracing), "pass_through"
        )
        if isinstance(p.get("EphemeralStorage"), dict) and "Size" in p["EphemeralStorage"]:
            props["ephemeral_storage_size"] = int(p["EphemeralStorage"]["Size"])
        if "ReservedConcurrentExecutions" in p:
            props["reserved_concurrent_executions"] = int(p["ReservedConcurrentExecutions"])
        info = FunctionInfo(lid, props, runtime)
        self._functions[lid] = info
        env = ((p.get("Environment") or {}).get("Variables")) or {}
        if env:
            props["environment"] = {k: self._env_value(lid, kind, k, v) for k, v in env.items()}
            notes.append("Environment")
        layers = self._layers(lid, kind, p.get("Layers"))
        if layers:
            props["layers"] = layers
            notes.append("Layers")
        perms = self._permissions(lid, kind, p)
        if perms:
            props["permissions"] = perms
        self._code[lid] = self._code_source(lid, kind, p, handler, runtime)
        info.props["handler"] = handler
        self.report.add(lid, kind, "read", ", ".join(notes))
        rest = sorted(
            set(p)
            - {
                "Handler",
                "Runtime",
                "Timeout",
                "MemorySize",
                "Description",
                "FunctionName",
                "Architectures",
                "Tracing",
                "TracingConfig",
                "EphemeralStorage",
                "ReservedConcurrentExecutions",
                "Environment",
                "Layers",
                "Policies",
                "Role",
                "Code",
                "CodeUri",
                "InlineCode",
                "PackageType",
                "ImageUri",
            }
        )
        if rest:
            self.report.add(lid, kind, "ignored", "not read: " + ", ".join(rest))
        return info

    def _layers(self, lid: str, kind: str, layers: Any) -> list[str]:
        out = []
        for i, layer in enumerate(layers or []):
            if (
                isinstance(layer, str)
                and "\x00" not in layer
                and re.match(
                    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$", layer
                )
            ):
                out.append(layer)
            else:
                self.report.add(
                    lid,
                    kind,
                    "ignored",
                    f"Layers[{i}] is not a layer version ARN wsnb can keep (a layer built in the template); its code is not on the local path",
                )
        return out

    def _env_value(self, lid: str, kind: str, name: str, value: Any) -> Any:
        where = f"{lid}.Properties.Environment.Variables.{name}"
        if value is NO_VALUE or value is None:
            return ""
        if isinstance(value, (dict, list)):
            raise TemplateError(
                f"{where}: an environment value must be a string.", given=value, path=where
            )
        if not isinstance(value, str):
            return str(value).lower() if isinstance(value, bool) else str(value)
        found = markers(value)
        if not found:
            res = self._names.get(value) or self._resource_by_name(value)
            if res is not None:
                return self._attr_ref(res, "Ref", value)
            return value
        whole = len(found) == 1 and value == f"\x00{found[0][0]}.{found[0][1]}\x00"
        if whole:
            lid2, attr = found[0]
            res = self._resource(lid2)
            if res is not None:
                return self._attr_ref(res, attr, value)

        def literal(lid2: str, attr: str) -> str:
            res = self._resource(lid2)
            if res is not None:
                return str(self._attr_ref(res, attr, ""))
            text = self._fake(lid2, attr)
            self.report.add(
                lid,
                kind,
                "approximated",
                f"Environment.{name}: {lid2}.{attr} has no local value; set to {text!r}",
            )
            return text

        return strip_markers(value, literal)

    def _fake(self, lid: str, attr: str) -> str:
        region, account = self.ev.pseudo["AWS::Region"], self.ev.pseudo["AWS::AccountId"]
        t = self.type_of(lid)
        if t in FUNCTION_TYPES:
            name = self._function_name(lid) or lid
            return f"arn:aws:lambda:{region}:{account}:function:{name}" if attr == "Arn" else name
        if lid == self.api_logical:
            return "local" if attr in ("Ref", "ApiId") else f"ws://127.0.0.1/{lid}"
        return f"arn:aws:local:{region}:{account}:{lid}" if attr.endswith("Arn") else lid

    def _attr_ref(self, res: Resource, attr: str, text: str) -> Any:
        if isinstance(res, Table):
            return Ref(res, {"Arn": "table_arn", "StreamArn": "stream_arn"}.get(attr, "table_name"))
        if isinstance(res, Bucket):
            return Ref(res, "bucket_arn" if attr == "Arn" else "bucket_name")
        if isinstance(res, Parameter):
            return res.value if attr == "Value" else Ref(res, "parameter_name")
        return text

    def _resource_by_name(self, name: str) -> Resource | None:
        """A table/bucket/SSM parameter of the template whose physical name is ``name``."""
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") not in (
                *TABLE_TYPES,
                BUCKET_TYPE,
                SSM_TYPE,
            ):
                continue
            p = res.get("Properties") or {}
            key = {"AWS::S3::Bucket": "BucketName", SSM_TYPE: "Name"}.get(res["Type"], "TableName")
            if key in p and self.active(lid) and self.props(lid).get(key) == name:
                return self._resource(lid)
        return None

    def _resource(self, lid: str) -> Resource | None:
        """The wsnb Table/Bucket/Parameter for a template resource (None for other types)."""
        if lid in self._resources:
            return self._resources[lid]
        t = self.type_of(lid)
        if t not in (*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE):
            return None
        self._used.add(lid)
        p = self.props(lid)
        rid = re.sub(r"[^A-Za-z0-9_-]", "", lid)[:64]
        res: Resource
        if t == "AWS::DynamoDB::Table":
            fields = {
                a["AttributeName"]: _DYNAMO_TYPES.get(a.get("AttributeType"), "string")
                for a in p.get("AttributeDefinitions") or []
            }
            primary = _key_schema(p.get("KeySchema"), f"{lid}.Properties.KeySchema")
            gsi = {
                g["IndexName"]: _key_schema(
                    g.get("KeySchema"), f"{lid}.Properties.GlobalSecondaryIndexes"
                )
                for g in p.get("GlobalSecondaryIndexes") or []
            }
            for idx in [primary, *gsi.values()]:
                for f in idx.values():
                    fields.setdefault(f, "string")
            kwargs = {"fields": fields, "primary_index": primary, "global_indexes": gsi or None}
            name = p.get("TableName")
            notes = "KeySchema, AttributeDefinitions" + (", GlobalSecondaryIndexes" if gsi else "")
            skipped = sorted(
                set(p)
                - {"TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes"}
            )
        elif t == "AWS::Serverless::SimpleTable":
            pk = p.get("PrimaryKey") or {"Name": "id", "Type": "String"}
            kwargs = {
                "fields": {pk["Name"]: _SIMPLE_TYPES.get(pk.get("Type"), "string")},
                "primary_index": {"partition_key": pk["Name"]},
            }
            name = p.get("TableName")
            notes = "PrimaryKey"
            skipped = sorted(set(p) - {"TableName", "PrimaryKey"})
        elif t == BUCKET_TYPE:
            name = p.get("BucketName")
            kwargs = {}
            notes = "bucket"
            skipped = sorted(set(p) - {"BucketName"})
        else:
            name, value = p.get("Name"), p.get("Value")
            if not isinstance(value, str):
                value = str(value)
            pid = re.sub(r"[^A-Za-z0-9_]", "_", lid)[:128]
            if not isinstance(name, str) or "\x00" in name:
                name = f"/local/{lid}"
                self.report.add(
                    lid, t, "approximated", f"no literal Name: stored locally as {name}"
                )
            res = NamedParameter(pid, strip_markers(value, self._fake), physical_name=name)
            self.report.add(
                lid, t, "read", f"SSM parameter {name} (stored in local SSM with its Value)"
            )
            self._resources[lid] = res
            self._names[name] = res
            return res
        if isinstance(name, str) and "\x00" not in name:
            if t == BUCKET_TYPE:
                res = NamedBucket(rid, physical_name=name)
            else:
                res = NamedTable(rid, physical_name=name, **kwargs)
            self._names[name] = res
            note = f"{notes}; physical name {name!r} kept"
        else:
            res = Bucket(rid) if t == BUCKET_TYPE else Table(rid, **kwargs)
            note = f"{notes}; no fixed name: the stage's generated name <stage>-<app>-{rid} is used"
        self.report.add(lid, t, "read", note)
        if skipped:
            self.report.add(lid, t, "ignored", "not read: " + ", ".join(skipped))
        self._resources[lid] = res
        return res

    # ------------------------------------------------------------------ permissions

    def _permissions(self, lid: str, kind: str, p: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        policies = p.get("Policies")
        if policies is not None:
            if not isinstance(policies, list):
                policies = [policies]
            for i, pol in enumerate(policies):
                out.extend(self._policy(lid, kind, pol, f"Policies[{i}]"))
        role = p.get("Role")
        role_lids = [r for r, _ in markers(role) if self.type_of(r) == "AWS::IAM::Role"]
        if role_lids:
            out.extend(self._role(lid, kind, role_lids[0]))
        elif isinstance(role, str) and role:
            self.report.add(
                lid,
                kind,
                "approximated",
                "Role is an existing role ARN: wsnb generates the function's role instead",
            )
        uniq: list[Any] = []
        for item in out:
            if item not in uniq:
                uniq.append(item)
        return uniq

    def _policy(self, lid: str, kind: str, pol: Any, where: str) -> list[Any]:
        if isinstance(pol, str):
            name = pol.rsplit("/", 1)[-1]
            if name in (
                "AWSLambdaBasicExecutionRole",
                "AWSLambdaVPCAccessExecutionRole",
                "AWSXrayWriteOnlyAccess",
            ):
                self.report.add(
                    lid, kind, "read", f"{where}: {name} (wsnb's function role already has it)"
                )
                return []
            m = re.match(r"^Amazon([A-Za-z0-9]+?)(FullAccess|ReadOnlyAccess)$", name)
            if m:
                service = {
                    "DynamoDB": "dynamodb",
                    "S3": "s3",
                    "SSM": "ssm",
                    "SQS": "sqs",
                    "SNS": "sns",
                }.get(m[1], m[1].lower())
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: managed policy {name} read as permission {service!r}",
                )
                return [service]
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: managed policy {name} has no wsnb equivalent; synth() does not include it",
            )
            return []
        if isinstance(pol, dict) and "Statement" in pol:
            return self._statements(lid, kind, pol["Statement"], where)
        if isinstance(pol, dict) and len(pol) == 1:
            ((tpl, args),) = pol.items()
            args = args if isinstance(args, dict) else {}
            if tpl in (
                "DynamoDBCrudPolicy",
                "DynamoDBReadPolicy",
                "DynamoDBWritePolicy",
                "DynamoDBReconfigurePolicy",
            ):
                table = self._policy_target(args.get("TableName"), TABLE_TYPES)
                if table is None:
                    self.report.add(
                        lid,
                        kind,
                        "ignored",
                        f"{where}: {tpl} names table {args.get('TableName')!r}, which the template does not define",
                    )
                    return []
                status = "read" if tpl == "DynamoDBCrudPolicy" else "approximated"
                self.report.add(
                    lid,
                    kind,
                    status,
                    f"{where}: SAM {tpl} → least-privilege read/write grant on Table {table.id}"
                    + ("" if status == "read" else " (wsnb grants read and write)"),
                )
                return [table]
            if tpl in ("S3CrudPolicy", "S3ReadPolicy", "S3WritePolicy", "S3FullAccessPolicy"):
                bucket = self._policy_target(args.get("BucketName"), (BUCKET_TYPE,))
                if bucket is None:
                    self.report.add(
                        lid,
                        kind,
                        "ignored",
                        f"{where}: {tpl} names a bucket the template does not define",
                    )
                    return []
                self.report.add(
                    lid,
                    kind,
                    "read" if tpl == "S3CrudPolicy" else "approximated",
                    f"{where}: SAM {tpl} → read/write grant on Bucket {bucket.id}",
                )
                return [bucket]
            if tpl == "SSMParameterReadPolicy":
                pname = str(args.get("ParameterName", "*")).lstrip("/")
                region, account = self.ev.pseudo["AWS::Region"], self.ev.pseudo["AWS::AccountId"]
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{where}: SAM SSMParameterReadPolicy → ssm:GetParameter(s) on {pname}",
                )
                return [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ssm:DescribeParameters",
                            "ssm:GetParameters",
                            "ssm:GetParameter",
                            "ssm:GetParametersByPath",
                        ],
                        "Resource": f"arn:aws:ssm:{region}:{account}:parameter/{pname}",
                    }
                ]
            if tpl == "AWSLambdaBasicExecutionRole":
                return []
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: SAM policy template {tpl} has no wsnb equivalent; synth() does not include it",
            )
            return []
        self.report.add(lid, kind, "ignored", f"{where}: policy of an unknown form")
        return []

    def _policy_target(self, value: Any, types: tuple[str, ...]) -> Resource | None:
        for lid2, _ in markers(value):
            if self.type_of(lid2) in types:
                return self._resource(lid2)
        if isinstance(value, str):
            res = self._resource_by_name(value)
            if res is not None:
                return res
        return None

    def _role(self, lid: str, kind: str, role_lid: str) -> list[Any]:
        self._used.add(role_lid)
        out: list[Any] = []
        rp = self.props(role_lid)
        for i, pol in enumerate(rp.get("Policies") or []):
            doc = (pol or {}).get("PolicyDocument") or {}
            out.extend(
                self._statements(
                    lid, kind, doc.get("Statement") or [], f"Role {role_lid}.Policies[{i}]"
                )
            )
        for arn in rp.get("ManagedPolicyArns") or []:
            if isinstance(arn, str):
                out.extend(self._policy(lid, kind, arn, f"Role {role_lid}.ManagedPolicyArns"))
        # stand-alone AWS::IAM::Policy resources attached to this role (what CDK writes)
        for plid, res in self.raw.items():
            if isinstance(res, dict) and res.get("Type") == "AWS::IAM::Policy":
                pp = self.props(plid)
                if any(r == role_lid for role in pp.get("Roles") or [] for r, _ in markers(role)):
                    self._used.add(plid)
                    doc = pp.get("PolicyDocument") or {}
                    out.extend(
                        self._statements(lid, kind, doc.get("Statement") or [], f"Policy {plid}")
                    )
        self.report.add(
            role_lid,
            "AWS::IAM::Role",
            "approximated",
            f"the role of {lid}: wsnb generates the role; its grants are read as permissions",
        )
        return out

    def _statements(self, lid: str, kind: str, statements: Any, where: str) -> list[Any]:
        if isinstance(statements, dict):
            statements = [statements]
        out: list[Any] = []
        for st in statements or []:
            if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
                continue
            actions = st.get("Action") or []
            actions = [actions] if isinstance(actions, str) else list(actions)
            resources = st.get("Resource") or []
            resources = [resources] if isinstance(resources, str) else list(resources)
            if actions and all(a.startswith(("execute-api:", "xray:", "logs:")) for a in actions):
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{where}: {', '.join(actions)} (wsnb grants connection management, tracing and logs to every function)",
                )
                continue  # wsnb grants connection management, tracing and logs itself
            targets = []
            for r in resources:
                for rlid, _ in markers(r):
                    res = self._resource(rlid)
                    if res is not None and not isinstance(res, Parameter) and res not in targets:
                        targets.append(res)
            if targets and all(a.split(":")[0] in ("dynamodb", "s3") for a in actions):
                out.extend(targets)
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: {len(actions)} action(s) on {', '.join(t.id for t in targets)} read as wsnb's least-privilege grant",
                )
                continue
            literal = [r for r in resources if isinstance(r, str) and "\x00" not in r]
            if len(literal) != len(resources):
                literal = [strip_markers(r, self._fake) for r in resources if isinstance(r, str)]
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: a statement resource refers to a template resource; placeholder ARNs are used",
                )
            out.append({"Effect": "Allow", "Action": actions, "Resource": literal or "*"})
        return out

    # ------------------------------------------------------------------ code

    def _code_source(
        self, lid: str, kind: str, p: dict[str, Any], handler: str, runtime: str
    ) -> tuple[Path | None, str | None]:
        """(folder holding the code, inline source) for a function."""
        where = f"{lid}.Properties"
        base = self.loaded.base_dir
        meta = self.raw[lid].get("Metadata") or {}
        asset = meta.get("aws:asset:path")
        if runtime == "image":
            return None, None
        if kind == SAM_FUNCTION:
            if isinstance(p.get("InlineCode"), str):
                return None, p["InlineCode"]
            code = p.get("CodeUri")
            prop = "CodeUri"
        else:
            code = p.get("Code")
            prop = "Code"
            if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
                return None, code["ZipFile"]
        if not isinstance(asset, str) and isinstance(code, dict):
            asset = self._assembly_asset(code.get("S3Key"))
        if isinstance(asset, str):
            folder = (base / asset).resolve()
            prop = "Metadata.aws:asset:path"
        elif isinstance(code, str) and "\x00" not in code and not code.startswith("s3://"):
            folder = (base / code).resolve()
        elif code is None and kind == SAM_FUNCTION:
            folder = base
        else:
            raise TemplateError(
                f"{where}.{prop}: the code is in S3 or built elsewhere, so it cannot run locally.",
                given=code,
                allowed="a local folder (CodeUri: src/), inline code (ZipFile/InlineCode), or a cdk.out asset",
                fix="point CodeUri/Code at the local source folder (the template before `sam package`)",
                path=f"{where}.{prop}",
            )
        where = f"{where}.{prop}"
        if folder.is_file() and folder.suffix == ".zip":
            folder = self._unzip(lid, folder)
        if not folder.is_dir():
            raise TemplateError(
                f"{where}: code path {str(folder)!r} does not exist.",
                given=str(code if not isinstance(asset, str) else asset),
                fix=f"create it, or pass base_dir= (code paths resolve from {base})",
                path=where,
            )
        if runtime.startswith("python"):
            module, _ = _split_handler(handler)
            if (
                not (folder / (module.replace(".", "/") + ".py")).is_file()
                and not (folder / (module + ".py")).is_file()
            ):
                raise TemplateError(
                    f"{lid}.Properties.Handler: {handler!r} names {module.replace('.', '/')}.py, which is not in {folder}.",
                    given=handler,
                    fix="check Handler and CodeUri/Code",
                    path=f"{lid}.Properties.Handler",
                )
        return folder, None

    def _assembly_asset(self, key: Any) -> str | None:
        """The cdk.out folder of a Lambda asset whose S3 object key is ``key``
        (``<hash>.zip``): from the stacks' ``*.assets.json`` manifests, else ``asset.<hash>``."""
        if not self.loaded.assembly or not isinstance(key, str) or "\x00" in key:
            return None
        import json

        base = self.loaded.base_dir
        for manifest in sorted(base.glob("*.assets.json")):
            try:
                files = json.loads(manifest.read_text(encoding="utf-8")).get("files") or {}
            except ValueError:
                continue
            for entry in files.values():
                dests = (entry.get("destinations") or {}).values()
                if any(d.get("objectKey") == key for d in dests):
                    path = (entry.get("source") or {}).get("path")
                    if isinstance(path, str):
                        return path
        stem = key.rsplit("/", 1)[-1].removesuffix(".zip")
        return f"asset.{stem}" if (base / f"asset.{stem}").is_dir() else None

    def _unzip(self, lid: str, archive: Path) -> Path:
        import zipfile

        target = self._tempdir() / f"{lid}.unzipped"
        if not target.is_dir():
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    dest = (target / member).resolve()
                    if target.resolve() not in dest.parents and dest != target.resolve():
                        raise TemplateError(
                            f"{lid}: the code archive has an entry outside itself.", given=member
                        )
                zf.extractall(target)
        self.report.add(
            lid,
            self.type_of(lid),
            "approximated",
            f"code archive {archive.name} unpacked to a private folder",
        )
        return target

    def _tempdir(self) -> Path:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="wsnb-template-"))
            atexit.register(shutil.rmtree, self._temp, True)  # private: gone with the process
            os.chmod(self._temp, 0o700)
        return self._temp

    def _root(self) -> Path:
        """The folder every handler path is relative to.

        The template's folder (``base_dir``) when every code folder is inside it with
        handler-friendly names; otherwise a private temp folder holding a link per function
        to its code folder and the files of inline code."""
        base = self.loaded.base_dir

        def ok(folder: Path | None) -> bool:
            if folder is None:
                return False
            try:
                rel = folder.relative_to(base)
            except ValueError:
                return False
            return all(_SEGMENT.match(s) for s in rel.parts)

        code = {lid: c for lid, c in self._code.items() if c != (None, None)}
        if all(inline is None and ok(folder) for folder, inline in code.values()):
            return base
        root = self._tempdir()
        for lid, (folder, inline) in code.items():
            link = root / lid
            if link.exists() or link.is_symlink():
                continue
            if inline is not None:
                link.mkdir()
                info = self._functions[lid]
                module, _ = _split_handler(info.props["handler"])
                suffix = ".py" if info.runtime.startswith("python") else ".js"
                (link / (module.replace(".", "/") + suffix)).write_text(inline, encoding="utf-8")
                self.report.add(
                    lid,
                    self.type_of(lid),
                    "read",
                    f"inline code written to a private folder ({link})",
                )
            else:
                try:
                    link.symlink_to(folder, target_is_directory=True)
                except OSError:
                    shutil.copytree(folder, link)
        return root

    def _finish_function(self, lid: str, root: Path) -> dict[str, Any]:
        info = self._functions[lid]
        props = dict(info.props)
        module, func = _split_handler(props.pop("handler"))
        folder, _inline = self._code.get(lid, (None, None))
        if root == self.loaded.base_dir and folder is not None:
            rel = folder.relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
        else:
            prefix = f"{lid}/"
        text = f"{prefix}{module.replace('.', '/')}.{func}"
        if not info.runtime.startswith("python"):
            text = f"{prefix}{re.sub(r'[^A-Za-z0-9_/.-]', '_', module)}.{re.sub(r'[^A-Za-z0-9_]', '_', func) or 'handler'}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HandlerFileWarning)
            from ..model._handlers import parse_handler

            try:
                handler = parse_handler(text, f"{lid}.Properties.Handler", check_file=False)
            except WsnbError as exc:
                raise TemplateError(
                    f"{lid}.Properties.Handler: {text!r} is not a handler wsnb can run ({exc.message})",
                    given=text,
                    path=f"{lid}.Properties.Handler",
                ) from None
        if not info.runtime.startswith("python"):
            handler = ForeignHandler(
                handler.text, runtime=info.runtime or "unknown", logical_id=lid
            )
        props["handler"] = handler
        return props

    # ------------------------------------------------------------------ the rest

    def _report_rest(self) -> None:
        for lid, res in self.raw.items():
            if lid in self._used or not isinstance(res, dict):
                continue
            t = res.get("Type", "?")
            if lid in self._resources:
                continue
            if t in _IGNORED_QUIETLY:
                self.report.add(lid, t, "ignored", _IGNORED_QUIETLY[t])
            elif t in FUNCTION_TYPES:
                self.report.add(lid, t, "ignored", "no route or authorizer of this API uses it")
            elif t in (*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE):
                self.report.add(lid, t, "ignored", "no function of this API refers to it")
            elif t == API_TYPE:
                self.report.add(lid, t, "ignored", "another API (pick it with api=...)")
            elif t.startswith("AWS::ApiGatewayV2::") and not self._refers_to_api(
                self.props(lid).get("ApiId", "")
            ):
                self.report.add(lid, t, "ignored", "belongs to another API")
            else:
                self.report.add(lid, t, "ignored", "not part of what wsnb models")


def _merge_globals(globals_: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (the function wins), lists and scalars are replaced."""
    out = dict(globals_)
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_globals(out[key], value)
        else:
            out[key] = value
    return out


def _key_schema(schema: Any, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in schema or []:
        if not isinstance(item, dict) or "AttributeName" not in item:
            continue
        out["partition_key" if item.get("KeyType") == "HASH" else "sort_key"] = item[
            "AttributeName"
        ]
    if "partition_key" not in out:
        raise TemplateError(f"{where}: the key schema has no HASH key.", given=schema, path=where)
    return out


def _split_handler(handler: str) -> tuple[str, str]:
    if "." not in handler:
        return handler, "handler"
    module, func = handler.rsplit(".", 1)
    return module, func


def local_python() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"
