"""Reading the JSON form back: ``ApiSpec.from_json(spec.to_json())`` (``to_json`` is in _spec.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._errors import ValidationError
from ._building import append_unique, build_spec, replace_route, resource_list
from ._function import Function
from ._integrations import LambdaIntegration, integration_from_json
from ._permissions import normalize_permissions, permission_from_json
from ._physical import from_dict as named_from_dict
from ._resources import RESOURCE_TYPES, TOKEN_PATTERN, Ref, Resource
from ._spec import ApiSpec


def spec_from_json(data: Any, *, wsnb_api_type: type | None = None) -> ApiSpec:
    """Rebuild a spec from ``to_json()`` output; any malformed input is a ``ValidationError``."""
    try:
        return _spec_from_json(data, wsnb_api_type)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(
            f"from_dict could not read this dict: {type(exc).__name__}: {exc}.",
            given=data,
            allowed="the dict that WebSocketApi.to_dict() returns",
            fix="pass api.to_dict() output (or build the API with WebSocketApi(...))",
        ) from None


def _spec_from_json(data: Any, wsnb_api_type: type | None) -> ApiSpec:
    if not isinstance(data, dict) or "id" not in data:
        raise ValidationError("from_dict needs the dict that to_dict() returned.", given=data)
    resolve = _Resolver(_resources(data.get("resources", [])))
    routes: dict[str, Any] = {}
    attached: dict[str, tuple[Any, Any]] = {}
    for key, value in data.get("routes", {}).items():
        if isinstance(value, dict):
            value = dict(value)
            attached[key] = (
                value.pop("attached_permissions", None),
                value.pop("attached_bind", None),
            )
            final = value.pop("final", False)
            integration = value.pop("integration", None)
            if integration is not None:
                path = f"routes[{key!r}].integration"
                value["integration"] = integration_from_json(integration, path, resolve.resources)
            if "function" in value or integration is None:
                fn = resolve.props(value.pop("function", {}))
                function = Function(**fn) if final else fn
                if isinstance(value.get("integration"), LambdaIntegration):
                    value["integration"] = value["integration"].with_function(function)
                else:
                    value["function"] = function
        routes[key] = value
    defaults = data.get("defaults")
    if defaults:
        defaults = {"function": resolve.props(defaults.get("function", {}))}
    authorizer = data.get("authorizer")
    if isinstance(authorizer, dict):
        authorizer = {**authorizer, "function": resolve.props(authorizer.get("function", {}))}
    spec = build_spec(
        data["id"],
        routes=routes,
        defaults=defaults,
        authorizer=authorizer,
        custom_domain=data.get("custom_domain"),
        access_log=data.get("access_log"),
        cdk=data.get("cdk"),
        wsnb_api_type=wsnb_api_type,
    )
    for key, (perms, binds) in attached.items():
        route = spec.route(key.strip())
        if route is None:
            raise ValidationError(f"Attachments for unknown route {key!r}.", given=data)
        where = f"routes[{key!r}]"
        new = dataclasses.replace(
            route,
            permissions=append_unique(
                route.permissions, normalize_permissions(resolve.permissions(perms or []), where)
            ),
            bind=append_unique(route.bind, resource_list(resolve.many(binds or []), where)),
        )
        spec = replace_route(spec, new)
    spec = dataclasses.replace(
        spec,
        permissions=append_unique(
            spec.permissions,
            normalize_permissions(
                resolve.permissions(data.get("attached_permissions") or []), "attached_permissions"
            ),
        ),
        bind=append_unique(
            spec.bind, resource_list(resolve.many(data.get("attached_bind") or []), "attached_bind")
        ),
    )
    return spec.check()


def _resources(items: Any) -> dict[tuple[str, str], Resource]:
    found: dict[tuple[str, str], Resource] = {}
    for item in items:
        kind = item.get("type")
        if kind not in RESOURCE_TYPES:
            raise ValidationError(
                f"Unknown resource type {kind!r}.", given=item, allowed=", ".join(RESOURCE_TYPES)
            )
        body = {k: v for k, v in item.items() if k != "type"}
        res = named_from_dict(kind, body) or RESOURCE_TYPES[kind].from_dict(body)
        found[(kind, res.id)] = res
    return found


class _Resolver:
    """Turns ``{"table": "Connections"}`` references and Ref tokens back into objects."""

    def __init__(self, resources: dict[tuple[str, str], Resource]) -> None:
        self.resources = resources

    def one(self, ref: Any) -> Resource:
        ((kind, rid),) = ref.items()
        key = (kind.capitalize(), rid)
        if key not in self.resources:
            raise ValidationError(
                f"{key[0]} {rid!r} is not among the model's resources.", given=ref
            )
        return self.resources[key]

    def many(self, refs: list[Any]) -> list[Resource]:
        return [self.one(r) for r in refs]

    def permissions(self, items: list[Any]) -> list[Any]:
        return [permission_from_json(i, self.resources, "permissions") for i in items]

    def props(self, props: Any) -> Any:
        if not isinstance(props, dict):
            return props
        out = dict(props)
        if "permissions" in out:
            out["permissions"] = self.permissions(out["permissions"])
        if "bind" in out:
            out["bind"] = self.many(out["bind"])
        if "environment" in out:
            env = {}
            for k, v in out["environment"].items():
                m = TOKEN_PATTERN.fullmatch(v) if isinstance(v, str) else None
                if m and (m[1], m[2]) in self.resources:
                    env[k] = Ref(self.resources[(m[1], m[2])], m[3])
                else:
                    env[k] = v
            out["environment"] = env
        return out
