"""Messages on an open connection: routing, invoking, replies, and ``$disconnect``.

:meth:`Dispatcher.connection` is the ``websockets`` connection handler. Complete single-frame
messages reach :meth:`Dispatcher.on_message` straight from the protocol callback (see
:mod:`._ws`); the others (fragmented, or queued behind them) through the handler's receive loop.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from . import _trace, _ws
from ._events import Connection, disconnect_event, error_frame, message_event, select_route
from ._gateway import Gateway, preview, request_id_field
from ._handler_runtime import LocalFunction, Outcome
from ._handshake import target_field
from ._ids import aws_id, now_ms
from ._integrations import Integrations
from ._invoker import Invoker

log = logging.getLogger("wsnb.local")

# The error frame's message for a failed MESSAGE integration ("Endpoint request timed out" when
# API Gateway stops waiting; a Lambda error, function timeout or throttle → Internal server error).
_FRAME_MESSAGE = {"integration-timeout": "Endpoint request timed out"}


class Dispatcher:
    """Routes the messages of one server's connections (on its loop)."""

    def __init__(
        self, gateway: Gateway, invoker: Invoker, integrations: Integrations | None = None
    ) -> None:
        self.gateway = gateway
        self.invoker = invoker
        self.integrations = integrations  # runs the routes that are not Lambda proxies

    async def connection(self, ws: Any) -> None:
        """Serve one open connection until it closes, then run ``$disconnect``."""
        from websockets.exceptions import ConnectionClosed

        gateway = self.gateway
        conn: Connection = ws.wsnb_connection
        conn.ws = ws
        cid = conn.connection_id
        gateway.add(conn)
        gateway.events.add(
            "connect",
            connectionId=cid,
            routeKey="$connect",
            detail=conn.source_ip,
            **request_id_field(conn.connect_request_id),
            **target_field(gateway.routes(), "$connect", self.integrations),
        )
        if log.isEnabledFor(logging.INFO):
            log.info("connect %s from %s", cid, conn.source_ip)
        on_message = self.on_message

        def deliver(message: str | bytes) -> None:
            if conn.close_code is not None:
                return  # closing on purpose: what follows is never routed
            conn.last_active_at = now_ms()
            if isinstance(message, bytes):  # "Binary media types for WebSocket APIs"
                gateway.close(conn, 1003, "", "binary frame (API Gateway accepts text only)")
                return
            conn.messages_in += 1
            try:
                on_message(conn, message, _trace.begin() if _trace.ON else None)
            except Exception:  # a bug for one message never ends the connection
                log.exception("message on connection %s failed", cid)

        _ws.set_deliver(ws, deliver)  # complete single-frame messages arrive here
        try:
            async for message in ws:  # the others: fragmented, or queued behind them
                deliver(message)
        except ConnectionClosed:
            pass
        except Exception:  # never let one client take the server down
            log.exception("connection %s failed", cid)
        finally:
            _ws.set_deliver(ws, None)
            gateway.remove(cid)
            await self._disconnected(ws, conn)

    async def _disconnected(self, ws: Any, conn: Connection) -> None:
        gateway = self.gateway
        cid = conn.connection_id
        if conn.close_code is not None:
            code, reason = conn.close_code, conn.close_reason
        else:
            code, reason = _ws.close_info(ws)
        spec = gateway.api.spec
        routes = gateway.functions.routes_for(spec)
        # The $disconnect invocation's requestId is on the disconnect record (logged first:
        # subscribers learn of the disconnect before the handler runs).
        rid = aws_id() if "$disconnect" in spec.route_keys and gateway.stage else None
        gateway.events.add(
            "disconnect",
            connectionId=cid,
            routeKey="$disconnect",
            status=code,
            detail=reason,
            **request_id_field(rid),
            **target_field(routes, "$disconnect", self.integrations),
        )
        if log.isEnabledFor(logging.INFO):
            log.info("disconnect %s (%s %s)", cid, code, reason)
        route = routes.integrations.get("$disconnect")
        if rid is not None and route is not None and self.integrations is not None:
            await self.integrations.disconnect(routes, conn, route, code, reason, rid)
        elif rid is not None and "$disconnect" in routes.keys and gateway.stage is not None:
            fn = gateway.function(routes, "$disconnect")
            event = disconnect_event(gateway.stage, conn, code, reason, rid)
            started = time.time()
            error = (await self.invoker.invoke(fn, event)).error
            if error is not None:
                gateway.record_failure(fn, conn, rid, error)
            gateway.record_result(conn, fn, rid, error, started=started)

    def on_message(self, conn: Connection, message: str | bytes, mark: _trace.Mark | None) -> None:
        """Route one message and start its handler (on the loop; never waits)."""
        gateway = self.gateway
        routes = gateway.routes()
        key = select_route(routes.keys, message, routes.select)
        cid = conn.connection_id
        stage = gateway.stage
        assert stage is not None
        if key is None:
            rid = aws_id()
            gateway.events.add(
                "message",
                connectionId=cid,
                routeKey=None,
                requestId=rid,
                status=403,
                detail=preview(message),  # status 403: no route matched and no $default
            )
            gateway.send(conn, error_frame("Forbidden", cid, rid))
            return
        route = routes.integrations.get(key)
        if route is not None and self.integrations is not None:
            assert isinstance(message, str)  # binary frames never reach a route
            self.integrations.message(conn, route, routes, message)
            return
        fn = gateway.function(routes, key)
        event = message_event(stage, conn, key, message)
        rid = event["requestContext"]["requestId"]
        # started first: the bookkeeping below overlaps the worker thread's wake-up. The answer
        # may be made on the worker's thread, for the loop, while the loop waits (see _gate).
        self.invoker.begin(
            fn,
            event,
            lambda outcome, reply: self._answered(conn, fn, rid, outcome, reply, mark),
            mark,
            inline=True,
        )
        gateway.events.add(
            "message", connectionId=cid, routeKey=key, requestId=rid, detail=preview(message)
        )
        if log.isEnabledFor(logging.INFO):
            log.info("message %s -> %s (%s)", cid, key, rid)

    def _answered(
        self,
        conn: Connection,
        fn: LocalFunction,
        rid: str,
        outcome: Outcome,
        reply: str | bytes | None,
        mark: _trace.Mark | None = None,
    ) -> None:
        """How a message's invocation ended: record it, and answer the client (on the loop, or
        for it through its gate: nothing here waits for the loop)."""
        gateway = self.gateway
        error = outcome.error
        if error is not None:
            gateway.record_failure(fn, conn, rid, error)
            gateway.record_result(conn, fn, rid, error, None)
            message = _FRAME_MESSAGE.get(error.kind, "Internal server error")
            gateway.send(conn, error_frame(message, conn.connection_id, rid))
            return
        gateway.record_result(conn, fn, rid, None, reply)
        if reply is not None:
            gateway.send(conn, reply, mark)
