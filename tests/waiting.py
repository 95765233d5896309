"""Waiting for something that happens on another thread or process, without fixed sleeps.

A test that sleeps a fixed time and then asserts is slow when the machine is idle and flaky when
it is busy; poll the condition instead, with a generous deadline that only a real failure hits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 5.0, *, interval: float = 0.01, what: Any = None
) -> T:
    """Call ``predicate`` until it returns something truthy and return that value; raise
    ``AssertionError`` (naming ``what`` when given) if it has not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"condition not met within {timeout} s" + (f": {what}" if what else "")
            )
        time.sleep(interval)
