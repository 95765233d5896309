"""Lambda events in API Gateway's WebSocket shapes (CONNECT, MESSAGE, DISCONNECT, authorizer)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .._selection import _action_key
from ._ids import aws_id, now_ms, request_time

# Headers of the upgrade request that API Gateway does not pass to the $connect integration.
_HOP_HEADERS = {"connection", "upgrade", "content-length"}


@dataclass
class Connection:
    """What the emulator knows about one client connection."""

    connection_id: str
    source_ip: str
    user_agent: str
    connected_at: int
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    host: str
    last_active_at: int = 0
    authorizer: dict[str, Any] | None = None
    messages_in: int = 0
    messages_out: int = 0
    queued: int = 0  # sends waiting behind a full write buffer
    queued_bytes: int = 0  # their size (the outbound buffer beyond the transport's)
    # posts accepted (200) but still waiting for the loop to write them: counted against the
    # outbound buffer too, or a burst of in-process posts would all be accepted before any runs
    posted_bytes: int = 0
    ws: Any = field(default=None, repr=False)
    close_code: int | None = None  # set when the server closes on purpose
    close_reason: str = ""
    response_headers: dict[str, str] = field(default_factory=dict, repr=False)
    connect_request_id: str | None = None  # the $connect invocation's requestId, if one ran

    def info(self) -> dict[str, Any]:
        return {
            "connectionId": self.connection_id,
            "connectedAt": self.connected_at,
            "lastActiveAt": self.last_active_at or self.connected_at,
            "sourceIp": self.source_ip,
            "userAgent": self.user_agent,
            "messagesIn": self.messages_in,
            "messagesOut": self.messages_out,
        }


@dataclass(frozen=True)
class Stage:
    """The API-wide values every event carries."""

    api_id: str
    stage: str
    domain_name: str
    region: str
    account: str


def _context(
    stage: Stage, conn: Connection, route_key: str, event_type: str, epoch: int, request_id: str
) -> dict[str, Any]:
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(epoch),
        "messageDirection": "IN",
        "stage": stage.stage,
        "connectedAt": conn.connected_at,
        "requestTimeEpoch": epoch,
        "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        "requestId": request_id,
        "domainName": stage.domain_name,
        "connectionId": conn.connection_id,
        "apiId": stage.api_id,
    }


def _with_authorizer(ctx: dict[str, Any], conn: Connection) -> dict[str, Any]:
    if conn.authorizer is not None:
        ctx["authorizer"] = dict(conn.authorizer)
    return ctx


def _header_maps(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def connect_headers(conn: Connection, *, hop: bool) -> list[tuple[str, str]]:
    """The upgrade request's headers as API Gateway forwards them (plus X-Forwarded-*)."""
    pairs = [(k, v) for k, v in conn.headers if hop or k.lower() not in _HOP_HEADERS]
    names = {k.lower() for k, _ in pairs}
    port = conn.host.rsplit(":", 1)[1] if ":" in conn.host else "80"
    for name, value in (
        (
            "X-Amzn-Trace-Id",
            f"Root=1-{conn.connected_at // 1000:08x}-{conn.connection_id.encode().hex()[:24]}",
        ),
        ("X-Forwarded-For", conn.source_ip),
        ("X-Forwarded-Port", port),
        ("X-Forwarded-Proto", "http"),
    ):
        if name.lower() not in names:
            pairs.append((name, value))
    return pairs


def _add_request_parts(event: dict[str, Any], conn: Connection, *, hop: bool) -> None:
    headers, multi = _header_maps(connect_headers(conn, hop=hop))
    event["headers"] = headers
    event["multiValueHeaders"] = multi
    if conn.query:
        qs, mqs = _header_maps(conn.query)
        event["queryStringParameters"] = qs
        event["multiValueQueryStringParameters"] = mqs


def connect_event(stage: Stage, conn: Connection) -> dict[str, Any]:
    epoch = now_ms()
    rid = aws_id()
    ctx = _context(stage, conn, "$connect", "CONNECT", epoch, rid)
    event: dict[str, Any] = {}
    _add_request_parts(event, conn, hop=False)
    event["requestContext"] = _with_authorizer(ctx, conn)
    event["isBase64Encoded"] = False
    return event


def authorizer_event(stage: Stage, conn: Connection) -> dict[str, Any]:
    """The REQUEST authorizer's input (type, methodArn, headers, query, requestContext)."""
    epoch = now_ms()
    rid = aws_id()
    ctx = _context(stage, conn, "$connect", "CONNECT", epoch, rid)
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn(stage)}
    _add_request_parts(event, conn, hop=True)
    event["stageVariables"] = {}
    event["requestContext"] = ctx
    return event


def method_arn(stage: Stage) -> str:
    return (
        f"arn:aws:execute-api:{stage.region}:{stage.account}:{stage.api_id}/{stage.stage}/$connect"
    )


def message_event(
    stage: Stage, conn: Connection, route_key: str, body: str | bytes
) -> dict[str, Any]:
    epoch = now_ms()
    rid = aws_id()
    ctx = _context(stage, conn, route_key, "MESSAGE", epoch, rid)
    ctx["messageId"] = aws_id()
    if isinstance(body, bytes):
        text, b64 = base64.b64encode(body).decode("ascii"), True
    else:
        text, b64 = body, False
    return {"requestContext": _with_authorizer(ctx, conn), "body": text, "isBase64Encoded": b64}


def disconnect_event(
    stage: Stage, conn: Connection, status: int, reason: str, request_id: str | None = None
) -> dict[str, Any]:
    epoch = now_ms()
    rid = request_id or aws_id()
    ctx = _context(stage, conn, "$disconnect", "DISCONNECT", epoch, rid)
    ctx["disconnectStatusCode"] = status
    ctx["disconnectReason"] = reason
    headers = {"Host": stage.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": _with_authorizer(ctx, conn),
        "isBase64Encoded": False,
    }


def select_route(
    route_keys: set[str] | frozenset[str],
    body: str | bytes,
    evaluate: Callable[[str | bytes], str | None] | None = None,
) -> str | None:
    """The route for a message: the route selection expression's value (default
    ``$request.body.action``; see :mod:`wsnb._selection`) if it names a route, else ``$default``.

    Returns ``None`` when nothing matches and there is no ``$default`` route.
    """
    key = (evaluate or _action_key)(body)
    if key is not None and key in route_keys and not key.startswith("$"):
        return key
    return "$default" if "$default" in route_keys else None


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """API Gateway's error frame, byte for byte (note its spacing)."""
    return (
        f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'
    )


def parse_query(raw: str) -> list[tuple[str, str]]:
    return parse_qsl(raw, keep_blank_values=True) if raw else []
