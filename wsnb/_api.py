"""``WebSocketApi``: the fluent, SST-shaped front door over one immutable :class:`ApiSpec`.

Every builder call validates a complete new spec and only then swaps it in (one assignment),
so a call that raises leaves the API exactly as it was, and re-running a cell is safe.

Besides the model, an API holds its **root** (the folder its handler paths are relative to;
None: the working directory at each call) and, when read by ``from_template``, its **origin**
(a :class:`wsnb.template.TemplateOrigin`). Neither is part of the model: ``==``, ``to_dict``
and the digest ignore them. Nothing here changes process-wide state (no ``os.chdir``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import ArgumentError, PropError, RouteKeyError, ValidationError, check_keywords
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
    foreign_handlers,
    handler_files_in,
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
    from .template import TemplateOrigin

_M = TypeVar("_M", bound=Callable[..., Any])


def _handlers_in_root(method: _M) -> _M:
    """Builders: a handler file named in the call is looked for in the API's root."""

    @functools.wraps(method)
    def in_root(self: WebSocketApi, *args: Any, **kwargs: Any) -> Any:
        with handler_files_in(self._root):
            return method(self, *args, **kwargs)

    return in_root  # type: ignore[return-value]


class _Default(str):
    """A default argument that reads as its value (in ``help()`` and ``inspect.signature``)
    but is known to be the default, so that an API read from a template can use its own."""


_DEV = _Default("dev")


class _FromTemplate:
    """A read-only attribute of an API read by ``from_template`` (a field of ``api.origin``);
    on any other API, reading it raises ``AttributeError``."""

    def __init__(self, field: str, doc: str) -> None:
        self.field = field
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, api: WebSocketApi | None, owner: type | None = None) -> Any:
        if api is None:
            return self
        if api._origin is None:
            raise AttributeError(
                f"{self.name}: this WebSocketApi was not read from a template (api.origin is None)"
            )
        return getattr(api._origin, self.field)


class WebSocketApi:
    """An API Gateway WebSocket API, built fluently or SST-style.

    >>> api = WebSocketApi("Api").route("$connect", "src/connect.main").route("sendMessage", "src/send.main")
    >>> api.routes
    ['$connect', 'sendMessage']

    ``root=`` (or :meth:`with_root`) is the folder handler paths such as ``"src/connect.main"``
    are relative to, for lint, synth, export, serve and the display; without one, the working
    directory at the time of each call. ``from_template`` sets it to the template's folder.
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
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        self._root: Path | None = _checked_root(root)
        self._origin: TemplateOrigin | None = None
        with handler_files_in(self._root):
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
    @_handlers_in_root
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
    @_handlers_in_root
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
    @_handlers_in_root
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
    @_handlers_in_root
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

    # ------------------------------------------------------------------ where its files are

    @property
    def root(self) -> Path | None:
        """The folder handler paths are relative to (absolute), or None: the working directory
        at the time of each call. Not part of the model (``==`` and ``to_dict`` ignore it)."""
        return self._root

    def with_root(self, root: str | os.PathLike[str] | None) -> WebSocketApi:
        """Set the folder handler paths are relative to (None: the working directory at each
        call); a relative path is made absolute now. Returns the API, like the builders:
        ``WebSocketApi.from_dict(data).with_root("chat")``."""
        new = _checked_root(root)
        if new != self._root:
            self._root = new
            self._notify()  # the lint (handler files) a view shows may change
        return self

    @property
    def origin(self) -> TemplateOrigin | None:
        """Where the API was read from: a :class:`wsnb.template.TemplateOrigin` for an API from
        ``from_template`` (report, source, stage, region, account, runtimes, ...), else None."""
        return self._origin

    template_report = _FromTemplate(
        "report", "What ``from_template`` read, approximated and ignored, resource by resource."
    )
    template_origin = _FromTemplate("source", "The template's name (its path, or what it was).")
    template_root = _FromTemplate(
        "root", "The folder the template's handler paths are relative to."
    )
    template_stage = _FromTemplate("stage", "The template's stage name (``serve()``'s default).")
    template_api_host = _FromTemplate(
        "api_host", '``"{}.execute-api.<region>.amazonaws.com"`` (``{}`` = the API id).'
    )
    template_region = _FromTemplate("region", "What ``AWS::Region`` resolved to.")
    template_account = _FromTemplate("account", "What ``AWS::AccountId`` resolved to.")
    runtimes = _FromTemplate("runtimes", "Function logical id → its template runtime.")
    route_functions = _FromTemplate("route_functions", "Route key → function logical id.")
    loaded_spec = _FromTemplate("loaded_spec", "The model as read from the template.")

    def foreign_functions(self) -> dict[str, str]:
        """Functions with a runtime the emulator cannot run (logical id → runtime), as read
        from a template: shown, never run."""
        return foreign_handlers(self._spec)

    def check_runnable(self) -> None:
        """Raise a ``WsnbError`` naming every function the emulator cannot run (and its runtime)."""
        if self.foreign_functions():
            from .template import check_runnable

            check_runnable(self._spec)

    # ------------------------------------------------------------------ findings and data

    def lint(self) -> list[Finding]:
        """Findings (level, code, message, fix) about what would fail or surprise at deploy."""
        from ._lint import lint

        findings = lint(self._spec, root=self._root)
        if self._origin is None:
            return findings
        from .template import lint_findings

        return lint_findings(self._spec, self._origin, findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the model; ``WebSocketApi.from_dict(api.to_dict()) == api``.
        The root and the origin are not in it: they say where files are on this machine."""
        return self._spec.to_json()

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, root: str | os.PathLike[str] | None = None
    ) -> WebSocketApi:
        """Rebuild an API from :meth:`to_dict` output (a malformed dict raises a
        ``ValidationError``); ``root`` as for ``WebSocketApi(...)`` (the dict holds none)."""
        folder = _checked_root(root)
        with handler_files_in(folder):
            spec = ApiSpec.from_json(data, wsnb_api_type=WebSocketApi)
        return cls._from_spec(spec, root=folder)

    @classmethod
    def _from_spec(
        cls, spec: ApiSpec, *, root: Path | None = None, origin: TemplateOrigin | None = None
    ) -> WebSocketApi:
        new = object.__new__(cls)
        new._spec = spec
        new._root = root
        new._origin = origin
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
        resolve (default: the template's folder), and becomes the API's ``root``. What was
        read, approximated and ignored is in ``api.template_report`` (all of it in
        ``api.origin``); each place where ``synth()``/``export()`` differ from the
        template is a ``template-approximated`` warning of ``api.lint()`` and of the
        synth/export result. Every route gets its own function in wsnb, so a template function
        serving several routes becomes one per route (its ``FunctionName`` kept on the first
        route's only).
        """
        from .template import read_template

        spec, origin = read_template(
            source,
            api=api,
            parameters=parameters,
            region=region,
            account=account,
            base_dir=base_dir,
        )
        return cls._from_spec(spec, root=origin.root, origin=origin)

    def __eq__(self, other: object) -> bool:
        """The same model (the root and the origin are not compared)."""
        return isinstance(other, WebSocketApi) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]  # mutable facade

    def copy(self) -> WebSocketApi:
        """A new API with the same model, root and origin (views and servers are not copied)."""
        return WebSocketApi._from_spec(self._spec, root=self._root, origin=self._origin)

    # ------------------------------------------------------------------ display

    # The display's lint summary counts exactly what ``self.lint()`` returns (one source:
    # an API read from a template adds its own findings there).

    def __repr__(self) -> str:
        from .display import text_table

        text = text_table(self._spec, self.lint())
        if self._origin is None:
            return text
        from .template import note_text

        return text + "\n" + note_text(self._origin)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .display import mimebundle

        bundle = mimebundle(self._spec, self.lint)
        if self._origin is None:
            return bundle
        from .template import note_html, note_text

        bundle = dict(bundle)
        if "text/html" in bundle:
            bundle["text/html"] = note_html(self._origin) + bundle["text/html"]
        if "text/plain" in bundle:
            bundle["text/plain"] = bundle["text/plain"] + "\n" + note_text(self._origin)
        return bundle

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
        """Synthesize CloudFormation with aws-cdk-lib (imported only now); cached per model
        (and root, and handler file contents)."""
        from .synth import synthesize

        spec = self._output_spec("synth()")
        with self._output_root() as root:
            result = synthesize(
                spec,
                app=app,
                stage=stage,
                region=region,
                account=account,
                context=context,
                root=root,
            )
        return result.with_warnings(self._output_notes())

    def _output_spec(self, what: str) -> ApiSpec:
        """The model synth/export/to_cdk build (``what``: "synth()", "export()" or
        "to_cdk()"): for an API read from a template, without the routes whose function synth
        cannot build (a warning names them), with a warning where the output differs from the
        template."""
        if self._origin is None:
            return self._spec
        from .template import output_spec

        return output_spec(self._spec, self._origin, what)

    @contextlib.contextmanager
    def _output_root(self) -> Iterator[Path | None]:
        """The folder synth/export/to_cdk read handler files in (None: the working directory);
        for an API read from a template, a private root's links are followed in a copy."""
        if self._origin is None or self._root is None:
            yield self._root
            return
        from .template import output_root

        with output_root(self._root) as root:
            yield root

    def _output_notes(self) -> list[str]:
        """What synth() and export() tell beyond the model's own warnings: for an API read
        from a template, every place where the output differs from the template."""
        if self._origin is None:
            return []
        from .template import output_notes

        return output_notes(self._spec, self._origin)

    def to_cdk(self, scope: Any, id: str | None = None) -> Any:
        """Add this API to your own CDK stack; returns the construct."""
        from .synth import to_cdk

        spec = self._output_spec("to_cdk()")
        with self._output_root() as root:
            return to_cdk(spec, scope, id, root=root)

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
        (it replaces the files that export wrote and keeps yours). A relative ``path`` is
        relative to the working directory; handler files are read from the API's root.
        """
        from .export import export_app

        spec = self._output_spec("export()")
        with self._output_root() as root:
            return export_app(
                spec,
                path,
                app=app,
                stage=stage,
                region=region,
                account=account,
                context=context,
                overwrite=overwrite,
                notes=self._output_notes(),
                root=root,
            )

    def serve(
        self, port: int = 0, host: str = "127.0.0.1", stage: str = _DEV, **options: Any
    ) -> Any:
        """Run the API locally in the background; returns a handle with ``.url`` and ``.stop()``.

        ``stage`` defaults to ``"dev"`` (an API read from a template: the template's stage, and
        ``region``/``account`` those it was read with). Handler paths resolve from the API's
        root (``root=`` overrides it). Options include ``secrets={"STRIPE_KEY": "sk_test_..."}``
        (local values of bound Secrets), ``app=``, ``idle_timeout=``, ``integration_timeout=``,
        ``allow_remote=True`` (other machines may connect; the HTTP management listener then
        requires SigV4 with ``server.management_credentials``) (see :func:`wsnb.local.serve`).
        Serving the same api on the same stage again replaces its earlier server; other
        servers keep running.
        """
        from .local import serve

        self.check_runnable()
        if self._root is not None:
            options.setdefault("root", str(self._root))
        if self._origin is not None:
            from .template import answer_deployed_host, serve_defaults

            stage = serve_defaults(self._origin, None if stage is _DEV else stage, options)
        elif stage is _DEV:
            stage = "dev"  # a plain str for the emulator
        server = serve(self, port=port, host=host, stage=stage, **options)
        if self._origin is not None:
            answer_deployed_host(server, self._origin)
        return server


def _checked_root(root: Any) -> Path | None:
    """An API's root as given (None, or a folder path made absolute), or a ``ValidationError``."""
    if root is None:
        return None
    text = os.fspath(root) if isinstance(root, (str, os.PathLike)) else None
    if not isinstance(text, str) or not text.strip() or "\x00" in text:
        raise ValidationError(
            "root must be the path of the folder handler paths are relative to.",
            given=root,
            allowed="a str or os.PathLike folder path, or None (the working directory at each call)",
            fix='WebSocketApi("Api", root="path/to/project"), or api.with_root("path/to/project")',
        )
    path = Path(os.path.abspath(os.path.expanduser(text)))
    if path.exists() and not path.is_dir():
        raise ValidationError(
            f"root {text!r} is a file, not a folder.",
            given=root,
            allowed="the folder that holds the handler files (e.g. the one with src/ in it)",
            fix=f"api.with_root({str(path.parent)!r})",
        )
    return path


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
