"""From one CloudFormation/SAM template to the arguments of a ``WebSocketApi``.

:func:`read_api` reads the ``AWS::ApiGatewayV2::Api`` and, through one read function per
resource type (each taking the :class:`~._context.ReadContext`), its routes, integrations and
Lambda functions (:mod:`._routes`, :mod:`._functions`), the tables, buckets and SSM parameters
they refer to (:mod:`._resources`), their permissions (:mod:`._policies`), the authorizer, stage
and domain (:mod:`._stage`, :mod:`._domain`) — and records in a
:class:`~._report.TemplateReport` what it read, approximated or ignored, resource by resource.
:class:`Reader` is the two-step entry point ``from_template`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _facts
from ._code import finish_function, handler_root
from ._context import ReadContext
from ._domain import read_domain
from ._kinds import API_TYPE, BUCKET_TYPE, FUNCTION_TYPES, SSM_TYPE, TABLE_TYPES
from ._load import Loaded
from ._parameters import template_parameters
from ._pick import ApiChoiceError, find_apis, pick_api, wsnb_api_id
from ._policies import report_role_additions
from ._report import TemplateReport
from ._routes import read_routes
from ._stage import read_stage
from ._template import Template

__all__ = [
    "ApiChoiceError",
    "ReadResult",
    "Reader",
    "find_apis",
    "pick_api",
    "read_api",
    "template_parameters",
]

_IGNORED_QUIETLY = {
    "AWS::Lambda::Permission": "API Gateway's invoke permission; wsnb grants it per route",
    "AWS::ApiGatewayV2::Deployment": "deployments are implicit locally (wsnb synth uses AutoDeploy)",
    "AWS::Logs::LogGroup": "the stage's access log group (read with the stage when it is the destination)",
    "AWS::CDK::Metadata": "CDK's version-reporting metadata",
}
_DEFAULT_RSE = _facts.ROUTE_SELECTION_EXPRESSION
_API_PROPERTIES = ("RouteSelectionExpression", "Name", "Description")


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
    route_ids: dict[str, str] = field(default_factory=dict)  # route key -> Route logical id
    #: route key -> the logical id of its AWS::ApiGatewayV2::Integration
    route_integrations: dict[str, str] = field(default_factory=dict)
    temp_dir: str | None = None
    region: str = "us-east-1"
    account: str = "123456789012"
    url_suffix: str = "amazonaws.com"


class Reader:
    """Reads one WebSocket API out of one template, in two steps: making it reads the
    template's Parameters (their errors are the caller's), :meth:`read` reads the API.
    ``reading`` names the resource being read (innermost last) if reading fails."""

    def __init__(
        self,
        loaded: Loaded,
        api_logical: str,
        *,
        parameters: dict[str, Any] | None,
        region: str | None,
        account: str | None,
    ) -> None:
        template = Template(loaded, parameters=parameters, region=region, account=account)
        self.context = ReadContext.start(template, api_logical)
        self.reading = self.context.reading

    @property
    def report(self) -> TemplateReport:
        return self.context.report

    def read(self) -> ReadResult:
        return read_api(self.context)


def read_api(context: ReadContext) -> ReadResult:
    """Read the API ``context.api`` and everything it uses."""
    cdk_api = _read_api_resource(context)
    read = read_routes(context)
    routes, route_functions, auth = read.routes, read.functions, read.authorizer
    stage_name, cdk_stage, access_log = read_stage(context)
    domain = read_domain(context)
    cdk: dict[str, Any] = {}
    if cdk_api:
        cdk["web_socket_api"] = cdk_api
    if cdk_stage:
        cdk["web_socket_stage"] = cdk_stage
    _report_rest(context)
    report_role_additions(context, set(route_functions.values()))
    root = handler_root(context)
    uses = _shared_functions(context, route_functions, auth)
    for key, value in routes.items():
        lid = value.pop("function", None)
        if lid is None:  # a mock, HTTP or AWS service integration: no function
            continue
        props = finish_function(context, lid, root, keep_name=uses[lid][0] == key)
        if "integration" in value:  # a non-proxy Lambda integration gets its function
            value["integration"] = value["integration"].with_function(props)
        else:
            value["function"] = props
    if auth is not None and not isinstance(auth, str):
        auth["function"] = finish_function(
            context, auth["function"], root, keep_name=uses[auth["function"]][0] == "authorizer"
        )
    return ReadResult(
        api_id=wsnb_api_id(context.template.resources, context.api),
        routes=routes,
        authorizer=auth,
        access_log=access_log,
        custom_domain=domain,
        cdk=cdk,
        root=root,
        stage=stage_name,
        report=context.report,
        runtimes={lid: f.runtime for lid, f in context.functions.items()},
        route_functions=route_functions,
        route_ids=read.route_ids,
        route_integrations=read.integrations,
        temp_dir=str(context.temp) if context.temp else None,
        region=context.region,
        account=context.account,
        url_suffix=context.url_suffix,
    )


def _read_api_resource(context: ReadContext) -> dict[str, Any]:
    """The ``AWS::ApiGatewayV2::Api`` itself: its CDK settings (name, description, route
    selection expression)."""
    lid = context.api
    context.reading[:] = [lid]
    api_props = context.template.props(lid)
    cdk_api: dict[str, Any] = {}
    rse = api_props.get("RouteSelectionExpression", _DEFAULT_RSE)
    if rse != _DEFAULT_RSE:
        cdk_api["route_selection_expression"] = str(rse)
    if isinstance(api_props.get("Name"), str) and "\x00" not in api_props["Name"]:
        cdk_api["api_name"] = api_props["Name"]
    if isinstance(api_props.get("Description"), str):
        cdk_api["description"] = api_props["Description"][:1024]
    notes = ["ProtocolType WEBSOCKET"] + [k for k in _API_PROPERTIES if k in api_props]
    skipped = sorted(set(api_props) - {"ProtocolType", *_API_PROPERTIES})
    context.report.add(lid, API_TYPE, "read", "read " + ", ".join(notes))
    if skipped:
        context.report.add(lid, API_TYPE, "ignored", "not read: " + ", ".join(skipped))
    return cdk_api


def _shared_functions(
    context: ReadContext, route_functions: dict[str, str], auth: Any
) -> dict[str, list[str]]:
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
        props = context.functions[lid].props
        name = props.get("function_name")
        if name is not None:
            note += (
                f"; FunctionName {name!r} is kept on {users[0]}'s function only, "
                "the others get wsnb's generated names (Lambda names are unique)"
            )
        if props.get("reserved_concurrent_executions") is not None:
            note += "; ReservedConcurrentExecutions applies to each of them"
        context.report.add(lid, context.template.type_of(lid), "approximated", note)
    return uses


def _report_rest(context: ReadContext) -> None:
    """Report every resource the API does not use as ignored, with why."""
    template = context.template
    for lid, res in template.resources.items():
        if lid in context.used or not isinstance(res, dict):
            continue
        context.reading[:] = [lid]
        t = res.get("Type", "?")
        if lid in context.wsnb_resources:
            continue
        if t in _IGNORED_QUIETLY:  # wsnb makes its own
            context.report.add(lid, t, "ignored", _IGNORED_QUIETLY[t], change=None)
            continue
        if not template.surely_active(lid):
            context.report.add(lid, t, "ignored", "its Condition is false", change=None)
            continue
        if t in FUNCTION_TYPES:
            note = "no route or authorizer of this API uses it"
        elif t in (*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE):
            note = "no function of this API refers to it"
        elif t == API_TYPE:
            note = "another API (pick it with api=...)"
        elif t.startswith("AWS::ApiGatewayV2::") and not context.refers_to_api(
            template.props(lid).get("ApiId", "")
        ):
            note = "belongs to another API"
        else:
            note = "not part of what wsnb models"
        context.report.add(lid, t, "ignored", note, change="resource")
