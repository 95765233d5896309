"""Shared helpers for the emulator tests: real websockets clients on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest

from tests.local import handlers_nb
from tests.waiting import wait_until as wait_until  # the one helper; re-exported for old imports

# hypothesis' pytest plugin imports hypothesis at the terminal summary, when handler threads may
# still run; CPython 3.11's AST constructor state is shared between threads and sometimes raises
# "SystemError: AST constructor recursion depth mismatch" then. Import it now, single-threaded.
with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401


def run(coro: Any) -> Any:
    """Run a client coroutine with a hard deadline."""
    return asyncio.run(asyncio.wait_for(coro, 30))


async def exchange(
    url: str, *messages: Any, expect: int | None = None, **connect_kw: Any
) -> list[Any]:
    """Connect, send each message, and collect ``expect`` replies (default: one per message)."""
    import websockets

    replies = []
    async with websockets.connect(url, open_timeout=10, **connect_kw) as ws:
        for m in messages:
            await ws.send(m)
        for _ in range(len(messages) if expect is None else expect):
            replies.append(await asyncio.wait_for(ws.recv(), 10))
    return replies


async def exchange_in_turn(url: str, *messages: Any, **connect_kw: Any) -> list[Any]:
    """Connect, then send each message and wait for its reply before the next one.

    Messages on one connection invoke their functions concurrently (as on AWS), so replies to a
    batch may come back in any order; use this when the test pairs replies with messages."""
    import websockets

    replies = []
    async with websockets.connect(url, open_timeout=10, **connect_kw) as ws:
        for m in messages:
            await ws.send(m)
            replies.append(await asyncio.wait_for(ws.recv(), 10))
    return replies


def seen(kind: str) -> list[tuple[str, dict, dict]]:
    return [s for s in handlers_nb.SEEN if s[0] == kind]


def action(name: str, **extra: Any) -> str:
    return json.dumps({"action": name, **extra})


@pytest.fixture(autouse=True)
def _clear_seen():
    handlers_nb.SEEN.clear()
    yield
    handlers_nb.SEEN.clear()


@pytest.fixture
def aws_env(monkeypatch):
    """Fake credentials and region for calls made from the test itself (the 'notebook')."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
