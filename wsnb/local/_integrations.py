"""Routes whose target is not a Lambda proxy (SPEC §9), run as API Gateway runs them.

For each message (and ``$connect`` / ``$disconnect``) routed to such a route the emulator
builds the same values a proxy's event carries (:mod:`._events`), maps them with the
integration's request template and parameters (:mod:`._mapping`), calls the integration, and —
on a two-way route (``return_response``: a ``$default`` route response) — maps its answer
through the integration responses back to the client:

* ``MOCK``: the request template's ``statusCode`` is the answer's status, its body empty
  ("Set up mock integrations in API Gateway"); a template without an integer ``statusCode``
  fails the request as API Gateway does ("statusCode should be an integer which defined in
  request template"). On ``$connect`` a 2xx status opens the connection, any other refuses it.
* Non-proxy Lambda (``LambdaIntegration``): the template's output is the function's event
  (Lambda parses the request body as JSON: a body that is not JSON fails with
  ``InvalidRequestContentException``, as Lambda's Invoke does), run through the handler-runtime
  seam like a proxy's (timeout, concurrency, logs). Its result, JSON-serialized, is the answer;
  a function error answers Lambda's error JSON (``errorMessage``, ``errorType``,
  ``stackTrace``), selected by ``$integration.response.body.errorMessage``.
  ``invocation_type="Event"``: the integration answers at once (202) and sends nothing, ever;
  the function runs in the background and its errors are logged and recorded.
* ``HTTP`` / ``HTTP_PROXY``: the URL is called (:mod:`._http_backend`); a proxy's answer body
  is the reply as it came.
* ``AWS`` service: the request goes to the local moto backend (:mod:`._service`).

On ``$connect`` the integration's status decides the handshake: 2xx opens the connection, any
other status refuses it with that status (a mock's ``statusCode``, an HTTP or service answer);
a non-proxy function opens it unless it fails (then 502, as a proxy's ``$connect`` that raises;
AWS documents no status for this case).

Failures API Gateway answers with an error frame (the reason goes to the ``wsnb.local`` log and
an ``error`` event): a route the emulator cannot run, a template that does not parse or fails
(with its line and column), a backend that cannot be reached → ``Internal server error``; an
integration that does not answer within its timeout (min(the integration's ``timeout``, the
server's ``integration_timeout``)) → ``Endpoint request timed out``. A ``$connect`` or
``$disconnect`` the emulator cannot run is skipped (the connection still opens), as said at
start-up. Start-up also says which queues, streams, buses, topics and buckets it created
locally for AWS service integrations, and which HTTP backends are real ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..model import AwsIntegration, HttpIntegration, LambdaIntegration, RouteSpec
from . import _http_backend, _service, _tables
from ._events import Connection, connect_event, disconnect_event, error_frame, message_event
from ._gateway import preview
from ._mapping import (
    IntegrationRequest,
    MappingFailure,
    add_parameters,
    mapping_context,
    request_side,
    response_side,
)

if TYPE_CHECKING:
    from ._functions import Routes
    from ._gateway import Gateway
    from ._handler_runtime import LocalFunction, Outcome
    from ._invoker import Invoker

log = logging.getLogger("wsnb.local")

INTERNAL_ERROR = "Internal server error"
TIMED_OUT = "Endpoint request timed out"
_MOCK_STATUS = (
    "Execution failed due to configuration error: statusCode should be an integer which defined "
    "in request template"
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def participant(route: RouteSpec) -> str:
    """The route's integration as the traffic view names it: ``λ key`` for a function (``λ key
    (Event)`` when invoked asynchronously), ``MOCK``, ``HTTP``, ``HTTP_PROXY``, ``AWS sqs``…"""
    integration = route.integration
    if integration is None:
        return f"λ {route.key}"
    if isinstance(integration, LambdaIntegration):
        return f"λ {route.key} (Event)" if integration.is_async else f"λ {route.key}"
    if isinstance(integration, AwsIntegration):
        return f"AWS {integration.service}"
    return integration.cfn_type


@dataclass
class Answer:
    """How one integration request ended.

    ``status``: the integration's status (a mock's ``statusCode``, the backend's, 200 for a
    Lambda function, 202 for an ``Event`` invocation). ``reply``: what a two-way route sends.
    ``failure``: why API Gateway answers with the error frame ``frame`` instead (logged);
    ``why``: that failure in a few words, for the traffic view. ``function_error``: a non-proxy
    Lambda function failed (its error went through the integration responses).
    """

    status: int | None = None
    reply: str | bytes | None = None
    failure: str | None = None
    frame: str | None = None
    why: str | None = None
    function_error: bool = False


def _failed(reason: str, why: str, *, timed_out: bool = False) -> Answer:
    return Answer(
        status=504 if timed_out else 500,
        failure=reason,
        frame=TIMED_OUT if timed_out else INTERNAL_ERROR,
        why=why,
    )


@dataclass
class _Backend:
    """An integration's answer before the integration responses: status, headers, body; a
    Lambda function's ``errorMessage`` when it failed."""

    status: int
    body: str = ""
    headers: dict[str, str] | None = None
    error_message: str | None = None


class Integrations:
    """Runs one server's non-proxy routes (on its loop; see the module docstring)."""

    def __init__(
        self,
        gateway: Gateway,
        invoker: Invoker,
        *,
        stage: str,
        app: str,
        region: str,
        account: str,
        integration_timeout: float,
    ) -> None:
        self.gateway = gateway
        self.invoker = invoker
        self._where = {"stage": stage, "app": app, "region": region, "account": account}
        self.integration_timeout = integration_timeout
        self._said: set[tuple[str, str]] = set()  # (route, message) logged once per server
        self._made: set[tuple[str, str]] = set()  # (kind, name) looked at by this server
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the model

    def problem(self, route: RouteSpec) -> str | None:
        """Why this server cannot run ``route`` (None: it can)."""
        problem = route.local_problem
        if problem is None and isinstance(route.integration, AwsIntegration):
            problem = _service.unavailable(route.integration.service)
        return problem

    def resolve(self, spec: Any, text: str) -> str:
        """``text`` with wsnb placeholders (``table.table_name``) as their local values."""
        return _tables.resolve_tokens(text, spec.resources(), **self._where)

    def prepare(self, spec: Any) -> None:
        """Say what cannot run, create what AWS service routes write to, and say so (once per
        route and server; called when the server starts and when the model changes)."""
        for route in spec.integration_routes():
            problem = self.problem(route)
            if problem is not None:
                if route.key in ("$connect", "$disconnect"):
                    self._say(
                        route,
                        f"cannot run locally ({problem}): it is skipped, connections still "
                        f"{'open' if route.key == '$connect' else 'close'}",
                    )
                else:
                    self._say(
                        route,
                        f"cannot run locally ({problem}): its messages answer '{INTERNAL_ERROR}'",
                    )
                continue
            integration = route.integration
            if isinstance(integration, AwsIntegration):
                self._prepare_service(spec, route, integration)
            elif isinstance(integration, HttpIntegration):
                host = urlsplit(integration.url).hostname or ""
                if host not in _LOOPBACK:
                    self._say(
                        route,
                        f"calls {integration.url}: a real backend, reached from this machine",
                        level=logging.INFO,
                    )

    def _prepare_service(self, spec: Any, route: RouteSpec, integration: AwsIntegration) -> None:
        region = self._where["region"]
        templates = [self.resolve(spec, t) for t in integration.request_templates.values()]
        wanted = []
        for kind, name in _service.referenced(integration, templates):
            with self._lock:
                if (kind, name) in self._made:
                    continue
                self._made.add((kind, name))
            if kind == "table":
                if not _service.table_exists(name, region):
                    self._say(
                        route,
                        f"writes to DynamoDB table {name!r}, which does not exist locally "
                        "(give the integration a wsnb Table, or create it with "
                        "server.client('dynamodb'))",
                    )
                continue
            wanted.append((kind, name))
        for kind, name in _service.ensure_resources(wanted, region):
            self._say(
                route,
                f"created local {integration.service} {kind} {name!r} (your AWS {kind} does not "
                "exist on this machine)",
                level=logging.INFO,
            )
        if integration.credentials_role or integration.permissions:
            self._say(
                route,
                "calls local " + integration.service + " without checking IAM (its role and "
                "permissions apply on AWS only)",
                level=logging.INFO,
            )

    def _say(self, route: RouteSpec, message: str, *, level: int = logging.WARNING) -> None:
        with self._lock:
            if (route.key, message) in self._said:
                return
            self._said.add((route.key, message))
        log.log(level, "route %r (%s) %s", route.key, route.integration_label, message)

    def timeout(self, route: RouteSpec) -> float:
        """The integration timeout: the route's own, capped by the server's."""
        integration = route.integration
        own = None if integration is None or integration.timeout is None else integration.timeout
        return min(self.integration_timeout, own / 1000) if own else self.integration_timeout

    # ------------------------------------------------------------------ messages

    def message(self, conn: Connection, route: RouteSpec, routes: Routes, message: str) -> None:
        """Start ``message`` on ``route`` (on the loop; never waits)."""
        stage = self.gateway.stage
        assert stage is not None
        event = message_event(stage, conn, route.key, message)
        rid = event["requestContext"]["requestId"]
        self.gateway.events.add(
            "message",
            connectionId=conn.connection_id,
            routeKey=route.key,
            requestId=rid,
            detail=preview(message),
            target=participant(route),
        )
        if log.isEnabledFor(logging.INFO):
            log.info("message %s -> %s (%s)", conn.connection_id, route.key, rid)
        self.gateway.spawn(self._message(conn, route, routes, event))

    async def _message(
        self, conn: Connection, route: RouteSpec, routes: Routes, event: dict[str, Any]
    ) -> None:
        rid = event["requestContext"]["requestId"]
        try:
            answer = await self.run(route, routes, conn, event, two_way=route.return_response)
        except Exception as exc:  # a bug here answers as a failing integration would
            log.exception("route %r failed for request %s", route.key, rid)
            answer = _failed(f"{type(exc).__name__}: {exc}", "error")
        gateway = self.gateway
        extra: dict[str, Any] = {"target": participant(route)}
        if answer.status is not None:
            extra["integrationStatus"] = answer.status
        if answer.function_error:
            extra["integrationError"] = True
        if answer.failure is not None:
            self.record_failure(conn, route, rid, answer.failure)
            extra.update(frame=answer.frame, why=answer.why)
            status = 504 if answer.frame == TIMED_OUT else 500
        else:
            status = 200
        gateway.events.add(
            "result",
            connectionId=conn.connection_id,
            routeKey=route.key,
            requestId=rid,
            status=status,
            detail=None if answer.reply is None else preview(answer.reply),
            **extra,
        )
        if answer.failure is not None:
            gateway.send(conn, error_frame(answer.frame or INTERNAL_ERROR, conn.connection_id, rid))
        elif answer.reply is not None:
            gateway.send(conn, answer.reply)

    def record_failure(self, conn: Connection, route: RouteSpec, rid: str, reason: str) -> None:
        """Log why API Gateway answered with an error frame, and record an ``error`` event."""
        log.error(
            "route %r (%s) failed for connection %s request %s: %s",
            route.key,
            route.integration_label,
            conn.connection_id,
            rid,
            reason,
        )
        self.gateway.events.add(
            "error",
            connectionId=conn.connection_id,
            routeKey=route.key,
            requestId=rid,
            detail=reason,
        )

    # ------------------------------------------------------------------ $connect, $disconnect

    async def connect(self, routes: Routes, conn: Connection, route: RouteSpec) -> int | None:
        """Run a ``$connect`` integration: None opens the connection, a status refuses it."""
        problem = self.problem(route)
        if problem is not None:
            log.debug("$connect (%s) skipped: %s", route.integration_label, problem)
            return None
        stage = self.gateway.stage
        assert stage is not None
        event = connect_event(stage, conn)
        rid = conn.connect_request_id = event["requestContext"]["requestId"]
        started = time.time()
        answer = await self.run(route, routes, conn, event, two_way=False)
        self._lifecycle_result(conn, route, rid, answer, started)
        if answer.failure is not None:
            self.record_failure(conn, route, rid, answer.failure)
            return 504 if answer.frame == TIMED_OUT else 500
        if answer.function_error:
            return 502  # as a proxy's $connect that raises
        status = answer.status if answer.status is not None else 200
        if 200 <= status < 300:
            return None
        return status if 100 <= status <= 599 else 502

    async def disconnect(
        self, routes: Routes, conn: Connection, route: RouteSpec, code: int, reason: str, rid: str
    ) -> None:
        """Run a ``$disconnect`` integration (after the connection closed; nothing is sent)."""
        problem = self.problem(route)
        if problem is not None:
            log.debug("$disconnect (%s) skipped: %s", route.integration_label, problem)
            return
        stage = self.gateway.stage
        assert stage is not None
        event = disconnect_event(stage, conn, code, reason, rid)
        started = time.time()
        answer = await self.run(route, routes, conn, event, two_way=False)
        if answer.failure is not None:
            self.record_failure(conn, route, rid, answer.failure)
        self._lifecycle_result(conn, route, rid, answer, started)

    def _lifecycle_result(
        self, conn: Connection, route: RouteSpec, rid: str, answer: Answer, started: float
    ) -> None:
        status = 200 if answer.failure is None else (504 if answer.frame == TIMED_OUT else 500)
        extra: dict[str, Any] = {"target": participant(route), "started": started}
        if answer.status is not None:
            extra["integrationStatus"] = answer.status
        self.gateway.events.add(
            "result",
            connectionId=conn.connection_id,
            routeKey=route.key,
            requestId=rid,
            status=status,
            detail=None,
            **extra,
        )

    # ------------------------------------------------------------------ one request

    async def run(
        self,
        route: RouteSpec,
        routes: Routes,
        conn: Connection,
        event: dict[str, Any],
        *,
        two_way: bool,
    ) -> Answer:
        """One integration request for ``event`` (a proxy-shaped event of the same request)."""
        integration = route.integration
        assert integration is not None
        problem = self.problem(route)
        if problem is not None:
            return _failed(f"cannot run locally: {problem}", "cannot run locally")
        spec = routes.spec
        ctx = mapping_context(event)
        try:
            if integration.kind == "http_proxy":
                request = IntegrationRequest(ctx.body)  # a proxy sends the message as it is
                add_parameters(request, integration.request_parameters, ctx)
            else:
                templates = {
                    k: self.resolve(spec, v) for k, v in integration.request_templates.items()
                }
                request = request_side(integration, ctx, templates)
        except MappingFailure as failure:
            return _failed(failure.reason, "template error")
        rid = ctx.context.get("requestId", "")
        if isinstance(integration, LambdaIntegration):
            backend = await self._lambda(route, routes, conn, rid, request)
        elif isinstance(integration, HttpIntegration):
            backend = await self._http(route, integration, conn, request)
        elif isinstance(integration, AwsIntegration):
            backend = await self._aws(route, integration, request)
        else:
            backend = self._mock(request)
        if isinstance(backend, Answer):
            return backend
        answer = Answer(status=backend.status, function_error=backend.error_message is not None)
        if not two_way or (isinstance(integration, LambdaIntegration) and integration.is_async):
            return answer  # one-way: "no response will be returned over the WebSocket channel"
        if integration.kind == "http_proxy":
            answer.reply = backend.body
            return answer
        try:
            answer.reply = response_side(
                route,
                ctx,
                integration_type=integration.cfn_type,
                lambda_function=isinstance(integration, LambdaIntegration),
                status=backend.status,
                body=backend.body,
                headers=backend.headers,
                error_message=backend.error_message,
                resolve=lambda text: self.resolve(spec, text),
            )
        except MappingFailure as failure:
            return _failed(failure.reason, "template error")
        return answer

    # ------------------------------------------------------------------ the kinds

    def _mock(self, request: IntegrationRequest) -> _Backend | Answer:
        try:
            data = json.loads(request.body)
        except ValueError:
            data = None
        status = data.get("statusCode") if isinstance(data, dict) else None
        if not isinstance(status, int) or isinstance(status, bool):
            return _failed(f"{_MOCK_STATUS} (the template gave {request.body!r})", "no statusCode")
        return _Backend(status)

    async def _lambda(
        self,
        route: RouteSpec,
        routes: Routes,
        conn: Connection,
        rid: str,
        request: IntegrationRequest,
    ) -> _Backend | Answer:
        integration = route.integration
        assert isinstance(integration, LambdaIntegration)
        fn = self.gateway.function(routes, route.key)
        text = request.body.strip()
        try:
            event = json.loads(text) if text else {}
        except ValueError:
            return _failed(
                "Lambda refused the integration request: InvalidRequestContentException "
                "(Could not parse request body into json): the request template's output "
                f"(or the message passed through) is not JSON: {preview(request.body, 80)!r}",
                "not JSON",
            )
        cid = conn.connection_id
        if integration.is_async:  # only the function's own timeout bounds it
            self.invoker.begin(
                fn,
                event,
                lambda outcome, _reply: self._async_done(conn, route, fn, rid, outcome),
                request_id=rid,
                connection_id=cid,
                integration_timeout=fn.timeout,
            )
            return _Backend(202)
        outcome = await self.invoker.invoke(
            fn, event, request_id=rid, connection_id=cid, integration_timeout=self.timeout(route)
        )
        error = outcome.error
        if error is not None:
            if error.kind != "error":  # a clock ran out, or throttled: API Gateway's error
                timed_out = error.kind == "integration-timeout"
                return _failed(
                    error.text,
                    "timed out" if "timeout" in error.kind else "error",
                    timed_out=timed_out,
                )
            self.gateway.record_failure(fn, conn, rid, error)
            payload = {
                "errorMessage": error.error_message,
                "errorType": error.error_type,
                "stackTrace": [line for line in error.stack.splitlines() if line.strip()],
            }
            return _Backend(200, _lambda_json(fn, payload), None, error.error_message)
        try:
            return _Backend(200, _lambda_json(fn, outcome.result))
        except (TypeError, ValueError) as exc:
            return _failed(f"Runtime.MarshalError: Unable to marshal response: {exc}", "error")

    def _async_done(
        self, conn: Connection, route: RouteSpec, fn: LocalFunction, rid: str, outcome: Outcome
    ) -> None:
        """An ``Event`` invocation ended (on the loop): its errors are logged and recorded."""
        error = outcome.error
        if error is not None:
            self.gateway.record_failure(fn, conn, rid, error)
        status = 200 if error is None else (504 if "timeout" in error.kind else 500)
        self.gateway.events.add(
            "async",
            connectionId=conn.connection_id,
            routeKey=route.key,
            requestId=rid,
            status=status,
            detail=None if error is None else error.text,
            target=participant(route),
        )

    async def _http(
        self,
        route: RouteSpec,
        integration: HttpIntegration,
        conn: Connection,
        request: IntegrationRequest,
    ) -> _Backend | Answer:
        timeout = self.timeout(route)
        url = _http_backend.target_url(integration.url, request.querystring, request.path)
        headers = dict(request.headers)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        stage = self.gateway.stage
        if stage is not None:
            headers.setdefault("X-Amzn-Apigateway-Api-Id", stage.api_id)
        try:
            answer = await asyncio.wait_for(
                self.invoker.in_thread(
                    _http_backend.send,
                    integration.method,
                    url,
                    request.body.encode("utf-8"),
                    headers,
                    timeout,
                ),
                timeout + 1.0,  # urllib's own timeout ends it first
            )
        except asyncio.TimeoutError:
            return _failed(f"{url}: no answer in {timeout:g} s", "timed out", timed_out=True)
        except _http_backend.BackendError as exc:
            return _failed(
                exc.reason, "timed out" if exc.timed_out else "unreachable", timed_out=exc.timed_out
            )
        body = answer.body.decode("utf-8", errors="replace")
        return _Backend(answer.status, body, answer.headers)

    async def _aws(
        self, route: RouteSpec, integration: AwsIntegration, request: IntegrationRequest
    ) -> _Backend | Answer:
        timeout = self.timeout(route)
        region, account = self._where["region"], self._where["account"]
        call = self.invoker.in_thread(
            lambda: _service.call(
                integration,
                request.body,
                headers=dict(request.headers),
                querystring=dict(request.querystring),
                path_params=dict(request.path),
                region=region,
                account=account,
            )
        )
        try:
            answer = await asyncio.wait_for(call, timeout)
        except asyncio.TimeoutError:
            return _failed(
                f"local {integration.service} did not answer in {timeout:g} s",
                "timed out",
                timed_out=True,
            )
        except Exception as exc:  # moto's own failure, a service without the action style
            return _failed(f"local {integration.service}: {type(exc).__name__}: {exc}", "error")
        return _Backend(answer.status, answer.body, answer.headers)


def _lambda_json(fn: LocalFunction, value: Any) -> str:
    """A function's result as Lambda's runtime serializes it (Python: ``json.dumps``; Node:
    ``JSON.stringify``, compact)."""
    if fn.family == "python":
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
