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
from ..model import Bucket, LambdaAuthorizer, Parameter, Resource, Secret, Table, bind_environment
from ..model._resources import resource_name
from . import _environ, _management, _moto, _tables, _trace, _transport
from ._authorizer import (
    ALLOW,
    DENY,
    authorizer_context,
    evaluate_policy,
    iam_signed,
    missing_identity,
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
from ._workers import HandlerFailed as _HandlerFailed
from ._workers import Inbox, Job, Workers

log = logging.getLogger("wsnb.local")

_REASON = {
    401: "Unauthorized",
    403: "Forbidden",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


class _Routes:
    """The functions of one ``ApiSpec`` value (rebuilt when the model changes)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.keys = frozenset(spec.route_keys)
        self.return_response = {r.key for r in spec.routes if r.return_response}
        self.runtimes: dict[str, FunctionRuntime] = {}


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
        idle_timeout: float = _facts.IDLE_TIMEOUT_SECONDS,
        max_connection_seconds: float = _facts.MAX_CONNECTION_SECONDS,
        integration_timeout: float = _facts.INTEGRATION_TIMEOUT_SECONDS,
        compression: str | None = None,
        iam: str = "signed",
        max_events: int = 1000,
        root: str | os.PathLike[str] | None = None,
        max_workers: int = 64,
        management_port: int = 0,
        secrets: Any = None,
    ) -> None:
        self.api = api
        self.host = host
        self.stage = stage
        self.app = app
        self.region = region
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
        self._http_tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_tid = 0
        self._hloop: asyncio.AbstractEventLoop | None = None
        self._stage: Stage | None = None
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._stopping = False
        self._start_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._hthread: threading.Thread | None = None
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
        """The latest events (bounded): dicts with time, type, connectionId, routeKey, ..."""
        return self._log.snapshot()

    def on_event(self, callback: Callable[[Record], Any]) -> Callable[[], None]:
        """Call ``callback(record)`` for each new event (on the server's thread; keep it quick).
        Returns a function that unsubscribes."""
        return self._log.subscribe(callback)

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
                aws_access_key_id="wsnb-local",
                aws_secret_access_key="wsnb-local",
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

    def _start_handler_loop(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._hloop = loop
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._hthread = threading.Thread(target=run, name="wsnb-async-handlers", daemon=True)
        self._hthread.start()
        ready.wait(5)

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._stop_event = asyncio.Event()
        self._inbox = Inbox(asyncio.get_running_loop())
        self._workers = Workers(self._inbox, self._max_workers)
        self._start_handler_loop()
        server = await serve(
            self._connection,
            self.host,
            self._requested_port,
            process_request=self._process_request,
            process_response=self._process_response,
            max_size=(_facts.MAX_MESSAGE_BYTES, _facts.MAX_FRAME_BYTES),
            compression=self.compression,
            ping_interval=None,
            server_header="wsnb-local",
            create_connection=_fast_connection_class(),
        )
        self.port = server.sockets[0].getsockname()[1]
        mserver = await asyncio.start_server(
            lambda r, w: _management.http_client(self, r, w), self.host, self._management_port
        )
        self.management_port = mserver.sockets[0].getsockname()[1]
        self._stage = Stage(self.api_id, self.stage, self.domain_name, self.region, ACCOUNT_ID)
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
            http_tasks = list(self._http_tasks)  # idle keep-alive management connections
            for task in http_tasks:
                task.cancel()
            if http_tasks:
                await asyncio.wait(http_tasks, timeout=1)
            server.close(close_connections=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 3)
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=5)
            if self._hloop is not None:
                self._hloop.call_soon_threadsafe(self._hloop.stop)
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
                props = spec.authorizer.function.props
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
                account=ACCOUNT_ID,
                environment=self._environment(spec, props, name),
                return_response=key in routes.return_response,
            )
            routes.runtimes[key] = rt
        return rt

    def _environment(self, spec: Any, props: dict[str, Any], name: str) -> dict[str, str]:
        resources = spec.resources()
        where = {"stage": self.stage, "app": self.app, "region": self.region, "account": ACCOUNT_ID}
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

    def _timeout(self, rt: FunctionRuntime) -> float:
        return min(rt.timeout, self.integration_timeout)

    def _submit(
        self,
        rt: FunctionRuntime,
        func: Callable[..., Any],
        event: dict[str, Any],
        callback: Callable[[Job], Any],
        mark: _trace.Mark | None = None,
    ) -> None:
        """Run a sync handler on a worker thread; ``callback(job)`` runs on the loop when it
        returns, raises or times out (``job.result`` is ``(result, reply body or None)``)."""
        assert self._workers is not None
        timeout = self._timeout(rt)
        job = Job(_call_handler, (rt, func, event, timeout, mark), rt.environment, callback, mark)
        if mark is not None:
            mark.q = _trace.now()
        self._workers.submit(job, self._loop, timeout)

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

    async def _invoke(
        self, rt: FunctionRuntime, event: dict[str, Any], mark: _trace.Mark | None = None
    ) -> Any:
        """Run a handler as Lambda would; raises :class:`_HandlerFailed` on error or timeout."""
        loaded = self._loader.cached(rt)
        try:
            if loaded is None:
                loaded = await self._in_thread(self._loader.load, rt, environment=rt.environment)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and self._stopping:
                raise
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            raise _HandlerFailed(exc, text) from None
        if not loaded.is_async:
            fut = asyncio.get_running_loop().create_future()
            self._submit(
                rt, loaded.func, event, lambda job: fut.done() or fut.set_result(job), mark
            )
            job = await fut
            if job.failure is not None:
                raise job.failure
            return job.result[0]
        timeout = self._timeout(rt)
        try:
            context = LambdaContext(rt, request_uuid(), rt.timeout)
            assert self._hloop is not None
            cf = asyncio.run_coroutine_threadsafe(
                _run_async(rt, loaded.func, event, context), self._hloop
            )
            result = await asyncio.wait_for(asyncio.wrap_future(cf), timeout)
        except asyncio.TimeoutError:
            raise _HandlerFailed(None, f"Task timed out after {timeout:.2f} seconds") from None
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and self._stopping:
                raise
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            raise _HandlerFailed(exc, text) from None
        _check_marshal(result)
        return result

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
                "reject", connectionId=conn.connection_id, routeKey="$connect", status=status
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
        verdict = evaluate_policy(result, event["methodArn"])
        if verdict == ALLOW:
            conn.authorizer = authorizer_context(result, int((time.monotonic() - started) * 1000))
            return None
        if verdict == DENY:
            return 403
        self._log.add(
            "error",
            connectionId=conn.connection_id,
            routeKey="authorizer",
            detail=f"malformed authorizer response: {result!r}"[:500],
        )
        log.error("authorizer %s returned a malformed response: %r", rt.name, result)
        return 500

    async def _run_connect(self, routes: _Routes, conn: Connection) -> int | None:
        rt = self._runtime(routes, "$connect")
        assert self._stage is not None
        event = connect_event(self._stage, conn)
        rid = event["requestContext"]["requestId"]
        try:
            result = await self._invoke(rt, event)
        except _HandlerFailed as failure:
            self._failed(rt, conn, rid, failure)
            return 504 if failure.error is None else 502
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
        self._log.add("connect", connectionId=cid, routeKey="$connect", detail=conn.source_ip)
        if log.isEnabledFor(logging.INFO):
            log.info("connect %s from %s", cid, conn.source_ip)
        on_message = self._on_message

        def deliver(message: str | bytes) -> None:
            conn.last_active_at = now_ms()
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
            self._log.add(
                "disconnect", connectionId=cid, routeKey="$disconnect", status=code, detail=reason
            )
            if log.isEnabledFor(logging.INFO):
                log.info("disconnect %s (%s %s)", cid, code, reason)
            spec = self.api.spec
            routes = self._routes_for(spec)
            if "$disconnect" in routes.keys and self._stage is not None:
                rt = self._runtime(routes, "$disconnect")
                event = disconnect_event(self._stage, conn, code, reason)
                try:
                    await self._invoke(rt, event)
                except _HandlerFailed as failure:
                    self._failed(rt, conn, event["requestContext"]["requestId"], failure)

    def _on_message(self, conn: Connection, message: str | bytes, mark: _trace.Mark | None) -> None:
        """Route one message and start its handler (on the loop; never waits)."""
        routes = self._routes_for(self.api.spec)
        key = select_route(routes.keys, message)
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
                detail="no route matched and no $default: Forbidden",
            )
            self._send(conn, error_frame("Forbidden", cid, rid))
            return
        rt = self._runtime(routes, key)
        event = message_event(stage, conn, key, message)
        rid = event["requestContext"]["requestId"]
        loaded = self._loader.cached(rt)
        if loaded is None or loaded.is_async:
            self._spawn(self._message_async(conn, rt, event, rid, mark))
        else:  # start the thread first: the bookkeeping below overlaps its wake-up
            self._submit(
                rt, loaded.func, event, lambda job: self._message_done(conn, rt, rid, job), mark
            )
        self._log.add(
            "message", connectionId=cid, routeKey=key, requestId=rid, detail=_preview(message)
        )
        if log.isEnabledFor(logging.INFO):
            log.info("message %s -> %s (%s)", cid, key, rid)

    def _message_done(self, conn: Connection, rt: FunctionRuntime, rid: str, job: Job) -> None:
        if job.failure is not None:
            self._failed(rt, conn, rid, job.failure)
            self._send(conn, error_frame("Internal server error", conn.connection_id, rid))
            return
        reply = job.result[1]
        if reply is not None:
            self._send(conn, reply, job.mark)

    async def _message_async(
        self,
        conn: Connection,
        rt: FunctionRuntime,
        event: dict[str, Any],
        rid: str,
        mark: _trace.Mark | None,
    ) -> None:
        """A message whose handler is async or not loaded yet."""
        try:
            result = await self._invoke(rt, event, mark)
        except _HandlerFailed as failure:
            self._failed(rt, conn, rid, failure)
            self._send(conn, error_frame("Internal server error", conn.connection_id, rid))
            return
        reply = _reply_body(rt, result)
        if reply is not None:
            self._send(conn, reply, mark)

    def _send(self, conn: Connection, data: str | bytes, mark: _trace.Mark | None = None) -> bool:
        """Send one message to a client (on the loop); False when it is gone.

        The frame is written at once when the connection can take it; otherwise (a slow reader
        filled the write buffer, or earlier sends wait) it queues behind them, in order.
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
        if (
            not conn.queued
            and ws.send_in_progress is None
            and not ws.paused
            and ws.protocol.state is State.OPEN
        ):
            try:
                if text is not None:
                    ws.protocol.send_text(text)
                else:
                    ws.protocol.send_binary(data)
                ws.send_data()
            except Exception:
                return False
            if mark is not None and not mark.w:
                mark.w = _trace.now()
            conn.messages_out += 1
            return True
        if ws.protocol.state is not State.OPEN:
            return False
        conn.queued += 1
        self._spawn(self._send_later(conn, text.decode() if text is not None else data, mark))
        return True

    async def _send_later(
        self, conn: Connection, data: str | bytes, mark: _trace.Mark | None
    ) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await conn.ws.send(data)
        except ConnectionClosed:
            return
        finally:
            conn.queued -= 1
        if mark is not None and not mark.w:
            mark.w = _trace.now()
        conn.messages_out += 1

    def _is_open(self, conn: Connection) -> bool:
        """Open and not being closed (by the client, the server, or delete_connection)."""
        from websockets.protocol import State

        ws = conn.ws
        return ws is not None and conn.close_code is None and ws.protocol.state is State.OPEN

    def _drop(self, conn: Connection) -> bool:
        """delete_connection: close the client's connection (on the loop)."""
        if conn.connection_id not in self._conns or conn.ws is None:
            return False
        conn.close_code, conn.close_reason = 1000, "Connection deleted by the management API"
        self._log.add(
            "close", connectionId=conn.connection_id, status=1000, detail="delete_connection"
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
    timeout: float,
    mark: _trace.Mark | None,
) -> tuple[Any, Any]:
    """On a worker thread: call a sync handler as Lambda would; ``(result, reply body)``."""
    context = LambdaContext(rt, request_uuid(), rt.timeout)
    if mark is not None:
        started = _trace.cpu()
        mark.s = _trace.now()
    try:
        result = func(event, context)
    finally:
        if mark is not None:
            mark.e = _trace.now()
            mark.hc = _trace.cpu() - started
    _check_marshal(result)
    return result, _reply_body(rt, result)


async def _run_async(
    rt: FunctionRuntime, func: Callable[..., Any], event: dict[str, Any], context: LambdaContext
) -> Any:
    _environ.OVERLAY.set(rt.environment)  # this task's own context
    return await func(event, context)


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
