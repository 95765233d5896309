"""The in-process Python runtime: handlers run in this process, on the emulator's threads.

A function's code is imported once (:mod:`._python_loader`; again when the file changes) and
shared by its concurrent invocations, each on its own worker thread; an ``async def`` handler
runs on its thread's own event loop, so a blocking one stalls no other. Around each invocation
``os.environ`` shows the function's variables (:mod:`._environ`) and :data:`CURRENT` names the
invocation, so in-process @connections calls are recorded with it. A thread cannot be stopped:
an invocation past its timeout is abandoned (it runs on; its result is dropped) and the loaded
code stays warm. The handler modules it registers in ``sys.modules`` leave it when the server
stops (:meth:`PythonRuntime.close`). ``print`` goes where the process's output goes: no log lines are returned.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import time
from typing import Any, ClassVar

from . import _environ, _trace
from ._handler_runtime import (
    Invocation,
    InvocationError,
    LocalFunction,
    Outcome,
    ServerInfo,
    error_of,
)
from ._python_loader import HandlerLoader

#: ``(function key, API Gateway requestId)`` of the invocation whose handler runs in this
#: context (``None`` outside one: the notebook; the requestId is ``None`` while the handler's
#: module is imported). An ``async`` handler's tasks and ``asyncio.to_thread`` calls inherit
#: it; the in-process management API records it on the calls a handler makes.
CURRENT: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar(
    "wsnb_local_invocation", default=None
)


class LambdaContext:
    """The ``context`` argument, with the attributes of AWS's Python runtime."""

    __slots__ = (
        "_deadline",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
    )

    def __init__(self, function: LocalFunction, request_id: str, timeout: float) -> None:
        self.aws_request_id = request_id
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        # AWS's Python runtime reads this from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a string.
        self.memory_limit_in_mb = str(function.memory)
        self.log_group_name = function.log_group
        self.log_stream_name = function.log_stream
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


class PythonRuntime:
    """Runs ``python3.x`` functions in this process (see the module docstring)."""

    family: ClassVar[str] = "python"
    language: ClassVar[str] = "Python"
    hint: ClassVar[str] = "python3.x"

    def __init__(self, server: ServerInfo) -> None:
        self.loader = HandlerLoader(server.root)
        # route key -> (function, its code as ready() found it): invoke() skips a second check
        self._fresh: dict[str, tuple[LocalFunction, Any]] = {}

    def ready(self, function: LocalFunction) -> bool:
        loaded = self.loader.cached(function)
        if loaded is None:
            return False
        self._fresh[function.key] = (function, loaded)
        return True

    def prepare(self, function: LocalFunction) -> InvocationError | None:
        environ = _environ.OVERLAY.set(function.environment)  # imports see its variables
        current = CURRENT.set((function.key, None))
        try:
            self.loader.load(function)
        except BaseException as exc:
            return error_of(exc)
        finally:
            CURRENT.reset(current)
            _environ.OVERLAY.reset(environ)
        return None

    def invoke(self, function: LocalFunction, invocation: Invocation) -> Outcome:
        fresh = self._fresh.get(function.key)
        loaded = fresh[1] if fresh is not None and fresh[0] is function else None
        if loaded is None:
            loaded = self.loader.cached(function)
        if loaded is None:  # changed on disk since it was loaded: load it again
            error = self.prepare(function)
            if error is not None:
                return Outcome(error=error)
            loaded = self.loader.cached(function)
            if loaded is None:  # changed again meanwhile: run what was loaded
                loaded = self.loader.load(function)
        mark = invocation.mark
        environ = _environ.OVERLAY.set(function.environment)
        current = CURRENT.set((function.key, invocation.request_id))
        if mark is not None:
            _trace.set_current(mark)
        try:
            context = LambdaContext(
                function, invocation.aws_request_id, invocation.deadline - time.monotonic()
            )
            event = invocation.event
            if mark is not None:
                started = _trace.cpu()
                mark.s = _trace.now()
            try:
                if loaded.is_async:
                    result = _thread_loop().run_until_complete(loaded.func(event, context))
                else:
                    result = loaded.func(event, context)
            finally:
                if mark is not None:
                    mark.e = _trace.now()
                    mark.hc = _trace.cpu() - started
        except BaseException as exc:
            return Outcome(error=error_of(exc))
        finally:
            if mark is not None:
                _trace.set_current(None)
            CURRENT.reset(current)
            _environ.OVERLAY.reset(environ)
        if result is not None:
            try:
                json.dumps(result)  # Lambda's runtime sends the result as JSON
            except (TypeError, ValueError) as exc:
                return Outcome(
                    error=InvocationError(
                        "Runtime.MarshalError", f"Unable to marshal response: {exc}"
                    )
                )
        return Outcome(result=result)

    def discard(self, function: LocalFunction, invocation: Invocation) -> None:
        """A thread cannot be stopped: the timed-out invocation runs on, abandoned."""

    def close(self) -> None:
        """The server stopped: its handler modules leave ``sys.modules`` (an abandoned
        invocation still running keeps its module object)."""
        self.loader.release()


_thread_loops = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This worker thread's own event loop, for ``async def`` handlers.

    Each invocation is isolated as on Lambda (one that blocks stalls no other); the loop lives
    as long as the thread, so a module-level async client is reused by the invocations that
    run on the same worker (as on a warm Lambda instance).
    """
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_loops.loop = loop
    return loop
