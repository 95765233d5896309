"""The one module that knows ``websockets``' internals (its asyncio implementation).

Everywhere else the emulator uses ``websockets``' public API: ``serve(...)`` with
``process_request``/``process_response``/``create_connection``, ``ServerConnection.respond``,
``remote_address``, ``state``, ``send``, ``close``, ``ConnectionClosed``, ``Response``/``Headers``,
and the documented Sans-I/O protocol (``protocol.send_text``, ``close_rcvd``, ``close_sent``,
``close_rcvd_then_sent``). Two things have no public form, and live here:

* **Delivery from the protocol callback** (:func:`connection_class`): a ``ServerConnection``
  subclass overrides the private ``process_event`` so a complete single-frame message goes to the
  emulator at once — no task wake-up per message — but only when ``websockets``' own assembler
  (private ``recv_messages.frames``) holds nothing, so order is kept. It also bounds the
  handshake request's arrival (slowloris) with the private ``request_rcvd`` and
  ``connection_lost_waiter`` futures.
* **Writing a frame now** (:func:`writable_now`, :func:`write`): when no ``send()`` is in progress (private
  ``send_in_progress``) and the transport is not paused (private ``paused``), frames go to the
  protocol and out through the private ``send_data()`` without a coroutine.

:func:`missing` lists the private names the installed ``websockets`` lacks; a test asserts it
is empty, so an upgrade that changes them fails loudly. If one is ever missing at run time the
emulator still works: it takes the public paths (a task per message and per send), slower.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("wsnb.local")

#: ``(object, attribute)`` pairs this module reads or overrides, beyond the public API.
PRIVATE = (
    ("ServerConnection", "process_event"),
    ("ServerConnection", "send_data"),
    ("ServerConnection instance", "recv_messages.frames"),
    ("ServerConnection instance", "request_rcvd"),
    ("ServerConnection instance", "connection_lost_waiter"),
    ("ServerConnection instance", "send_in_progress"),
    ("ServerConnection instance", "paused"),
)

_CLASS: Any = None
_FAST = True  # cleared when the installed websockets lacks a private name (see missing())


def missing() -> list[str]:
    """The private names of :data:`PRIVATE` the installed ``websockets`` lacks (empty: all
    there), checked on a real, unconnected ``ServerConnection``. Call it on a running event
    loop (``websockets`` makes its futures on it)."""
    from websockets.asyncio.server import ServerConnection
    from websockets.server import ServerProtocol

    gone = [
        f"ServerConnection.{name}"
        for name in ("process_event", "send_data")
        if not callable(getattr(ServerConnection, name, None))
    ]
    try:
        conn = ServerConnection(ServerProtocol(), server=None)  # type: ignore[arg-type]
        # the base class's: ServerConnection's own would start a handler task for a server
        super(ServerConnection, conn).connection_made(_NullTransport())
    except Exception as exc:  # the constructor itself changed
        return [*gone, f"ServerConnection(protocol, server): {type(exc).__name__}: {exc}"]
    for dotted in (
        "recv_messages.frames",
        "request_rcvd",
        "connection_lost_waiter",
        "send_in_progress",
        "paused",
    ):
        obj: Any = conn
        for part in dotted.split("."):
            if not hasattr(obj, part):
                gone.append(f"ServerConnection instance .{dotted}")
                break
            obj = getattr(obj, part)
        else:
            if dotted == "recv_messages.frames" and not hasattr(obj, "__len__"):
                gone.append("ServerConnection instance .recv_messages.frames (no len())")
    conn.connection_lost_waiter.cancel()
    conn.request_rcvd.cancel()
    return gone


class _NullTransport(asyncio.Transport):
    """A transport that goes nowhere (for :func:`missing`)."""

    def set_write_buffer_limits(self, high: Any = None, low: Any = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def connection_class(request_read_seconds: float) -> Any:
    """The ``create_connection`` class for ``serve()`` (see the module docstring), or ``None``
    (``websockets``' own class) when the installed version lacks what it overrides."""
    global _CLASS, _FAST
    if _CLASS is not None:
        return _CLASS
    from websockets.asyncio.server import ServerConnection
    from websockets.frames import Opcode
    from websockets.protocol import State

    gone = missing()
    if gone:
        _FAST = False
        log.warning(
            "websockets %s lacks %s: the emulator takes its slower public paths",
            _version(),
            ", ".join(gone),
        )
        return None
    text, binary, opened = Opcode.TEXT, Opcode.BINARY, State.OPEN

    class FastConnection(ServerConnection):
        #: ``deliver(message)`` for complete single-frame messages, set while the emulator's
        #: connection handler runs (see :mod:`._dispatch`).
        wsnb_deliver: Callable[[str | bytes], None] | None = None

        async def handshake(self, *args: Any, **kwargs: Any) -> None:
            # Slowloris protection: the HTTP request must arrive within request_read_seconds.
            # What follows (authorizer, $connect) may take up to the integration timeout each,
            # as on AWS — serve()'s open_timeout bounds the whole.
            await asyncio.wait(
                [self.request_rcvd, self.connection_lost_waiter],
                timeout=request_read_seconds,
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
                        pass  # websockets closes with 1007
                    else:
                        deliver(message)
                        return
                elif event.opcode is binary:
                    deliver(bytes(event.data))
                    return
            super().process_event(event)

    _CLASS = FastConnection
    return _CLASS


def set_deliver(ws: Any, deliver: Callable[[str | bytes], None] | None) -> None:
    """Route complete single-frame messages of ``ws`` to ``deliver`` (None: stop)."""
    if hasattr(type(ws), "wsnb_deliver"):
        ws.wsnb_deliver = deliver


def _version() -> str:
    import websockets

    return str(getattr(websockets, "__version__", "?"))


def is_open(ws: Any) -> bool:
    from websockets.protocol import State

    return ws is not None and ws.state is State.OPEN


def writable_now(ws: Any) -> bool:
    """Whether a message can be written to ``ws`` at once with :func:`write` (no ``send()`` in
    progress, transport not paused, connection open); else use ``await ws.send(...)``."""
    from websockets.protocol import State

    return (
        _FAST and ws.send_in_progress is None and not ws.paused and ws.protocol.state is State.OPEN
    )


def write(ws: Any, payload: bytes, text: bool, chunks: list[bytes] | None) -> bool:
    """Write one message now (after :func:`writable_now`); False when the write failed.
    ``chunks``: the message cut into frames (``None``: one frame)."""
    protocol = ws.protocol
    try:
        if chunks is None:
            if text:
                protocol.send_text(payload)
            else:
                protocol.send_binary(payload)
        else:
            if text:
                protocol.send_text(chunks[0], fin=False)
            else:
                protocol.send_binary(chunks[0], fin=False)
            for chunk in chunks[1:-1]:
                protocol.send_continuation(chunk, fin=False)
            protocol.send_continuation(chunks[-1], fin=True)
        ws.send_data()
    except Exception:
        return False
    return True


def buffered(ws: Any) -> int:
    """Bytes written to ``ws`` and not yet taken by the OS."""
    transport = getattr(ws, "transport", None)
    return transport.get_write_buffer_size() if transport is not None else 0


def close_info(ws: Any) -> tuple[int, str]:
    """The close code and reason as API Gateway reports them to ``$disconnect``."""
    protocol = ws.protocol
    rcvd, sent = protocol.close_rcvd, protocol.close_sent
    if rcvd is not None and (sent is None or protocol.close_rcvd_then_sent):
        if rcvd.code == 1005:
            return 1005, "Client-side close frame status not set"
        return rcvd.code, rcvd.reason
    if sent is not None:
        return sent.code, sent.reason or ("Message too big" if sent.code == 1009 else "")
    return 1006, "Going away"


def json_response(status: int, reason: str, message: str) -> Any:
    """An HTTP error response for the handshake: ``{"message": ...}`` as API Gateway sends."""
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    body = json.dumps({"message": message}).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
    )
    return Response(status, reason, headers, body)
