"""Invoking functions as Lambda behind API Gateway would, whatever runs them.

The invoker owns what does not depend on the language: each invocation starts at once on its
own worker thread (:mod:`._workers`) so a blocking handler never stalls another; concurrency is
counted and throttled per function; the clocks (function and integration timeouts) start when
the invocation starts; results come back to the server's loop in one batched wake-up — or are
handled for it on the invocation's thread while it waits for I/O (:mod:`._gate`) — with the
``return_response`` body already made. The function's runtime (:mod:`._runtimes`) only
prepares and invokes (see :mod:`._handler_runtime`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from .._errors import EmulatorError
from . import _trace
from ._gate import LoopGate
from ._handler_runtime import (
    HandlerRuntime,
    Invocation,
    InvocationError,
    LocalFunction,
    Outcome,
    error_of,
)
from ._ids import request_uuid
from ._monitor import EventLog
from ._runtimes import Runtimes
from ._workers import Inbox, Job, Throttled, Workers

log = logging.getLogger("wsnb.local")

#: ``done(outcome, reply)``: how an invocation ended, and the body a ``return_response`` route
#: sends back (None: nothing to send). Called once, on the server's loop.
Done = Callable[[Outcome, "str | bytes | None"], Any]


class Invoker:
    """Runs a server's invocations (:meth:`start` makes its threads, on the server's loop).

    ``running`` (the gateway's) maps the API Gateway ``requestId`` of each invocation in flight
    to its function's key (the management API uses it to attribute calls made over HTTP).
    """

    def __init__(
        self,
        runtimes: Runtimes,
        events: EventLog,
        spawn: Callable[[Coroutine[Any, Any, Any]], Any],
        running: dict[str, str],
        *,
        integration_timeout: float,
        max_workers: int,
    ) -> None:
        self.runtimes = runtimes
        self.events = events
        self.spawn = spawn
        self.integration_timeout = integration_timeout
        self._max_workers = max_workers
        self.workers: Workers | None = None
        self.inbox: Inbox | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.running = running
        self.stopping = False

    def start(self, gate: LoopGate) -> Inbox:
        """Called on the server's loop: make the inbox and the worker threads."""
        self._loop = asyncio.get_running_loop()
        self.inbox = Inbox(self._loop, gate)
        self.workers = Workers(self.inbox, self._max_workers)
        return self.inbox

    def shutdown(self) -> None:
        """Let the worker threads end, and the runtimes' environments."""
        if self.workers is not None:
            self.workers.shutdown()
        self.runtimes.close()

    def reserve(self, name: str, limit: int | None) -> None:
        """Declare the reserved concurrency of function ``name`` (None: the account's share)."""
        if self.workers is not None:
            self.workers.reserve(name, limit)

    # ------------------------------------------------------------------ invoking

    def begin(
        self,
        fn: LocalFunction,
        event: Any,
        done: Done,
        mark: _trace.Mark | None = None,
        *,
        inline: bool = False,
        request_id: str | None = None,
        connection_id: str | None = None,
        integration_timeout: float | None = None,
    ) -> None:
        """Start one invocation of ``fn`` with ``event`` (on the loop; never waits).

        ``done(outcome, reply)`` runs on the loop when it returns, fails, times out or is
        throttled (``outcome.error.kind`` says which); with ``inline`` it may run on the
        invocation's thread for the loop, through its gate (:mod:`._gate`: ``done`` then must
        not wait for the loop, and must schedule on it only thread-safely). The clocks start
        when the invocation starts: the client's answer waits at most min(function timeout,
        integration timeout); past the integration timeout the handler keeps running until its
        own timeout, when its concurrency is released and its runtime replaces its environment.

        ``request_id``/``connection_id``: API Gateway's ids for the invocation when ``event`` is
        not a proxy event (a non-proxy integration's templated event; by default they are read
        from ``event["requestContext"]``); ``integration_timeout``: the route's own integration
        timeout (default: the server's).
        """
        ids = _Ids(request_id, connection_id, integration_timeout)
        try:
            runtime = self.runtimes.for_function(fn)
        except EmulatorError as exc:
            done(Outcome(error=InvocationError("Runtime.Unsupported", str(exc))), None)
            return
        if runtime.ready(fn):
            self._submit(fn, runtime, event, done, mark, inline, ids)
        else:
            self.spawn(self._prepare_then_submit(fn, runtime, event, done, mark, inline, ids))

    async def invoke(
        self, fn: LocalFunction, event: Any, mark: _trace.Mark | None = None, **ids: Any
    ) -> Outcome:
        """Invoke ``fn`` and wait for how it ended (``ids``: as :meth:`begin` takes them)."""
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.begin(fn, event, lambda outcome, _reply: _settle(fut, outcome), mark, **ids)
        return await fut

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on a worker thread and wait for it (no clock; re-raises)."""
        assert self.workers is not None
        fut: asyncio.Future[Job] = asyncio.get_running_loop().create_future()
        self.workers.submit(Job(fn, args, lambda job: _settle(fut, job)))
        job = await fut
        if job.exception is not None:
            raise job.exception
        return job.result

    async def _prepare_then_submit(
        self,
        fn: LocalFunction,
        runtime: HandlerRuntime,
        event: Any,
        done: Done,
        mark: _trace.Mark | None,
        inline: bool,
        ids: _Ids,
    ) -> None:
        """A function whose code is not ready: prepare it on a worker thread (no clock, as
        Lambda's init phase), then invoke it."""
        try:
            error = await self.in_thread(runtime.prepare, fn)
        except BaseException as exc:  # a runtime's own bug: the invocation fails with it
            if isinstance(exc, asyncio.CancelledError) and self.stopping:
                raise
            error = error_of(exc)
        if error is not None:
            done(Outcome(error=error), None)
        else:
            self._submit(fn, runtime, event, done, mark, inline, ids)

    def _submit(
        self,
        fn: LocalFunction,
        runtime: HandlerRuntime,
        event: Any,
        done: Done,
        mark: _trace.Mark | None,
        inline: bool,
        ids: _Ids,
    ) -> None:
        assert self.workers is not None
        rid = ids.request_id or event["requestContext"]["requestId"]
        invocation = Invocation(event, rid, mark=mark)
        connection_id = ids.connection_id
        if ids.request_id is None:
            connection_id = event["requestContext"].get("connectionId")
        integration_timeout = ids.integration_timeout or self.integration_timeout
        running = self.running

        def finished(job: Job) -> None:
            running.pop(rid, None)
            if job.failure is not None:  # a clock ran out
                done(Outcome(error=job.failure), None)
                return
            outcome, reply = _ended(job)
            self._record_logs(fn, connection_id, rid, outcome)
            done(outcome, reply)

        def late(job: Job) -> None:  # ended after a clock settled it: only its logs count
            self._record_logs(fn, connection_id, rid, _ended(job)[0])

        job = Job(_run, (runtime, fn, invocation), finished)
        job.inline = inline
        job.late = late
        job.expired = lambda: runtime.discard(fn, invocation)
        if mark is not None:
            mark.q = _trace.now()
        running[rid] = fn.key
        try:
            self.workers.submit(
                job,
                self._loop,
                answer_after=min(fn.timeout, integration_timeout),
                function=fn.name,
                limit_after=fn.timeout,
            )
        except Throttled as exc:
            running.pop(rid, None)
            job.settled = True
            done(
                Outcome(
                    error=InvocationError("TooManyRequestsException", str(exc), kind="throttled")
                ),
                None,
            )

    def _record_logs(
        self, fn: LocalFunction, connection_id: str | None, rid: str, outcome: Outcome
    ) -> None:
        """A runtime's log lines: in the ``wsnb.local`` log and as ``log`` events."""
        for line in outcome.logs:
            # Node's console lines are already in CloudWatch's form (time, request id, level,
            # message): name the request once; Python's print lines get it in front.
            named = f"\t{line.aws_request_id}\t" in line.text
            log.info("%s %s", fn.name if named else f"{fn.name} {line.aws_request_id}", line.text)
            self.events.add(
                "log", connectionId=connection_id, routeKey=fn.key, requestId=rid, detail=line.text
            )


@dataclass(frozen=True, slots=True)
class _Ids:
    """What :meth:`Invoker.begin` may be told beyond the event (see there)."""

    request_id: str | None = None
    connection_id: str | None = None
    integration_timeout: float | None = None


def _settle(fut: asyncio.Future[Any], value: Any) -> None:
    """Resolve ``fut`` with ``value`` — on its loop, or from a thread acting for it through the
    gate (queued steps run there too): then through ``call_soon_threadsafe``, which wakes it."""
    try:
        here = asyncio.get_running_loop()
    except RuntimeError:
        here = None
    loop = fut.get_loop()
    if here is loop:
        if not fut.done():
            fut.set_result(value)
    else:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, fut, value)


def _run(
    runtime: HandlerRuntime, fn: LocalFunction, invocation: Invocation
) -> tuple[Outcome, str | bytes | None]:
    """On a worker thread: one invocation, from its start (the clocks' start), and the reply
    body a ``return_response`` route sends."""
    invocation.deadline = time.monotonic() + fn.timeout
    invocation.aws_request_id = request_uuid()
    outcome = runtime.invoke(fn, invocation)
    if outcome.error is not None or not fn.return_response:
        return outcome, None
    try:
        return outcome, reply_body(outcome.result)
    except (TypeError, ValueError) as exc:
        error = InvocationError("Runtime.MarshalError", f"Unable to marshal response: {exc}")
        return Outcome(error=error, logs=outcome.logs), None


def _ended(job: Job) -> tuple[Outcome, str | bytes | None]:
    if job.exception is not None:  # a runtime's own bug: the invocation fails with it
        return Outcome(error=error_of(job.exception)), None
    outcome, reply = job.result
    return outcome, reply


def reply_body(result: Any) -> str | bytes | None:
    """What a ``return_response`` route sends back: the result's ``body`` (dict/list → JSON)."""
    if result is None:
        return None
    body = result.get("body") if isinstance(result, dict) else result
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return body
