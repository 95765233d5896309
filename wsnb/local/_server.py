"""The running emulator's handle and lifecycle: a websockets server on its own thread and loop.

:class:`LocalServer` is what ``serve()`` returns. It starts a thread with its own event loop
that listens for WebSocket clients (:mod:`._handshake`, :mod:`._dispatch`) and for management
requests over HTTP (:mod:`._management`), sweeps idle and over-age connections, and on stop
closes everything it opened. The shared state lives in a :class:`._gateway.Gateway`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import EmulatorError
from ..model import Bucket, LambdaAuthorizer, Secret, Table, resource_name
from . import _environ, _management, _mgmt_auth, _moto, _tables, _transport, _ws
from ._dispatch import Dispatcher
from ._events import Stage
from ._functions import Functions
from ._gate import LoopGate, new_loop
from ._gateway import Gateway
from ._handler_runtime import ServerInfo
from ._handshake import Handshake
from ._ids import api_id, now_ms
from ._integrations import Integrations
from ._invoker import Invoker
from ._monitor import EventLog, Monitor, Record
from ._options import ServeOptions
from ._runtimes import Runtimes
from ._traffic import Traffic

log = logging.getLogger("wsnb.local")

#: A handshake whose HTTP request has not fully arrived by then is dropped (slowloris). The
#: authorizer and ``$connect`` that follow are bounded by the integration timeout instead.
REQUEST_READ_SECONDS = 10.0


def _option(name: str) -> property:
    return property(lambda self: getattr(self.options, name), doc=f"The ``{name}`` option.")


class LocalServer:
    """A running local API Gateway WebSocket API. Made by :func:`wsnb.local.serve`.

    ``LocalServer(api, options)`` takes validated :class:`ServeOptions`; keyword arguments
    (those of ``serve()``) are validated into them when ``options`` is not given.
    """

    host = _option("host")
    stage = _option("stage")
    app = _option("app")
    region = _option("region")
    account = _option("account")  # in the ARNs handlers see (local data lives in moto's account)
    iam = _option("iam")
    compression = _option("compression")
    #: Other machines may connect; the HTTP management listener then requires SigV4 requests
    #: signed with :attr:`management_credentials` (see :mod:`._mgmt_auth`).
    allow_remote = _option("allow_remote")
    idle_timeout = property(lambda self: float(self.options.idle_timeout))
    max_connection_seconds = property(lambda self: float(self.options.max_connection_seconds))
    integration_timeout = property(lambda self: float(self.options.integration_timeout))

    def __init__(self, api: Any, options: ServeOptions | None = None, **arguments: Any) -> None:
        if options is None:
            options = ServeOptions.parse(api.spec, **arguments)
        elif arguments:
            raise TypeError("LocalServer() takes options or keyword arguments, not both")
        self.api = api
        self.options = options
        self.management_credentials = _mgmt_auth.new_credentials()
        self.root: Path = options.root_path
        self.api_id = api_id(api.id)
        self.port = 0
        self.management_port = 0
        functions = Functions(
            stage=options.stage,
            app=options.app,
            region=options.region,
            account=options.account,
            root=self.root,
            secrets=options.secrets,
            fake_credentials=_no_credentials(),
            reserve=lambda name, limit: self._invoker.reserve(name, limit),
            on_new_spec=lambda spec: self._integrations.prepare(spec),
        )
        self._gateway = gateway = Gateway(api, EventLog(options.max_events), functions)
        self._invoker = Invoker(
            Runtimes(self._server_info),
            gateway.events,
            gateway.spawn,
            gateway.invocations,
            integration_timeout=self.integration_timeout,
            max_workers=options.max_workers,
        )
        self._integrations = Integrations(
            gateway,
            self._invoker,
            stage=options.stage,
            app=options.app,
            region=options.region,
            account=options.account,
            integration_timeout=self.integration_timeout,
        )
        # open management connections: their task, and the writer that ends them at stop
        self._http_tasks: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_tid = 0
        self._gate = LoopGate()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._stopping = False
        self._start_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._botocore_answer: Callable[[Any], Any] | None = None
        self._api_answer: _transport.Answer | None = None
        self._extra_hosts: list[tuple[str, _transport.Answer]] = []
        self._env_installed = False
        self._moto_acquired = False

    # ------------------------------------------------------------------ public handle

    def answer_host(self, host: str) -> None:
        """Also answer in-process @connections calls addressed to ``host`` (e.g. the deployed
        API's ``{apiId}.execute-api.{region}.amazonaws.com`` that a template's handlers build
        their client from), whatever stage their URL names; forgotten when the server stops.
        Nothing leaves the machine."""
        served = self._api_answer
        if served is None:
            raise EmulatorError(
                "answer_host() needs a running server.",
                given=host,
                fix="call it after serve() has started the server",
            )

        def answer(method: str, url: str, body: bytes) -> Any:
            parts = url.split("/", 4)  # https:, '', host, stage, rest
            if len(parts) > 3:  # the caller's stage may differ from the one served
                parts[3] = self.stage
            return served(method, "/".join(parts), body)

        _transport.register_api(host, answer)
        self._extra_hosts.append((host, answer))

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>`` — what a WebSocket client connects to."""
        return f"ws://{self.host}:{self.port}"

    @property
    def domain_name(self) -> str:
        """``requestContext.domainName``: ``127.0.0.1:<port>``; ``https://{domainName}/{stage}``
        is the management endpoint handlers build, answered in process."""
        return f"{self.host}:{self.port}"

    @property
    def endpoint_url(self) -> str:
        """The management endpoint exactly as handlers build it: ``https://{domainName}/{stage}``."""
        return f"https://{self.domain_name}/{self.stage}"

    @property
    def management_url(self) -> str:
        """The management API over plain HTTP, for tools outside this process."""
        return f"http://{self.host}:{self.management_port}/{self.stage}"

    @property
    def running(self) -> bool:
        return self._ready.is_set() and not self._stopped.is_set()

    @property
    def connections(self) -> list[dict[str, Any]]:
        """The open connections: id, connectedAt, lastActiveAt, sourceIp, userAgent, counts."""
        return [c.info() for c in self._gateway.open_connections()]

    @property
    def events(self) -> list[Record]:
        """The latest events (bounded, oldest first): dicts with ``time`` (``time.time()``),
        ``type`` and, as the type has them, ``connectionId``, ``routeKey``, ``requestId``,
        ``status``, ``detail``:

        * ``connect`` / ``reject``: a handshake accepted / refused (``requestId``: that of its
          ``$connect`` invocation, when one ran); ``unauthorized`` (identity source missing);
          ``authorize``: the authorizer's decision (``requestId``: its invocation's);
        * ``message``: a message routed to ``routeKey`` (``requestId``: its invocation's);
          ``result``: how an invocation of a route ended (same ``requestId``; a ``$connect`` or
          ``$disconnect`` one also has ``started``, the ``time`` it was invoked); ``error``: a
          handler failed;
        * ``post``: a ``post_to_connection`` to ``connectionId``; ``routeKey`` names the caller
          (a route, ``"notebook"`` or ``"http"``) and ``invocationRequestId`` is the
          ``requestId`` of the invocation whose handler made the call (``None`` from the
          notebook or the HTTP listener);
        * ``close``: the server closes ``connectionId`` (idle timeout, maximum duration, or
          ``delete_connection``, whose record has ``invocationRequestId`` too);
          ``disconnect``: a connection ended (``requestId``: that of its ``$disconnect``
          invocation, when the route exists); ``start`` / ``stop``.
        """
        return self._gateway.events.snapshot()

    def on_event(self, callback: Callable[[Record], Any]) -> Callable[[], None]:
        """Call ``callback(record)`` for each new event, one at a time, in order (on the
        server's thread, or on a handler's thread acting for it while the server's thread waits
        for I/O; keep it quick). Returns a function that unsubscribes."""
        return self._gateway.events.subscribe(callback)

    def traffic(self, last: int | None = None) -> Traffic:
        """A picture of what happened: a sequence diagram (client → API Gateway → function →
        @connections → clients) of the latest ``last`` events (all kept ones by default) and a
        per-route summary (count, errors, p50/p95 latency). Display it in a notebook, or use
        ``.to_mermaid()``, ``.to_text()``, ``.summary()`` (see :mod:`wsnb.local._traffic`)."""
        events = self._gateway.events.snapshot()
        if last is not None:
            events = events[-last:] if last > 0 else []
        return Traffic(events, self.api.spec.route_keys)

    def monitor(self) -> Monitor:
        """A view of connections and recent events (rich display in a notebook)."""
        return Monitor(self)

    def table_name(self, table: Table | str) -> str:
        """The local name of a bound table (``<stage>-<app>-<TableId>``)."""
        if isinstance(table, Table):
            return _tables.physical_name(table, self.stage, self.app)
        return resource_name(str(table), app=self.app, stage=self.stage)

    def bucket_name(self, bucket: Bucket | str) -> str:
        """The local name of a bound bucket (``<stage>-<app>-<bucketid>``, lower case)."""
        return _tables.physical_name(
            bucket if isinstance(bucket, Bucket) else Bucket(str(bucket)), self.stage, self.app
        )

    def parameter_name(self, secret: Secret | str) -> str:
        """The SSM parameter holding a Secret's value (``/wsnb/<app>/<stage>/Secret/<name>/value``)."""
        return _tables.ssm_parameter_name(
            secret if isinstance(secret, Secret) else Secret(str(secret)), self.stage, self.app
        )

    def client(self, service: str = "apigatewaymanagementapi") -> Any:
        """A boto3 client wired to this server: the management API, or local ``dynamodb``,
        ``s3`` or ``ssm``."""
        if service == "apigatewaymanagementapi":
            boto3 = _require_boto3()
            return boto3.session.Session().client(
                service,
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                **self.management_credentials,
            )
        return _moto.local_client(service, self.region)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (idempotent): closes connections (running ``$disconnect``)."""
        # called for the loop (e.g. from an on_event callback): the loop cannot be waited for
        waits = self._thread is not None and not self._gate.held_here()
        if self._stopping:
            if waits and self._thread is not None:
                self._thread.join(timeout)
            return
        self._stopping = True
        self._gateway.stopping = self._invoker.stopping = True
        loop, ev = self._loop, self._stop_event
        if loop is not None and ev is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(ev.set)
        if waits and self._thread is not None:
            self._thread.join(timeout)
        self._teardown()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` seconds pass); True when stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        auth = self.api.spec.authorizer
        mode = (
            "iam(local: "
            + ("SigV4-signed requests only" if self.iam == "signed" else self.iam)
            + ")"
            if auth == "iam"
            else ("lambda" if isinstance(auth, LambdaAuthorizer) else "none")
        )
        return (
            f"<LocalServer {self.url} api={self.api.id} stage={self.stage} {state} "
            f"connections={len(self._gateway)} authorizer={mode}>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.monitor()._repr_mimebundle_()

    def _server_info(self) -> ServerInfo:
        """What a handler runtime knows of this server (see :mod:`._handler_runtime`)."""
        return ServerInfo(
            root=self.root,
            api_id=self.api_id,
            stage=self.stage,
            region=self.region,
            account=self.account,
            domain_name=self.domain_name,
            management_url=self.management_url,
            management_origin=f"http://{self.host}:{self.management_port}",
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 30.0) -> LocalServer:
        _environ.install()
        self._env_installed = True
        self._thread = threading.Thread(
            target=self._thread_main, name=f"wsnb-local-{self.api.id}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise EmulatorError("The local server did not start in time.", given=timeout)
        if self._start_error is not None:
            self._teardown()
            err = self._start_error
            if isinstance(err, OSError):
                port = self.options.port
                raise EmulatorError(
                    f"Cannot listen on {self.host}:{port}: {err.strerror or err}.",
                    given={"host": self.host, "port": port},
                    fix="pick another port, or port=0 for a free one",
                ) from err
            raise err
        return self

    def _teardown(self) -> None:
        if self._botocore_answer is not None:
            _transport.unregister(self.domain_name, self._botocore_answer)
            self._botocore_answer = None
        if self._api_answer is not None:
            _transport.unregister_api(self.domain_name, self._api_answer)
            self._api_answer = None
        while self._extra_hosts:
            _transport.unregister_api(*self._extra_hosts.pop())
        if self._env_installed:
            self._env_installed = False
            _environ.uninstall()
        if self._moto_acquired:
            self._moto_acquired = False
            _moto.release()
        self._invoker.shutdown()

    def _thread_main(self) -> None:
        gate = self._gate
        loop = new_loop(gate)
        gate.hold()  # the loop thread holds it except while it waits for I/O
        self._loop = loop
        self._loop_tid = threading.get_ident()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start() when it happens before ready
            if not self._ready.is_set():
                self._start_error = exc
            else:
                log.exception("local server crashed")
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                gate.shut()
                loop.close()
                self._stopped.set()
                self._ready.set()

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        gateway, invoker = self._gateway, self._invoker
        self._stop_event = asyncio.Event()
        gateway.attach(asyncio.get_running_loop(), invoker.start(self._gate))
        integrations = self._integrations
        handshake = Handshake(gateway, invoker, url="", iam=self.iam, integrations=integrations)
        dispatcher = Dispatcher(gateway, invoker, integrations)
        server = await serve(
            dispatcher.connection,
            self.host,
            self.options.port,
            process_request=handshake.process_request,
            process_response=handshake.process_response,
            max_size=(_facts.MAX_MESSAGE_BYTES, _facts.MAX_FRAME_BYTES),
            compression=self.compression,
            ping_interval=None,
            # The authorizer and $connect may each take up to the integration timeout (as on
            # AWS); reading the HTTP request itself is bounded separately (see _ws).
            open_timeout=2 * self.integration_timeout + REQUEST_READ_SECONDS,
            server_header="wsnb-local",
            create_connection=_ws.connection_class(REQUEST_READ_SECONDS),
        )
        self.port = server.sockets[0].getsockname()[1]
        handshake.url = self.url
        gateway.stage = Stage(self.api_id, self.stage, self.domain_name, self.region, self.account)
        credentials = self.management_credentials if self.allow_remote else None
        mserver = await asyncio.start_server(
            lambda r, w: _management.http_client(gateway, credentials, r, w, self._http_tasks),
            self.host,
            self.options.management_port,
        )
        self.management_port = mserver.sockets[0].getsockname()[1]
        self._botocore_answer = _management.botocore_handler(gateway)
        _transport.register(self.domain_name, self._botocore_answer)
        self._api_answer = _management.answerer(gateway)
        _transport.register_api(self.domain_name, self._api_answer)
        _moto.acquire()
        self._moto_acquired = True
        try:
            await invoker.in_thread(gateway.routes)
        except Exception as exc:
            log.error("creating local tables, buckets, parameters or queues failed: %s", exc)
        sweeper = asyncio.ensure_future(self._sweep())
        gateway.events.add("start", detail=self.url)
        log.info("serving %s on %s (management API %s)", self.api.id, self.url, self.management_url)
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            sweeper.cancel()
            mserver.close()
            # Idle keep-alive management connections: cancel their tasks and close their
            # sockets too (Python 3.11's wait_for can swallow a cancel that meets a finished
            # read; the closed socket then ends the task's next read).
            http_tasks = dict(self._http_tasks)
            for task, writer in http_tasks.items():
                task.cancel()
                writer.transport.abort()
            if http_tasks:
                await asyncio.wait(list(http_tasks), timeout=1)
            server.close(close_connections=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 3)
            await gateway.settle(5)
            gateway.events.add("stop", detail=self.url)
            log.info("stopped %s", self.url)

    async def _sweep(self) -> None:
        """Close connections past the idle timeout or the maximum connection duration."""
        gateway = self._gateway
        idle, oldest = self.idle_timeout, self.max_connection_seconds
        period = max(0.05, min(1.0, idle / 4, oldest / 4))
        while True:
            await asyncio.sleep(period)
            now = now_ms()
            for conn in gateway.connections():
                if conn.ws is None or conn.close_code is not None:
                    continue
                if now - conn.connected_at >= oldest * 1000:
                    gateway.close(conn, 1001, "Going away", "maximum connection duration reached")
                elif now - (conn.last_active_at or conn.connected_at) >= idle * 1000:
                    gateway.close(conn, 1001, "Going away", "idle timeout")


def _no_credentials() -> bool:
    env = _environ.base_environ()
    if (
        env.get("AWS_ACCESS_KEY_ID")
        or env.get("AWS_PROFILE")
        or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    ):
        return False
    home = Path(env.get("HOME") or Path.home())
    return not any((home / ".aws" / name).exists() for name in ("credentials", "config"))


def _require_boto3() -> Any:
    from .._errors import require

    return require("boto3", extra="local", purpose="The local management API client")
