"""What API Gateway holds for one running API, and what it does to a connection.

:class:`Gateway` is the emulator's shared state: the open connections, the routes of the
current model, the event log, and the actions on a connection — send a message, drop it,
close it. The WebSocket protocol handler (:mod:`._handshake`, :mod:`._dispatch`), the
@connections management API (:mod:`._management`), the server's sweeper, its monitor and its
traffic view all go through this interface.

Threads: connections and their counters belong to the server's loop. Lookups
(:meth:`Gateway.connection`, :meth:`Gateway.is_open`, :meth:`Gateway.outbound_full`) may be made
from any thread; actions that write (:meth:`Gateway.send`, :meth:`Gateway.drop`) run on the
loop, and :meth:`Gateway.run` brings one there from another thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from . import _outbound, _trace, _ws
from ._events import Connection, Stage
from ._functions import Functions, Routes
from ._monitor import EventLog

if TYPE_CHECKING:
    from ._handler_runtime import InvocationError, LocalFunction
    from ._workers import Inbox

log = logging.getLogger("wsnb.local")


class Gateway:
    """The state of one served API (see the module docstring).

    ``api`` is read at every event (``api.spec``), so model changes are served at once.
    """

    def __init__(self, api: Any, events: EventLog, functions: Functions) -> None:
        self.api = api
        #: The event log (``server.events``; see :class:`LocalServer.events`).
        self.events = events
        self.functions = functions
        #: The API-wide values every event carries (set once the server listens).
        self.stage: Stage | None = None
        self._conns: dict[str, Connection] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_tid = 0
        self._inbox: Inbox | None = None
        self.stopping = False
        #: API Gateway requestId → function key of each invocation in flight (see _invoker)
        self.invocations: dict[str, str] = {}

    def attach(self, loop: asyncio.AbstractEventLoop, inbox: Inbox) -> None:
        """Called on the server's loop when it starts."""
        self._loop, self._inbox = loop, inbox
        self._loop_tid = threading.get_ident()

    def for_loop(self) -> bool:
        """Whether this thread acts for the loop now (it is the loop thread, or a thread that
        entered its gate)."""
        return threading.get_ident() == self._loop_tid or (
            self._inbox is not None and self._inbox.gate.held_here()
        )

    # ------------------------------------------------------------------ connections

    def add(self, conn: Connection) -> None:
        """Register a connection (before its 101 goes out, as in AWS: once a client's
        ``connect()`` returns, it is listed and reachable through @connections)."""
        self._conns[conn.connection_id] = conn

    def remove(self, connection_id: str) -> None:
        self._conns.pop(connection_id, None)

    def connection(self, connection_id: str) -> Connection | None:
        """The open connection with that id (None: unknown, deleted, timed out or closing —
        gone at once, as in AWS)."""
        conn = self._conns.get(connection_id)
        return conn if conn is not None and self.is_open(conn) else None

    def connections(self) -> list[Connection]:
        """Every registered connection, open or closing (a snapshot)."""
        return list(self._conns.values())

    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections() if self.is_open(c)]

    def __len__(self) -> int:
        return len(self._conns)

    @staticmethod
    def is_open(conn: Connection) -> bool:
        """Open and not being closed (by the client, the server, or delete_connection)."""
        return conn.close_code is None and _ws.is_open(conn.ws)

    # ------------------------------------------------------------------ routes

    def routes(self) -> Routes:
        """The routes of the model as it is now (``api.spec``)."""
        return self.functions.routes_for(self.api.spec)

    def function(self, routes: Routes, key: str) -> LocalFunction:
        """Route ``key``'s (or the authorizer's) function in ``routes``."""
        return self.functions.function(routes, key)

    # ------------------------------------------------------------------ actions (on the loop)

    def send(self, conn: Connection, data: str | bytes, mark: _trace.Mark | None = None) -> bool:
        """Send one message to a client (see :mod:`._outbound`); False when it is gone."""
        if conn.ws is None or conn.connection_id not in self._conns:
            return False
        return _outbound.send(conn, data, self.spawn, mark)

    def outbound_full(self, conn: Connection) -> bool:
        """Whether posts to ``conn`` answer 429 (its outbound buffer is full; any thread)."""
        return _outbound.full(conn)

    def drop(self, conn: Connection, invocation: str | None = None) -> bool:
        """delete_connection: close the client's connection. ``invocation``: the requestId of
        the invocation whose handler asked (None: the notebook, HTTP)."""
        if conn.connection_id not in self._conns or conn.ws is None:
            return False
        conn.close_code, conn.close_reason = 1000, "Connection deleted by the management API"
        self.events.add(
            "close",
            connectionId=conn.connection_id,
            status=1000,
            detail="delete_connection",
            invocationRequestId=invocation,
        )
        self.spawn(conn.ws.close(1000, ""))
        return True

    def close(self, conn: Connection, code: int, reason: str, why: str) -> None:
        """The server closes ``conn`` (idle timeout, maximum duration, a binary frame)."""
        conn.close_code, conn.close_reason = code, reason
        self.events.add("close", connectionId=conn.connection_id, status=code, detail=why)
        self.spawn(conn.ws.close(code, reason))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` as a task the server waits for when it stops (from the loop thread, or
        from a thread acting for it through its gate: the loop is woken to start it)."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_tid:
            self._start_task(coro)
            return
        try:
            loop.call_soon_threadsafe(self._start_task, coro)
        except RuntimeError:  # the loop is closed
            coro.close()

    def _start_task(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro, loop=self._loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self, timeout: float) -> None:
        """Wait (bounded) for the tasks :meth:`spawn` started."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    def run(self, action: Callable[[], bool], fire_and_forget: bool = False) -> bool:
        """Run an action on the server loop from any thread; its answer (False when the
        server stopped). With ``fire_and_forget`` it is queued (in order) and True returned."""
        loop, inbox = self._loop, self._inbox
        if loop is None or inbox is None or loop.is_closed() or self.stopping:
            return False
        if self.for_loop():
            return bool(action())
        if fire_and_forget:  # at once when the loop waits for I/O (see _gate), else queued
            return inbox.run_or_put(action)
        gate = inbox.gate
        if gate.try_enter():
            try:
                inbox.run_queued()  # what was queued before goes first
                return bool(action())
            finally:
                gate.leave()
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

    # ------------------------------------------------------------------ records

    def record_failure(
        self, fn: LocalFunction, conn: Connection, request_id: str, failure: InvocationError
    ) -> None:
        """Log a failed invocation (its traceback) and record an ``error`` event."""
        log.error(
            "%s (%s) failed for connection %s request %s:\n%s",
            fn.name,
            fn.key,
            conn.connection_id,
            request_id,
            failure.text,
        )
        self.events.add(
            "error",
            connectionId=conn.connection_id,
            routeKey=fn.key,
            requestId=request_id,
            detail=failure.text,
        )

    def record_result(
        self,
        conn: Connection,
        fn: LocalFunction,
        request_id: str,
        failure: InvocationError | None,
        reply: str | bytes | None = None,
        started: float | None = None,
    ) -> None:
        """Record how one invocation ended: a ``result`` record the traffic view pairs with its
        ``message`` by requestId (latency, errors, the route response). For ``$connect`` and
        ``$disconnect`` (no ``message`` record) ``started`` is ``time.time()`` when the emulator
        invoked it, and the record's ``time`` its end, which the traffic summary times; their
        outcome is the ``connect``/``reject`` record, and a failure also logs an ``error``."""
        extra = {} if started is None else {"started": started}
        self.events.add(
            "result",
            connectionId=conn.connection_id,
            routeKey=fn.key,
            requestId=request_id,
            status=200
            if failure is None
            else (504 if failure.kind == "integration-timeout" else 500),
            detail=None if reply is None else preview(reply),
            **extra,
        )


def preview(message: str | bytes, limit: int = 200) -> str:
    """A message as the event log shows it (cut at ``limit`` characters)."""
    if isinstance(message, bytes):
        return f"<{len(message)} bytes binary>"
    return message if len(message) <= limit else message[: limit - 1] + "…"


def request_id_field(rid: str | None) -> dict[str, str]:
    """``{"requestId": rid}``, or nothing when no invocation ran (records keep their shape)."""
    return {} if rid is None else {"requestId": rid}
