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
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .. import _facts
from . import _mgmt_auth as _auth
from ._ids import iso8601

if TYPE_CHECKING:
    from ._gateway import Gateway

Action = Callable[[], bool]
Result = tuple[int, dict[str, str], bytes, Action | None]

_JSON = "application/json"

#: The header a handler running in another process sends with its @connections calls: the
#: API Gateway requestId of its invocation (recorded as ``invocationRequestId``).
INVOCATION_HEADER = "x-wsnb-request-id"


def _error(status: int, kind: str, message: str) -> Result:
    body = json.dumps({"message": message}).encode()
    return status, {"x-amzn-ErrorType": kind, "Content-Type": _JSON}, body, None


def gone() -> Result:
    return _error(410, "GoneException", "Gone")


#: guards every connection's ``posted_bytes`` (posts come from many threads)
_POSTED_LOCK = threading.Lock()


def handle(
    gateway: Gateway,
    method: str,
    target: str,
    body: bytes,
    mark: Any = None,
    source: str | None = None,
    invocation: str | None = None,
) -> Result:
    """Decide a management request. The returned action (if any) must run on the server loop
    (it never waits); it returns ``False`` when the connection closed meanwhile (then 410).

    ``source`` names the caller for the event log (a route key, ``"notebook"``, ``"http"``);
    ``invocation`` is the ``requestId`` of the invocation whose handler made the call (``None``
    from the notebook and over HTTP), recorded as ``invocationRequestId`` on the ``post``
    record and on the ``close`` record of a ``DELETE``."""
    path = target.split("?", 1)[0]
    assert gateway.stage is not None
    prefix = f"/{gateway.stage.stage}/@connections/"
    if not path.startswith(prefix):
        return _error(403, "ForbiddenException", "Forbidden")
    cid = unquote(path[len(prefix) :])
    conn = gateway.connection(cid)  # None when deleted, timed out or closing: gone at once
    if method == "POST":
        status = 413 if len(body) > _facts.MAX_MESSAGE_BYTES else (410 if conn is None else 200)
        gateway.events.add(
            "post",
            connectionId=cid,
            routeKey=source,
            invocationRequestId=invocation,
            status=status,
            detail=_preview(body),
        )
        if status == 413:
            return _error(413, "PayloadTooLargeException", "Message too long")
        if conn is None:
            return gone()
        if gateway.outbound_full(conn) and conn.posted_bytes:
            gateway.run(lambda: True)  # let the posts queued before this one go out first
        with _POSTED_LOCK:
            if gateway.outbound_full(conn):  # a client that does not read ("PostToConnection")
                return _error(429, "LimitExceededException", "Limit Exceeded")
            conn.posted_bytes += len(body)  # until the loop writes it (posts may be queued)

        def post() -> bool:
            with _POSTED_LOCK:
                conn.posted_bytes -= len(body)
            return gateway.send(conn, body, mark)

        return 200, {"Content-Type": _JSON}, b"", post
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
        return 204, {}, b"", lambda: gateway.drop(conn, invocation)
    return _error(403, "ForbiddenException", "Forbidden")


def answerer(gateway: Gateway) -> Callable[[str, str, bytes], tuple[int, dict[str, str], bytes]]:
    """``answer(method, url, body) -> (status, headers, body)`` for in-process calls (any thread).

    In-process calls come from Python code: a handler (the invocation running in this context,
    :data:`._python_runtime.CURRENT`, is recorded as the caller) or the notebook itself."""
    from . import _trace
    from ._python_runtime import CURRENT

    current = CURRENT.get

    def answer(method: str, url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        mark = _trace.current() if _trace.ON else None
        if mark is not None:
            started, entered = _trace.cpu(), _trace.now()
            if not mark.m:
                mark.m = entered
        parts = url.split("/", 3)
        target = "/" + (parts[3] if len(parts) > 3 else "")
        running = current()
        source, invocation = running if running is not None else ("notebook", None)
        status, headers, out, action = handle(
            gateway, method, target, body, mark, source, invocation
        )
        # A post is queued for the loop (in order) and answered at once; other calls wait.
        if action is not None and not gateway.run(action, fire_and_forget=method == "POST"):
            status, headers, out, _ = gone()
        if mark is not None:
            mark.ac += _trace.cpu() - started
            mark.aw += _trace.now() - entered
        return status, headers, out

    return answer


def _preview(body: bytes, limit: int = 200) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes binary>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def botocore_handler(gateway: Gateway) -> Callable[[Any], Any]:
    """The in-process answer at the HTTP layer for requests to the server's domainName."""
    from . import _transport

    answer = answerer(gateway)

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
    408: "Request Timeout",
    410: "Gone",
    413: "Payload Too Large",
    429: "Too Many Requests",
}

#: Seconds a management client may take to send one request's line, headers and body once it
#: started it (a slow or stalled sender is cut off, never holds a task forever), and to start
#: the next request on a keep-alive connection.
REQUEST_TIMEOUT = 10.0
IDLE_TIMEOUT = 60.0
_MAX_HEADERS = 100


class _BadRequest(Exception):
    pass


async def _read_request(
    reader: asyncio.StreamReader, first: bytes
) -> tuple[str, str, dict[str, str], bytes]:
    """The rest of one request after its request line: headers and body (bounded)."""
    try:
        method, target, _version = first.decode("latin-1").strip().split(" ", 2)
    except ValueError:
        raise _BadRequest("malformed request line") from None
    headers: dict[str, str] = {}
    for _h in range(_MAX_HEADERS + 1):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep:
            raise _BadRequest("malformed header line")
        headers[name.strip().lower()] = value.strip()
    else:
        raise _BadRequest("too many header lines")
    text = headers.get("content-length", "0") or "0"
    # Digits only: int() would also take "-5", "+5" and " 5"; a negative length is no length.
    if not text.isascii() or not text.isdigit():
        raise _BadRequest(f"Content-Length must be a non-negative integer, got {text[:40]!r}")
    length = int(text)
    if length > 4 * _facts.MAX_MESSAGE_BYTES:
        raise _TooLarge
    body = await reader.readexactly(length) if length else b""
    return method.upper(), target, headers, body


class _TooLarge(Exception):
    pass


async def http_client(
    gateway: Gateway,
    credentials: dict[str, str] | None,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    tasks: dict[asyncio.Task[Any], asyncio.StreamWriter],
) -> None:
    """Serve management requests on one keep-alive HTTP/1.1 connection (cancelled at stop).

    Every wait is bounded: :data:`IDLE_TIMEOUT` for the next request line, then
    :data:`REQUEST_TIMEOUT` for that request's headers and body (408 and close when they do
    not arrive). A malformed request (bad request line or header, a ``Content-Length`` that is
    not a non-negative integer) answers 400 and closes. ``credentials``: the key pair requests
    must be signed with (None: no signature required, on loopback; see :mod:`._mgmt_auth`);
    ``tasks``: the open connections' tasks and writers (the server ends them at stop).
    """
    task = asyncio.current_task()
    if task is not None:
        tasks[task] = writer
    try:
        for _ in range(100_000):  # bounded keep-alive
            line = await asyncio.wait_for(reader.readline(), timeout=IDLE_TIMEOUT)
            if not line:
                break
            try:
                method, target, headers, body = await asyncio.wait_for(
                    _read_request(reader, line), timeout=REQUEST_TIMEOUT
                )
            except _BadRequest as bad:
                out = json.dumps({"message": f"Bad Request: {bad}"}).encode()
                await _write(writer, 400, {"Content-Type": _JSON}, out, close=True)
                break
            except _TooLarge:
                await _write(writer, 413, {}, b'{"message": "Message too long"}', close=True)
                break
            except asyncio.TimeoutError:
                await _write(writer, 408, {}, b'{"message": "Request Timeout"}', close=True)
                break
            denied = _auth.check(credentials, method, target, headers, body)
            if denied is not None:
                status, out_headers, out, action = denied
            else:
                # a handler in another process (see _handler_runtime) names its invocation
                invocation = headers.get(INVOCATION_HEADER)
                source = gateway.invocations.get(invocation or "")
                status, out_headers, out, action = handle(
                    gateway,
                    method,
                    target,
                    body,
                    source=source or "http",
                    invocation=invocation if source is not None else None,
                )
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
        tasks.pop(task, None)  # type: ignore[arg-type]
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
    await asyncio.wait_for(writer.drain(), timeout=REQUEST_TIMEOUT)
