"""The running emulator: a websockets server on its own thread and event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import _facts
from .._errors import EmulatorError
from .._selection import evaluator, expression_of
from ..model import (
    Bucket,
    LambdaAuthorizer,
    Parameter,
    Resource,
    Secret,
    Table,
    bind_environment,
    resource_name,
)
from . import _environ, _management, _mgmt_auth, _moto, _tables, _trace, _transport
from ._authorizer import (
    ALLOW,
    DENY,
    RESULT_LIMIT_BYTES,
    authorizer_context,
    evaluate_policy,
    iam_signed,
    missing_identity,
    principal_of,
    result_size,
    shape_of,
)
from ._buckets import ensure_buckets
from ._events import (
    Connection,
    Stage,
    authorizer_event,
    connect_event,
    disconnect_event,
    error_frame,
    message_event,
    parse_query,
    select_route,
)
from ._ids import ACCOUNT_ID, api_id, aws_id, now_ms, request_uuid
from ._monitor import EventLog, Monitor, Record
from ._runtime import FunctionRuntime, HandlerLoader, LambdaContext, function_name, make_runtime
from ._secrets import check_secrets, ensure_parameters
from ._traffic import Traffic
from ._workers import ACCOUNT_CONCURRENCY, Inbox, Job, Throttled, Workers
from ._workers import HandlerFailed as _HandlerFailed

log = logging.getLogger("wsnb.local")

_REASON = {
    401: "Unauthorized",
    403: "Forbidden",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}

#: "Length, in characters, of the URL for a WebSocket API: 4096" ("Quotas for configuring and
#: running a WebSocket API in API Gateway"). AWS does not document the refusal's status; the
#: emulator answers 414 URI Too Long.
MAX_URL_CHARACTERS = 4096

#: A handshake whose HTTP request has not fully arrived by then is dropped (slowloris). The
#: authorizer and ``$connect`` that follow are bounded by the integration timeout instead.
REQUEST_READ_SECONDS = 10.0

#: Bytes posted to one connection and not yet taken by the OS (a client that does not read).
#: Beyond it ``post_to_connection`` answers 429 ``LimitExceededException``, which AWS documents
#: for "the WebSocket client side buffer is full" without giving the size: the emulator's choice.
OUTBOUND_LIMIT_BYTES = 1024 * 1024


# $connect's refusal when its integration fails: a timeout → 504, throttling → 500 (AWS documents
# no status for WebSocket APIs; a throttled Lambda is an integration failure, 500 as for REST
# APIs); an exception → 502.
_CONNECT_STATUS = {"function-timeout": 504, "integration-timeout": 504, "throttled": 500}

# The error frame's message for a failed MESSAGE integration ("Endpoint request timed out" when
# API Gateway stops waiting; a Lambda error, function timeout or throttle → Internal server error).
_FRAME_MESSAGE = {"integration-timeout": "Endpoint request timed out"}


class _Routes:
    """The functions of one ``ApiSpec`` value (rebuilt when the model changes)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.keys = frozenset(spec.route_keys)
        self.return_response = {r.key for r in spec.routes if r.return_response}
        self.runtimes: dict[str, FunctionRuntime] = {}
        try:
            self.select = evaluator(expression_of(spec))
        except Exception as exc:  # serve() refuses it; a later model change is logged
            log.error("%s; routing on $request.body.action", exc)
            self.select = evaluator("$request.body.action")


class LocalServer:
    """A running local API Gateway WebSocket API. Made by :func:`wsnb.local.serve`."""

    def __init__(
        self,
        api: Any,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        stage: str = "dev",
        app: str = "app",
        region: str = "us-east-1",
        account: str = ACCOUNT_ID,
        idle_timeout: float = _facts.IDLE_TIMEOUT_SECONDS,
        max_connection_seconds: float = _facts.MAX_CONNECTION_SECONDS,
        integration_timeout: float = _facts.INTEGRATION_TIMEOUT_SECONDS,
        compression: str | None = None,
        iam: str = "signed",
        max_events: int = 1000,
        root: str | os.PathLike[str] | None = None,
        max_workers: int = ACCOUNT_CONCURRENCY,
        management_port: int = 0,
        secrets: Any = None,
        allow_remote: bool = False,
    ) -> None:
        self.api = api
        #: Other machines may connect; the HTTP management listener then requires SigV4
        #: requests signed with :attr:`management_credentials` (see :mod:`._mgmt_auth`).
        self.allow_remote = bool(allow_remote)
        self.management_credentials = _mgmt_auth.new_credentials()
        self.host = host
        self.stage = stage
        self.app = app
        self.region = region
        self.account = account  # in the ARNs handlers see (local data lives in moto's account)
        self.idle_timeout = float(idle_timeout)
        self.max_connection_seconds = float(max_connection_seconds)
        self.integration_timeout = float(integration_timeout)
        self.compression = compression
        self.iam = iam
        self.root = Path(root or os.getcwd()).resolve()
        self.api_id = api_id(api.id)
        self._requested_port = port
        self._management_port = management_port
        self.port = 0
        self.management_port = 0
        self._log = EventLog(max_events)
        self._loader = HandlerLoader(self.root)
        self._max_workers = max_workers
        self._inbox: Inbox | None = None
        self._workers: Workers | None = None
        self._conns: dict[str, Connection] = {}
        self._routes: _Routes | None = None
        self._secrets = check_secrets(secrets, api.spec.resources())
        self._made: set[Resource] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        # open management connections: their task, and the writer that ends them at stop
        self._http_tasks: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_tid = 0
        self._stage: Stage | None = None
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._stopping = False
        self._start_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._botocore_answer: Callable[[Any], Any] | None = None
        self._api_answer: _transport.Answer | None = None
        self._fake_credentials = _no_credentials()
        self._env_installed = False

    # ------------------------------------------------------------------ public handle

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
        return [c.info() for c in list(self._conns.values()) if self._is_open(c)]

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
        return self._log.snapshot()

    def on_event(self, callback: Callable[[Record], Any]) -> Callable[[], None]:
        """Call ``callback(record)`` for each new event (on the server's thread; keep it quick).
        Returns a function that unsubscribes."""
        return self._log.subscribe(callback)

    def traffic(self, last: int | None = None) -> Traffic:
        """A picture of what happened: a sequence diagram (client → API Gateway → function →
        @connections → clients) of the latest ``last`` events (all kept ones by default) and a
        per-route summary (count, errors, p50/p95 latency). Display it in a notebook, or use
        ``.to_mermaid()``, ``.to_text()``, ``.summary()`` (see :mod:`wsnb.local._traffic`)."""
        events = self._log.snapshot()
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
        if self._stopping:
            if self._thread is not None and threading.get_ident() != self._loop_tid:
                self._thread.join(timeout)
            return
        self._stopping = True
        loop, ev = self._loop, self._stop_event
        if loop is not None and ev is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(ev.set)
        if self._thread is not None and threading.get_ident() != self._loop_tid:
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
            f"connections={len(self._conns)} authorizer={mode}>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.monitor()._repr_mimebundle_()

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
                raise EmulatorError(
                    f"Cannot listen on {self.host}:{self._requested_port}: {err.strerror or err}.",
                    given={"host": self.host, "port": self._requested_port},
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
        if self._env_installed:
            self._env_installed = False
            _environ.uninstall()
        if self._workers is not None:
            self._workers.shutdown()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
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
                loop.close()
                self._stopped.set()
                self._ready.set()

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._stop_event = asyncio.Event()
        self._inbox = Inbox(asyncio.get_running_loop())
        self._workers = Workers(self._inbox, self._max_workers)
        server = await serve(
            self._connection,
            self.host,
            self._requested_port,
            process_request=self._process_request,
            process_response=self._process_response,
            max_size=(_facts.MAX_MESSAGE_BYTES, _facts.MAX_FRAME_BYTES),
            compression=self.compression,
            ping_interval=None,
            # The authorizer and $connect may each take up to the integration timeout (as on
            # AWS); reading the HTTP request itself is bounded separately (_FastConnection).
            open_timeout=2 * self.integration_timeout + REQUEST_READ_SECONDS,
            server_header="wsnb-local",
            create_connection=_fast_connection_class(),
        )
        self.port = server.sockets[0].getsockname()[1]
        mserver = await asyncio.start_server(
            lambda r, w: _management.http_client(self, r, w), self.host, self._management_port
        )
        self.management_port = mserver.sockets[0].getsockname()[1]
        self._stage = Stage(self.api_id, self.stage, self.domain_name, self.region, self.account)
        self._botocore_answer = _management.botocore_handler(self)
        _transport.register(self.domain_name, self._botocore_answer)
        self._api_answer = _management.answerer(self)
        _transport.register_api(self.domain_name, self._api_answer)
        _moto.register()
        try:
            await self._in_thread(self._routes_for, self.api.spec)
        except Exception as exc:
            log.error("creating local tables, buckets or parameters failed: %s", exc)
        sweeper = asyncio.ensure_future(self._sweep())
        self._log.add("start", detail=self.url)
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
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=5)
            self._log.add("stop", detail=self.url)
            log.info("stopped %s", self.url)

    async def _sweep(self) -> None:
        """Close connections past the idle timeout or the maximum connection duration."""
        period = max(0.05, min(1.0, self.idle_timeout / 4, self.max_connection_seconds / 4))
        while True:
            await asyncio.sleep(period)
            now = now_ms()
            for conn in list(self._conns.values()):
                if conn.ws is None or conn.close_code is not None:
                    continue
                if now - conn.connected_at >= self.max_connection_seconds * 1000:
                    self._server_close(
                        conn, 1001, "Going away", "maximum connection duration reached"
                    )
                elif now - (conn.last_active_at or conn.connected_at) >= self.idle_timeout * 1000:
                    self._server_close(conn, 1001, "Going away", "idle timeout")

    def _server_close(self, conn: Connection, code: int, reason: str, why: str) -> None:
        conn.close_code, conn.close_reason = code, reason
        self._log.add("close", connectionId=conn.connection_id, status=code, detail=why)
        self._spawn(conn.ws.close(code, reason))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ routes and functions

    def _routes_for(self, spec: Any) -> _Routes:
        routes = self._routes
        if routes is None or routes.spec is not spec:
            routes = _Routes(spec)
            self._ensure_resources(spec.resources())
            self._routes = routes
        return routes

    def _ensure_resources(self, resources: list[Resource]) -> None:
        """Create the model's tables, buckets and SSM parameters not made yet by this server."""
        new = [r for r in resources if r not in self._made]
        if not new:
            return
        where = {"stage": self.stage, "app": self.app, "region": self.region}
        made_tables = {r.id for r in self._made if isinstance(r, Table)}
        _tables.ensure_tables(
            [r for r in new if isinstance(r, Table) and r.id not in made_tables], **where
        )
        ensure_buckets([r for r in new if isinstance(r, Bucket)], **where)
        ensure_parameters(
            [r for r in new if isinstance(r, (Secret, Parameter))], self._secrets, **where
        )
        self._made |= set(new)

    def _runtime(self, routes: _Routes, key: str) -> FunctionRuntime:
        rt = routes.runtimes.get(key)
        if rt is None:
            spec = routes.spec
            if key == "authorizer":
                props = spec.authorizer_function.props  # built-in defaults filled in, as synth
            else:
                props = spec.merged_function(key).props
            name = function_name(
                self.stage, self.app, spec.construct_id, key, props.get("function_name")
            )
            rt = make_runtime(
                key,
                props,
                name=name,
                region=self.region,
                account=self.account,
                environment=self._environment(spec, props, name),
                return_response=key in routes.return_response,
            )
            if self._workers is not None:
                self._workers.reserve(name, props.get("reserved_concurrent_executions"))
            routes.runtimes[key] = rt
        return rt

    def _environment(self, spec: Any, props: dict[str, Any], name: str) -> dict[str, str]:
        resources = spec.resources()
        where = {
            "stage": self.stage,
            "app": self.app,
            "region": self.region,
            "account": self.account,
        }
        env = {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("memory_size", _facts.DEFAULT_MEMORY)),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{props.get('runtime', _facts.DEFAULT_RUNTIME)}",
            "LAMBDA_TASK_ROOT": str(self.root),
            "WSNB_LOCAL": "1",
        }
        if any(isinstance(r, Table) for r in resources):
            env["AWS_ENDPOINT_URL_DYNAMODB"] = _moto.ENDPOINTS["dynamodb"]
        if any(isinstance(r, Bucket) for r in resources):
            env["AWS_ENDPOINT_URL_S3"] = _moto.ENDPOINTS["s3"]
        if any(isinstance(r, (Secret, Parameter)) for r in resources):
            env["AWS_ENDPOINT_URL_SSM"] = _moto.ENDPOINTS["ssm"]
        if self._fake_credentials:
            env["AWS_ACCESS_KEY_ID"] = "wsnb-local"
            env["AWS_SECRET_ACCESS_KEY"] = "wsnb-local"
        for res in props.get("bind", ()):
            for key, value in bind_environment(res).items():
                env[key] = _tables.resolve_tokens(str(value), resources, **where)
        for key, value in props.get("environment", {}).items():
            env[key] = _tables.resolve_tokens(str(value), resources, **where)
        return env

    # ------------------------------------------------------------------ invoking

    def _submit(
        self,
        rt: FunctionRuntime,
        loaded: Any,
        event: dict[str, Any],
        callback: Callable[[Job], Any],
        mark: _trace.Mark | None = None,
    ) -> None:
        """Invoke a loaded handler as Lambda would, on its own worker thread (an async handler
        on that thread's own event loop, so it cannot stall any other invocation).

        ``callback(job)`` runs on the loop when it returns, raises, times out or is throttled
        (``job.result`` is ``(result, reply body or None)``; ``job.failure.kind`` says which).
        The clocks start when the handler starts: the client's answer waits at most
        min(function timeout, integration timeout); past the integration timeout the handler
        keeps running until its own timeout, when its concurrency is released. The handler runs
        with the event's ``requestId`` in :data:`._workers.INVOCATION`: the management API
        records it on the calls the handler makes.
        """
        assert self._workers is not None
        call = _call_async_handler if loaded.is_async else _call_handler
        job = Job(
            call,
            (rt, loaded.func, event, mark),
            rt.environment,
            callback,
            mark,
            event["requestContext"]["requestId"],
        )
        if mark is not None:
            mark.q = _trace.now()
        try:
            self._workers.submit(
                job,
                self._loop,
                answer_after=min(rt.timeout, self.integration_timeout),
                function=rt.name,
                limit_after=rt.timeout,
            )
        except Throttled as exc:
            job.settled = True
            job.failure = _HandlerFailed(None, str(exc), kind="throttled")
            callback(job)

    async def _in_thread(
        self, fn: Callable[..., Any], *args: Any, environment: dict[str, Any] | None = None
    ) -> Any:
        """Run ``fn(*args)`` on a worker thread and wait for it (no timeout)."""
        assert self._workers is not None
        fut = asyncio.get_running_loop().create_future()
        self._workers.submit(
            Job(fn, args, environment, lambda job: fut.done() or fut.set_result(job))
        )
        job = await fut
        if job.failure is not None:
            raise job.failure.error or job.failure
        return job.result

    async def _load(self, rt: FunctionRuntime) -> Any:
        """The loaded handler (imported on a worker thread the first time)."""
        loaded = self._loader.cached(rt)
        if loaded is not None:
            return loaded
        try:
            return await self._in_thread(self._loader.load, rt, environment=rt.environment)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and self._stopping:
                raise
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            raise _HandlerFailed(exc, text) from None

    async def _invoke(
        self, rt: FunctionRuntime, event: dict[str, Any], mark: _trace.Mark | None = None
    ) -> Any:
        """Run a handler as Lambda would; raises :class:`_HandlerFailed` on error, timeout or
        throttling."""
        loaded = await self._load(rt)
        fut = asyncio.get_running_loop().create_future()
        self._submit(rt, loaded, event, lambda job: fut.done() or fut.set_result(job), mark)
        job = await fut
        if job.failure is not None:
            raise job.failure
        return job.result[0]

    def _failed(
        self, rt: FunctionRuntime, conn: Connection, request_id: str, failure: _HandlerFailed
    ) -> None:
        log.error(
            "%s (%s) failed for connection %s request %s:\n%s",
            rt.name,
            rt.key,
            conn.connection_id,
            request_id,
            failure.text,
        )
        self._log.add(
            "error",
            connectionId=conn.connection_id,
            routeKey=rt.key,
            requestId=request_id,
            detail=failure.text,
        )

    # ------------------------------------------------------------------ handshake ($connect)

    def _reject(self, ws: Any, status: int, message: str | None = None) -> Any:
        from websockets.datastructures import Headers
        from websockets.http11 import Response

        reason = _REASON.get(status) or _http_reason(status)
        body = json.dumps({"message": message if message is not None else reason}).encode()
        headers = Headers(
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ]
        )
        return Response(status, reason, headers, body)

    async def _process_request(self, ws: Any, request: Any) -> Any:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return ws.respond(
                426,
                "wsnb local API Gateway WebSocket emulator: connect with a WebSocket client to "
                + self.url
                + "\n",
            )
        url = f"wss://{request.headers.get('Host', self.domain_name)}{request.path}"
        if len(url) > MAX_URL_CHARACTERS:
            self._log.add(
                "reject",
                routeKey="$connect",
                status=414,
                detail=f"URL of {len(url)} characters (API Gateway's limit: {MAX_URL_CHARACTERS})",
            )
            return self._reject(ws, 414, "URI Too Long")
        path, _, raw_query = request.path.partition("?")
        if path.rstrip("/") not in ("", f"/{self.stage}"):
            return self._reject(ws, 403, "Forbidden")
        peer = ws.remote_address or ("127.0.0.1", 0)
        now = now_ms()
        conn = Connection(
            connection_id=aws_id(),
            source_ip=str(peer[0]),
            user_agent=request.headers.get("User-Agent", ""),
            connected_at=now,
            headers=list(request.headers.raw_items()),
            query=parse_query(raw_query),
            host=request.headers.get("Host", self.domain_name),
            last_active_at=now,
        )
        ws.wsnb_connection = conn
        spec = self.api.spec
        routes = self._routes_for(spec)
        status = await self._authorize(spec, routes, conn)
        if status is None and "$connect" in routes.keys:
            status = await self._run_connect(routes, conn)
        if status is not None:
            self._log.add(
                "reject",
                connectionId=conn.connection_id,
                routeKey="$connect",
                status=status,
                **_request_id(conn.connect_request_id),
            )
            log.info("refused %s (%s)", conn.connection_id, status)
            return self._reject(ws, status)
        return None

    def _process_response(self, ws: Any, request: Any, response: Any) -> None:
        conn = getattr(ws, "wsnb_connection", None)
        if conn is not None and response.status_code == 101:
            # Registered before the 101 goes out, as in AWS: once a client's connect() returns,
            # the connection is listed and reachable through @connections (no window in which
            # another handler's post would find it gone).
            conn.ws = ws
            self._conns[conn.connection_id] = conn
            for name, value in conn.response_headers.items():
                if name.lower() == "sec-websocket-protocol":
                    response.headers["Sec-WebSocket-Protocol"] = value
        return None

    async def _authorize(self, spec: Any, routes: _Routes, conn: Connection) -> int | None:
        auth = spec.authorizer
        if auth == "iam":
            return (
                None if self.iam == "allow" or (self.iam == "signed" and iam_signed(conn)) else 403
            )
        if not isinstance(auth, LambdaAuthorizer):
            return None
        missing = missing_identity(auth.identity_source, conn)
        if missing is not None:
            self._log.add(
                "unauthorized",
                connectionId=conn.connection_id,
                detail=f"identity source {missing} is missing",
            )
            return 401
        rt = self._runtime(routes, "authorizer")
        assert self._stage is not None
        event = authorizer_event(self._stage, conn)
        started = time.monotonic()
        try:
            result = await self._invoke(rt, event)
        except _HandlerFailed as failure:
            if isinstance(failure.error, Exception) and str(failure.error) == "Unauthorized":
                return 401
            self._failed(rt, conn, event["requestContext"]["requestId"], failure)
            return 500
        size = result_size(result)
        if size > RESULT_LIMIT_BYTES:
            self._log.add(
                "error",
                connectionId=conn.connection_id,
                routeKey="authorizer",
                detail=f"authorizer result is {size} bytes; API Gateway's quota is "
                f"{RESULT_LIMIT_BYTES} bytes (8 KB): the connection is refused",
            )
            log.error("authorizer %s returned %d bytes (over the 8 KB result quota)", rt.name, size)
            return 500
        verdict = evaluate_policy(result, event["methodArn"])
        # Only the decision and the principal are recorded: the answer's context and policy can
        # carry secrets (tokens, e-mail addresses), and events/logs are shown and shared.
        principal = principal_of(result)
        self._log.add(
            "authorize",
            connectionId=conn.connection_id,
            routeKey="authorizer",
            requestId=event["requestContext"]["requestId"],
            status={ALLOW: 200, DENY: 403}.get(verdict, 500),
            detail=f"{verdict} principal={principal}",
        )
        if verdict == ALLOW:
            conn.authorizer = authorizer_context(result, int((time.monotonic() - started) * 1000))
            return None
        if verdict == DENY:
            return 403
        shape = shape_of(result)
        self._log.add(
            "error",
            connectionId=conn.connection_id,
            routeKey="authorizer",
            detail=f"malformed authorizer response: {shape} (an IAM policy document is expected)",
        )
        log.error("authorizer %s returned a malformed response: %s", rt.name, shape)
        return 500

    async def _run_connect(self, routes: _Routes, conn: Connection) -> int | None:
        rt = self._runtime(routes, "$connect")
        assert self._stage is not None
        event = connect_event(self._stage, conn)
        rid = conn.connect_request_id = event["requestContext"]["requestId"]
        started = time.time()
        try:
            result = await self._invoke(rt, event)
        except _HandlerFailed as failure:
            self._failed(rt, conn, rid, failure)
            self._result(conn, rt, rid, failure, started=started)
            return _CONNECT_STATUS.get(failure.kind, 502)
        self._result(conn, rt, rid, None, started=started)
        if isinstance(result, dict):
            status = result.get("statusCode", 200)
            headers = result.get("headers")
            if isinstance(headers, dict):
                conn.response_headers = {str(k): str(v) for k, v in headers.items()}
            try:
                status = int(status)
            except (TypeError, ValueError):
                return 502
            if not 200 <= status < 300:
                return status if 100 <= status <= 599 else 502
        return None

    # ------------------------------------------------------------------ messages

    async def _connection(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        conn: Connection = ws.wsnb_connection
        conn.ws = ws
        cid = conn.connection_id
        self._conns[cid] = conn
        self._log.add(
            "connect",
            connectionId=cid,
            routeKey="$connect",
            detail=conn.source_ip,
            **_request_id(conn.connect_request_id),
        )
        if log.isEnabledFor(logging.INFO):
            log.info("connect %s from %s", cid, conn.source_ip)
        on_message = self._on_message

        def deliver(message: str | bytes) -> None:
            if conn.close_code is not None:
                return  # closing on purpose: what follows is never routed
            conn.last_active_at = now_ms()
            if isinstance(message, bytes):  # "Binary media types for WebSocket APIs"
                self._server_close(conn, 1003, "", "binary frame (API Gateway accepts text only)")
                return
            conn.messages_in += 1
            try:
                on_message(conn, message, _trace.begin() if _trace.ON else None)
            except Exception:  # a bug for one message never ends the connection
                log.exception("message on connection %s failed", cid)

        ws.wsnb_deliver = deliver  # complete single-frame messages arrive here (_FastConnection)
        try:
            async for message in ws:  # the others: fragmented, or queued behind them
                deliver(message)
        except ConnectionClosed:
            pass
        except Exception:  # never let one client take the server down
            log.exception("connection %s failed", cid)
        finally:
            ws.wsnb_deliver = None
            self._conns.pop(cid, None)
            code, reason = _close_info(ws, conn)
            spec = self.api.spec
            # The $disconnect invocation's requestId is on the disconnect record (logged first:
            # subscribers learn of the disconnect before the handler runs).
            rid = aws_id() if "$disconnect" in spec.route_keys and self._stage else None
            self._log.add(
                "disconnect",
                connectionId=cid,
                routeKey="$disconnect",
                status=code,
                detail=reason,
                **_request_id(rid),
            )
            if log.isEnabledFor(logging.INFO):
                log.info("disconnect %s (%s %s)", cid, code, reason)
            routes = self._routes_for(spec)
            if rid is not None and "$disconnect" in routes.keys and self._stage is not None:
                rt = self._runtime(routes, "$disconnect")
                event = disconnect_event(self._stage, conn, code, reason, rid)
                started = time.time()
                try:
                    await self._invoke(rt, event)
                except _HandlerFailed as failure:
                    self._failed(rt, conn, rid, failure)
                    self._result(conn, rt, rid, failure, started=started)
                else:
                    self._result(conn, rt, rid, None, started=started)

    def _on_message(self, conn: Connection, message: str | bytes, mark: _trace.Mark | None) -> None:
        """Route one message and start its handler (on the loop; never waits)."""
        routes = self._routes_for(self.api.spec)
        key = select_route(routes.keys, message, routes.select)
        cid = conn.connection_id
        stage = self._stage
        assert stage is not None
        if key is None:
            rid = aws_id()
            self._log.add(
                "message",
                connectionId=cid,
                routeKey=None,
                requestId=rid,
                status=403,
                detail=_preview(message),  # status 403: no route matched and no $default
            )
            self._send(conn, error_frame("Forbidden", cid, rid))
            return
        rt = self._runtime(routes, key)
        event = message_event(stage, conn, key, message)
        rid = event["requestContext"]["requestId"]
        loaded = self._loader.cached(rt)
        if loaded is None:
            self._spawn(self._message_async(conn, rt, event, rid, mark))
        else:  # start the thread first: the bookkeeping below overlaps its wake-up
            self._submit(
                rt, loaded, event, lambda job: self._message_done(conn, rt, rid, job), mark
            )
        self._log.add(
            "message", connectionId=cid, routeKey=key, requestId=rid, detail=_preview(message)
        )
        if log.isEnabledFor(logging.INFO):
            log.info("message %s -> %s (%s)", cid, key, rid)

    def _message_done(self, conn: Connection, rt: FunctionRuntime, rid: str, job: Job) -> None:
        if job.failure is not None:
            self._message_failed(conn, rt, rid, job.failure)
            return
        reply = job.result[1]
        self._result(conn, rt, rid, None, reply)
        if reply is not None:
            self._send(conn, reply, job.mark)

    def _result(
        self,
        conn: Connection,
        rt: FunctionRuntime,
        rid: str,
        failure: _HandlerFailed | None,
        reply: str | bytes | None = None,
        started: float | None = None,
    ) -> None:
        """Record how one invocation ended: a ``result`` record the traffic view pairs with its
        ``message`` by requestId (latency, errors, the route response). For ``$connect`` and
        ``$disconnect`` (no ``message`` record) ``started`` is ``time.time()`` when the emulator
        invoked it, and the record's ``time`` its end, which the traffic summary times; their
        outcome is the ``connect``/``reject`` record, and a failure also logs an ``error``."""
        extra = {} if started is None else {"started": started}
        self._log.add(
            "result",
            connectionId=conn.connection_id,
            routeKey=rt.key,
            requestId=rid,
            status=200
            if failure is None
            else (504 if failure.kind == "integration-timeout" else 500),
            detail=None if reply is None else _preview(reply),
            **extra,
        )

    async def _message_async(
        self,
        conn: Connection,
        rt: FunctionRuntime,
        event: dict[str, Any],
        rid: str,
        mark: _trace.Mark | None,
    ) -> None:
        """A message whose handler is not loaded yet."""
        try:
            result = await self._invoke(rt, event, mark)
        except _HandlerFailed as failure:
            self._message_failed(conn, rt, rid, failure)
            return
        reply = _reply_body(rt, result)
        self._result(conn, rt, rid, None, reply)
        if reply is not None:
            self._send(conn, reply, mark)

    def _message_failed(
        self, conn: Connection, rt: FunctionRuntime, rid: str, failure: _HandlerFailed
    ) -> None:
        self._failed(rt, conn, rid, failure)
        self._result(conn, rt, rid, failure, None)
        message = _FRAME_MESSAGE.get(failure.kind, "Internal server error")
        self._send(conn, error_frame(message, conn.connection_id, rid))

    def _send(self, conn: Connection, data: str | bytes, mark: _trace.Mark | None = None) -> bool:
        """Send one message to a client (on the loop); False when it is gone.

        The frame is written at once when the connection can take it; otherwise (a slow reader
        filled the write buffer, or earlier sends wait) it queues behind them, in order. A
        message over 32 KB goes out in frames of at most 32 KB, as API Gateway sends them
        ("Quotas for configuring and running a WebSocket API in API Gateway"). Traffic in this
        direction counts as activity for the idle timeout, as on AWS.
        """
        from websockets.protocol import State

        ws = conn.ws
        if ws is None or conn.connection_id not in self._conns:
            return False
        text: bytes | None = None
        if isinstance(data, str):
            text = data.encode()
        else:
            data = bytes(data)
            try:
                data.decode("utf-8")
                text = data
            except UnicodeDecodeError:
                pass
        payload = text if text is not None else data
        protocol = ws.protocol
        if (
            not conn.queued
            and ws.send_in_progress is None
            and not ws.paused
            and protocol.state is State.OPEN
        ):
            conn.last_active_at = now_ms()  # before the write: readers on other threads
            try:
                if len(payload) <= _facts.MAX_FRAME_BYTES:
                    if text is not None:
                        protocol.send_text(text)
                    else:
                        protocol.send_binary(data)
                else:
                    chunks = _frames(payload)
                    if text is not None:
                        protocol.send_text(chunks[0], fin=False)
                    else:
                        protocol.send_binary(chunks[0], fin=False)
                    for chunk in chunks[1:-1]:
                        protocol.send_continuation(chunk, fin=False)
                    protocol.send_continuation(chunks[-1], fin=True)
                ws.send_data()
            except Exception:
                return False
            if mark is not None and not mark.w:
                mark.w = _trace.now()
            conn.messages_out += 1
            return True
        if protocol.state is not State.OPEN:
            return False
        conn.queued += 1
        conn.queued_bytes += len(payload)
        conn.last_active_at = now_ms()
        self._spawn(self._send_later(conn, payload, text is not None, mark))
        return True

    async def _send_later(
        self, conn: Connection, payload: bytes, text: bool, mark: _trace.Mark | None
    ) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            if len(payload) <= _facts.MAX_FRAME_BYTES:
                await conn.ws.send(payload, text=text)
            else:
                await conn.ws.send(_frames(payload), text=text)
        except ConnectionClosed:
            return
        finally:
            conn.queued -= 1
            conn.queued_bytes -= len(payload)
        if mark is not None and not mark.w:
            mark.w = _trace.now()
        conn.messages_out += 1

    def _outbound_full(self, conn: Connection) -> bool:
        """Whether the connection's outbound buffer is full: posts to it then answer 429
        ``LimitExceededException`` (any thread may ask; the counts are the loop's)."""
        ws = conn.ws
        transport = getattr(ws, "transport", None)
        buffered = transport.get_write_buffer_size() if transport is not None else 0
        return conn.queued_bytes + conn.posted_bytes + buffered >= OUTBOUND_LIMIT_BYTES

    def _is_open(self, conn: Connection) -> bool:
        """Open and not being closed (by the client, the server, or delete_connection)."""
        from websockets.protocol import State

        ws = conn.ws
        return ws is not None and conn.close_code is None and ws.protocol.state is State.OPEN

    def _drop(self, conn: Connection, invocation: str | None = None) -> bool:
        """delete_connection: close the client's connection (on the loop). ``invocation``: the
        requestId of the invocation whose handler asked (None: the notebook, HTTP)."""
        if conn.connection_id not in self._conns or conn.ws is None:
            return False
        conn.close_code, conn.close_reason = 1000, "Connection deleted by the management API"
        self._log.add(
            "close",
            connectionId=conn.connection_id,
            status=1000,
            detail="delete_connection",
            invocationRequestId=invocation,
        )
        self._spawn(conn.ws.close(1000, ""))
        return True

    def _run_action(self, action: Callable[[], bool], fire_and_forget: bool = False) -> bool:
        """Run a management action on the server loop from any thread.

        With ``fire_and_forget`` the action is queued (in order) and the call returns at once.
        """
        loop, inbox = self._loop, self._inbox
        if loop is None or inbox is None or loop.is_closed() or self._stopping:
            return False
        if threading.get_ident() == self._loop_tid:
            return bool(action())
        if fire_and_forget:
            return inbox.put(action)
        # Wait for the loop with a bare lock (the cheapest hand-off): the caller's thread sleeps,
        # so the loop gets the GIL at once and the frame goes out before the caller resumes.
        outcome: list[bool] = [False]
        done = threading.Lock()
        done.acquire()

        def run() -> None:
            try:
                outcome[0] = bool(action())
            finally:
                done.release()

        if not inbox.put(run):
            return False
        if not done.acquire(timeout=30):
            return False
        return outcome[0]


_FAST_CLASS: Any = None


def _fast_connection_class() -> Any:
    """A ``ServerConnection`` that hands each complete single-frame message to the emulator
    straight from the protocol callback, with no task wake-up per message.

    Only when nothing is queued in ``websockets``' own message assembler (so order is kept);
    fragmented messages, invalid UTF-8 (closed 1007 by ``websockets``), control frames and
    everything while not OPEN take the ordinary path.
    """
    global _FAST_CLASS
    if _FAST_CLASS is not None:
        return _FAST_CLASS
    from websockets.asyncio.server import ServerConnection
    from websockets.frames import Opcode
    from websockets.protocol import State

    text, binary, opened = Opcode.TEXT, Opcode.BINARY, State.OPEN

    class _FastConnection(ServerConnection):
        wsnb_deliver: Callable[[str | bytes], None] | None = None

        async def handshake(self, *args: Any, **kwargs: Any) -> None:
            # Slowloris protection: the HTTP request must arrive within REQUEST_READ_SECONDS.
            # What follows (authorizer, $connect) may take up to the integration timeout each,
            # as on AWS — serve()'s open_timeout bounds the whole.
            await asyncio.wait(
                [self.request_rcvd, self.connection_lost_waiter],
                timeout=REQUEST_READ_SECONDS,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if self.request is None and not self.connection_lost_waiter.done():
                raise TimeoutError("the handshake request did not arrive in time")
            await super().handshake(*args, **kwargs)

        def process_event(self, event: Any) -> None:
            deliver = self.wsnb_deliver
            if (
                deliver is not None
                and event.fin
                and self.protocol.state is opened
                and not len(self.recv_messages.frames)
            ):
                if event.opcode is text:
                    try:
                        message = bytes(event.data).decode()
                    except UnicodeDecodeError:
                        pass
                    else:
                        deliver(message)
                        return
                elif event.opcode is binary:
                    deliver(bytes(event.data))
                    return
            super().process_event(event)

    _FAST_CLASS = _FastConnection
    return _FAST_CLASS


def _frames(payload: bytes) -> list[bytes]:
    """``payload`` cut into pieces of at most 32 KB (one WebSocket frame each)."""
    size = _facts.MAX_FRAME_BYTES
    return [payload[i : i + size] for i in range(0, len(payload), size)]


def _check_marshal(result: Any) -> None:
    if result is not None:
        try:
            json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise _HandlerFailed(
                exc, f"Runtime.MarshalError: Unable to marshal response: {exc}"
            ) from None


def _reply_body(rt: FunctionRuntime, result: Any) -> str | bytes | None:
    """What a ``return_response`` route sends back: the result's ``body`` (dict/list → JSON)."""
    if not rt.return_response or result is None:
        return None
    body = result.get("body") if isinstance(result, dict) else result
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return body


def _call_handler(
    rt: FunctionRuntime,
    func: Callable[..., Any],
    event: dict[str, Any],
    mark: _trace.Mark | None,
) -> tuple[Any, Any]:
    """On a worker thread: call a sync handler as Lambda would; ``(result, reply body)``."""
    return _timed_call(rt, lambda context: func(event, context), mark)


_thread_loops = threading.local()


def _call_async_handler(
    rt: FunctionRuntime,
    func: Callable[..., Any],
    event: dict[str, Any],
    mark: _trace.Mark | None,
) -> tuple[Any, Any]:
    """On a worker thread: run an ``async def`` handler on this thread's own event loop.

    Each invocation is isolated as on Lambda (one that blocks stalls no other); the loop lives
    as long as the thread, so a module-level async client is reused by the invocations that
    run on the same worker (as on a warm Lambda instance).
    """
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_loops.loop = loop
    return _timed_call(rt, lambda context: loop.run_until_complete(func(event, context)), mark)


def _timed_call(
    rt: FunctionRuntime, call: Callable[[Any], Any], mark: _trace.Mark | None
) -> tuple[Any, Any]:
    """Run one invocation with a fresh Lambda context, timing it into ``mark``; the result
    must be JSON-serializable as Lambda's runtime requires."""
    context = LambdaContext(rt, request_uuid(), rt.timeout)
    if mark is not None:
        started = _trace.cpu()
        mark.s = _trace.now()
    try:
        result = call(context)
    finally:
        if mark is not None:
            mark.e = _trace.now()
            mark.hc = _trace.cpu() - started
    _check_marshal(result)
    return result, _reply_body(rt, result)


def _close_info(ws: Any, conn: Connection) -> tuple[int, str]:
    if conn.close_code is not None:
        return conn.close_code, conn.close_reason
    protocol = ws.protocol
    rcvd, sent = protocol.close_rcvd, protocol.close_sent
    if rcvd is not None and (sent is None or protocol.close_rcvd_then_sent):
        if rcvd.code == 1005:
            return 1005, "Client-side close frame status not set"
        return rcvd.code, rcvd.reason
    if sent is not None:
        return sent.code, sent.reason or ("Message too big" if sent.code == 1009 else "")
    return 1006, "Going away"


def _request_id(rid: str | None) -> dict[str, str]:
    """``{"requestId": rid}``, or nothing when no invocation ran (records keep their shape)."""
    return {} if rid is None else {"requestId": rid}


def _preview(message: str | bytes, limit: int = 200) -> str:
    if isinstance(message, bytes):
        return f"<{len(message)} bytes binary>"
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _http_reason(status: int) -> str:
    import http

    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


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
