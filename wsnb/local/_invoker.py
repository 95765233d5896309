"""Invoking functions as Lambda behind API Gateway would: concurrency, clocks, results.

Each invocation starts at once on its own worker thread (:mod:`._workers`) so a blocking
handler never stalls another; results come back to the server's loop in one batched wake-up.
"""

from __future__ import annotations

import asyncio
import json
import threading
import traceback
from collections.abc import Callable
from typing import Any

from . import _trace
from ._ids import request_uuid
from ._runtime import FunctionRuntime, HandlerLoader, LambdaContext
from ._workers import HandlerFailed, Inbox, Job, Throttled, Workers


class Invoker:
    """Runs a server's invocations (made on its loop by :meth:`start`)."""

    def __init__(self, loader: HandlerLoader, integration_timeout: float, max_workers: int) -> None:
        self.loader = loader
        self.integration_timeout = integration_timeout
        self._max_workers = max_workers
        self.workers: Workers | None = None
        self.inbox: Inbox | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopping = False

    def start(self) -> Inbox:
        """Called on the server's loop: make the inbox and the worker threads."""
        self._loop = asyncio.get_running_loop()
        self.inbox = Inbox(self._loop)
        self.workers = Workers(self.inbox, self._max_workers)
        return self.inbox

    def shutdown(self) -> None:
        if self.workers is not None:
            self.workers.shutdown()

    def reserve(self, name: str, limit: int | None) -> None:
        """Declare the reserved concurrency of function ``name`` (None: the account's share)."""
        if self.workers is not None:
            self.workers.reserve(name, limit)

    def cached(self, rt: FunctionRuntime) -> Any:
        """The loaded handler when it is fresh (a cheap check the loop may make), else None."""
        return self.loader.cached(rt)

    def submit(
        self,
        rt: FunctionRuntime,
        loaded: Any,
        event: dict[str, Any],
        callback: Callable[[Job], Any],
        mark: _trace.Mark | None = None,
    ) -> None:
        """Invoke a loaded handler as Lambda would, on its own worker thread (an async handler
        on that thread's own event loop, so it cannot stall any other invocation).

        ``callback(job)`` runs on the loop when it returns, raises, times out or is throttled
        (``job.result`` is ``(result, reply body or None)``; ``job.failure.kind`` says which).
        The clocks start when the handler starts: the client's answer waits at most
        min(function timeout, integration timeout); past the integration timeout the handler
        keeps running until its own timeout, when its concurrency is released. The handler runs
        with the event's ``requestId`` in :data:`._workers.INVOCATION`: the management API
        records it on the calls the handler makes.
        """
        assert self.workers is not None
        call = _call_async_handler if loaded.is_async else _call_handler
        job = Job(
            call,
            (rt, loaded.func, event, mark),
            rt.environment,
            callback,
            mark,
            event["requestContext"]["requestId"],
        )
        if mark is not None:
            mark.q = _trace.now()
        try:
            self.workers.submit(
                job,
                self._loop,
                answer_after=min(rt.timeout, self.integration_timeout),
                function=rt.name,
                limit_after=rt.timeout,
            )
        except Throttled as exc:
            job.settled = True
            job.failure = HandlerFailed(None, str(exc), kind="throttled")
            callback(job)

    async def in_thread(
        self, fn: Callable[..., Any], *args: Any, environment: dict[str, Any] | None = None
    ) -> Any:
        """Run ``fn(*args)`` on a worker thread and wait for it (no timeout)."""
        assert self.workers is not None
        fut = asyncio.get_running_loop().create_future()
        self.workers.submit(
            Job(fn, args, environment, lambda job: fut.done() or fut.set_result(job))
        )
        job = await fut
        if job.failure is not None:
            raise job.failure.error or job.failure
        return job.result

    async def load(self, rt: FunctionRuntime) -> Any:
        """The loaded handler (imported on a worker thread the first time)."""
        loaded = self.loader.cached(rt)
        if loaded is not None:
            return loaded
        try:
            return await self.in_thread(self.loader.load, rt, environment=rt.environment)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and self.stopping:
                raise
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            raise HandlerFailed(exc, text) from None

    async def invoke(
        self, rt: FunctionRuntime, event: dict[str, Any], mark: _trace.Mark | None = None
    ) -> Any:
        """Run a handler as Lambda would; raises :class:`HandlerFailed` on error, timeout or
        throttling."""
        loaded = await self.load(rt)
        fut = asyncio.get_running_loop().create_future()
        self.submit(rt, loaded, event, lambda job: fut.done() or fut.set_result(job), mark)
        job = await fut
        if job.failure is not None:
            raise job.failure
        return job.result[0]


def reply_body(rt: FunctionRuntime, result: Any) -> str | bytes | None:
    """What a ``return_response`` route sends back: the result's ``body`` (dict/list → JSON)."""
    if not rt.return_response or result is None:
        return None
    body = result.get("body") if isinstance(result, dict) else result
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return body


def _check_marshal(result: Any) -> None:
    if result is not None:
        try:
            json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise HandlerFailed(
                exc, f"Runtime.MarshalError: Unable to marshal response: {exc}"
            ) from None


def _call_handler(
    rt: FunctionRuntime,
    func: Callable[..., Any],
    event: dict[str, Any],
    mark: _trace.Mark | None,
) -> tuple[Any, Any]:
    """On a worker thread: call a sync handler as Lambda would; ``(result, reply body)``."""
    return _timed_call(rt, lambda context: func(event, context), mark)


_thread_loops = threading.local()


def _call_async_handler(
    rt: FunctionRuntime,
    func: Callable[..., Any],
    event: dict[str, Any],
    mark: _trace.Mark | None,
) -> tuple[Any, Any]:
    """On a worker thread: run an ``async def`` handler on this thread's own event loop.

    Each invocation is isolated as on Lambda (one that blocks stalls no other); the loop lives
    as long as the thread, so a module-level async client is reused by the invocations that
    run on the same worker (as on a warm Lambda instance).
    """
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_loops.loop = loop
    return _timed_call(rt, lambda context: loop.run_until_complete(func(event, context)), mark)


def _timed_call(
    rt: FunctionRuntime, call: Callable[[Any], Any], mark: _trace.Mark | None
) -> tuple[Any, Any]:
    """Run one invocation with a fresh Lambda context, timing it into ``mark``; the result
    must be JSON-serializable as Lambda's runtime requires."""
    context = LambdaContext(rt, request_uuid(), rt.timeout)
    if mark is not None:
        started = _trace.cpu()
        mark.s = _trace.now()
    try:
        result = call(context)
    finally:
        if mark is not None:
            mark.e = _trace.now()
            mark.hc = _trace.cpu() - started
    _check_marshal(result)
    return result, reply_body(rt, result)
