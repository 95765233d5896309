"""From one CloudFormation/SAM template to the arguments of a ``WebSocketApi``.

:class:`Reader` picks the ``AWS::ApiGatewayV2::Api``, follows its routes to integrations and
Lambda functions, reads functions (plain and SAM, with ``Globals``), the tables, buckets and SSM
parameters they refer to, the authorizer, stage and domain — and records in a
:class:`~._report.TemplateReport` what it read, approximated or ignored, resource by resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import TemplateError
from ..model import Resource
from . import _shapes as shapes
from ._functions import FunctionsMixin
from ._intrinsics import Evaluator, markers, strip_markers
from ._kinds import (
    API_TYPE,
    BUCKET_TYPE,
    FUNCTION_TYPES,
    LAMBDA,
    SAM_FUNCTION,
    SSM_TYPE,
    TABLE_TYPES,
    FunctionInfo,
)
from ._load import Loaded
from ._policies import PoliciesMixin
from ._report import TemplateReport
from ._resources import ResourcesMixin

_FUNCTION_ARN = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]*:\d*:function:([A-Za-z0-9_-]+)")
_API_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_IGNORED_QUIETLY = {
    "AWS::Lambda::Permission": "API Gateway's invoke permission; wsnb grants it per route",
    "AWS::ApiGatewayV2::Deployment": "deployments are implicit locally (wsnb synth uses AutoDeploy)",
    "AWS::Logs::LogGroup": "the stage's access log group (read with the stage when it is the destination)",
    "AWS::CDK::Metadata": "CDK's version-reporting metadata",
}
_DEFAULT_RSE = _facts.ROUTE_SELECTION_EXPRESSION


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
    region: str = "us-east-1"
    account: str = "123456789012"
    url_suffix: str = "amazonaws.com"


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


class ApiChoiceError(TemplateError):
    """The template holds no WebSocket API, several (and none was picked), or not the one asked
    for: what to load is unclear, the template itself may be fine."""


def pick_api(loaded: list[Loaded], api: str | None) -> tuple[Loaded, str]:
    found = find_apis(loaded)
    names = [logical for _, logical in found]
    where = loaded[0].origin if len(loaded) == 1 else "the cloud assembly"
    if api is not None:
        for item, logical in found:
            if logical == api:
                return item, logical
        raise ApiChoiceError(
            f"{where} has no WebSocket API with logical id {api!r}"
            + (f" (it has {', '.join(names)})." if names else "."),
            given=api,
            allowed=", ".join(names) or "(no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET)",
            fix=f"api={names[0]!r} (CLI: FILE:{names[0]})"
            if names
            else "load a template that defines a WebSocket API",
        )
    if not found:
        raise ApiChoiceError(
            f"{where} defines no WebSocket API (no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET).",
            given=where,
            fix="load the template of a WebSocket API (HTTP and REST APIs are not read)",
        )
    if len(found) > 1:
        raise ApiChoiceError(
            f"{where} defines {len(found)} WebSocket APIs ({', '.join(names)}); "
            "say which one to load.",
            given=names,
            allowed=", ".join(names),
            fix=f"WebSocketApi.from_template(..., api={names[0]!r})  or  TARGET FILE:{names[0]}",
        )
    return found[0]


def _parameter_text(value: Any, where: str, kind: str) -> str:
    """A parameter value as CloudFormation passes it: a string (numbers and booleans written
    out)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    raise shapes.shape_error(where, value, f"a value for a {kind} parameter (a string or number)")


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
        where = f"Parameters.{name}"
        if name in given:
            value = given[name]
        elif "Default" in decl:
            value = decl["Default"]
            where = f"{where}.Default"
        else:
            raise TemplateError(
                f"Parameters.{name}: the parameter has no Default and no value was given.",
                given=name,
                fix=f"WebSocketApi.from_template(..., parameters={{{name!r}: '...'}})  or  --parameter {name}=...",
                path=f"Parameters.{name}",
            )
        kind = shapes.text(decl.get("Type", "String"), f"Parameters.{name}.Type")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if not isinstance(value, list):
                value = _parameter_text(value, where, kind).split(",")
            value = [_parameter_text(v, f"{where}[{i}]", kind).strip() for i, v in enumerate(value)]
        else:
            value = _parameter_text(value, where, kind)
            if kind == "Number":
                shapes.number(value, where)
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


class Reader(FunctionsMixin, ResourcesMixin, PoliciesMixin):
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
        self._role_seen_by: dict[str, set[str]] = {}  # function -> wsnb-role actions it had
        self.reading: list[str] = []  # the resource being read (innermost last)

    # ------------------------------------------------------------------ basics

    def type_of(self, logical: str) -> str:
        res = self.raw.get(logical)
        return res.get("Type", "?") if isinstance(res, dict) else "?"

    def active(self, logical: str) -> bool:
        res = self.raw.get(logical) or {}
        cond = res.get("Condition")
        return True if cond is None else self.ev.condition(cond, f"{logical}.Condition")

    def _surely_active(self, logical: str) -> bool:
        """``active``, for a resource this API does not use: a Condition that cannot be
        evaluated counts as true (the resource is reported, not an error)."""
        try:
            return self.active(logical)
        except TemplateError:
            return True

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
            where = f"{logical}.Properties"
            self._props[logical] = shapes.mapping(self.ev.value(raw, where), where)
            shapes.check_properties(res.get("Type"), self._props[logical], where)
        return self._props[logical]

    def _sam_globals(self) -> dict[str, Any]:
        return (self.template.get("Globals") or {}).get("Function") or {}  # checked at load

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
        self.reading[:] = [self.api_logical]
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
        self._report_role_additions(set(route_functions.values()))
        root = self._root()
        uses = self._shared_functions(route_functions, auth)
        for key, value in routes.items():
            value["function"] = self._finish_function(
                value["function"], root, keep_name=uses[value["function"]][0] == key
            )
        if auth is not None and not isinstance(auth, str):
            auth["function"] = self._finish_function(
                auth["function"], root, keep_name=uses[auth["function"]][0] == "authorizer"
            )
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
            region=self.ev.pseudo["AWS::Region"],
            account=self.ev.pseudo["AWS::AccountId"],
            url_suffix=self.ev.pseudo["AWS::URLSuffix"],
        )

    def _shared_functions(self, route_functions: dict[str, str], auth: Any) -> dict[str, list[str]]:
        """Which routes (and ``"authorizer"``) each function serves, in route order.

        wsnb's model gives every route its own function (synth makes one Lambda per route), so
        a function serving several routes becomes one function per route with the same code
        and settings. A ``FunctionName`` stays on the first route's function only (Lambda
        names are unique per account and region; the others get wsnb's generated names)."""
        uses: dict[str, list[str]] = {}
        for key, lid in route_functions.items():
            uses.setdefault(lid, []).append(key)
        if auth is not None and not isinstance(auth, str):
            uses.setdefault(auth["function"], []).append("authorizer")
        for lid, users in uses.items():
            if len(users) < 2:
                continue
            shown = ", ".join(users)
            note = (
                f"serves {shown}: wsnb makes one function per route (same code and settings; "
                "each has its own module state locally)"
            )
            name = self._functions[lid].props.get("function_name")
            if name is not None:
                note += (
                    f"; FunctionName {name!r} is kept on {users[0]}'s function only, "
                    "the others get wsnb's generated names (Lambda names are unique)"
                )
            if self._functions[lid].props.get("reserved_concurrent_executions") is not None:
                note += "; ReservedConcurrentExecutions applies to each of them"
            self.report.add(lid, self.type_of(lid), "approximated", note)
        return uses

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
            self.reading[:] = [lid]
            if not self._refers_to_api(self.props(lid).get("ApiId")):
                continue
            self._used.add(lid)
            if not self.active(lid):
                self.report.add(
                    lid,
                    "AWS::ApiGatewayV2::Route",
                    "ignored",
                    "its Condition is false",
                    change=None,  # not deployed by the template either
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
            self.reading[:] = [lid]
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

    @shapes.reads
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

    @shapes.reads
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
        shapes.texts(sources, f"{lid}.Properties.IdentitySource")
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
        self.reading[:] = [lid]
        p = self.props(lid)
        name = shapes.text(p.get("StageName", "dev"), f"{lid}.Properties.StageName", literal=True)
        cdk: dict[str, Any] = {"stage_name": name}
        notes = [f"StageName {name!r}"]
        if isinstance(p.get("AutoDeploy"), bool):
            cdk["auto_deploy"] = p["AutoDeploy"]
        if isinstance(p.get("Description"), str):
            cdk["description"] = p["Description"][:1024]
        here = f"{lid}.Properties.DefaultRouteSettings"
        routes_default = shapes.mapping(p.get("DefaultRouteSettings"), here)
        throttle: dict[str, Any] = {}
        if "ThrottlingRateLimit" in routes_default:
            throttle["rate_limit"] = shapes.number(
                routes_default["ThrottlingRateLimit"], f"{here}.ThrottlingRateLimit"
            )
        if "ThrottlingBurstLimit" in routes_default:
            throttle["burst_limit"] = shapes.integer(
                routes_default["ThrottlingBurstLimit"], f"{here}.ThrottlingBurstLimit"
            )
        if throttle:
            cdk["throttle"] = throttle
            notes.append("throttling")
        if isinstance(routes_default.get("DetailedMetricsEnabled"), bool):
            cdk["detailed_metrics_enabled"] = routes_default["DetailedMetricsEnabled"]
        access_log: Any = False
        settings = p.get("AccessLogSettings")
        if settings is not None:
            where = f"{lid}.Properties.AccessLogSettings"
            access_log = self._access_log(lid, shapes.mapping(settings, where, optional=False))
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
            group = self.props(groups[0])
            days = group.get("RetentionInDays")
            kept = days is None
            if days is not None:
                days = shapes.integer(days, f"{groups[0]}.Properties.RetentionInDays")
                names = {v: k for k, v in _facts.RETENTION_DAYS.items()}
                if int(days) in names:
                    out["retention"] = names[int(days)]
                    kept = True
            # wsnb names its group /aws/vendedlogs/apis/<stage>-<app>-<id>-<apiId>/<stage>: a
            # fixed name, other properties or a retention it cannot express differ from that
            name = group.get("LogGroupName")
            fixed = isinstance(name, str) and "\x00" not in name
            rest = sorted(set(group) - {"LogGroupName", "RetentionInDays"})
            lost = ([f"its name {name!r}"] if fixed else []) + (
                [] if kept else [f"RetentionInDays {days}"]
            )
            self.report.add(
                groups[0],
                "AWS::Logs::LogGroup",
                "approximated",
                "the access log's group: wsnb creates its own log group (retention kept)"
                + (f"; {', '.join(lost)} not kept" if lost else "")
                + (f"; not read: {', '.join(rest)}" if rest else ""),
                change="setting" if lost or rest else None,
            )
        elif isinstance(dest, str) and "\x00" not in dest:
            out["destination_arn"] = dest
        return out or True

    def _domain(self) -> Any:
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ApiGatewayV2::ApiMapping":
                continue
            self.reading[:] = [lid]
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
                configs = shapes.mappings(
                    dp.get("DomainNameConfigurations"),
                    f"{dom_lids[0]}.Properties.DomainNameConfigurations",
                )
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
                    change="value" if approx else None,  # records: reported on their own
                )
            else:
                self.report.add(
                    lid,
                    "AWS::ApiGatewayV2::ApiMapping",
                    "approximated",
                    f"the domain {name} is not defined in this template; synth()/export() "
                    "create an AWS::ApiGatewayV2::DomainName for it"
                    + (" with a placeholder certificate ARN" if approx else ""),
                    change="value" if approx else "setting",
                )
            return out
        return None

    # ------------------------------------------------------------------ the rest

    def _report_rest(self) -> None:
        for lid, res in self.raw.items():
            if lid in self._used or not isinstance(res, dict):
                continue
            self.reading[:] = [lid]
            t = res.get("Type", "?")
            if lid in self._resources:
                continue
            if t in _IGNORED_QUIETLY:  # wsnb makes its own
                self.report.add(lid, t, "ignored", _IGNORED_QUIETLY[t], change=None)
                continue
            if not self._surely_active(lid):
                self.report.add(lid, t, "ignored", "its Condition is false", change=None)
                continue
            if t in FUNCTION_TYPES:
                note = "no route or authorizer of this API uses it"
            elif t in (*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE):
                note = "no function of this API refers to it"
            elif t == API_TYPE:
                note = "another API (pick it with api=...)"
            elif t.startswith("AWS::ApiGatewayV2::") and not self._refers_to_api(
                self.props(lid).get("ApiId", "")
            ):
                note = "belongs to another API"
            else:
                note = "not part of what wsnb models"
            self.report.add(lid, t, "ignored", note, change="resource")


def _merge_globals(globals_: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (the function wins), lists and scalars are replaced."""
    out = dict(globals_)
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_globals(out[key], value)
        else:
            out[key] = value
    return out
