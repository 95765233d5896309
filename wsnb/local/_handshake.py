"""The opening handshake: URL checks, the authorizer, and ``$connect``.

``websockets`` calls :meth:`Handshake.process_request` when a client's upgrade request has
arrived (answer ``None`` to accept, or an HTTP response to refuse) and
:meth:`Handshake.process_response` just before the 101 goes out.
"""

from __future__ import annotations

import http
import logging
import time
from typing import Any

from ..model import LambdaAuthorizer
from . import _ws
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
from ._events import Connection, authorizer_event, connect_event, parse_query
from ._gateway import Gateway, request_id_field
from ._ids import aws_id, now_ms
from ._integrations import Integrations, participant
from ._invoker import Invoker

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

# $connect's refusal when its integration fails: a timeout → 504, throttling → 500 (AWS documents
# no status for WebSocket APIs; a throttled Lambda is an integration failure, 500 as for REST
# APIs); an exception → 502.
_CONNECT_STATUS = {"function-timeout": 504, "integration-timeout": 504, "throttled": 500}


class Handshake:
    """Decides each handshake of one server (on its loop)."""

    def __init__(
        self,
        gateway: Gateway,
        invoker: Invoker,
        *,
        url: str,
        iam: str,
        integrations: Integrations | None = None,
    ) -> None:
        self.gateway = gateway
        self.invoker = invoker
        self.integrations = integrations  # runs a $connect that is not a Lambda proxy
        self.url = url  # the server's ws:// URL (its port is known once it listens)
        self.iam = iam

    async def process_request(self, ws: Any, request: Any) -> Any:
        gateway = self.gateway
        stage = gateway.stage
        assert stage is not None
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return ws.respond(
                426,
                "wsnb local API Gateway WebSocket emulator: connect with a WebSocket client to "
                + self.url
                + "\n",
            )
        url = f"wss://{request.headers.get('Host', stage.domain_name)}{request.path}"
        if len(url) > MAX_URL_CHARACTERS:
            gateway.events.add(
                "reject",
                routeKey="$connect",
                status=414,
                detail=f"URL of {len(url)} characters (API Gateway's limit: {MAX_URL_CHARACTERS})",
            )
            return _refusal(414, "URI Too Long")
        path, _, raw_query = request.path.partition("?")
        if path.rstrip("/") not in ("", f"/{stage.stage}"):
            return _refusal(403, "Forbidden")
        peer = ws.remote_address or ("127.0.0.1", 0)
        now = now_ms()
        conn = Connection(
            connection_id=aws_id(),
            source_ip=str(peer[0]),
            user_agent=request.headers.get("User-Agent", ""),
            connected_at=now,
            headers=list(request.headers.raw_items()),
            query=parse_query(raw_query),
            host=request.headers.get("Host", stage.domain_name),
            last_active_at=now,
        )
        ws.wsnb_connection = conn
        routes = gateway.routes()
        status = await self._authorize(routes, conn)
        if status is None and "$connect" in routes.keys:
            status = await self._run_connect(routes, conn)
        if status is not None:
            gateway.events.add(
                "reject",
                connectionId=conn.connection_id,
                routeKey="$connect",
                status=status,
                **request_id_field(conn.connect_request_id),
                **target_field(routes, "$connect", self.integrations),
            )
            log.info("refused %s (%s)", conn.connection_id, status)
            return _refusal(status)
        return None

    def process_response(self, ws: Any, request: Any, response: Any) -> None:
        conn = getattr(ws, "wsnb_connection", None)
        if conn is not None and response.status_code == 101:
            # Registered before the 101 goes out, as in AWS: once a client's connect() returns,
            # the connection is listed and reachable through @connections (no window in which
            # another handler's post would find it gone).
            conn.ws = ws
            self.gateway.add(conn)
            for name, value in conn.response_headers.items():
                if name.lower() == "sec-websocket-protocol":
                    response.headers["Sec-WebSocket-Protocol"] = value
        return None

    async def _authorize(self, routes: Any, conn: Connection) -> int | None:
        auth = routes.spec.authorizer
        if auth == "iam":
            return (
                None if self.iam == "allow" or (self.iam == "signed" and iam_signed(conn)) else 403
            )
        if not isinstance(auth, LambdaAuthorizer):
            return None
        gateway = self.gateway
        events = gateway.events
        missing = missing_identity(auth.identity_source, conn)
        if missing is not None:
            events.add(
                "unauthorized",
                connectionId=conn.connection_id,
                detail=f"identity source {missing} is missing",
            )
            return 401
        fn = gateway.function(routes, "authorizer")
        assert gateway.stage is not None
        event = authorizer_event(gateway.stage, conn)
        started = time.monotonic()
        outcome = await self.invoker.invoke(fn, event)
        failure = outcome.error
        if failure is not None:
            # "raise Exception('Unauthorized')" (Python) / "throw new Error('Unauthorized')"
            if failure.kind == "error" and failure.error_message == "Unauthorized":
                return 401
            gateway.record_failure(fn, conn, event["requestContext"]["requestId"], failure)
            return 500
        result = outcome.result
        size = result_size(result)
        if size > RESULT_LIMIT_BYTES:
            events.add(
                "error",
                connectionId=conn.connection_id,
                routeKey="authorizer",
                detail=f"authorizer result is {size} bytes; API Gateway's quota is "
                f"{RESULT_LIMIT_BYTES} bytes (8 KB): the connection is refused",
            )
            log.error("authorizer %s returned %d bytes (over the 8 KB result quota)", fn.name, size)
            return 500
        verdict = evaluate_policy(result, event["methodArn"])
        # Only the decision and the principal are recorded: the answer's context and policy can
        # carry secrets (tokens, e-mail addresses), and events/logs are shown and shared.
        principal = principal_of(result)
        events.add(
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
        events.add(
            "error",
            connectionId=conn.connection_id,
            routeKey="authorizer",
            detail=f"malformed authorizer response: {shape} (an IAM policy document is expected)",
        )
        log.error("authorizer %s returned a malformed response: %s", fn.name, shape)
        return 500

    async def _run_connect(self, routes: Any, conn: Connection) -> int | None:
        gateway = self.gateway
        route = routes.integrations.get("$connect")
        if route is not None and self.integrations is not None:
            return await self.integrations.connect(routes, conn, route)
        fn = gateway.function(routes, "$connect")
        assert gateway.stage is not None
        event = connect_event(gateway.stage, conn)
        rid = conn.connect_request_id = event["requestContext"]["requestId"]
        started = time.time()
        outcome = await self.invoker.invoke(fn, event)
        failure = outcome.error
        if failure is not None:
            gateway.record_failure(fn, conn, rid, failure)
            gateway.record_result(conn, fn, rid, failure, started=started)
            return _CONNECT_STATUS.get(failure.kind, 502)
        gateway.record_result(conn, fn, rid, None, started=started)
        result = outcome.result
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


def target_field(routes: Any, key: str, integrations: Integrations | None) -> dict[str, str]:
    """``{"target": ...}``: who ran route ``key`` for the traffic view when it is not a Lambda
    proxy (``""``: a route the emulator skips); nothing for a proxy."""
    route = routes.integrations.get(key)
    if route is None:
        return {}
    if integrations is not None and integrations.problem(route) is not None:
        return {"target": ""}
    return {"target": participant(route)}


def _refusal(status: int, message: str | None = None) -> Any:
    """The HTTP answer refusing a handshake: ``{"message": ...}`` with the status's reason."""
    reason = _REASON.get(status) or _http_reason(status)
    return _ws.json_response(status, reason, message if message is not None else reason)


def _http_reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
