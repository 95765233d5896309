"""Messages to clients: framing, ordering, and the outbound buffer's limit.

A message over 32 KB goes out in frames of at most 32 KB, as API Gateway sends them ("Quotas
for configuring and running a WebSocket API in API Gateway"). A frame is written at once when
the connection can take it; otherwise (a slow reader filled the write buffer, or earlier sends
wait) it queues behind them, in order. Traffic in this direction counts as activity for the idle
timeout, as on AWS. All of it runs on the server's loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from .. import _facts
from . import _trace, _ws
from ._events import Connection
from ._ids import now_ms

#: Bytes posted to one connection and not yet taken by the OS (a client that does not read).
#: Beyond it ``post_to_connection`` answers 429 ``LimitExceededException``, which AWS documents
#: for "the WebSocket client side buffer is full" without giving the size: the emulator's choice.
OUTBOUND_LIMIT_BYTES = 1024 * 1024

Spawn = Callable[[Coroutine[Any, Any, Any]], None]


def frames(payload: bytes) -> list[bytes]:
    """``payload`` cut into pieces of at most 32 KB (one WebSocket frame each)."""
    size = _facts.MAX_FRAME_BYTES
    return [payload[i : i + size] for i in range(0, len(payload), size)]


def send(conn: Connection, data: str | bytes, spawn: Spawn, mark: _trace.Mark | None) -> bool:
    """Send one message to ``conn`` (on the loop); False when its connection is not open.
    Text (and bytes that are UTF-8) goes out as text frames, other bytes as binary frames."""
    ws = conn.ws
    text = True
    if isinstance(data, str):
        payload = data.encode()
    else:
        payload = bytes(data)
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            text = False
    chunks = frames(payload) if len(payload) > _facts.MAX_FRAME_BYTES else None
    if not conn.queued and _ws.writable_now(ws):
        conn.last_active_at = now_ms()  # before the write: readers on other threads
        if not _ws.write(ws, payload, text, chunks):
            return False
        if mark is not None and not mark.w:
            mark.w = _trace.now()
        conn.messages_out += 1
        return True
    if not _ws.is_open(ws):
        return False
    conn.queued += 1
    conn.queued_bytes += len(payload)
    conn.last_active_at = now_ms()
    spawn(_send_later(conn, payload, text, chunks, mark))
    return True


async def _send_later(
    conn: Connection,
    payload: bytes,
    text: bool,
    chunks: list[bytes] | None,
    mark: _trace.Mark | None,
) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        await conn.ws.send(payload if chunks is None else chunks, text=text)
    except ConnectionClosed:
        return
    finally:
        conn.queued -= 1
        conn.queued_bytes -= len(payload)
    if mark is not None and not mark.w:
        mark.w = _trace.now()
    conn.messages_out += 1


def full(conn: Connection) -> bool:
    """Whether the connection's outbound buffer is full: posts to it then answer 429
    ``LimitExceededException`` (any thread may ask; the counts are the loop's)."""
    queued = conn.queued_bytes + conn.posted_bytes + _ws.buffered(conn.ws)
    return queued >= OUTBOUND_LIMIT_BYTES
