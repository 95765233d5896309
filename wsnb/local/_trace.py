"""Per-message timestamps for the benchmark: where the emulator spends its time.

Off by default (each point then costs one global lookup). ``enable()`` turns it on for the
process; every MESSAGE then gets a :class:`Mark` with ``time.perf_counter_ns`` stamps:

* ``r`` — the frame handed over by ``websockets`` (received and parsed),
* ``q`` — the handler's job is queued for a worker thread (on the loop),
* ``s`` / ``e`` — the handler starts / returns (in its worker thread),
* ``m`` — a management API call reaches the emulator (botocore has validated and serialized it),
* ``w`` — the reply frame is written to the socket (a ``return_response`` body, or the first
  frame a management ``post_to_connection`` of this invocation sends).

:func:`summary` aggregates them: ``pre`` = r→s (routing, event, hand-off to the thread; ``route`` = r→q, ``wake`` = q→s),
``post`` = e→w (result back to the loop and written; ``return_response`` routes),
``mgmt`` = m→w (management call answered and its frame written; ``post_to_connection``),
``handler_to_call`` / ``call_to_return`` = s→m / m→e (the handler and boto3 before / after
the management call), ``overhead`` = pre + (mgmt if the handler posted, else post). CPU, not wall time:
``handler_cpu`` = the handler thread's CPU time in the handler (incl. boto3 and the in-process
management answer), ``answer_cpu`` = the part of it spent in the emulator's answer. ``beyond`` = the round trip's
server side minus the handler's and boto3's own time on it: pre + (e→w + the answer's wall
time, when the frame left after the handler returned — the GIL makes the handler's tail run
first — else m→w). — the emulator's own share of a
round trip, beyond the handler, boto3 and ``websockets``' framing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

ON = False
now = time.perf_counter_ns
cpu = time.thread_time_ns
_marks: list[Mark] = []
_local = threading.local()
_LIMIT = 500_000


class Mark:
    """The timestamps of one MESSAGE invocation (nanoseconds, ``perf_counter_ns``)."""

    __slots__ = ("ac", "aw", "e", "hc", "m", "q", "r", "s", "w")

    def __init__(self) -> None:
        self.r = now()
        self.q = self.s = self.e = self.m = self.w = 0
        self.hc = self.ac = 0  # thread CPU ns: in the handler; in the management answer
        self.aw = 0  # wall ns inside the management answer


def enable(on: bool = True) -> None:
    """Turn tracing on (or off) for this process."""
    global ON
    ON = on


def begin() -> Mark | None:
    """A new mark for a received message (None when tracing is off)."""
    if not ON:
        return None
    mark = Mark()
    if len(_marks) < _LIMIT:
        _marks.append(mark)
    return mark


def current() -> Mark | None:
    """The mark of the invocation running on this thread, if any."""
    return getattr(_local, "mark", None)


def set_current(mark: Mark | None) -> None:
    _local.mark = mark


def _stats(values: list[int]) -> dict[str, float]:
    if not values:
        return {"n": 0, "mean_us": 0.0, "p50_us": 0.0, "p90_us": 0.0}
    values = sorted(values)
    n = len(values)
    return {
        "n": n,
        "mean_us": sum(values) / n / 1000,
        "p50_us": values[n // 2] / 1000,
        "p90_us": values[min(n - 1, int(n * 0.9))] / 1000,
    }


def summary(reset: bool = True) -> dict[str, Any]:
    """Mean/p50/p90 (µs) of pre (route, wake), post, mgmt, overhead, handler and total since
    the last reset."""
    marks = list(_marks)
    if reset:
        _marks.clear()
    pre, route, wake, post, mgmt, over, handler, total, before, after = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    handler_cpu, answer_cpu, beyond = [], [], []
    for k in marks:
        if not (k.s and k.e and k.w):
            continue
        pre.append(k.s - k.r)
        if k.q:
            route.append(k.q - k.r)
            wake.append(k.s - k.q)
        handler.append(k.e - k.s)
        handler_cpu.append(k.hc)
        answer_cpu.append(k.ac)
        total.append(k.w - k.r)
        if k.m:
            before.append(k.m - k.s)
            after.append(k.e - k.m)
            mgmt.append(k.w - k.m)
            over.append(k.s - k.r + k.w - k.m)
            if k.w >= k.e:  # the frame left after the handler: its tail (boto3) ran first
                beyond.append(k.s - k.r + k.w - k.e + k.aw)
            else:
                beyond.append(k.s - k.r + k.w - k.m)
        else:
            post.append(k.w - k.e)
            over.append(k.s - k.r + k.w - k.e)
            beyond.append(k.s - k.r + k.w - k.e)
    return {
        "pre": _stats(pre),
        "route": _stats(route),
        "wake": _stats(wake),
        "post": _stats(post),
        "mgmt": _stats(mgmt),
        "overhead": _stats(over),
        "beyond": _stats(beyond),
        "handler": _stats(handler),
        "handler_cpu": _stats(handler_cpu),
        "answer_cpu": _stats(answer_cpu),
        "handler_to_call": _stats(before),
        "call_to_return": _stats(after),
        "total": _stats(total),
    }
