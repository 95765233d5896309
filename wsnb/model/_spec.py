"""The frozen model of a WebSocket API, SST's defaults merge, and the JSON form."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _facts
from .._errors import (
    AccessLogError,
    AuthorizerError,
    CdkPropsError,
    DefaultsConflictError,
    DomainError,
    DuplicateRouteError,
    PropError,
    ResourceError,
    RouteKeyError,
    ValidationError,
)
from ._access_log import AccessLogSpec
from ._authorizer import LambdaAuthorizer, authorizer_to_json
from ._cdk import CdkSpec
from ._domain import DomainSpec
from ._frozen import FrozenDict, freeze_fields
from ._function import (
    BUILTIN_DEFAULTS,
    ENV_MAX_BYTES,
    MERGED_PROPS,
    PROP_NAMES,
    Function,
    check_environment_size,
    env_tokens,
    environment_bytes,
    normalize_props,
    props_resources,
    props_to_json,
    unknown_prop_error,
)
from ._handlers import CallableHandler, FileHandler
from ._integrations import (
    Integration,
    IntegrationResponse,
    LambdaIntegration,
    integration_error,
)
from ._permissions import dedupe, permission_to_json, statement_tokens
from ._resources import Resource
from ._sources import handler_runtime, resolve_handler_file
from ._values import check_data, text_problem

# The error class for a bad value, by the API option it sits in.
_SECTION_ERRORS: dict[str, type[ValidationError]] = {
    "authorizer": AuthorizerError,
    "custom_domain": DomainError,
    "access_log": AccessLogError,
    "cdk": CdkPropsError,
}


def normalize_route_key(key: Any) -> str:
    """Strip surrounding whitespace and check the key is one API Gateway accepts."""
    if not isinstance(key, str):
        raise RouteKeyError(
            f"A route key must be a string, not {type(key).__name__}.",
            given=key,
            allowed="'$connect', '$disconnect', '$default', or a custom action such as 'sendMessage'",
        )
    text = key.strip()
    problem = None
    if not text:
        problem = "is empty"
    elif text.startswith("$") and text not in _facts.RESERVED_ROUTE_KEYS:
        problem = "starts with '$' but is not one of the reserved keys"
    elif len(text) > _facts.ROUTE_KEY_MAX_LENGTH:
        problem = f"is longer than {_facts.ROUTE_KEY_MAX_LENGTH} characters"
    elif any(ord(c) < 32 or ord(c) == 127 for c in text):
        problem = "contains control characters"
    else:
        problem = text_problem(text)
    if problem:
        import difflib

        close = difflib.get_close_matches(text, _facts.RESERVED_ROUTE_KEYS, n=1, cutoff=0.6)
        raise RouteKeyError(
            f"Route key {key!r} {problem}.",
            given=key,
            allowed="'$connect', '$disconnect', '$default', or a custom action name such as 'sendMessage'",
            fix=f"did you mean {close[0]!r}?"
            if close
            else 'api.route("sendMessage", "src/send.main")',
        )
    return text


@dataclass(frozen=True)
class RouteSpec:
    """One route: its key, its own function props, and route-level options.

    ``props`` holds only what the route itself gave (handler included). ``final`` marks a
    route given as a finished ``Function`` (its props are used as they are).
    ``permissions``/``bind`` are what ``attach_permissions_to_route``/``bind_to_route`` added.
    ``integration`` is ``None`` for a Lambda proxy (the usual route); otherwise the route's
    non-proxy target (SPEC §9). A ``LambdaIntegration`` keeps its function in ``props`` (so
    ``defaults`` merge into it as into a proxy's); mock, HTTP and AWS service routes have
    no function and empty ``props``.
    """

    key: str
    props: dict[str, Any]
    return_response: bool = False
    final: bool = False
    permissions: tuple[Any, ...] = ()
    bind: tuple[Resource, ...] = ()
    integration: Integration | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        freeze_fields(self, "props", "permissions", "bind")

    def __repr__(self) -> str:
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr]
        if self.integration is not None:  # a proxy route prints as it always did
            shown.append(f"integration={self.integration!r}")
        return f"RouteSpec({', '.join(shown)})"

    @property
    def has_function(self) -> bool:
        """Whether the route creates a Lambda function (a proxy or a ``LambdaIntegration``)."""
        return self.integration is None or self.integration.has_function

    @property
    def handler(self) -> FileHandler | CallableHandler:
        if not self.has_function:
            assert self.integration is not None
            raise integration_error(self.key, self.integration, "handler")
        return self.props["handler"]

    @property
    def integration_responses(self) -> tuple[IntegrationResponse, ...]:
        """The integration responses the route gets: its integration's own, or, for a
        ``return_response`` route whose non-proxy integration has none, one ``$default``
        pass-through (API Gateway answers a non-proxy integration only through an integration
        response: "Set up a WebSocket API integration response in API Gateway"). Proxies
        (Lambda proxy, ``HTTP_PROXY``) have none."""
        integration = self.integration
        if integration is None or integration.kind == "http_proxy":
            return ()
        if integration.responses or not self.return_response:
            return tuple(integration.responses)
        return (IntegrationResponse("$default"),)

    @property
    def local_problem(self) -> str | None:
        """Why ``api.serve()`` cannot run this route (one short phrase), or None when it can
        (see :meth:`Integration.local_problem`; a Lambda proxy always can)."""
        return None if self.integration is None else self.integration.local_problem()

    @property
    def integration_label(self) -> str:
        """``Lambda proxy`` or the integration's short label (``MOCK``, ``AWS (Lambda, Event)``…)."""
        return "Lambda proxy" if self.integration is None else self.integration.label

    def definition_json(self) -> dict[str, Any]:
        """The route as given (no attachments): what decides whether a re-add is a no-op."""
        out: dict[str, Any] = {}
        if self.has_function:
            out["function"] = props_to_json(self.props)
        if self.integration is not None:
            out["integration"] = self.integration.to_json()
        if self.final:
            out["final"] = True
        if self.return_response:
            out["return_response"] = True
        return out

    def to_json(self) -> Any:
        out = self.definition_json()
        if self.permissions:
            out["attached_permissions"] = [permission_to_json(p) for p in self.permissions]
        if self.bind:
            out["attached_bind"] = [{r.kind.lower(): r.id} for r in self.bind]
        if (
            set(out) == {"function"}
            and self.integration is None
            and set(out["function"]) == {"handler"}
            and isinstance(out["function"]["handler"], str)
        ):
            return out["function"]["handler"]
        return out


#: The provenance of a notebook function's runtime when the defaults name a Node.js runtime:
#: wsnb's built-in Python default applies, so it is ``"builtin"`` (one of the values every view
#: colours and titles; lint's ``callable-python-runtime`` info says why).
CALLABLE_RUNTIME_PROVENANCE = "builtin"


@dataclass(frozen=True)
class RouteFunction:
    """A route's function with ``defaults`` merged in, and where each prop came from.

    ``provenance[prop]`` is ``"route"``, ``"defaults"``, ``"merged"`` (both gave it and the
    values were combined), ``"attached"`` (``attach_permissions``/``bind`` calls) or
    ``"builtin"`` (wsnb's default: nobody set it, or — for the runtime of a Python function —
    the defaults name a Node.js runtime, which runs handler files, not Python functions).
    """

    route_key: str
    props: dict[str, Any]
    provenance: dict[str, str]
    final: bool = False

    def __post_init__(self) -> None:
        freeze_fields(self, "props", "provenance")

    @property
    def handler(self) -> FileHandler | CallableHandler:
        return self.props["handler"]

    @property
    def function(self) -> Function:
        return Function._from_normalized(self.props)

    def __getitem__(self, name: str) -> Any:
        return self.props[name]

    # Each function prop is also an attribute (None when unset): ``fn.timeout``.
    runtime = property(lambda self: self.props.get("runtime"))
    timeout = property(lambda self: self.props.get("timeout"))
    memory_size = property(lambda self: self.props.get("memory_size"))
    environment = property(lambda self: dict(self.props.get("environment", {})))
    permissions = property(lambda self: self.props.get("permissions", ()))
    layers = property(lambda self: self.props.get("layers", ()))
    bind = property(lambda self: self.props.get("bind", ()))
    architecture = property(lambda self: self.props.get("architecture"))
    description = property(lambda self: self.props.get("description"))
    tracing = property(lambda self: self.props.get("tracing"))
    ephemeral_storage_size = property(lambda self: self.props.get("ephemeral_storage_size"))
    reserved_concurrent_executions = property(
        lambda self: self.props.get("reserved_concurrent_executions")
    )
    function_name = property(lambda self: self.props.get("function_name"))

    def get(self, name: str, default: Any = None) -> Any:
        return self.props.get(name, default)

    @property
    def runtime_family(self) -> str:
        """``"python"`` or ``"nodejs"`` (``"other"`` for a template's Java/… function): the
        language the handler runs in."""
        return _facts.runtime_family(handler_runtime(self.handler, self.runtime))

    def source_file(self, root: str | os.PathLike[str] | None = None) -> str | None:
        """The handler's file under this function's runtime, relative to ``root`` (the working
        directory when None): ``src/connect.py``, or the first of ``src/connect.ts``, ``.tsx``,
        ``.mts``, ``.js``, ``.mjs``, ``.cjs``, ``.jsx`` that exists; None when there is none
        (or the handler is a notebook function)."""
        return resolve_handler_file(self.handler, self.runtime, root)

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route_key,
            "props": props_to_json(self.props),
            "provenance": dict(self.provenance),
        }

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={_short(v)} [{self.provenance[k]}]" for k, v in self.props.items())
        return f"RouteFunction({self.route_key!r}: {parts})"


def _short(value: Any) -> str:
    if isinstance(value, (FileHandler, CallableHandler)):
        return str(value)
    if isinstance(value, tuple):
        from ._permissions import permission_label

        return "[" + ", ".join(permission_label(v) for v in value) + "]"
    return repr(value)


@dataclass(frozen=True, eq=False)
class ApiSpec:
    """The whole API as one immutable value. Builders make a new one per call."""

    id: str
    routes: tuple[RouteSpec, ...] = ()
    defaults: dict[str, Any] = field(default_factory=FrozenDict)
    authorizer: str | LambdaAuthorizer = "none"
    custom_domain: DomainSpec | None = None
    access_log: AccessLogSpec = field(default_factory=AccessLogSpec)
    cdk: CdkSpec = field(default_factory=CdkSpec)
    permissions: tuple[Any, ...] = ()  # attach_permissions: every route, present and future
    bind: tuple[Resource, ...] = ()  # bind: every route, present and future

    def __post_init__(self) -> None:
        freeze_fields(self, "routes", "defaults", "permissions", "bind")

    # ----------------------------------------------------------- reading

    @property
    def route_keys(self) -> list[str]:
        return [r.key for r in self.routes]

    @property
    def construct_id(self) -> str:
        return self.cdk.id or self.id

    def route(self, key: str) -> RouteSpec | None:
        for r in self.routes:
            if r.key == key:
                return r
        return None

    def merged_function(self, key: str) -> RouteFunction:
        route = self.route(key)
        if route is None:
            raise RouteKeyError(
                f"This API has no route {key!r}.",
                given=key,
                allowed=", ".join(repr(k) for k in self.route_keys) or "(no routes yet)",
            )
        if not route.has_function:
            assert route.integration is not None
            raise integration_error(route.key, route.integration, "get_function")
        return merge_function(route, self.defaults, self.permissions, self.bind)

    def functions(self) -> list[RouteFunction]:
        """Every route's merged function, in route order (computed once per spec); routes
        without a function (mock, HTTP, AWS service integrations) have none."""
        return list(self._functions)

    def integration_routes(self) -> list[RouteSpec]:
        """The routes whose target is not a Lambda proxy (SPEC §9)."""
        return [r for r in self.routes if r.integration is not None]

    @functools.cached_property
    def authorizer_function(self) -> RouteFunction | None:
        """The Lambda authorizer's function with wsnb's built-in defaults filled in (``route_key``
        is ``"authorizer"``). Like SST, the API's ``defaults`` do not apply to it."""
        if not isinstance(self.authorizer, LambdaAuthorizer):
            return None
        props, prov = merge_props(self.authorizer.function.props, {})
        return RouteFunction("authorizer", props, prov)

    def all_functions(self) -> list[tuple[str, RouteFunction]]:
        """``(where, function)`` for every Lambda function the API creates: each route's
        (``routes['key']``) and the authorizer's (``authorizer.function``)."""
        out = [(f"routes[{f.route_key!r}]", f) for f in self._functions]
        if self.authorizer_function is not None:
            out.append(("authorizer.function", self.authorizer_function))
        return out

    @functools.cached_property
    def _functions(self) -> tuple[RouteFunction, ...]:
        return tuple(
            merge_function(r, self.defaults, self.permissions, self.bind)
            for r in self.routes
            if r.has_function
        )

    def resources(self) -> list[Resource]:
        """Every Table/Bucket/Secret/Parameter the API refers to, first use first."""
        found: list[Resource] = []

        def add(items):
            for res in items:
                if res not in found:
                    found.append(res)

        add(props_resources(self.defaults))
        add(props_resources({"permissions": self.permissions}))
        add(self.bind)
        for route in self.routes:
            add(props_resources(route.props))
            add(props_resources({"permissions": route.permissions}))
            add(route.bind)
            if route.integration is not None:
                add(route.integration.resources())
        if isinstance(self.authorizer, LambdaAuthorizer):
            add(props_resources(self.authorizer.function.props))
        return found

    def resource(self, kind: str, rid: str) -> Resource | None:
        for res in self.resources():
            if res.kind == kind and res.id == rid:
                return res
        return None

    # ----------------------------------------------------------- checks

    def check(self) -> ApiSpec:
        """Whole-model checks that single values cannot make. Returns self."""
        # Function props, permissions and resources were checked where they entered
        # (normalize_props, normalize_permissions, Resource constructors); the API options
        # are small, so they are checked here on each commit.
        json_form = {
            "authorizer": authorizer_to_json(self.authorizer),
            "custom_domain": self.custom_domain.to_json() if self.custom_domain else None,
            "access_log": self.access_log.to_json(),
            "cdk": self.cdk.to_json(),
        }
        for key, value in json_form.items():
            check_data(value, key, error=_SECTION_ERRORS[key])
        by_name: dict[tuple[str, str], Resource] = {}
        for res in self.resources():
            res_key = (res.kind, res.id)
            if res_key in by_name and by_name[res_key] != res:
                raise ResourceError(
                    f"Two different {res.kind}s share the id {res.id!r}.",
                    given=[by_name[res_key], res],
                    fix=f"give each {res.kind} its own id, or reuse the same object",
                )
            by_name[res_key] = res
        props_sets = [("defaults", self.defaults)] + [
            (f"routes[{r.key!r}]", r.props) for r in self.routes
        ]
        if isinstance(self.authorizer, LambdaAuthorizer):
            props_sets.append(("authorizer.function", self.authorizer.function.props))
        for where, props in props_sets:
            for kind, rid, attr in env_tokens(props):
                if (kind, rid) not in by_name:
                    raise ResourceError(
                        f"{where}: an environment value refers to {kind} {rid!r}, which this API does not know.",
                        given=f"{kind}({rid!r}).{attr}",
                        fix=f"pass the {kind} in permissions=[...] or bind=[...], or use {attr} directly as the value",
                    )
        for r in self.integration_routes():
            assert r.integration is not None
            for kind, rid, attr in r.integration.template_tokens():
                if (kind, rid) not in by_name:
                    raise ResourceError(
                        f"routes[{r.key!r}]: a mapping template refers to {kind} {rid!r}, "
                        "which this API does not know.",
                        given=f"{kind}({rid!r}).{attr}",
                        fix=f"grant the integration access to the {kind} (permissions=[...]), "
                        "or write its name into the template",
                    )
        grants = [("permissions", self.permissions)] + [
            (f"routes[{r.key!r}].permissions", r.permissions) for r in self.routes
        ]
        grants += [
            (
                f"routes[{r.key!r}].integration.permissions",
                getattr(r.integration, "permissions", ()),
            )
            for r in self.integration_routes()
        ]
        grants += [
            (f"{where}.permissions", props.get("permissions", ())) for where, props in props_sets
        ]
        for where, items in grants:
            for kind, rid, attr in (t for item in items for t in statement_tokens(item)):
                if (kind, rid) not in by_name:
                    raise ResourceError(
                        f"{where}: a statement's Resource refers to {kind} {rid!r}, which this API does not know.",
                        given=f"{kind}({rid!r}).{attr}",
                        fix=f"use {kind.lower()}.{attr} itself as one of the statement's resources, "
                        f"or pass the {kind} in bind=[...]",
                    )
        self._check_functions()
        if self.cdk.imports_stage and (
            self.custom_domain is not None or (self.access_log.explicit and self.access_log.enabled)
        ):
            from .._errors import CdkPropsError

            raise CdkPropsError(
                "With an imported stage (cdk.web_socket_stage as a string) wsnb cannot set "
                + ("custom_domain" if self.custom_domain else "access_log")
                + ".",
                given=self.cdk.web_socket_stage,
                fix="configure the domain and logging on the existing stage, or let wsnb create the stage",
                path="cdk.web_socket_stage",
            )
        return self

    def _check_functions(self) -> None:
        """Rules on the merged functions: unique function names, environment under 4 KB."""
        named: dict[str, str] = {}
        for where, fn in self.all_functions():
            props = fn.props
            name = props.get("function_name")
            if name is not None and name in named:
                raise PropError(
                    f"{named[name]} and {where} both set function_name={name!r}; "
                    "Lambda function names are unique per account and region.",
                    given=name,
                    fix="set function_name on each route (not in defaults), each one different",
                    path=f"{where}.function_name",
                )
            if name is not None:
                named[name] = where
            if _environment_bytes(fn) > ENV_MAX_BYTES:
                check_environment_size(_full_environment(fn), f"{where}.environment")

    # ----------------------------------------------------------- JSON

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        out["routes"] = {r.key: r.to_json() for r in self.routes}
        if self.defaults:
            out["defaults"] = {"function": props_to_json(self.defaults)}
        if self.authorizer != "none":
            out["authorizer"] = authorizer_to_json(self.authorizer)
        if self.custom_domain:
            out["custom_domain"] = self.custom_domain.to_json()
        log = self.access_log.to_json()
        if log is not None:
            out["access_log"] = log
        cdk = self.cdk.to_json()
        if cdk:
            out["cdk"] = cdk
        if self.permissions:
            out["attached_permissions"] = [permission_to_json(p) for p in self.permissions]
        if self.bind:
            out["attached_bind"] = [{r.kind.lower(): r.id} for r in self.bind]
        resources = self.resources()
        if resources:
            out["resources"] = [{"type": r.kind, **r.to_dict()} for r in resources]
        return out

    @classmethod
    def from_json(cls, data: Any, *, wsnb_api_type: type | None = None) -> ApiSpec:
        """The spec back from :meth:`to_json` output (malformed input: ``ValidationError``)."""
        from ._json import spec_from_json

        return spec_from_json(data, wsnb_api_type=wsnb_api_type)

    @functools.cached_property
    def _canonical(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def digest(self) -> str:
        """A stable content hash (same model, same digest, in every process)."""
        return hashlib.sha256(self._canonical.encode()).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiSpec) and self._canonical == other._canonical

    def __hash__(self) -> int:
        return hash(self._canonical)

    # ----------------------------------------------------------- building

    def with_route(self, route: RouteSpec, *, replace: bool = False) -> ApiSpec:
        if self.defaults and route.final:
            raise finished_function_error(route.key)
        existing = self.route(route.key)
        if existing is not None:
            same = existing.definition_json() == route.definition_json()
            if same:
                return self
            if not replace:
                raise DuplicateRouteError(
                    f"Route {route.key!r} is already defined differently.",
                    given={"existing": existing.definition_json(), "new": route.definition_json()},
                    fix=f"to replace it: api.route({route.key!r}, ..., replace=True); adding the identical route again is a no-op",
                    path=f"routes[{route.key!r}]",
                )
            new_route = dataclasses.replace(
                route, permissions=existing.permissions, bind=existing.bind
            )
            routes = tuple(new_route if r.key == route.key else r for r in self.routes)
        else:
            routes = (*self.routes, route)
        return dataclasses.replace(self, routes=routes)


def _full_environment(fn: RouteFunction) -> dict[str, str]:
    """The variables Lambda gets: the function's own, then those ``bind`` injects."""
    from ._resources import bind_environment

    env = dict(fn.props.get("environment", {}))
    for res in fn.props.get("bind", ()):
        for key, value in bind_environment(res).items():
            env.setdefault(key, value)
    return env


@functools.lru_cache(maxsize=8192)
def _environment_bytes(fn: RouteFunction) -> int:
    return environment_bytes(_full_environment(fn))


def finished_function_error(key: str) -> DefaultsConflictError:
    return DefaultsConflictError(
        f"Route {key!r} is a finished Function(...), but defaults are set; its props are final, so defaults could not apply.",
        given=key,
        fix=f'pass a dict or keyword props instead: api.route({key!r}, "src/handler.main", timeout=10) or {{"function": {{"handler": ..., ...}}}}',
        path=f"routes[{key!r}]",
    )


def merge_function(
    route: RouteSpec,
    defaults: Mapping[str, Any],  # the spec's frozen defaults (hashable: merges are cached)
    api_permissions: tuple[Any, ...] = (),
    api_bind: tuple[Resource, ...] = (),
) -> RouteFunction:
    """SST's merge: route props win; environment merges key by key; permissions, layers
    and bind concatenate (defaults first); ``"*"`` on either side wins.

    Specs are immutable and hashable, so each distinct route merges once (every builder call
    makes a new spec; without the cache a 300-route API would re-merge every route each time).
    A notebook function is part of the key by identity: equal source is not the same object.
    """
    func = route.handler.func if isinstance(route.handler, CallableHandler) else None
    return _merge_function(route, id(func), defaults, api_permissions, api_bind)


@functools.lru_cache(maxsize=8192)
def _merge_function(
    route: RouteSpec,
    _func_id: int,
    defaults: Mapping[str, Any],
    api_permissions: tuple[Any, ...],
    api_bind: tuple[Resource, ...],
) -> RouteFunction:
    props, prov = merge_props(route.props, {} if route.final else defaults)
    for name, extra in (
        ("permissions", api_permissions + route.permissions),
        ("bind", api_bind + route.bind),
    ):
        if extra:
            if name in props:
                props[name] = props[name] + extra
                prov[name] = "merged"
            else:
                props[name] = extra
                prov[name] = "attached"
    if "permissions" in props:
        props["permissions"] = dedupe(props["permissions"])
    if "bind" in props:
        props["bind"] = tuple(dict.fromkeys(props["bind"]))
    if "layers" in props:
        props["layers"] = tuple(dict.fromkeys(props["layers"]))
    ordered = {n: props[n] for n in PROP_NAMES if n in props}
    return RouteFunction(route.key, ordered, {n: prov[n] for n in ordered}, route.final)


def merge_props(
    own: Mapping[str, Any], base: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The one place defaults apply: ``own`` props over ``base`` (the API's defaults) over
    wsnb's built-in defaults; environment merges key by key, lists concatenate (base first).
    A Python function keeps wsnb's Python runtime when ``base`` says Node.js."""
    props: dict[str, Any] = {}
    prov: dict[str, str] = {}
    for name in PROP_NAMES:
        in_own, in_base = name in own, name in base
        if name in MERGED_PROPS and in_own and in_base:
            if name == "environment":
                props[name] = {**base[name], **own[name]}
            else:
                props[name] = base[name] + own[name]
            prov[name] = "merged"
        elif in_own:
            props[name] = own[name]
            prov[name] = "route"
        elif in_base:
            props[name] = base[name]
            prov[name] = "defaults"
        elif name in BUILTIN_DEFAULTS:
            props[name] = BUILTIN_DEFAULTS[name]
            prov[name] = "builtin"
    if (
        isinstance(props.get("handler"), CallableHandler)
        and prov.get("runtime") == "defaults"
        and _facts.runtime_family(props["runtime"]) != "python"
    ):
        # A notebook function is Python code: a Node.js runtime in defaults (meant for the
        # handler files) does not apply to it; lint says so (callable-python-runtime).
        props["runtime"] = BUILTIN_DEFAULTS["runtime"]
        prov["runtime"] = CALLABLE_RUNTIME_PROVENANCE
    return props, prov


def make_route(
    key: Any,
    definition: Any,
    *,
    return_response: Any = None,
    extra_props: dict[str, Any] | None = None,
) -> RouteSpec:
    """A RouteSpec from any route form: handler string, callable, Function, or SST dict."""
    key = normalize_route_key(key)
    path = f"routes[{key!r}]"
    extra = dict(extra_props or {})
    final = False
    if isinstance(definition, dict):
        data = dict(definition)
        if "function" not in data and "handler" in data:
            raise _dict_route_error(key, definition)
        type_ = data.pop("type", "function")
        if type_ != "function":
            raise _dict_route_error(key, definition)
        rr = data.pop("return_response", data.pop("returnResponse", None))
        if rr is not None:
            if return_response is not None and rr != return_response:
                raise _dict_route_error(key, definition)
            return_response = rr
        integration = data.pop("integration", None)
        fn = data.pop("function", None)
        if data:
            raise unknown_prop_error(next(iter(data)), path, route_keyword=True)
        if integration is not None:
            if fn is not None or not isinstance(integration, Integration):
                raise _dict_route_error(key, definition)
            fn = integration
        definition = fn
    if isinstance(definition, Integration):
        return _integration_route(key, definition, return_response, extra, path)
    if isinstance(definition, Function):
        if extra:
            from .._errors import PropError

            raise PropError(
                f"Route {key!r}: props cannot be added to a finished Function(...).",
                given=extra,
                fix=f"put them in the Function: Function(..., {', '.join(f'{k}=...' for k in extra)})",
                path=path,
            )
        props = definition.props
        final = True
    elif isinstance(definition, dict):
        props = normalize_props({**definition, **extra}, f"{path}.function")
    else:
        if definition is None:
            from .._errors import HandlerError

            raise HandlerError(
                f"Route {key!r} has no handler.",
                given=definition,
                allowed='"path/to/file.func", a Python function, Function(...), or {"function": ...}',
                fix=f'api.route({key!r}, "src/handler.main")',
                path=path,
            )
        props = normalize_props({"handler": definition, **extra}, f"{path}.function")
    if "handler" not in props:
        from .._errors import HandlerError

        raise HandlerError(
            f"Route {key!r} has function props but no handler.",
            given=definition,
            fix='{"function": {"handler": "src/handler.main", ...}}',
            path=f"{path}.function.handler",
        )
    return RouteSpec(
        key=key, props=props, return_response=_return_response(return_response, path), final=final
    )


def _return_response(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PropError(
            "return_response must be True or False.", given=value, path=f"{path}.return_response"
        )
    return value


def _integration_route(
    key: str, integration: Integration, return_response: Any, extra: dict[str, Any], path: str
) -> RouteSpec:
    """A route whose target is an integration object: a ``LambdaIntegration`` hands its
    function to the route (``props``, where ``defaults`` merge in); the others take no props."""
    if not isinstance(integration, LambdaIntegration):
        if extra:
            raise PropError(
                f"Route {key!r} is a {integration.label} integration: it has no function to "
                "take function props.",
                given=extra,
                fix="drop them (only a Lambda route takes function props)",
                path=path,
            )
        return RouteSpec(
            key=key,
            props=FrozenDict(),
            return_response=_return_response(return_response, path),
            integration=integration,
        )
    final = integration.final
    if final and extra:
        raise PropError(
            f"Route {key!r}: props cannot be added to a finished Function(...).",
            given=extra,
            fix=f"put them in the Function: Function(..., {', '.join(f'{k}=...' for k in extra)})",
            path=path,
        )
    props = dict(integration.function_props)
    if not props:
        from .._errors import HandlerError

        raise HandlerError(
            f"Route {key!r}: the LambdaIntegration has no function.",
            given=integration,
            fix='LambdaIntegration("src/handler.main", request_templates={...})',
            path=path,
        )
    if extra:
        props = normalize_props({**props, **extra}, f"{path}.function")
    return RouteSpec(
        key=key,
        props=props,
        return_response=_return_response(return_response, path),
        final=final,
        integration=integration.without_function(),
    )


def _dict_route_error(key: str, definition: Any):
    from .._errors import HandlerError

    return HandlerError(
        f"Route {key!r}: a dict route is {{'function': ..., 'return_response'?: bool}} or "
        "{'integration': <integration>, 'return_response'?: bool}.",
        given=definition,
        allowed="{'function': 'src/file.func' | Function(...) | {handler, timeout, ...}, 'return_response': True}",
        fix='{"function": {"handler": "src/send.main", "timeout": 10}}',
        path=f"routes[{key!r}]",
    )
