"""Handler threads, and the inbox that brings their results back to the server's loop.

Handlers (sync, and async ones on their thread's own loop) run on worker threads so a blocking
handler never stalls other connections or invocations. The
hand-off is kept cheap: jobs go to the threads through a ``queue.SimpleQueue``; results (and
management API calls from any thread) come back through an :class:`Inbox`, which wakes the
loop once per batch — not once per item — so under load many completions share one wake-up.
Threads are started on demand (see :class:`Workers`) and reused when idle.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ._gate import LoopGate
from ._handler_runtime import InvocationError

log = logging.getLogger("wsnb.local")


class Inbox:
    """Calls from any thread to run on the server loop, in order, one wake-up per batch; or
    at once on the calling thread, through the loop's gate (:mod:`._gate`), when the loop
    waits for I/O (:meth:`run_or_put`)."""

    def __init__(self, loop: Any, gate: LoopGate | None = None) -> None:
        self._loop = loop
        self.gate = gate if gate is not None else LoopGate()
        self._items: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            collections.deque()
        )
        self._scheduled = False

    def run_or_put(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Run ``fn(*args)`` now, for the loop, if its gate is open (after what was queued
        before, so order holds); else queue it (:meth:`put`). ``fn`` must not wait for the
        loop and must schedule on it only thread-safely."""
        gate = self.gate
        if not gate.try_enter():
            return self.put(fn, *args)
        try:
            self.run_queued()
            try:
                fn(*args)
            except Exception:
                log.exception("internal error in the local emulator")
        finally:
            gate.leave()
        return True

    def run_queued(self) -> None:
        """Run what is queued (on the loop, or through its gate)."""
        items = self._items
        while items:
            fn, args = items.popleft()
            try:
                fn(*args)
            except Exception:  # one bad completion never stops the others
                log.exception("internal error in the local emulator")

    def put(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(*args)`` for the loop; False when the loop is gone."""
        self._items.append((fn, args))
        if not self._scheduled:
            self._scheduled = True
            try:
                self._loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # the loop is closed
                self._scheduled = False
                return False
        return True

    def _drain(self) -> None:
        self._scheduled = False  # items put from now on schedule another drain
        self.run_queued()


class Job:
    """One invocation (or internal call) to run on a worker thread: ``fn(*args)``.

    Timing follows Lambda behind API Gateway: the clocks start when ``fn`` *starts* on its
    thread (``started``), not when it was submitted. ``answer_after`` is when the caller stops
    waiting (``callback`` then gets the job with ``failure.kind`` naming the clock);
    ``limit_after`` is the function's own timeout, when its concurrency is released even if the
    thread (which Python cannot stop) is still running, and ``expired()`` is called. A job that
    ends after it was settled by a clock goes to ``late(job)`` instead of ``callback``.
    """

    __slots__ = (
        "answer_after",
        "args",
        "callback",
        "exception",
        "expired",
        "failure",
        "fn",
        "inline",
        "late",
        "limit_after",
        "pool",
        "released",
        "result",
        "settled",
        "started",
        "timer",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        callback: Callable[[Job], Any],
    ) -> None:
        self.fn = fn
        self.args = args
        self.callback = callback  # called once, on the loop, with the finished (or timed out) job
        self.result: Any = None
        self.exception: BaseException | None = None  # what fn raised
        self.failure: InvocationError | None = None  # a clock ran out, or throttled
        self.settled = False
        self.timer: Any = None
        self.started: float | None = None  # time.monotonic() when fn began
        self.answer_after: float | None = None
        self.limit_after: float | None = None
        self.pool: _Pool | None = None
        self.released = False
        self.expired: Callable[[], Any] | None = None
        self.late: Callable[[Job], Any] | None = None
        #: its callbacks may run on the worker thread through the loop's gate (they never wait
        #: for the loop, and schedule on it thread-safely; see Inbox.run_or_put)
        self.inline = False

    def run(self) -> None:
        self.started = time.monotonic()
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:
            self.exception = exc


class _Pool:
    """A concurrency pool: one function's reserved concurrency, or the account's unreserved.
    ``running`` counts invocations accepted and not yet finished (or timed out), as Lambda
    counts concurrency (changed under the workers' lock)."""

    __slots__ = ("limit", "name", "running")

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.running = 0


class Throttled(Exception):
    """The invocation was throttled: its function (or the account) is at its concurrency limit."""


#: AWS's default Lambda concurrency per account and Region ("Lambda quotas").
ACCOUNT_CONCURRENCY = 1000

#: Threads started at once, without waiting to see whether a busy one frees up.
_WARM_THREADS = 16
#: How often queued jobs are checked for a stall (every thread busy and none finishing).
_STALL_SECONDS = 0.005
#: A thread beyond the warm ones that has had no job this long ends (a burst of blocked
#: handlers does not leave hundreds of idle threads behind; Lambda, too, retires idle
#: execution environments — after an undocumented time; this one is wsnb's choice).
IDLE_SECONDS = 30.0


class Workers:
    """Threads running :class:`Job`\\ s, Lambda-like; results return through the inbox.

    An invocation starts on an idle thread, or on a new one: up to ``_WARM_THREADS`` threads
    start at once; beyond, a job waits for a busy thread only while threads keep finishing
    jobs — when none finished for ``_STALL_SECONDS`` (every thread blocked), more threads start.
    So a blocked handler never delays another by more than a few milliseconds, while a flood
    of quick ones does not start a thread each. Threads are never per connection, and are
    reused; those beyond the warm ones end after ``IDLE_SECONDS`` without a job. Concurrency is
    counted as Lambda does, over invocations in flight (from submission to the end of the
    handler or of the function's timeout): a function with ``reserved_concurrent_executions``
    has that many, the others share the account's unreserved concurrency (``account_limit``
    minus the reserved ones); beyond it :meth:`submit` raises :class:`Throttled`. The clocks of
    a job start when its handler starts (not while queued). Public methods run on the loop
    thread. With a gated loop (:mod:`._gate`) submitted jobs reach the threads when the loop
    next goes to wait for I/O — at the end of its current step, when it lets go of the GIL.
    """

    def __init__(
        self,
        inbox: Inbox,
        account_limit: int = ACCOUNT_CONCURRENCY,
        name: str = "wsnb-lambda",
    ) -> None:
        self._inbox = inbox
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._name = name
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a job (under _lock)
        self._waiting = 0  # jobs queued and not yet taken (under _lock)
        self._taken = 0  # jobs taken so far (under _lock): progress, for the stall check
        self._started = 0  # threads started so far (names them)
        self._watch: Any = None
        self._loop: Any = inbox._loop
        self.account_limit = max(1, int(account_limit))
        self._unreserved = _Pool("account", self.account_limit)
        self._reserved: dict[str, _Pool] = {}
        self.busy = 0  # submitted and not yet finished (loop thread)
        # With a gated loop (see _gate) jobs wait here until the loop goes to wait for I/O (it
        # calls flush()): a thread woken earlier would only wait for the GIL the loop holds.
        self._deferred: collections.deque[Job] | None = None
        if inbox.gate.enabled:
            self._deferred = collections.deque()
            inbox.gate.before_wait = self.flush

    @property
    def threads(self) -> int:
        """Worker threads alive now (warm ones, plus any still within their idle time)."""
        with self._lock:
            return len(self._threads)

    def reserve(self, function: str, limit: int | None) -> None:
        """Declare ``function``'s reserved concurrency (None: it shares the account's)."""
        if limit is None:
            self._reserved.pop(function, None)
        else:
            pool = self._reserved.get(function)
            if pool is None:
                self._reserved[function] = _Pool(function, int(limit))
            else:
                pool.limit = int(limit)
        reserved = sum(p.limit for p in self._reserved.values())
        self._unreserved.limit = max(0, self.account_limit - reserved)

    def submit(
        self,
        job: Job,
        loop: Any = None,
        answer_after: float | None = None,
        function: str | None = None,
        limit_after: float | None = None,
    ) -> None:
        """Run ``job`` on a thread (call on the loop). With ``function`` the job is an
        invocation counted against that function's concurrency (raises :class:`Throttled`).
        With ``answer_after`` the job settles as timed out that many seconds after it starts."""
        pool = None if function is None else self._reserved.get(function) or self._unreserved
        with self._lock:  # concurrency counts from now: a burst cannot slip in before threads start
            full = pool is not None and pool.running >= pool.limit
            if not full:
                if pool is not None:
                    pool.running += 1
                self._waiting += 1
            spare = self._idle - self._waiting
            warm_left = len(self._threads) < _WARM_THREADS
        if full:
            assert pool is not None
            kind = "reserved" if pool is not self._unreserved else "unreserved account"
            raise Throttled(
                f"Rate Exceeded: {function} is at its concurrency limit "
                f"({pool.limit} {kind} concurrent executions)"
            )
        job.pool = pool
        if loop is not None:
            self._loop = loop
        self.busy += 1
        if spare < 0:
            if warm_left:
                self._start_thread()
            elif self._watch is None and self._loop is not None:
                self._watch = self._loop.call_later(_STALL_SECONDS, self._stall_check, -1)
        if self._deferred is not None:
            self._deferred.append(job)  # handed over when the loop goes to wait (flush)
        else:
            self._jobs.put(job)
        if answer_after is not None:
            job.answer_after = answer_after
            job.limit_after = limit_after if limit_after is not None else answer_after
            job.timer = loop.call_later(answer_after, self._check, job, loop)

    def _start_thread(self) -> None:
        with self._lock:
            self._started += 1
            warm = len(self._threads) < _WARM_THREADS
            thread = threading.Thread(
                target=self._work,
                args=(not warm,),
                name=f"{self._name}_{self._started}",
                daemon=True,
            )
            self._threads.append(thread)
        thread.start()

    def _stall_check(self, taken_before: int) -> None:
        """Queued jobs and no idle thread: start threads if none took a job since last time."""
        self._watch = None
        with self._lock:
            waiting, idle, taken = self._waiting, self._idle, self._taken
        if waiting <= idle:
            return
        if taken == taken_before:  # every thread is stuck: start enough for the queue
            for _ in range(min(waiting - idle, 64)):
                self._start_thread()
        self._watch = self._loop.call_later(_STALL_SECONDS, self._stall_check, taken)

    def _work(self, retires: bool = False) -> None:
        get, put, lock = self._jobs.get, self._inbox.put, self._lock
        run_or_put = self._inbox.run_or_put
        finish = self._finish
        while True:
            with lock:
                self._idle += 1
            if retires:
                try:
                    job = get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with lock:
                        self._idle -= 1
                        if self._waiting <= self._idle:  # no queued job is counting on it
                            self._threads.remove(threading.current_thread())
                            return
                    continue
            else:
                job = get()
            with lock:
                self._idle -= 1
                self._waiting -= 1
                self._taken += 1
            if job is None:
                return
            job.run()
            self._release(job)
            (run_or_put if job.inline else put)(finish, job)

    def _release(self, job: Job) -> bool:
        """The invocation no longer counts against its concurrency (any thread); False when
        it was released already."""
        with self._lock:
            if job.released:
                return False
            job.released = True
            if job.pool is not None:
                job.pool.running -= 1
            return True

    def _finish(self, job: Job) -> None:
        self.busy -= 1
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        if not job.settled:
            job.settled = True
            job.callback(job)
        elif job.late is not None:
            job.late(job)

    def _check(self, job: Job, loop: Any) -> None:
        """A job's clock ran out, counted from submission: re-arm it from the handler's start."""
        job.timer = None
        if job.released and job.settled:
            return
        started = job.started
        now = time.monotonic()
        if started is None:  # not started yet (rare: threads are made on demand): wait for it
            job.timer = loop.call_later(0.05, self._check, job, loop)
            return
        if not job.settled:
            left = started + (job.answer_after or 0) - now
            if left > 0.001:
                job.timer = loop.call_later(left, self._check, job, loop)
                return
            job.settled = True
            function_clock = (job.limit_after or 0) <= (job.answer_after or 0)
            seconds = job.answer_after or 0
            job.failure = (
                InvocationError(
                    "Sandbox.Timedout",
                    f"Task timed out after {seconds:.2f} seconds",
                    kind="function-timeout",
                )
                if function_clock
                else InvocationError(
                    "IntegrationTimeout",
                    f"Endpoint request timed out after {seconds:.2f} seconds (API Gateway's "
                    "integration timeout; the function keeps running to its own timeout)",
                    kind="integration-timeout",
                )
            )
            job.callback(job)
        if not job.released:
            left = started + (job.limit_after or 0) - now
            if left > 0.001:
                job.timer = loop.call_later(left, self._check, job, loop)
                return
            # the function's own timeout: Lambda ends it (the runtime replaces its environment)
            if self._release(job) and job.expired is not None:
                job.expired()

    def flush(self) -> None:
        """Hand the jobs submitted since the last flush to the threads (with a gated loop, the
        loop calls it each time it goes to wait for I/O: see :class:`Workers`)."""
        deferred = self._deferred
        if deferred:
            put = self._jobs.put
            while True:
                try:
                    job = deferred.popleft()
                except IndexError:  # emptied (also by a shutdown for the loop, see stop())
                    return
                put(job)

    def shutdown(self) -> None:
        """Let every thread finish its current job and end (does not wait)."""
        self.flush()
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        with self._lock:
            alive = len(self._threads)
            self._waiting += alive
        for _ in range(alive):
            self._jobs.put(None)
