"""Handler threads, and the inbox that brings their results back to the server's loop.

Sync handlers run on worker threads so a blocking handler never stalls other connections. The
hand-off is kept cheap: jobs go to the threads through a ``queue.SimpleQueue``; results (and
management API calls from any thread) come back through an :class:`Inbox`, which wakes the
loop once per batch — not once per item — so under load many completions share one wake-up.
Threads are started on demand, up to ``max_workers``.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import traceback
from collections.abc import Callable
from typing import Any

from . import _environ, _trace

log = logging.getLogger("wsnb.local")


class HandlerFailed(Exception):
    """A handler raised (or timed out); carries what the log and the authorizer need."""

    def __init__(self, error: BaseException | None, text: str) -> None:
        super().__init__(text)
        self.error = error
        self.text = text


def failure_of(exc: BaseException) -> HandlerFailed:
    """A :class:`HandlerFailed` with the traceback text of ``exc``."""
    if isinstance(exc, HandlerFailed):
        return exc
    if not isinstance(exc, Exception):  # SystemExit & co. end the invocation, not the server
        wrapped = RuntimeError(f"{type(exc).__name__}: {exc}")
        wrapped.__cause__ = exc
        exc = wrapped
    return HandlerFailed(
        exc, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )


class Inbox:
    """Calls from any thread to run on the server loop, in order, one wake-up per batch."""

    def __init__(self, loop: Any) -> None:
        self._loop = loop
        self._items: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            collections.deque()
        )
        self._scheduled = False

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
        items = self._items
        for _ in range(len(items)):
            fn, args = items.popleft()
            try:
                fn(*args)
            except Exception:  # one bad completion never stops the others
                log.exception("internal error in the local emulator")


class Job:
    """One call to run on a worker thread: ``fn(*args)`` with a function's ``os.environ``."""

    __slots__ = (
        "args",
        "callback",
        "environment",
        "failure",
        "fn",
        "mark",
        "result",
        "settled",
        "timer",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        environment: dict[str, Any] | None,
        callback: Callable[[Job], Any],
        mark: _trace.Mark | None = None,
    ) -> None:
        self.fn = fn
        self.args = args
        self.environment = environment
        self.callback = callback  # called once, on the loop, with the finished (or timed out) job
        self.mark = mark
        self.result: Any = None
        self.failure: HandlerFailed | None = None
        self.settled = False
        self.timer: Any = None

    def run(self) -> None:
        token = _environ.OVERLAY.set(self.environment)
        if self.mark is not None:
            _trace.set_current(self.mark)
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:
            self.failure = failure_of(exc)
        finally:
            if self.mark is not None:
                _trace.set_current(None)
            _environ.OVERLAY.reset(token)


class Workers:
    """Threads running :class:`Job`\\ s; results return through the inbox (loop-thread API)."""

    def __init__(self, inbox: Inbox, max_workers: int, name: str = "wsnb-lambda") -> None:
        self._inbox = inbox
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._max = max(1, int(max_workers))
        self._name = name
        self.busy = 0  # submitted and not yet settled; only touched on the loop thread

    def submit(self, job: Job, loop: Any = None, timeout: float | None = None) -> None:
        """Run ``job`` on a thread (call on the loop). With ``timeout``, the job settles as
        timed out after that many seconds if the handler has not returned."""
        self.busy += 1
        if self.busy > len(self._threads) and len(self._threads) < self._max:
            thread = threading.Thread(
                target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self._jobs.put(job)
        if timeout is not None:  # the job settles on this (loop) thread later, which cancels it
            job.timer = loop.call_later(timeout, self._expire, job, timeout)

    def _work(self) -> None:
        get, put = self._jobs.get, self._inbox.put
        settle = self._settle
        while True:
            job = get()
            if job is None:
                return
            job.run()
            put(settle, job)

    def _settle(self, job: Job) -> None:
        self.busy -= 1
        if job.timer is not None:
            job.timer.cancel()
        if not job.settled:
            job.settled = True
            job.callback(job)

    @staticmethod
    def _expire(job: Job, seconds: float) -> None:
        if not job.settled:
            job.settled = True
            job.failure = HandlerFailed(None, f"Task timed out after {seconds:.2f} seconds")
            job.callback(job)

    def shutdown(self) -> None:
        """Let every thread finish its current job and end (does not wait)."""
        for _ in self._threads:
            self._jobs.put(None)
