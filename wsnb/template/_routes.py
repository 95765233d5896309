"""Reading the routes of the API: each ``AWS::ApiGatewayV2::Route``, its integration (any type:
:mod:`._integrations`, with its integration responses: :mod:`._integration_responses`), its
route response, and the authorizer it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import _facts
from .._errors import TemplateError
from . import _shapes as shapes
from ._context import ReadContext, reads
from ._functions import read_function
from ._integration_responses import read_integration_responses, report_integration_responses
from ._integrations import INTEGRATION, Target, read_integration
from ._intrinsics import markers
from ._kinds import FUNCTION_TYPES
from ._references import one_marker

ROUTE = "AWS::ApiGatewayV2::Route"
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


@dataclass
class RoutesRead:
    """The API's routes as read: ``routes`` (route key → wsnb route dict, its ``function``
    still a logical id; a non-proxy route's ``integration`` a model object), ``functions``
    (route key → its function's logical id, for the routes that have one), ``route_ids`` and
    ``integrations`` (route key → the logical id of its Route and of its Integration), and
    ``authorizer`` (``"iam"``, a Lambda authorizer, or None)."""

    routes: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    route_ids: dict[str, str] = field(default_factory=dict)
    integrations: dict[str, str] = field(default_factory=dict)
    authorizer: Any = None


def read_routes(context: ReadContext) -> RoutesRead:
    """Every route of the API, whatever its integration (see :class:`RoutesRead`)."""
    out = RoutesRead()
    responses = read_integration_responses(context)
    answering = _routes_with_responses(context)
    took_responses: dict[str, str] = {}  # integration logical id -> route key
    for lid in context.template.resources_of(ROUTE):
        context.reading[:] = [lid]
        if not context.refers_to_api(context.template.props(lid).get("ApiId")):
            continue
        context.used.add(lid)
        read = read_route(context, lid, responses, answering)
        if read is None:
            continue
        key, route, target, route_authorizer = read
        if route_authorizer is not None:
            out.authorizer = route_authorizer
        if key in out.routes:
            raise TemplateError(
                f"{lid}.Properties.RouteKey: route key {key!r} is defined twice for this API.",
                given=key,
                path=f"{lid}.Properties.RouteKey",
            )
        out.routes[key] = route
        if target.function is not None:
            out.functions[key] = target.function
        out.route_ids[key] = lid
        out.integrations[key] = target.logical_id
        if target.integration is not None and target.integration.kind != "http_proxy":
            took_responses.setdefault(target.logical_id, key)
    report_integration_responses(context, responses, took_responses)
    read_route_responses(context, out.routes, {lid: key for key, lid in out.route_ids.items()})
    return out


def _routes_with_responses(context: ReadContext) -> set[str]:
    """The logical ids of the routes a (deployed) route response of this API names."""
    template = context.template
    found: set[str] = set()
    for lid in template.resources_of(ROUTE_RESPONSE):
        p = template.props(lid)
        if context.refers_to_api(p.get("ApiId")) and template.surely_active(lid):
            found.update(r for r, _ in markers(p.get("RouteId")) if template.type_of(r) == ROUTE)
    return found


def read_route(
    context: ReadContext,
    lid: str,
    responses: dict[str, Any],
    answering: set[str],
) -> tuple[str, dict[str, Any], Target, Any] | None:
    """One route of the API: (route key, wsnb route, its integration as read, the authorizer
    it names or None); None for a route that is not deployed (Condition false, no Target).
    ``responses``: the API's integration responses by integration; ``answering``: the routes
    a route response names."""
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
    returns = bool(p.get("RouteResponseSelectionExpression")) or lid in answering
    read = read_integration(
        context,
        integ,
        lid,
        key,
        responses=[r.response for r in responses.get(integ, [])],
        returns=returns,
    )
    route: dict[str, Any] = {}
    if read.function is not None:
        route["function"] = read.function
    if read.integration is None:
        notes = [f"RouteKey {key!r}", f"Target → {integ} → {read.function}"]
    else:
        route["integration"] = read.integration
        shown = f"Target → {integ} ({read.integration.label})"
        notes = [f"RouteKey {key!r}", shown + (f" → {read.function}" if read.function else "")]
    authorizer: Any = None
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
    return key, route, read, authorizer


def read_route_responses(
    context: ReadContext, routes: dict[str, Any], route_ids: dict[str, str]
) -> None:
    """A route response on a route of the API: that route returns its integration's answer
    (``route_ids``: route logical id → route key)."""
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
        what = (
            "the handler's body" if "integration" not in routes[key] else "its integration's answer"
        )
        context.report.add(
            lid,
            ROUTE_RESPONSE,
            "read" if rkey == "$default" else "approximated",
            f"route {key!r} returns {what} (return_response=True)"
            + ("" if rkey == "$default" else f"; RouteResponseKey {rkey!r} read as $default"),
        )
        rest = sorted(set(p) - {"ApiId", "RouteId", "RouteResponseKey"})
        if rest:
            context.report.add(lid, ROUTE_RESPONSE, "ignored", "not read: " + ", ".join(rest))


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
