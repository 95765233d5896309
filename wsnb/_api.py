"""``WebSocketApi``: the fluent, SST-shaped front door over one immutable :class:`ApiSpec`.

Every builder call validates a complete new spec and only then swaps it in (one assignment),
so a call that raises leaves the API exactly as it was, and re-running a cell is safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import ArgumentError, PropError, RouteKeyError, check_keywords
from ._user_frames import warnings_if_committed
from .model import (
    ApiSpec,
    RouteFunction,
    RouteSpec,
    add_routes,
    append_unique,
    build_spec,
    defaults_props,
    finished_function_error,
    integration_error,
    make_route,
    normalize_access_log,
    normalize_authorizer,
    normalize_domain,
    normalize_permissions,
    normalize_route_key,
    replace_route,
    resource_list,
)

if TYPE_CHECKING:
    from ._lint import Finding


class WebSocketApi:
    """An API Gateway WebSocket API, built fluently or SST-style.

    >>> api = WebSocketApi("Api").route("$connect", "src/connect.main").route("sendMessage", "src/send.main")
    >>> api.routes
    ['$connect', 'sendMessage']
    """

    @warnings_if_committed
    @check_keywords
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
        self._spec: ApiSpec = build_spec(
            id,
            routes=routes,
            defaults=defaults,
            authorizer=authorizer,
            custom_domain=custom_domain,
            access_log=access_log,
            cdk=cdk,
            wsnb_api_type=WebSocketApi,
        )
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

    @warnings_if_committed
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

    @warnings_if_committed
    def add_routes(self, *args: Any, routes: Any = None, replace: bool = False) -> WebSocketApi:
        """Add several routes (SST's ``addRoutes``): ``api.add_routes({"sendMessage": "src/send.main"})``.

        SST's form with a scope first, ``api.add_routes(stack, {...})``, is accepted too, and
        the dict may be given as ``routes=``.
        """
        if routes is not None:
            args = (*args, routes)
        if len(args) == 2:
            args = args[1:]
        if len(args) != 1 or not isinstance(args[0], dict):
            raise RouteKeyError(
                "add_routes takes one dict of route key to route definition.",
                given=args,
                fix='api.add_routes({"sendMessage": "src/sendMessage.main"})',
            )
        return self._commit(add_routes(self._spec, args[0], replace=replace))

    @warnings_if_committed
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
        new_defaults = defaults_props(data)
        if new_defaults:
            final = [r.key for r in self._spec.routes if r.final]
            if final:
                raise finished_function_error(final[0])
        return self._commit(dataclasses.replace(self._spec, defaults=new_defaults))

    @warnings_if_committed
    def authorizer(self, value: Any) -> WebSocketApi:
        """``"iam"``, ``"none"``, a ``LambdaAuthorizer``, or ``{"type": "lambda", "function": ...}``."""
        return self._commit(dataclasses.replace(self._spec, authorizer=normalize_authorizer(value)))

    @warnings_if_committed
    def custom_domain(self, value: Any) -> WebSocketApi:
        """``"api.example.com"``, ``"*.example.com"`` or the SST dict form; ``None`` removes it."""
        domain = normalize_domain(value, wsnb_api_type=WebSocketApi)
        return self._commit(dataclasses.replace(self._spec, custom_domain=domain))

    @warnings_if_committed
    def access_log(self, value: Any = True) -> WebSocketApi:
        """``True`` (the default JSON line), ``False``, a format string, or ``{"retention", "format", "destination_arn"}``."""
        return self._commit(dataclasses.replace(self._spec, access_log=normalize_access_log(value)))

    @warnings_if_committed
    def attach_permissions(self, perms: Any = None, *, permissions: Any = None) -> WebSocketApi:
        """Grant every route (present and future): ``api.attach_permissions(["s3"])``
        (keyword: ``perms=``, or ``permissions=`` as SST names it)."""
        perms = _one_of("attach_permissions", perms=perms, permissions=permissions)
        items = normalize_permissions(perms, "attach_permissions")
        return self._commit(
            dataclasses.replace(
                self._spec, permissions=append_unique(self._spec.permissions, items)
            )
        )

    @warnings_if_committed
    def attach_permissions_to_route(
        self,
        key: Any = None,
        perms: Any = None,
        *,
        route_key: Any = None,
        permissions: Any = None,
    ) -> WebSocketApi:
        """Grant one route: ``api.attach_permissions_to_route("$default", ["s3"])`` (keywords:
        ``key=``/``perms=``, or SST's ``route_key=``/``permissions=``)."""
        key = _one_of("attach_permissions_to_route", key=key, route_key=route_key)
        perms = _one_of("attach_permissions_to_route", perms=perms, permissions=permissions)
        route = self._function_route(key, "attach_permissions_to_route")
        items = normalize_permissions(perms, f"attach_permissions_to_route({route.key!r})")
        new = dataclasses.replace(route, permissions=append_unique(route.permissions, items))
        return self._commit(replace_route(self._spec, new))

    @warnings_if_committed
    def bind(self, resources: Any) -> WebSocketApi:
        """Bind resources to every route (grants access and injects environment variables)."""
        items = resource_list(resources, "bind")
        return self._commit(
            dataclasses.replace(self._spec, bind=append_unique(self._spec.bind, items))
        )

    @warnings_if_committed
    def bind_to_route(
        self, key: Any = None, resources: Any = None, *, route_key: Any = None
    ) -> WebSocketApi:
        """Bind resources to one route (keywords: ``key=``, or SST's ``route_key=``)."""
        key = _one_of("bind_to_route", key=key, route_key=route_key)
        route = self._function_route(key, "bind_to_route")
        items = resource_list(resources, f"bind_to_route({route.key!r})")
        new = dataclasses.replace(route, bind=append_unique(route.bind, items))
        return self._commit(replace_route(self._spec, new))

    def _function_route(self, key: Any, where: str) -> RouteSpec:
        """The route, which must have a function (not a mock/HTTP/AWS service integration)."""
        route = self._existing_route(key, where)
        if not route.has_function:
            assert route.integration is not None
            raise integration_error(route.key, route.integration, where)
        return route

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
        return cls._from_spec(ApiSpec.from_json(data, wsnb_api_type=WebSocketApi))

    @classmethod
    def _from_spec(cls, spec: ApiSpec) -> WebSocketApi:
        new = object.__new__(cls)
        new._spec = spec
        new._observers = []
        return new

    @classmethod
    def from_template(
        cls,
        source: Any,
        *,
        api: str | None = None,
        parameters: dict[str, Any] | None = None,
        region: str | None = None,
        account: str | None = None,
        base_dir: Any = None,
    ) -> WebSocketApi:
        """Load an existing WebSocket API from a CloudFormation/SAM template or a ``cdk.out``.

        ``source``: a ``.yaml``/``.yml``/``.json``/``.template`` file (short-form tags such as
        ``!Ref`` understood), a parsed template dict, or a cloud assembly folder. ``api``: the
        ``AWS::ApiGatewayV2::Api`` logical id when there are several. ``parameters`` override
        Parameter defaults; ``region``/``account`` set the pseudo parameters (and are what
        ``serve()`` runs with, as is the template's stage name); ``base_dir`` is where code paths
        resolve (default: the template's folder). What was read, approximated and ignored is in
        ``api.template_report``; each place where ``synth()``/``export()`` differ from the
        template is a ``template-approximated`` warning of ``api.lint()`` and of the
        synth/export result. Every route gets its own function in wsnb, so a template function
        serving several routes becomes one per route (its ``FunctionName`` kept on the first
        route's only).
        """
        from .template import from_template

        return from_template(
            source,
            api=api,
            parameters=parameters,
            region=region,
            account=account,
            base_dir=base_dir,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebSocketApi) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]  # mutable facade

    def copy(self) -> WebSocketApi:
        return WebSocketApi._from_spec(self._spec)

    # ------------------------------------------------------------------ display

    # The display's lint summary counts exactly what ``self.lint()`` returns (one source:
    # an API read from a template adds its own findings there).

    def __repr__(self) -> str:
        from .display import text_table

        return text_table(self._spec, self.lint())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .display import mimebundle

        return mimebundle(self._spec, self.lint)

    def to_mermaid(self) -> str:
        from .display import to_mermaid

        return to_mermaid(self._spec)

    def to_dot(self) -> str:
        from .display import to_dot

        return to_dot(self._spec)

    def to_html(self) -> str:
        from .display import to_html

        return to_html(self._spec, self.lint())

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

    @check_keywords
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

        result = synthesize(
            self._spec, app=app, stage=stage, region=region, account=account, context=context
        )
        return result.with_warnings(self._output_notes())

    def _output_notes(self) -> list[str]:
        """What synth() and export() tell beyond the model's own warnings: for an API read
        from a template, every place where the output differs from the template."""
        return []

    def to_cdk(self, scope: Any, id: str | None = None) -> Any:
        """Add this API to your own CDK stack; returns the construct."""
        from .synth import to_cdk

        return to_cdk(self._spec, scope, id)

    @check_keywords
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
        """Write a standalone CDK app (no wsnb dependency) that synthesizes to the same template.

        ``path`` must be new or empty; ``overwrite=True`` also accepts a previous wsnb export
        (it replaces the files that export wrote and keeps yours).
        """
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
            notes=self._output_notes(),
        )

    def serve(
        self, port: int = 0, host: str = "127.0.0.1", stage: str = "dev", **options: Any
    ) -> Any:
        """Run the API locally in the background; returns a handle with ``.url`` and ``.stop()``.

        Options include ``secrets={"STRIPE_KEY": "sk_test_..."}`` (local values of bound
        Secrets), ``app=``, ``idle_timeout=``, ``integration_timeout=``, ``allow_remote=True``
        (other machines may connect; the HTTP management listener then requires SigV4 with
        ``server.management_credentials``) (see :func:`wsnb.local.serve`). Serving the same
        api on the same stage again replaces its earlier server; other servers keep running.
        """
        from .local import serve

        return serve(self, port=port, host=host, stage=stage, **options)


def _one_of(method: str, **given: Any) -> Any:
    """The one value given under either of two names (SPEC's, or SST's spelling of it)."""
    (first, a), (second, b) = given.items()
    if a is not None and b is not None:
        raise ArgumentError(
            f"{method}() got both {first}= and {second}=, which name the same argument.",
            given={first: a, second: b},
            fix=f"pass it once, as {first}=",
        )
    if a is None and b is None:
        raise ArgumentError(
            f"{method}() is missing its {first} argument.",
            given=None,
            fix=f"pass {first}=..., e.g. the first positional argument",
        )
    return a if a is not None else b
