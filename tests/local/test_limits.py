"""API Gateway limits: message/frame size, idle timeout, connection duration, compression."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.local import handlers_nb as h
from tests.local.conftest import exchange, run, seen
from tests.waiting import wait_until
from wsnb import WebSocketApi


@pytest.fixture(scope="module")
def server():
    api = (
        WebSocketApi("Limits")
        .route("$disconnect", h.on_disconnect)
        .route("$default", h.size, return_response=True)
    )
    with api.serve() as srv:
        yield srv


async def _closed_by_server(url, send):
    async with websockets.connect(url, max_size=None) as ws:
        await send(ws)
        await asyncio.wait_for(ws.wait_closed(), 5)
        return ws.close_code


def test_frame_over_32kb_closes_1009(server):
    code = run(_closed_by_server(server.url, lambda ws: ws.send("x" * (32 * 1024 + 1))))
    assert code == 1009
    assert wait_until(
        lambda: [
            e
            for _, e, _ in seen("$disconnect")
            if e["requestContext"]["disconnectStatusCode"] == 1009
        ]
    )


def test_message_over_128kb_in_small_frames_closes_1009(server):
    chunks = ["y" * (30 * 1024)] * 5  # 150 KB in 30 KB fragments
    assert run(_closed_by_server(server.url, lambda ws: ws.send(chunks))) == 1009


def test_message_under_limits_passes(server):
    chunks = ["z" * (30 * 1024)] * 4  # 120 KB in 30 KB fragments
    (reply,) = run(exchange(server.url, chunks))
    assert reply == str(120 * 1024)


def test_idle_timeout_closes_connection():
    api = (
        WebSocketApi("Idle")
        .route("$disconnect", h.on_disconnect)
        .route("$default", h.size, return_response=True)
    )
    with api.serve(idle_timeout=0.3) as srv:

        async def go():
            async with websockets.connect(srv.url) as ws:
                await ws.send("a")
                await ws.recv()
                await asyncio.wait_for(ws.wait_closed(), 5)
                return ws.close_code

        assert run(go()) == 1001
        assert wait_until(
            lambda: [
                e
                for _, e, _ in seen("$disconnect")
                if e["requestContext"]["disconnectStatusCode"] == 1001
            ]
        )


def test_messages_keep_a_connection_alive_until_the_duration_cap():
    api = WebSocketApi("Cap").route("$default", h.size, return_response=True)
    with api.serve(idle_timeout=0.4, max_connection_seconds=1.0) as srv:

        async def go():
            loop = asyncio.get_running_loop()
            start = loop.time()
            async with websockets.connect(srv.url) as ws:
                try:
                    for _ in range(100):
                        await ws.send("ping")
                        await ws.recv()
                        await asyncio.sleep(0.1)
                except websockets.ConnectionClosed:
                    pass
                return loop.time() - start, ws.close_code

        elapsed, code = run(go())
        closes = [(e["status"], e["detail"]) for e in srv.events if e["type"] == "close"]
    assert code == 1001
    assert closes == [(1001, "maximum connection duration reached")]  # not the idle timeout
    assert elapsed >= 0.9  # not before the cap (how long after depends on the machine's load)


def test_no_permessage_deflate_by_default(server):
    async def go():
        async with websockets.connect(server.url) as ws:
            return ws.response.headers.get("Sec-WebSocket-Extensions")

    assert run(go()) is None


def test_compression_on_request():
    api = WebSocketApi("Deflate").route("$default", h.size, return_response=True)
    with api.serve(compression="deflate") as srv:

        async def go():
            async with websockets.connect(srv.url) as ws:
                return ws.response.headers.get("Sec-WebSocket-Extensions")

        assert "permessage-deflate" in run(go())


def test_many_connections_at_once(server):
    async def one(i):
        async with websockets.connect(server.url) as ws:
            await ws.send(json.dumps({"i": i}))
            return await ws.recv()

    async def go():
        return await asyncio.gather(*(one(i) for i in range(100)))

    replies = run(go())
    assert replies == [str(len(json.dumps({"i": i}))) for i in range(100)]


def test_fragmented_and_single_frame_messages_mixed(server):
    """Single-frame messages take a shortcut past websockets' assembler; fragmented ones don't.
    Both kinds, interleaved on one connection, are each answered. (Messages invoke their
    functions concurrently, as on AWS, so each reply is awaited before the next message.
    Binary frames close 1003: see test_fidelity.py.)"""

    async def go():
        replies = []
        async with websockets.connect(server.url) as ws:
            for message in (["ab", "cd", "ef"], "x" * 7, iter(["g", "hi"])):  # 3, 1, 2 frames
                await ws.send(message)
                replies.append(await asyncio.wait_for(ws.recv(), 5))
        return replies

    assert run(go()) == ["6", "7", "3"]


def test_invalid_utf8_text_frame_closes_1007(server):
    """websockets' own check still applies to frames that take the shortcut."""
    from websockets.frames import Frame, Opcode

    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send("ok")
            assert await asyncio.wait_for(ws.recv(), 5) == "2"
            ws.protocol.send_frame(Frame(Opcode.TEXT, b"\xc3\x28"))  # invalid UTF-8
            ws.send_data()
            await asyncio.wait_for(ws.wait_closed(), 5)
            return ws.close_code

    assert run(go()) == 1007
