"""Building steps shared by the ``WebSocketApi`` facade and ``ApiSpec.from_json``.

Each takes a spec (or raw input) and returns a new value; nothing is changed in place.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from .._errors import PermissionsError, PropError, RouteKeyError, ValidationError, suggest_id
from ._access_log import normalize_access_log
from ._authorizer import normalize_authorizer
from ._cdk import normalize_cdk
from ._domain import normalize_domain
from ._function import normalize_props
from ._resources import Resource
from ._spec import ApiSpec, RouteSpec, make_route, normalize_route_key


def defaults_props(defaults: Any) -> dict[str, Any]:
    if defaults is None:
        return {}
    if not isinstance(defaults, dict) or set(defaults) - {"function"}:
        raise PropError(
            "defaults takes {'function': {...props}} (SST's defaults.function).",
            given=defaults,
            allowed="function",
            fix='defaults={"function": {"timeout": 20}}  or  api.defaults(timeout=20)',
            path="defaults",
        )
    function = defaults.get("function") or {}
    if "handler" in function:
        raise PropError(
            "defaults cannot set a handler; each route has its own.",
            given=function["handler"],
            fix="give the handler on each route",
            path="defaults.function.handler",
        )
    return normalize_props(function, "defaults.function")


def add_routes(spec: ApiSpec, routes: Any, *, replace: bool) -> ApiSpec:
    if not isinstance(routes, dict):
        raise RouteKeyError(
            "routes must be a dict of route key to route definition.",
            given=routes,
            fix='routes={"$connect": "src/connect.main"}',
        )
    keys = [normalize_route_key(k) for k in routes]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise RouteKeyError(
            f"Route key {dup!r} appears twice in the same dict (after stripping whitespace).",
            given=list(routes),
            fix="keep one of them",
        )
    for key, definition in routes.items():
        spec = spec.with_route(make_route(key, definition), replace=replace)
    return spec


def replace_route(spec: ApiSpec, route: RouteSpec) -> ApiSpec:
    return dataclasses.replace(
        spec, routes=tuple(route if r.key == route.key else r for r in spec.routes)
    )


def append_unique(existing: tuple[Any, ...], items: Iterable[Any]) -> tuple[Any, ...]:
    out = list(existing)
    for item in items:
        if item not in out:
            out.append(item)
    return tuple(out)


def resource_list(value: Any, path: str) -> tuple[Resource, ...]:
    if isinstance(value, Resource):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, Resource) for v in value):
        raise PermissionsError(
            f"{path} takes a list of wsnb Table, Bucket, Secret or Parameter objects.",
            given=value,
            fix=f"api.{path.split('(')[0]}([table, Secret('STRIPE_KEY')])",
            path=path,
        )
    return tuple(value)


_API_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")


def build_spec(
    id: Any,
    *,
    routes: Any = None,
    defaults: Any = None,
    authorizer: Any = None,
    custom_domain: Any = None,
    access_log: Any = None,
    cdk: Any = None,
    wsnb_api_type: type | None = None,
) -> ApiSpec:
    """A checked spec from ``WebSocketApi(...)``'s SST-shaped arguments."""
    if not isinstance(id, str) or not _API_ID.match(id):
        raise ValidationError(
            f"WebSocketApi id {id!r} is not valid.",
            given=id,
            allowed="letters, digits and '-', starting with a letter, at most 64 characters",
            fix=f"WebSocketApi({suggest_id(id)!r})",
        )
    spec = ApiSpec(
        id=id,
        defaults=defaults_props(defaults),
        authorizer=normalize_authorizer(authorizer),
        custom_domain=normalize_domain(custom_domain, wsnb_api_type=wsnb_api_type),
        access_log=normalize_access_log(access_log),
        cdk=normalize_cdk(cdk),
    )
    return add_routes(spec, routes or {}, replace=False).check()
