"""Reading the routes of the API: each ``AWS::ApiGatewayV2::Route``, its integration (an
``AWS_PROXY`` to a Lambda function), its route response, and the authorizer it names."""

from __future__ import annotations

from typing import Any

from .. import _facts
from .._errors import TemplateError
from . import _shapes as shapes
from ._context import ReadContext, reads
from ._functions import read_function
from ._intrinsics import markers
from ._kinds import FUNCTION_TYPES
from ._references import one_marker

ROUTE = "AWS::ApiGatewayV2::Route"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
ROUTE_RESPONSE = "AWS::ApiGatewayV2::RouteResponse"
AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
_ROUTE_PROPERTIES = {
    "ApiId",
    "RouteKey",
    "Target",
    "RouteResponseSelectionExpression",
    "AuthorizationType",
    "AuthorizerId",
    "OperationName",
}


def read_routes(context: ReadContext) -> tuple[dict[str, Any], dict[str, str], Any]:
    """The API's routes (route key -> wsnb route, its ``function`` still a logical id), the
    function of each route key, and the authorizer (``"iam"``, a Lambda authorizer, or None)."""
    routes: dict[str, Any] = {}
    route_functions: dict[str, str] = {}
    route_ids: dict[str, str] = {}  # route logical id -> route key
    authorizer: Any = None
    for lid in context.template.resources_of(ROUTE):
        context.reading[:] = [lid]
        if not context.refers_to_api(context.template.props(lid).get("ApiId")):
            continue
        context.used.add(lid)
        read = read_route(context, lid)
        if read is None:
            continue
        key, route, fn_lid, route_authorizer = read
        if route_authorizer is not None:
            authorizer = route_authorizer
        if key in routes:
            raise TemplateError(
                f"{lid}.Properties.RouteKey: route key {key!r} is defined twice for this API.",
                given=key,
                path=f"{lid}.Properties.RouteKey",
            )
        routes[key] = route
        route_functions[key] = fn_lid
        route_ids[lid] = key
    read_route_responses(context, routes, route_ids)
    return routes, route_functions, authorizer


def read_route(context: ReadContext, lid: str) -> tuple[str, dict[str, Any], str, Any] | None:
    """One route of the API: (route key, wsnb route, function logical id, the authorizer it
    names or None); None for a route that is not served (Condition false, no Target, an
    integration wsnb does not emulate)."""
    template = context.template
    if not template.active(lid):
        context.report.add(
            lid,
            ROUTE,
            "ignored",
            "its Condition is false",
            change=None,  # not deployed by the template either
        )
        return None
    p = template.props(lid)
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
        context.report.add(
            lid,
            ROUTE,
            "ignored",
            f"route {key!r} has no Target (no integration), so it is not served",
        )
        return None
    integ = one_marker(
        context, target, f"{lid}.Properties.Target", (INTEGRATION,), "the route's Target"
    )
    fn_lid = read_integration(context, integ, lid, key)
    if fn_lid is None:
        return None
    route: dict[str, Any] = {"function": fn_lid}
    authorizer: Any = None
    notes = [f"RouteKey {key!r}", f"Target → {integ} → {fn_lid}"]
    if p.get("RouteResponseSelectionExpression"):
        route["return_response"] = True
        notes.append("RouteResponseSelectionExpression → return_response")
    auth_type = str(p.get("AuthorizationType", "NONE")).upper()
    if auth_type == "AWS_IAM":
        authorizer = "iam"
        notes.append("AuthorizationType AWS_IAM → authorizer 'iam'")
    elif auth_type == "CUSTOM":
        auth_lid = one_marker(
            context,
            p.get("AuthorizerId"),
            f"{lid}.Properties.AuthorizerId",
            (AUTHORIZER,),
            "the route's AuthorizerId",
        )
        authorizer = read_authorizer(context, auth_lid)
        notes.append(f"AuthorizationType CUSTOM → authorizer {auth_lid}")
    if auth_type != "NONE" and key != "$connect":
        context.report.add(
            lid,
            ROUTE,
            "approximated",
            f"AuthorizationType {auth_type} on {key!r}: API Gateway authorizes $connect only; wsnb attaches the authorizer to $connect",
        )
    rest = sorted(set(p) - _ROUTE_PROPERTIES)
    context.report.add(lid, ROUTE, "read", "; ".join(notes))
    if rest:
        context.report.add(lid, ROUTE, "ignored", "not read: " + ", ".join(rest))
    return key, route, fn_lid, authorizer


def read_route_responses(
    context: ReadContext, routes: dict[str, Any], route_ids: dict[str, str]
) -> None:
    """A route response on a route of the API: that route returns the handler's body."""
    for lid in context.template.resources_of(ROUTE_RESPONSE):
        context.reading[:] = [lid]
        p = context.template.props(lid)
        if not context.refers_to_api(p.get("ApiId")):
            continue
        context.used.add(lid)
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
        context.report.add(
            lid,
            ROUTE_RESPONSE,
            "read" if rkey == "$default" else "approximated",
            f"route {key!r} returns the handler's body (return_response=True)"
            + ("" if rkey == "$default" else f"; RouteResponseKey {rkey!r} read as $default"),
        )


@reads
def read_integration(context: ReadContext, lid: str, route_lid: str, key: str) -> str | None:
    """A route's integration: the logical id of the function it proxies to, or None (and
    reported) for an integration wsnb does not emulate."""
    context.used.add(lid)
    p = context.template.props(lid)
    kind = str(p.get("IntegrationType", "")).upper()
    if kind != "AWS_PROXY":
        context.report.add(
            lid,
            INTEGRATION,
            "ignored",
            f"IntegrationType {kind or '?'} is not emulated (only AWS_PROXY to Lambda); route {key!r} is not served",
        )
        context.report.add(
            route_lid, ROUTE, "ignored", f"route {key!r}: its integration {lid} is not AWS_PROXY"
        )
        return None
    uri = p.get("IntegrationUri")
    fn = one_marker(
        context, uri, f"{lid}.Properties.IntegrationUri", FUNCTION_TYPES, "the integration URI"
    )
    context.report.add(lid, INTEGRATION, "read", f"AWS_PROXY to {fn}")
    read_function(context, fn)
    return fn


@reads
def read_authorizer(context: ReadContext, lid: str) -> dict[str, Any]:
    """A ``REQUEST`` (Lambda) authorizer as wsnb's authorizer (its ``function`` a logical id)."""
    context.used.add(lid)
    p = context.template.props(lid)
    kind = str(p.get("AuthorizerType", "")).upper()
    if kind != "REQUEST":
        raise TemplateError(
            f"{lid}.Properties.AuthorizerType: {kind!r} authorizers are not supported for WebSocket APIs.",
            given=kind,
            allowed="REQUEST (a Lambda authorizer)",
            path=f"{lid}.Properties.AuthorizerType",
        )
    fn = one_marker(
        context,
        p.get("AuthorizerUri"),
        f"{lid}.Properties.AuthorizerUri",
        FUNCTION_TYPES,
        "the authorizer URI",
    )
    read_function(context, fn)
    sources = p.get("IdentitySource") or list(_facts.DEFAULT_IDENTITY_SOURCE)
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",")]
    shapes.texts(sources, f"{lid}.Properties.IdentitySource")
    out: dict[str, Any] = {"type": "lambda", "function": fn, "identity_source": list(sources)}
    if isinstance(p.get("Name"), str):
        out["name"] = p["Name"]
    context.report.add(
        lid,
        AUTHORIZER,
        "read",
        f"REQUEST Lambda authorizer {fn}, identity source {', '.join(sources)}",
    )
    return out
