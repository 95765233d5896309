"""Route selection, error frames, route responses, $connect decisions, handler kinds."""

from __future__ import annotations

import json
import logging
import re

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.local import handlers_nb as h
from tests.local.conftest import action, exchange, exchange_in_turn, run, seen
from wsnb import WebSocketApi

FRAME = re.compile(
    r'^\{"message": "(?P<m>[^"]+)", "connectionId":"(?P<c>[A-Za-z0-9]{15}=)", "requestId":"(?P<r>[A-Za-z0-9]{15}=)"\}$'
)


@pytest.fixture(scope="module")
def server():
    api = (
        WebSocketApi("Routing")
        .route("$connect", h.on_connect)
        .route("dump", h.dump, return_response=True)
        .route("quiet", h.dump)  # no return_response: the body is ignored
        .route("boom", h.boom)
        .route("slow", h.slow, return_response=True)
        .route("asyncEcho", h.async_echo, return_response=True)
        .route("bad", h.unserializable, return_response=True)
    )
    with api.serve(integration_timeout=0.5) as srv:
        yield srv


def test_action_selects_route(server):
    (reply,) = run(exchange(server.url, action("dump")))
    assert json.loads(reply)["event"]["requestContext"]["routeKey"] == "dump"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"action": "nope"}',
        '{"no": "action"}',
        '{"action": 5}',
        "[1,2]",
        '{"action": "$connect"}',
    ],
)
def test_no_match_without_default_is_forbidden_and_connection_stays(server, body):
    replies = run(exchange_in_turn(server.url, body, action("dump")))
    m = FRAME.match(replies[0])
    assert m and m["m"] == "Forbidden"
    assert json.loads(replies[1])["event"]["requestContext"]["connectionId"] == m["c"]


def test_default_route_takes_unmatched():
    api = (
        WebSocketApi("Dflt")
        .route("$default", h.dump, return_response=True)
        .route("dump", h.size, return_response=True)
    )
    with api.serve() as srv:
        # one message at a time: invocations run concurrently, so a batch's replies may reorder
        a, b, c = run(
            exchange_in_turn(srv.url, "plain text", '{"action": "other"}', action("dump"))
        )
    assert json.loads(a)["event"]["requestContext"]["routeKey"] == "$default"
    assert json.loads(b)["event"]["requestContext"]["routeKey"] == "$default"
    assert c == str(len(action("dump")))


def test_handler_exception_gives_internal_server_error_and_keeps_connection(server, caplog):
    with caplog.at_level(logging.ERROR, logger="wsnb.local"):
        replies = run(exchange(server.url, action("boom"), action("dump")))
    # handlers run concurrently (as Lambda invocations do): the replies may come in any order
    frames = [FRAME.match(r) for r in replies if FRAME.match(r)]
    assert len(frames) == 1
    m = frames[0]
    assert m["m"] == "Internal server error"
    (other,) = [r for r in replies if not FRAME.match(r)]
    assert json.loads(other)["event"]["requestContext"]["routeKey"] == "dump"
    assert "ValueError: boom from a handler" in caplog.text
    errors = [e for e in server.events if e["type"] == "error" and e["requestId"] == m["r"]]
    assert errors and "boom from a handler" in errors[0]["detail"]


def _slept(tag: str) -> list[dict]:
    """The events of h.slow invocations sent with ``tag`` that have finished sleeping."""
    return [e for _, e, _ in seen("slept") if json.loads(e["body"]).get("tag") == tag]


def test_error_frame_is_immediate(server):
    # answered when the handler raises, not when API Gateway stops waiting (0.5 s here: that
    # answer would read "Endpoint request timed out")
    (reply,) = run(exchange(server.url, action("boom")))
    assert FRAME.match(reply)["m"] == "Internal server error"


def test_integration_timeout(server):
    replies = run(exchange(server.url, action("slow", s=5, tag="timeout"), action("dump")))
    assert not _slept("timeout")  # answered at the integration timeout, while it still sleeps
    frames = [FRAME.match(r) for r in replies if FRAME.match(r)]  # replies may come in any order
    # "Quotas for configuring and running a WebSocket API in API Gateway" (integration timeout):
    # API Gateway stops waiting and answers "Endpoint request timed out" (the error frame shape).
    assert [f["m"] for f in frames] == ["Endpoint request timed out"]
    assert any("timed out" in (e.get("detail") or "") for e in server.events)


def test_quiet_route_sends_nothing(server):
    replies = run(exchange(server.url, action("quiet"), action("dump"), expect=1))
    assert json.loads(replies[0])["event"]["requestContext"]["routeKey"] == "dump"


def test_async_handler(server):
    (reply,) = run(exchange(server.url, action("asyncEcho")))
    assert reply == "async:" + action("asyncEcho")


def test_unserializable_result_is_an_error(server):
    (reply,) = run(exchange(server.url, action("bad")))
    assert FRAME.match(reply)["m"] == "Internal server error"


def test_slow_handler_does_not_block_other_connections(server):
    async def go():
        import asyncio

        async with (
            websockets.connect(server.url) as slow_ws,
            websockets.connect(server.url) as fast_ws,
        ):
            await slow_ws.send(action("slow", s=5, tag="other connection"))
            await fast_ws.send(action("dump"))
            fast = json.loads(await asyncio.wait_for(fast_ws.recv(), 5))
            slow_running = not _slept("other connection")  # the fast reply did not wait for it
            slow = await asyncio.wait_for(slow_ws.recv(), 5)  # its integration timeout
            return fast, slow_running, slow

    fast, slow_running, slow = run(go())
    assert fast["event"]["requestContext"]["routeKey"] == "dump"
    assert slow_running
    assert FRAME.match(slow)["m"] == "Endpoint request timed out"


@pytest.mark.parametrize("status", [401, 403, 429, 500])
def test_connect_non_2xx_refuses_with_that_status(server, status):
    with pytest.raises(InvalidStatus) as info:
        run(exchange(server.url + f"?reject={status}"))
    assert info.value.response.status_code == status


def test_connect_exception_refuses_with_502(server):
    with pytest.raises(InvalidStatus) as info:
        run(exchange(server.url + "?raise=1"))
    assert info.value.response.status_code == 502


def test_connect_timeout_refuses_with_504(server):
    with pytest.raises(InvalidStatus) as info:
        run(exchange(server.url + "?sleep=2"))
    assert info.value.response.status_code == 504


def test_connect_may_choose_subprotocol(server):
    async def go():
        async with websockets.connect(server.url + "?proto=chat", subprotocols=["chat"]) as ws:
            return ws.subprotocol

    assert run(go()) == "chat"


def test_no_connect_route_accepts():
    api = WebSocketApi("NoConnect").route("dump", h.dump, return_response=True)
    with api.serve() as srv:
        (reply,) = run(exchange(srv.url, action("dump")))
    assert json.loads(reply)["event"]["requestContext"]["routeKey"] == "dump"
    assert seen("$connect") == []


def test_wrong_stage_path_is_forbidden(server):
    with pytest.raises(InvalidStatus) as info:
        run(exchange(server.url + "/prod"))
    assert info.value.response.status_code == 403
    run(exchange(server.url + "/dev/"))


def test_plain_http_request_is_answered_not_crashing(server):
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=5)
    assert info.value.code == 426
    info.value.close()
    run(exchange(server.url, action("dump")))


def test_garbage_bytes_do_not_crash_the_server(server):
    import socket

    for payload in (
        b"\x00\xff garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        b"",
    ):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            s.recv(1024)
    (reply,) = run(exchange(server.url, action("dump")))
    assert json.loads(reply)["event"]["requestContext"]["routeKey"] == "dump"
