"""Letting a handler's thread act for the server's loop while the loop waits for I/O.

The server's loop thread holds a :class:`LoopGate` at all times except while it is blocked
waiting for sockets (its selector's ``select`` with a timeout). Another thread that finishes
an invocation, or posts to a connection, tries the gate: when it is open the loop is asleep,
touching no state, so that thread runs the loop-side step itself — records the result, writes
the reply frame — with no wake-up of the loop (one thread hand-off per message instead of
two). When the gate is shut (the loop is busy) the step goes to the loop's inbox as before.

A step run through the gate must not wait for the loop, and must reach the loop's scheduler
only through thread-safe calls (``call_soon_threadsafe``, which wakes it). Only selector event
loops have a ``select`` to open the gate in; elsewhere (Windows' proactor loop, asyncio debug
mode) the gate stays shut and every step goes through the inbox.

The loop also calls :attr:`LoopGate.before_wait` each time it is about to wait (after opening
the gate): the workers hand new jobs to their threads then (see :class:`._workers.Workers`);
``before_wait`` touches nothing a step through the gate does.
"""

from __future__ import annotations

import asyncio
import selectors
import sys
import threading
from collections.abc import Callable
from typing import Any


class LoopGate:
    """Held by the loop thread except while it waits for I/O (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner = 0  # the thread holding the gate (0: none)
        self.enabled = False  # set when the loop's selector opens it (see new_loop)
        #: called by the loop thread each time it is about to wait for I/O
        self.before_wait: Callable[[], Any] | None = None

    # the loop thread
    def hold(self) -> None:
        self._lock.acquire()
        self.owner = threading.get_ident()

    def open(self) -> None:
        self.owner = 0
        self._lock.release()

    # other threads
    def try_enter(self) -> bool:
        """Enter when the loop waits for I/O (then :meth:`leave` after the step)."""
        if self.enabled and self._lock.acquire(blocking=False):
            self.owner = threading.get_ident()
            return True
        return False

    def leave(self) -> None:
        self.owner = 0
        self._lock.release()

    def held_here(self) -> bool:
        """Whether this thread acts for the loop now (it is the loop, or it entered)."""
        return self.owner == threading.get_ident()

    def shut(self) -> None:
        """For good (the loop is closing): steps go to the inbox, which refuses them."""
        self.enabled = False


def new_loop(gate: LoopGate) -> asyncio.AbstractEventLoop:
    """A new event loop for the server's thread that opens ``gate`` while it waits for I/O
    (a selector loop), or asyncio's default loop with the gate shut where there is none."""
    if sys.platform == "win32":
        return asyncio.new_event_loop()

    class GatedSelector(selectors.DefaultSelector):
        def select(self, timeout: float | None = None) -> Any:
            before = gate.before_wait
            if timeout is not None and timeout <= 0:  # a poll: the loop goes on at once
                if before is not None:
                    before()
                return super().select(timeout)
            gate.open()
            try:
                if before is not None:  # after opening: what it wakes may use the gate
                    before()
                return super().select(timeout)
            finally:
                gate.hold()

    loop = asyncio.SelectorEventLoop(GatedSelector())
    gate.enabled = not loop.get_debug()
    return loop
