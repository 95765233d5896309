"""The @connections management API: one dispatcher, reached two ways.

* In process: ``boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domainName}/{stage}")``
  — botocore calls for the server's ``domainName`` (``127.0.0.1:<port>``) are answered by
  :func:`handle` through :mod:`._transport` (at ``before-call``; at the HTTP layer as a
  fallback), with no socket, from handlers and the notebook.
* Over HTTP for tools outside the process: ``server.management_url``
  (``http://127.0.0.1:<management port>/<stage>``), a small HTTP/1.1 listener on loopback.

``POST /<stage>/@connections/<id>`` sends the body to the client (200), ``GET`` answers
``connectedAt``/``identity``/``lastActiveAt`` (200), ``DELETE`` closes the connection (204).
An unknown or closed connection answers 410 with ``x-amzn-ErrorType: GoneException`` (boto3
raises ``client.exceptions.GoneException``); more than 128 KB answers 413.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .. import _facts
from ._ids import iso8601

if TYPE_CHECKING:
    from ._server import LocalServer

Action = Callable[[], bool]
Result = tuple[int, dict[str, str], bytes, Action | None]

_JSON = "application/json"


def _error(status: int, kind: str, message: str) -> Result:
    body = json.dumps({"message": message}).encode()
    return status, {"x-amzn-ErrorType": kind, "Content-Type": _JSON}, body, None


def gone() -> Result:
    return _error(410, "GoneException", "Gone")


def handle(server: LocalServer, method: str, target: str, body: bytes, mark: Any = None) -> Result:
    """Decide a management request. The returned action (if any) must run on the server loop
    (it never waits); it returns ``False`` when the connection closed meanwhile (then 410)."""
    path = target.split("?", 1)[0]
    prefix = f"/{server.stage}/@connections/"
    if not path.startswith(prefix):
        return _error(403, "ForbiddenException", "Forbidden")
    cid = unquote(path[len(prefix) :])
    conn = server._conns.get(cid)
    if conn is not None and not server._is_open(conn):
        conn = None  # deleted, timed out or closing: gone at once, as in AWS
    if method == "POST":
        if len(body) > _facts.MAX_MESSAGE_BYTES:
            return _error(413, "PayloadTooLargeException", "Message too long")
        if conn is None:
            return gone()
        if server._outbound_full(conn):  # a client that does not read ("PostToConnection")
            return _error(429, "LimitExceededException", "Limit Exceeded")
        return 200, {"Content-Type": _JSON}, b"", lambda: server._send(conn, body, mark)
    if method == "GET":
        if conn is None:
            return gone()
        info = {
            "connectedAt": iso8601(conn.connected_at),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "lastActiveAt": iso8601(conn.last_active_at or conn.connected_at),
        }
        return 200, {"Content-Type": _JSON}, json.dumps(info).encode(), None
    if method == "DELETE":
        if conn is None:
            return gone()
        return 204, {}, b"", lambda: server._drop(conn)
    return _error(403, "ForbiddenException", "Forbidden")


def answerer(server: LocalServer) -> Callable[[str, str, bytes], tuple[int, dict[str, str], bytes]]:
    """``answer(method, url, body) -> (status, headers, body)`` for in-process calls (any thread)."""
    from . import _trace

    def answer(method: str, url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        mark = _trace.current() if _trace.ON else None
        if mark is not None:
            started, entered = _trace.cpu(), _trace.now()
            if not mark.m:
                mark.m = entered
        parts = url.split("/", 3)
        target = "/" + (parts[3] if len(parts) > 3 else "")
        status, headers, out, action = handle(server, method, target, body, mark)
        # A post is queued for the loop (in order) and answered at once; other calls wait.
        if action is not None and not server._run_action(action, fire_and_forget=method == "POST"):
            status, headers, out, _ = gone()
        if mark is not None:
            mark.ac += _trace.cpu() - started
            mark.aw += _trace.now() - entered
        return status, headers, out

    return answer


def botocore_handler(server: LocalServer) -> Callable[[Any], Any]:
    """The in-process answer at the HTTP layer for requests to the server's domainName."""
    from . import _transport

    answer = answerer(server)

    def send(request: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, (bytes, bytearray)):
            body = body.read()
        status, headers, out = answer(request.method, request.url, bytes(body))
        return _transport.response(request.url, status, headers, out)

    return send


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    410: "Gone",
    413: "Payload Too Large",
    429: "Too Many Requests",
}


async def http_client(
    server: LocalServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Serve management requests on one keep-alive HTTP/1.1 connection (cancelled at stop)."""
    task = asyncio.current_task()
    if task is not None:
        server._http_tasks.add(task)
    try:
        for _ in range(100_000):  # bounded keep-alive
            line = await asyncio.wait_for(reader.readline(), timeout=60)
            if not line:
                break
            try:
                method, target, _version = line.decode("latin-1").strip().split(" ", 2)
                headers: dict[str, str] = {}
                for _h in range(100):
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
            except ValueError:
                await _write(writer, 400, {}, b'{"message": "Bad Request"}', close=True)
                break
            if length > 4 * _facts.MAX_MESSAGE_BYTES:
                await _write(writer, 413, {}, b'{"message": "Message too long"}', close=True)
                break
            body = await reader.readexactly(length) if length else b""
            status, out_headers, out, action = handle(server, method.upper(), target, body)
            if action is not None and not action():
                status, out_headers, out, _ = gone()
            close = headers.get("connection", "").lower() == "close"
            await _write(writer, status, out_headers, out, close=close)
            if close:
                break
    except (
        asyncio.TimeoutError,
        asyncio.IncompleteReadError,
        ConnectionError,
        asyncio.CancelledError,
    ):
        pass
    finally:
        server._http_tasks.discard(task)
        writer.close()


async def _write(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes, *, close: bool
) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    all_headers = {
        **headers,
        "Content-Length": str(len(body)),
        "Connection": "close" if close else "keep-alive",
    }
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
