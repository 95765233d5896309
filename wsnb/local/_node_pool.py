"""The warm environments of one version of one Node.js function: a pool of Node workers.

A :class:`Pool` holds the workers (:class:`wsnb.node.NodeWorker`, one Node process each, one
invocation at a time) of one function as it is now — its code (:class:`._node_code.NodeCode`)
and its configuration (name, runtime, environment, timeout, memory). An invocation takes the
most recently used idle worker (warm reuse), else a new one (a cold start: more environments for
concurrent calls; the emulator's concurrency accounting bounds how many run at once), and gives
it back when done — unless its environment ended (a timeout, a crash). When the code or the
configuration changes the runtime makes a new pool and *retires* this one: its idle workers end
at once, busy ones when their invocation returns. Workers idle longer than the runtime's limit
are reaped.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ._handler_runtime import LocalFunction
from ._node_code import NodeCode

#: What makes two versions of a function the same environment (besides its code).
Identity = tuple[str, str, str, str, float, int]


def identity_of(function: LocalFunction) -> Identity:
    return (
        function.name,
        function.runtime,
        str(function.handler),
        function.env_digest,
        function.timeout,
        function.memory,
    )


class Pool:
    """The workers of one function version (see the module docstring)."""

    def __init__(self, identity: Identity, code: NodeCode | None, spec: Any, tools: Any) -> None:
        self.identity = identity
        self.code = code  # None: no SST candidate file (the worker resolves Lambda's way)
        self.spec = spec  # wsnb.node.NodeFunctionSpec
        self.tools = tools
        self.retired = False
        self._idle: list[tuple[Any, float]] = []  # (NodeWorker, when it became idle)
        self._lock = threading.Lock()
        self._init_logs: tuple[Any, ...] = ()  # what the first environment printed at init

    def serves(self, function: LocalFunction) -> bool:
        """True when this pool runs ``function`` as it is now (configuration and files)."""
        if self.identity != identity_of(function):
            return False
        return self.code is None or self.code.fresh()

    def new_worker(self) -> Any:
        from ..node import NodeWorker

        return NodeWorker(self.spec, tools=self.tools)

    def warm_up(self) -> Any:
        """Start one environment (the Init phase) and keep it idle; returns its ``Started``."""
        worker = self.new_worker()
        started = worker.start()
        if started.ok:
            self._init_logs = started.logs
            self.checkin(worker, ended=False)
        else:
            worker.kill()
        return started

    def init_logs(self) -> tuple[Any, ...]:
        """The lines printed while the warmed-up environment loaded (given out once)."""
        with self._lock:
            logs, self._init_logs = self._init_logs, ()
        return logs

    def checkout(self) -> Any:
        """An idle worker (the most recently used), else a new one (started by its invocation)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()[0]
        return self.new_worker()

    def checkin(self, worker: Any, *, ended: bool) -> None:
        """Give a worker back after its invocation; an ended or retired one is killed."""
        with self._lock:
            if not ended and not self.retired and worker.alive:
                self._idle.append((worker, time.monotonic()))
                return
        worker.kill()

    def reap(self, idle_since: float) -> int:
        """End the workers idle since before ``idle_since`` (``time.monotonic()``)."""
        with self._lock:
            old = [w for w, at in self._idle if at < idle_since]
            self._idle = [(w, at) for w, at in self._idle if at >= idle_since]
        for worker in old:
            worker.kill()
        return len(old)

    def retire(self) -> None:
        """No more invocations here: idle workers end now, busy ones when they return."""
        with self._lock:
            self.retired = True
            idle, self._idle = self._idle, []
        for worker, _ in idle:
            worker.kill()

    @property
    def idle_count(self) -> int:
        return len(self._idle)
