"""The Node.js handler runtime: ``nodejs20.x``/``nodejs22.x``/``nodejs24.x`` functions run in
Node worker processes, as Lambda runs them (see :mod:`._handler_runtime` for the contract).

Each function has a pool of warm environments (:mod:`._node_pool`; one Node process each, from
:mod:`wsnb.node`): ``prepare`` analyses the code (:mod:`._node_code`) and starts one environment
(the Init phase: ``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``,
``Runtime.UserCodeSyntaxError`` come back as the invocation's error); ``invoke`` runs on an idle
environment or a new one (concurrent calls), with the emulator's deadline
(``context.getRemainingTimeInMillis()`` counts down from the function's timeout); ``discard``
kills the environment of an invocation past its timeout (the next call is a cold start);
``close`` ends them all. A changed handler file (or one it imports) or environment means a new
pool, as the Python runtime reloads a changed file. Idle environments are reaped after
:attr:`NodeRuntime.idle_seconds`.

What a handler sees: the function's environment with Lambda's variables, fake credentials when
none are configured (as for Python handlers), ``AWS_ENDPOINT_URL_DYNAMODB``/``_S3``/``_SSM``
pointing at an HTTP front (:mod:`._moto_http`, started once per server) on the same local
backends Python handlers use; HTTPS requests for ``https://{domainName}/{stage}`` and
``https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`` go to the server's management
listener, with the invocation's ``requestId`` in ``x-wsnb-request-id`` so the traffic view draws
each call in its invocation. ``console.log`` lines come back as the outcome's log lines, in
CloudWatch's form (``time  requestId  INFO  message``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, ClassVar

from .._errors import WsnbError
from ..model import FileHandler
from . import _trace
from ._handler_runtime import (
    Invocation,
    InvocationError,
    LocalFunction,
    LogLine,
    Outcome,
    ServerInfo,
)
from ._management import INVOCATION_HEADER
from ._node_code import code_of, tools_for
from ._node_pool import Pool, identity_of

log = logging.getLogger("wsnb.local")

_ENDPOINTS = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SSM")


class NodeRuntime:
    """Runs Node.js functions in pools of Node worker processes (see the module docstring)."""

    family: ClassVar[str] = "nodejs"
    language: ClassVar[str] = "Node.js"
    hint: ClassVar[str] = "nodejs22.x"
    #: An environment idle this long is ended (Lambda, too, ends idle environments).
    idle_seconds: ClassVar[float] = 300.0

    def __init__(self, server: ServerInfo) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._pools: dict[str, Pool] = {}  # function key -> the pool running it now
        # function key -> (function, its pool as ready() found it): invoke() skips a second
        # check of the files (a few stat calls per invocation), as the Python runtime does
        self._fresh: dict[str, tuple[LocalFunction, Pool]] = {}
        self._preparing: dict[str, threading.Lock] = {}
        self._running: dict[Invocation, Any] = {}  # invocation -> its NodeWorker
        self._front: Any = None  # the moto HTTP front (started with the first pool)
        self._closed = False
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    # ------------------------------------------------------------------ the seam

    def ready(self, function: LocalFunction) -> bool:
        pool = self._pools.get(function.key)
        if pool is None or pool.retired or not pool.serves(function):
            return False
        self._fresh[function.key] = (function, pool)
        return True

    def prepare(self, function: LocalFunction) -> InvocationError | None:
        with self._lock:
            lock = self._preparing.setdefault(function.key, threading.Lock())
        with lock:
            if self.ready(function):
                return None
            try:
                pool = self._new_pool(function)
            except WsnbError as exc:  # wsnb's Node toolchain is not usable
                return InvocationError(type(exc).__name__, str(exc))
            started = pool.warm_up()
            for line in started.logs:
                log.info("%s %s", function.name, line.text)
            if not started.ok:
                pool.retire()
                return _error(started.error)
            with self._lock:
                if self._closed:
                    pool.retire()
                    return None
                old, self._pools[function.key] = self._pools.get(function.key), pool
            if old is not None:
                old.retire()
        return None

    def invoke(self, function: LocalFunction, invocation: Invocation) -> Outcome:
        fresh = self._fresh.get(function.key)
        if fresh is not None and fresh[0] is function and not fresh[1].retired:
            pool: Pool | None = fresh[1]  # ready() has just checked its files
        else:
            pool = self._pools.get(function.key)
            if pool is not None and (pool.retired or not pool.serves(function)):
                pool = None
        if pool is None:
            error = self.prepare(function)  # changed on disk since ready() looked
            pool = self._pools.get(function.key)
            if error is not None or pool is None:
                return Outcome(error=error or _closed_error())
        worker = pool.checkout()
        with self._lock:
            self._running[invocation] = worker
        mark = invocation.mark
        ended = True
        try:
            if mark is not None:
                mark.s = _trace.now()
            try:
                out = worker.invoke(
                    invocation.event,
                    {"awsRequestId": invocation.aws_request_id, "invokedFunctionArn": function.arn},
                    invocation.deadline,
                    headers={INVOCATION_HEADER: invocation.request_id},
                )
            except WsnbError as exc:  # the process did not start
                return Outcome(error=InvocationError(type(exc).__name__, str(exc)))
            finally:
                if mark is not None:
                    mark.e = _trace.now()
            ended = out.ended
        finally:
            with self._lock:
                self._running.pop(invocation, None)
            pool.checkin(worker, ended=ended)
        logs = tuple(
            LogLine(line.request_id or invocation.aws_request_id, line.text)
            for line in (*pool.init_logs(), *out.logs)
        )
        if out.ok:
            return Outcome(result=out.result, logs=logs)
        return Outcome(error=_error(out.error), logs=logs)

    def discard(self, function: LocalFunction, invocation: Invocation) -> None:
        """Past its timeout: kill the invocation's environment (its ``invoke`` returns now)."""
        with self._lock:
            worker = self._running.get(invocation)
        if worker is not None:
            worker.interrupt()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
            running = list(self._running.values())
            front, self._front = self._front, None
        self._stop.set()
        for pool in pools:
            pool.retire()
        for worker in running:
            worker.interrupt()
        if front is not None:  # its shutdown waits for its loop: not on the caller's thread
            threading.Thread(target=front.stop, name="wsnb-moto-http-stop", daemon=True).start()

    # ------------------------------------------------------------------ environments

    def _new_pool(self, function: LocalFunction) -> Pool:
        from ..node import NodeFunctionSpec

        handler = function.handler
        if not isinstance(handler, FileHandler):  # a notebook function is always Python
            raise TypeError(f"a Node.js function needs a file handler, not {handler!r}")
        server = self.server
        tools = tools_for()
        code = code_of(handler, function.runtime, server.root, tools)
        if code is not None and not set(code.sdk) <= tools.sdk_packages:
            tools = tools_for(code.sdk)
        environment = dict(function.environment)
        front = self._moto_front()
        for name in _ENDPOINTS:
            if name in environment:  # in-process hosts: the front answers for them
                environment[name] = front.base_url
        environment["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{function.runtime}"
        spec = NodeFunctionSpec(
            handler.text,
            server.root,
            runtime=function.runtime,
            file=code.file if code is not None else None,
            name=function.name,
            memory=function.memory,
            timeout=function.timeout,
            region=server.region,
            account=server.account,
            environment=environment,
            log_group=function.log_group,
            management_url=server.management_origin,
            domain_names=(server.domain_name,),
            api_ids=(server.api_id,),
        )
        self._start_reaper()
        return Pool(identity_of(function), code, spec, tools)

    def _moto_front(self) -> Any:
        with self._lock:
            if self._front is None:
                from ._moto_http import start_moto_http

                self._front = start_moto_http()
            return self._front

    def _start_reaper(self) -> None:
        with self._lock:
            if self._reaper is not None or self._closed:
                return
            self._reaper = threading.Thread(target=self._reap, name="wsnb-node-reaper", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        idle = type(self).idle_seconds
        while not self._stop.wait(max(0.05, min(30.0, idle / 4))):
            since = time.monotonic() - idle
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                pool.reap(since)


def _error(error: dict[str, Any] | None) -> InvocationError:
    """Lambda's ``{errorType, errorMessage, trace}`` as an :class:`InvocationError`."""
    error = error or {}
    trace = error.get("trace") or []
    stack = "\n".join(str(t) for t in trace) if isinstance(trace, list) else str(trace)
    return InvocationError(
        str(error.get("errorType") or "Error"), str(error.get("errorMessage") or ""), stack
    )


def _closed_error() -> InvocationError:
    return InvocationError("Runtime.Unavailable", "the local server is stopping")
