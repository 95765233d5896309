"""``WebSocketApi``: the fluent, SST-shaped front door over one immutable :class:`ApiSpec`.

Every builder call validates a complete new spec and only then swaps it in (one assignment),
so a call that raises leaves the API exactly as it was, and re-running a cell is safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._errors import PermissionsError, PropError, RouteKeyError, ValidationError
from .model._access_log import normalize_access_log
from .model._authorizer import normalize_authorizer
from .model._cdk import normalize_cdk
from .model._domain import normalize_domain
from .model._function import normalize_props
from .model._permissions import normalize_permissions
from .model._resources import RESOURCE_TYPES, Resource
from .model._spec import (
    ApiSpec,
    RouteFunction,
    RouteSpec,
    finished_function_error,
    make_route,
    normalize_route_key,
)

if TYPE_CHECKING:
    from ._lint import Finding

_API_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")


class WebSocketApi:
    """An API Gateway WebSocket API, built fluently or SST-style.

    >>> api = WebSocketApi("Api").route("$connect", "src/connect.main").route("sendMessage", "src/send.main")
    >>> api.routes
    ['$connect', 'sendMessage']
    """

    def __init__(
        self,
        id: str,
        *,
        routes: dict[str, Any] | None = None,
        defaults: dict[str, Any] | None = None,
        authorizer: Any = None,
        custom_domain: Any = None,
        access_log: Any = None,
        cdk: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(id, str) or not _API_ID.match(id):
            raise ValidationError(
                f"WebSocketApi id {id!r} is not valid.",
                given=id,
                allowed="letters, digits and '-', starting with a letter, at most 64 characters",
                fix='WebSocketApi("Api")',
            )
        spec = ApiSpec(
            id=id,
            defaults=_defaults_props(defaults),
            authorizer=normalize_authorizer(authorizer),
            custom_domain=normalize_domain(custom_domain, wsnb_api_type=WebSocketApi),
            access_log=normalize_access_log(access_log),
            cdk=normalize_cdk(cdk),
        )
        spec = _add_routes(spec, routes or {}, replace=False)
        self._spec: ApiSpec = spec.check()
        self._observers: list[weakref.ref] = []

    # ------------------------------------------------------------------ commit

    def _commit(self, spec: ApiSpec) -> WebSocketApi:
        spec = spec.check()
        if spec != self._spec:
            self._spec = spec
            self._notify()
        return self

    def _notify(self) -> None:
        alive = []
        for ref in self._observers:
            callback = ref()
            if callback is not None:
                alive.append(ref)
                with contextlib.suppress(Exception):  # a broken view must never break the model
                    callback(self)
        self._observers = alive

    def _subscribe(self, callback: Callable[[WebSocketApi], None]) -> None:
        """Call ``callback(api)`` after each change; held weakly (views never keep a model alive and vice versa)."""
        ref = (
            weakref.WeakMethod(callback) if hasattr(callback, "__self__") else weakref.ref(callback)
        )
        self._observers.append(ref)

    # ------------------------------------------------------------------ builders

    def route(
        self,
        key: str,
        handler: Any = None,
        /,
        *,
        return_response: bool | None = None,
        replace: bool = False,
        **props: Any,
    ) -> WebSocketApi:
        """Add a route: ``api.route("sendMessage", "src/send.main", timeout=10)``.

        ``handler`` is ``"path/file.func"``, a Python function, a ``Function``, or SST's
        ``{"function": ..., "return_response": True}``. Keyword props are function props.
        Adding an identical route again is a no-op; ``replace=True`` replaces a different one.
        """
        route = make_route(key, handler, return_response=return_response, extra_props=props)
        return self._commit(self._spec.with_route(route, replace=replace))

    def add_routes(self, *args: Any, replace: bool = False) -> WebSocketApi:
        """Add several routes (SST's ``addRoutes``): ``api.add_routes({"sendMessage": "src/send.main"})``.

        SST's form with a scope first, ``api.add_routes(stack, {...})``, is accepted too.
        """
        if len(args) == 2:
            args = args[1:]
        if len(args) != 1 or not isinstance(args[0], dict):
            raise RouteKeyError(
                "add_routes takes one dict of route key to route definition.",
                given=args,
                fix='api.add_routes({"sendMessage": "src/sendMessage.main"})',
            )
        return self._commit(_add_routes(self._spec, args[0], replace=replace))

    def defaults(self, function: dict[str, Any] | None = None, /, **props: Any) -> WebSocketApi:
        """Set the function props every route starts from: ``api.defaults(timeout=20)``.

        SST's form ``api.defaults({"function": {...}})`` is accepted too. Calling it again
        replaces the defaults (an identical call is a no-op).
        """
        if function is not None:
            if props:
                raise PropError(
                    "Give defaults either as a dict or as keywords, not both.",
                    given=(function, props),
                )
            data = function
        elif set(props) == {"function"} and isinstance(props["function"], dict):
            data = {"function": props["function"]}
        else:
            data = {"function": props}
        new_defaults = _defaults_props(data)
        if new_defaults:
            final = [r.key for r in self._spec.routes if r.final]
            if final:
                raise finished_function_error(final[0])
        return self._commit(dataclasses.replace(self._spec, defaults=new_defaults))

    def authorizer(self, value: Any) -> WebSocketApi:
        """``"iam"``, ``"none"``, a ``LambdaAuthorizer``, or ``{"type": "lambda", "function": ...}``."""
        return self._commit(dataclasses.replace(self._spec, authorizer=normalize_authorizer(value)))

    def custom_domain(self, value: Any) -> WebSocketApi:
        """``"api.example.com"``, ``"*.example.com"`` or the SST dict form; ``None`` removes it."""
        domain = normalize_domain(value, wsnb_api_type=WebSocketApi)
        return self._commit(dataclasses.replace(self._spec, custom_domain=domain))

    def access_log(self, value: Any = True) -> WebSocketApi:
        """``True`` (the default JSON line), ``False``, a format string, or ``{"retention", "format", "destination_arn"}``."""
        return self._commit(dataclasses.replace(self._spec, access_log=normalize_access_log(value)))

    def attach_permissions(self, permissions: Any) -> WebSocketApi:
        """Grant every route (present and future): ``api.attach_permissions(["s3"])``."""
        items = normalize_permissions(permissions, "attach_permissions")
        return self._commit(
            dataclasses.replace(self._spec, permissions=_append(self._spec.permissions, items))
        )

    def attach_permissions_to_route(self, route_key: str, permissions: Any) -> WebSocketApi:
        """Grant one route: ``api.attach_permissions_to_route("$default", ["s3"])``."""
        route = self._existing_route(route_key, "attach_permissions_to_route")
        items = normalize_permissions(permissions, f"attach_permissions_to_route({route.key!r})")
        new = dataclasses.replace(route, permissions=_append(route.permissions, items))
        return self._commit(_replace_route(self._spec, new))

    def bind(self, resources: Any) -> WebSocketApi:
        """Bind resources to every route (grants access and injects environment variables)."""
        items = _resources(resources, "bind")
        return self._commit(dataclasses.replace(self._spec, bind=_append(self._spec.bind, items)))

    def bind_to_route(self, route_key: str, resources: Any) -> WebSocketApi:
        """Bind resources to one route."""
        route = self._existing_route(route_key, "bind_to_route")
        items = _resources(resources, f"bind_to_route({route.key!r})")
        new = dataclasses.replace(route, bind=_append(route.bind, items))
        return self._commit(_replace_route(self._spec, new))

    def _existing_route(self, key: Any, where: str) -> RouteSpec:
        norm = normalize_route_key(key)
        route = self._spec.route(norm)
        if route is None:
            raise RouteKeyError(
                f"{where}: this API has no route {norm!r}.",
                given=key,
                allowed=", ".join(repr(k) for k in self._spec.route_keys) or "(no routes yet)",
                fix=f'add it first: api.route({norm!r}, "src/handler.main")',
            )
        return route

    # ------------------------------------------------------------------ reading

    @property
    def id(self) -> str:
        return self._spec.id

    @property
    def spec(self) -> ApiSpec:
        """The immutable model (what synth, export, serve and the display read)."""
        return self._spec

    @property
    def routes(self) -> list[str]:
        """Route keys, in the order they were added."""
        return self._spec.route_keys

    def get_route(self, key: str) -> RouteSpec:
        return self._existing_route(key, "get_route")

    def get_function(self, key: str) -> RouteFunction:
        """The route's function with defaults merged, and the provenance of every prop."""
        return self._spec.merged_function(self._existing_route(key, "get_function").key)

    @property
    def url(self) -> str:
        """The URL shape before deploy (the real id is known only after deploy)."""
        return "wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}"

    @property
    def custom_domain_url(self) -> str | None:
        domain = self._spec.custom_domain
        return domain.url if domain else None

    def lint(self) -> list[Finding]:
        """Findings (level, code, message, fix) about what would fail or surprise at deploy."""
        from ._lint import lint

        return lint(self._spec)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; ``WebSocketApi.from_dict(api.to_dict()) == api``."""
        return self._spec.to_json()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSocketApi:
        """Rebuild an API from :meth:`to_dict` output (a malformed dict raises a ``ValidationError``)."""
        try:
            return _from_dict(cls, data)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(
                f"from_dict could not read this dict: {type(exc).__name__}: {exc}.",
                given=data,
                allowed="the dict that WebSocketApi.to_dict() returns",
                fix="pass api.to_dict() output (or build the API with WebSocketApi(...))",
            ) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebSocketApi) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]  # mutable facade

    def copy(self) -> WebSocketApi:
        new = object.__new__(WebSocketApi)
        new._spec = self._spec
        new._observers = []
        return new

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        from .display import text_table

        return text_table(self._spec)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .display import mimebundle

        return mimebundle(self._spec)

    def to_mermaid(self) -> str:
        from .display import to_mermaid

        return to_mermaid(self._spec)

    def to_dot(self) -> str:
        from .display import to_dot

        return to_dot(self._spec)

    def to_html(self) -> str:
        from .display import to_html

        return to_html(self._spec)

    def to_svg(self) -> str:
        from .display import to_svg

        return to_svg(self._spec)

    def show(self, **options: Any) -> Any:
        """The live widget (routes, diagram, lint, CloudFormation on demand, local run).

        ``synth_options={...}`` go to ``synth()`` (e.g. ``account``, ``region``, ``context`` for
        a custom domain), ``serve_options={...}`` to ``serve()``.
        """
        from .widget import ApiWidget

        return ApiWidget(self, **options)

    # ------------------------------------------------------------------ the heavy parts (lazy)

    def synth(
        self,
        app: str = "app",
        stage: str = "dev",
        region: str | None = None,
        account: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> Any:
        """Synthesize CloudFormation with aws-cdk-lib (imported only now); cached per model."""
        from .synth import synthesize

        return synthesize(
            self._spec, app=app, stage=stage, region=region, account=account, context=context
        )

    def to_cdk(self, scope: Any, id: str | None = None) -> Any:
        """Add this API to your own CDK stack; returns the construct."""
        from .synth import to_cdk

        return to_cdk(self._spec, scope, id)

    def export(
        self,
        path: Any,
        app: str = "app",
        stage: str = "dev",
        region: str | None = None,
        account: str | None = None,
        context: dict[str, Any] | None = None,
        overwrite: bool = False,
    ) -> Any:
        """Write a standalone CDK app (no wsnb dependency) that synthesizes to the same template."""
        from .export import export_app

        return export_app(
            self._spec,
            path,
            app=app,
            stage=stage,
            region=region,
            account=account,
            context=context,
            overwrite=overwrite,
        )

    def serve(
        self, port: int = 0, host: str = "127.0.0.1", stage: str = "dev", **options: Any
    ) -> Any:
        """Run the API locally in the background; returns a handle with ``.url`` and ``.stop()``.

        Options include ``secrets={"STRIPE_KEY": "sk_test_..."}`` (local values of bound
        Secrets), ``app=``, ``idle_timeout=``, ``integration_timeout=`` (see :func:`wsnb.local.serve`).
        """
        from .local import serve

        return serve(self, port=port, host=host, stage=stage, **options)


# ---------------------------------------------------------------------- helpers


def _defaults_props(defaults: Any) -> dict[str, Any]:
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


def _add_routes(spec: ApiSpec, routes: Any, *, replace: bool) -> ApiSpec:
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


def _replace_route(spec: ApiSpec, route: RouteSpec) -> ApiSpec:
    return dataclasses.replace(
        spec, routes=tuple(route if r.key == route.key else r for r in spec.routes)
    )


def _append(existing: tuple[Any, ...], items: Iterable[Any]) -> tuple[Any, ...]:
    out = list(existing)
    for item in items:
        if item not in out:
            out.append(item)
    return tuple(out)


def _resources(value: Any, path: str) -> tuple[Resource, ...]:
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


def _from_dict(cls: type[WebSocketApi], data: dict[str, Any]) -> WebSocketApi:
    """Rebuild an API from :meth:`WebSocketApi.to_dict` output."""
    if not isinstance(data, dict) or "id" not in data:
        raise ValidationError("from_dict needs the dict that to_dict() returned.", given=data)
    resources: dict[tuple[str, str], Resource] = {}
    for item in data.get("resources", []):
        kind = item.get("type")
        if kind not in RESOURCE_TYPES:
            raise ValidationError(
                f"Unknown resource type {kind!r}.", given=item, allowed=", ".join(RESOURCE_TYPES)
            )
        body = {k: v for k, v in item.items() if k != "type"}
        res = RESOURCE_TYPES[kind].from_dict(body)
        resources[(kind, res.id)] = res
    resolve = _Resolver(resources)
    routes_in = data.get("routes", {})
    routes = {}
    attached: dict[str, tuple[Any, Any]] = {}
    for key, value in routes_in.items():
        if isinstance(value, dict):
            value = dict(value)
            perms = value.pop("attached_permissions", None)
            binds = value.pop("attached_bind", None)
            attached[key] = (perms, binds)
            final = value.pop("final", False)
            fn = resolve.props(value.get("function", {}))
            value["function"] = _final_function(fn) if final else fn
        routes[key] = value
    defaults = data.get("defaults")
    if defaults:
        defaults = {"function": resolve.props(defaults.get("function", {}))}
    authorizer = data.get("authorizer")
    if isinstance(authorizer, dict):
        authorizer = {**authorizer, "function": resolve.props(authorizer.get("function", {}))}
    api = cls(
        data["id"],
        routes=routes,
        defaults=defaults,
        authorizer=authorizer,
        custom_domain=data.get("custom_domain"),
        access_log=data.get("access_log"),
        cdk=data.get("cdk"),
    )
    for key, (perms, binds) in attached.items():
        if perms:
            api.attach_permissions_to_route(key, resolve.permissions(perms))
        if binds:
            api.bind_to_route(key, resolve.list(binds))
    if data.get("attached_permissions"):
        api.attach_permissions(resolve.permissions(data["attached_permissions"]))
    if data.get("attached_bind"):
        api.bind(resolve.list(data["attached_bind"]))
    return api


def _final_function(props: dict[str, Any]) -> Any:
    from .model._function import Function

    return Function(**props)


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

    def list(self, refs: list[Any]) -> list[Resource]:
        return [self.one(r) for r in refs]

    def permissions(self, items: list[Any]) -> list[Any]:
        from .model._permissions import permission_from_json

        return [permission_from_json(i, self.resources, "permissions") for i in items]

    def props(self, props: Any) -> Any:
        if not isinstance(props, dict):
            return props
        out = dict(props)
        if "permissions" in out:
            out["permissions"] = self.permissions(out["permissions"])
        if "bind" in out:
            out["bind"] = self.list(out["bind"])
        if "environment" in out:
            from .model._resources import TOKEN_PATTERN, Ref

            env = {}
            for k, v in out["environment"].items():
                m = TOKEN_PATTERN.fullmatch(v) if isinstance(v, str) else None
                if m and (m[1], m[2]) in self.resources:
                    env[k] = Ref(self.resources[(m[1], m[2])], m[3])
                else:
                    env[k] = v
            out["environment"] = env
        return out
